"""An invoice or credit note read from the books, as plain data.

The books hold every invoice as one transaction (``docs/ledger-conventions.md``): its number
(``invoice`` or ``credit_note``), dates (the entry's date, ``shipped``), the customer (payee,
``country``, ``customer_vat``), the lines (``Income:Sales:*`` postings with ``vat_rate``,
``qty``, ``description``), the VAT (``Liabilities:VAT:Collected:<CC>:<rate>``) and, for a
credit note, the invoice it credits (``credits``). This module turns that transaction into a
:class:`Document` that both the PDF and the Factur-X XML are built from, so the two can never
disagree with each other, and :func:`check_totals` compares a document's totals with the
transaction it came from, so neither can disagree with the books.

Amounts on a document are positive on both kinds: a credit note of 12.50 excl. VAT says
12.50, its type code (381) says it is a credit. Sales postings are credits (negative) on an
invoice and debits on a credit note, hence the ``sign`` below.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

from beancount.core import data
from beancount.parser import printer

from ecomledger.config import CONFIG_NAME, Company
from ecomledger.errors import UserError
from ecomledger.money import vat_on_net

Kind = Literal["invoice", "credit_note"]
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

#: EN 16931 exemption reason codes (VATEX) of the zero-rated categories ecomledger books.
VATEX = {"K": "VATEX-EU-IC", "G": "VATEX-EU-G", "AE": "VATEX-EU-AE"}


class InvoiceError(UserError):
    """An invoice cannot be rendered as asked; the message names it and the fix."""


@dataclass(frozen=True)
class Party:
    """A seller or buyer as the document prints it."""

    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    vat_number: str = ""
    siren: str = ""
    email: str = ""


@dataclass(frozen=True)
class Line:
    """One line: what was sold, how many, at what price excluding VAT, taxed how."""

    description: str  # empty: the template prints the kind ("Shipping")
    sku: str
    quantity: Decimal
    unit_price: Decimal  # excl. VAT, up to 4 decimals
    net: Decimal  # excl. VAT, the books' figure
    vat_rate: Decimal
    category: str  # EN 16931 VAT category code: S, K, G, AE, E
    kind: Literal["goods", "shipping", "service"]


@dataclass(frozen=True)
class Allowance:
    """A discount granted on the whole document, for one VAT rate."""

    amount: Decimal
    vat_rate: Decimal
    category: str


@dataclass(frozen=True)
class VatGroup:
    """The VAT breakdown of one rate: base and tax, or the exemption that applies."""

    category: str
    rate: Decimal
    base: Decimal
    vat: Decimal
    exemption: str = ""  # the legal mention (BT-120) of a zero-rated category
    exemption_code: str = ""  # BT-121


@dataclass(frozen=True)
class Document:
    """Everything an invoice or credit note states, language-neutral."""

    kind: Kind
    number: str
    issue_date: dt.date
    delivery_date: dt.date
    currency: str
    seller: Party
    company: Company
    buyer: Party
    lines: tuple[Line, ...]
    allowances: tuple[Allowance, ...]
    vat_groups: tuple[VatGroup, ...]
    line_total: Decimal
    allowance_total: Decimal
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal
    paid: Decimal
    due: Decimal
    due_date: dt.date | None
    nature: Literal["goods", "services", "both"]
    fiscal_year: int
    source: str  # file:line of the books entry
    source_hash: str  # sha256 of the entry as Beancount prints it
    credits: str = ""  # the invoice a credit note credits
    credits_date: dt.date | None = None
    vat_mention: str = ""
    order_number: str = ""
    presentment: str = ""  # "67.50 USD": what the customer paid in their currency
    gift_cards_sold: Decimal = ZERO  # vouchers sold with the order: outside VAT, not invoiced
    shop: str = ""

    @property
    def b2b(self) -> bool:
        """A business buyer (VAT number or SIREN): payment terms and B2B mentions apply."""
        return bool(self.buyer.vat_number or self.buyer.siren)

    @property
    def reverse_charge(self) -> bool:
        """An exempt intra-EU supply to a business: the buyer accounts for the VAT."""
        return any(group.category in ("K", "AE") for group in self.vat_groups)

    @property
    def export(self) -> bool:
        """An export outside the EU (exempt)."""
        return any(group.category == "G" for group in self.vat_groups)

    @property
    def type_code(self) -> str:
        """UNTDID 1001 document type: 380 commercial invoice, 381 credit note."""
        return "381" if self.kind == "credit_note" else "380"


@dataclass
class _Index:
    """Invoice and credit-note entries by number (built once per books)."""

    entries: dict[str, data.Transaction] = field(default_factory=dict)
    ranges: dict[str, str] = field(default_factory=dict)  # summary entries by their range


def document_number(entry: data.Transaction) -> tuple[Kind, str] | None:
    """Return the kind and number of an invoice or credit-note entry, else None."""
    meta = entry.meta or {}
    if meta.get("credit_note"):
        return "credit_note", str(meta["credit_note"])
    if meta.get("invoice"):
        return "invoice", str(meta["invoice"])
    return None


def index_entries(entries: Iterable[data.Directive]) -> dict[str, data.Transaction]:
    """Return every invoice and credit-note transaction by number, in the books' order."""
    found: dict[str, data.Transaction] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and (kind := document_number(entry)):
            found.setdefault(kind[1], entry)
    return found


