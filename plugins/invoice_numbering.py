"""Check that invoice and credit-note numbers form unique, continuous, dated sequences.

Why: French law (CGI annexe II art. 242 nonies A 7°) requires every invoice to carry "a
unique number based on a chronological and continuous sequence"; several series are allowed
(invoices, credit notes, one per channel) but each must stay gap-free. Numbers come from
several shops and importers, so only the whole books can tell whether a number is missing,
used twice, or issued out of order. Credit notes must also name the invoice they credit and
never credit more than it.

Configuration (a Python or JSON literal; these are the defaults)::

    plugin "ecomledger.plugins.invoice_numbering" "{
        'invoice': 'F-{year}-{seq:06d}', 'credit_note': 'AV-{year}-{seq:06d}'}"

Each key is the metadata key that carries the numbers of a series, each value its pattern.
A pattern may use ``{year}`` (four digits; the sequence then restarts at 1 each calendar
year of the number) and must use ``{seq}`` (with an optional format such as ``06d``).

Rules, per series (and per year for yearly series):

* a number that does not match its series' pattern is an error;
* a number used twice (in any shop, source or file) is an error naming both places;
* a gap is an error naming the missing numbers and the two numbers around it; in a yearly
  series the first number of a year must be 1, except for the earliest year in the books
  (books taken over mid-year start wherever the previous tool stopped);
* a number dated before its predecessor is an error;
* ``invoice_range: "F-2026-000001..F-2026-000042"`` (a daily summary entry) counts every
  number of the range, all at the entry's date; so does ``credit_note_range`` (a daily
  summary of credit notes), whose ``credits`` lists the invoices its credit notes credit,
  separated by spaces;
* a credit note (``credit_note`` metadata) must carry ``credits`` naming an invoice of the
  books, and all credit notes of one invoice together must not exceed the invoice's TTC
  amount, i.e. the total of its ``Income:Sales:*`` and ``Liabilities:VAT:Collected:*``
  postings (invoices known only through an ``invoice_range``, and the credit notes of a
  ``credit_note_range``, are checked for existence and date only, as a summary entry
  carries no per-invoice amount); no credit note is dated before the invoice it credits.

Example. Before (books)::

    2026-01-02 * "Order #1001"
      invoice: "F-2026-000001"
      ...
    2026-01-03 * "Order #1002"
      invoice: "F-2026-000003"
      ...

After: the entries are unchanged and ``bean-check`` prints::

    ledger.beancount:5: Invoice F-2026-000002 is missing between F-2026-000001
    (ledger.beancount:1) and F-2026-000003 (ledger.beancount:5)
"""

from __future__ import annotations

import ast
import json
import re
import string
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from beancount.core import data

from ecomledger.memory import paused_gc
from ecomledger.plugins._errors import PluginError, location

__plugins__ = ("check_invoice_numbering",)

PLUGIN = "ecomledger.plugins.invoice_numbering"
DEFAULT_SERIES = {"invoice": "F-{year}-{seq:06d}", "credit_note": "AV-{year}-{seq:06d}"}
LABELS = {"invoice": "Invoice", "credit_note": "Credit note"}
TTC_PREFIXES = ("Income:Sales:", "Liabilities:VAT:Collected:")
ZERO = Decimal(0)


class NumberingError(PluginError):
    """An invoice or credit-note number breaks the unique, continuous, dated sequence."""


class CreditNoteError(PluginError):
    """A credit note names no known invoice or credits more than the invoice."""


class Series(NamedTuple):
    """One numbering series: the metadata key carrying it and its compiled pattern."""

    key: str
    pattern: str
    regex: re.Pattern[str]
    yearly: bool

    @property
    def label(self) -> str:
        """The series' name in messages."""
        return LABELS.get(self.key, self.key)

    def format(self, year: int | None, seq: int) -> str:
        """Return the number of a sequence position."""
        return self.pattern.format(year=year, seq=seq)


class Numbered(NamedTuple):
    """One number found in the books, at its entry, or a range ``seq..last`` of numbers of
    one summary entry (kept as one item: a year of daily summaries covers 100,000 numbers,
    and checking them one by one would cost more than loading the books)."""

    seq: int
    number: str
    entry: data.Transaction
    last: int


def compile_series(key: str, pattern: str) -> Series:
    """Compile a pattern such as ``F-{year}-{seq:06d}`` into a matching regex.

    Raises:
      ValueError: the pattern uses an unknown field or lacks ``{seq}``.
    """
    parts: list[str] = []
    fields: set[str] = set()
    for literal, field, _spec, _conv in string.Formatter().parse(pattern):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field == "year":
            parts.append(r"(?P<year>\d{4})")
        elif field == "seq":
            parts.append(r"(?P<seq>\d+)")
        else:
            raise ValueError(f"unknown field {{{field}}} in pattern {pattern!r}")
        fields.add(field)
    if "seq" not in fields:
        raise ValueError(f"pattern {pattern!r} has no {{seq}} field")
    return Series(key, pattern, re.compile("".join(parts)), "year" in fields)


