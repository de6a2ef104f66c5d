"""``ecomledger check``: load the books with every plugin and list what is wrong."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from ecomledger import ledger
from ecomledger.cli._common import books_and_config, console
from ecomledger.consistency import plugin_mismatches

app = typer.Typer()


class Format(StrEnum):
    """Output formats of ``check``."""

    text = "text"
    json = "json"


@app.command("check")
def check_command(
    ctx: typer.Context,
    output: Annotated[Format, typer.Option("--format", help="text or json.")] = Format.text,
) -> None:
    """Load the books through Beancount with ecomledger's plugins; exit 1 on any error."""
    books, config = books_and_config(ctx)
    entries, errors, _ = ledger.load(books)
    problems = plugin_mismatches(config, books / ledger.MAIN_FILE)
    problems += [ledger.format_error(error, books) for error in errors]
    if output is Format.json:
        payload = {
            "books": str(books),
            "entries": len(entries),
            "errors": [{"file": f, "line": n, "message": m} for f, n, m in problems],
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        for filename, lineno, message in problems:
            console.print(f"{filename}:{lineno}: {message}", soft_wrap=True)
        status = "no errors" if not problems else f"{len(problems)} error(s)"
        console.print(f"{books}: {len(entries)} entries, {status}.")
    raise typer.Exit(1 if problems else 0)
