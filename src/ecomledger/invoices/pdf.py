"""The PDF of a document: jinja2 HTML from ``templates/invoices``, laid out by weasyprint.

Every figure is formatted here with babel (``labels``) so the template only places text.
The PDF is PDF/A-3b (what Factur-X requires) with its dates and identifier taken from the
invoice, never from the clock, so the same document always gives the same bytes.

weasyprint writes the Factur-X itself: the XML as the ``factur-x.xml`` attachment (relationship
``Data``, listed in the catalog's ``/AF``) and, through a finisher run just before the file is
written, the Factur-X XMP (``facturx.xmp_metadata``) and the matching document information.
Re-reading and re-writing the whole PDF with the factur-x library (pypdf) cost a quarter as
much as the layout; the library still reads the result (the tests check it does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jinja2

from ecomledger.invoices import facturx, labels
from ecomledger.invoices.document import Document, InvoiceError
from ecomledger.invoices.facturx import b2b_notes, legal_line, line_name, payment_terms
from ecomledger.invoices.labels import Lang

TEMPLATE = "invoice.html.j2"
STYLESHEET = "invoice.css"
USER_AGENT = "user-agent.css"
#: Blanks between two tags (the template's indentation): weasyprint builds, then drops, a box
#: for each run. Printed text is never blanks alone, so removing them changes no word.
_BETWEEN_TAGS = re.compile(r">\s+<")


def template_dir() -> Path:
    """The packaged ``templates/invoices`` folder (where its files really are).

    Resolved through links so that a long run keeps reading the same files even while an
    editable install rebuilds its tree of links.
    """
    folder = Path(str(resources.files("ecomledger.templates").joinpath("invoices")))
    return (folder / TEMPLATE).resolve().parent


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(doc: Document, lang: Lang, folder: Path | None = None, logo: str = "") -> str:
    """The document as HTML (the stylesheet is given to weasyprint apart, parsed once).

    Raises:
        InvoiceError: the template is missing or broken; names the file.
    """
    folder = folder or template_dir()
    try:
        template = _environment(str(folder)).get_template(TEMPLATE)
        return _BETWEEN_TAGS.sub("><", template.render(**context(doc, lang, logo)))
    except jinja2.TemplateSyntaxError as exc:
        raise InvoiceError(
            f"{exc.filename or folder / TEMPLATE}:{exc.lineno}: the invoice template is broken "
            f"({exc.message}); fix it or reinstall ecomledger"
        ) from exc
    except jinja2.TemplateError as exc:
        raise InvoiceError(
            f"{folder / TEMPLATE}: the invoice template failed on {doc.number} ({exc}); fix the "
            "template or reinstall ecomledger"
        ) from exc


@lru_cache(maxsize=4)
def _stylesheet(path: str, mtime: float) -> Any:
    """The parsed stylesheet: parsing it took a fifth of a page's layout time."""
    from weasyprint import CSS

    del mtime  # part of the cache key: an edited stylesheet is parsed again
    return CSS(filename=path)


