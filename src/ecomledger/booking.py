"""Booking: platform-agnostic records in, balanced Beancount entries out.

Pure functions only: no I/O, no configuration file, no clock. Everything a booking depends
on (accounts, the invoice number to give, the company's time zone) is passed in, so the same
record always books to the same entry, and a later granularity (one centralised entry per
day) is one more function over these entries rather than a rewrite.

An order becomes an invoice::

    2026-03-02 * "Marie Curie" "Invoice F-2026-000001, order #1001"
      source: "shopify:demo-shop"
      source_id: "shopify:demo-shop:order:1001"
      invoice: "F-2026-000001"
      Assets:Clearing:ShopifyPayments     60.00 EUR
      Income:Sales:Goods:France          -50.00 EUR
        sku: "MUG-01"
        qty: 2
        vat_rate: 20
      Liabilities:VAT:Collected:FR:20    -10.00 EUR

Amounts always come from the source: VAT is the source's tax when it states one, and the
receivable is the source's total. What the lines do not explain goes to
``Expenses:Rounding``; more than a cent per line is a *discrepancy* and flags the entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.codes import ISO_3166, ISO_4217, is_country, is_currency
from ecomledger.errors import InputError
from ecomledger.model import (
    BankLine,
    Order,
    OrderLine,
    OrderStatus,
    Payout,
    Record,
    Refund,
    ShippingLine,
    StatementBalance,
)
from ecomledger.money import (
    CENT,
    MAX_AMOUNT,
    ZERO,
    money_fits,
    money_problem,
    plain,
    quantum,
    rate_component,
    round_money,
    vat_from_inclusive,
)

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

SUSPENSE = "Assets:Suspense"
TRANSFERS = "Assets:Transfers"
ROUNDING = "Expenses:Rounding"
SHIPPING = "Income:Sales:Shipping"
DISCOUNTS = "Income:Sales:Discounts"
GIFT_CARDS = "Liabilities:GiftCards"

REVERSE_CHARGE_MENTION = "Autoliquidation - Exonération de TVA, article 262 ter I du CGI"
EXPORT_MENTION = "Exonération de TVA, article 262 I du CGI"


@dataclass(frozen=True)
class SaleContext:
    """What booking an order or refund needs beyond the record itself.

    Args:
        shop: the shop's configured name.
        channel: its platform (``shopify``).
        clearing_account: where the customer's money waits for its payout.
        timezone: the company's time zone; booking dates are taken in it.
        home_country: the company's country (domestic sales).
    """

    shop: str
    channel: str
    clearing_account: str
    timezone: str = "Europe/Paris"
    home_country: str = "FR"


@dataclass
class _Postings:
    """Accumulates postings so that amounts on the same account and meta stay separate."""

    currency: str
    items: list[data.Posting] = field(default_factory=list)

    def add(self, account: str, number: Decimal, meta: dict[str, object] | None = None) -> None:
        if number == ZERO and not meta:
            return
        self.items.append(
            data.Posting(account, Amount(number, self.currency), None, None, None, meta)
        )

    def total(self) -> Decimal:
        return sum((p.units.number or ZERO for p in self.items if p.units), ZERO)


def booking_date(moment: dt.datetime, timezone: str) -> dt.date:
    """Return the date of ``moment`` in ``timezone`` (23:30 UTC is tomorrow in Paris)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; booking needs one")
    return moment.astimezone(_zone(timezone)).date()


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def market(customer_country: str, vat_number: str, home_country: str = "FR") -> str:
    """Name the sales sub-account for a customer: France, EU-B2C, EU-B2B or Export."""
    country = customer_country.upper() or home_country
    if country == home_country:
        return "France"
    if country in EU_COUNTRIES or country == "EL":
        return "EU-B2B" if vat_number else "EU-B2C"
    return "Export"


@functools.lru_cache(maxsize=512)
def vat_account(country: str, rate: Decimal) -> str:
    """Return the output-VAT account for a taxing country and rate."""
    return f"Liabilities:VAT:Collected:{country.upper()}:{rate_component(rate)}"


