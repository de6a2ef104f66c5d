"""Bad input, changed books and failed checks: one sentence, exit 2, nothing half-written."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomledger.books import load_books
from ecomledger.config import load_config, parse_config
from ecomledger.demo import run_demo
from ecomledger.errors import ConfigError
from ecomledger.invoices.document import (
    InvoiceError,
    books_totals,
    build_document,
    check_totals,
    index_entries,
)
from ecomledger.invoices.render import produce, render

SHOP = "ledger/2026/shopify-demo-shop.beancount"


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


def pdfs(books: Path) -> list[Path]:
    return sorted((books / "invoices").rglob("*.pdf"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def one_sentence(text: str) -> str:
    line = " ".join(text.split())
    assert line.startswith("error:"), text
    return line


def test_an_unknown_number_is_named(books: Path, cli: Callable[..., Any]) -> None:
    result = cli("--books", str(books), "invoice", "render", "F-2026-000001", "F-2026-999999")
    assert result.code == 2
    assert "no invoice or credit note numbered 'F-2026-999999'" in one_sentence(result.err)
    assert pdfs(books) == []  # the known one is not written either


def test_a_period_without_invoices_says_so(books: Path, cli: Callable[..., Any]) -> None:
    result = cli("--books", str(books), "invoice", "render", "--period", "2024")
    assert result.code == 2
    assert "no invoice or credit note is dated within 2024-01-01..2024-12-31" in result.err
    assert pdfs(books) == []


def test_missing_seller_data_names_the_key(books: Path, cli: Callable[..., Any]) -> None:
    edit(books / "ecomledger.toml", 'legal_form = "SAS"\n', "")
    result = cli("--books", str(books), "invoice", "render", "F-2026-000001")
    assert result.code == 2
    message = one_sentence(result.err)
    assert "company.legal_form is missing" in message and "add legal_form" in message
    assert pdfs(books) == []


def test_the_late_payment_rate_is_needed_for_business_buyers_only(
    books: Path, cli: Callable[..., Any]
) -> None:
    edit(books / "ecomledger.toml", 'late_payment_rate = "12.15"', 'late_payment_rate = ""')
    assert cli("--books", str(books), "invoice", "render", "F-2026-000001").code == 0
    result = cli("--books", str(books), "invoice", "render", "F-2026-000004")
    assert result.code == 2
    assert "company.late_payment_rate is missing" in result.err


def test_seller_amounts_are_validated_like_the_rest() -> None:
    raw = {
        "company": {
            "name": "X SAS",
            "siren": "732829320",
            "address": {"street": "1 rue", "postcode": "75001", "city": "Paris"},
            "share_capital": "10 000 €",
        }
    }
    with pytest.raises(ConfigError, match=r"company\.share_capital: '10 000 €' is not an amount"):
        parse_config(raw)


def test_a_broken_template_is_named_and_nothing_is_written(books: Path, tmp_path: Path) -> None:
    from ecomledger.invoices.pdf import template_dir

    broken = tmp_path / "templates"
    shutil.copytree(template_dir(), broken)
    edit(broken / "invoice.html.j2", "{% for line in lines %}", "{% for line in lines %")
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    with pytest.raises(
        InvoiceError, match=r"invoice\.html\.j2:\d+: the invoice template is broken"
    ):
        render(loaded, ["F-2026-000001"], template_dir=broken, workers=1)
    assert pdfs(books) == []


def test_an_unwritable_folder_is_named_and_nothing_is_written(
    books: Path, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(
        "--books",
        str(books),
        "invoice",
        "render",
        "F-2026-000001",
        "--output",
        str(blocker / "out"),
    )
    assert result.code == 2
    assert "cannot write invoices to" in result.err and "--output" in result.err
    assert blocker.read_text() == "not a folder"


def test_a_document_failing_en16931_is_refused_naming_the_rule(books: Path) -> None:
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    index = index_entries(loaded.entries)
    document = build_document(index["F-2026-000001"], loaded.config.company, 2026, index)
    wrong_total = dataclasses.replace(document, gross_total=document.gross_total + 1)
    with pytest.raises(InvoiceError, match=r"F-2026-000001 .*fails EN 16931 rule BR-CO-15"):
        produce(wrong_total, "fr")
    no_vat = dataclasses.replace(document, vat_groups=())  # the XSD wants a VAT breakdown
    with pytest.raises(InvoiceError, match=r"F-2026-000001 .*fails EN 16931 rule XSD"):
        produce(no_vat, "fr")


def test_totals_that_differ_from_the_books_name_the_invoice_and_both_figures(books: Path) -> None:
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    entry = index_entries(loaded.entries)["F-2026-000002"]
    net, vat, gross = books_totals(entry)
    assert (net, vat, gross) == (
        Decimal("39.22"),
        {Decimal("20"): Decimal("3.75"), Decimal("5.5"): Decimal("1.13")},
        Decimal("44.10"),
    )
    check_totals("F-2026-000002", "here", (net, vat, gross), (net, vat, gross), "EUR")
    off = dict(vat) | {Decimal("5.5"): Decimal("1.14")}
    with pytest.raises(
        InvoiceError,
        match=r"F-2026-000002: the VAT at 5.5 % is 1.14 EUR on the document but "
        r"1.13 EUR in the books",
    ):
        check_totals("F-2026-000002", "here", (net, off, gross), (net, vat, gross), "EUR")


def test_a_changed_books_entry_is_reported_and_the_issued_file_kept(
    books: Path, cli: Callable[..., Any]
) -> None:
    assert cli("--books", str(books), "invoice", "render", "F-2026-000001").code == 0
    issued = books / "invoices" / "2026" / "F-2026-000001.fr.pdf"
    before = issued.read_bytes()
    edit(books / SHOP, 'description: "Mug Tour Eiffel"', 'description: "Mug Tour Eiffel bleu"')
    result = cli("--books", str(books), "invoice", "render", "F-2026-000001")
    assert result.code == 1
    assert "F-2026-000001: its books entry" in result.out and "changed since" in result.out
    assert issued.read_bytes() == before
    forced = cli("--books", str(books), "invoice", "render", "F-2026-000001", "--force")
    assert forced.code == 0
    assert issued.read_bytes() != before


def test_the_year_folder_follows_the_fiscal_year_and_numbers_are_kept(
    books: Path, cli: Callable[..., Any]
) -> None:
    result = cli("--books", str(books), "invoice", "render", "AV-2026-000001", "F-2025-000001")
    assert result.code == 0, result.err
    names = [p.relative_to(books / "invoices").as_posix() for p in pdfs(books)]
    assert names == ["2025/F-2025-000001.fr.pdf", "2026/AV-2026-000001.fr.pdf"]


def test_a_logo_is_optional_and_a_missing_one_is_named(
    books: Path, cli: Callable[..., Any]
) -> None:
    edit(books / "ecomledger.toml", '# logo = "logo.png"', 'logo = "brand/logo.png"')
    result = cli("--books", str(books), "invoice", "render", "F-2026-000001")
    assert result.code == 2
    assert "company.logo names brand/logo.png, which is not a file" in result.err
    from PIL import Image

    (books / "brand").mkdir()
    Image.new("RGB", (120, 40), (31, 58, 95)).save(books / "brand" / "logo.png")
    assert cli("--books", str(books), "invoice", "render", "F-2026-000001").code == 0
    pdf = (books / "invoices" / "2026" / "F-2026-000001.fr.pdf").read_bytes()
    assert b"/Subtype /Image" in pdf


def test_new_seller_details_do_not_rewrite_an_issued_document(
    books: Path, cli: Callable[..., Any]
) -> None:
    assert cli("--books", str(books), "invoice", "render", "F-2026-000001").code == 0
    issued = books / "invoices" / "2026" / "F-2026-000001.fr.pdf"
    before = issued.read_bytes()
    edit(books / "ecomledger.toml", 'footer = "demo-boutique.example', 'footer = "new.example')
    result = cli("--books", str(books), "invoice", "render", "F-2026-000001")
    assert result.code == 1
    assert "would now render differently" in result.out
    assert issued.read_bytes() == before
