"""``ecomledger close``, ``verify`` and ``fec check``: the year end and its guarantees."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ecomledger import close, seal
from ecomledger.cli._common import books_and_config, books_dir, console
from ecomledger.exports import fec_check

app = typer.Typer()
fec_app = typer.Typer(no_args_is_help=True, help="Check a FEC file against the DGFiP rules.")
app.add_typer(fec_app, name="fec")


@app.command("close")
def close_command(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(help="The fiscal year to close (the year it ends).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be written; write nothing.")
    ] = False,
) -> None:
    """Book the year-end entries, write next year's opening balances, seal the year and
    write the closing bundle under reports/YYYY/."""
    books, config = books_and_config(ctx)
    result = close.close_year(books, config, year, dry_run=dry_run)
    for line in result.summary:
        console.print(line, soft_wrap=True, markup=False)
    verb = "would write" if dry_run else "wrote"
    for item in result.planned:
        console.print(f"{verb} {item.path!s}: {item.what}", soft_wrap=True, markup=False)
        if dry_run and item.path.name in ("closing.beancount", "opening.beancount"):
            console.print(item.text, soft_wrap=True, markup=False)
    for path in result.bundle:
        console.print(f"{verb} {path!s}", soft_wrap=True, markup=False)
    for what in result.skipped:
        console.print(f"skipped: {what}", soft_wrap=True, markup=False)


@app.command("verify")
def verify_command(ctx: typer.Context) -> None:
    """Recompute the seal of every closed year; name the first entry that changed."""
    books = books_dir(ctx)
    found = seal.seals(books)
    if not found:
        console.print("no closed year: nothing is sealed yet (see 'ecomledger close')")
        return
    broken = 0
    parsed = list(seal.parsed_files(books))
    for item in found:
        finding = seal.verify(books, item, parsed)
        if finding is None:
            console.print(
                f"{item.year}: sealed on {item.closed_on}, {len(item.entries)} entries unchanged"
            )
        else:
            broken += 1
            console.print(f"{finding.where}: {finding.message}", soft_wrap=True, markup=False)
    raise typer.Exit(1 if broken else 0)


class Format(StrEnum):
    """Output formats of ``fec check``."""

    text = "text"
    json = "json"


@fec_app.command("check")
def fec_check_command(
    file: Annotated[Path, typer.Argument(help="The FEC file to check.")],
    output: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
) -> None:
    """Check a FEC: name, header, fields, dates, amounts, balance, numbering, accounts;
    exit 1 on any error."""
    report = fec_check.check_file(file)
    if output is Format.json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        for item in report.findings:
            where = f"{file}:{item.line}" if item.line else str(file)
            console.print(
                f"{where}: {item.severity} [{item.rule}] {item.message}",
                soft_wrap=True,
                markup=False,
            )
        errors = len(report.errors)
        status = "passes" if not errors else f"fails with {errors} error(s)"
        console.print(
            f"{file!s}: {report.lines} lines, {report.entries} entries, debit "
            f"{report.debit:.2f}, credit {report.credit:.2f}; {status}",
            soft_wrap=True,
        )
    raise typer.Exit(1 if report.errors else 0)
