"""The words and number formats of a document, in French and English.

One table for both the PDF and the Factur-X XML, so a mention printed on the PDF is the
mention carried in the XML. Numbers, dates and amounts go through babel with the language's
locale (``1 234,50 €`` in French, ``€1,234.50`` in English).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")
LOCALES = {"fr": "fr_FR", "en": "en_GB"}

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "invoice": "Facture",
        "credit_note": "Avoir",
        "number": "N°",
        "issue_date": "Date d'émission",
        "delivery_date": "Date de livraison",
        "order": "Commande",
        "seller": "Vendeur",
        "buyer": "Client",
        "delivered_to": "Livraison",
        "country_of_delivery": "Pays de livraison",
        "vat_number": "N° TVA intracom.",
        "siren": "SIREN",
        "nature": "Nature de l'opération",
        "goods": "Livraison de biens",
        "services": "Prestation de services",
        "both": "Livraison de biens et prestation de services",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "Prix unit. HT",
        "vat_rate": "TVA",
        "net": "Montant HT",
        "shipping": "Frais de port",
        "discount": "Remise",
        "lines_total": "Total des lignes HT",
        "net_total": "Total HT",
        "vat_at": "TVA {rate}",
        "vat_base": "base {base}",
        "vat_total": "Total TVA",
        "gross_total": "Total TTC",
        "paid": "Déjà réglé",
        "due": "Net à payer",
        "refunded": "Montant remboursé",
        "nothing_due": "Facture acquittée : rien à payer.",
        "credit_note_settled": "Avoir remboursé : rien à payer.",
        "credits": "Avoir sur la facture {number} du {date}",
        "vat_breakdown": "Récapitulatif TVA",
        "rate": "Taux",
        "base": "Base HT",
        "vat_amount": "TVA",
        "payment": "Conditions de paiement",
        "paid_at_order": "Payée à la commande.",
        "due_by": "À régler au plus tard le {date} ({days} jours date de facture).",
        "bank": "Virement : IBAN {iban}",
        "bic": "BIC {bic}",
        "no_discount": "Pas d'escompte pour paiement anticipé.",
        "late_rate": (
            "En cas de retard de paiement, pénalités au taux annuel de {rate} % "
            "(art. L441-10 du Code de commerce)."
        ),
        "recovery": (
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
            "40 € (art. D441-5 du Code de commerce)."
        ),
        "legal": "{form} au capital de {capital} · RCS {city} {siren} · TVA {vat}",
        "presentment": "Montant réglé par le client dans sa devise : {amount}.",
        "gift_cards": (
            "Carte(s) cadeau vendue(s) avec la commande : {amount}, hors champ de la TVA, "
            "non facturée(s) ici."
        ),
        "page": "Page",
        "of": "sur",
        "vat_exempt": "Exonéré",
    },
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "number": "No.",
        "issue_date": "Issue date",
        "delivery_date": "Delivery date",
        "order": "Order",
        "seller": "Seller",
        "buyer": "Bill to",
        "delivered_to": "Delivery",
        "country_of_delivery": "Delivery country",
        "vat_number": "VAT number",
        "siren": "SIREN",
        "nature": "Nature of the supply",
        "goods": "Supply of goods",
        "services": "Supply of services",
        "both": "Supply of goods and services",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price excl. VAT",
        "vat_rate": "VAT",
        "net": "Amount excl. VAT",
        "shipping": "Shipping",
        "discount": "Discount",
        "lines_total": "Lines total excl. VAT",
        "net_total": "Total excl. VAT",
        "vat_at": "VAT {rate}",
        "vat_base": "on {base}",
        "vat_total": "Total VAT",
        "gross_total": "Total incl. VAT",
        "paid": "Already paid",
        "due": "Amount due",
        "refunded": "Amount refunded",
        "nothing_due": "Paid in full: nothing to pay.",
        "credit_note_settled": "Refunded: nothing to pay.",
        "credits": "Credit note on invoice {number} of {date}",
        "vat_breakdown": "VAT summary",
        "rate": "Rate",
        "base": "Base excl. VAT",
        "vat_amount": "VAT",
        "payment": "Payment terms",
        "paid_at_order": "Paid when ordered.",
        "due_by": "Payable by {date} ({days} days from the invoice date).",
        "bank": "Bank transfer: IBAN {iban}",
        "bic": "BIC {bic}",
        "no_discount": "No discount for early payment.",
        "late_rate": (
            "Late payments bear interest at {rate} % a year (French Commercial Code, art. L441-10)."
        ),
        "recovery": (
            "Fixed compensation for recovery costs on late payment: EUR 40 "
            "(French Commercial Code, art. D441-5)."
        ),
        "legal": "{form} with a share capital of {capital} · RCS {city} {siren} · VAT {vat}",
        "presentment": "Amount paid by the customer in their currency: {amount}.",
        "gift_cards": (
            "Gift card(s) sold with the order: {amount}, outside the scope of VAT, "
            "not invoiced here."
        ),
        "page": "Page",
        "of": "of",
        "vat_exempt": "Exempt",
    },
}

#: Legal mentions of zero-rated supplies, in English, for the French wording in the books.
MENTIONS_EN = {
    "Autoliquidation - Exonération de TVA, article 262 ter I du CGI": (
        "Reverse charge - VAT exempt intra-EU supply, article 262 ter I of the French tax "
        "code (CGI), article 138 of Directive 2006/112/EC"
    ),
    "Exonération de TVA, article 262 ter I du CGI": (
        "VAT exempt intra-EU supply, article 262 ter I of the French tax code (CGI)"
    ),
    "Exonération de TVA, article 262 I du CGI": (
        "VAT exempt export, article 262 I of the French tax code (CGI)"
    ),
    "Autoliquidation": "Reverse charge",
}


def mention(text: str, lang: Lang) -> str:
    """The legal mention in ``lang``: the books' French wording, with its English beside it."""
    if lang == "en" and text in MENTIONS_EN:
        return f"{MENTIONS_EN[text]} ({text})"
    return text


def money(amount: Decimal, currency: str, lang: Lang) -> str:
    """``1 234,50 €`` / ``€1,234.50``."""
    return format_currency(amount, currency, locale=LOCALES[lang])


def unit_money(amount: Decimal, currency: str, lang: Lang) -> str:
    """A unit price: at least the currency's decimals, more when the price has them (66,0333 €)."""
    return format_currency(amount, currency, locale=LOCALES[lang], decimal_quantization=False)


def number(value: Decimal, lang: Lang, decimals: int = 0) -> str:
    """A quantity or rate, with at least ``decimals`` decimals and no trailing noise."""
    fmt = "#,##0." + "0" * decimals + "##"
    return format_decimal(value, format=fmt, locale=LOCALES[lang])


def percent(rate: Decimal, lang: Lang) -> str:
    """``20 %`` / ``20%``, ``5,5 %`` / ``5.5%``."""
    text = number(rate, lang)
    return f"{text}\u00a0%" if lang == "fr" else f"{text}%"


def date(day: dt.date, lang: Lang) -> str:
    """``2 mars 2026`` / ``2 March 2026``."""
    return format_date(day, format="long", locale=LOCALES[lang])


def country(code: str, lang: Lang) -> str:
    """The country's name in ``lang`` (``DE`` → ``Allemagne`` / ``Germany``)."""
    from babel import Locale

    return Locale.parse(LOCALES[lang]).territories.get(code.upper(), code) if code else ""
