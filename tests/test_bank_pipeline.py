"""Bank statements through `ecomledger import` and `check`: the user's path, end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import snapshot

BANKS = """
[[banks]]
name = "bnp"
format = "cfonb120"
account = "Assets:Bank:BNP"

[[banks]]
name = "abn"
format = "camt053"
account = "Assets:Bank:ABN"

[[banks]]
name = "ubs"
format = "camt053"
account = "Assets:Bank:UBS"
currency = "CHF"

[[banks]]
name = "checking"
format = "ofx"
account = "Assets:Bank:Checking"
currency = "USD"

[[banks]]
name = "ing"
format = "mt940"
account = "Assets:Bank:ING"
"""

SAMPLES = (
    "cfonb120/oca_cfonb_classic.cfo",
    "camt053/oca_test-camt053.xml",
    "ofx/ofxparse_checking.ofx",
    "mt940/jejik_ing.sta",
)


@pytest.fixture
def bank_books(demo_books: Path) -> Path:
    for item in (demo_books / "inbox").iterdir():
        if item.is_file() and item.name != ".gitkeep":
            item.unlink()
    config = demo_books / "ecomledger.toml"
    config.write_text(config.read_text(encoding="utf-8") + BANKS, encoding="utf-8")
    return demo_books


def test_statements_import_check_clean_and_reimport_adds_nothing(
    cli, bank_books: Path, samples: Path
) -> None:
    for name in SAMPLES:
        shutil.copy(samples / name, bank_books / "inbox")
    first = cli("--books", str(bank_books), "import")
    assert first.code == 0, first.err
    # statements that do not add up are told in one sentence each, and keep their lines
    assert "oca_test-camt053.xml: opening 15,568.27 EUR + lines -12.99 EUR" in first.out
    assert "jejik_ing.sta" in first.out
    assert cli("--books", str(bank_books), "check").code == 0
    bnp = (bank_books / "ledger" / "2024" / "cfonb120-bnp.beancount").read_text(encoding="utf-8")
    assert "pad Assets:Bank:BNP Equity:Opening-Balances" in bnp
    assert "balance Assets:Bank:BNP  1031585.79 EUR" in bnp
    ledger_before = snapshot(bank_books / "ledger")
    archived = [p for p in (bank_books / "documents").rglob("*") if p.is_file()]
    archived = [p for p in archived if p.name != ".gitkeep"]
    assert len(archived) == len(SAMPLES)
    again = cli("--books", str(bank_books), "import", *map(str, archived))
    assert again.code == 0, again.err
    assert " 0 new entries" in again.out
    assert snapshot(bank_books / "ledger") == ledger_before


def test_a_malformed_statement_is_refused_naming_the_line(
    cli, demo_books: Path, samples: Path
) -> None:
    # alone in the inbox: each file is all or nothing, good files beside it are imported
    # (tests/test_durability.py::test_a_bad_file_no_longer_blocks_the_good_ones)
    for item in (demo_books / "inbox").iterdir():
        if item.is_file() and item.name != ".gitkeep":
            item.unlink()
    shutil.copy(samples / "qonto" / "enobase_fixture_qonto_en.csv", demo_books / "inbox")
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2
    assert "enobase_fixture_qonto_en.csv:5:" in result.err
    assert snapshot(demo_books) == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"Status,Settlement date (UTC)\nsettled,2026-03-01\n", "qonto-bad.csv"),
        (
            b"Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
            b"Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
            b"VAT amount,Initiator\nsettled,yesterday,2026-03-01 09:00:00,5.00,EUR,X,card,t1,"
            b",,,,0.00,\n",
            "qonto-bad.csv:2:",
        ),
        (
            b"Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
            b"Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
            b"VAT amount,Initiator\nsettled,2026-03-01 09:00:00,2026-03-01 09:00:00,cinq,EUR,X,"
            b"card,t1,,,,,0.00,\n",
            "qonto-bad.csv:2:",
        ),
        (b"Status,Settlement date (UTC)\n\xff\xfe\x00garbage\x81\n", "qonto-bad.csv"),
    ],
)
def test_bad_rows_leave_the_books_byte_identical(
    cli, demo_books: Path, body: bytes, expected: str
) -> None:
    for item in (demo_books / "inbox").iterdir():
        if item.is_file() and item.name != ".gitkeep":
            item.unlink()
    (demo_books / "inbox" / "qonto-bad.csv").write_bytes(body)
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2, result.out
    assert expected in result.err and "Traceback" not in result.err
    assert snapshot(demo_books) == before
