"""The books, loaded once for every output (reports, invoices, FEC, closing, treasury).

Outputs are read-only views: they never write to the books. Each one loads the books here,
with Beancount's loader and every plugin, so a report sees exactly what ``bean-check`` and
Fava see (the inventory plugin's cost of goods, the deposits plugin's findings). Books with
errors are refused unless the caller forces it: every figure of a report inherits the books'
errors, so a report over broken books must be a deliberate choice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from beancount.core import data

from ecomledger import ledger
from ecomledger.accounts import pcg_for
from ecomledger.config import Config
from ecomledger.errors import UserError
from ecomledger.periods import Period


@dataclass
class Books:
    """Loaded books: entries after booking and plugins, their errors, options and config."""

    path: Path
    config: Config
    entries: list[data.Directive]
    errors: list[object]
    options: dict[str, object]
    _opens: dict[str, data.Open] | None = field(default=None, repr=False)

    @property
    def currency(self) -> str:
        """The company's currency (the books' operating currency)."""
        return self.config.company.currency

    def transactions(self, period: Period | None = None) -> Iterator[data.Transaction]:
        """Yield the transactions, in the books' order, within ``period`` if given."""
        for entry in self.entries:
            if isinstance(entry, data.Transaction) and (period is None or entry.date in period):
                yield entry

    def opens(self) -> dict[str, data.Open]:
        """Return every ``open`` directive by account name."""
        if self._opens is None:
            self._opens = {e.account: e for e in self.entries if isinstance(e, data.Open)}
        return self._opens

    def pcg(self, account: str) -> tuple[str, str]:
        """Return the PCG number and label of ``account``: its ``open`` metadata, else the chart.

        ``init`` and imports write ``pcg`` and ``label`` on every ``open``; an account opened
        by hand without them falls back to the number its family implies.
        """
        entry = self.opens().get(account)
        if entry is not None and entry.meta:
            number, label = entry.meta.get("pcg"), entry.meta.get("label")
            if number:
                fallback = pcg_for(account)[1]
                return str(number), str(label) if label else fallback
        return pcg_for(account)

    def fiscal_year(self, year: int) -> Period:
        """Return the fiscal year that ends in calendar year ``year``."""
        month, day = (int(part) for part in self.config.company.fiscal_year_start.split("-"))
        start = dt.date(year, month, day)
        if (month, day) != (1, 1):
            start = dt.date(year - 1, month, day)
        end = dt.date(start.year + 1, start.month, start.day) - dt.timedelta(days=1)
        return Period(start, end)

    def date_range(self) -> Period | None:
        """Return the first and last transaction dates, or None for books without one."""
        dates = [e.date for e in self.transactions()]
        return Period(min(dates), max(dates)) if dates else None


def load_books(
    path: Path, config: Config, *, force: bool = False, years: Iterable[int] | None = None
) -> Books:
    """Load the books at ``path`` with every plugin.

    ``years`` loads only those fiscal years (and the earlier years not closed that they
    need, see :mod:`ecomledger.years`); None loads every year.

    Raises:
        UserError: the books have errors and ``force`` is false; the sentence names the
            first error and the two ways out.
    """
    entries, errors, options = ledger.load(path, years=years)
    if errors and not force:
        filename, lineno, message = ledger.format_error(errors[0], path)
        raise UserError(
            f"the books have {len(errors)} error(s), the first at {filename}:{lineno}: "
            f"{message}; run 'ecomledger check' and fix them, or pass --force to use them anyway"
        )
    return Books(path=path, config=config, entries=entries, errors=errors, options=options)