#: The rates of the home country, to tell a home-rate line from a destination-rate one.
HOME_RATES: dict[str, frozenset[Decimal]] = {
    "FR": frozenset(Decimal(r) for r in ("20", "10", "5.5", "2.1")),
}


def taxing_country(order_country: str, rate: Decimal, home_country: str, stated: str = "") -> str:
    """Return the country whose VAT a line carries.

    The source's own statement wins (``Order.tax_country``). Otherwise an EU B2C line at a
    rate the home country does not have is the destination's VAT (OSS); any other line is
    home VAT. The VAT plugin checks that the choice matches the OSS threshold, so booking
    only records what was charged.
    """
    if stated:
        return stated.upper()
    country = order_country.upper()
    home_rates = HOME_RATES.get(home_country, frozenset())
    if country in EU_COUNTRIES and country != home_country and rate and rate not in home_rates:
        return country
    return home_country


def _line_amounts(
    gross: Decimal,
    discount: Decimal,
    rate: Decimal,
    tax: Decimal | None,
    inclusive: bool,
    ccy: str,
) -> tuple[Decimal, Decimal, Decimal]:
    """Return (net before discount, net discount, VAT) of a line, to the cent.

    Inclusive prices: VAT is extracted from the discounted gross; the pre-discount net is
    the gross without its VAT, and the discount's net is what reconciles the two.
    """
    if inclusive:
        taxable = gross - discount
        vat = tax if tax is not None else vat_from_inclusive(taxable, rate, ccy)
        net_after = taxable - vat
        net_before = round_money(gross / (1 + rate / 100), ccy) if discount else net_after
        return net_before, net_before - net_after, vat
    net_after = gross - discount
    vat = tax if tax is not None else round_money(net_after * rate / 100, ccy)
    return gross, discount, vat


def _tax_target(
    country: str, rate: Decimal, ctx: SaleContext, tax_country: str, export: bool
) -> tuple[str, Decimal]:
    """Return (account of the tax charged, VAT rate of the sale) for one line.

    Tax a platform charges on an export (a US state's sales tax) is not VAT: it is owed to
    that country, on ``Liabilities:SalesTax:<CC>``, and the sale itself is at 0 % VAT.
    """
    if export and rate:
        return f"Liabilities:SalesTax:{country}", ZERO
    return vat_account(taxing_country(country, rate, ctx.home_country, tax_country), rate), rate


def _sale_meta(line: OrderLine, sign: int, rate: Decimal) -> dict[str, object]:
    meta: dict[str, object] = {"vat_rate": rate}
    if line.sku:
        meta["sku"] = line.sku
    meta["qty"] = line.quantity * sign
    meta["unit_price"] = line.unit_price
    if line.description:
        meta["description"] = line.description
    if rate != line.vat_rate:
        meta["sales_tax_rate"] = line.vat_rate
    return meta


def _txn_meta(record: Order | Refund | Payout | BankLine, **keys: object) -> dict[str, object]:
    meta = data.new_metadata(record.filename, record.lineno)
    meta.update({k: v for k, v in keys.items() if v not in ("", None)})
    return meta


def order_source_id(order: Order) -> str:
    """Return the dedupe key of an order's invoice."""
    return f"{order.source}:order:{order.order_id}"


def refund_source_id(refund: Refund) -> str:
    """Return the dedupe key of a refund's credit note."""
    return f"{refund.source}:refund:{refund.refund_id}"


def bookable(order: Order) -> bool:
    """An order moves money only once paid; pending and cancelled ones book nothing."""
    return order.status is OrderStatus.PAID


# -- what a record must be before it is booked -------------------------------------------
#
# Every value below ends up in the books as Beancount *syntax* (a currency after a number, a
# country or a rate inside an account name) or as an amount. A payload is data from outside:
# ``"EUR\n2020-01-01 open Assets:X"`` as a currency would add a directive, ``10.005 EUR`` or
# ``1E-7`` would be money nobody moved, ``NaN`` would stop the loader. So each record is
# checked once, here, whatever importer built it, and a bad one refuses the whole file with
# one sentence naming the record and the field (``ecomledger import`` then writes nothing).


