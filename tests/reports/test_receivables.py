"""Receivables: open invoices on Assets:Customers, settled by `settles`, amount or credit note."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.books import Books
from ecomledger.periods import parse_period
from ecomledger.reports import receivables

from .conftest_tax import account_sum, books_from, demo, request

__all__ = ["demo"]

D = Decimal


def invoice(number: int, day: str, customer: str, base: int) -> str:
    vat = base // 5
    return f"""
{day} * "{customer}" "Invoice F-2026-{number:06d}"
  invoice: "F-2026-{number:06d}"
  country: "FR"
  Assets:Customers                  {base + vat}.00 EUR
  Income:Sales:Goods:France        -{base}.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -{vat}.00 EUR
"""


def payment(day: str, payer: str, value: str, settles: str | None = None) -> str:
    meta = f'\n  settles: "{settles}"' if settles else ""
    return f"""
{day} * "{payer}" "Virement"{meta}
  Assets:Bank:Qonto    {value} EUR
  Assets:Customers    -{value} EUR
"""


LEDGER = (
    invoice(1, "2026-02-01", "Beta SARL", 400)  # 149 days at 06-30: over 90
    + invoice(2, "2026-03-01", "Gamma SAS", 100)
    + payment("2026-03-05", "VIR M GAMMA", "120.00")  # no settles, another name: its amount
    + invoice(3, "2026-04-10", "Beta SARL", 300)  # 81 days: 61-90
    + invoice(4, "2026-05-15", "Acme SA", 200)  # 46 days: 31-60
    + payment("2026-05-30", "Acme SA", "40.00", settles="F-2026-000004")
    + invoice(5, "2026-06-20", "Acme SA", 100)  # 10 days: 0-30
    + """
2026-06-22 * "Beta SARL" "Credit note AV-2026-000001"
  credit_note: "AV-2026-000001"
  credits: "F-2026-000003"
  country: "FR"
  Assets:Customers                 -60.00 EUR
  Income:Sales:Goods:France         50.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20   10.00 EUR
"""
    + payment("2026-06-25", "Delta", "500.00")  # nobody's invoice: unallocated
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Books:
    return books_from(tmp_path_factory.mktemp("receivables"), LEDGER)


def test_open_invoices_aged_at_the_period_end(books: Books) -> None:
    result = receivables.compute(books, request("2026-Q2"))
    items = [(i.document, i.customer, i.open, i.age, i.bucket) for i in result.items]
    assert items == [
        ("F-2026-000004", "Acme SA", D("200.00"), 46, "31-60"),
        ("F-2026-000005", "Acme SA", D("120.00"), 10, "0-30"),
        ("F-2026-000001", "Beta SARL", D("480.00"), 149, "90+"),
        ("F-2026-000003", "Beta SARL", D("300.00"), 81, "61-90"),
    ]
    by_customer = {c.customer: c.buckets for c in result.customers}
    assert by_customer["Acme SA"] == {"0-30": 120, "31-60": 200, "61-90": 0, "90+": 0}
    assert by_customer["Beta SARL"] == {"0-30": 0, "31-60": 0, "61-90": 300, "90+": 480}
    assert "Gamma SAS" not in by_customer
    assert result.unallocated == D("-500.00")


def test_open_items_and_unallocated_equal_the_account(books: Books) -> None:
    for text in ("2026-03", "2026-05", "2026-Q2"):
        result = receivables.compute(books, request(text))
        end = parse_period(text).end
        booked = account_sum(books, "Assets:Customers", parse_period(f"2000-01-01..{end}"))
        assert result.total + result.unallocated == booked == result.balance, text
    assert receivables.compute(books, request("2026-Q2")).balance == D("600.00")


def test_an_earlier_date_sees_what_was_open_then(books: Books) -> None:
    result = receivables.compute(books, request("2026-03"))
    assert [(i.document, i.age) for i in result.items] == [("F-2026-000001", 58)]


def test_view_lists_each_open_invoice(books: Books) -> None:
    view = receivables.build(books, request("2026-Q2"))
    aged, items = view.tables
    assert aged.rows[-3].cells == (
        "Total",
        D("120.00"),
        D("200.00"),
        D("300.00"),
        D("480.00"),
        D("1100.00"),
    )
    assert aged.rows[-1].cells[-1] == D("600.00")  # the account's balance after Delta's 500
    assert [r.cells[1] for r in items.rows if r.style != "total"] == [
        "F-2026-000004",
        "F-2026-000005",
        "F-2026-000001",
        "F-2026-000003",
    ]
    assert view.charts[0].series[0].values == [D("120.00"), D("200.00"), D("300.00"), D("480.00")]


def test_demo_transfer_settles_the_b2b_invoice(demo: Books) -> None:
    before = receivables.compute(demo, request("2026-03-01..2026-03-09"))
    assert [(i.document, i.customer, i.open) for i in before.items] == [
        ("F-2026-000004", "Boutique Claes SPRL", D("140.00"))
    ]
    after = receivables.compute(demo, request("2026-03"))
    assert after.items == [] and after.balance == 0
