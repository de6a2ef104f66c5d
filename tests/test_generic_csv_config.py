"""A bank described in ecomledger.toml as a CSV layout imports through `ecomledger import`."""

from __future__ import annotations

from pathlib import Path

from .conftest import snapshot

LAYOUT = """
[[banks]]
name = "savings"
format = "csv"
account = "Assets:Bank:Savings"

[banks.layout]
date_format = "%d/%m/%Y"
sign = "debit_credit"

[banks.layout.columns]
date = "Date opération"
debit = "Débit"
credit = "Crédit"
narration = ["Libellé", "Détail"]
"""

STATEMENT = (
    "Date opération;Libellé;Détail;Débit;Crédit\n"
    "02/03/2026;VIR SEPA;Loyer mars;800,00;\n"
    "05/03/2026;REMISE CB;Marché;;1 234,50\n"
    "05/03/2026;REMISE CB;Marché;;1 234,50\n"
)


def test_a_declared_csv_bank_imports(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    config.write_text(config.read_text(encoding="utf-8") + LAYOUT, encoding="utf-8")
    for item in (demo_books / "inbox").iterdir():
        if item.is_file() and item.name != ".gitkeep":
            item.unlink()
    (demo_books / "inbox" / "releve.csv").write_bytes(STATEMENT.encode("cp1252"))
    result = cli("--books", str(demo_books), "import")
    assert result.code == 0, result.err
    assert "3 new entries" in result.out  # two identical lines on one day are both kept
    text = (demo_books / "ledger/2026/csv-savings.beancount").read_text(encoding="utf-8")
    assert text.count("Assets:Bank:Savings   1234.50 EUR") == 2
    assert "Assets:Bank:Savings  -800.00 EUR" in text
    assert cli("--books", str(demo_books), "check").code == 0


def test_a_layout_mistake_is_one_sentence(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + LAYOUT.replace('sign = "debit_credit"', 'sign = "both"'),
        encoding="utf-8",
    )
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2
    assert "banks[1].layout.sign" in result.err
    assert snapshot(demo_books) == before
