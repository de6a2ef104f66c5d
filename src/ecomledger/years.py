"""Per-year loading: which fiscal years a command needs, and a main file that loads only them.

Why: Beancount loads every file ``main.beancount`` includes, so a check of this year's books
also books and validates every earlier year. Once a year is closed (``ecomledger close``
writes the next year's opening balances in ``ledger/<YYYY+1>/opening.beancount`` and seals
the year), the next year loads alone from those balances: the ``ecomledger.close`` plugin
keeps an opening entry only when nothing precedes it.

How: :func:`years_main` writes a *derived* main file, ``.ecomledger/years-<Y1>-<Y2>.beancount``
(a cache, never part of the books), which is ``main.beancount`` with its options, plugins and
directives kept and its ``include "ledger/*/..."`` lines narrowed to the chosen years'
folders; paths are rewritten relative to ``.ecomledger/`` so every include resolves as it
does from the books' root. Loading it is loading the books, minus the years left out.

Which years (:func:`needed`): the years asked for, widened to a contiguous run of years and
back to the first year whose previous year is closed (a year whose previous year is still
open has no opening balances yet, so it cannot load alone). By default
(:func:`default_years`), the current fiscal year plus every year not closed.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from ecomledger.errors import UserError
from ecomledger.periods import parse_period

LEDGER_DIR = "ledger"
DERIVED_DIR = ".ecomledger"
SEALS_DIR = "seals"  # ecomledger.seal.SEALS_DIR; not imported, to keep this module light

_INCLUDE = re.compile(r'^(?P<head>include\s+")(?P<path>[^"]+)(?P<tail>".*)$', re.M)
_DOCUMENTS = re.compile(r'^(?P<head>option\s+"documents"\s+")(?P<path>[^"]+)(?P<tail>".*)$', re.M)


def year_folders(books: Path) -> list[int]:
    """The fiscal years that have a folder under ``ledger/``, oldest first."""
    folder = books / LEDGER_DIR
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def sealed_years(books: Path) -> set[int]:
    """The fiscal years closed and sealed (``seals/<YYYY>.json`` exists)."""
    folder = books / SEALS_DIR
    if not folder.is_dir():
        return set()
    return {int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()}


def current_fiscal_year(fiscal_year_start: str, today: dt.date | None = None) -> int:
    """The fiscal year (named by the calendar year it ends in) that ``today`` falls in."""
    today = today or dt.date.today()
    month, day = (int(part) for part in fiscal_year_start.split("-"))
    if (month, day) == (1, 1):
        return today.year
    return today.year + 1 if (today.month, today.day) >= (month, day) else today.year


def default_years(
    books: Path, fiscal_year_start: str, today: dt.date | None = None
) -> set[int] | None:
    """The current fiscal year plus every year not closed (before widening by :func:`needed`).

    None (load everything) for books without a year folder yet.
    """
    folders = year_folders(books)
    closed = sealed_years(books)
    years = {y for y in folders if y not in closed}
    current = current_fiscal_year(fiscal_year_start, today)
    if current in folders:
        years.add(current)
    if not years and folders:
        years.add(folders[-1])  # every year closed: the last one
    return years or None


def needed(books: Path, requested: Iterable[int]) -> list[int]:
    """The years to load so that ``requested`` load correctly, oldest first.

    The run from the earliest to the latest requested year (the opening entry of a year
    is dropped whenever an earlier year is loaded with it, so a gap would lose balances),
    extended back while the previous year has a folder and is not closed.

    Raises:
        UserError: a requested year has no folder under ``ledger/``.
    """
    wanted = sorted(set(requested))
    folders = year_folders(books)
    missing = [y for y in wanted if y not in folders]
    if not wanted or len(missing) == len(wanted):
        have = ", ".join(str(y) for y in folders) or "none"
        asked = missing[0] if missing else "(none given)"
        raise UserError(
            f"the books have no fiscal year {asked} (no folder ledger/{asked}/; "
            f"years present: {have}); pass one of those to --year"
        )
    present = [y for y in wanted if y in folders]
    low, high = present[0], present[-1]
    closed = sealed_years(books)
    while low - 1 in folders and low - 1 not in closed:
        low -= 1
    return [y for y in folders if low <= y <= high]


def _relative(pattern: str) -> str:
    """A path of ``main.beancount`` as seen from ``.ecomledger/`` (absolute paths kept)."""
    return pattern if os.path.isabs(pattern) else "../" + pattern


def _narrow(pattern: str, years: list[int]) -> list[str]:
    """The include patterns that replace ``pattern`` when only ``years`` load."""
    parts = pattern.split("/")
    if len(parts) < 3 or parts[0] != LEDGER_DIR:
        return [pattern]
    if glob.has_magic(parts[1]):
        return [
            "/".join([LEDGER_DIR, str(year), *parts[2:]])
            for year in years
            if fnmatch.fnmatch(str(year), parts[1])
        ]
    if parts[1].isdigit() and int(parts[1]) not in years:
        return []
    return [pattern]


def derived_text(main_text: str, years: list[int]) -> str:
    """``main.beancount``'s text narrowed to ``years`` and relative to ``.ecomledger/``."""

    def include(match: re.Match[str]) -> str:
        lines = [
            f"{match['head']}{_relative(p)}{match['tail']}" for p in _narrow(match["path"], years)
        ]
        return "\n".join(lines) if lines else f";; left out (not a loaded year): {match[0]}"

    text = _INCLUDE.sub(include, main_text)
    text = _DOCUMENTS.sub(lambda m: f"{m['head']}{_relative(m['path'])}{m['tail']}", text)
    header = (
        ";; Derived by ecomledger (per-year loading): main.beancount narrowed to the fiscal "
        f"years {', '.join(str(y) for y in years)}.\n;; Not part of the books: rewritten at "
        "every load, safe to delete.\n"
    )
    return header + text


def years_main(books: Path, main: Path, years: list[int]) -> Path:
    """Write (when its text changed) and return the derived main file loading ``years``.

    The file is only rewritten when its text differs, so Beancount's pickle cache of it
    stays valid between loads of unchanged books.
    """
    name = f"years-{years[0]}-{years[-1]}.beancount" if years else "years-none.beancount"
    path = books / DERIVED_DIR / name
    text = derived_text(main.read_text(encoding="utf-8"), years)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def main_for(books: Path, main: Path, years: Iterable[int] | None) -> Path:
    """The file to load: ``main`` itself when every year loads, else a derived main."""
    folders = year_folders(books)
    if years is None or not folders:
        return main
    chosen = needed(books, years)
    if chosen == folders:
        return main
    return years_main(books, main, chosen)


def for_period(
    books: Path, fiscal_year_of: Callable[[dt.date], int], period: str | None, compare: bool
) -> list[int] | None:
    """The fiscal years a report of ``period`` needs; None (every year) without a period.

    The years the period spans, and the one before when the report compares with a
    previous period; :func:`needed` then adds the earlier years not closed. A period the
    report cannot read is left for the report to refuse (None).
    """
    if not period:
        return None
    try:
        span = parse_period(period)
    except UserError:
        return None
    first, last = fiscal_year_of(span.start), fiscal_year_of(span.end)
    folders = year_folders(books)
    chosen = [y for y in range(first - (1 if compare else 0), last + 1) if y in folders]
    return chosen or None
