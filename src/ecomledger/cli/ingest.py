"""``ecomledger import [FILE...]``: import files (default: everything new in inbox/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecomledger.cli._common import books_and_config, console
from ecomledger.ingest import import_files, inbox_files

app = typer.Typer()


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files to import (default: inbox/).")
    ] = None,
) -> None:
    """Import order, payout and bank files: idempotent, atomic, nothing twice."""
    books, config = books_and_config(ctx)
    paths = list(files) if files else inbox_files(books)
    if not paths:
        console.print(f"Nothing to import: {books / 'inbox'} is empty.")
        return
    result = import_files(books, config, paths)
    for finding in result.findings:
        console.print(f"[yellow]finding:[/] {finding}", soft_wrap=True)
    console.print(
        f"Imported {len(paths)} file(s): {len(result.added)} new entries, "
        f"{result.duplicates} already in the books, {len(result.opened)} accounts opened."
    )
