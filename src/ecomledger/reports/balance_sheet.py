"""``balance-sheet``: the bilan at the end of the period, actif and passif, comparative column.

Accounts of PCG classes 1 to 5 at their balance on the period's last day, each sent to its
line by :data:`ecomledger.reports.pcg.BALANCE_RULES` (third parties by the sign of their
balance). Books are usually not closed into 12 (résultat) during the year, so the
charges and produits of the period become the line "Résultat de l'exercice", exactly the
compte de résultat's result, and those dated before the period (earlier years not yet
closed) go to "Report à nouveau". Actif equals passif by construction; the report says so
if it ever does not.
"""

from __future__ import annotations

from decimal import Decimal

from ecomledger.books import Books
from ecomledger.money import ZERO
from ecomledger.reports import pcg
from ecomledger.reports.balances import Movements, compare_period, movements, require_entries
from ecomledger.reports.model import Chart, ReportRequest, ReportView, Series
from ecomledger.reports.statement import (
    AccountAmount,
    Statement,
    build_statement,
    statement_table,
)

NAME = "balance-sheet"
SUMMARY = "Bilan (PCG): actif and passif at the period's end, with the period's result."

RESULT_LABEL = "Résultat de la période (compte de résultat)"
EARLIER_LABEL = "Résultats antérieurs non affectés (charges et produits avant la période)"


def _split(books: Books, found: Movements) -> tuple[dict[str, Decimal], Decimal, Decimal]:
    """Bilan balances at the end, the period's result and earlier results (credit positive)."""
    balances: dict[str, Decimal] = {}
    result = earlier = ZERO
    for account, movement in found.accounts.items():
        if pcg.is_result_account(books.pcg(account)[0]):
            result -= movement.net
            earlier -= movement.opening
        else:
            balances[account] = movement.closing
    return balances, result, earlier


def compute(books: Books, request: ReportRequest, found: Movements | None = None) -> Statement:
    """The bilan at the end of the request's period (and of its comparative period)."""
    period = request.period
    other = compare_period(period, request.compare)
    balances, result, earlier = _split(books, found or movements(books, period))
    compare_balances: dict[str, Decimal] | None = None
    compare_result = compare_earlier = None
    if other is not None:
        compare_balances, compare_result, compare_earlier = _split(books, movements(books, other))

    def extra(line: str) -> list[AccountAmount]:
        if line == pcg.RESULT_LINE:
            return [AccountAmount("", "12", RESULT_LABEL, result, compare_result)]
        if line == pcg.EARLIER_RESULTS_LINE and (earlier or compare_earlier):
            return [AccountAmount("", "11", EARLIER_LABEL, earlier, compare_earlier)]
        return []

    return build_statement(
        books,
        period,
        other,
        balances,
        compare_balances,
        sections=pcg.BALANCE_SECTIONS,
        lines=pcg.BALANCE_LINES,
        rules=pcg.BALANCE_RULES,
        extra=extra,
    )


def totals(statement: Statement) -> tuple[Decimal, Decimal]:
    """Total actif and total passif."""
    actif = sum((statement.total(key).amount for key in pcg.ACTIF), ZERO)
    passif = sum((statement.total(key).amount for key in pcg.PASSIF), ZERO)
    return actif, passif


def build(books: Books, request: ReportRequest) -> ReportView:
    """The bilan as a table and a stacked bar of the structure of actif and passif."""
    require_entries(books, request.period)
    found = movements(books, request.period)
    statement = compute(books, request, found)
    table = statement_table(
        statement,
        pcg.BALANCE_SECTIONS,
        name="balance_sheet",
        title="Bilan",
        detail=request.detail,
        groups=(("Total actif", pcg.ACTIF), ("Total passif", pcg.PASSIF)),
        amount_title=f"Au {request.period.end}",
        compare_title=f"Au {statement.compare_period.end}" if statement.compare_period else None,
    )
    notes = found.notes(books.currency)
    actif, passif = totals(statement)
    if actif != passif:
        notes.append(f"Actif ({actif}) and passif ({passif}) differ by {actif - passif}.")
    return ReportView(
        name=NAME,
        title="Bilan",
        subtitle=f"{books.config.company.name}, at {request.period.end}",
        tables=[table],
        charts=[_chart(statement)],
        notes=notes,
        data=statement,
    )


def _chart(statement: Statement) -> Chart:
    """Two stacked bars, actif and passif, one segment per line."""
    actif_sections = set(pcg.ACTIF)
    series = []
    for line in statement.lines:
        if not line.amount:
            continue
        on_actif = line.section in actif_sections
        series.append(Series(line.label, [line.amount, ZERO] if on_actif else [ZERO, line.amount]))
    return Chart(
        "structure",
        f"Structure du bilan au {statement.period.end}",
        "stacked",
        ["Actif", "Passif"],
        series,
        unit="EUR",
    )
