"""The FEC of the demo books: read back by our checker and by fec-parser; broken copies fail."""

from __future__ import annotations

import io
import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import convert, data
from fec_parser.parser import FECParser

from ecomledger.books import load_books
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.exports.fec import NAMES, AccountMap

NAME_2026 = "732829320FEC20261231.txt"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    books = tmp_path_factory.mktemp("demo") / "books"
    summary = run_demo(books)
    assert summary.errors == []
    return books


@pytest.fixture
def books(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "books"
    shutil.copytree(demo, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target


@pytest.fixture(scope="module")
def fec_2026(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ecomledger.exports import fec

    out = tmp_path_factory.mktemp("fec")
    books = load_books(demo, load_config(demo / "ecomledger.toml"))
    path, count = fec.write(books, 2026, out)
    assert count > 50
    return path


def fields(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("iso-8859-15")
    return [line.split("\t") for line in text.split("\r\n") if line]


def write_fields(path: Path, rows: list[list[str]]) -> None:
    path.write_bytes(("\r\n".join("\t".join(r) for r in rows) + "\r\n").encode("iso-8859-15"))


def test_export_names_the_file_and_writes_its_description(books: Path, cli: Callable) -> None:
    result = cli("--books", str(books), "export", "fec", "--year", "2026", "--output", str(books))
    assert result.code == 0, result.err
    path = books / NAME_2026
    assert path.is_file()
    assert (books / "732829320FEC20261231-description.txt").read_text("utf-8").count("\n") > 20
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF everywhere
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # ISO-8859-15 accents (é), not UTF-8
    rows = fields(path)
    assert rows[0] == list(NAMES)
    assert {len(r) for r in rows} == {18}


def test_demo_fec_passes_our_checker(fec_2026: Path, cli: Callable) -> None:
    result = cli("fec", "check", str(fec_2026))
    assert result.code == 0, result.out
    assert "passes" in result.out


def test_demo_fec_reads_back_with_fec_parser_and_totals_match(fec_2026: Path) -> None:
    parser = FECParser.from_bytesio(io.BytesIO(fec_2026.read_bytes()), fec_2026.name)
    assert parser.parse() == []
    lines = list(parser.get_ecritures())
    assert len(lines) == len(fields(fec_2026)) - 1
    debit = sum(e.debit for e in lines)
    credit = sum(e.credit for e in lines)
    assert debit == credit > Decimal(1000)
    journals = {e.journal_code for e in lines}
    assert {"AN", "VT", "BQ1", "OD"} <= journals
    aux = {(e.compte_num, e.comp_aux_num) for e in lines if e.comp_aux_num}
    assert any(num.startswith("411") for num, _ in aux)
    assert any(num.startswith("401") for num, _ in aux)


def test_every_account_total_matches_the_books(demo: Path, fec_2026: Path) -> None:
    """Σ per CompteNum in the FEC = the books: balance-sheet balances, the year's P&L."""
    books = load_books(demo, load_config(demo / "ecomledger.toml"))
    period = books.fiscal_year(2026)
    numbers = AccountMap.of(books)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for entry in books.entries:
        if not isinstance(entry, data.Transaction) or entry.date > period.end:
            continue
        for posting in entry.postings:
            root = posting.account.split(":")[0]
            if root in ("Income", "Expenses") and entry.date < period.start:
                continue  # earlier results: carried to 120 by the opening entry
            expected[numbers.get(posting.account)[0]] += convert.get_weight(posting).number
    found: dict[str, Decimal] = defaultdict(Decimal)
    for row in fields(fec_2026)[1:]:
        found[row[4]] += Decimal(row[11].replace(",", ".")) - Decimal(row[12].replace(",", "."))
    earlier = found.pop("120", Decimal(0))
    assert earlier < 0  # 2025 made a profit, brought forward as a credit on 120
    expected = {k: v for k, v in expected.items() if v}
    assert {k: v for k, v in found.items() if v} == expected


def test_a_sealed_year_has_its_closing_date_as_validation_date(books: Path, cli: Callable) -> None:
    assert cli("--books", str(books), "close", "2025").code == 0
    rows = fields(books / "reports" / "2025" / "732829320FEC20251231.txt")
    assert len({r[15] for r in rows[1:]}) == 1  # ValidDate: the day of the closing


def _break(rows: list[list[str]], how: str) -> int:
    """Break the FEC one way; return the (1-based) line the checker must name."""
    index = next(i for i, r in enumerate(rows) if r[0] == "VT" and r[2] == "VT-000003")
    if how == "missing-field":
        del rows[index][10]
    elif how == "unbalanced":
        column = 11 if rows[index][11] != "0,00" else 12
        rows[index][column] = "999,99"
    elif how == "gap":
        for row in rows:
            if row[0] == "VT" and row[2] == "VT-000003":
                row[2] = "VT-000099"
    elif how == "bad-date":
        rows[index][3] = "20260231"
    elif how == "unknown-account":
        rows[index][4] = "999999"
    return index + 1


@pytest.mark.parametrize(
    ("how", "rule"),
    [
        ("missing-field", "field-count"),
        ("unbalanced", "balance"),
        ("gap", "numbering"),
        ("bad-date", "date"),
        ("unknown-account", "account"),
    ],
)
def test_a_broken_fec_fails_naming_line_and_rule(
    fec_2026: Path, tmp_path: Path, cli: Callable, how: str, rule: str
) -> None:
    rows = fields(fec_2026)
    line = _break(rows, how)
    broken = tmp_path / NAME_2026
    write_fields(broken, rows)
    result = cli("fec", "check", str(broken))
    assert result.code == 1, result.out
    assert f"{broken}:{line}: error [{rule}]" in result.out, result.out
    payload = json.loads(cli("fec", "check", str(broken), "--format", "json").out)
    assert {"line": line, "rule": rule} in [
        {"line": f["line"], "rule": f["rule"]} for f in payload["findings"]
    ]


def test_a_bom_is_a_finding_on_line_one(fec_2026: Path, tmp_path: Path, cli: Callable) -> None:
    broken = tmp_path / NAME_2026
    broken.write_bytes(b"\xef\xbb\xbf" + fec_2026.read_bytes())
    result = cli("fec", "check", str(broken))
    assert result.code == 1
    assert f"{broken}:1: error [encoding]" in result.out


def test_a_wrong_separator_is_one_sentence_exit_2(
    fec_2026: Path, tmp_path: Path, cli: Callable
) -> None:
    broken = tmp_path / NAME_2026
    broken.write_bytes(fec_2026.read_bytes().replace(b"\t", b";"))
    result = cli("fec", "check", str(broken))
    assert result.code == 2
    assert "tab" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_truncated_last_line_is_a_field_count_finding(
    fec_2026: Path, tmp_path: Path, cli: Callable
) -> None:
    raw = fec_2026.read_bytes().rstrip(b"\r\n")
    broken = tmp_path / NAME_2026
    broken.write_bytes(raw[: raw.rfind(b"\t", 0, len(raw) - 30)])
    lines = broken.read_bytes().count(b"\n") + 1
    result = cli("fec", "check", str(broken))
    assert result.code == 1
    assert f"{broken}:{lines}: error [field-count]" in result.out


def test_a_misnamed_file_fails_the_name_rule(fec_2026: Path, tmp_path: Path, cli: Callable) -> None:
    broken = tmp_path / "export-2026.txt"
    shutil.copy(fec_2026, broken)
    result = cli("fec", "check", str(broken))
    assert result.code == 1
    assert "[file-name]" in result.out


def test_a_year_without_entries_is_refused(books: Path, cli: Callable) -> None:
    result = cli("--books", str(books), "export", "fec", "--year", "2019", "--output", str(books))
    assert result.code == 2
    assert "no entries" in result.err
    assert not list(books.glob("*FEC*"))


def test_unbooked_deposits_refuse_the_export_with_close_as_the_fix(
    books: Path, cli: Callable
) -> None:
    ship_last_2025_order_in_2026(books)
    result = cli("--books", str(books), "export", "fec", "--year", "2025", "--output", str(books))
    assert result.code == 2
    assert "ecomledger close 2025" in result.err
    assert not list(books.glob("*FEC*"))


def ship_last_2025_order_in_2026(books: Path) -> str:
    """Make the demo's last 2025 order paid in 2025 and shipped in 2026: a deposit."""
    path = books / "ledger" / "2025" / "shopify-sandbox-shop.beancount"
    text = path.read_text("utf-8")
    head = '"Invoice F-2025-000058, order #1060"\n'
    assert head in text
    start = text.index(head) + len(head)
    end = text.index("\n\n", start)
    block = text[start:end]
    lines = [line for line in block.split("\n") if not line.startswith("  shipped:")]
    lines.insert(0, "  shipped: 2026-01-10")
    path.write_text(text[:start] + "\n".join(lines) + text[end:], "utf-8")
    return "F-2025-000058"


def test_foreign_currency_lines_carry_montantdevise_and_idevise(books: Path, cli: Callable) -> None:
    with (books / "ledger" / "2026" / "manual.beancount").open("a", encoding="utf-8") as out:
        out.write(
            '\n2026-05-10 * "Ads Inc" "Campaign invoice US-77"\n'
            "  Expenses:Advertising   100.00 USD @ 0.92 EUR\n"
            "  Liabilities:Suppliers  -92.00 EUR\n"
        )
    result = cli("--books", str(books), "export", "fec", "--year", "2026", "--output", str(books))
    assert result.code == 0, result.err
    rows = fields(books / NAME_2026)
    ads = next(r for r in rows if r[4] == "6231")
    assert (ads[11], ads[16], ads[17]) == ("92,00", "100,00", "USD")
    supplier = next(
        r for r in rows if r[10] == "Ads Inc - Campaign invoice US-77" and r[4] == "401"
    )
    assert (supplier[12], supplier[6], supplier[16]) == ("92,00", "FADSINC", "")
    shopify_usd = next(r for r in rows if r[8] == "F-2026-000005" and r[16])
    assert (shopify_usd[16], shopify_usd[17]) == ("67,50", "USD")  # the order's presentment
    assert cli("fec", "check", str(books / NAME_2026)).code == 0
