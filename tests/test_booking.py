"""Booking matches the source's own totals to the cent, tax-inclusive or tax-exclusive."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from beancount.core import data
from beancount.parser import printer

from ecomledger.booking import (
    ROUNDING,
    SaleContext,
    book_bank_line,
    book_order,
    book_payout,
    book_refund,
    booking_date,
)
from ecomledger.model import (
    BankLine,
    Customer,
    Order,
    OrderLine,
    Payout,
    Refund,
    RefundLine,
    ShippingLine,
)

D = Decimal
CTX = SaleContext(shop="s", channel="shopify", clearing_account="Assets:Clearing:Stripe")
PARIS = dt.timezone(dt.timedelta(hours=1))


def by_account(txn: data.Transaction) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for posting in txn.postings:
        out[posting.account] = out.get(posting.account, D(0)) + posting.units.number
    return out


def assert_balanced(txn: data.Transaction) -> None:
    assert sum(p.units.number for p in txn.postings) == 0, printer.format_entry(txn)


def inclusive_order() -> Order:
    """Two rates, a 10 % discount split over the lines, taxed shipping: 44.10 + 4.90."""
    return Order(
        source="shopify:s",
        order_id="1",
        order_number="#1",
        processed_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS),
        currency="EUR",
        prices_include_tax=True,
        lines=(
            OrderLine(
                sku="BOOK",
                quantity=D(1),
                unit_price=D("24.00"),
                vat_rate=D("5.5"),
                discount=D("2.40"),
                tax=D("1.13"),
            ),
            OrderLine(
                sku="TEE",
                quantity=D(2),
                unit_price=D("12.50"),
                vat_rate=D(20),
                discount=D("2.50"),
                tax=D("3.75"),
            ),
        ),
        shipping=(ShippingLine(price=D("4.90"), vat_rate=D(20), tax=D("0.82")),),
        total=D("49.00"),
        customer=Customer(name="Marie", country="FR"),
    )


def test_tax_inclusive_order_books_to_the_cent() -> None:
    txn = book_order(inclusive_order(), CTX, "F-2026-000001")
    assert_balanced(txn)
    accounts = by_account(txn)
    assert accounts["Assets:Clearing:Stripe"] == D("49.00")
    assert accounts["Liabilities:VAT:Collected:FR:5-5"] == D("-1.13")
    assert accounts["Liabilities:VAT:Collected:FR:20"] == D("-4.57")
    # 24.00 / 1.055 = 22.75 before discount; 21.60 - 1.13 = 20.47 after: discount 2.28.
    # 25.00 / 1.2 = 20.83 before discount; 22.50 - 3.75 = 18.75 after: discount 2.08.
    assert accounts["Income:Sales:Goods:France"] == D("-43.58")
    assert accounts["Income:Sales:Discounts"] == D("4.36")
    assert accounts["Income:Sales:Shipping"] == D("-4.08")
    assert ROUNDING not in accounts
    assert txn.flag == "*"
    assert txn.meta["invoice"] == "F-2026-000001"


def test_tax_exclusive_order_computes_vat_on_the_discounted_net() -> None:
    order = Order(
        source="woocommerce:s",
        order_id="2",
        processed_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC),
        currency="EUR",
        prices_include_tax=False,
        lines=(
            OrderLine(
                sku="A", quantity=D(3), unit_price=D("9.99"), vat_rate=D(20), discount=D("3.00")
            ),
        ),
        shipping=(ShippingLine(price=D("5.00"), vat_rate=D(20)),),
        # (29.97 - 3.00) + 5.00 = 31.97 net; VAT 5.39 + 1.00 = 6.39; total 38.36
        total=D("38.36"),
    )
    txn = book_order(order, CTX)
    assert_balanced(txn)
    accounts = by_account(txn)
    assert accounts["Income:Sales:Goods:France"] == D("-29.97")
    assert accounts["Income:Sales:Discounts"] == D("3.00")
    assert accounts["Liabilities:VAT:Collected:FR:20"] == D("-6.39")
    assert ROUNDING not in accounts


def test_a_cent_of_difference_goes_to_rounding_and_more_is_a_discrepancy() -> None:
    order = inclusive_order().model_copy(update={"total": D("49.01")})
    txn = book_order(order, CTX)
    assert_balanced(txn)
    assert by_account(txn)[ROUNDING] == D("-0.01")
    assert txn.flag == "*"
    wrong = inclusive_order().model_copy(update={"total": D("59.00")})
    txn = book_order(wrong, CTX)
    assert_balanced(txn)
    assert txn.flag == "!"
    assert "the order's total is 59.00 EUR" in txn.meta["discrepancy"]


def test_partial_refund_is_a_credit_note_on_the_invoice_accounts() -> None:
    order = inclusive_order()
    refund = Refund(
        source="shopify:s",
        refund_id="r1",
        order_id="1",
        processed_at=dt.datetime(2026, 3, 9, 10, 0, tzinfo=PARIS),
        currency="EUR",
        lines=(
            RefundLine(
                sku="TEE",
                quantity=D(1),
                amount=D("9.38"),
                tax=D("1.87"),
                vat_rate=D(20),
                restock=True,
            ),
        ),
        shipping_amount=D("4.08"),
        shipping_tax=D("0.82"),
        shipping_vat_rate=D(20),
        total=D("16.15"),
    )
    txn = book_refund(refund, order, CTX)
    assert_balanced(txn)
    accounts = by_account(txn)
    assert accounts["Assets:Clearing:Stripe"] == D("-16.15")
    assert accounts["Income:Sales:Goods:France"] == D("9.38")
    assert accounts["Income:Sales:Shipping"] == D("4.08")
    assert accounts["Liabilities:VAT:Collected:FR:20"] == D("2.69")
    assert txn.meta["credit_note"] == ""
    assert txn.meta["order_source_id"] == "shopify:s:order:1"
    restocked = [p for p in txn.postings if p.meta and p.meta.get("restock")]
    assert restocked and restocked[0].meta["qty"] == D(-1)


def test_booking_date_is_taken_in_the_company_time_zone() -> None:
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)
    assert booking_date(late, "Europe/Paris") == dt.date(2026, 3, 3)
    assert booking_date(late, "UTC") == dt.date(2026, 3, 2)


def test_markets_and_mentions() -> None:
    b2b = inclusive_order().model_copy(
        update={
            "customer": Customer(name="X", country="BE", vat_number="BE0477472701"),
            "lines": (OrderLine(quantity=D(1), unit_price=D("10.00")),),
            "shipping": (),
            "total": D("10.00"),
        }
    )
    txn = book_order(b2b, CTX)
    assert "Income:Sales:Goods:EU-B2B" in by_account(txn)
    assert "262 ter" in txn.meta["vat_mention"]
    oss = inclusive_order().model_copy(
        update={
            "customer": Customer(name="Y", country="DE"),
            "lines": (
                OrderLine(quantity=D(1), unit_price=D("11.90"), vat_rate=D(19), tax=D("1.90")),
            ),
            "shipping": (),
            "total": D("11.90"),
        }
    )
    accounts = by_account(book_order(oss, CTX))
    assert accounts["Liabilities:VAT:Collected:DE:19"] == D("-1.90")
    assert accounts["Income:Sales:Goods:EU-B2C"] == D("-10.00")


def test_payout_moves_clearing_to_transfers_and_fees() -> None:
    payout = Payout(
        source="shopify:s",
        payout_id="p1",
        date=dt.date(2026, 3, 6),
        currency="EUR",
        amount=D("169.47"),
        fees=D("3.43"),
    )
    txn = book_payout(
        payout,
        "shopify-payments",
        "Assets:Clearing:ShopifyPayments",
        "Expenses:Fees:ShopifyPayments",
    )
    assert_balanced(txn)
    assert by_account(txn) == {
        "Assets:Transfers": D("169.47"),
        "Expenses:Fees:ShopifyPayments": D("3.43"),
        "Assets:Clearing:ShopifyPayments": D("-172.90"),
    }


def test_identical_bank_lines_get_distinct_keys_that_survive_re_exports() -> None:
    line = BankLine(
        source="qonto:main",
        account="Assets:Bank:Qonto",
        date=dt.date(2026, 3, 1),
        amount=D("-4.50"),
        currency="EUR",
        payee="Cafe",
    )
    twin = dataclasses.replace(line, occurrence=2)
    first, second = book_bank_line(line), book_bank_line(twin)
    assert first.meta["source_id"] != second.meta["source_id"]
    assert book_bank_line(dataclasses.replace(line)).meta["source_id"] == first.meta["source_id"]
    assert first.flag == "!"
    assert by_account(first) == {"Assets:Bank:Qonto": D("-4.50"), "Assets:Suspense": D("4.50")}
