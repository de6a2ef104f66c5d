"""``ecomledger report NAME``: a read-only view of the books, in any format.

``ecomledger report`` alone lists the reports. Tables, CSV and JSON go to standard output
unless ``--output`` names a file; xlsx and HTML are documents, so without ``--output`` they
go to ``reports/<name>-<period>.<ext>`` in the books and the path is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ecomledger import ledger
from ecomledger.books import load_books
from ecomledger.cli._common import books_and_config, console
from ecomledger.config import Config
from ecomledger.consistency import plugin_mismatches
from ecomledger.errors import UserError
from ecomledger.render import EXTENSIONS, FILE_FORMATS, FORMATS, renderer
from ecomledger.render.table import render_table
from ecomledger.reports import available, find
from ecomledger.reports.runner import (
    build_report,
    default_output,
    gc_paused,
    render_report,
    write_output,
)
from ecomledger.years import for_period

app = typer.Typer()


@app.command("report")
def report_command(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="The report; leave it out to list them.")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="2026 (the fiscal year ending in 2026), 2026-Q1, 2026-03 or "
            "2026-01-01..2026-06-30; default: the fiscal year of the last entry.",
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="Add a comparative column: previous or last-year."),
    ] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="List the accounts behind every line.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write here; default: standard output, or reports/<name>-<period>.<ext> "
            "for xlsx and html.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Report even though the books have errors.")
    ] = False,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", help="A report's own setting, key=value (repeatable)."),
    ] = None,
) -> None:
    """Render a report of the books (ecomledger report alone lists them)."""
    if name is None:
        for module in available():
            console.print(Text(f"{module.NAME:16s} {module.SUMMARY}"), soft_wrap=True)
        return
    find(name)
    renderer(fmt)  # an unknown format fails before the books load
    books_dir, config = books_and_config(ctx)
    if not force:
        _refuse_mismatches(config, books_dir)
    needs = for_period(books_dir, config.company.fiscal_year, period, compare is not None)
    books = load_books(books_dir, config, force=force, years=needs)  # per-year loading
    request, view = build_report(
        books, name, period=period, compare=compare, detail=detail, options=option or []
    )
    if fmt == "table" and output is None:
        width = console.width if console.is_terminal else None
        with gc_paused():
            console.file.write(render_table(view, width=width))
        return
    content = render_report(view, fmt)
    if output is None and fmt not in FILE_FORMATS:
        typer.echo(content.decode("utf-8"), nl=False)
        return
    target = output or default_output(books_dir, name, request.period, EXTENSIONS[fmt])
    if output is None:
        target.parent.mkdir(exist_ok=True)
    write_output(target, content)
    console.print(Text(f"Wrote {target}"))


def _refuse_mismatches(config: Config, books_dir: Path) -> None:
    """Books whose plugins disagree with ecomledger.toml fail ``check`` too."""
    problems = plugin_mismatches(config, books_dir / ledger.MAIN_FILE)
    if problems:
        filename, lineno, message = problems[0]
        raise UserError(
            f"the books have {len(problems)} error(s), the first at {filename}:{lineno}: "
            f"{message}; run 'ecomledger check' and fix them, or pass --force to use them anyway"
        )
