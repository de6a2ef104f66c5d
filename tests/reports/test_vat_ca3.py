"""The CA3: boxes from the books, whole-euro rounding, the credit carried, traceable boxes."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.reports import vat_ca3

from .conftest_tax import SHOP, account_sum, books_from, demo, months_of, request

__all__ = ["demo"]

D = Decimal


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("ca3"), SHOP)


def boxes(books: Books, period: str, **kw: bool) -> vat_ca3.Ca3Return:
    return vat_ca3.compute(books, request(period, **kw))


def test_february_boxes_exact_and_in_whole_euros(shop: Books) -> None:
    ca3 = boxes(shop, "2026-02")
    exact = {line.code: (line.base, line.tax) for line in ca3.lines}
    assert exact["A1"] == (D("137.50"), None)  # 100 + 10 + 50 - 22.50
    assert exact["E1"] == (D("60.00"), None)
    assert exact["E3"] == (D("80.00"), None)
    assert exact["F2"] == (D("300.00"), None)
    assert exact["A3"] == (D("10.00"), None)  # Stripe fees from Ireland
    assert exact["B2"][0] == 0 and exact["E2"][0] == 0
    # line 08 holds the French sales at 20 % and the self-assessed fees
    assert exact["08"] == (D("97.50"), D("19.50"))
    assert exact["09"] == (D("50.00"), D("2.75"))
    assert exact["16"] == (None, D("22.25"))
    assert exact["20"] == (None, D("2.00"))
    assert exact["22"] == (None, D("100.00"))  # January's credit
    assert exact["23"] == (None, D("102.00"))
    assert exact["25"] == (None, D("79.75"))
    assert exact["TD"] == (None, D("0"))
    euros = {line.code: (line.base_euros, line.tax_euros) for line in ca3.lines}
    assert euros["A1"][0] == 138  # 137.50: 0.50 counts for 1
    assert euros["08"] == (98, 20)  # 97.50 -> 98, 19.50 -> 20
    assert euros["09"] == (50, 3)
    assert euros["16"][1] == 23  # the rounded boxes added, not 22.25 rounded
    assert euros["23"][1] == 102
    assert euros["25"][1] == 79
    assert ca3.previous_period == "2026-01"


def test_credit_carries_into_the_next_returns(shop: Books) -> None:
    january = boxes(shop, "2026-01")
    assert january.line("20").tax == D("100.00")
    assert january.line("25").tax == D("100.00")
    assert january.line("22").tax == 0
    march = boxes(shop, "2026-03")
    assert march.line("22").tax == D("79.75")
    assert march.line("22").tax_euros == 79  # the euros of the return as filed
    assert march.line("25").tax_euros == 79
    quarter = boxes(shop, "2026-Q1")
    assert quarter.line("25").tax == D("79.75")  # quarterly: one return, no carry
    assert quarter.line("22").tax == 0


def test_boxes_equal_the_accounts_of_the_period(shop: Books) -> None:
    period = request("2026-02").period
    ca3 = boxes(shop, "2026-02")
    sales = sum((ca3.line(code).base or 0 for code in vat_ca3.SALES_LINES), D(0))
    assert sales == -account_sum(shop, "Income:Sales:", period) == D("577.50")
    due = sum((ca3.line(code).tax or 0 for code in ("08", "09", "9B", "T6")), D(0))
    collected = -account_sum(shop, "Liabilities:VAT:Collected:FR:", period)
    assert due == collected - account_sum(shop, "Liabilities:VAT:IntraEU", period)
    assert ca3.line("20").tax == account_sum(shop, "Assets:VAT:Deductible", period)


def test_demo_boxes_equal_the_accounts_every_month(demo: Books) -> None:
    checked = 0
    for period in months_of(demo):
        ca3 = vat_ca3.compute(demo, request(f"{period.start:%Y-%m}"))
        sales = sum((ca3.line(code).base or 0 for code in vat_ca3.SALES_LINES), D(0))
        assert sales == -account_sum(demo, "Income:Sales:", period), period
        due = ca3.line("16").tax
        assert due == -account_sum(demo, "Liabilities:VAT:Collected:FR:", period) - account_sum(
            demo, "Liabilities:VAT:IntraEU", period
        ), period
        deductible = account_sum(demo, "Assets:VAT:Deductible", period)
        assert ca3.line("20").tax == deductible, period
        checked += 1
    assert checked >= 4
    march = vat_ca3.compute(demo, request("2026-03"))
    assert march.line("A1").base == D("120.13")
    assert march.line("E3").base == D("26.81")  # the German order, taxed at destination
    assert march.line("F2").base == D("140.00")
    assert march.line("08").tax == D("15.39")
    assert march.line("09").tax == D("2.38")


def test_detail_traces_each_box_to_its_postings(shop: Books) -> None:
    view = vat_ca3.build(shop, request("2026-02", detail=True))
    ca3 = view.data
    assert isinstance(ca3, vat_ca3.Ca3Return)
    books_line = ca3.line("09").postings
    assert {p.document for p in books_line} == {"F-2026-000002"}
    assert sum((p.amount for p in books_line if p.account.startswith("Income")), D(0)) == 50
    assert all("main.beancount:" in p.location for p in books_line)
    labels = [row.cells[2] for row in view.tables[0].rows if row.style == "detail"]
    assert any("AV-2026-000001" in str(label) for label in labels)
    plain = vat_ca3.build(shop, request("2026-02"))
    assert not [row for row in plain.tables[0].rows if row.style == "detail"]


def test_return_closing_entries_are_not_counted(tmp_path: Path) -> None:
    closing = """
2026-02-28 * "CA3 January closing"
  Liabilities:VAT:Collected:FR:20   22.00 EUR
  Assets:VAT:Deductible           -100.00 EUR
  Assets:VAT:Credit                 78.00 EUR
"""
    books = books_from(tmp_path, SHOP + closing)
    assert boxes(books, "2026-02").line("20").tax == D("2.00")


def test_only_a_month_or_a_quarter(shop: Books) -> None:
    with pytest.raises(UserError, match="--period 2026-01 or 2026-Q1"):
        vat_ca3.compute(shop, request("2026"))


def test_half_a_euro_counts_for_one(tmp_path: Path) -> None:
    books = books_from(
        tmp_path,
        """
2026-04-02 * "Ann" "Invoice F-2026-000001"
  invoice: "F-2026-000001"
  country: "FR"
  Assets:Clearing:Stripe            39.00 EUR
  Income:Sales:Goods:France        -32.50 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20   -6.50 EUR
""",
    )
    ca3 = boxes(books, "2026-04")
    # 32.50 and 6.50: banker's rounding would give 32 and 6; the CGI says 33 and 7
    assert (ca3.line("A1").base_euros, ca3.line("08").base_euros) == (33, 33)
    assert (ca3.line("08").tax_euros, ca3.line("TD").tax_euros) == (7, 7)
    assert ca3.line("TD").tax == D("6.50")


def test_command_line_json_and_a_year_refused(built_demo: Path, cli: Callable[..., Any]) -> None:
    result = cli(
        "--books", str(built_demo), "report", "vat", "--period", "2026-03", "--format", "json"
    )
    assert result.code == 0, result.err
    lines = {line["code"]: line for line in json.loads(result.out)["data"]["lines"]}
    assert lines["A1"]["base"] == "120.13" and lines["A1"]["base_euros"] == "120"
    assert lines["22"]["tax"] == "133.49"  # with the Dec-Feb hosting and bank fees
    refused = cli("--books", str(built_demo), "report", "vat", "--period", "2026")
    assert refused.code == 2
    assert "--period 2026-01 or 2026-Q1" in refused.err