def parse_series(config_str: str | None) -> tuple[list[Series], list[PluginError]]:
    """Read the series mapping from the plugin's config string (defaults merged under)."""
    source = data.new_metadata(f"<{PLUGIN}>", 0)
    patterns: dict[str, Any] = dict(DEFAULT_SERIES)
    series: list[Series] = []
    errors: list[PluginError] = []
    if config_str and config_str.strip():
        try:
            value = ast.literal_eval(config_str)
        except (ValueError, SyntaxError):
            try:
                value = json.loads(config_str)
            except ValueError:
                value = None
        if isinstance(value, dict):
            patterns.update(value)
        else:
            message = (
                f"Invalid configuration for {PLUGIN}: expected a dict of patterns, got "
                f"{config_str!r}; using the default series"
            )
            errors.append(NumberingError(source, message, None))
    for key, pattern in patterns.items():
        try:
            series.append(compile_series(str(key), str(pattern)))
        except ValueError as exc:
            errors.append(NumberingError(source, f"Invalid series {key!r}: {exc}", None))
    return series, errors


def parse_number(series: Series, number: str) -> tuple[int | None, int] | None:
    """Return ``(year, seq)`` of a number of the series, or None if it does not match.

    The number must match exactly, zero padding included (``F-2026-42`` is not
    ``F-2026-000042``).
    """
    match = series.regex.fullmatch(number)
    if match is None:
        return None
    year = int(match["year"]) if series.yearly else None
    seq = int(match["seq"])
    if series.pattern.format(year=year, seq=seq) != number:
        return None
    return year, seq


def ttc_amount(entry: data.Transaction) -> tuple[Decimal, str]:
    """Return the total of the entry's sales and collected-VAT postings, and its currency.

    The sign is the ledger's: an invoice (credits) is negative, a credit note positive.
    """
    total = ZERO
    currency = ""
    for posting in entry.postings:
        if posting.account.startswith(TTC_PREFIXES) and posting.units is not None:
            number = posting.units.number
            if number is None:
                continue
            if not currency:
                currency = posting.units.currency
            if posting.units.currency == currency:
                total += number
    return total, currency


class Collector:
    """Gathers every number of the books in one pass, grouped by series and year."""

    def __init__(self, series: list[Series]) -> None:
        self.series = {item.key: item for item in series}
        self.groups: dict[tuple[str, int | None], list[Numbered]] = defaultdict(list)
        self.errors: list[PluginError] = []
        self.invoices: dict[str, data.Transaction] = {}
        self.known: set[str] = set()  # invoices booked one by one
        self.ranges: dict[int | None, list[Numbered]] = defaultdict(list)  # invoice ranges
        self._sorted = False

    def add(self, series: Series, number: str, entry: data.Transaction) -> None:
        """Record one number of a series found at an entry."""
        parsed = parse_number(series, number)
        if parsed is None:
            message = (
                f"{series.label} number {number!r} does not match the series pattern "
                f"{series.pattern!r}"
            )
            self.errors.append(NumberingError(entry.meta, message, entry))
            return
        year, seq = parsed
        self.groups[(series.key, year)].append(Numbered(seq, number, entry, seq))
        if series.key == "invoice":
            self.known.add(number)

    def add_range(self, value: str, entry: data.Transaction, key: str = "invoice_range") -> None:
        """Record every number of an ``invoice_range`` (or ``credit_note_range``: ``key``)
        ("A..B") summary entry."""
        first, sep, last = value.partition("..")
        for series in self.series.values():
            start = parse_number(series, first.strip()) if sep else None
            end = parse_number(series, last.strip()) if sep else None
            if start is None or end is None:
                continue
            if start[0] != end[0] or start[1] > end[1]:
                break
            span = Numbered(start[1], first.strip(), entry, end[1])
            self.groups[(series.key, start[0])].append(span)
            if series.key == "invoice":
                self.ranges[start[0]].append(span)
                self._sorted = False
            return
        message = (
            f"{key} {value!r} is not 'FIRST..LAST' with two numbers of one series "
            "and year, in increasing order"
        )
        self.errors.append(NumberingError(entry.meta, message, entry))

    def invoice_entry(self, number: str) -> data.Transaction | None:
        """The entry booking an invoice: its own, or the summary whose range covers it."""
        found = self.invoices.get(number)
        series = self.series.get("invoice")
        if found is not None or series is None:
            return found
        parsed = parse_number(series, number)
        if parsed is None:
            return None
        spans = self.ranges.get(parsed[0])
        if not spans:
            return None
        if not self._sorted:
            for items in self.ranges.values():
                items.sort(key=itemgetter(0))
            self._sorted = True
        at = bisect_right(spans, parsed[1], key=itemgetter(0)) - 1
        if at >= 0 and spans[at].seq <= parsed[1] <= spans[at].last:
            return spans[at].entry
        return None

    def is_invoice(self, number: str) -> bool:
        """Whether ``number`` is an invoice of the books (booked alone or in a range)."""
        return number in self.known or self.invoice_entry(number) is not None

    def visit(self, entry: data.Transaction) -> None:
        """Record the numbers an entry carries."""
        meta = entry.meta
        for key, series in self.series.items():
            number = meta.get(key)
            if number is not None:
                self.add(series, str(number), entry)
        invoice = meta.get("invoice")
        if invoice is not None:
            self.invoices[str(invoice)] = entry
        for key in ("invoice_range", "credit_note_range"):
            value = meta.get(key)
            if value is not None:
                self.add_range(str(value), entry, key)


