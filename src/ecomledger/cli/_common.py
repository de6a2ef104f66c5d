"""What every command shares: the books' location, the configuration, the consoles.

Text that reaches the terminal often comes from data: an order name, a product title, a
customer's name, an account name, a message quoting a file. The consoles therefore never
read markup (``[/bold]`` in an order name would crash the print after the books are
written; ``[link=...]`` would make a link) nor emoji codes (``Assets:Bank:Qonto`` would
print a bank emoji), and every string printed has its control characters neutralised, so
an ANSI or OSC escape in a payload shows as ``\\x1b`` instead of driving the terminal.
Styling is applied only to our own words, as :class:`rich.text.Text` spans (:func:`styled`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import typer
from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from ecomledger.config import CONFIG_NAME, Config, find_books, load_config

#: C0 controls but tab and newline, DEL, C1 controls (``\x9b`` is a one-byte CSI), and
#: the Unicode bidirectional overrides and isolates that reorder what a line shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutralise(text: str) -> str:
    """``text`` with every control character written out as its escape (``\\x1b``).

    Newlines and tabs are kept (messages are laid out with them); everything else that a
    terminal would act on instead of showing is made visible, so what the user reads is
    what the data holds.
    """
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def styled(text: str, style: str) -> Text:
    """Our own words in a style (``styled("finding:", "yellow")``); never parsed as markup."""
    return Text(neutralise(text), style=style)


class PlainConsole(Console):
    """A console that prints strings literally: no markup, no emoji codes, no
    highlighting, control characters neutralised (see the module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
        """Every segment printed, also of :class:`~rich.text.Text` built from data (a table
        cell, a product title), has its control characters neutralised."""
        for segment in super().render(renderable, options):
            if segment.control is None and _CONTROL.search(segment.text):
                yield Segment(neutralise(segment.text), segment.style)
            else:
                yield segment

    def render_str(self, text: str, **kwargs: Any) -> Text:
        """Every string printed, table cells included, passes here: taken literally."""
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(neutralise(text), **kwargs)


def plain_help_types() -> None:
    """Make ``--help`` name what to type (TEXT, DATE, PATH...), never a Python type.

    Typer's help labels each parameter with its annotation (``<bool>``, ``<list[Path]>``),
    which means nothing to a merchant. A parameter's ``metavar`` wins (``--since DATE``);
    otherwise the label is the classic command-line word for it, and a flag has none.
    Typer versions without this labelling are left alone.
    """
    import datetime as dt
    import enum
    import typing

    core = getattr(typer, "core", None)
    base = getattr(core, "_TyperParameter", None)
    if base is None or not hasattr(base, "display_type"):
        return

    def display_type(self: Any, ctx: object) -> str:
        if self.metavar:
            return str(self.metavar)
        desc = self.type_descriptor
        annotation = desc.annotation
        if desc.is_list:
            annotation = (typing.get_args(annotation) or (str,))[0]
        if annotation is bool:
            return ""
        if desc.is_choice:
            values = [c.value if isinstance(c, enum.Enum) else c for c in desc.choices or ()]
            return "|".join(str(v) for v in values)
        if desc.is_path or (isinstance(annotation, type) and issubclass(annotation, PurePath)):
            return {"file": "FILE", "dir": "DIR"}.get(desc.path_type, "PATH")
        if annotation in (dt.date, dt.datetime):
            return "DATE"
        return {int: "INTEGER", float: "NUMBER"}.get(annotation, "TEXT")

    base.display_type = display_type


console = PlainConsole()
err_console = PlainConsole(stderr=True)


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
