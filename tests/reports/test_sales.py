"""Sales: totals equal the revenue accounts; breakdowns by time, SKU, country, channel, shop."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.periods import parse_period
from ecomledger.reports import sales

from .conftest_tax import SHOP, account_sum, books_from, demo, request

__all__ = ["demo"]

D = Decimal


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("sales"), SHOP)


def by_key(groups: list[sales.SalesFigures]) -> dict[str, sales.SalesFigures]:
    return {g.key: g for g in groups}


def test_totals(shop: Books) -> None:
    report = sales.compute(shop, request("2026-Q1"))
    total = report.total
    assert total.invoiced == D("600.00")
    assert total.refunded == D("22.50")
    assert total.revenue == D("577.50") == -account_sum(shop, "Income:Sales:")
    assert total.orders == 5
    assert total.refunds == 1
    assert total.units == 31 and total.units_returned == 1
    assert total.average_basket == D("120")
    assert total.refund_rate == D("0.0375")


def test_breakdowns_add_up_to_the_revenue_accounts(shop: Books) -> None:
    report = sales.compute(shop, request("2026-Q1", by="week"))
    revenue = -account_sum(shop, "Income:Sales:")
    for groups in (report.by_time, report.by_sku, report.by_country, report.by_channel):
        assert sum((g.revenue for g in groups), D(0)) == revenue
    weeks = by_key(report.by_time)
    assert weeks["2026-W06"].revenue == D("600.00") and weeks["2026-W06"].orders == 5
    assert weeks["2026-W07"].revenue == D("-22.50") and weeks["2026-W07"].refunds == 1
    assert len(report.by_time) == 14  # every ISO week the quarter touches, empty ones too
    skus = by_key(report.by_sku)
    assert skus["MUG"].revenue == D("457.50")  # 100 + 80 + 300 - 22.50
    assert skus["MUG"].orders == 3 and skus["MUG"].units == 26
    assert skus["BOOK"].revenue == D("110.00") and skus["BOOK"].units == 5
    assert skus["(Shipping)"].revenue == D("10.00")
    countries = by_key(report.by_country)
    assert countries["FR"].revenue == D("137.50") and countries["FR"].orders == 2
    assert countries["BE"].revenue == D("300.00")
    assert by_key(report.by_shop)["pro"].revenue == D("300.00")
    assert by_key(report.by_channel)["shopify"].revenue == D("277.50")


def test_view_has_one_table_per_breakdown_and_charts(shop: Books) -> None:
    view = sales.build(shop, request("2026-Q1", by="day"))
    assert [t.name for t in view.tables] == [
        "by_day",
        "by_sku",
        "by_country",
        "by_channel",
        "by_shop",
        "accounts",
    ]
    assert len(view.tables[0].rows) == 90 + 1  # every day of the quarter and the total
    assert view.tables[0].rows[-1].cells[1] == D("577.50")
    over_time = view.charts[0]
    assert over_time.name == "sales_over_time" and len(over_time.labels) == 90
    assert sum(over_time.series[0].values, D(0)) == D("577.50")


def test_demo_totals_equal_the_revenue_accounts(demo: Books) -> None:
    for text in ("2025", "2026", "2025-Q1", "2026-03"):
        period = parse_period(text)
        report = sales.compute(demo, request(text))
        assert report.total.revenue == -account_sum(demo, "Income:Sales:", period), text
        assert sum((g.revenue for g in report.by_sku), D(0)) == report.total.revenue
    march = sales.compute(demo, request("2026-03"))
    assert march.total.orders == 7 and march.total.refunds == 1
    assert march.total.revenue == D("348.94")


def test_bad_step_names_the_option(shop: Books) -> None:
    with pytest.raises(UserError, match="by=day, by=week or by=month"):
        sales.compute(shop, request("2026-Q1", by="year"))


def test_a_summary_entry_counts_every_invoice_of_its_range(tmp_path: Path) -> None:
    books = books_from(
        tmp_path,
        """
2026-05-31 * "Marketplace" "Sales of May"
  invoice_range: "F-2026-000001..F-2026-000004"
  country: "FR"
  channel: "amazon"
  Assets:Clearing:Stripe            240.00 EUR
  Income:Sales:Goods:France        -200.00 EUR
    vat_rate: 20
    sku: "MUG"
    qty: 8
  Liabilities:VAT:Collected:FR:20   -40.00 EUR
""",
    )
    report = sales.compute(books, request("2026-05"))
    assert report.total.orders == 4 and report.total.units == 8
    assert report.total.average_basket == D("50.00")
    assert by_key(report.by_channel)["amazon"].orders == 4
