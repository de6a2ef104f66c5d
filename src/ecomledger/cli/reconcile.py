"""``ecomledger reconcile``: did every payout reach the bank, is every bank line explained?"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from ecomledger import ledger
from ecomledger.cli._common import books_dir, console
from ecomledger.periods import Period, parse_period
from ecomledger.reconcile import ReconcileReport, reconcile

app = typer.Typer()


class Format(StrEnum):
    """Output formats of ``reconcile``."""

    table = "table"
    json = "json"


@app.command("reconcile")
def reconcile_command(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", help="2026, 2026-Q1, 2026-03 or A..B (default: all).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """List matched payouts, payouts not yet in the bank, unexplained bank lines and the
    residual of each clearing account; exit 1 when something needs attention."""
    books = books_dir(ctx)
    span = parse_period(period) if period else Period(dt.date.min, dt.date.max)
    entries, _errors, _ = ledger.load(books)
    report = reconcile(entries, span)
    if output is Format.json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print(report)
    raise typer.Exit(1 if report.needs_attention else 0)


def _print(report: ReconcileReport) -> None:
    sections = (
        (
            "Payouts matched with a bank line",
            report.matched,
            ("date", "payout_id", "amount", "bank_date", "bank_ref"),
        ),
        ("Payouts not yet in the bank", report.unpaid, ("date", "payout_id", "amount", "where")),
        (
            "Bank lines matching no payout (in suspense)",
            report.unmatched_bank,
            ("date", "amount", "description", "where"),
        ),
    )
    for title, rows, columns in sections:
        table = Table(title=f"{title}: {len(rows)}", title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(row.get(c, "") for c in columns))
        console.print(table)
    residuals = Table(title="Residual per clearing account", title_justify="left")
    residuals.add_column("account")
    residuals.add_column("balance", justify="right")
    for account, amount in report.residuals.items():
        residuals.add_row(account, f"{amount:.2f}")
    console.print(residuals)
    console.print("needs attention" if report.needs_attention else "everything reconciles")