def seller_problem(company: Company, *, b2b: bool) -> str | None:
    """Name the first seller key a document needs but ecomledger.toml lacks, else None."""
    needed = [
        ("legal_form", "the legal form, e.g. 'SAS'"),
        ("share_capital", "the share capital, e.g. '10000'"),
        ("rcs_city", "the city of the trade registry (RCS), e.g. 'Paris'"),
        ("vat_number", "the intra-EU VAT number, e.g. 'FR44732829320'"),
    ]
    if b2b:
        needed.append(("late_payment_rate", "the late-payment rate in % a year, e.g. '12.15'"))
    for key, what in needed:
        if not getattr(company, key):
            return (
                f"{CONFIG_NAME}: company.{key} is missing and invoices must print {what}; "
                f"add {key} = ... under [company]"
            )
    return None


def source_hash(entry: data.Transaction) -> str:
    """Fingerprint the entry as Beancount prints it (not where it sits in its file)."""
    return hashlib.sha256(printer.format_entry(entry).encode("utf-8")).hexdigest()


def _rate(value: object) -> Decimal:
    """A VAT rate in percent, in its shortest plain form (``20``, ``5.5``; never ``2E+1``)."""
    rate = Decimal(str(value)) if value is not None else Decimal(0)
    return rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()


def _account_rate(account: str) -> Decimal:
    """``Liabilities:VAT:Collected:FR:5-5`` → 5.5."""
    return _rate(account.rsplit(":", 1)[1].replace("-", "."))


def _kind_of(account: str) -> Literal["goods", "shipping", "service"]:
    if account.startswith("Income:Sales:Goods"):
        return "goods"
    if account.startswith("Income:Sales:Shipping"):
        return "shipping"
    return "service"


def _zero_category(entry: data.Transaction, kinds: Iterable[str]) -> str:
    """The EN 16931 category of a 0 % line: intra-EU supply, export, reverse charge, exempt."""
    accounts = {p.account for p in entry.postings}
    if any(a.startswith("Income:Sales:Goods:EU-B2B") for a in accounts):
        return "K"
    if any(a.startswith("Income:Sales:Goods:Export") for a in accounts):
        return "G"
    mention = str((entry.meta or {}).get("vat_mention", ""))
    if "autoliquidation" in mention.lower() or "reverse charge" in mention.lower():
        return "AE" if "goods" not in kinds else "K"
    return "E"


def _quantity(posting: data.Posting) -> Decimal | None:
    value = (posting.meta or {}).get("qty")
    return Decimal(str(value)) if value is not None else None


def _unit_price(net: Decimal, quantity: Decimal) -> Decimal:
    price = net / quantity
    exact = price.quantize(CENT)
    return exact if exact == price else price.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _descriptions(entry: data.Transaction | None) -> dict[str, str]:
    """SKU → description of an invoice's lines (a credit note's lines often lack one)."""
    if entry is None:
        return {}
    found = {}
    for posting in entry.postings:
        meta = posting.meta or {}
        if meta.get("sku") and meta.get("description"):
            found[str(meta["sku"])] = str(meta["description"])
    return found


