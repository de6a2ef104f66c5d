"""The first week from the README: help that reads, dates that say their format, the
demo's summary, the quickstart as written (issue 12 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

PYTHON_TYPE = re.compile(r"<(?:bool|str|int|float|Path|list\[[^\]]*\]|datetime|[a-z_]+\[[^\]]*\])>")
DATE_OPTIONS = ("--since", "--until", "--date", "--from", "--to", "--as-of", "--period")


def _commands() -> list[tuple[str, ...]]:
    from ecomledger.cli import app

    found: list[tuple[str, ...]] = [()]

    def walk(command: object, path: tuple[str, ...]) -> None:
        for name, sub in (getattr(command, "commands", None) or {}).items():
            found.append((*path, name))
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "ecomledger")
def test_every_help_answers_dash_h_without_python_type_names(cli, path: tuple[str, ...]) -> None:
    short = cli(*path, "-h")
    assert short.code == 0, short.err
    assert short.out == cli(*path, "--help").out
    assert not PYTHON_TYPE.search(short.out), short.out
    for option in DATE_OPTIONS:
        block = short.out.split(option + " ", 1)
        if len(block) == 2:
            # the option's help (up to the next option) says how a date is written
            text = re.split(r"\n│ --", block[1], maxsplit=1)[0]
            assert "YYYY" in text or "2026" in text, f"{' '.join(path)} {option}: {text}"


def test_until_before_since_is_refused(cli, demo_books: Path) -> None:
    result = cli(
        "--books", str(demo_books), "fetch", "--since", "2026-03-01", "--until", "2026-02-01"
    )
    assert result.code == 2
    assert "--until 2026-02-01 is before --since 2026-03-01" in result.err


def test_the_demo_summary_names_its_period_and_the_fetch(cli, tmp_path: Path) -> None:
    result = cli("demo", str(tmp_path / "demo"))
    assert "fetch:" in result.out and "from the sandbox shop" in result.out, result.out
    match = re.search(r"figures for (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d)", result.out)
    assert match, result.out
    assert match.group(1) <= match.group(2)
