"""PayPal activity download: the French and Italian samples, hand-made English and German
files, and the malformed inputs the importer must refuse naming file and line."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data, interpolate

from ecomledger.errors import InputError
from ecomledger.importers import paypal, processors
from ecomledger.importers._processor import map_columns
from ecomledger.money import parse_amount

from .conftest import assert_loads, txns

CLEARING = "Assets:Clearing:PayPal"
FEES = "Expenses:Fees:PayPal"
SAMPLES = {
    "banana_activity_fr_download.csv": ".",
    "banana_activity_fr_download2.csv": ".",
    "banana_activity_it_20240624.csv": ",",
}
HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"Transaction ID","Reference Txn ID","Invoice Number","Item Title","Balance Impact"\n'
)


def importer(sales_from_orders: bool = False) -> paypal.Importer:
    return paypal.Importer("main", CLEARING, FEES, "EUR", sales_from_orders)


def assert_balanced(entries: data.Entries) -> None:
    """Every transaction's weights sum to zero (a priced leg within a cent's fraction)."""
    for entry in txns(entries):
        residual = interpolate.compute_residual(entry.postings)
        priced = any(p.price for p in entry.postings)
        assert residual.is_small(Decimal("0.000001")) if priced else residual.is_empty(), entry


def totals(entries: data.Entries, account: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for entry in txns(entries):
        for posting in entry.postings:
            if posting.account == account:
                out[posting.units.currency] += posting.units.number
    return {k: v for k, v in out.items() if v}


def file_columns(path: Path, mark: str) -> list[dict[str, object]]:
    """The file's own rows (memo rows left out), read independently of the importer."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    gross, fee, net = (header.index(n) for n in _names(header, ("gross", "fee", "net")))
    ccy = header.index(_names(header, ("currency",))[0])
    out: list[dict[str, object]] = []
    for row in rows[1:]:
        if row[-1].casefold() in ("mémo", "memo"):
            continue
        out.append(
            {
                "currency": "EUR" if row[ccy] == "LII" else row[ccy],
                "gross": parse_amount(row[gross], mark),
                "fee": parse_amount(row[fee], mark),
                "net": parse_amount(row[net], mark),
            }
        )
    return out


def _names(header: list[str], fields: tuple[str, ...]) -> list[str]:
    columns = {name: header[i] for name, i in map_columns(header, paypal.ALIASES).items()}
    return [columns[f] for f in fields]


