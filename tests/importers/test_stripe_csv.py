"""Stripe CSV exports: the three samples (both report layouts, the "All transactions" export)
and hand-made files for the row kinds and malformed inputs the samples lack."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import stripe_csv
from ecomledger.money import parse_amount

from .conftest import assert_balanced, assert_loads, total

CLEARING = "Assets:Clearing:Stripe"
FEES = "Expenses:Fees:Stripe"
SAMPLES = {
    "banana_all_transactions_20231004.csv": ("Amount", "Fee", "Net", "Type", ","),
    "banana_balance_change_from_activity_20231010.csv": (
        "gross", "fee", "net", "reporting_category", ".",
    ),
    "banana_balance_change_from_activity_20250102.csv": (
        "gross", "fee", "net", "reporting_category", ".",
    ),
}  # fmt: skip
REPORT = (
    "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,"
    "description,automatic_payout_id,source_id,order_id\n"
)


def importer(sales_from_orders: bool = False, **kwargs: object) -> stripe_csv.Importer:
    return stripe_csv.Importer("main", CLEARING, FEES, "EUR", sales_from_orders, **kwargs)  # type: ignore[arg-type]


def column_sums(path: Path, layout: tuple[str, ...]) -> dict[str, Decimal]:
    """The file's own totals, per column and per type, read without the importer."""
    gross, fee, net, kind, mark = layout
    sums: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sums["gross"] += parse_amount(row[gross], mark)
            sums["fee"] += parse_amount(row[fee], mark)
            sums["net"] += parse_amount(row[net], mark)
            sums[f"net:{row[kind]}"] += parse_amount(row[net], mark)
            sums[f"gross:{row[kind]}"] += parse_amount(row[gross], mark)
    return sums


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_import_balanced_with_the_files_totals(samples, name):
    path = samples / "stripe" / name
    assert importer().identify(str(path))
    entries = importer().extract(str(path), [])
    assert entries
    assert_balanced(entries)
    assert_loads(entries)
    sums = column_sums(path, SAMPLES[name])
    assert total(entries, CLEARING) == sums["net"]
    assert total(entries, FEES) == sums["fee"]
    charges = sums["gross:charge"] + sums["gross:payment"]
    assert total(entries, "Assets:Customers") == -charges
    assert total(entries, "Assets:Transfers") == -sums["net:payout"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_extracting_twice_gives_the_same_unique_source_ids(samples, name):
    path = str(samples / "stripe" / name)
    first = [e.meta["source_id"] for e in importer().extract(path, [])]
    assert first == [e.meta["source_id"] for e in importer().extract(path, [])]
    assert len(set(first)) == len(first)
    assert all(key.startswith("stripe:main:tx:txn_") for key in first)


def test_all_transactions_payouts_reserves_and_scrambled_currency(samples):
    path = str(samples / "stripe" / "banana_all_transactions_20231004.csv")
    imp = importer()
    entries = imp.extract(path, [])
    payouts = [e for e in entries if total([e], "Assets:Transfers")]
    assert [e.meta["payout_id"] for e in payouts][:2] == [
        "po_1NxKblKh5QAlWt1CrSJXaMdA",
        "po_1NwcIpKh5QAlWt1CQ3jFNUDR",
    ]
    assert total(entries, "Assets:Transfers") == Decimal("291.06")
    assert total(entries, f"{CLEARING}:Reserved") == Decimal("0")  # the ± pairs are all here
    assert all(e.meta["currency_in_file"] == "por" for e in entries)
    assert all(p.units.currency == "EUR" for e in entries for p in e.postings)
    assert any("'por' is not an ISO 4217 currency" in f for f in imp.findings[path])
    first = entries[0]  # 2023-10-04 02:14 UTC is 04:14 in Paris
    assert first.date.isoformat() == "2023-10-04"


def test_balance_report_reads_created_in_the_report_zone(samples):
    path = str(samples / "stripe" / "banana_balance_change_from_activity_20231010.csv")
    entries = importer().extract(path, [])
    assert entries[0].date.isoformat() == "2023-09-10"
    assert total(entries, f"{CLEARING}:Reserved") == Decimal("-93.82")  # releases only


def test_lower_case_currency_is_upper_cased(samples):
    path = str(samples / "stripe" / "banana_balance_change_from_activity_20250102.csv")
    entries = importer().extract(path, [])
    assert {p.units.currency for e in entries for p in e.postings} == {"CHF"}
    assert all("currency_in_file" not in e.meta for e in entries)
    assert entries[0].payee == "User1"


def test_sales_from_orders_books_only_the_fee_of_a_charge(samples):
    path = str(samples / "stripe" / "banana_balance_change_from_activity_20250102.csv")
    first = importer(sales_from_orders=True).extract(path, [])[0]
    assert [(p.account, p.units.number) for p in first.postings] == [
        (CLEARING, Decimal("-2.95")),
        (FEES, Decimal("2.95")),
    ]


def test_row_kinds_zone_and_reverse_charge(write):
    body = (
        "txn_1,2026-01-31 23:30:00,eur,100.00,3.00,97.00,charge,Order 42,po_9,ch_1,42\n"
        "txn_2,2026-02-01 10:00:00,eur,-20.00,0.00,-20.00,refund,Refund 42,po_9,re_1,42\n"
        "txn_3,2026-02-01 11:00:00,eur,-15.00,0.00,-15.00,dispute,Chargeback,,dp_1,\n"
        "txn_4,2026-02-02 11:00:00,eur,-5.00,0.00,-5.00,fee,Radar,,,\n"
        "txn_5,2026-02-03 11:00:00,eur,-57.00,0.00,-57.00,payout,Payout,,po_9,\n"
        "txn_6,2026-02-03 12:00:00,eur,1.00,0.00,1.00,climate_order_refund,Odd,,,\n"
    )
    entries = importer(supplier_country="IE").extract(write("report.csv", REPORT + body), [])
    assert_balanced(entries)
    assert_loads(entries)
    charge, refund, dispute, fee, payout, other = entries
    assert charge.date.isoformat() == "2026-02-01"  # 23:30 UTC is the next day in Paris
    assert charge.meta["order_id"] == "42" and charge.meta["supplier_country"] == "IE"
    assert total([charge], "Assets:VAT:Deductible") == Decimal("0.60")
    assert total([refund], "Assets:Customers") == Decimal("20.00")
    assert total([dispute], "Assets:Customers") == Decimal("15.00")
    assert total([fee], FEES) == Decimal("5.00") and total([fee], CLEARING) == Decimal("-5.00")
    assert payout.meta["payout_id"] == "po_9"
    assert total([payout], "Assets:Transfers") == Decimal("57.00")
    assert other.flag == "!" and other.meta["stripe_type"] == "climate_order_refund"
    assert total([other], "Assets:Suspense") == Decimal("-1.00")


def test_sales_from_orders_still_books_disputes_on_customers(write):
    body = "txn_3,2026-02-01 11:00:00,eur,-15.00,15.00,-30.00,dispute,Chargeback,,dp_1,\n"
    (entry,) = importer(sales_from_orders=True).extract(write("r.csv", REPORT + body), [])
    assert total([entry], "Assets:Customers") == Decimal("15.00")
    assert total([entry], FEES) == Decimal("15.00")


def test_plain_created_column_uses_the_report_timezone(write):
    header = "balance_transaction_id,created,currency,gross,fee,net,reporting_category\n"
    body = "txn_1,2026-01-31 23:30:00,eur,10.00,0.00,10.00,charge\n"
    path = write("r.csv", header + body)
    assert importer().extract(path, [])[0].date.isoformat() == "2026-01-31"
    late = importer(report_timezone="UTC").extract(path, [])[0]
    assert late.date.isoformat() == "2026-02-01"


ROW = "txn_{n},2026-01-10 10:00:00,eur,{gross},0.00,{net},charge,x,,,\n"


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (ROW.format(n=1, gross="1.00", net="1.00") + "txn_2,2026-01-10,eur\n", 3, "fields"),
        (ROW.format(n=1, gross="1.00", net="1.00").replace("2026-01-10 10:00:00", "soon"), 2,
         "not a date"),
        (ROW.format(n=1, gross="1.2.3", net="1.00"), 2, "not an amount"),
    ],
)  # fmt: skip
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.csv", REPORT + body)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (REPORT + ROW.format(n="é", gross="1.00", net="1.00")).encode() + b"txn_\xff\n"
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == 3


def test_paypal_and_bank_files_are_not_identified(write):
    assert not importer().identify(write("x.csv", "Date,Amount,Label\n2026-01-01,1.00,x\n"))
    paypal_header = (
        '"Date","Time","TimeZone","Type","Currency","Gross","Fee","Net","Transaction ID"\n'
    )
    assert not importer().identify(write("p.csv", paypal_header))
