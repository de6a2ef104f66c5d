"""``pnl``: the compte de résultat in the PCG's presentation, with its comparative column.

Charges and produits (PCG classes 6 and 7) of the period, each account sent to its line by
:data:`ecomledger.reports.pcg.PNL_RULES`; the result is produits minus charges, the same
figure the bilan shows under capitaux propres.
"""

from __future__ import annotations

from decimal import Decimal

from ecomledger.books import Books
from ecomledger.periods import Period
from ecomledger.reports import pcg
from ecomledger.reports.balances import Movements, compare_period, movements, require_entries
from ecomledger.reports.model import Chart, ReportRequest, ReportView, Series
from ecomledger.reports.statement import Statement, build_statement, statement_table

NAME = "pnl"
SUMMARY = "Compte de résultat (PCG): produits, charges and the result, with a comparative column."


def result_balances(books: Books, found: Movements) -> dict[str, Decimal]:
    """Each charge and produit account's net movement (debit positive) over the period."""
    return {
        account: movement.net
        for account, movement in found.accounts.items()
        if pcg.is_result_account(books.pcg(account)[0])
    }


def compute(books: Books, request: ReportRequest, found: Movements | None = None) -> Statement:
    """The compte de résultat of the request's period (and its comparative period)."""
    period = request.period
    other = compare_period(period, request.compare)
    found = found or movements(books, period)
    return build_statement(
        books,
        period,
        other,
        result_balances(books, found),
        result_balances(books, movements(books, other)) if other else None,
        sections=pcg.PNL_SECTIONS,
        lines=pcg.PNL_LINES,
        rules=pcg.PNL_RULES,
        results=pcg.PNL_RESULTS,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """The compte de résultat as a table and a bar chart of its lines."""
    require_entries(books, request.period)
    found = movements(books, request.period)
    statement = compute(books, request, found)
    table = statement_table(
        statement,
        pcg.PNL_SECTIONS,
        name="pnl",
        title="Compte de résultat",
        detail=request.detail,
        results=pcg.PNL_RESULTS,
    )
    return ReportView(
        name=NAME,
        title="Compte de résultat",
        subtitle=f"{books.config.company.name}, {request.period.start} to {request.period.end}",
        tables=[table],
        charts=[_chart(statement)],
        notes=found.notes(books.currency),
        data=statement,
    )


def _chart(statement: Statement) -> Chart:
    """Each non-zero line as a bar (charges drawn below zero), then the result."""
    signs = {section.key: section.sign for section in pcg.PNL_SECTIONS}
    lines = [line for line in statement.lines if line.amount or line.compare]
    labels = [line.label for line in lines] + ["Résultat"]
    result = statement.total("resultat")
    series = [
        Series(
            _column(statement.period),
            [line.amount * signs[line.section] for line in lines] + [result.amount],
        )
    ]
    if statement.compare_period is not None:
        series.append(
            Series(
                _column(statement.compare_period),
                [(line.compare or Decimal(0)) * signs[line.section] for line in lines]
                + [result.compare or Decimal(0)],
            )
        )
    return Chart("pnl", "Produits, charges et résultat", "bar", labels, series, unit="EUR")


def _column(period: Period) -> str:
    return f"{period.start} → {period.end}"
