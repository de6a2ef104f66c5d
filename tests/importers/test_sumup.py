"""SumUp transactions export: the French sample and hand-made files (payouts covering several
sales, failed rows, English headers, malformed inputs)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import sumup
from ecomledger.money import parse_amount

from .conftest import assert_balanced, assert_loads, total

CLEARING = "Assets:Clearing:SumUp"
FEES = "Expenses:Fees:SumUp"
SAMPLE = ("sumup", "banana_sumup_fr_20260310.csv")
HEADER = (
    "Email,Date,Réf. transaction,Type de transaction,Status,Type de carte,4\u00a0derniers "
    "chiffres,Description,Montant total,Prix net,Tax amount,Tip amount,Frais,Virement,"
    "Date du virement,Payout ID,Reference\n"
)


def importer(sales_from_orders: bool = False) -> sumup.Importer:
    return sumup.Importer("shop", CLEARING, FEES, "EUR", sales_from_orders)


def file_totals(path: Path) -> dict[str, Decimal]:
    """The file's own figures: nets of sales, refunds, fees of sales, payouts with an id."""
    out = dict.fromkeys(("sales", "refunds", "fees", "payouts"), Decimal(0))
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["Type de transaction"]
            if kind == "Sale":
                out["sales"] += parse_amount(row["Virement"], ".")
                out["fees"] += parse_amount(row["Frais"], ".")
            elif kind == "Remboursé":
                out["refunds"] += parse_amount(row["Montant total"], ".")
            elif kind == "Virement" and row["Payout ID"]:
                out["payouts"] += parse_amount(row["Virement"], ".")
    return out


def test_sample_imports_balanced_with_the_files_totals(samples):
    path = samples.joinpath(*SAMPLE)
    imp = importer()
    assert imp.identify(str(path))
    entries = imp.extract(str(path), [])
    assert_balanced(entries)
    assert_loads(entries)
    sums = file_totals(path)
    assert total(entries, CLEARING) == sums["sales"] + sums["refunds"] - sums["payouts"]
    assert total(entries, FEES) == sums["fees"] == Decimal("2.98")
    assert total(entries, "Assets:Transfers") == sums["payouts"] == Decimal("145.34")
    assert len(entries) == 8  # 4 sales, 1 refund, 3 payouts; the refund adjustment books nothing
    assert any("has no Payout ID" in finding for finding in imp.findings[str(path)])


def test_sample_ids_are_stable_and_unique(samples):
    path = str(samples.joinpath(*SAMPLE))
    keys = [e.meta["source_id"] for e in importer().extract(path, [])]
    assert keys == [e.meta["source_id"] for e in importer().extract(path, [])]
    assert len(set(keys)) == len(keys)
    assert "sumup:shop:tx:XXXXX4" in keys and "sumup:shop:refund:XXXXX4" in keys
    assert "sumup:shop:payout:1234567" in keys


def test_sample_payouts_are_dated_on_the_payout_date(samples):
    entries = importer().extract(str(samples.joinpath(*SAMPLE)), [])
    payout = next(e for e in entries if e.meta.get("payout_id") == "1234567")
    assert payout.date.isoformat() == "2025-12-24"
    assert total([payout], "Assets:Transfers") == Decimal("22.08")


def test_sales_from_orders_books_only_fees(samples):
    entries = importer(sales_from_orders=True).extract(str(samples.joinpath(*SAMPLE)), [])
    assert_balanced(entries)
    assert total(entries, "Assets:Customers") == 0
    assert total(entries, FEES) == Decimal("2.98")
    assert not any(e.meta["source_id"].endswith("refund:XXXXX4") for e in entries)  # no fee


SALE = "a@b.fr,{date},{ref},Sale,{status},VISA,1111,x,{gross},,,0.0,{fee},{net},,,\n"
PAYOUT = ",{date},{ref},Virement,Paid,,,,{gross},,,,{fee},{net},2026-02-03,{pid},\n"


def test_one_payout_covering_several_sales_is_one_transfer(write):
    body = (
        SALE.format(date="2026-02-01 10:00:00", ref="A", status="Accepté", gross="10.00",
                    fee="0.20", net="9.80")
        + SALE.format(date="2026-02-01 11:00:00", ref="B", status="Échoué", gross="5.00",
                      fee="0.10", net="4.90")
        + SALE.format(date="2026-02-01 12:00:00", ref="C", status="Accepté", gross="20.00",
                      fee="0.40", net="19.60")
        + PAYOUT.format(date="2026-02-01 10:01:00", ref="A", gross="10.00", fee="0.20",
                        net="9.80", pid="P1")
        + PAYOUT.format(date="2026-02-01 12:01:00", ref="C", gross="20.00", fee="0.40",
                        net="19.60", pid="P1")
    )  # fmt: skip
    imp = importer()
    path = write("sumup.csv", HEADER + body)
    entries = imp.extract(path, [])
    assert_loads(entries)
    payouts = [e for e in entries if e.meta.get("payout_id") == "P1"]
    assert len(payouts) == 1 and total(payouts, "Assets:Transfers") == Decimal("29.40")
    assert payouts[0].date.isoformat() == "2026-02-03"
    assert total(entries, FEES) == Decimal("0.60")  # the payout rows do not book fees again
    assert any("1 failed or cancelled" in f for f in imp.findings[path])


def test_english_headers(write):
    header = (
        "Email,Date,Transaction ID,Transaction Type,Status,Card Type,Last 4 Digits,"
        "Description,Total Amount,Fee,Payout,Payout Date,Payout ID\n"
    )
    body = "a@b.fr,2026-02-01 10:00,T1,Sale,Successful,VISA,1111,x,10.00,0.20,9.80,,\n"
    (entry,) = importer().extract(write("en.csv", header + body), [])
    assert total([entry], CLEARING) == Decimal("9.80")


GOOD = SALE.format(date="2026-02-01 10:00:00", ref="A", status="Accepté", gross="10.00",
                   fee="0.20", net="9.80")  # fmt: skip


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (GOOD + "a@b.fr,2026-02-01,A\n", 3, "fields"),
        (GOOD.replace("2026-02-01 10:00:00", "hier"), 2, "not a date"),
        (GOOD.replace("10.00", "dix"), 2, "not an amount"),
        (GOOD.replace("10.00", ""), 2, "empty"),
    ],
)
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.csv", HEADER + body)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (HEADER + GOOD).encode() + b"\xe9t\xc3\n"
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == 3


def test_other_files_are_not_identified(write):
    assert not importer().identify(write("x.csv", "Date,Amount,Label\n2026-01-01,1.00,x\n"))
