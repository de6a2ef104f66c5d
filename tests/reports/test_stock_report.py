"""Stock per SKU at a date by the books' method (FIFO or CUMP), slow movers, turnover."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.reports import stock_report
from ecomledger.stock import stock_valuation

from .conftest_tax import books_from, day, demo, request

__all__ = ["demo"]

D = Decimal

LEDGER = """
2026-01-02 * "Tea Co" "Purchase"
  Assets:Stock             10 TEA {4.00 EUR}
  Assets:Stock              5 VASE {10.00 EUR}
  Liabilities:Suppliers   -90.00 EUR

2026-01-03 * "Ann" "Invoice F-2026-000001"
  invoice: "F-2026-000001"
  country: "FR"
  Assets:Clearing:Stripe            24.00 EUR
  Income:Sales:Goods:France        -20.00 EUR
    vat_rate: 20
    sku: "VASE"
    qty: 1
  Liabilities:VAT:Collected:FR:20   -4.00 EUR

2026-01-20 * "Tea Co" "Purchase"
  Assets:Stock             10 TEA {6.00 EUR}
  Liabilities:Suppliers   -60.00 EUR

2026-02-01 * "Bob" "Invoice F-2026-000002"
  invoice: "F-2026-000002"
  country: "FR"
  Assets:Clearing:Stripe           126.60 EUR
  Income:Sales:Goods:France       -120.00 EUR
    vat_rate: 5.5
    sku: "TEA"
    qty: 12
  Liabilities:VAT:Collected:FR:5-5  -6.60 EUR
"""


def stock_value(books: Books, day_: str) -> Decimal:
    """Assets:Stock at cost from Beancount's own lots (units x cost of every posting)."""
    total = D(0)
    for entry in books.entries:
        if isinstance(entry, data.Transaction) and entry.date <= day(day_):
            for p in entry.postings:
                if p.account == "Assets:Stock" and p.units and p.cost:
                    total += p.units.number * p.cost.number
    return total


@pytest.fixture(scope="module")
def fifo(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("fifo"), LEDGER, "{'method': 'FIFO'}")


def test_fifo_values_the_latest_lots(fifo: Books) -> None:
    report = stock_report.compute(fifo, request("2026-Q1"))
    skus = {s.sku: s for s in report.skus}
    assert report.method == "FIFO"
    assert (skus["TEA"].qty, skus["TEA"].value) == (8, D("48.00"))  # 8 left of the 6.00 lot
    assert (skus["VASE"].qty, skus["VASE"].value) == (4, D("40.00"))
    assert report.value == D("88.00") == stock_value(fifo, "2026-03-31")
    assert skus["TEA"].cogs == D("52.00")  # 10 x 4.00 + 2 x 6.00, booked by the plugin
    assert skus["TEA"].sold_qty == 12 and skus["TEA"].last_sale == day("2026-02-01")
    assert skus["TEA"].turnover is not None and round(skus["TEA"].turnover, 4) == D("2.1667")


def test_cump_as_the_plugin_line_says(tmp_path: Path) -> None:
    books = books_from(tmp_path, LEDGER, "{'method': 'CUMP'}")
    report = stock_report.compute(books, request("2026-Q1"))
    skus = {s.sku: s for s in report.skus}
    assert report.method == "CUMP"
    assert skus["TEA"].value == D("40.00")  # 8 at the average 5.00
    assert skus["TEA"].cogs == D("60.00")  # 12 x 5.00
    view = stock_report.build(books, request("2026-Q1"))
    assert "Valued by CUMP" in view.notes[0]


def test_value_at_an_earlier_date(fifo: Books) -> None:
    report = stock_report.compute(fifo, request("2026-01"))
    skus = {s.sku: s for s in report.skus}
    assert (skus["TEA"].qty, skus["TEA"].value) == (20, D("100.00"))
    assert report.value == stock_value(fifo, "2026-01-31") == D("140.00")


def test_slow_movers_follow_the_option(fifo: Books) -> None:
    q2 = stock_report.compute(fifo, request("2026-Q2"))
    assert [s.sku for s in q2.slow] == ["TEA", "VASE"]  # last sales 2026-02-01, 2026-01-03
    longer = stock_report.compute(fifo, request("2026-Q2", slow_days="170"))
    assert [s.sku for s in longer.slow] == ["VASE"]  # 178 days without a sale
    view = stock_report.build(fifo, request("2026-Q2", slow_days="170"))
    assert [r.cells[0] for r in view.tables[1].rows] == ["VASE"]
    assert view.tables[1].rows[0].cells[-1] == 178
    with pytest.raises(UserError, match="slow_days"):
        stock_report.compute(fifo, request("2026-Q2", slow_days="soon"))


def test_demo_stock_equals_the_stock_account(demo: Books) -> None:
    view = stock_report.build(demo, request("2026-03"))
    report = view.data
    assert isinstance(report, stock_report.StockReport)
    skus = {s.sku: (s.qty, s.value) for s in report.skus}
    assert skus == {
        "BOOK-01": (18, D("162.00")),
        "MUG-01": (36, D("151.20")),  # 50 - 15 sold + 1 returned to stock
        "TSHIRT-01": (26, D("195.00")),
    }
    assert report.value == stock_value(demo, "2026-03-31") == D("508.20")
    chart = view.charts[0]
    assert chart.labels == ["BOOK-01", "MUG-01", "TSHIRT-01"]
    assert chart.series[0].values == [D("162.00"), D("151.20"), D("195.00")]


def test_one_walk_values_like_stock_valuation(demo: Books, fifo: Books) -> None:
    for books in (demo, fifo):
        days = [day("2025-12-31"), day("2026-01-02"), day("2026-02-15"), day("2026-03-31")]
        walked = stock_report.valuations(books, days)
        for when, found in zip(days, walked, strict=True):
            assert found == stock_valuation(books.entries, when, "FIFO"), when
    assert walked[-1]["TEA"] == (8, D("48.00"))
