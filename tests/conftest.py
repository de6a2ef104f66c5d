"""Shared fixtures: the demo books, the shared samples, and a command-line runner."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "demo-shop"
SAMPLES = REPO.parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    """The shared third-party samples, read in place (skip when absent)."""
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is not beside the repository")
    return SAMPLES


@pytest.fixture
def demo_books(tmp_path: Path) -> Path:
    """A fresh copy of the demo shop's books, inbox included."""
    target = tmp_path / "books"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "*.picklecache"))
    return target


@dataclass
class CliResult:
    """What a command printed and how it exited."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    """Run ``ecomledger`` in-process exactly as the console script does."""
    from ecomledger.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("ECOMLEDGER_BOOKS", raising=False)

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["ecomledger", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


#: Derived files that are not the books: caches (rebuilt from the files) and the lock.
NOT_BOOKS = (".picklecache", ".ecomledger.lock", "index.pickle")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes (to prove the books did not change)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(NOT_BOOKS)
    }
