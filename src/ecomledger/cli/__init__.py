"""The ``ecomledger`` command line: one Typer module per command group, composed here.

Every command finds the books the same way (``--books``, else ``ECOMLEDGER_BOOKS``, else the
nearest ``ecomledger.toml`` upward) and reports a user error as one sentence on stderr with
exit code 2, never a traceback. Exit code 1 means the books themselves need attention.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ecomledger import __version__
from ecomledger.cli._common import State, err_console, plain_help_types, styled
from ecomledger.errors import UserError

#: Each command and the module of ``ecomledger.cli`` defining it, in the order help lists
#: them. Only the module of the command that runs is imported: ``ecomledger check`` then
#: does not load the PDF, HTTP and report stacks, a third of a second on every check
#: (issue 14). ``GROUPS`` are a module's whole app, a command group of their own.
COMMANDS: dict[str, str] = {
    "init": "init",
    "fetch": "fetch",
    "sync": "fetch",
    "sandbox": "fetch",
    "import": "ingest",
    "check": "check",
    "reconcile": "reconcile",
    "demo": "demo",
    "report": "report",
    "cash": "treasury",
    "forecast": "treasury",
    "close": "close",
    "verify": "close",
    "fec": "close",
    "rules": "rules",
    "invoice": "invoice",
    "export": "export",
}
GROUPS = frozenset({"rules", "invoice", "export"})
_COMPLETION = frozenset({"install_completion", "show_completion"})


class LazyCommands(TyperGroup):
    """The root command group, importing a command's module when the command is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"ecomledger.cli.{module_name}")
        command = typer.main.get_command(module.app)
        # Shell completion is the root's choice (off), not each module's Typer default.
        command.params = [p for p in command.params if p.name not in _COMPLETION]
        if cmd_name in GROUPS:
            command.name = cmd_name
            return command
        if isinstance(command, TyperGroup):
            return command.get_command(ctx, cmd_name)
        return command


app = typer.Typer(
    name="ecomledger",
    cls=LazyCommands,
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