@lru_cache(maxsize=1)
def _fonts() -> Any:
    """One font configuration per process: building it took a tenth of a page's time.

    Sharing it leaves the bytes unchanged (the tests compare PDFs made in two processes).
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def stylesheet(folder: Path | None = None, name: str = STYLESHEET) -> Any:
    """The invoice stylesheet ``name`` of ``folder``, parsed.

    Raises:
        InvoiceError: the stylesheet is missing.
    """
    path = (folder or template_dir()) / name
    try:
        return _stylesheet(str(path), path.stat().st_mtime)
    except OSError as exc:
        raise InvoiceError(
            f"{path}: cannot read the invoice stylesheet ({exc.strerror}); reinstall ecomledger"
        ) from exc


def context(doc: Document, lang: Lang, logo: str) -> dict[str, Any]:
    """Every text the template places, formatted for ``lang``."""
    t = labels.LABELS[lang]
    cur = doc.currency

    def money(value: Any) -> str:
        return labels.money(value, cur, lang)

    mentions = [labels.mention(g.exemption, lang) for g in doc.vat_groups if g.exemption]
    mentions = list(dict.fromkeys(mentions))
    notes = []
    if doc.presentment:
        amount, _, code = doc.presentment.partition(" ")
        try:
            shown = labels.money(Decimal(amount), code, lang)
        except (ArithmeticError, ValueError):
            shown = doc.presentment
        notes.append(t["presentment"].format(amount=shown))
    if doc.gift_cards_sold:
        notes.append(t["gift_cards"].format(amount=money(doc.gift_cards_sold)))
    payment = payment_terms(doc, lang)
    if doc.due and doc.company.iban:
        bank = t["bank"].format(iban=_spaced_iban(doc.company.iban))
        if doc.company.bic:
            bank += " · " + t["bic"].format(bic=doc.company.bic)
        payment.append(bank)
    payment += list(b2b_notes(doc, lang).values())
    credits = ""
    if doc.kind == "credit_note" and doc.credits:
        day = labels.date(doc.credits_date, lang) if doc.credits_date else "?"
        credits = t["credits"].format(number=doc.credits, date=day)
    paid_label = ""
    if doc.paid and doc.kind == "credit_note":
        paid_label = t["refunded"]
    elif doc.paid:
        paid_label = t["paid"]
    kind_title = t[doc.kind]
    return {
        "lang": lang,
        "t": t,
        "colon": "\u00a0: " if lang == "fr" else ": ",
        "logo": logo,
        "title": f"{kind_title} {doc.number}",
        "stamp": f"{doc.issue_date.isoformat()}T12:00:00Z",
        "kind": doc.kind,
        "number": doc.number,
        "issue_date": labels.date(doc.issue_date, lang),
        "delivery_date": labels.date(doc.delivery_date, lang),
        "order_number": doc.order_number,
        "seller": doc.seller,
        "seller_country": labels.country(doc.seller.country, lang),
        "seller_siren": _spaced_siren(doc.seller.siren),
        "buyer": doc.buyer,
        "buyer_siren": _spaced_siren(doc.buyer.siren),
        "buyer_country": labels.country(doc.buyer.country, lang) or "—",
        "nature": t[doc.nature],
        "credits": credits,
        "lines": [
            {
                "name": line_name(line, lang),
                "sku": line.sku if line.sku != line.description else "",
                "quantity": labels.number(line.quantity, lang),
                "unit_price": labels.unit_money(line.unit_price, cur, lang),
                "rate": labels.percent(line.vat_rate, lang),
                "net": money(line.net),
            }
            for line in doc.lines
        ],
        "allowances": [
            {"rate": labels.percent(a.vat_rate, lang), "amount": money(a.amount)}
            for a in doc.allowances
        ],
        "vat_groups": [
            {
                "rate": labels.percent(g.rate, lang)
                + ("" if g.category == "S" else f" ({t['vat_exempt']})"),
                "label": t["vat_at"].format(rate=labels.percent(g.rate, lang)),
                "base": money(g.base),
                "vat": money(g.vat),
            }
            for g in doc.vat_groups
        ],
        "line_total": money(doc.line_total),
        "allowance_total": money(doc.allowance_total),
        "net_total": money(doc.net_total),
        "gross_total": money(doc.gross_total),
        "paid_label": paid_label,
        "paid": money(doc.paid),
        "due": money(doc.due),
        "mentions": mentions,
        "payment": payment,
        "notes": notes,
        "legal": legal_line(doc, lang),
        "footer": doc.company.footer,
    }


def _spaced_siren(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}" if len(siren) == 9 else siren


def _spaced_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def preload(folder: Path | None = None) -> None:
    """Import weasyprint and parse the stylesheets and fonts now (before forking workers)."""
    _html_class(stylesheet(folder, USER_AGENT))
    stylesheet(folder)
    _fonts()
    _on_roomy_stack()


@lru_cache(maxsize=4)
def _html_class(user_agent: Any) -> Any:
    """weasyprint's ``HTML`` with ``user_agent`` (``user-agent.css``) as its default styles,
    reading the template's output as XML.

    Matching every element against weasyprint's full HTML5 user-agent stylesheet took a fifth
    of the layout. ``_ua_stylesheets`` is the hook weasyprint's own ``HTML`` uses for them.

    weasyprint's HTML5 parser (pure Python) took 7 % of a page's time; the template writes
    well-formed XHTML (void elements closed, ``tbody`` explicit, as an HTML5 parser would add
    it), which expat reads into the very tree weasyprint would have built: the tests compare
    the PDFs made both ways. Output that is not well-formed XML (a template edited without
    care) goes to weasyprint's parser, as before.
    """
    import cssselect2
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class InvoiceHTML(HTML):
        def __init__(self, string: str) -> None:
            try:
                root = ElementTree.fromstring(string)
            except ElementTree.ParseError:
                super().__init__(string=string)
                return
            # What HTML.__init__ sets, for a document without <base> given as a string.
            self.base_url = None
            self.url_fetcher = URLFetcher()
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            del forms  # an invoice has no form
            return [user_agent]

    return InvoiceHTML


def render_pdf(
    html: str, doc: Document, xml: bytes, lang: Lang, folder: Path | None = None
) -> bytes:
    """Lay ``html`` out as a Factur-X PDF/A-3b carrying ``xml``, with fixed dates and ids."""
    from weasyprint import Attachment

    moment = dt.datetime.combine(doc.issue_date, dt.time(12, 0))
    attachment = Attachment(
        string=xml,
        name=facturx.FILENAME,
        description="Factur-X XML file",
        relationship="Data",
        created=moment,
        modified=moment,
    )
    identifier = hashlib.md5(f"{doc.number}:{doc.source_hash}".encode()).hexdigest().encode()
    html_class = _html_class(stylesheet(folder, USER_AGENT))
    pdf = _on_roomy_stack()(
        html_class(string=html).write_pdf,
        stylesheets=[stylesheet(folder)],
        font_config=_fonts(),
        pdf_variant="pdf/a-3b",
        pdf_identifier=identifier,
        attachments=[attachment],
        # Streams are compressed by the finisher; the objects stay readable (see _finish).
        uncompressed_pdf=True,
        finisher=lambda _document, pdf: _finish(pdf, doc, lang, moment),
    )
    if not pdf:
        raise InvoiceError(f"{doc.number}: weasyprint produced no PDF; check the template")
    return bytes(pdf)


#: Slots (8 bytes each) of the frame :func:`_on_roomy_stack` calls from: just over 64 KiB.
_ROOMY_SLOTS = 8_250


@lru_cache(maxsize=1)
def _on_roomy_stack() -> Callable[..., Any]:
    """A function calling ``function(*args, **kwargs)`` from one large frame.

    CPython 3.11 keeps its frames in 16 KiB chunks, mapped from the system when the stack
    grows past one and unmapped as soon as it shrinks back. weasyprint's layout, recursing up
    and down across such a boundary, had one mapped and unmapped some 480 times a page (500
    page faults, 4 ms of system time out of 90). A frame over 64 KiB gets a chunk of 128 KiB,
    whose other 60 KiB hold the layout's frames: 60 page faults, under a millisecond.
    The frame is made large by its many local variables, never used.
    """
    names = " = ".join(f"_{slot}" for slot in range(_ROOMY_SLOTS))
    source = (
        "def call(function, *args, **kwargs):\n"
        f"    if False:\n        {names} = None\n"
        "    return function(*args, **kwargs)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<roomy stack>", "exec"), namespace)  # a fixed source, no data
    call: Callable[..., Any] = namespace["call"]
    return call


def _finish(pdf: Any, doc: Document, lang: Lang, moment: dt.datetime) -> None:
    """Make weasyprint's PDF/A-3b a Factur-X, just before it is written.

    The XMP becomes the Factur-X one (profile, file name, PDF/A extension schema) and the
    document information says the same things. Every stream but the XMP is compressed while
    the other objects stay plain, as in the files the factur-x library writes: a reader (or a
    test) finds ``/AF`` and ``/EmbeddedFiles`` without inflating object streams.
    """
    import pydyf

    info = facturx.pdf_info(doc, lang, moment)
    for item in pdf.objects:
        if not isinstance(item, pydyf.Stream):
            continue
        if item.extra.get("Type") == "/Metadata":
            item.stream = [facturx.xmp_metadata(info)]
            item.compress = False  # left readable, as PDF/A advises for the XMP
            continue
        item.compress = True
        if item.extra.get("Type") == "/EmbeddedFile":
            item.extra["Subtype"] = "/text#2Fxml"  # the MIME type Factur-X asks for
    stamp = pydyf.String(moment.strftime("D:%Y%m%d%H%M%S+00'00'"))
    pdf.info.clear()
    pdf.info.update(
        {
            "Title": pydyf.String(info["title"]),
            "Author": pydyf.String(info["author"]),
            "Subject": pydyf.String(info["subject"]),
            "Keywords": pydyf.String(info["keywords"]),
            "Creator": pydyf.String(info["creator"]),
            "Producer": pydyf.String(info["producer"]),
            "CreationDate": stamp,
            "ModDate": stamp,
        }
    )
    pdf.catalog["PageMode"] = "/UseAttachments"  # a reader shows the XML at once
    # weasyprint 70 lists the attachment in /AF twice (from the name tree and as a Filespec).
    pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
