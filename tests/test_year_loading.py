"""Per-year loading: close-less books load every year; after a close, the next year alone."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import convert, data

from ecomledger import ledger, years
from ecomledger.books import load_books
from ecomledger.close import close_year
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.errors import UserError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    books = tmp_path_factory.mktemp("demo") / "books"
    assert run_demo(books).errors == []
    return books


@pytest.fixture
def books(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "books"
    shutil.copytree(demo, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target


def balances(entries: list[data.Directive], until: dt.date) -> dict[str, Decimal]:
    """Balance-sheet balances at ``until`` (the result accounts aside)."""
    out: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= until:
            for posting in entry.postings:
                if posting.account.split(":")[0] in ("Assets", "Liabilities"):
                    weight = convert.get_weight(posting).number
                    out[posting.account] = out.get(posting.account, Decimal(0)) + weight
    return {k: v for k, v in out.items() if v}


def test_close_less_books_load_every_year(books: Path) -> None:
    assert years.year_folders(books) == [2025, 2026]
    # 2025 is not closed: 2026 has no opening balances yet, so asking for it loads both.
    assert years.needed(books, [2026]) == [2025, 2026]
    assert years.main_for(books, books / "main.beancount", [2026]) == books / "main.beancount"
    assert years.default_years(books, "01-01", dt.date(2026, 6, 1)) == {2025, 2026}
    full, errors, _ = ledger.load(books, cache=False)
    chosen, errors_chosen, _ = ledger.load(books, cache=False, years=[2026])
    assert errors == errors_chosen == []
    assert len(chosen) == len(full)
    assert not (books / ".ecomledger" / "years-2026-2026.beancount").exists()


def test_after_a_close_the_next_year_loads_alone_and_passes_check(
    books: Path, cli: Callable
) -> None:
    config = load_config(books / "ecomledger.toml")
    close_year(books, config, 2025, today=dt.date(2026, 2, 1))
    full, errors, _ = ledger.load(books, cache=False)
    assert errors == []
    alone, errors, _ = ledger.load(books, cache=False, years=[2026])
    assert errors == []
    assert all(
        entry.date.year == 2026 or isinstance(entry, data.Open | data.Custom) for entry in alone
    )
    assert len(alone) < len(full)
    # The opening entry stands for 2025: the balance sheet at the year end is the same.
    end = dt.date(2026, 12, 31)
    assert balances(alone, end) == balances(full, end)
    derived = books / ".ecomledger" / "years-2026-2026.beancount"
    text = derived.read_text("utf-8")
    assert 'include "../ledger/2026/*.beancount"' in text and "ledger/2025" not in text
    assert 'plugin "ecomledger.plugins.inventory"' in text
    # check: by default the current fiscal year and every year not closed, i.e. 2026 alone.
    result = cli("--books", str(books), "check")
    assert result.code == 0, result.out
    assert f"{len(alone)} entries, no errors (fiscal year 2026 only" in result.out
    result = cli("--books", str(books), "check", "--all-years")
    assert result.code == 0, result.out
    assert f"{len(full)} entries, no errors." in result.out
    result = cli("--books", str(books), "check", "--year", "2025")
    assert result.code == 0, result.out
    assert "(fiscal year 2025 only" in result.out
    # Reports can ask for the years they need, and a report of 2026 loads 2026 alone.
    loaded = load_books(books, config, years=[2026])
    assert len(loaded.entries) == len(alone)
    fiscal = config.company.fiscal_year
    assert years.for_period(books, fiscal, "2026-Q2", compare=False) == [2026]
    assert years.for_period(books, fiscal, "2026", compare=True) == [2025, 2026]
    assert years.for_period(books, fiscal, None, compare=False) is None
    alone_pnl = cli("--books", str(books), "report", "pnl", "--period", "2026", "--format", "csv")
    assert alone_pnl.code == 0, alone_pnl.err
    (books / ".ecomledger" / "years-2026-2026.beancount").unlink()
    full_pnl = load_books(books, config)
    assert len(full_pnl.entries) == len(full)
    assert (books / ".ecomledger" / "years-2026-2026.beancount").exists() is False
    assert alone_pnl.out == _pnl_csv(books, cli)


def _pnl_csv(books: Path, cli: Callable) -> str:
    """The 2026 P&L from every year (the derived main file moved away and back)."""
    main = books / "main.beancount"
    years_dir = books / "ledger"
    closed = books / "seals"
    hidden = books.parent / "seals-hidden"
    closed.rename(hidden)  # without a seal, every year is loaded
    try:
        result = cli("--books", str(books), "report", "pnl", "--period", "2026", "--format", "csv")
    finally:
        hidden.rename(closed)
    assert result.code == 0 and main.exists() and years_dir.exists(), result.err
    assert not (books / ".ecomledger" / "years-2026-2026.beancount").exists()
    return result.out


def test_a_year_the_books_do_not_have_is_one_sentence(books: Path, cli: Callable) -> None:
    with pytest.raises(UserError, match=r"no fiscal year 2031 .*years present: 2025, 2026"):
        years.needed(books, [2031])
    result = cli("--books", str(books), "check", "--year", "2031")
    assert result.code == 2
    assert "no fiscal year 2031" in result.err and "Traceback" not in result.err


def test_a_new_file_in_a_loaded_year_is_seen(books: Path) -> None:
    """The derived main follows the folders: a file added to 2026 is loaded at once."""
    config = load_config(books / "ecomledger.toml")
    close_year(books, config, 2025, today=dt.date(2026, 2, 1))
    before, _, _ = ledger.load(books, years=[2026])  # with Beancount's cache
    extra = books / "ledger" / "2026" / "zz-extra.beancount"
    extra.write_text('2026-05-05 note Assets:Bank:Qonto "added later"\n', "utf-8")
    after, errors, _ = ledger.load(books, years=[2026])
    assert errors == []
    assert len(after) == len(before) + 1


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("ledger/*/*.beancount", ["ledger/2025/*.beancount", "ledger/2026/*.beancount"]),
        ("ledger/2024/shop.beancount", []),
        ("ledger/2026/shop.beancount", ["ledger/2026/shop.beancount"]),
        ("accounts.beancount", ["accounts.beancount"]),
        ("ledger/202[6]/*.beancount", ["ledger/2026/*.beancount"]),
    ],
)
def test_include_lines_are_narrowed_to_the_years(pattern: str, kept: list[str]) -> None:
    text = years.derived_text(f'include "{pattern}"\n', [2025, 2026])
    found = [line.split('"')[1] for line in text.splitlines() if line.startswith("include")]
    assert found == ["../" + path for path in kept]
