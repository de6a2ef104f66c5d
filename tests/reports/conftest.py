"""Fixtures for the statement, journal, renderer, CLI and Fava tests: the demo books, built once.

The demo books are built as ``ecomledger demo`` builds them (sandbox fetch, imports, every
plugin) once per session; tests that modify books work on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecomledger.books import Books, load_books
from ecomledger.config import CONFIG_NAME, load_config
from ecomledger.demo import run_demo


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo books after ``ecomledger demo`` (read-only: copy before changing them)."""
    books = tmp_path_factory.mktemp("statements-demo") / "books"
    summary = run_demo(books)
    assert summary.errors == []
    return books


@pytest.fixture(scope="session")
def demo_loaded(built_demo: Path) -> Books:
    """The demo books loaded with every plugin."""
    return load_books(built_demo, load_config(built_demo / CONFIG_NAME))


@pytest.fixture
def demo_copy(built_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo books (for tests that write reports or break the books)."""
    target = tmp_path / "books"
    shutil.copytree(built_demo, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target
