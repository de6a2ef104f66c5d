"""Key figures: margin from the inventory plugin's cost of goods, fees, stock and cash days."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.books import Books
from ecomledger.periods import parse_period
from ecomledger.reports import kpi

from .conftest_tax import SHOP, account_sum, books_from, demo, request

__all__ = ["demo"]

D = Decimal


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("kpi"), SHOP)


def test_margin_uses_the_cost_of_goods_the_plugin_booked(shop: Books) -> None:
    kpis = kpi.compute(shop, request("2026-Q1"))
    # 26 mugs left the stock at 5.00 (BOOK was never received: drop-shipped, no cost)
    assert kpis.cogs == D("130.00") == account_sum(shop, "Expenses:StockVariation")
    assert kpis.revenue == D("577.50")
    assert kpis.gross_margin == D("447.50")
    assert kpis.margin_rate is not None and round(kpis.margin_rate, 4) == D("0.7749")
    assert kpis.average_order == D("120")
    assert kpis.refund_rate == D("0.0375")
    assert [m.month for m in kpis.months] == ["2026-01", "2026-02", "2026-03"]
    assert kpis.months[1].margin == D("447.50")


def test_fees_per_processor(shop: Books) -> None:
    kpis = kpi.compute(shop, request("2026-Q1"))
    [stripe] = kpis.fees
    assert stripe.processor == "Stripe" and stripe.fees == D("10.00")
    # orders paid through Assets:Clearing:Stripe: 110 + 50 + 80 + 60 - 22.50
    assert stripe.revenue == D("277.50")
    assert stripe.share_of_its_revenue is not None
    assert round(stripe.share_of_its_revenue, 4) == D("0.0360")


def test_stock_and_cash_days(shop: Books) -> None:
    kpis = kpi.compute(shop, request("2026-Q1"))
    assert kpis.days == 90
    assert (kpis.opening_stock, kpis.closing_stock) == (0, D("370.00"))  # 74 mugs at 5.00
    assert kpis.days_of_stock == D("128.1")  # (0 + 370) / 2 / (130 / 90)
    # Stripe's balance (no payout yet) over sales incl. VAT per day
    assert kpis.receivables == D("302.95") and kpis.sales_incl_vat == D("612.95")
    assert kpis.days_of_receivables == D("44.5")
    assert kpis.days_of_payables == D("90.0")  # the supplier is not paid yet
    assert kpis.cash_conversion_days == D("82.6")


def test_demo_margin_and_view(demo: Books) -> None:
    kpis = kpi.compute(demo, request("2026-03"))
    period = parse_period("2026-03")
    assert kpis.revenue == -account_sum(demo, "Income:Sales:", period) == D("348.94")
    assert kpis.cogs == account_sum(demo, "Expenses:StockVariation", period) == D("106.80")
    assert kpis.gross_margin == D("242.14")
    view = kpi.build(demo, request("2026-03"))
    assert [t.name for t in view.tables] == ["kpi", "fees", "margin"]
    margin = view.charts[0]
    assert margin.labels == ["2026-03"]
    assert [s.values for s in margin.series] == [[D("348.94")], [D("106.80")], [D("242.14")]]


def test_empty_ratios_when_nothing_to_divide(shop: Books) -> None:
    kpis = kpi.compute(shop, request("2026-01"))
    assert kpis.revenue == 0 and kpis.margin_rate is None and kpis.average_order is None
    assert kpis.days_of_stock is None and kpis.cash_conversion_days is None
