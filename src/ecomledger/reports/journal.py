"""``journal``: every entry of the period in order, with its journal code and entry number.

Journal codes are the FEC's (:class:`ecomledger.exports.fec.Journals`: ``VT`` sales,
``BQ1``… one per bank, ``AN`` opening, ``OD`` the rest), so the journal report and the FEC
agree on where an entry belongs. Entries are numbered per journal and per fiscal year in
date order (``VT000042``), counting from the start of the period's fiscal year, so a month
shows the same numbers as the whole year. Amounts are weights in the books' currency (a
stock lot at cost); debits equal credits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data
from beancount.core.convert import get_weight

from ecomledger.books import Books
from ecomledger.exports.fec import Journals
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.reports.balances import fiscal_year_of, require_entries
from ecomledger.reports.model import Column, ReportRequest, ReportView, Row, Table

NAME = "journal"
SUMMARY = "Journal: every entry in order with its journal code, number, accounts, debit, credit."
OPTIONS = {"journal": "only this journal code (VT, BQ1, OD, AN)"}

#: Metadata naming an entry's voucher (pièce), most specific first.
PIECE_KEYS = (
    "invoice",
    "credit_note",
    "invoice_range",
    "credit_note_range",
    "supplier_invoice",
    "payout_id",
    "bank_ref",
    "order_number",
)


@dataclass(slots=True)
class JournalLine:
    """One posting: the account, its PCG number, its debit or credit."""

    account: str
    pcg: str
    debit: Decimal
    credit: Decimal


@dataclass
class JournalEntry:
    """One transaction as the journal shows it."""

    date: dt.date
    journal: str
    number: str
    piece: str
    label: str
    lines: list[JournalLine] = field(default_factory=list)


@dataclass
class Journal:
    """The period's entries, in order, and their totals per journal."""

    period: Period
    entries: list[JournalEntry]
    labels: dict[str, str]
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    skipped: int = 0


def piece_of(entry: data.Transaction) -> str:
    """The voucher an entry books (invoice number, payout id, bank reference…)."""
    meta = entry.meta or {}
    for key in PIECE_KEYS:
        if meta.get(key):
            return str(meta[key])
    return ""


def label_of(entry: data.Transaction) -> str:
    """The entry's wording: payee and narration."""
    parts = [part for part in (entry.payee, entry.narration) if part]
    return " · ".join(parts)


def numbered(
    books: Books, period: Period, journals: Journals
) -> Iterator[tuple[data.Transaction, str, str]]:
    """Yield each transaction of ``period`` with its journal code and entry number.

    Numbering counts from the start of the fiscal year of ``period.start`` and restarts at
    each fiscal year.
    """
    year = fiscal_year_of(books, period.start)
    counters: dict[str, int] = defaultdict(int)
    for entry in books.entries:
        if not isinstance(entry, data.Transaction) or entry.date < year.start:
            continue
        if entry.date > period.end:
            break
        if entry.date > year.end:
            year = fiscal_year_of(books, entry.date)
            counters.clear()
        code = journals.of(entry)
        counters[code] += 1
        if entry.date >= period.start:
            yield entry, code, f"{code}{counters[code]:06d}"


def compute(books: Books, request: ReportRequest) -> Journal:
    """The journal of the request's period (one journal code with ``--option journal=``)."""
    journals = Journals(books)
    only = request.options.get("journal", "").strip().upper() or None
    currency = books.currency
    pcg_cache: dict[str, str] = {}
    result = Journal(request.period, [], dict(journals.labels))
    for entry, code, number in numbered(books, request.period, journals):
        if only is not None and code != only:
            continue
        item = JournalEntry(entry.date, code, number, piece_of(entry), label_of(entry))
        for posting in entry.postings:
            weight = get_weight(posting)
            amount = weight.number
            if weight.currency != currency or not isinstance(amount, Decimal):
                result.skipped += 1
                continue
            number_of = pcg_cache.get(posting.account)
            if number_of is None:
                number_of = pcg_cache[posting.account] = books.pcg(posting.account)[0]
            if amount >= 0:
                item.lines.append(JournalLine(posting.account, number_of, amount, ZERO))
                result.debit += amount
            else:
                item.lines.append(JournalLine(posting.account, number_of, ZERO, -amount))
                result.credit -= amount
        result.entries.append(item)
    return result


COLUMNS = (
    Column("date", "Date", "date"),
    Column("journal", "Journal"),
    Column("number", "N° d'écriture"),
    Column("piece", "Pièce"),
    Column("pcg", "PCG"),
    Column("account", "Compte"),
    Column("label", "Libellé"),
    Column("debit", "Débit", "money"),
    Column("credit", "Crédit", "money"),
)


def build(books: Books, request: ReportRequest) -> ReportView:
    """The journal as one table of postings and a summary per journal code."""
    require_entries(books, request.period)
    journal = compute(books, request)
    table = Table("journal", "Journal", COLUMNS)
    rows = table.rows
    per_code: dict[str, list[Decimal]] = {}
    for entry in journal.entries:
        totals = per_code.setdefault(entry.journal, [ZERO, ZERO, ZERO])
        totals[0] += 1
        for line in entry.lines:
            totals[1] += line.debit
            totals[2] += line.credit
            rows.append(
                Row(
                    (
                        entry.date,
                        entry.journal,
                        entry.number,
                        entry.piece,
                        line.pcg,
                        line.account,
                        entry.label,
                        line.debit or None,
                        line.credit or None,
                    )
                )
            )
    rows.append(
        Row((None, None, None, None, None, None, "Total", journal.debit, journal.credit), "total")
    )
    summary = Table(
        "journals",
        "Par journal",
        (
            Column("journal", "Journal"),
            Column("label", "Libellé"),
            Column("entries", "Écritures", "int"),
            Column("debit", "Débit", "money"),
            Column("credit", "Crédit", "money"),
        ),
        [
            Row((code, journal.labels.get(code, code), int(t[0]), t[1], t[2]))
            for code, t in sorted(per_code.items())
        ],
    )
    summary.rows.append(
        Row(("Total", None, len(journal.entries), journal.debit, journal.credit), "total")
    )
    notes = []
    if journal.skipped:
        notes.append(
            f"{journal.skipped} posting(s) in a currency other than {books.currency} "
            "without a price or cost are left out."
        )
    return ReportView(
        name=NAME,
        title="Journal",
        subtitle=f"{books.config.company.name}, {request.period.start} to {request.period.end}",
        tables=[summary, table],
        notes=notes,
        data=journal,
    )
