"""``ecomledger init [DIR]``: create new books."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecomledger.cli._common import console
from ecomledger.scaffold import init_books

app = typer.Typer()


@app.command("init")
def init_command(
    directory: Annotated[Path, typer.Argument(help="Where to create the books.")] = Path("."),
) -> None:
    """Create books: configuration, chart of accounts, ledger folders. Never overwrites."""
    created = init_books(directory)
    console.print(f"Created books in {directory} ({len(created)} files).")
    console.print(
        "Next: edit ecomledger.toml (company, shops, banks), then run 'ecomledger check'."
    )
