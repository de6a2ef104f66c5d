"""Factur-X: the EN 16931 CII XML of a document, and its embedding in the PDF/A-3.

The XML is built from the same :class:`~ecomledger.invoices.document.Document` as the PDF.
Element order follows the CII D16B schema (the XSD refuses any other order). Mentions the
French reform codes as notes (``PMT`` recovery indemnity, ``PMD`` late-payment rate, ``AAB``
no early-payment discount, ``ABL`` legal form and capital) are carried for B2B documents.

weasyprint embeds the XML while it writes the PDF (``pdf.render_pdf``); this module gives it
the Factur-X XMP and document information, dated from the invoice (never the clock) so that
rendering twice gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

from lxml import etree

from ecomledger.invoices import labels
from ecomledger.invoices.document import Document, Line
from ecomledger.invoices.labels import Lang

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "qdt": QDT, "udt": UDT}
EN16931 = "urn:cen.eu:en16931:2017"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _decimal(value: Decimal, places: int = 4) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if "." in text or text not in ("", "-") else "0"


def _date(parent: etree._Element, tag: str, day: dt.date, *, qualified: bool = False) -> None:
    holder = _el(parent, tag)
    _el(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        day.strftime("%Y%m%d"),
        format="102",
    )


def line_name(line: Line, lang: Lang) -> str:
    """A line's name: its description, else what it is (``Frais de port``)."""
    return line.description or labels.LABELS[lang][line.kind if line.kind == "shipping" else "net"]


def payment_terms(doc: Document, lang: Lang) -> list[str]:
    """The payment-terms sentences, as both the PDF and BT-20 print them."""
    text = labels.LABELS[lang]
    if doc.kind == "credit_note":
        return [text["credit_note_settled"]] if not doc.due else []
    if not doc.due:
        return [text["paid_at_order"]]
    assert doc.due_date is not None
    return [
        text["due_by"].format(date=labels.date(doc.due_date, lang), days=doc.company.payment_days)
    ]


def b2b_notes(doc: Document, lang: Lang) -> dict[str, str]:
    """The B2B mentions by UNTDID 4451 subject code: PMD late rate, PMT EUR 40, AAB discount."""
    text = labels.LABELS[lang]
    if not doc.b2b:
        return {}
    rate = labels.number(Decimal(doc.company.late_payment_rate), lang)
    return {
        "PMD": text["late_rate"].format(rate=rate),
        "PMT": text["recovery"],
        "AAB": text["no_discount"],
    }


def legal_line(doc: Document, lang: Lang) -> str:
    """``SAS au capital de 10 000 € · RCS Paris 732 829 320 · TVA FR44732829320``."""
    company = doc.company
    capital = Decimal(company.share_capital or "0")
    whole = capital == capital.to_integral()
    amount = labels.money(capital, doc.currency, lang)
    if whole:
        amount = re.sub(r"[.,]00(?=\D*$)", "", amount)
    siren = f"{company.siren[:3]} {company.siren[3:6]} {company.siren[6:]}"
    return labels.LABELS[lang]["legal"].format(
        form=company.legal_form,
        capital=amount,
        city=company.rcs_city,
        siren=siren,
        vat=company.vat_number,
    )


