"""The ``ecomledger`` command line: one Typer module per command group, composed here.

Every command finds the books the same way (``--books``, else ``ECOMLEDGER_BOOKS``, else the
nearest ``ecomledger.toml`` upward) and reports a user error as one sentence on stderr with
exit code 2, never a traceback. Exit code 1 means the books themselves need attention.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from ecomledger import __version__
from ecomledger.cli import (
    check,
    close,
    demo,
    export,
    fetch,
    ingest,
    init,
    invoice,
    reconcile,
    report,
    rules,
    treasury,
)
from ecomledger.cli._common import State, err_console, plain_help_types, styled
from ecomledger.errors import UserError

app = typer.Typer(
    name="ecomledger",
    help="Plain-text accounting for online merchants, over Beancount v3 books.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
plain_help_types()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecomledger {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    books: Annotated[
        Path | None,
        typer.Option(
            "--books",
            help="The books' folder (default: $ECOMLEDGER_BOOKS, else the nearest "
            "ecomledger.toml upward).",
            file_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Plain-text accounting for online merchants, over Beancount v3 books."""
    ctx.obj = State(books_option=books)


for module in (init, fetch, ingest, check, reconcile, demo, report, treasury, close):
    app.add_typer(module.app)
app.add_typer(rules.app, name="rules")
app.add_typer(invoice.app, name="invoice")
app.add_typer(export.app, name="export")


def _click_errors() -> tuple[type[Exception], ...]:
    """Click's usage-error base, wherever this Typer version keeps it."""
    found: list[type[Exception]] = []
    try:
        from typer._click.exceptions import ClickException as vendored

        found.append(vendored)
    except ImportError:
        pass
    try:
        import click

        found.append(click.ClickException)
    except ImportError:
        pass
    return tuple(found)


def main() -> None:
    """Run the command line: user errors become one sentence and exit code 2."""
    logging.getLogger("ecomledger").addHandler(logging.NullHandler())
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        err_console.print(styled("error:", "bold red"), str(exc), soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except _click_errors() as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
