"""Invoice and credit-note numbers: gap-free, per series, in date order.

Numbers are given at import, after dedupe, so an order already in the books never consumes a
number twice. Each series is a pattern such as ``F-{year}-{seq:06d}``; with ``{year}`` in
it the sequence restarts each year. The next number is one more than the highest number of
the series already in the books (the books are the single source of truth: no counter file
to drift from them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from beancount.core import data

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


def series_regex(pattern: str) -> re.Pattern[str]:
    """Compile a series pattern into a regex capturing ``year`` and ``seq``."""
    out, pos = "", 0
    for match in re.finditer(r"\{(year|seq)(?::[^}]*)?\}", pattern):
        out += re.escape(pattern[pos : match.start()])
        out += r"(?P<year>\d{4})" if match.group(1) == "year" else r"(?P<seq>\d+)"
        pos = match.end()
    return re.compile(out + re.escape(pattern[pos:]) + "$")


@dataclass
class Series:
    """One numbering series and the highest sequence used per year."""

    pattern: str
    last: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._regex = series_regex(self.pattern)
        self._yearly = "{year" in self.pattern

    def observe(self, number: str) -> None:
        """Record a number already in the books."""
        match = self._regex.match(number)
        if not match:
            return
        year = int(match.group("year")) if self._yearly else 0
        self.last[year] = max(self.last.get(year, 0), int(match.group("seq")))

    def next(self, day: dt.date) -> str:
        """Return and consume the next number for a document dated ``day``."""
        year = day.year if self._yearly else 0
        seq = self.last.get(year, 0) + 1
        self.last[year] = seq
        return self.pattern.format(year=day.year, seq=seq)


def assign_numbers(
    entries: Iterable[data.Directive],
    invoices: Series,
    credit_notes: Series,
    invoice_of_order: dict[str, str],
) -> list[data.Directive]:
    """Number new invoices and credit notes in date order, and point credit notes at invoices.

    The entries are new (just booked), so their metadata is filled in place.

    Args:
        entries: new entries; invoices carry ``invoice: ""`` and credit notes
            ``credit_note: ""`` until numbered, and credit notes carry ``order_source_id``.
        invoices, credit_notes: the series, primed with the numbers already in the books.
        invoice_of_order: order ``source_id`` → invoice number, for orders already booked.
    """
    ordered = sorted(entries, key=lambda e: (e.date, str(e.meta.get("source_id", ""))))
    known = dict(invoice_of_order)
    out: list[data.Directive] = []
    for entry in ordered:
        if isinstance(entry, data.Transaction) and entry.meta.get(INVOICE) == "":
            number = invoices.next(entry.date)
            known[str(entry.meta["source_id"])] = number
            entry.meta[INVOICE] = number  # the entry is new: its meta is ours to fill
            entry = entry._replace(narration=f"Invoice {number}{entry.narration or ''}")
        elif isinstance(entry, data.Transaction) and entry.meta.get(CREDIT_NOTE) == "":
            number = credit_notes.next(entry.date)
            credited = known.get(str(entry.meta.get("order_source_id")), "")
            meta = entry.meta
            meta.pop("order_source_id", None)
            meta[CREDIT_NOTE] = number
            if credited:
                meta["credits"] = credited
            narration = f"Credit note {number}" + (f" for invoice {credited}" if credited else "")
            entry = entry._replace(meta=meta, narration=narration + (entry.narration or ""))
        out.append(entry)
    return out