def build_document(
    entry: data.Transaction,
    company: Company,
    fiscal_year: int,
    index: dict[str, data.Transaction],
    books_dir: Path | None = None,
) -> Document:
    """Read one invoice or credit-note transaction as a document.

    Raises:
        InvoiceError: the entry cannot make a document (no sales line, unknown amounts).
    """
    kind_number = document_number(entry)
    assert kind_number is not None
    kind, number = kind_number
    meta = entry.meta or {}
    sign = Decimal(-1) if kind == "invoice" else Decimal(1)
    where = _where(entry, books_dir)
    credited = index.get(str(meta.get("credits", ""))) if kind == "credit_note" else None
    names = _descriptions(credited)

    sales = [p for p in entry.postings if p.account.startswith("Income:Sales:")]
    kinds = {_kind_of(p.account) for p in sales if not p.account.startswith("Income:Sales:Disc")}
    if not kinds:
        raise InvoiceError(
            f"{number} ({where}) has no Income:Sales line to invoice; book its lines there"
        )
    zero_category = _zero_category(entry, kinds)

    def category(rate: Decimal) -> str:
        return "S" if rate else zero_category

    lines: list[Line] = []
    allowances: list[Allowance] = []
    for posting in sales:
        if posting.units is None or posting.units.number is None:
            raise InvoiceError(f"{number} ({where}) has a sales line without an amount")
        pmeta = posting.meta or {}
        rate = _rate(pmeta.get("vat_rate"))
        amount = sign * posting.units.number
        if posting.account.startswith("Income:Sales:Discounts"):
            allowances.append(Allowance(-amount, rate, category(rate)))
            continue
        quantity = _quantity(posting)
        quantity = abs(quantity) if quantity else Decimal(1)
        if amount < 0:
            quantity = -quantity
        sku = str(pmeta.get("sku", ""))
        description = str(pmeta.get("description") or names.get(sku, "") or sku)
        lines.append(
            Line(
                description=description,
                sku=sku,
                quantity=quantity,
                unit_price=_unit_price(amount, quantity),
                net=amount,
                vat_rate=rate,
                category=category(rate),
                kind=_kind_of(posting.account),
            )
        )

    mention = str(meta.get("vat_mention", ""))
    groups = _vat_groups(lines, allowances, mention, books_totals(entry)[1])
    line_total = sum((line.net for line in lines), ZERO)
    allowance_total = sum((a.amount for a in allowances), ZERO)
    net_total = line_total - allowance_total
    vat_total = sum((g.vat for g in groups), ZERO)
    gross = net_total + vat_total
    receivable = sum((_amount(p) for p in entry.postings if _is_receivable(p)), ZERO)
    due = min(max(-sign * receivable, ZERO), gross) + ZERO  # never "-0.00"
    gift_cards = sum(
        (
            sign * _amount(p)
            for p in entry.postings
            if p.account.startswith("Liabilities:GiftCards") and sign * _amount(p) > 0
        ),
        ZERO,
    )
    customer_vat = str(meta.get("customer_vat", ""))
    siren = str(meta.get("customer_siren", ""))
    if not siren and customer_vat.upper().startswith("FR") and len(customer_vat) == 13:
        siren = customer_vat[4:]
    shipped = meta.get("shipped")
    has_goods, has_services = "goods" in kinds, "service" in kinds or kinds == {"shipping"}
    return Document(
        kind=kind,
        number=number,
        issue_date=entry.date,
        delivery_date=shipped if isinstance(shipped, dt.date) else entry.date,
        currency=company.currency,
        seller=Party(
            name=company.name,
            street=company.address.street,
            postcode=company.address.postcode,
            city=company.address.city,
            country=company.address.country,
            vat_number=company.vat_number,
            siren=company.siren,
            email=company.email,
        ),
        company=company,
        buyer=Party(
            name=(entry.payee or entry.narration or "").strip(),
            country=str(meta.get("country", "")),
            vat_number=customer_vat,
            siren=siren,
        ),
        lines=tuple(lines),
        allowances=tuple(allowances),
        vat_groups=groups,
        line_total=line_total,
        allowance_total=allowance_total,
        net_total=net_total,
        vat_total=vat_total,
        gross_total=gross,
        paid=gross - due,
        due=due,
        due_date=entry.date + dt.timedelta(days=company.payment_days) if due else None,
        nature="both" if has_goods and has_services else "goods" if has_goods else "services",
        fiscal_year=fiscal_year,
        source=where,
        source_hash=source_hash(entry),
        credits=str(meta.get("credits", "")),
        credits_date=credited.date if credited is not None else None,
        vat_mention=mention,
        order_number=str(meta.get("order_number", "")),
        presentment=str(meta.get("presentment", "")),
        gift_cards_sold=gift_cards,
        shop=str(meta.get("shop", "")),
    )


