"""Account balances over a period: the one pass over the books the statements share.

A posting counts by its *weight* in the books' currency (Beancount's ``get_weight``: a
stock lot counts at cost, a converted amount at its price), which is what balances each
transaction, so debits equal credits by construction. Postings whose weight is in another
currency (a USD PayPal balance moved without a price) cannot be added to euros: they are
counted and left out, and the statements say so in a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data
from beancount.core.convert import get_weight

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.money import ZERO
from ecomledger.periods import Period


@dataclass
class Movement:
    """One account over a period: its balance before, debits and credits within.

    ``opening`` is the balance (debit positive) of everything dated before the period;
    ``opening_year`` the part of it dated within the period's fiscal year (what a charge or
    produit account opens with, the rest having closed into earlier results).
    """

    account: str
    opening: Decimal = ZERO
    opening_year: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        """Debits minus credits within the period."""
        return self.debit - self.credit

    @property
    def closing(self) -> Decimal:
        """The balance (debit positive) at the period's end."""
        return self.opening + self.debit - self.credit


@dataclass
class Movements:
    """Every account's movement over a period, and what could not be counted."""

    period: Period
    fiscal_start: dt.date
    accounts: dict[str, Movement] = field(default_factory=dict)
    foreign: int = 0

    def notes(self, currency: str) -> list[str]:
        """Sentences for the report about postings left out."""
        if not self.foreign:
            return []
        return [
            f"{self.foreign} posting(s) in a currency other than {currency} without a price "
            "or cost are left out of these totals."
        ]


def fiscal_year_of(books: Books, day: dt.date) -> Period:
    """Return the fiscal year that contains ``day``."""
    year = books.fiscal_year(day.year)
    return year if day in year else books.fiscal_year(day.year + 1)


def movements(books: Books, period: Period) -> Movements:
    """Sum every account's postings before and within ``period``, in one pass."""
    fiscal_start = fiscal_year_of(books, period.start).start
    result = Movements(period=period, fiscal_start=fiscal_start)
    accounts = result.accounts
    currency = books.currency
    end = period.end
    start = period.start
    for entry in books.entries:
        if not isinstance(entry, data.Transaction):
            continue
        day = entry.date
        if day > end:
            break  # the loader sorts entries by date
        for posting in entry.postings:
            weight = get_weight(posting)
            number = weight.number
            if weight.currency != currency or not isinstance(number, Decimal):
                result.foreign += 1
                continue
            movement = accounts.get(posting.account)
            if movement is None:
                movement = accounts[posting.account] = Movement(posting.account)
            if day < start:
                movement.opening += number
                if day >= fiscal_start:
                    movement.opening_year += number
            elif number >= 0:
                movement.debit += number
            else:
                movement.credit -= number
    return result


def openings(books: Books, period: Period) -> Movements:
    """Every account's balance before ``period`` (its ``opening``), without its movements.

    What the grand livre needs before listing the period's postings itself: one pass over
    the entries dated before the period only.
    """
    return movements(books, Period(period.start, period.start - dt.timedelta(days=1)))


def require_entries(books: Books, period: Period) -> None:
    """Refuse a period without a single transaction: its report would be all zeros.

    Raises:
        UserError: naming the period and the dates the books cover.
    """
    if any(True for _ in books.transactions(period)):
        return
    covered = books.date_range()
    where = (
        f"the books run from {covered.start} to {covered.end}" if covered else "the books are empty"
    )
    raise UserError(f"the period {period} has no entries ({where}); choose a period with --period")


def compare_period(period: Period, compare: str | None) -> Period | None:
    """Return the period to compare with: the one just before, or a year earlier."""
    if compare is None:
        return None
    if compare == "last-year":
        return Period(_year_earlier(period.start), _year_earlier(period.end))
    length = period.end - period.start
    months = _whole_months(period)
    if months:
        start = _months_earlier(period.start, months)
        end = period.start - dt.timedelta(days=1)
        return Period(start, end)
    end = period.start - dt.timedelta(days=1)
    return Period(end - length, end)


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _whole_months(period: Period) -> int:
    """The number of whole calendar months ``period`` spans, or 0 if it is not whole months."""
    after = period.end + dt.timedelta(days=1)
    if period.start.day != 1 or after.day != 1:
        return 0
    return (after.year - period.start.year) * 12 + after.month - period.start.month


def _months_earlier(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)
