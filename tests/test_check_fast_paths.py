"""The fast paths of the amount checks refuse exactly what the full checks refuse.

Booking checks every record (:func:`ecomledger.booking.check_order` and friends) and the
writer renders every amount with the currency's decimals; both run once per record of an
import, so each has a fast path. These tests hold the fast paths to the full checks' word.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ecomledger import booking
from ecomledger.errors import InputError
from ecomledger.model import Order, OrderLine, Payout, Refund, RefundLine, ShippingLine
from ecomledger.money import as_minor_units, money_fits, money_problem

EDGES = [
    "0", "-0", "-0.00", "0E+3", "0E-30", "12.5", "12.50", "12.500", "12.505", "-3.1",
    "1500", "1500.00", "1500.50", "0.001", "1E-7", "1E+14", "5E+2", "-5E-2",
    "999999999999999.99", "999999999999999.999", "1E+15", "1000000000000000",
    "-999999999999999.99", "-1000000000000000.00", "1E+30", "123456789012345678901234567890",
    "NaN", "-NaN", "NaN123", "sNaN", "Infinity", "-Infinity",
]  # fmt: skip


@pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
def test_money_fits_agrees_with_money_problem(currency: str) -> None:
    for text in EDGES:
        value = Decimal(text)
        assert money_fits([value], currency) is (money_problem(value, currency) == ""), text


def test_an_amount_not_stated_is_skipped() -> None:
    assert money_fits([None, Decimal("1.00")], "EUR")
    assert not money_fits([None, Decimal("1.001")], "EUR")


def test_a_nan_with_a_payload_is_not_money() -> None:
    # str(Decimal("NaN123")) ends with a digit and has neither dot nor exponent
    assert money_problem(Decimal("NaN123"), "EUR") == "NaN123 is not a number"
    assert not money_fits([Decimal("12.50"), Decimal("NaN123")], "EUR")


@pytest.mark.parametrize(
    ("text", "currency", "written"),
    [
        ("12.5", "EUR", "12.50"),
        ("-0", "EUR", "-0.00"),
        ("1500.00", "JPY", "1500"),
        ("1500.50", "JPY", "1500.50"),
        ("1E-7", "EUR", "0.0000001"),
        ("1E+3", "EUR", "1000.00"),
        ("1E+15", "EUR", "1000000000000000"),
        ("0.125", "KWD", "0.125"),
        ("NaN", "EUR", "NaN"),
    ],
)
def test_as_minor_units(text: str, currency: str, written: str) -> None:
    assert as_minor_units(Decimal(text), currency) == written


def _order(**changes: object) -> Order:
    line = OrderLine(quantity=Decimal(2), unit_price=Decimal("10.00"), vat_rate=Decimal(20))
    fields: dict[str, object] = {
        "source": "shopify:test",
        "filename": "orders.json",
        "order_id": "1",
        "order_number": "#1",
        "processed_at": dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC),
        "currency": "EUR",
        "prices_include_tax": True,
        "lines": (line,),
        "shipping": (ShippingLine(price=Decimal("4.90"), vat_rate=Decimal(20)),),
        "total": Decimal("24.90"),
    }
    fields.update(changes)
    return Order(**fields)  # type: ignore[arg-type]


def test_a_good_order_passes() -> None:
    booking.check_order(_order())
    booking.check_order(_order(presentment_currency="USD", presentment_total=Decimal("27")))
    booking.check_order(_order(presentment_currency="EUR", presentment_total=Decimal("24.90")))
    booking.check_order(_order(presentment_currency="USD"))  # no presentment total


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"currency": "EURO"}, "field currency"),
        ({"presentment_currency": "XX1", "presentment_total": Decimal(1)}, "presentment_currency"),
        (
            {"presentment_currency": "JPY", "presentment_total": Decimal("10.5")},
            "presentment_total",
        ),
        ({"tax_country": "ZZ"}, "field tax_country"),
        ({"total": Decimal("24.905")}, "field total"),
        ({"total": Decimal("-1.00")}, "cannot be negative"),
        ({"total": Decimal("1E+15")}, "field total"),
        ({"gift_card_payments": Decimal("0.001")}, "gift_card_payments"),
        (
            {"lines": (OrderLine(quantity=Decimal(1), unit_price=Decimal("0.005")),) * 2},
            "lines[0].quantity x unit_price",
        ),
        (
            {"lines": (OrderLine(quantity=Decimal("1E+15"), unit_price=Decimal(0)),)},
            "lines[0].quantity",
        ),
        (
            {"lines": (OrderLine(quantity=Decimal(1), unit_price=Decimal(1), tax=Decimal("0.1")),)},
            "",
        ),
        (
            {
                "lines": (
                    OrderLine(quantity=Decimal(1), unit_price=Decimal(1), vat_rate=Decimal(100)),
                )
            },
            "lines[0].vat_rate",
        ),
        ({"shipping": (ShippingLine(price=Decimal("4.999")),)}, "shipping[0].price"),
        (
            {"shipping": (ShippingLine(price=Decimal(4), vat_rate=Decimal(-1)),)},
            "shipping[0].vat_rate",
        ),
        ({"shipping": (ShippingLine(price=Decimal(4), tax=Decimal("0.801")),)}, "shipping[0].tax"),
    ],
)
def test_a_bad_order_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    order = _order(**changes)
    if not field:  # 0.1 EUR of tax is exact: the order passes
        booking.check_order(order)
        return
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        booking.check_order(order)


def _refund(**changes: object) -> Refund:
    fields: dict[str, object] = {
        "source": "shopify:test",
        "refund_id": "9",
        "order_id": "1",
        "processed_at": dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
        "currency": "EUR",
        "lines": (RefundLine(quantity=Decimal(1), amount=Decimal("8.33"), tax=Decimal("1.67")),),
        "total": Decimal("10.00"),
    }
    fields.update(changes)
    return Refund(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, ""),
        ({"currency": "eur"}, "field currency"),
        ({"total": Decimal("-10.00")}, "it is positive"),
        ({"total": Decimal("10.001")}, "field total"),
        ({"shipping_tax": Decimal("0.001")}, "shipping_tax"),
        ({"shipping_vat_rate": Decimal(150)}, "shipping_vat_rate"),
        (
            {"lines": (RefundLine(quantity=Decimal(1), amount=Decimal("8.333"), tax=Decimal(0)),)},
            r"lines\[0\].amount",
        ),
    ],
)
def test_refund_checks(changes: dict[str, object], field: str) -> None:
    refund = _refund(**changes)
    if not field:
        booking.check_refund(refund)
        return
    with pytest.raises(InputError, match=field):
        booking.check_refund(refund)


def test_payout_checks() -> None:
    good = Payout(source="shopify:test", payout_id="P1", date=dt.date(2026, 3, 5),
                  currency="EUR", amount=Decimal("100.00"), fees=Decimal("2.10"))  # fmt: skip
    booking.check_payout(good)
    with pytest.raises(InputError, match="field fees"):
        booking.check_payout(good.model_copy(update={"fees": Decimal("2.105")}))
    with pytest.raises(InputError, match="field currency"):
        booking.check_payout(good.model_copy(update={"currency": "EUR\n"}))
