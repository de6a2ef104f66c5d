"""``trial-balance``: the balance générale, each account's opening, debits, credits, closing.

Balances read debit positive, credit negative. Charges and produits (classes 6 and 7) open
at what they hold since the start of the period's fiscal year; what they held before
(earlier years the books never closed into 12) is one line of its own, "résultats
antérieurs non affectés", so the opening column still adds up to zero. The period's debits
equal its credits by construction (every transaction balances); the totals row shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ecomledger.books import Books
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.reports import pcg
from ecomledger.reports.balances import Movements, compare_period, movements, require_entries
from ecomledger.reports.model import Column, ReportRequest, ReportView, Row, Table

NAME = "trial-balance"
SUMMARY = "Balance générale: each account's PCG number, opening, debit, credit and closing."

EARLIER_LABEL = "Résultats antérieurs non affectés (charges et produits des exercices passés)"

#: The PCG classes, for the subtotals.
CLASSES = {
    "1": "Classe 1 : comptes de capitaux",
    "2": "Classe 2 : comptes d'immobilisations",
    "3": "Classe 3 : comptes de stocks et en-cours",
    "4": "Classe 4 : comptes de tiers",
    "5": "Classe 5 : comptes financiers",
    "6": "Classe 6 : comptes de charges",
    "7": "Classe 7 : comptes de produits",
}


@dataclass
class TrialLine:
    """One account (``account`` is empty for the earlier-results line)."""

    account: str
    pcg: str
    label: str
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal
    compare_closing: Decimal | None = None


@dataclass
class TrialBalance:
    """The balance générale of a period; debits equal credits."""

    period: Period
    compare_period: Period | None
    lines: list[TrialLine] = field(default_factory=list)
    opening: Decimal = ZERO
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    closing: Decimal = ZERO


def _lines(books: Books, found: Movements) -> dict[str, TrialLine]:
    lines: dict[str, TrialLine] = {}
    earlier = ZERO
    for account, movement in found.accounts.items():
        number, label = books.pcg(account)
        opening = movement.opening
        if pcg.is_result_account(number):
            earlier += movement.opening - movement.opening_year
            opening = movement.opening_year
        closing = opening + movement.net
        if opening or movement.debit or movement.credit:
            lines[account] = TrialLine(
                account, number, label, opening, movement.debit, movement.credit, closing
            )
    if earlier:
        lines[""] = TrialLine("", "11", EARLIER_LABEL, earlier, ZERO, ZERO, earlier)
    return lines


def compute(books: Books, request: ReportRequest, found: Movements | None = None) -> TrialBalance:
    """The balance générale of the request's period, with the comparative closing."""
    other = compare_period(request.period, request.compare)
    lines = _lines(books, found or movements(books, request.period))
    if other is not None:
        for line in lines.values():
            line.compare_closing = ZERO
        for account, line in _lines(books, movements(books, other)).items():
            if account not in lines:
                lines[account] = TrialLine(
                    account, line.pcg, line.label, ZERO, ZERO, ZERO, ZERO, ZERO
                )
            lines[account].compare_closing = line.closing
    ordered = sorted(lines.values(), key=lambda line: (line.pcg, line.account))
    result = TrialBalance(request.period, other, ordered)
    for line in ordered:
        result.opening += line.opening
        result.debit += line.debit
        result.credit += line.credit
        result.closing += line.closing
    return result


def build(books: Books, request: ReportRequest) -> ReportView:
    """The balance générale as one table, subtotalled per PCG class."""
    require_entries(books, request.period)
    found = movements(books, request.period)
    balance = compute(books, request, found)
    compared = balance.compare_period is not None
    columns = [
        Column("pcg", "PCG"),
        Column("label", "Intitulé"),
        Column("account", "Compte"),
        Column("opening", "Solde d'ouverture", "money"),
        Column("debit", "Débit", "money"),
        Column("credit", "Crédit", "money"),
        Column("closing", "Solde de clôture", "money"),
    ]
    if compared and balance.compare_period is not None:
        columns.append(
            Column("compare_closing", f"Clôture au {balance.compare_period.end}", "money")
        )
    table = Table("trial_balance", "Balance générale", tuple(columns))

    def cells(*values: object) -> tuple[object, ...]:
        return values if compared else values[:7]

    current: str | None = None
    subtotal = [ZERO, ZERO, ZERO, ZERO, ZERO]
    for line in balance.lines:
        klass = line.pcg[:1]
        if klass != current:
            if current is not None:
                table.rows.append(_subtotal(current, subtotal, cells))
            current, subtotal = klass, [ZERO, ZERO, ZERO, ZERO, ZERO]
        for index, value in enumerate(
            (line.opening, line.debit, line.credit, line.closing, line.compare_closing or ZERO)
        ):
            subtotal[index] += value
        table.rows.append(
            Row(
                cells(
                    line.pcg,
                    line.label,
                    line.account,
                    line.opening,
                    line.debit,
                    line.credit,
                    line.closing,
                    line.compare_closing,
                )
            )
        )
    if current is not None:
        table.rows.append(_subtotal(current, subtotal, cells))
    compare_total = sum((line.compare_closing or ZERO for line in balance.lines), ZERO)
    table.rows.append(
        Row(
            cells(
                None,
                "Total",
                None,
                balance.opening,
                balance.debit,
                balance.credit,
                balance.closing,
                compare_total,
            ),
            "total",
        )
    )
    notes = ["Balances read debit positive, credit negative."]
    notes += found.notes(books.currency)
    if balance.debit != balance.credit:
        notes.append(f"Debits ({balance.debit}) and credits ({balance.credit}) differ.")
    return ReportView(
        name=NAME,
        title="Balance générale",
        subtitle=f"{books.config.company.name}, {request.period.start} to {request.period.end}",
        tables=[table],
        notes=notes,
        data=balance,
    )


def _subtotal(klass: str, totals: list[Decimal], cells: object) -> Row:
    label = CLASSES.get(klass, f"Classe {klass}")
    assert callable(cells)
    return Row(cells(None, f"Total {label}", None, *totals), "subtotal")