def _refuse(record: Record, what: str, message: str) -> InputError:
    return InputError(
        record.filename,
        record.lineno,
        f"{what}: {message}; the file is not imported: correct it at the source and "
        "fetch or export it again",
    )


def _check_currency(record: Record, what: str, field_name: str, code: str) -> None:
    if not is_currency(code):
        raise _refuse(
            record, what, f"field {field_name} is {code!r}, not an ISO 4217 currency code"
        )


def _check_country(record: Record, what: str, field_name: str, code: str) -> None:
    if code and not is_country(code.upper()):
        raise _refuse(
            record,
            what,
            f"field {field_name} is {code!r}, not an ISO 3166 country code (two letters)",
        )


def _check_money(
    record: Record, what: str, field_name: str, amount: Decimal | None, currency: str
) -> None:
    if amount is None:
        return
    problem = money_problem(amount, currency)
    if problem:
        raise _refuse(record, what, f"field {field_name}: {problem}")


def _check_number(record: Record, what: str, field_name: str, number: Decimal) -> None:
    if not number.is_finite() or abs(number) >= MAX_AMOUNT:
        raise _refuse(record, what, f"field {field_name} is {number}, not a usable number")


def _check_rate(record: Record, what: str, field_name: str, rate: Decimal) -> None:
    """A VAT rate becomes an account component (``...:FR:5-5``): a number in [0, 100)."""
    _check_number(record, what, field_name, rate)
    if not ZERO <= rate < 100:
        raise _refuse(record, what, f"field {field_name} is {rate}, not a VAT rate in percent")


def _order_label(order: Order) -> str:
    return f"order {order.order_number or order.order_id}"


def check_order(order: Order) -> None:
    """Refuse an order that no invoice can be made of (see the comment above).

    Checked: the currencies (ISO 4217), the customer's and the taxing country (ISO 3166),
    every amount (finite, a whole number of the currency's minor units, line totals
    included), VAT rates (0 to 100) and the total, which cannot be negative: money given
    back is a refund, and a negative invoice is no invoice.

    Raises:
        InputError: naming the file, the order and the field.
    """
    if _order_fits(order):  # the common case, told apart without building any message
        return
    what, ccy = _order_label(order), order.currency
    _check_currency(order, what, "currency", ccy)
    if order.presentment_currency:
        _check_currency(order, what, "presentment_currency", order.presentment_currency)
        _check_money(
            order,
            what,
            "presentment_total",
            order.presentment_total,
            order.presentment_currency,
        )
    _check_country(order, what, "customer.country", order.customer.country)
    _check_country(order, what, "tax_country", order.tax_country)
    _check_money(order, what, "total", order.total, ccy)
    _check_money(order, what, "gift_card_payments", order.gift_card_payments, ccy)
    if order.total < 0:
        raise _refuse(
            order, what, f"field total is {order.total} {ccy}: an invoice cannot be negative"
        )
    for i, line in enumerate(order.lines):
        name = f"lines[{i}]"
        _check_number(order, what, f"{name}.quantity", line.quantity)
        _check_number(order, what, f"{name}.unit_price", line.unit_price)
        _check_rate(order, what, f"{name}.vat_rate", line.vat_rate)
        _check_money(
            order, what, f"{name}.quantity x unit_price", line.quantity * line.unit_price, ccy
        )
        _check_money(order, what, f"{name}.discount", line.discount, ccy)
        _check_money(order, what, f"{name}.tax", line.tax, ccy)
    for i, ship in enumerate(order.shipping):
        name = f"shipping[{i}]"
        _check_rate(order, what, f"{name}.vat_rate", ship.vat_rate)
        _check_money(order, what, f"{name}.price", ship.price, ccy)
        _check_money(order, what, f"{name}.discount", ship.discount, ccy)
        _check_money(order, what, f"{name}.tax", ship.tax, ccy)


