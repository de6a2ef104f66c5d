"""A file no configured source takes: say what it is and what to paste (issue 12 item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import snapshot

QONTO_BLOCK = (
    '[[banks]]\nname = "qonto"\nformat = "qonto"\naccount = "Assets:Bank:Qonto"\ncurrency = "EUR"\n'
)


@pytest.fixture
def books(cli, tmp_path: Path) -> Path:
    target = tmp_path / "fresh"
    assert cli("init", str(target)).code == 0
    return target


def _import(cli, books: Path, *files: Path):
    return cli("--books", str(books), "import", *(str(f) for f in files))


def test_a_qonto_export_in_fresh_books_ends_with_the_block_to_paste(
    cli, books: Path, samples: Path
) -> None:
    for sample in (samples / "qonto").glob("*.csv"):
        shutil.copy(sample, books / "inbox")
    before = snapshot(books)
    result = cli("--books", str(books), "import")
    assert result.code == 2
    assert "is a Qonto bank statement" in result.err
    assert result.err.endswith(QONTO_BLOCK)  # the last thing on screen: the block to paste
    assert snapshot(books) == before
    # Pasted as printed, the bank takes the file (whatever the file's own content says).
    config = books / "ecomledger.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + QONTO_BLOCK, encoding="utf-8")
    again = cli("--books", str(books), "import")
    assert "configures no source" not in again.err
    assert "no configured importer" not in again.err


def test_a_shop_payload_in_books_without_shops_names_the_platform(
    cli, books: Path, demo_books: Path
) -> None:
    result = _import(cli, books, demo_books / "inbox" / "shopify-orders.json")
    assert result.code == 2
    assert "is a Shopify payload" in result.err
    assert '[[shops]]\nname = "demo-shop"\nplatform = "shopify"\n' in result.err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("statement.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "is a PDF"),
        ("export.csv", b"", "is empty (0 bytes)"),
        ("orders.json", b'{"orders": [{"id": 1, "name": "#1001"', "is JSON cut short"),
        ("wrapped.json", b'{"data": {"orders": [{"id": 1}]}}', 'wraps its payload in {"data"'),
    ],
)
def test_what_the_file_is_instead_of_the_generic_sentence(
    cli, books: Path, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = _import(cli, books, path)
    assert result.code == 2
    assert expected in result.err
    assert "no configured importer recognises" not in result.err


def test_a_folder_is_named_as_a_folder(cli, books: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = _import(cli, books, folder)
    assert result.code == 2
    assert "is a folder" in result.err


def test_a_statement_of_several_accounts_prints_the_accounts_mapping(
    cli, books: Path, samples: Path
) -> None:
    config = books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[banks]]\nname = "main"\nformat = "mt940"\naccount = "Assets:Bank:Main"\n',
        encoding="utf-8",
    )
    result = _import(cli, books, samples / "mt940" / "cmxl_mt940.sta")
    assert result.code == 2
    line = next(x for x in result.err.splitlines() if x.startswith("accounts = {"))
    assert '"10020030/1234567" = "Assets:Bank:Main:4567"' in line
    config.write_text(config.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    again = _import(cli, books, samples / "mt940" / "cmxl_mt940.sta")
    assert "bank accounts (" not in again.err  # (the sample's own defects may remain)


def test_a_shop_selling_in_another_currency_is_stated_with_the_fix(cli, demo_books: Path) -> None:
    orders = demo_books / "inbox" / "shopify-orders.json"
    orders.write_text(orders.read_text(encoding="utf-8").replace('"EUR"', '"USD"'))
    for other in ("qonto-2026-03.csv", "shopify-payouts.json"):
        (demo_books / "inbox" / other).unlink()
    result = cli("--books", str(demo_books), "import")
    assert result.code == 0, result.err
    assert "'demo-shop' are in USD but the company keeps its books in EUR" in result.out
    assert 'set currency = "USD" under [company]' in result.out
    # stated first, not lost among the other findings
    first = next(line for line in result.out.splitlines() if line.startswith("finding:"))
    assert "are in USD" in first
