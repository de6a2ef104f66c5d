"""Invoices and credit notes from the demo books: Factur-X PDFs read back with real tools.

The demo books are built once (``ecomledger demo``'s own code), their documents rendered once
per language through the command line; each test then reads the PDFs back: pdftotext for the
mentions, the factur-x library for the embedded XML, the offline XSD + EN 16931 schematron.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ecomledger.books import load_books
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.invoices import validate
from ecomledger.invoices.render import render
from ecomledger.periods import parse_period

#: The demo's documents the tests read: domestic B2C (two rates and discounts), EU B2C,
#: intra-EU B2B, export, a credit note, a French B2B invoice, gift cards sold and redeemed.
DOCS_2026 = [f"F-2026-00000{n}" for n in range(1, 8)] + ["AV-2026-000001"]
DOCS_2025 = ["F-2025-000015", "F-2025-000019", "F-2025-000023"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo books with their 2026 documents and three 2025 ones rendered in fr and en."""
    books = tmp_path_factory.mktemp("invoices") / "books"
    summary = run_demo(books)
    assert summary.errors == []
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    for lang in ("fr", "en"):
        render(loaded, lang=lang, period=parse_period("2026"), workers=1)
        render(loaded, DOCS_2025, lang=lang, workers=1)
    return books


def pdf_path(books: Path, number: str, lang: str = "fr") -> Path:
    return books / "invoices" / number[-11:-7] / f"{number}.{lang}.pdf"


def text_of(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    # Reading order keeps wrapped sentences whole; -layout keeps a table row on one line.
    texts = [
        subprocess.run(
            ["pdftotext", *mode, str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        for mode in ([], ["-layout"])
    ]
    return "|".join(squash(text) for text in texts)


def squash(text: str) -> str:
    """Drop every space: pdftotext breaks lines and spaces table cells its own way."""
    return re.sub(r"[\s\u00a0\u202f]+", "", text)


def has(text: str, mention: str) -> bool:
    return squash(mention) in text


def embedded_xml(path: Path) -> bytes:
    from facturx import get_facturx_xml_from_pdf

    name, xml = get_facturx_xml_from_pdf(path.read_bytes(), check_xsd=False)
    assert name == "factur-x.xml"
    return bytes(xml)


def test_every_document_renders_in_both_languages(rendered: Path) -> None:
    for number in DOCS_2026 + DOCS_2025:
        for lang in ("fr", "en"):
            assert pdf_path(rendered, number, lang).is_file(), (number, lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_factur_x_passes_the_xsd_and_the_en16931_schematron(
    rendered: Path, lang: str
) -> None:
    for number in DOCS_2026 + DOCS_2025:
        xml = embedded_xml(pdf_path(rendered, number, lang))
        assert validate.xsd_failures(xml) == [], number
        assert validate.schematron_failures(xml) == [], number
        assert b"urn:cen.eu:en16931:2017" in xml


def test_the_validator_catches_a_wrong_total(rendered: Path) -> None:
    xml = embedded_xml(pdf_path(rendered, "F-2026-000001"))
    broken = xml.replace(b"<ram:GrandTotalAmount>34.90<", b"<ram:GrandTotalAmount>35.90<")
    assert broken != xml
    rules = {f.rule for f in validate.schematron_failures(broken)}
    assert "BR-CO-15" in rules


def test_the_pdf_is_pdf_a3_with_the_factur_x_metadata(rendered: Path) -> None:
    data = pdf_path(rendered, "F-2026-000004").read_bytes()
    from pypdf import PdfReader

    reader = PdfReader(pdf_path(rendered, "F-2026-000004"))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in raw
    assert b"EN 16931" in raw
    assert b"/AF" in data


SELLER_MENTIONS = [
    "Demo Boutique SAS",
    "SAS au capital de 10 000 €",
    "RCS Paris 732 829 320",
    "12 rue des Artisans",
    "75011 Paris",
    "SIREN 732 829 320",
    "FR44732829320",
]


def test_an_intra_eu_b2b_invoice_shows_every_mention_and_the_reverse_charge(
    rendered: Path,
) -> None:
    text = text_of(pdf_path(rendered, "F-2026-000004"))
    for mention in [
        *SELLER_MENTIONS,
        "FACTURE",
        "N° F-2026-000004",
        "Boutique Claes SPRL",
        "BE0477472701",  # the buyer's VAT number beside the seller's
        "Date d'émission 4 mars 2026",
        "Date de livraison 4 mars 2026",
        "Pays de livraison : Belgique",
        "Nature de l'opération : Livraison de biens",
        "Mug Tour Eiffel",
        "Mug Tour Eiffel 10 12,50 € 0 % 125,00 €",  # quantity, unit price excl. VAT, rate, amount
        "Total HT 140,00 €",
        "Total TTC 140,00 €",
        "Autoliquidation - Exonération de TVA, article 262 ter I du CGI",
        "À régler au plus tard le 3 avril 2026",
        "pénalités au taux annuel de 12,15 %",
        "Indemnité forfaitaire pour frais de recouvrement",
        "40 €",
        "Pas d'escompte",
    ]:
        assert has(text, mention), mention


def test_a_domestic_invoice_shows_vat_per_rate_and_discounts(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "F-2026-000002"))
    for mention in [
        *SELLER_MENTIONS,
        "Jean Moulin",
        "Guide de Paris",
        "Guide de Paris 1 22,75 € 5,5 % 22,75 €",
        "Remise",
        "TVA 20 % 3,75 €",
        "TVA 5,5 % 1,13 €",
        "Total HT 39,22 €",
        "Total TTC 44,10 €",
        "Payée à la commande",
    ]:
        assert has(text, mention), mention


def test_a_french_b2b_invoice_shows_the_buyer_siren_and_payment_mentions(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "F-2025-000015"))
    assert has(text, "FR06713186096")
    assert has(text, "SIREN 713 186 096")
    assert has(text, "Indemnité forfaitaire pour frais de recouvrement")
    xml = embedded_xml(pdf_path(rendered, "F-2025-000015"))
    assert b'schemeID="0002">713186096<' in xml
    for code in (b"PMT", b"PMD", b"AAB"):
        assert b"<ram:SubjectCode>" + code + b"</ram:SubjectCode>" in xml


def test_an_export_carries_the_export_mention(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "F-2026-000005"))
    assert has(text, "Exonération de TVA, article 262 I du CGI")
    english = text_of(pdf_path(rendered, "F-2026-000005", "en"))
    assert has(english, "VAT exempt export, article 262 I")
    assert b"<ram:CategoryCode>G</ram:CategoryCode>" in embedded_xml(
        pdf_path(rendered, "F-2026-000005")
    )


def test_a_credit_note_names_the_invoice_it_credits(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "AV-2026-000001"))
    assert has(text, "AVOIR")
    assert has(text, "Avoir sur la facture F-2026-000006 du 5 mars 2026")
    assert has(text, "Mug Tour Eiffel")  # the credited invoice's description, for a bare line
    english = text_of(pdf_path(rendered, "AV-2026-000001", "en"))
    assert has(english, "Credit note on invoice F-2026-000006 of 5 March 2026")
    xml = embedded_xml(pdf_path(rendered, "AV-2026-000001"))
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert b"<ram:IssuerAssignedID>F-2026-000006</ram:IssuerAssignedID>" in xml


