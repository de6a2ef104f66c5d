"""The seal of a closed year: verify and check name the entry that changed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ecomledger.demo import run_demo

from .conftest import snapshot

SHOP = "ledger/2025/shopify-sandbox-shop.beancount"


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo books with 2025 closed and sealed."""
    from ecomledger.close import close_year
    from ecomledger.config import load_config

    books = tmp_path_factory.mktemp("demo") / "books"
    assert run_demo(books).errors == []
    close_year(books, load_config(books / "ecomledger.toml"), 2025)
    return books


@pytest.fixture
def books(closed: Path, tmp_path: Path) -> Path:
    target = tmp_path / "books"
    shutil.copytree(closed, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target


def entry_line(books: Path, narration: str) -> int:
    lines = (books / SHOP).read_text("utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if narration in line)


def edit_amount(books: Path, narration: str) -> int:
    """Change the first amount of the entry whose header holds ``narration``."""
    path = books / SHOP
    lines = path.read_text("utf-8").split("\n")
    start = entry_line(books, narration)
    for index in range(start, len(lines)):
        if "Income:Sales:" in lines[index] and "EUR" in lines[index]:
            lines[index] = lines[index].replace(" -", " -1", 1)
            break
    path.write_text("\n".join(lines), "utf-8")
    return start


def test_a_sealed_year_verifies(books: Path, cli: Callable) -> None:
    result = cli("--books", str(books), "verify")
    assert result.code == 0
    assert "2025: sealed on" in result.out


def test_editing_one_amount_fails_verify_and_check_naming_the_entry(
    books: Path, cli: Callable
) -> None:
    line = edit_amount(books, "Invoice F-2025-000010,")
    where = f"{SHOP}:{line}"
    result = cli("--books", str(books), "verify")
    assert result.code == 1
    assert f"{where}: this entry of fiscal year 2025" in result.out and "changed" in result.out
    checked = cli("--books", str(books), "check")
    assert checked.code == 1
    assert f"{where}: seal broken" in checked.out


def test_an_entry_added_or_removed_is_named(books: Path, cli: Callable) -> None:
    path = books / SHOP
    text = path.read_text("utf-8")
    path.write_text(
        text + '\n2025-06-01 * "Added later"\n  Assets:Bank:Qonto  1.00 EUR\n'
        "  Equity:Capital  -1.00 EUR\n",
        "utf-8",
    )
    added = text.count("\n") + 2
    result = cli("--books", str(books), "verify")
    assert result.code == 1
    assert f"{SHOP}:{added}: this entry appeared" in result.out
    # Removed: the last payout of the year disappears; the seal names where it was.
    path.write_text(text, "utf-8")
    line = entry_line(books, '"Payout 7701055769"')
    lines = text.split("\n")
    end = next(i for i in range(line, len(lines)) if not lines[i].strip())
    path.write_text("\n".join(lines[: line - 1] + lines[end + 1 :]), "utf-8")
    result = cli("--books", str(books), "verify")
    assert result.code == 1
    assert f"{SHOP}:{line}: the entry sealed here disappeared" in result.out


def test_layout_changes_keep_the_seal(books: Path, cli: Callable) -> None:
    path = books / SHOP
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("  Assets:Clearing:ShopifyPayments", "  Assets:Clearing:ShopifyPayments   "),
        "utf-8",
    )
    assert cli("--books", str(books), "verify").code == 0


def test_an_import_dated_in_a_closed_year_is_refused(
    books: Path, cli: Callable, tmp_path: Path
) -> None:
    statement = tmp_path / "qonto-2025-06.csv"
    statement.write_text(
        "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
        "Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
        "VAT amount,Initiator\n"
        "settled,2025-06-02 09:00:00,2025-06-02 09:00:00,-20.00,EUR,OVH SAS,card,"
        "qonto-tx-late-1,FR7616958000013001542911136,Hebergement juin,online_service,,0.00,\n",
        "utf-8",
    )
    before = snapshot(books)
    result = cli("--books", str(books), "import", str(statement))
    assert result.code == 2, result.out + result.err
    assert "fiscal year 2025, closed and sealed" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert snapshot(books) == before
