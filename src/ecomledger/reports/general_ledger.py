"""``general-ledger``: the grand livre, per account every posting with its running balance.

Accounts in PCG order; each opens with its balance before the period (for charges and
produits, since the start of the fiscal year, as in the trial balance), lists its postings
with journal code and entry number (the journal report's), and closes with its totals. The
closing balances are the trial balance's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core.convert import get_weight

from ecomledger.books import Books
from ecomledger.exports.fec import Journals
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.reports import pcg
from ecomledger.reports.balances import openings, require_entries
from ecomledger.reports.journal import label_of, numbered, piece_of
from ecomledger.reports.model import Column, ReportRequest, ReportView, Row, Table

NAME = "general-ledger"
SUMMARY = "Grand livre: per account, every posting of the period with its running balance."
OPTIONS = {"account": "only accounts whose name or PCG number starts with this"}


@dataclass(slots=True)
class LedgerPosting:
    """One posting of an account."""

    date: dt.date
    journal: str
    number: str
    piece: str
    label: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class LedgerAccount:
    """One account: opening balance, postings, totals and closing balance (debit positive)."""

    account: str
    pcg: str
    label: str
    opening: Decimal
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    closing: Decimal = ZERO
    postings: list[LedgerPosting] = field(default_factory=list)


@dataclass
class GeneralLedger:
    """The grand livre of a period."""

    period: Period
    accounts: list[LedgerAccount]
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _selected(account: str, number: str, prefix: str | None) -> bool:
    return prefix is None or account.startswith(prefix) or number.startswith(prefix)


def compute(books: Books, request: ReportRequest) -> GeneralLedger:
    """The grand livre of the request's period (some accounts with ``--option account=``)."""
    period = request.period
    prefix = request.options.get("account", "").strip() or None
    found = openings(books, period)
    ledgers: dict[str, LedgerAccount] = {}

    def ledger_of(account: str) -> LedgerAccount | None:
        item = ledgers.get(account)
        if item is None:
            number, label = books.pcg(account)
            if not _selected(account, number, prefix):
                return None
            movement = found.accounts.get(account)
            opening = ZERO
            if movement is not None:
                is_result = pcg.is_result_account(number)
                opening = movement.opening_year if is_result else movement.opening
            item = ledgers[account] = LedgerAccount(account, number, label, opening)
            item.closing = opening
        return item

    for account in found.accounts:
        ledger_of(account)
    currency = books.currency
    skipped: set[str] = set()
    for entry, code, number in numbered(books, period, Journals(books)):
        piece, label = piece_of(entry), label_of(entry)
        for posting in entry.postings:
            item = ledgers.get(posting.account)
            if item is None:
                if posting.account in skipped:
                    continue
                item = ledger_of(posting.account)
                if item is None:
                    skipped.add(posting.account)
                    continue
            weight = get_weight(posting)
            amount = weight.number
            if weight.currency != currency or not isinstance(amount, Decimal):
                continue
            item.closing += amount
            debit, credit = (amount, ZERO) if amount >= 0 else (ZERO, -amount)
            item.debit += debit
            item.credit += credit
            item.postings.append(
                LedgerPosting(entry.date, code, number, piece, label, debit, credit, item.closing)
            )
    accounts = sorted(
        (a for a in ledgers.values() if a.opening or a.postings),
        key=lambda a: (a.pcg, a.account),
    )
    result = GeneralLedger(period, accounts)
    for item in accounts:
        result.debit += item.debit
        result.credit += item.credit
    return result


COLUMNS = (
    Column("date", "Date", "date"),
    Column("journal", "Journal"),
    Column("number", "N° d'écriture"),
    Column("piece", "Pièce"),
    Column("label", "Libellé"),
    Column("debit", "Débit", "money"),
    Column("credit", "Crédit", "money"),
    Column("balance", "Solde", "money"),
)


def build(books: Books, request: ReportRequest) -> ReportView:
    """The grand livre as one table: per account a heading, its postings, its totals."""
    require_entries(books, request.period)
    ledger = compute(books, request)
    table = Table("general_ledger", "Grand livre", COLUMNS)
    rows = table.rows
    for item in ledger.accounts:
        heading = f"{item.pcg} {item.label} ({item.account})"
        rows.append(Row((None, None, None, None, heading, None, None, None), "heading"))
        rows.append(
            Row(
                (
                    request.period.start,
                    None,
                    None,
                    None,
                    "Solde d'ouverture",
                    None,
                    None,
                    item.opening,
                )
            )
        )
        rows.extend(
            Row(
                (
                    p.date,
                    p.journal,
                    p.number,
                    p.piece,
                    p.label,
                    p.debit or None,
                    p.credit or None,
                    p.balance,
                )
            )
            for p in item.postings
        )
        rows.append(
            Row(
                (
                    None,
                    None,
                    None,
                    None,
                    f"Total {item.pcg}",
                    item.debit,
                    item.credit,
                    item.closing,
                ),
                "subtotal",
            )
        )
    rows.append(Row((None, None, None, None, "Total", ledger.debit, ledger.credit, None), "total"))
    return ReportView(
        name=NAME,
        title="Grand livre",
        subtitle=f"{books.config.company.name}, {request.period.start} to {request.period.end}",
        tables=[table],
        notes=["Balances read debit positive, credit negative."],
        data=ledger,
    )