def test_english_documents_speak_english(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "F-2026-000004", "en"))
    for mention in [
        "INVOICE",
        "Issue date 4 March 2026",
        "Total excl. VAT €140.00",
        "Reverse charge",
        "Fixed compensation for recovery costs on late payment: EUR 40",
        "SAS with a share capital of €10,000",
    ]:
        assert has(text, mention), mention


def test_gift_cards_sold_are_left_out_and_said(rendered: Path) -> None:
    text = text_of(pdf_path(rendered, "F-2025-000023"))
    assert has(text, "Carte(s) cadeau vendue(s) avec la commande : 50,00 €")
    assert has(text, "Total TTC 244,65 €")


def test_rendering_again_is_byte_identical_and_writes_nothing(
    rendered: Path, cli: Callable[..., object]
) -> None:
    before = {p: p.read_bytes() for p in (rendered / "invoices" / "2026").glob("*.pdf")}
    stamps = {p: p.stat().st_mtime_ns for p in before}
    result = cli("--books", str(rendered), "invoice", "render", "--period", "2026")
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    assert "0 written, 8 unchanged" in result.out  # type: ignore[attr-defined]
    for path, content in before.items():
        assert path.read_bytes() == content
        assert path.stat().st_mtime_ns == stamps[path]


def test_show_prints_the_invoice_as_the_books_hold_it(
    rendered: Path, cli: Callable[..., object]
) -> None:
    import json

    result = cli("--books", str(rendered), "invoice", "show", "F-2026-000004", "--format", "json")
    assert result.code == 0  # type: ignore[attr-defined]
    shown = json.loads(result.out)  # type: ignore[attr-defined]
    assert shown["buyer"]["vat_number"] == "BE0477472701"
    assert shown["gross_total"] == "140.00"
    assert shown["lines"][0]["quantity"] == "10"
    table = cli("--books", str(rendered), "invoice", "show", "AV-2026-000001")
    assert "credits invoice F-2026-000006" in table.out  # type: ignore[attr-defined]