def _order_fits(order: Order) -> bool:
    """Whether an order passes every check of :func:`check_order` (fast path).

    True only if the checks would all pass; False sends the order through them, which
    then name what is wrong. One pass over the lines, and the amounts tested together by
    :func:`money_fits` (a loop of C calls), since every order of every import comes here.
    """
    ccy, shown = order.currency, order.presentment_currency
    country, taxed = order.customer.country, order.tax_country
    total = order.total
    if not (
        ccy in ISO_4217
        and (not country or country.upper() in ISO_3166)
        and (not taxed or taxed.upper() in ISO_3166)
        and total.is_finite()
        and total >= 0
    ):
        return False
    amounts: list[Decimal | None] = [total, order.gift_card_payments]
    if shown:
        shown_total = order.presentment_total
        if shown not in ISO_4217:
            return False
        if shown == ccy:
            amounts.append(shown_total)
        elif not money_fits((shown_total,), shown):
            return False
    add = amounts.append
    for line in order.lines:
        quantity, price, rate = line.quantity, line.unit_price, line.vat_rate
        if not (
            quantity.is_finite()
            and price.is_finite()
            and rate.is_finite()
            and ZERO <= rate < 100
            and abs(quantity) < MAX_AMOUNT
            and abs(price) < MAX_AMOUNT
        ):
            return False
        add(quantity * price)
        add(line.discount)
        add(line.tax)
    for ship in order.shipping:
        rate = ship.vat_rate
        if not (rate.is_finite() and ZERO <= rate < 100):
            return False
        add(ship.price)
        add(ship.discount)
        add(ship.tax)
    return money_fits(amounts, ccy)


def _refund_fits(refund: Refund) -> bool:
    """Whether a refund passes every check of :func:`check_refund` (fast path, as
    :func:`_order_fits`)."""
    total = refund.total
    if not (refund.currency in ISO_4217 and total.is_finite() and total >= 0):
        return False
    amounts: list[Decimal | None] = [
        total,
        refund.gift_card_refunds,
        refund.shipping_amount,
        refund.shipping_tax,
    ]
    rates = [refund.shipping_vat_rate]
    for line in refund.lines:
        quantity = line.quantity
        if not (quantity.is_finite() and abs(quantity) < MAX_AMOUNT):
            return False
        rates.append(line.vat_rate)
        amounts.append(line.amount)
        amounts.append(line.tax)
    for rate in rates:
        if not (rate.is_finite() and ZERO <= rate < 100):
            return False
    return money_fits(amounts, refund.currency)


def _payout_fits(payout: Payout) -> bool:
    """Whether a payout passes every check of :func:`check_payout` (fast path)."""
    if payout.currency not in ISO_4217:
        return False
    amounts = [payout.amount, payout.fees]
    for part in (*payout.transactions, *payout.components):
        amounts += (part.amount, part.fee, part.net)
    return money_fits(amounts, payout.currency)


def check_refund(refund: Refund) -> None:
    """Refuse a refund whose values cannot be booked exactly (as :func:`check_order`).

    Raises:
        InputError: naming the file, the refund and the field.
    """
    if _refund_fits(refund):  # the common case, told apart without building any message
        return
    what, ccy = f"refund {refund.refund_id} of order {refund.order_id}", refund.currency
    _check_currency(refund, what, "currency", ccy)
    _check_money(refund, what, "total", refund.total, ccy)
    _check_money(refund, what, "gift_card_refunds", refund.gift_card_refunds, ccy)
    if refund.total < 0:
        raise _refuse(
            refund,
            what,
            f"field total is {refund.total} {ccy}: a refund gives money back, so it is positive",
        )
    for i, line in enumerate(refund.lines):
        name = f"lines[{i}]"
        _check_number(refund, what, f"{name}.quantity", line.quantity)
        _check_rate(refund, what, f"{name}.vat_rate", line.vat_rate)
        _check_money(refund, what, f"{name}.amount", line.amount, ccy)
        _check_money(refund, what, f"{name}.tax", line.tax, ccy)
    _check_rate(refund, what, "shipping_vat_rate", refund.shipping_vat_rate)
    _check_money(refund, what, "shipping_amount", refund.shipping_amount, ccy)
    _check_money(refund, what, "shipping_tax", refund.shipping_tax, ccy)


