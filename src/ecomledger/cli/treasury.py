"""``ecomledger cash`` and ``ecomledger forecast``: the treasury, read from the books.

Both are reports (``ecomledger report cash`` gives the same page); these commands add what
a treasurer runs from cron or CI: ``forecast`` exits 1 with the list of alerts when cash
falls below the floor of ``forecast.toml`` within the horizon, or a category departed from
the last saved forecast by more than its share.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ecomledger.books import Books, load_books
from ecomledger.cli._common import books_and_config, console, err_console
from ecomledger.errors import UserError
from ecomledger.forecast_plan import load_plan
from ecomledger.render import FILE_FORMATS
from ecomledger.reports import cash, forecast
from ecomledger.reports.model import ReportView
from ecomledger.reports.runner import render_report, resolve_period, write_output

app = typer.Typer()


class Format(StrEnum):
    """Output formats of the treasury commands."""

    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class Scenario(StrEnum):
    """Forecast scenarios: factors on sales set in forecast.toml."""

    low = "low"
    base = "base"
    high = "high"


PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period",
        help="2026, 2026-Q1, 2026-03 or 2026-01-01..2026-03-31 (default: the fiscal year "
        "of the books' last entry).",
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", help="table, json, csv or html.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        help="Write to this file (html defaults to reports/<name>-<date>.html in the books).",
        dir_okay=False,
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Use the books even when check finds errors.")
]


@app.command("cash")
def cash_command(
    ctx: typer.Context,
    period: PeriodOption = None,
    output_format: FormatOption = Format.table,
    output: OutputOption = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="List every cash flow behind the statement.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Cash by day across banks, processors and money in transit, and the cash-flow
    statement by category."""
    path, config = books_and_config(ctx)
    books = load_books(path, config, force=force)
    span = resolve_period(books, period, cash)  # "2026" is the fiscal year ending in 2026
    report = cash.compute(books, span, cash.treasury_categories(books))
    view = cash.view(report, config.company.name, detail)
    _emit(view, output_format, output, books, span.end)


@app.command("forecast")
def forecast_command(
    ctx: typer.Context,
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=104, help="Weeks ahead.")] = 13,
    scenario: Annotated[
        Scenario, typer.Option("--scenario", help="low, base or high (factors on sales).")
    ] = Scenario.base,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Forecast from this date, YYYY-MM-DD (default: the books' last entry)."
        ),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="Keep this forecast under reports/forecast/ to measure "
            "the actual weeks against it later.",
        ),
    ] = False,
    output_format: FormatOption = Format.table,
    output: OutputOption = None,
    detail: Annotated[bool, typer.Option("--detail", help="List every expected movement.")] = False,
    force: ForceOption = False,
) -> None:
    """The bank's cash week by week: payouts due, sales to come, VAT, recurring and planned
    outflows; exit 1 with the alerts when cash falls below the floor or a category departs
    from plan."""
    path, config = books_and_config(ctx)
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise UserError(f"--as-of {as_of!r} is not a date; write it YYYY-MM-DD") from None
    plan = load_plan(path, config.company.currency)
    books = load_books(path, config, force=force)
    result = forecast.compute(books, plan, weeks, scenario.value, day)
    view = forecast.view(result, config.company.name, detail)
    _emit(view, output_format, output, books, result.as_of)
    if save:
        saved = forecast.save(result, path)
        err_console.print(f"forecast saved to {saved}", markup=False, highlight=False)
    if result.alerts:
        for alert in result.alerts:
            err_console.print(
                f"alert: {alert.date}: {alert.message}", markup=False, highlight=False
            )
        raise typer.Exit(1)


def _emit(view: ReportView, fmt: Format, output: Path | None, books: Books, day: dt.date) -> None:
    """Print the view, or write it as ``report`` does (html: under reports/ by default)."""
    content = render_report(view, fmt.value)
    if output is None and fmt.value not in FILE_FORMATS:
        typer.echo(content.decode("utf-8"), nl=False)
        return
    if output is None:
        output = books.path / "reports" / f"{view.name}-{day.isoformat()}.{fmt.value}"
        output.parent.mkdir(exist_ok=True)
    write_output(output, content)
    console.print(f"{view.title} written to {output}", markup=False, highlight=False)
