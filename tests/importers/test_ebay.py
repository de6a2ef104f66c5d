"""eBay Transaction report. No sample exists: the files here are hand-made from the report's
documented columns, with the preamble the report starts with."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import ebay

from .conftest import assert_balanced_and_loads, total

CLEARING = "Assets:Clearing:Ebay"
FEES = "Expenses:Fees:Ebay"
PREAMBLE = (
    "Transaction report\n"
    '"Start date","Jan 1, 2026"\n'
    '"End date","Jan 31, 2026"\n'
    "Seller,test.seller\n"
    "\n"
)
HEADER = (
    "Transaction creation date,Type,Order number,Legacy order ID,Buyer username,Buyer name,"
    "Ship to city,Ship to province/region/state,Ship to zip,Ship to country,Net amount,"
    "Payout currency,Payout date,Payout ID,Payout method,Payout status,Reason for hold,"
    "Item ID,Transaction ID,Item title,Custom label,Quantity,Item subtotal,"
    "Shipping and handling,Seller collected tax,eBay collected tax,"
    "Final Value Fee - fixed,Final Value Fee - variable,Regulatory operating fee,"
    '"Very high ""item not as described"" fee",Below standard performance fee,'
    "International fee,Charity donation,Deposit processing fee,Gross transaction amount,"
    "Transaction currency,Exchange rate,Reference ID,Description\n"
)
D = "--"


def row(date: str, kind: str, order: str, net: str, **more: str) -> str:
    fields = [
        f'"{date}"', kind, order, order, "buyer1", more.get("buyer", "Ann Buyer"), D, D, D, "FR",
        net, more.get("ccy", "EUR"), D, more.get("payout", D), D, D, D, D,
        more.get("txn", D), more.get("item", D), D, D, D, D, D, more.get("tax", D),
        more.get("fixed", D), more.get("variable", D), D, D, D, D, D, D,
        more.get("gross", D), "EUR", D, more.get("ref", D), more.get("desc", D),
    ]  # fmt: skip
    return ",".join(fields) + "\n"


BODY = (
    # a two-item order: a summary row with net and gross, item rows with the fees
    row("Jan 5, 2026", "Order", "11-111", "40.10", gross="45.00")
    + row("Jan 5, 2026", "Order", "11-111", D, txn="T1", item="Mug", fixed="-0.30",
          variable="-2.00")
    + row("Jan 5, 2026", "Order", "11-111", D, txn="T2", item="Cup", fixed="-0.30",
          variable="-2.30")
    + row("Jan 8, 2026", "Refund", "11-111", "-9.56", gross="-10.00", variable="0.44",
          ref="R1", item="Cup")
    + row("Jan 9, 2026", "Other fee", "11-111", "-0.89", ref="FEE-1", desc="Ad fee")
    + row("Jan 10, 2026", "Hold", "11-222", "-20.00", ref="H1", desc="Hold placed")
    + row("Jan 12, 2026", "Payout", D, '"-1,009.65"', payout="P77", desc="Scheduled payout")
    + row("Jan 13, 2026", "Transfer", D, "5.00", ref="X1")
)  # fmt: skip


def importer(sales_from_orders: bool = False) -> ebay.Importer:
    return ebay.Importer("shop", CLEARING, FEES, "EUR", sales_from_orders)


@pytest.fixture
def report(write) -> str:
    return write("Transaction_report.csv", PREAMBLE + HEADER + BODY)


def test_report_imports_balanced_with_its_totals(report):
    imp = importer()
    assert imp.identify(report)
    entries = imp.extract(report, [])
    assert_balanced_and_loads(entries)
    nets = Decimal("40.10") - Decimal("9.56") - Decimal("0.89") - Decimal("20.00")
    nets += Decimal("-1009.65") + Decimal("5.00")
    assert total(entries, CLEARING) == nets
    assert total(entries, FEES) == Decimal("4.90") - Decimal("0.44") + Decimal("0.89")
    assert total(entries, "Assets:Customers") == Decimal("-35.00")
    assert total(entries, "Assets:Transfers") == Decimal("1009.65")
    assert total(entries, f"{CLEARING}:Reserved") == Decimal("20.00")


def test_an_order_is_one_movement_and_the_rest_one_per_row(report):
    entries = importer().extract(report, [])
    keys = [e.meta["source_id"] for e in entries]
    assert keys[:2] == ["ebay:shop:order:11-111", "ebay:shop:refund:11-111:R1"]
    assert "ebay:shop:payout:P77" in keys
    order = entries[0]
    assert order.meta["order_id"] == "11-111" and order.date.isoformat() == "2026-01-05"
    assert "discrepancy" not in order.meta  # 45.00 - 4.90 = 40.10
    other = next(e for e in entries if e.meta.get("ebay_type") == "Transfer")
    assert other.flag == "!" and total([other], "Assets:Suspense") == Decimal("-5.00")
    assert keys == [e.meta["source_id"] for e in importer().extract(report, [])]
    assert len(set(keys)) == len(keys)


def test_sales_from_orders_books_only_fees(report):
    entries = importer(sales_from_orders=True).extract(report, [])
    assert_balanced_and_loads(entries)
    assert total(entries, "Assets:Customers") == 0
    assert total(entries, FEES) == Decimal("5.35")


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (row("Jan 5, 2026", "Order", "1", "1.00") + "Jan 6,Order\n", 8, "fields"),
        (row("Someday", "Order", "1", "1.00"), 7, "not a date"),
        (row("Jan 5, 2026", "Order", "1", "one"), 7, "not an amount"),
    ],
)
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.csv", PREAMBLE + HEADER + body)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (PREAMBLE + HEADER + row("Jan 5, 2026", "Order", "é", "1.00")).encode() + b"\xff\n"
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == 8


def test_other_files_are_not_identified(write):
    assert not importer().identify(write("x.csv", "Date,Amount,Label\n2026-01-01,1.00,x\n"))