def check_payout(payout: Payout) -> None:
    """Refuse a payout whose currency or amounts cannot be booked exactly.

    Raises:
        InputError: naming the file, the payout and the field.
    """
    if _payout_fits(payout):  # the common case, told apart without building any message
        return
    what, ccy = f"payout {payout.payout_id}", payout.currency
    _check_currency(payout, what, "currency", ccy)
    _check_money(payout, what, "amount", payout.amount, ccy)
    _check_money(payout, what, "fees", payout.fees, ccy)
    for i, part in enumerate((*payout.transactions, *payout.components)):
        _check_money(payout, what, f"transactions[{i}].amount", part.amount, ccy)
        _check_money(payout, what, f"transactions[{i}].fee", part.fee, ccy)
        _check_money(payout, what, f"transactions[{i}].net", part.net, ccy)


def charges_nothing(order: Order) -> bool:
    """Whether an order has nothing of value: total 0, no gift card used, every line and
    shipping line at 0. Such an order is no sale, and an invoice number given to it would
    be a gap-free number spent on nothing; the importers leave it out with a finding."""
    return (
        not order.total
        and not order.gift_card_payments
        and not any(line.unit_price for line in order.lines)
        and not any(ship.price for ship in order.shipping)
    )


def _price_findings(order: Order) -> list[str]:
    """Unit prices below the currency's smallest unit (``0.004 EUR``): booked, since the
    line's total is exact, but no real price list has them, so the invoice is flagged."""
    unit = quantum(order.currency)
    return [
        f"line {i + 1} ({line.sku or line.description or 'no SKU'}) has the unit price "
        f"{plain(line.unit_price)} {order.currency}, below the smallest unit of "
        f"{order.currency} ({unit}); check the price in the shop"
        for i, line in enumerate(order.lines)
        if line.unit_price and abs(line.unit_price) < unit
    ]