def by_currency(rows: list[dict[str, object]], field: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        out[str(row["currency"])] += row[field]  # type: ignore[operator]
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_import_balanced_with_the_files_totals(samples, name):
    path = samples / "paypal" / name
    assert importer().identify(str(path))
    entries = importer().extract(str(path), [])
    assert entries
    assert_balanced(entries)
    assert_loads(entries)
    rows = file_columns(path, SAMPLES[name])
    assert totals(entries, CLEARING) == by_currency(rows, "net")
    fees = {k: -v for k, v in by_currency(rows, "fee").items()}
    assert totals(entries, FEES) == fees
    for entry in txns(entries):
        assert entry.meta["source"] == "paypal:main"
        assert entry.meta["source_id"].startswith("paypal:main:")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_extracting_twice_gives_the_same_unique_source_ids(samples, name):
    path = str(samples / "paypal" / name)
    first = [e.meta["source_id"] for e in importer().extract(path, [])]
    assert first == [e.meta["source_id"] for e in importer().extract(path, [])]
    assert len(set(first)) == len(first)


def test_conversion_pair_is_one_transaction_with_a_priced_leg(samples):
    path = str(samples / "paypal" / "banana_activity_fr_download2.csv")
    purchase, conversion = importer().extract(path, [])
    assert purchase.flag == "!"  # a payment sent from the balance: for the user to categorise
    assert {p.account for p in purchase.postings} == {CLEARING, "Assets:Suspense"}
    legs = {p.units.currency: p for p in conversion.postings}
    assert legs["CHF"].units.number == Decimal("-331.18")
    assert legs["CHF"].price.currency == "EUR"
    assert legs["EUR"].units.number == Decimal("287.05") and legs["EUR"].price is None
    assert conversion.meta["source_id"] == (
        "paypal:main:conversion:03Y57196GN713480L+8NX93807N2784153R"
    )


def test_french_sample_books_every_pair_and_the_bank_fundings(samples):
    path = str(samples / "paypal" / "banana_activity_fr_download.csv")
    entries = importer().extract(path, [])
    conversions = [e for e in entries if ":conversion:" in e.meta["source_id"]]
    assert len(conversions) == 6
    fundings = [e for e in entries if any(p.account == "Assets:Transfers" for p in e.postings)]
    assert [e.postings[0].units for e in fundings] == [data.Amount(Decimal("200.00"), "CHF")] * 3
    assert all(e.meta["payout_id"] == e.meta["source_id"].split(":")[-1] for e in fundings)


def test_italian_sample_keeps_the_scrambled_currency_and_flags_bad_rows(samples):
    path = str(samples / "paypal" / "banana_activity_it_20240624.csv")
    imp = importer()
    entries = imp.extract(path, [])
    assert all(e.meta["currency_in_file"] == "LII" for e in entries)
    flagged = [e for e in entries if "discrepancy" in e.meta]
    assert len(flagged) == 6 and all(e.flag == "!" for e in flagged)
    for entry in flagged:
        assert any(p.account == "Expenses:Rounding" for p in entry.postings)
    assert any("'LII' is not an ISO 4217 currency" in f for f in imp.findings[path])
    assert any("time zone 'XXX' is unknown" in f for f in imp.findings[path])


def test_sales_from_orders_books_only_fees_of_payments(samples):
    path = str(samples / "paypal" / "banana_activity_it_20240624.csv")
    entries = importer(sales_from_orders=True).extract(path, [])
    assert_balanced(entries)
    assert not totals(entries, "Assets:Customers")
    assert totals(entries, FEES) == totals(importer().extract(path, []), FEES)
    first = entries[0]  # 20,00 received, 0,97 fee: only the fee leaves the clearing account
    assert [(p.account, p.units.number) for p in first.postings] == [
        (CLEARING, Decimal("-0.97")),
        (FEES, Decimal("0.97")),
    ]


def test_english_file_converts_the_zone_skips_memos_and_books_refunds(write):
    body = (
        '"12/31/2025","23:30:00","PST","Ann","Express Checkout Payment","Completed","EUR",'
        '"100.00","-3.20","96.80","T1","","1001","Mug","Credit"\n'
        '"01/02/2026","10:00:00","PST","Ann","Payment Refund","Completed","EUR",'
        '"-100.00","2.90","-97.10","T2","T1","1001","Mug","Debit"\n'
        '"01/02/2026","10:00:00","PST","","Account Hold for Open Authorization","Pending",'
        '"EUR","-5.00","0.00","-5.00","T3","","","","Memo"\n'
        '"01/03/2026","09:00:00","PST","","General Withdrawal","Completed","EUR",'
        '"-50.00","0.00","-50.00","T4","","","","Debit"\n'
    )
    entries = importer().extract(write("Download.CSV", HEADER + body), [])
    assert [e.date.isoformat() for e in entries] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    sale, refund, payout = entries
    assert sale.meta["order_id"] == "1001"
    assert totals([refund], "Assets:Customers") == {"EUR": Decimal("100.00")}
    assert totals([refund], FEES) == {"EUR": Decimal("-2.90")}  # the fee PayPal gave back
    assert payout.meta["payout_id"] == "T4"
    assert totals([payout], "Assets:Transfers") == {"EUR": Decimal("50.00")}
    assert_loads(entries)


def test_german_headers_and_day_first_dates(write):
    header = (
        "Datum,Uhrzeit,Zeitzone,Name,Typ,Status,Währung,Brutto,Gebühr,Netto,"
        "Transaktionscode,Auswirkung auf Guthaben\n"
    )
    body = (
        "13.01.2026,08:00:00,MEZ,Bob,Website-Zahlung,Abgeschlossen,EUR,"
        '"10,00","-0,45","9,55",D1,Haben\n'
    )
    (entry,) = importer().extract(write("de.csv", header + body), [])
    assert entry.date.isoformat() == "2026-01-13"
    assert totals([entry], CLEARING) == {"EUR": Decimal("9.55")}


ROW = (
    '"01/02/2026","10:00:00","CET","Ann","Payment","Completed","EUR",'
    '"{gross}","0.00","{net}","X{n}","","","",""\n'
)


def test_identical_rows_without_ids_get_numbered_keys(write):
    row = ROW.format(gross="5.00", net="5.00", n="").replace('"X"', '""')
    path = write("twins.csv", HEADER + row + row)
    keys = [e.meta["source_id"] for e in importer().extract(path, [])]
    assert len(set(keys)) == 2 and keys[1] == keys[0] + ":2"
    assert keys == [e.meta["source_id"] for e in importer().extract(path, [])]


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (ROW.format(gross="1.00", net="1.00", n=1) + '"01/02/2026","x"\n', 3, "fields"),
        (ROW.format(gross="1.00", net="1.00", n=1).replace("01/02/2026", "2026-13-45"), 2, "date"),
        (ROW.format(gross="abc", net="1.00", n=1), 2, "not an amount"),
        (ROW.format(gross="1.00", net="", n=1), 2, "empty"),
    ],
)
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.csv", HEADER + body)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (HEADER + ROW.format(gross="1.00", net="1.00", n="é")).encode() + b'"\xff\xfe"\n'
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == 3


def test_other_files_are_not_identified(write):
    assert not importer().identify(write("x.csv", "Date,Amount,Label\n2026-01-01,1.00,x\n"))
    assert not importer().identify(write("empty.csv", ""))


def test_each_sample_is_identified_by_exactly_one_processor_format(samples):
    """Formats must not claim each other's files, nor the bank statements beside them."""
    importers = {
        kind: processors.build(kind, "main", "Assets:Clearing:X", "Expenses:Fees:X")
        for kind in processors.PROCESSOR_FORMATS
    }
    expected = {"paypal": "paypal", "stripe": "stripe", "sumup": "sumup"}
    for path in sorted(p for p in samples.rglob("*") if p.is_file() and p.suffix != ".md"):
        claimed = [kind for kind, imp in importers.items() if imp.identify(str(path))]
        assert claimed == ([expected[path.parent.name]] if path.parent.name in expected else [])
