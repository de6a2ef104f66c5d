"""``ecomledger export fec`` and ``export journal``: the legal FEC and hand-off journals."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ecomledger import ledger
from ecomledger.books import load_books
from ecomledger.cli._common import books_and_config, console
from ecomledger.errors import UserError
from ecomledger.exports import fec, journal

app = typer.Typer(no_args_is_help=True, help="Export the FEC or a journal for another package.")


def _year(books_years: list[int], year: int | None) -> int:
    if year is not None:
        return year
    if not books_years:
        raise UserError("the books have no entries; there is nothing to export")
    return max(books_years)


@app.command("fec")
def fec_command(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="The fiscal year (the year it ends).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", help="A folder (the legal file name inside) or a .txt file."),
    ] = None,
) -> None:
    """Write the year's FEC (SIRENFECYYYYMMDD.txt) and its description beside it."""
    books_path, config = books_and_config(ctx)
    books = load_books(books_path, config, force=True)
    fec.check_exportable(books, year)
    target, count = fec.write(books, year, output or Path.cwd())
    notes = target.with_name(target.stem + "-description.txt")
    ledger.atomic_write(notes, fec.description(books, year))
    console.print(f"{target}: {count} lines; description in {notes.name}", soft_wrap=True)


class Layout(StrEnum):
    """The hand-off layouts."""

    csv = "csv"
    sage = "sage"
    cegid = "cegid"
    quickbooks = "quickbooks"
    xero = "xero"


@app.command("journal")
def journal_command(
    ctx: typer.Context,
    layout: Annotated[Layout, typer.Option("--format", help="csv, sage, cegid, quickbooks, xero.")],
    year: Annotated[
        int | None, typer.Option("--year", help="The fiscal year (default: the latest).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="The file to write (default: stdout).")
    ] = None,
) -> None:
    """Write the year's journal in a layout another accounting package imports."""
    books_path, config = books_and_config(ctx)
    books = load_books(books_path, config, force=True)
    years = sorted({t.date.year for t in books.transactions()})
    chosen = _year(years, year)
    fec.check_exportable(books, chosen)
    data = journal.export(books, chosen, layout.value)
    if output is None:
        typer.echo(data.decode(journal.LAYOUTS[layout.value].encoding), nl=False)
        return
    fec.atomic_write_bytes(output, [data])
    console.print(f"{output}: {layout.value} journal of {chosen}", soft_wrap=True)