def book_order(order: Order, ctx: SaleContext, invoice: str = "") -> data.Transaction:
    """Book a paid order as an invoice transaction.

    ``invoice`` is usually left empty: numbers are given after dedupe, in date order, by
    :func:`ecomledger.numbering.assign_numbers`, which also prefixes the narration.

    Raises:
        InputError: the order cannot be booked exactly (:func:`check_order`).
    """
    check_order(order)
    ccy = order.currency
    country = order.customer.country.upper() or ctx.home_country
    revenue = f"Income:Sales:Goods:{market(country, order.customer.vat_number, ctx.home_country)}"
    tax_country = order.tax_country
    export = revenue.endswith(":Export")
    postings = _Postings(ccy)
    postings.add(ctx.clearing_account, order.total - order.gift_card_payments)
    if order.gift_card_payments:
        postings.add(GIFT_CARDS, order.gift_card_payments)
    vat_by_account: dict[str, Decimal] = {}
    discounts: dict[Decimal, Decimal] = {}
    for line in order.lines:
        gross = line.quantity * line.unit_price
        if line.gift_card:
            postings.add(GIFT_CARDS, -(gross - line.discount), {"description": line.description})
            continue
        net, disc, vat = _line_amounts(
            gross, line.discount, line.vat_rate, line.tax, order.prices_include_tax, ccy
        )
        account, rate = _tax_target(country, line.vat_rate, ctx, tax_country, export)
        postings.add(revenue, -net, _sale_meta(line, 1, rate))
        discounts[rate] = discounts.get(rate, ZERO) + disc
        if vat:
            vat_by_account[account] = vat_by_account.get(account, ZERO) + vat
    for ship in order.shipping:
        if not ship.price and not ship.discount:
            continue
        net, disc, vat = _line_amounts(
            ship.price,
            ship.discount,
            ship.vat_rate,
            ship.tax,
            order.prices_include_tax,
            ccy,
        )
        account, rate = _tax_target(country, ship.vat_rate, ctx, tax_country, export)
        postings.add(SHIPPING, -(net - disc), {"vat_rate": rate, "description": ship.description})
        if vat:
            vat_by_account[account] = vat_by_account.get(account, ZERO) + vat
    for rate, amount in sorted(discounts.items()):
        if amount:
            postings.add(DISCOUNTS, amount, {"vat_rate": rate})
    for account, amount in sorted(vat_by_account.items()):
        postings.add(account, -amount)
    residual = -postings.total()
    lines_count = len(order.lines) + len(order.shipping)
    discrepancy = ""
    if abs(residual) > CENT * max(lines_count, 1):
        discrepancy = (
            f"the lines add up to {order.total + residual} {ccy} but the order's total is "
            f"{order.total} {ccy}; the difference of {residual} {ccy} is on {ROUNDING}"
        )
    findings = _price_findings(order)
    if findings:
        discrepancy = "; ".join(filter(None, [discrepancy, *findings]))
    postings.add(ROUNDING, residual)
    meta = _txn_meta(
        order,
        source=order.source,
        source_id=order_source_id(order),
        order_id=order.order_id,
        order_number=order.order_number,
        shop=ctx.shop,
        channel=ctx.channel,
        country=country,
        customer_vat=order.customer.vat_number,
        vat_mention=_vat_mention(country, order.customer.vat_number, ctx.home_country),
        presentment=_presentment(order),
        shipped=order.shipped_at,
        discrepancy=discrepancy,
    )
    meta["invoice"] = invoice
    number = order.order_number or order.order_id
    return data.Transaction(
        meta,
        booking_date(order.processed_at, ctx.timezone),
        "!" if discrepancy else "*",
        order.customer.name or None,
        (f"Invoice {invoice}" if invoice else "") + f", order {number}",
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings.items,
    )


def _vat_mention(country: str, vat_number: str, home: str) -> str:
    kind = market(country, vat_number, home)
    if kind == "EU-B2B":
        return REVERSE_CHARGE_MENTION
    if kind == "Export":
        return EXPORT_MENTION
    return ""


def _presentment(order: Order) -> str:
    if order.presentment_total is None or order.presentment_currency in (
        "",
        order.currency,
    ):
        return ""
    return f"{order.presentment_total} {order.presentment_currency}"


