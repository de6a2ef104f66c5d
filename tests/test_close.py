"""Year-end closing of the demo books: deposits, opening balances, refusals, the bundle."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import convert, data
from fec_parser.parser import FECParser

from ecomledger.books import load_books
from ecomledger.close import close_year
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.errors import UserError
from ecomledger.exports import fec

from .conftest import snapshot


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


def ship_last_2025_order_in_2026(books: Path) -> str:
    """Make the demo's last 2025 order paid in 2025 and shipped in 2026: a deposit."""
    path = books / "ledger" / "2025" / "shopify-sandbox-shop.beancount"
    text = path.read_text("utf-8")
    head = '"Invoice F-2025-000058, order #1060"\n'
    start = text.index(head) + len(head)
    end = text.index("\n\n", start)
    lines = [line for line in text[start:end].split("\n") if not line.startswith("  shipped:")]
    lines.insert(0, "  shipped: 2026-01-10")
    path.write_text(text[:start] + "\n".join(lines) + text[end:], "utf-8")
    return "F-2025-000058"


def alone(books: Path, year: int, tmp_path: Path) -> Path:
    """Only main.beancount, accounts.beancount, the config and ledger/<year>/."""
    target = tmp_path / f"alone-{year}"
    (target / "ledger").mkdir(parents=True)
    for name in ("main.beancount", "accounts.beancount", "ecomledger.toml"):
        shutil.copy(books / name, target / name)
    shutil.copytree(books / "ledger" / str(year), target / "ledger" / str(year))
    return target


def balances(main: Path, until: dt.date) -> dict[str, Decimal]:
    entries, errors, _ = loader.load_file(str(main))
    assert errors == []
    out: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= until:
            for posting in entry.postings:
                if posting.account.split(":")[0] in ("Assets", "Liabilities"):
                    weight = convert.get_weight(posting).number
                    out[posting.account] = out.get(posting.account, Decimal(0)) + weight
    return {k: v for k, v in out.items() if v}


def test_closing_the_demo_year_lets_the_next_year_load_alone(
    books: Path, cli: Callable, tmp_path: Path
) -> None:
    result = cli("--books", str(books), "close", "2025")
    assert result.code == 0, result.err
    assert "result: profit of" in result.out and "carried to 120" in result.out
    opening = (books / "ledger" / "2026" / "opening.beancount").read_text("utf-8")
    assert 'opening: "2026"' in opening and "Equity:Result:Profit" in opening
    assert cli("--books", str(books), "check").code == 0
    assert cli("--books", str(books), "verify").code == 0
    # The new year alone: it loads, passes check, balances, and agrees with the full books.
    single = alone(books, 2026, tmp_path)
    checked = cli("--books", str(single), "check")
    assert checked.code == 0, checked.out
    end = dt.date(2026, 12, 31)
    assert balances(single / "main.beancount", end) == balances(books / "main.beancount", end)
    full_fec, _ = fec.write(
        load_books(books, load_config(books / "ecomledger.toml")), 2026, tmp_path / "a"
    )
    single_books = load_books(single, load_config(single / "ecomledger.toml"))
    single_fec, _ = fec.write(single_books, 2026, tmp_path / "b")
    assert single_fec.read_bytes() == full_fec.read_bytes()
    assert cli("fec", "check", str(single_fec)).code == 0


def test_the_closing_bundle(books: Path, cli: Callable) -> None:
    result = cli("--books", str(books), "close", "2025")
    assert result.code == 0
    folder = books / "reports" / "2025"
    path = folder / "732829320FEC20251231.txt"
    assert cli("fec", "check", str(path)).code == 0
    parser = FECParser.from_bytesio(io.BytesIO(path.read_bytes()), path.name)
    assert parser.parse() == []
    balance = (folder / "balance-generale-2025.csv").read_text("utf-8").splitlines()
    total = balance[-1].split(",")
    assert total[2] == total[3]  # debits = credits
    for line in balance[1:-1]:
        assert line.split(",")[0][:1] in "1234567"
    named = {p.name for p in folder.iterdir()}
    assert "732829320FEC20251231-description.txt" in named
    # The report modules' files when they exist, else named as skipped in the output.
    for stem in ("bilan-2025.html", "compte-de-resultat-2025.html", "grand-livre-2025.html"):
        assert stem in named or f"skipped: {stem}" in result.out


def test_deposits_are_booked_with_their_vat_and_reversed_next_year(
    books: Path, cli: Callable, tmp_path: Path
) -> None:
    invoice = ship_last_2025_order_in_2026(books)
    assert cli("--books", str(books), "check").code == 1  # the deposits plugin's error
    result = cli("--books", str(books), "close", "2025")
    assert result.code == 0, result.err
    assert "deposits: 1 order(s)" in result.out
    closing = (books / "ledger" / "2025" / "closing.beancount").read_text("utf-8")
    assert f'deposit_for: "{invoice}"' in closing and "deposit_vat:" in closing
    opening = (books / "ledger" / "2026" / "opening.beancount").read_text("utf-8")
    assert "Reversal of last year's deposits" in opening
    assert cli("--books", str(books), "check").code == 0
    rows = (books / "reports" / "2025" / "732829320FEC20251231.txt").read_bytes()
    assert b"\t4191\t" in rows
    assert cli("--books", str(alone(books, 2026, tmp_path)), "check").code == 0
    # 4191 is back to zero in 2026 once the reversal is booked
    assert "Liabilities:Customers:Deposits" not in balances(
        books / "main.beancount", dt.date(2026, 1, 1)
    )


def test_closing_two_years_carries_the_stock_lot_by_lot(books: Path, tmp_path: Path) -> None:
    config = load_config(books / "ecomledger.toml")
    close_year(books, config, 2025)
    close_year(books, config, 2026, today=dt.date(2027, 2, 1))
    opening = (books / "ledger" / "2027" / "opening.beancount").read_text("utf-8")
    assert "Assets:Stock" in opening and "MUG-01 {4.20 EUR, 2026-02-15}" in opening
    single = alone(books, 2027, tmp_path)
    _, errors, _ = loader.load_file(str(single / "main.beancount"))
    assert errors == []
    end = dt.date(2027, 1, 1)
    assert balances(single / "main.beancount", end) == balances(books / "main.beancount", end)


def test_refusals_write_nothing(books: Path, cli: Callable) -> None:
    before = snapshot(books)
    for year, words in (
        ("2019", "no entries"),
        ("2026", "ends on 2026-12-31"),
    ):
        result = cli("--books", str(books), "close", year)
        assert result.code == 2, result.out
        assert words in result.err
        assert len(result.err.strip().splitlines()) == 1
    config = load_config(books / "ecomledger.toml")
    with pytest.raises(UserError, match="close 2025' first"):
        close_year(books, config, 2026, today=dt.date(2027, 2, 1))
    assert snapshot(books) == before


def test_closing_twice_is_refused(books: Path, cli: Callable) -> None:
    assert cli("--books", str(books), "close", "2025").code == 0
    before = snapshot(books)
    result = cli("--books", str(books), "close", "2025")
    assert result.code == 2
    assert "cannot be closed twice" in result.err
    assert snapshot(books) == before


def test_dry_run_shows_and_writes_nothing(books: Path, cli: Callable) -> None:
    before = snapshot(books)
    result = cli("--books", str(books), "close", "2025", "--dry-run")
    assert result.code == 0
    assert "would write" in result.out and "opening.beancount" in result.out
    assert 'opening: "2026"' in result.out
    assert snapshot(books) == before