def _amount(posting: data.Posting) -> Decimal:
    units = posting.units
    return units.number if units is not None and units.number is not None else ZERO


def _is_receivable(posting: data.Posting) -> bool:
    return (
        posting.account.startswith("Assets:Customers")
        and posting.units is not None
        and posting.units.number is not None
    )


def _vat_groups(
    lines: list[Line], allowances: list[Allowance], mention: str, booked: dict[Decimal, Decimal]
) -> tuple[VatGroup, ...]:
    """One group per (category, rate): base = lines - discounts, VAT = what the books collected.

    The VAT is the books' figure, not base x rate: shops round VAT per line, so one invoice in
    four of the demo differs from base x rate by a cent, and the customer was charged the
    shop's figure. EN 16931 (BR-CO-17) allows that rounding; the VAT plugin bounds it.
    """
    bases: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        bases[line.category, line.vat_rate] += line.net
    for allowance in allowances:
        bases[allowance.category, allowance.vat_rate] -= allowance.amount
    groups = []
    for (cat, rate), base in sorted(bases.items(), key=lambda item: (-item[0][1], item[0][0])):
        vat = booked.get(rate, vat_on_net(base, rate))
        exemption = "" if cat == "S" else mention or _default_mention(cat)
        groups.append(VatGroup(cat, rate, base, vat, exemption, VATEX.get(cat, "")))
    return tuple(groups)


def _default_mention(category: str) -> str:
    return {
        "K": "Exonération de TVA, article 262 ter I du CGI",
        "G": "Exonération de TVA, article 262 I du CGI",
        "AE": "Autoliquidation",
    }.get(category, "Exonération de TVA")


def books_totals(entry: data.Transaction) -> tuple[Decimal, dict[Decimal, Decimal], Decimal]:
    """The entry's own figures: excl. VAT, VAT per rate (from its VAT accounts), incl. VAT."""
    kind = document_number(entry)
    sign = Decimal(-1) if kind and kind[0] == "invoice" else Decimal(1)
    net = ZERO
    vat: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for posting in entry.postings:
        if posting.units is None or posting.units.number is None:
            continue
        if posting.account.startswith("Income:Sales:"):
            net += sign * posting.units.number
            vat[_rate((posting.meta or {}).get("vat_rate"))] += ZERO
        elif posting.account.startswith("Liabilities:VAT:Collected:"):
            vat[_account_rate(posting.account)] += sign * posting.units.number
    return net, dict(vat), net + sum(vat.values(), ZERO)


def check_totals(
    number: str,
    where: str,
    document: tuple[Decimal, dict[Decimal, Decimal], Decimal],
    books: tuple[Decimal, dict[Decimal, Decimal], Decimal],
    currency: str,
) -> None:
    """Refuse a document whose totals differ from its books entry.

    ``document`` is read back from what is about to be written (the Factur-X XML), so this
    catches a wrong rounding in the books (VAT within the VAT plugin's cent of tolerance but
    not base x rate) as much as a bug in the writer.

    Raises:
        InvoiceError: naming the invoice, the figure and both amounts.
    """
    doc_net, doc_vat, doc_gross = document
    net, vat, gross = books
    checks = [("the total excluding VAT", doc_net, net)]
    for rate in sorted(set(doc_vat) | set(vat), reverse=True):
        checks.append((f"the VAT at {rate:f} %", doc_vat.get(rate, ZERO), vat.get(rate, ZERO)))
    checks.append(("the total including VAT", doc_gross, gross))
    for label, on_document, in_books in checks:
        if on_document != in_books:
            raise InvoiceError(
                f"{number}: {label} is {on_document:.2f} {currency} on the document but "
                f"{in_books:.2f} {currency} in the books ({where}); correct the entry so its "
                "VAT is base x rate rounded to the cent, then render again"
            )


def _where(entry: data.Transaction, books_dir: Path | None) -> str:
    filename = str((entry.meta or {}).get("filename", "?"))
    if books_dir is not None:
        with contextlib.suppress(ValueError):
            filename = str(Path(filename).resolve().relative_to(books_dir.resolve()))
    return f"{filename}:{(entry.meta or {}).get('lineno', 0)}"
