"""``ecomledger import [FILE...]``: import files (default: everything new in inbox/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecomledger import journal
from ecomledger.cli._common import books_and_config, console, err_console, styled
from ecomledger.fetch import mark_imported
from ecomledger.ingest import INBOX, BeforeCommit, import_files, inbox_files
from ecomledger.progress import file_bar, interactive, summarise

app = typer.Typer()


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None, typer.Argument(help="Files to import (default: inbox/).")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every finding, not one per kind.")
    ] = False,
) -> None:
    """Import order, payout and bank files: idempotent, atomic, nothing twice."""
    books, config = books_and_config(ctx)
    journal.recover_if_idle(books)  # a killed run's inbox moves first, then list the inbox
    paths = list(files) if files else inbox_files(books)
    if not paths:
        console.print(f"Nothing to import: {books / 'inbox'} is empty.")
        return
    with file_bar(err_console, paths, interactive(err_console)) as step:
        result = import_files(
            books, config, paths, partial=True, before_commit=_fetched_done(books), progress=step
        )
    for finding in summarise(result.findings, verbose):
        console.print(styled("finding:", "yellow"), finding, soft_wrap=True)
    imported = len(result.accepted)
    if imported or not result.refused:
        console.print(
            f"Imported {imported} file(s): {len(result.added)} new entries, "
            f"{result.duplicates} already in the books, {len(result.opened)} accounts opened."
        )
    inbox = (books / INBOX).resolve()
    if result.refused:
        err_console.print(
            f"{len(result.refused)} file(s) refused, nothing of them written; "
            f"{imported} other file(s) imported.",
            soft_wrap=True,
        )
    # Refusals last, each ending with what to do: a block to paste stays whole at the end.
    for path, error in result.refused:
        where = " (left in inbox/)" if path.resolve().is_relative_to(inbox) else ""
        sentence, _, block = str(error).partition("\n\n")
        colon = ":" if sentence.endswith(":") else ""
        sentence = f"{sentence.removesuffix(':')}{where}{colon}"
        err_console.print(sentence + (f"\n\n{block.rstrip()}" if block else ""), soft_wrap=True)
    if result.refused:
        raise typer.Exit(2)


def _fetched_done(books: Path) -> BeforeCommit:
    """A fetched payload imported by hand is no longer pending for the next fetch."""

    def done(batch: journal.Batch, accepted: list[Path]) -> None:
        mark_imported(batch, books, accepted)

    return done
