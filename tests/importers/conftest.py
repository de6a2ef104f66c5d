"""Shared fixtures for the bank importer tests.

Third-party samples are read in place from ``../shared/samples`` beside the repository
(never copied in: some are AGPL); tests that need them skip when the folder is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import printer

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / ".." / "shared" / "samples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def samples() -> Path:
    """The shared samples folder, or skip."""
    if not SAMPLES.is_dir():
        pytest.skip("shared/samples is not beside the repository")
    return SAMPLES


def render(entries: data.Entries) -> str:
    """Print entries as the golden files hold them (sorted, meta without file/line)."""
    ordered = sorted(entries, key=data.entry_sortkey)
    return "\n".join(printer.format_entry(entry) for entry in ordered)


def check_golden(path: Path, text: str) -> None:
    """Compare with ``path``; ECOMLEDGER_UPDATE_GOLDEN=1 rewrites it instead."""
    if os.environ.get("ECOMLEDGER_UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
        if os.environ.get("ECOMLEDGER_UPDATE_GOLDEN") != "1":
            pytest.fail(f"{path.name} did not exist and was written: review it")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., str]:
    """Write a small input file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return str(path)

    return _write