def book_refund(
    refund: Refund, order: Order, ctx: SaleContext, credit_note: str = ""
) -> data.Transaction:
    """Book a refund of ``order`` as a credit note.

    The credit note reverses the revenue and VAT of the refunded lines on the accounts the
    invoice used, and returns the money through the same clearing account. A gift card
    refunded, and money put back on a gift card, go to the gift-card liability: neither
    was a sale, and a card never restocks. Its number and
    the invoice it credits are filled in by :func:`ecomledger.numbering.assign_numbers`.

    Raises:
        InputError: the refund cannot be booked exactly (:func:`check_refund`).
    """
    check_refund(refund)
    ccy = refund.currency
    invoice = book_order(order, ctx)
    country = str(invoice.meta.get("country", ctx.home_country))
    tax_country = _invoice_tax_country(invoice)
    revenue = next(
        (p.account for p in invoice.postings if p.account.startswith("Income:Sales:Goods:")),
        f"Income:Sales:Goods:{market(country, order.customer.vat_number, ctx.home_country)}",
    )
    postings = _Postings(ccy)
    postings.add(ctx.clearing_account, -(refund.total - refund.gift_card_refunds))
    if refund.gift_card_refunds:
        postings.add(GIFT_CARDS, -refund.gift_card_refunds)  # the money goes back on cards
    vat_by_account: dict[str, Decimal] = {}
    export = revenue.endswith(":Export")
    gift_skus = {line.sku for line in order.lines if line.gift_card and line.sku}
    for line in refund.lines:
        if line.gift_card or line.sku in gift_skus:
            # a gift card sold was a liability, not a sale: refunding it cancels the card
            card: dict[str, object] = {"description": line.description}
            postings.add(GIFT_CARDS, line.amount + line.tax, card if line.description else None)
            continue
        account, rate = _tax_target(country, line.vat_rate, ctx, tax_country, export)
        meta: dict[str, object] = {"vat_rate": rate, "qty": -line.quantity}
        if line.sku:
            meta["sku"] = line.sku
        if line.restock:
            meta["restock"] = True
        postings.add(revenue, line.amount, meta)
        if line.tax:
            vat_by_account[account] = vat_by_account.get(account, ZERO) + line.tax
    account, rate = _tax_target(country, refund.shipping_vat_rate, ctx, tax_country, export)
    if refund.shipping_amount:
        postings.add(SHIPPING, refund.shipping_amount, {"vat_rate": rate})
    if refund.shipping_tax:
        vat_by_account[account] = vat_by_account.get(account, ZERO) + refund.shipping_tax
    for account, amount in sorted(vat_by_account.items()):
        postings.add(account, amount)
    residual = -postings.total()
    discrepancy = ""
    if abs(residual) > CENT * max(len(refund.lines) + 1, 1):
        discrepancy = (
            f"the refunded lines add up to {refund.total - residual} {ccy} but "
            f"{refund.total} {ccy} was returned; the difference of {residual} {ccy} "
            f"is on {ROUNDING}"
        )
    postings.add(ROUNDING, residual)
    meta = _txn_meta(
        refund,
        source=refund.source,
        source_id=refund_source_id(refund),
        order_source_id=order_source_id(order),
        order_id=refund.order_id,
        refund_id=refund.refund_id,
        shop=ctx.shop,
        channel=ctx.channel,
        country=country,
        customer_vat=order.customer.vat_number,
        vat_mention=_vat_mention(country, order.customer.vat_number, ctx.home_country),
        discrepancy=discrepancy,
    )
    meta["credit_note"] = credit_note
    number = order.order_number or order.order_id
    return data.Transaction(
        meta,
        booking_date(refund.processed_at, ctx.timezone),
        "!" if discrepancy else "*",
        invoice.payee,
        (f"Credit note {credit_note}" if credit_note else "") + f", order {number}",
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings.items,
    )


def _invoice_tax_country(invoice: data.Transaction) -> str:
    """Return the country of the first VAT account the invoice used (empty if none)."""
    for posting in invoice.postings:
        if posting.account.startswith("Liabilities:VAT:Collected:"):
            return posting.account.split(":")[3]
    return ""


def payout_source_id(payout: Payout) -> str:
    """Return the dedupe key of a payout."""
    return f"{payout.source}:payout:{payout.payout_id}"


def book_payout(
    payout: Payout, processor: str, clearing_account: str, fees_account: str
) -> data.Transaction:
    """Book a payout: fees leave clearing for expenses, the rest for transit (58).

    The bank line that receives the money later moves it from ``Assets:Transfers`` to the
    bank; reconciliation checks that both sides met. Only what the books put on the
    clearing account (sales, refunds, a failed payout retried) is cleared from it; the
    other components of the payout's gross, when the source names them, go to their own
    accounts (:func:`_component_account`), so the clearing account ends at zero.

    Raises:
        InputError: the payout cannot be booked exactly (:func:`check_payout`).
    """
    check_payout(payout)
    postings = _Postings(payout.currency)
    postings.add(TRANSFERS, payout.amount)
    postings.add(fees_account, payout.fees)
    elsewhere = ZERO
    for kind, gross in _components(payout):
        account = _component_account(kind, clearing_account, fees_account)
        if account != clearing_account:
            postings.add(account, -gross, {"payout_component": kind})
            elsewhere += gross
    postings.add(clearing_account, -(payout.amount + payout.fees - elsewhere))
    meta = _txn_meta(
        payout,
        source=payout.source,
        source_id=payout_source_id(payout),
        payout_id=payout.payout_id,
        processor=processor,
    )
    return data.Transaction(
        meta,
        payout.date,
        "*",
        processor,
        f"Payout {payout.payout_id}",
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings.items,
    )