def check_group(
    series: Series, year: int | None, numbers: list[Numbered], first_year: bool
) -> Iterator[PluginError]:
    """Yield the errors of one series (one year of it for a yearly series)."""
    label = series.label
    numbers.sort(key=itemgetter(0))  # by seq
    previous: Numbered | None = None
    if series.yearly and not first_year and numbers[0].seq > 1:
        first = numbers[0]
        missing = missing_span(series, year, 0, first.seq)
        message = f"{label} {missing} before {first.number}, the first number of {year}"
        yield NumberingError(first.entry.meta, message, first.entry)
    for current in numbers:
        if previous is not None and not in_sequence(previous, current):
            yield from check_pair(series, year, label, previous, current)
        if previous is None or current.last > previous.last:
            previous = current  # the item reaching furthest is the next one's predecessor


def in_sequence(prev: Numbered, cur: Numbered) -> bool:
    """Tell whether a number follows its predecessor with nothing to report (the usual case).

    Why: it spares the generator of :func:`check_pair` for each of the year's numbers.
    """
    return cur.seq == prev.last + 1 and not cur.entry.date < prev.entry.date


def missing_span(series: Series, year: int | None, before: int, after: int) -> str:
    """Name the numbers strictly between two sequence positions."""
    first = series.format(year, before + 1)
    if after - before == 2:
        return f"{first} is missing"
    return f"{first} to {series.format(year, after - 1)} are missing"


def check_pair(
    series: Series, year: int | None, label: str, prev: Numbered, cur: Numbered
) -> Iterator[PluginError]:
    """Yield the duplicate, gap and chronology errors between two consecutive numbers.

    ``prev`` is the item reaching furthest so far, ``cur`` the next by its first number;
    either may be a range.
    """
    before = prev.number if prev.last == prev.seq else series.format(year, prev.last)
    if cur.seq <= prev.last:
        number = series.format(year, cur.seq)  # the first number used twice
        if cur.entry is prev.entry:
            message = f"{label} number {number} appears twice in the same entry"
        else:
            message = (
                f"{label} number {number} is used twice: at {location(prev.entry.meta)} "
                f"and at {location(cur.entry.meta)}"
            )
        yield NumberingError(cur.entry.meta, message, cur.entry)
        return
    if cur.seq > prev.last + 1:
        missing = missing_span(series, year, prev.last, cur.seq)
        message = (
            f"{label} {missing} between {before} ({location(prev.entry.meta)}) "
            f"and {cur.number} ({location(cur.entry.meta)})"
        )
        yield NumberingError(cur.entry.meta, message, cur.entry)
    if cur.entry.date < prev.entry.date:
        message = (
            f"{label} {cur.number} dated {cur.entry.date} is dated before its predecessor "
            f"{before} dated {prev.entry.date} ({location(prev.entry.meta)})"
        )
        yield NumberingError(cur.entry.meta, message, cur.entry)


