"""Tests of ecomledger.plugins.deposits through the real loader."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.plugins.deposits import merged, period_ends

PLUGIN = 'plugin "ecomledger.plugins.deposits"\n'


def order(day: str, number: str, shipped: str | None) -> str:
    shipped_line = f"  shipped: {shipped}\n" if shipped else ""
    return f"""
{day} * "Order"
  invoice: "{number}"
{shipped_line}  Assets:Clearing:Stripe  120.00 EUR
  Income:Sales:Goods:France  -100.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -20.00 EUR
"""


CLOSING = """
2025-12-31 * "Closing: orders paid, not shipped"
  Income:Sales:Goods:France  100.00 EUR
  Liabilities:Customers:Deposits  -100.00 EUR
    deposit_for: "F-2025-000310"
"""


def deposits(entries) -> list[tuple[datetime.date, list]]:
    return [
        (entry.date, [value.value for value in entry.values])
        for entry in entries
        if isinstance(entry, data.Custom) and entry.type == "ecomledger-deposit"
    ]


def test_unshipped_at_month_end_gives_custom_entries_not_errors(ledger):
    entries, errors, _ = ledger(PLUGIN, order("2026-01-30", "F-2026-000001", "2026-03-02"))
    assert errors == []
    assert deposits(entries) == [
        (
            datetime.date(2026, 1, 31),
            ["F-2026-000001", Amount(Decimal("100.00"), "EUR"), datetime.date(2026, 3, 2)],
        ),
        (
            datetime.date(2026, 2, 28),
            ["F-2026-000001", Amount(Decimal("100.00"), "EUR"), datetime.date(2026, 3, 2)],
        ),
    ]
    # Entries stay in date order, the deposit entries point at the order's line.
    assert [e.date for e in entries] == sorted(e.date for e in entries)
    custom = next(e for e in entries if isinstance(e, data.Custom))
    order_entry = next(e for e in entries if isinstance(e, data.Transaction))
    assert custom.meta["lineno"] == order_entry.meta["lineno"]


def test_shipped_same_month_or_absent_gives_nothing(ledger):
    body = order("2026-01-10", "F-2026-000001", "2026-01-12") + order(
        "2026-01-11", "F-2026-000002", None
    )
    entries, errors, _ = ledger(PLUGIN, body)
    assert errors == [] and deposits(entries) == []


def test_unshipped_at_fiscal_year_end_without_closing_is_an_error(ledger):
    entries, errors, _ = ledger(PLUGIN, order("2025-12-30", "F-2025-000310", "2026-01-05"))
    assert [e.message for e in errors] == [
        "Invoice F-2025-000310 was paid on 2025-12-30 and shipped on 2026-01-05: at the "
        "fiscal year end 2025-12-31 its 100.00 EUR must be booked to "
        "Liabilities:Customers:Deposits by a closing entry dated 2025-12-31 with "
        'deposit_for: "F-2025-000310"'
    ]
    assert errors[0].entry.meta["invoice"] == "F-2025-000310"
    assert len(deposits(entries)) == 1


def test_closing_entry_books_the_deposit(ledger):
    body = order("2025-12-30", "F-2025-000310", "2026-01-05") + CLOSING
    _, errors, _ = ledger(PLUGIN, body)
    assert errors == []


def test_other_fiscal_year_end(ledger):
    plugin = (
        "plugin \"ecomledger.plugins.deposits\" \"{'fiscal_year_end': '06-30', "
        "'period': 'quarter'}\"\n"
    )
    body = order("2025-12-30", "F-2025-000310", "2026-07-02")
    entries, errors, _ = ledger(plugin, body)
    assert [e.date for e in entries if isinstance(e, data.Custom)] == [
        datetime.date(2025, 12, 31),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 6, 30),
    ]
    assert len(errors) == 1
    assert "at the fiscal year end 2026-06-30 its 100.00 EUR" in errors[0].message


def test_period_ends():
    start, stop = datetime.date(2026, 1, 31), datetime.date(2026, 3, 1)
    assert list(period_ends(start, stop, 1)) == [
        datetime.date(2026, 1, 31),
        datetime.date(2026, 2, 28),
    ]
    assert list(period_ends(datetime.date(2026, 2, 1), datetime.date(2027, 1, 1), 12)) == [
        datetime.date(2026, 12, 31)
    ]


def test_merged_places_extras_as_a_full_sort_would():
    def note(day: int, lineno: int, name: str = "") -> data.Note:
        meta = data.new_metadata("books.beancount", lineno)
        return data.Note(meta, datetime.date(2026, 1, day), "Assets:Bank:Qonto", name, None, None)

    def custom(day: int, lineno: int, name: str) -> data.Custom:
        meta = data.new_metadata("books.beancount", lineno)
        return data.Custom(meta, datetime.date(2026, 1, day), name, [])

    entries = sorted(
        (note(day, line) for day in (1, 2, 2, 5) for line in (3, 7)), key=data.entry_sortkey
    )
    # Out of order, before everything, after everything, and ties with books and each other.
    extra = [
        custom(9, 1, "last"),
        custom(2, 7, "tie-a"),
        custom(2, 7, "tie-b"),
        custom(1, 1, "first"),
    ]
    expected = sorted([*entries, *extra], key=data.entry_sortkey)
    assert [id(e) for e in merged(entries, extra)] == [id(e) for e in expected]
    assert merged(entries, []) is entries