CHARGEBACKS = "Expenses:Chargebacks"


def _components(payout: Payout) -> list[tuple[str, Decimal]]:
    """The payout's gross by kind of component, in a stable order."""
    totals: dict[str, Decimal] = {}
    for part in payout.components:
        totals[part.type] = totals.get(part.type, ZERO) + part.amount
    return sorted(totals.items())


def _component_account(kind: str, clearing_account: str, fees_account: str) -> str:
    """Where one kind of payout component is booked.

    Charges, refunds and retried payouts were put on the clearing account by the orders,
    credit notes and the failed payout: they clear it. An adjustment (a fee given back on
    a cancelled order, a correction) is a fee's, on its own sub-account so that the fees
    stated stay apart; a dispute's amount (a chargeback, then its reversal when the
    dispute is won) is a loss until won back; reserved funds are still the merchant's
    money, held on a reserve sub-account of the clearing account until released.
    """
    if kind == "adjustment":
        return f"{fees_account}:Adjustments"
    if kind == "dispute":
        return CHARGEBACKS
    if kind == "reserve":
        return f"{clearing_account}:Reserved"  # as the processor importers name it
    return clearing_account


def bank_line_key(line: BankLine) -> str:
    """Return the dedupe key of a bank line.

    The bank's own id when it gives one; otherwise a fingerprint of what the row says plus
    its occurrence number among identical rows of that day, which survives re-exports of
    overlapping periods and keeps two genuinely identical lines apart.
    """
    if line.bank_ref:
        return f"{line.source}:tx:{line.bank_ref}"
    text = "|".join(
        (
            line.account,
            line.date.isoformat(),
            str(line.amount),
            line.currency,
            line.payee,
            line.narration,
            str(line.occurrence),
        )
    )
    return f"{line.source}:row:{hashlib.sha1(text.encode()).hexdigest()[:16]}"


def book_bank_line(
    line: BankLine, counter_account: str = SUSPENSE, flag: str = "!", **meta: object
) -> data.Transaction:
    """Book a bank line against ``counter_account`` (suspense until categorised).

    Called once per statement line, so it builds the entry directly: statements of
    100,000 lines are imported at well over 20,000 lines a second.
    """
    units = Amount(line.amount, line.currency)
    postings = [
        data.Posting(line.account, units, None, None, None, None),
        data.Posting(counter_account, -units, None, None, None, None),
    ]
    txn_meta: dict[str, object] = {
        "filename": line.filename,
        "lineno": line.lineno,
        "source": line.source,
        "source_id": bank_line_key(line),
    }
    if line.bank_ref:
        txn_meta["bank_ref"] = line.bank_ref
    for key, value in meta.items():
        if value not in ("", None):
            txn_meta[key] = value
    return data.Transaction(
        txn_meta,
        line.date,
        flag,
        line.payee or None,
        line.narration,
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings,
    )


def book_balance(balance: StatementBalance) -> data.Balance:
    """Turn a statement's stated balance into a balance assertion."""
    meta = data.new_metadata(balance.filename, balance.lineno)
    return data.Balance(
        meta,
        balance.date,
        balance.account,
        Amount(balance.amount, balance.currency),
        None,
        None,
    )


def iter_sale_postings(entries: Iterable[data.Directive]) -> Iterable[data.Posting]:
    """Yield every revenue posting of ``entries`` (reports and tests share this view)."""
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account.startswith("Income:Sales:"):
                    yield posting


__all__ = [
    "EU_COUNTRIES",
    "SUSPENSE",
    "TRANSFERS",
    "SaleContext",
    "ShippingLine",
    "bank_line_key",
    "book_balance",
    "book_bank_line",
    "book_order",
    "book_payout",
    "book_refund",
    "bookable",
    "booking_date",
    "market",
]