def build_xml(doc: Document, lang: Lang) -> bytes:
    """The document as EN 16931 CII XML (UTF-8 bytes)."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)

    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc.number)
    _el(header, "ram:TypeCode", doc.type_code)
    _date(header, "ram:IssueDateTime", doc.issue_date)
    notes: list[tuple[str, str]] = [("ABL", legal_line(doc, lang))]
    notes += [(code, note) for code, note in b2b_notes(doc, lang).items()]
    if doc.gift_cards_sold:
        amount = labels.money(doc.gift_cards_sold, doc.currency, lang)
        notes.append(("AAI", labels.LABELS[lang]["gift_cards"].format(amount=amount)))
    for code, note in notes:
        included = _el(header, "ram:IncludedNote")
        _el(included, "ram:Content", note)
        _el(included, "ram:SubjectCode", code)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(doc.lines, start=1):
        _line(transaction, number, line, doc, lang)
    _agreement(transaction, doc)
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    ship_to = _el(delivery, "ram:ShipToTradeParty")
    _el(ship_to, "ram:Name", doc.buyer.name or "-")
    _el(_el(ship_to, "ram:PostalTradeAddress"), "ram:CountryID", doc.buyer.country or "FR")
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", doc.delivery_date)
    _settlement(transaction, doc, lang)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(parent: etree._Element, number: int, line: Line, doc: Document, lang: Lang) -> None:
    item = _el(parent, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    product = _el(item, "ram:SpecifiedTradeProduct")
    if line.sku:
        _el(product, "ram:SellerAssignedID", line.sku)
    _el(product, "ram:Name", line_name(line, lang))
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    price = _el(agreement, "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", _decimal(line.unit_price))
    _el(
        _el(item, "ram:SpecifiedLineTradeDelivery"),
        "ram:BilledQuantity",
        _decimal(line.quantity),
        unitCode="C62",
    )
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", line.category)
    _el(tax, "ram:RateApplicablePercent", _amount(line.vat_rate))
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(line.net))


def _party(parent: etree._Element, tag: str, party: Any, *, seller: bool) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.name or "-")
    if party.siren:
        _el(_el(node, "ram:SpecifiedLegalOrganization"), "ram:ID", party.siren, schemeID="0002")
    address = _el(node, "ram:PostalTradeAddress")
    if party.postcode:
        _el(address, "ram:PostcodeCode", party.postcode)
    if party.street:
        _el(address, "ram:LineOne", party.street)
    if party.city:
        _el(address, "ram:CityName", party.city)
    _el(address, "ram:CountryID", party.country or "FR")
    if party.email:
        _el(_el(node, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_number:
        _el(_el(node, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_number, schemeID="VA")
    del seller


def _agreement(parent: etree._Element, doc: Document) -> None:
    agreement = _el(parent, "ram:ApplicableHeaderTradeAgreement")
    _party(agreement, "ram:SellerTradeParty", doc.seller, seller=True)
    _party(agreement, "ram:BuyerTradeParty", doc.buyer, seller=False)
    if doc.order_number:
        _el(
            _el(agreement, "ram:SellerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            doc.order_number,
        )


def _settlement(parent: etree._Element, doc: Document, lang: Lang) -> None:
    settlement = _el(parent, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", doc.currency)
    if doc.due and doc.company.iban:
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", "58")
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", doc.company.iban)
    for group in doc.vat_groups:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", _amount(group.vat))
        _el(tax, "ram:TypeCode", "VAT")
        if group.exemption:
            _el(tax, "ram:ExemptionReason", group.exemption)
        _el(tax, "ram:BasisAmount", _amount(group.base))
        _el(tax, "ram:CategoryCode", group.category)
        if group.exemption_code:
            _el(tax, "ram:ExemptionReasonCode", group.exemption_code)
        _el(tax, "ram:RateApplicablePercent", _amount(group.rate))
    for allowance in doc.allowances:
        node = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(node, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(node, "ram:ActualAmount", _amount(allowance.amount))
        _el(node, "ram:ReasonCode", "95")
        _el(node, "ram:Reason", labels.LABELS[lang]["discount"])
        tax = _el(node, "ram:CategoryTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", allowance.category)
        _el(tax, "ram:RateApplicablePercent", _amount(allowance.vat_rate))
    terms = payment_terms(doc, lang)
    if terms or doc.due_date:
        node = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        if terms:
            _el(node, "ram:Description", " ".join(terms))
        if doc.due_date:
            _date(node, "ram:DueDateDateTime", doc.due_date)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summation, "ram:LineTotalAmount", _amount(doc.line_total))
    if doc.allowances:
        _el(summation, "ram:AllowanceTotalAmount", _amount(doc.allowance_total))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(doc.net_total))
    _el(summation, "ram:TaxTotalAmount", _amount(doc.vat_total), currencyID=doc.currency)
    _el(summation, "ram:GrandTotalAmount", _amount(doc.gross_total))
    if doc.paid:
        _el(summation, "ram:TotalPrepaidAmount", _amount(doc.paid))
    _el(summation, "ram:DuePayableAmount", _amount(doc.due))
    if doc.credits:
        reference = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(reference, "ram:IssuerAssignedID", doc.credits)
        if doc.credits_date:
            _date(reference, "ram:FormattedIssueDateTime", doc.credits_date, qualified=True)


def read_totals(xml: bytes) -> tuple[Decimal, dict[Decimal, Decimal], Decimal]:
    """Read back what the XML states: excl. VAT (BT-109), VAT per rate (BT-117), incl. VAT."""
    root = etree.fromstring(xml)
    ns = {"ram": RAM}
    summation = root.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", ns)
    assert summation is not None
    vat: dict[Decimal, Decimal] = {}
    settlement = root.find(".//ram:ApplicableHeaderTradeSettlement", ns)
    assert settlement is not None
    for tax in settlement.findall("ram:ApplicableTradeTax", ns):
        rate = Decimal(tax.findtext("ram:RateApplicablePercent", "0", ns))
        rate = rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()
        vat[rate] = vat.get(rate, Decimal("0.00")) + Decimal(
            tax.findtext("ram:CalculatedAmount", "0", ns)
        )
    return (
        Decimal(summation.findtext("ram:TaxBasisTotalAmount", "0", ns)),
        vat,
        Decimal(summation.findtext("ram:GrandTotalAmount", "0", ns)),
    )


FILENAME = "factur-x.xml"
XMP_URN = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"


def pdf_info(doc: Document, lang: Lang, moment: dt.datetime) -> dict[str, str]:
    """The PDF's document information (``/Info``), mirrored by its XMP."""
    kind = labels.LABELS[lang][doc.kind]
    return {
        "title": f"{doc.seller.name}: {kind} {doc.number}",
        "author": doc.seller.name,
        "subject": f"{kind} {doc.number} {doc.issue_date.isoformat()}",
        "keywords": f"{kind}, Factur-X",
        "creator": "ecomledger",
        "producer": _producer(),
        "date": moment.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
    }


