"""Amazon settlement flat file V2. No sample exists, so every file here is hand-made from the
documented columns (spec/formats.md §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import amazon_settlement

from .conftest import assert_balanced_and_loads, total

CLEARING = "Assets:Clearing:Amazon"
FEES = "Expenses:Commissions:Amazon"
COLUMNS = amazon_settlement.COLUMNS


def line(**values: str) -> str:
    return "\t".join(values.get(c.replace("-", "_"), "") for c in COLUMNS) + "\n"


def component(ttype: str, order: str, atype: str, desc: str, amount: str, **more: str) -> str:
    return line(
        settlement_id="S1",
        transaction_type=ttype,
        order_id=order,
        amount_type=atype,
        amount_description=desc,
        amount=amount,
        posted_date_time=more.pop("when", "2026-03-02 10:00:00 UTC"),
        posted_date="2026-03-02",
        **more,
    )


HEADER = "\t".join(COLUMNS) + "\n"
SUMMARY = line(
    settlement_id="S1",
    settlement_start_date="2026-03-01 00:00:00 UTC",
    settlement_end_date="2026-03-14 00:00:00 UTC",
    deposit_date="2026-03-16 05:24:32 UTC",
    total_amount="{total}",
    currency="EUR",
)
BODY = (
    component("Order", "402-1", "ItemPrice", "Principal", "50.00", shipment_id="SH1", sku="MUG")
    + component("Order", "402-1", "ItemPrice", "Tax", "10.00", shipment_id="SH1", sku="MUG")
    + component("Order", "402-1", "ItemPrice", "Shipping", "4.80", shipment_id="SH1")
    + component("Order", "402-1", "ItemFees", "Commission", "-9.00", shipment_id="SH1")
    + component("Order", "402-1", "ItemFees", "FBAPerUnitFulfillmentFee", "-3.00",
                shipment_id="SH1")
    + component("Refund", "402-9", "ItemPrice", "Principal", "-20.00", adjustment_id="A9",
                when="2026-03-05 23:30:00 UTC")
    + component("Refund", "402-9", "ItemFees", "Commission", "3.00", adjustment_id="A9",
                when="2026-03-05 23:30:00 UTC")
    + component("Refund", "402-9", "ItemFees", "RefundCommission", "-0.60", adjustment_id="A9",
                when="2026-03-05 23:30:00 UTC")
    + component("other-transaction", "", "other-transaction", "Subscription Fee", "-39.00")
    + component("other-transaction", "", "other-transaction", "Current Reserve Amount",
                "-5.00")
    + component("other-transaction", "", "FBA Inventory Reimbursement", "WAREHOUSE_LOST",
                "12.00")
)  # fmt: skip
TOTAL = "3.20"  # 64.80 - 12.00 - 17.60 - 39.00 - 5.00 + 12.00


def importer(sales_from_orders: bool = False) -> amazon_settlement.Importer:
    return amazon_settlement.Importer("eu", CLEARING, FEES, "EUR", sales_from_orders)


@pytest.fixture
def settlement(write) -> str:
    return write("settlement.txt", HEADER + SUMMARY.format(total=TOTAL) + BODY)


def test_settlement_books_orders_fees_reserve_and_deposit(settlement):
    imp = importer()
    assert imp.identify(settlement)
    entries = imp.extract(settlement, [])
    assert_balanced_and_loads(entries)
    assert imp.findings[settlement] == []
    assert total(entries, CLEARING) == Decimal("0")  # every component, less the deposit
    assert total(entries, "Assets:Transfers") == Decimal(TOTAL)
    assert total(entries, FEES) == Decimal("48.60")  # 12.00 + 0.60 - 3.00 + 39.00
    assert total(entries, "Assets:Customers") == Decimal("-44.80")
    assert total(entries, f"{CLEARING}:Reserved") == Decimal("5.00")
    assert total(entries, "Assets:Suspense") == Decimal("-12.00")
    order = next(e for e in entries if e.meta.get("order_id") == "402-1")
    assert order.meta["supplier_country"] == "LU"
    assert total([order], "Assets:VAT:Deductible") == Decimal("2.40")  # 20 % of 12.00
    assert total([order], "Liabilities:VAT:IntraEU") == Decimal("-2.40")
    assert order.meta["payout_id"] == "S1"


def test_dates_keys_and_flags(settlement):
    entries = importer().extract(settlement, [])
    by_id = {e.meta["source_id"]: e for e in entries}
    deposit = by_id["amazon:eu:settlement:S1:deposit"]
    assert deposit.date.isoformat() == "2026-03-16" and deposit.meta["payout_id"] == "S1"
    refund = by_id["amazon:eu:settlement:S1:refund:402-9:A9"]
    assert refund.date.isoformat() == "2026-03-06"  # 23:30 UTC is the next day in Paris
    assert total([refund], "Assets:Customers") == Decimal("20.00")
    assert "amazon:eu:settlement:S1:order:402-1:SH1" in by_id
    reimbursement = next(e for e in entries if total([e], "Assets:Suspense"))
    assert reimbursement.flag == "!"
    again = [e.meta["source_id"] for e in importer().extract(settlement, [])]
    assert list(by_id) == again and len(set(again)) == len(again)


def test_sales_from_orders_books_only_amazon_fees(settlement):
    entries = importer(sales_from_orders=True).extract(settlement, [])
    assert_balanced_and_loads(entries)
    assert total(entries, "Assets:Customers") == 0
    assert total(entries, FEES) == Decimal("48.60")


def test_a_total_that_the_components_miss_is_a_finding(write):
    path = write("s.txt", HEADER + SUMMARY.format(total="4.20") + BODY)
    imp = importer()
    entries = imp.extract(path, [])
    assert total(entries, CLEARING) == Decimal("-1.00")
    assert "states a total of 4.20 but its components add up to 3.20" in imp.findings[path][0]


def test_eu_locale_dates_and_decimal_commas(write):
    summary = line(
        settlement_id="S2",
        deposit_date="16.03.2026 05:24:32 UTC",
        total_amount="1.234,50",
        currency="EUR",
    )
    body = line(
        settlement_id="S2",
        transaction_type="Order",
        order_id="1",
        amount_type="ItemPrice",
        amount_description="Principal",
        amount="1.234,50",
        posted_date="02.03.2026",
    )
    entries = importer().extract(write("eu.txt", HEADER + summary + body), [])
    assert total(entries, "Assets:Transfers") == Decimal("1234.50")
    assert [e.date.isoformat() for e in entries] == ["2026-03-16", "2026-03-02"]


def test_scrambled_currency_is_kept_in_meta(write):
    summary = line(settlement_id="S3", deposit_date="2026-03-16", total_amount="1", currency="XYZ")
    entries = importer().extract(write("x.txt", HEADER + summary), [])
    assert entries[0].meta["currency_in_file"] == "XYZ"


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (SUMMARY.format(total=TOTAL) + "S1\tOrder\n", 3, "fields"),
        (SUMMARY.format(total="lots"), 2, "not an amount"),
        (SUMMARY.format(total=TOTAL).replace("2026-03-16 05:24:32 UTC", "tomorrow"), 2, "date"),
    ],
)
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.txt", HEADER + body)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (HEADER + SUMMARY.format(total=TOTAL)).encode() + "é".encode() + b"\xff\n"
    path = write("bad.txt", raw)
    with pytest.raises(InputError) as err:
        importer().extract(path, [])
    assert err.value.filename == path and err.value.lineno == 3


def test_file_without_summary_is_refused(write):
    path = write("bad.txt", HEADER + BODY)
    with pytest.raises(InputError, match="no summary row"):
        importer().extract(path, [])


def test_other_files_are_not_identified(write):
    assert not importer().identify(write("x.csv", "Date,Amount,Label\n2026-01-01,1.00,x\n"))
