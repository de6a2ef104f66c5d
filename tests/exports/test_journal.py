"""Hand-off journals: each layout, read back as its target package would, gives the books'
totals per account."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import convert, data

from ecomledger.books import load_books
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.exports.fec import AccountMap
from ecomledger.exports.journal import LAYOUTS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    books = tmp_path_factory.mktemp("demo") / "books"
    assert run_demo(books).errors == []
    return books


@pytest.fixture(scope="module")
def expected(demo: Path) -> dict[str, Decimal]:
    """Per account number, from the books: 2026's P&L and the balances at 2026-12-31."""
    books = load_books(demo, load_config(demo / "ecomledger.toml"))
    period = books.fiscal_year(2026)
    numbers = AccountMap.of(books)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in books.entries:
        if isinstance(entry, data.Transaction) and entry.date <= period.end:
            for posting in entry.postings:
                root = posting.account.split(":")[0]
                if root in ("Income", "Expenses") and entry.date < period.start:
                    continue
                totals[numbers.get(posting.account)[0]] += convert.get_weight(posting).number
    return {k: v for k, v in totals.items() if v}


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ".")) if text else Decimal(0)


def read_back(layout: str, raw: bytes) -> dict[str, Decimal]:
    """Sum debit - credit per account number, reading each layout's own columns."""
    spec = LAYOUTS[layout]
    text = raw.decode(spec.encoding)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=spec.delimiter))
    assert rows and list(rows[0]) == list(spec.header)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if layout == "csv":
            key, net = row["account"], amount(row["debit"]) - amount(row["credit"])
        elif layout == "sage":
            key = row["N° compte général"]
            net = amount(row["Débit"]) - amount(row["Crédit"])
        elif layout == "cegid":
            key, net = row["Compte"], amount(row["Débit"]) - amount(row["Crédit"])
        elif layout == "quickbooks":
            key = row["Account"].split(" ", 1)[0]
            net = amount(row["Debits"]) - amount(row["Credits"])
        else:
            key, net = row["*AccountCode"], amount(row["*Amount"])
        totals[key] += net
    return {k: v for k, v in totals.items() if v}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_gives_the_books_totals_per_account(
    demo: Path, expected: dict[str, Decimal], cli: Callable, tmp_path: Path, layout: str
) -> None:
    target = tmp_path / f"journal.{layout}.csv"
    result = cli(
        "--books",
        str(demo),
        "export",
        "journal",
        "--format",
        layout,
        "--year",
        "2026",
        "--output",
        str(target),
    )
    assert result.code == 0, result.err
    found = read_back(layout, target.read_bytes())
    earlier = found.pop("120")  # 2025's result, brought forward by the opening entry
    assert earlier < 0
    assert found == expected
    assert sum(found.values()) + earlier == 0


def test_journal_to_stdout(demo: Path, cli: Callable) -> None:
    result = cli("--books", str(demo), "export", "journal", "--format", "csv", "--year", "2026")
    assert result.code == 0
    assert result.out.startswith("date,journal,entry,")


def test_unknown_layout_is_refused(demo: Path, cli: Callable) -> None:
    result = cli("--books", str(demo), "export", "journal", "--format", "ciel")
    assert result.code == 2
