from decimal import Decimal

import pytest

from ecomledger.money import (
    from_minor,
    parse_amount,
    percent,
    rate_component,
    round_money,
    vat_from_inclusive,
    vat_on_net,
)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [
        ("104,13", None, "104.13"),
        ("-1.234,56", None, "-1234.56"),
        ("1 234,56 €", None, "1234.56"),
        ("1,234.56", None, "1234.56"),
        ("1,234", None, "1234"),
        ("1,234", ",", "1.234"),
        ("(12.50)", None, "-12.50"),
        ("12.50-", None, "-12.50"),
        ("+3", None, "3"),
        ("\u00a0-0,99", None, "-0.99"),
    ],
)
def test_parse_amount(text: str, mark: str | None, expected: str) -> None:
    assert parse_amount(text, mark) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [("12.50", ".", "12.50"), (" -0.00 ", None, "0.00"), ("-7", ".", "-7"), ("0,10", ",", "0.10")],
)
def test_parse_amount_keeps_the_written_digits(text: str, mark: str | None, expected: str) -> None:
    """The exact text matters: Beancount prints what it was given, and dedupe compares it."""
    assert str(parse_amount(text, mark)) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "--"])
def test_parse_amount_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text)


def test_minor_units_use_the_currency_exponent() -> None:
    assert from_minor(12345, "EUR") == Decimal("123.45")
    assert from_minor(12345, "JPY") == Decimal("12345")
    assert from_minor(12345, "KWD") == Decimal("12.345")


def test_vat_rounding_is_half_up_to_the_cent() -> None:
    assert round_money(Decimal("0.125")) == Decimal("0.13")
    assert vat_from_inclusive(Decimal("21.60"), Decimal("5.5")) == Decimal("1.13")
    assert vat_on_net(Decimal("20.83"), Decimal("20")) == Decimal("4.17")


def test_rates_print_without_exponent() -> None:
    assert str(percent(Decimal("20.00"))) == "20"
    assert str(percent(Decimal("0.20") * 100)) == "20"
    assert str(percent(Decimal("5.50"))) == "5.5"
    assert rate_component(Decimal("5.5")) == "5-5"
    assert rate_component(Decimal("20.0")) == "20"