def test_another_process_renders_the_same_bytes(rendered: Path, tmp_path: Path) -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ecomledger", "--books", str(rendered), "invoice", "render",
         "F-2026-000004", "AV-2026-000001", "--lang", "en", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for number in ("F-2026-000004", "AV-2026-000001"):
        again = (tmp_path / f"{number}.en.pdf").read_bytes()
        assert again == pdf_path(rendered, number, "en").read_bytes(), number


def test_the_factur_x_attachment_and_xmp_are_those_factur_x_readers_expect(
    rendered: Path,
) -> None:
    """weasyprint writes the Factur-X itself: file name, relationship, MIME type, profile, dates."""
    from pypdf import PdfReader

    path = pdf_path(rendered, "F-2026-000004")
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == "factur-x.xml"
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Data"
    assert spec["/UF"] == "factur-x.xml"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    assert [a.get_object() for a in root["/AF"]] == [spec]
    assert root["/PageMode"] == "/UseAttachments"
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data()
    for statement in (
        b"<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
        b"<fx:DocumentType>INVOICE</fx:DocumentType>",
        b"<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        b"<pdfaid:conformance>B</pdfaid:conformance>",
        b"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
        b"<xmp:CreateDate>2026-03-04T12:00:00+00:00</xmp:CreateDate>",  # the issue date
    ):
        assert statement in raw, statement
    info = reader.metadata
    assert info is not None
    assert info["/CreationDate"] == info["/ModDate"] == "D:20260304120000+00'00'"
    assert info["/Title"] == "Demo Boutique SAS: Facture F-2026-000004"
    assert b'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Demo Boutique SAS: Facture' in raw


def test_worker_processes_render_the_same_bytes(rendered: Path, tmp_path: Path) -> None:
    """A fresh process forks its workers (weasyprint preloaded, Saxon not yet started): same
    files as the documents rendered here one by one."""
    import sys

    script = (
        "import sys; from pathlib import Path\n"
        "from ecomledger.books import load_books\n"
        "from ecomledger.config import load_config\n"
        "from ecomledger.invoices import render as R, validate\n"
        "books = Path(sys.argv[1])\n"
        "loaded = load_books(books, load_config(books / 'ecomledger.toml'))\n"
        "assert R._pool_context(None).get_start_method() == 'fork'\n"
        "R.render(loaded, sys.argv[3:], lang='fr', output=Path(sys.argv[2]), workers=2)\n"
        "assert not validate.started()  # the workers validated, not this process\n"
    )
    numbers = ["F-2026-000002", "F-2026-000004", "AV-2026-000001", "F-2025-000015"]
    done = subprocess.run(
        [sys.executable, "-c", script, str(rendered), str(tmp_path), *numbers],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for number in numbers:
        again = (tmp_path / f"{number}.fr.pdf").read_bytes()
        assert again == pdf_path(rendered, number).read_bytes(), number


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_html_is_read_as_xml_into_the_tree_weasyprints_own_parser_builds(
    rendered: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template writes well-formed XHTML, read with expat (weasyprint's pure-Python HTML5
    parser took a tenth of a page): never falling back to that parser, and laid out into the
    very bytes that parser's tree gives."""
    from xml.etree import ElementTree

    import tinyhtml5

    from ecomledger.invoices import facturx, pdf
    from ecomledger.invoices.document import index_entries
    from ecomledger.invoices.render import prepare

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the invoice HTML went to weasyprint's HTML5 parser")

    def not_xml(*args: object, **kwargs: object) -> None:
        raise ElementTree.ParseError("not well-formed")

    loaded = load_books(rendered, load_config(rendered / "ecomledger.toml"))
    index = index_entries(loaded.entries)
    for number in ("F-2026-000001", "F-2026-000004", "AV-2026-000001"):
        document = prepare(index[number], loaded, index)
        xml = facturx.build_xml(document, lang)  # type: ignore[arg-type]
        html = pdf.render_html(document, lang)  # type: ignore[arg-type]
        with monkeypatch.context() as patch:
            patch.setattr(tinyhtml5, "parse", refuse)
            fast = pdf.render_pdf(html, document, xml, lang)  # type: ignore[arg-type]
        with monkeypatch.context() as patch:
            patch.setattr(ElementTree, "fromstring", not_xml)
            parsed = pdf.render_pdf(html, document, xml, lang)  # type: ignore[arg-type]
        assert fast == parsed, number


def test_the_collector_settings_of_a_rendering_are_undone_after_it() -> None:
    """render() lays pages out with a high collector threshold and the books frozen; after it
    the process collects as before (a long-lived process must not keep garbage uncollected)."""
    import gc

    from ecomledger.invoices.render import LAYOUT_GC_THRESHOLD, layout_gc

    gc.unfreeze()
    threshold = gc.get_threshold()
    with layout_gc():
        assert gc.get_threshold() == (LAYOUT_GC_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0
    with pytest.raises(ValueError), layout_gc():
        raise ValueError("a document failed")
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0
