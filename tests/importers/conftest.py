"""Shared fixtures and checks for the importer tests.

Third-party samples are read in place from ``../shared/samples`` beside the repository
(never copied in: some are AGPL); tests that need them skip when the folder is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data, interpolate
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


def txns(entries: data.Entries) -> list[data.Transaction]:
    """The transactions among ``entries`` (balances, opens and notes left out)."""
    return [e for e in entries if isinstance(e, data.Transaction)]


def total(entries: data.Entries, account: str) -> Decimal:
    """What the transactions post to ``account``, summed."""
    return sum(
        (p.units.number for e in txns(entries) for p in e.postings if p.account == account),
        Decimal(0),
    )


def assert_balanced(entries: data.Entries) -> None:
    """Every transaction's postings sum to exactly zero."""
    for entry in txns(entries):
        assert interpolate.compute_residual(entry.postings).is_empty(), entry


def assert_loads(entries: data.Entries) -> None:
    """The printed entries load through the real beancount loader without an error."""
    text = 'plugin "beancount.plugins.auto_accounts"\n\n' + "\n".join(
        printer.format_entry(e) for e in entries
    )
    _, errors, _ = loader.load_string(text)
    assert errors == [], printer.format_errors(errors)


def assert_balanced_and_loads(entries: data.Entries) -> None:
    """Both :func:`assert_balanced` and :func:`assert_loads`."""
    assert_balanced(entries)
    assert_loads(entries)