@functools.lru_cache(maxsize=1)
def _producer() -> str:
    from importlib.metadata import version

    return f"WeasyPrint {version('weasyprint')}"


def xmp_metadata(info: dict[str, str]) -> bytes:
    """The Factur-X XMP packet: PDF/A-3B, the EN 16931 profile and its extension schema.

    The same statements the factur-x library writes (``facturx.generate_xmp_bytes``), plus
    ``pdf:Keywords`` so that XMP and ``/Info`` agree as PDF/A requires.
    """
    esc = {k: _xml_text(v) for k, v in info.items()}
    properties = "".join(
        f"""
     <rdf:li rdf:parseType="Resource">
      <pdfaProperty:name>{name}</pdfaProperty:name>
      <pdfaProperty:valueType>Text</pdfaProperty:valueType>
      <pdfaProperty:category>external</pdfaProperty:category>
      <pdfaProperty:description>{text}</pdfaProperty:description>
     </rdf:li>"""
        for name, text in (
            ("DocumentFileName", "The name of the embedded XML document"),
            ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE"),
            ("Version", "The actual version of the standard applying to the embedded XML"),
            ("ConformanceLevel", "The conformance level of the embedded XML document"),
        )
    )
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc["title"]}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{esc["author"]}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{esc["subject"]}</rdf:li></rdf:Alt>
   </dc:description>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdf:Producer>{esc["producer"]}</pdf:Producer>
   <pdf:Keywords>{esc["keywords"]}</pdf:Keywords>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <xmp:CreatorTool>{esc["creator"]}</xmp:CreatorTool>
   <xmp:CreateDate>{esc["date"]}</xmp:CreateDate>
   <xmp:ModifyDate>{esc["date"]}</xmp:ModifyDate>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
    xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
    xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
   <pdfaExtension:schemas>
    <rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
      <pdfaSchema:namespaceURI>{XMP_URN}</pdfaSchema:namespaceURI>
      <pdfaSchema:prefix>fx</pdfaSchema:prefix>
      <pdfaSchema:property>
       <rdf:Seq>{properties}
       </rdf:Seq>
      </pdfaSchema:property>
     </rdf:li>
    </rdf:Bag>
   </pdfaExtension:schemas>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="{XMP_URN}">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{FILENAME}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
