"""What every command shares: the books' location, the configuration, the consoles."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from ecomledger.config import CONFIG_NAME, Config, find_books, load_config

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class State:
    """Options given before the command name."""

    books_option: Path | None = None


def books_dir(ctx: typer.Context) -> Path:
    """Locate the books for this command (see :func:`ecomledger.config.find_books`)."""
    state = ctx.obj if isinstance(ctx.obj, State) else State()
    return find_books(state.books_option, os.environ.get("ECOMLEDGER_BOOKS"), Path.cwd())


def books_and_config(ctx: typer.Context) -> tuple[Path, Config]:
    """Locate the books and load their configuration."""
    books = books_dir(ctx)
    return books, load_config(books / CONFIG_NAME)
