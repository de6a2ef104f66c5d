"""The OSS return: base and VAT per member state and rate, earlier quarters corrected apart."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.periods import parse_period
from ecomledger.reports import oss

from .conftest_tax import SHOP, account_sum, books_from, demo, request

__all__ = ["demo"]

D = Decimal

#: Q2: a credit note for the German invoice of February (Q1), a Spanish order at 21 % and a
#: German one at the reduced 7 %.
Q2 = """
2026-04-03 * "Anna Schmidt" "Credit note AV-2026-000002"
  credit_note: "AV-2026-000002"
  credits: "F-2026-000003"
  country: "DE"
  Assets:Clearing:Stripe           -59.50 EUR
  Income:Sales:Goods:EU-B2C         50.00 EUR
    vat_rate: 19
    sku: "MUG"
    qty: -1
  Liabilities:VAT:Collected:DE:19    9.50 EUR

2026-04-10 * "Lucia Perez" "Invoice F-2026-000006"
  invoice: "F-2026-000006"
  country: "ES"
  Assets:Clearing:Stripe            242.00 EUR
  Income:Sales:Goods:EU-B2C        -200.00 EUR
    vat_rate: 21
    sku: "MUG"
    qty: 5
  Liabilities:VAT:Collected:ES:21   -42.00 EUR

2026-05-02 * "Karl Weber" "Invoice F-2026-000007"
  invoice: "F-2026-000007"
  country: "DE"
  Assets:Clearing:Stripe            10.70 EUR
  Income:Sales:Goods:EU-B2C        -10.00 EUR
    vat_rate: 7
    sku: "BOOK"
    qty: 1
  Liabilities:VAT:Collected:DE:7    -0.70 EUR

2026-05-20 * "Anna Schmidt" "Credit note AV-2026-000003"
  credit_note: "AV-2026-000003"
  credits: "F-2026-000007"
  country: "DE"
  Assets:Clearing:Stripe            -1.07 EUR
  Income:Sales:Goods:EU-B2C          1.00 EUR
    vat_rate: 7
    sku: "BOOK"
    qty: 0
  Liabilities:VAT:Collected:DE:7     0.07 EUR
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("oss"), SHOP + Q2)


def test_first_quarter_supplies(shop: Books) -> None:
    result = oss.compute(shop, request("2026-Q1"))
    assert [(s.country, s.rate, s.rate_type, s.base, s.vat) for s in result.supplies] == [
        ("DE", D(19), "standard", D("80.00"), D("15.20"))
    ]
    assert result.corrections == []


def test_credit_note_of_an_earlier_quarter_is_a_correction(shop: Books) -> None:
    result = oss.compute(shop, request("2026-Q2"))
    supplies = [(s.country, s.rate, s.rate_type, s.base, s.vat) for s in result.supplies]
    assert supplies == [
        ("DE", D(7), "reduced", D("9.00"), D("0.63")),  # same-quarter credit note nets
        ("ES", D(21), "standard", D("200.00"), D("42.00")),
    ]
    fixes = [(c.corrected_period, c.country, c.rate, c.base, c.vat) for c in result.corrections]
    assert fixes == [("2026-Q1", "DE", D(19), D("-50.00"), D("-9.50"))]
    assert result.by_country == {"DE": D("-8.87"), "ES": D("42.00")}


@pytest.mark.parametrize("quarter", ["2026-Q1", "2026-Q2"])
def test_per_country_equals_the_collected_accounts(shop: Books, quarter: str) -> None:
    period = parse_period(quarter)
    result = oss.compute(shop, request(quarter))
    for country in ("DE", "ES"):
        booked = -account_sum(shop, f"Liabilities:VAT:Collected:{country}:", period)
        assert result.by_country.get(country, D(0)) == booked
    view = oss.build(shop, request(quarter))
    totals = view.tables[2].rows[-1].cells
    assert totals[-1] == -sum(
        (account_sum(shop, f"Liabilities:VAT:Collected:{c}:", period) for c in ("DE", "ES")),
        D(0),
    )


def test_demo_per_country_equals_the_accounts(demo: Books) -> None:
    quarters = sorted({(e.date.year, (e.date.month - 1) // 3 + 1) for e in demo.transactions()})
    countries_seen: set[str] = set()
    for year, quarter in quarters:
        period = parse_period(f"{year}-Q{quarter}")
        result = oss.compute(demo, request(f"{year}-Q{quarter}", detail=True))
        for country, vat in result.by_country.items():
            assert vat == -account_sum(demo, f"Liabilities:VAT:Collected:{country}:", period)
            countries_seen.add(country)
        for line in result.supplies:  # each base is the VAT's base, within a cent a sale
            entries = len({p.document for p in line.postings})
            assert abs(line.base * line.rate / 100 - line.vat) <= D("0.01") * entries
    assert {"DE", "ES", "BE"} <= countries_seen


def test_chart_and_detail(shop: Books) -> None:
    view = oss.build(shop, request("2026-Q2", detail=True))
    assert view.charts[0].labels == ["DE", "ES"]
    details = [r for t in view.tables for r in t.rows if r.style == "detail"]
    assert any("AV-2026-000002" in str(r.cells[0]) for r in details)


def test_a_nil_return_says_so(shop: Books) -> None:
    result = oss.compute(shop, request("2026-Q4"))
    assert result.supplies == [] and result.corrections == []
    assert any("nil return" in note for note in result.notes)


def test_only_a_quarter(shop: Books) -> None:
    with pytest.raises(UserError, match="--period 2026-Q1"):
        oss.compute(shop, request("2026-02"))