def check_credit_notes(
    collector: Collector, credit_notes: list[data.Transaction]
) -> Iterator[PluginError]:
    """Yield the errors of credit notes: unknown invoice, or more credited than invoiced."""
    credited: dict[str, Decimal] = defaultdict(Decimal)
    for entry in credit_notes:
        if "credit_note" not in entry.meta:
            yield from check_summarised_credit_notes(collector, entry)
            continue
        number = entry.meta["credit_note"]
        invoice = entry.meta.get("credits")
        if invoice is None:
            message = (
                f"Credit note {number} must name the invoice it credits in a 'credits' metadata"
            )
            yield CreditNoteError(entry.meta, message, entry)
            continue
        invoice = str(invoice)
        if not collector.is_invoice(invoice):
            message = (
                f"Credit note {number} credits {invoice}, which is not an invoice of these books"
            )
            yield CreditNoteError(entry.meta, message, entry)
            continue
        error = credited_too_early(collector, entry, str(number), invoice)
        if error is not None:
            yield error
        invoice_entry = collector.invoices.get(invoice)
        if invoice_entry is None:
            continue
        invoiced, currency = ttc_amount(invoice_entry)
        amount, _ = ttc_amount(entry)
        credited[invoice] += amount
        if credited[invoice] > -invoiced:
            message = (
                f"Credit note {number} brings the total credited on invoice {invoice} to "
                f"{credited[invoice]} {currency} TTC, more than the invoice's "
                f"{-invoiced} {currency} TTC (total of its Income:Sales:* and "
                "Liabilities:VAT:Collected:* postings)"
            )
            yield CreditNoteError(entry.meta, message, entry)


def credited_too_early(
    collector: Collector, entry: data.Transaction, number: str, invoice: str
) -> CreditNoteError | None:
    """The error of a credit note dated before the invoice it credits, if it is."""
    invoice_entry = collector.invoice_entry(invoice)
    if invoice_entry is None or entry.date >= invoice_entry.date:
        return None
    where = f"{invoice_entry.meta.get('filename', '?')}:{invoice_entry.meta.get('lineno', 0)}"
    message = (
        f"Credit note {number} is dated {entry.date}, before invoice {invoice} it "
        f"credits ({invoice_entry.date}, {where}); a refund cannot precede its order: "
        "date the credit note on or after the invoice"
    )
    return CreditNoteError(entry.meta, message, entry)


def check_summarised_credit_notes(
    collector: Collector, entry: data.Transaction
) -> Iterator[PluginError]:
    """Yield the errors of a summary of credit notes: each credits a known, earlier invoice.

    Its ``credits`` lists the credited invoices in the order of its ``credit_note_range``.
    """
    value = str(entry.meta.get("credit_note_range", ""))
    credits = str(entry.meta.get("credits", "")).split()
    series = collector.series.get("credit_note")
    first, _, last = value.partition("..")
    parsed = parse_number(series, first.strip()) if series is not None else None
    end = parse_number(series, last.strip()) if series is not None else None
    span = end[1] - parsed[1] + 1 if parsed is not None and end is not None else 0
    if series is None or parsed is None or len(credits) != span:
        message = (
            f"Summary {value} must list in 'credits' the invoice each of its "
            f"{span} credit notes credits, separated by spaces"
        )
        yield CreditNoteError(entry.meta, message, entry)
        return
    year, seq = parsed
    for offset, invoice in enumerate(credits):
        number = series.format(year, seq + offset)
        if not collector.is_invoice(invoice):
            message = (
                f"Credit note {number} credits {invoice}, which is not an invoice of these books"
            )
            yield CreditNoteError(entry.meta, message, entry)
            continue
        error = credited_too_early(collector, entry, number, invoice)
        if error is not None:
            yield error


def check_invoice_numbering(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[PluginError]]:
    """Check the numbering of invoices and credit notes; the entries are returned as is.

    Args:
      entries: The booked entries.
      options_map: The parser's options (unused).
      config_str: The series patterns, see the module docstring.

    Returns:
      The unchanged entries and the numbering errors.
    """
    with paused_gc():
        return _check_invoice_numbering(entries, options_map, config_str)


def _check_invoice_numbering(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None
) -> tuple[data.Directives, list[PluginError]]:
    """Do the work of :func:`check_invoice_numbering`."""
    del options_map
    series, errors = parse_series(config_str)
    collector = Collector(series)
    credit_notes: list[data.Transaction] = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        meta = entry.meta
        if (
            "invoice" in meta
            or "credit_note" in meta
            or "invoice_range" in meta
            or "credit_note_range" in meta
        ):
            collector.visit(entry)
            if "credit_note" in meta or "credit_note_range" in meta:
                credit_notes.append(entry)
    errors.extend(collector.errors)
    first_years: dict[str, int | None] = {}
    for key, year in sorted(collector.groups, key=lambda item: (item[0], item[1] or 0)):
        first_years.setdefault(key, year)
    for (key, year), numbers in collector.groups.items():
        first_year = first_years[key] == year
        errors.extend(check_group(collector.series[key], year, numbers, first_year))
    errors.extend(check_credit_notes(collector, credit_notes))
    return entries, errors
