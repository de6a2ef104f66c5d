"""``ecomledger check``: load the books with every plugin and list what is wrong."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ecomledger import ledger, seal
from ecomledger.cli._common import books_and_config, console, err_console
from ecomledger.config import CONFIG_NAME
from ecomledger.consistency import config_problems, follow_config
from ecomledger.memory import paused_gc
from ecomledger.progress import busy, interactive, summarise
from ecomledger.years import default_years, needed, year_folders

app = typer.Typer()


class Format(StrEnum):
    """Output formats of ``check``."""

    text = "text"
    json = "json"


@app.command("check")
def check_command(
    ctx: typer.Context,
    output: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every error, not one line per kind.")
    ] = False,
    year: Annotated[
        list[int] | None,
        typer.Option(
            "--year",
            help="Check this fiscal year (repeatable; earlier years not closed load with it). "
            "Default: the current fiscal year and every year not closed.",
        ),
    ] = None,
    all_years: Annotated[
        bool, typer.Option("--all-years", help="Check every fiscal year, closed ones too.")
    ] = False,
) -> None:
    """Load the books through Beancount with ecomledger's plugins; exit 1 on any error."""
    books, config = books_and_config(ctx)
    chosen = None if all_years else (year or default_years(books, config.company.fiscal_year_start))
    problems = config_problems(config, books / CONFIG_NAME)
    followed, notes = follow_config(config, books / ledger.MAIN_FILE)  # before the load
    problems += followed
    # The collector would walk the millions of objects a load builds, again and again, for
    # cycles Beancount does not make: paused, the load costs a tenth less (issue 14).
    with (
        busy(err_console, "loading the books with the plugins", interactive(err_console)),
        paused_gc(freeze_survivors=True),
    ):
        entries, errors, _ = ledger.load(books, cache=False, years=chosen)
    problems += [ledger.format_error(error, books) for error in errors]
    problems += seal.problems(books)  # every closed year's entries still as sealed
    if output is Format.json:
        payload = {
            "books": str(books),
            "entries": len(entries),
            "errors": [{"file": f, "line": n, "message": m} for f, n, m in problems],
            "notes": [{"file": f, "line": n, "message": m} for f, n, m in notes],
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        for filename, lineno, message in notes:
            console.print(f"note: {filename}:{lineno}: {message}", soft_wrap=True)
        lines = [f"{filename}:{lineno}: {message}" for filename, lineno, message in problems]
        for line in summarise(lines, verbose):
            console.print(line, soft_wrap=True)
        status = "no errors" if not problems else f"{len(problems)} error(s)"
        console.print(f"{books}: {len(entries)} entries, {status}{_scope(books, chosen)}.")
    raise typer.Exit(1 if problems else 0)


def _scope(books: Path, chosen: list[int] | set[int] | None) -> str:
    """`` (fiscal years 2026 only)`` when the check left closed years out, else nothing."""
    if chosen is None:
        return ""
    loaded = needed(books, chosen) if year_folders(books) else []
    if not loaded or loaded == year_folders(books):
        return ""
    listed = ", ".join(str(y) for y in loaded)
    return f" (fiscal year{'s' if len(loaded) > 1 else ''} {listed} only; --all-years checks all)"
