"""The demo books load in bean-check and Fava with every plugin; broken copies fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from beancount import loader

from ecomledger.demo import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    books = tmp_path_factory.mktemp("demo") / "books"
    summary = run_demo(books)
    assert summary.errors == []
    return books


def errors_of(books: Path) -> list[str]:
    _, errors, _ = loader.load_file(str(books / "main.beancount"))
    return [str(e.message) for e in errors]


def copy_of(demo: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "broken"
    shutil.copytree(demo, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


SHOP = "ledger/2026/shopify-demo-shop.beancount"


def test_demo_loads_clean_in_bean_check_and_fava(demo: Path) -> None:
    assert errors_of(demo) == []
    from fava.core import FavaLedger

    fava = FavaLedger(str(demo / "main.beancount"))
    assert fava.errors == []
    assert fava.fava_options.import_config == "import.py"


def test_a_gap_in_the_invoice_numbers_is_named(demo: Path, tmp_path: Path) -> None:
    books = copy_of(demo, tmp_path)
    edit(books / SHOP, 'invoice: "F-2026-000003"', 'invoice: "F-2026-000009"')
    messages = errors_of(books)
    assert any("F-2026-000003" in m and "missing" in m for m in messages), messages


def test_a_duplicate_number_names_both_places(demo: Path, tmp_path: Path) -> None:
    books = copy_of(demo, tmp_path)
    edit(books / SHOP, 'invoice: "F-2026-000003"', 'invoice: "F-2026-000002"')
    messages = errors_of(books)
    assert any("F-2026-000002" in m and "shopify-demo-shop.beancount" in m for m in messages)


def test_wrong_vat_is_reported_with_expected_and_found(demo: Path, tmp_path: Path) -> None:
    books = copy_of(demo, tmp_path)
    text = (books / SHOP).read_text(encoding="utf-8")
    # invoice 1: 25.00 + 4.08 taxed at 20 % = 5.82 VAT; claim 5.00 and send the cents to rounding
    text = text.replace(
        "  Liabilities:VAT:Collected:FR:20   -5.82 EUR\n",
        "  Liabilities:VAT:Collected:FR:20   -5.00 EUR\n"
        "  Expenses:Rounding                 -0.82 EUR\n",
        1,
    )
    (books / SHOP).write_text(text, encoding="utf-8")
    messages = errors_of(books)
    assert any("should be 5.82 EUR" in m and "found 5.00 EUR" in m for m in messages), messages


def test_an_oversell_names_sku_date_and_shortfall(demo: Path, tmp_path: Path) -> None:
    books = copy_of(demo, tmp_path)
    edit(books / "ledger/2026/manual.beancount", "50 MUG-01 {4.20 EUR}", "5 MUG-01 {4.20 EUR}")
    edit(
        books / "ledger/2026/manual.beancount",
        "Liabilities:Suppliers   -738.00 EUR",
        "Liabilities:Suppliers   -549.00 EUR",
    )
    messages = errors_of(books)
    assert any(
        "MUG-01" in m and re.search(r"short|not enough|oversell", m, re.I) for m in messages
    ), messages


def test_a_b2b_sale_with_an_invalid_vat_number_is_refused(demo: Path, tmp_path: Path) -> None:
    books = copy_of(demo, tmp_path)
    edit(books / SHOP, 'customer_vat: "BE0477472701"', 'customer_vat: "BE0477472700"')
    messages = errors_of(books)
    assert any("BE0477472700" in m for m in messages), messages


def test_the_books_importers_serve_beangulp_and_fava(demo: Path, tmp_path: Path) -> None:
    """The very importers ``ecomledger import`` uses work from beangulp's own command line
    (``python import.py``) and from Fava's import page, on a statement new to the books."""
    import shutil
    import subprocess
    import sys

    from fava.core import FavaLedger

    books = copy_of(demo, tmp_path)
    (statement,) = sorted((books / "documents" / "qonto").rglob("qonto-2026-03.csv"))
    waiting = books / "inbox" / statement.name
    shutil.copy(statement, waiting)

    def beangulp(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "import.py", *args], cwd=books, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert f"{waiting} ... OK" in beangulp("identify", "inbox")
    extracted = beangulp("extract", "inbox")
    assert 'source: "qonto:main"' in extracted and "Assets:Bank:Qonto" in extracted

    fava = FavaLedger(str(books / "main.beancount"))
    offered = {
        str(info.name): [i.importer_name for i in info.importers]
        for info in fava.ingest.import_data()
    }
    assert offered[str(waiting)] == ["qonto:main"]
    entries = fava.ingest.extract(str(waiting), "qonto:main")
    text = extracted.split(f"**** {waiting}")[1]
    assert len(entries) == text.count("\n20") > 0  # the same entries, one per dated line
