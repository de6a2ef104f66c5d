"""WooCommerce REST v3 orders (``GET /wp-json/wc/v3/orders``) saved as JSON.

Reads what ``ecomledger fetch`` saves (an envelope whose pages are bare arrays of orders)
and a hand-saved array or single order. Money comes from the fields that carry it, after
coupons: a line's ``total`` and ``total_tax`` (what its VAT was computed on), its
``subtotal`` and ``subtotal_tax`` before coupons (so the coupon is the difference, never
``coupon_lines`` a second time), shipping and fee lines likewise. WooCommerce writes amounts
excluding tax whatever ``prices_include_tax`` says, so lines are booked VAT-inclusive
(``total + total_tax``) with the stated VAT: the net revenue is then exactly ``total``.

Dates: the ``*_gmt`` fields are UTC without an offset; the local ones depend on the
WordPress setting and are never used. Refunds are embedded only as a summary (id, reason,
negative total): the credit note is dated at the order's last modification and split over
the order's lines pro rata (a full refund reverses every line exactly).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ecomledger.booking import bookable
from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item,
    full_name,
    identify_payload,
    load_json,
    order_line,
    pages_of,
    refund_from_total,
    status_of,
    tax_country,
    utc,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund, ShippingLine
from ecomledger.money import ZERO

PAID = frozenset({"processing", "completed", "refunded"})
CANCELLED = frozenset({"cancelled", "failed", "trash"})
VAT_KEYS = ("_billing_vat_number", "vat_number", "_vat_number", "billing_vat", "_billing_vat")


def _rates(order: dict[str, Any]) -> dict[str, tuple[Decimal, str]]:
    """Tax rate id → (percent, country of the rate code), from ``tax_lines``."""
    rates = {}
    for line in order.get("tax_lines") or []:
        code = str(line.get("rate_code") or "")
        country = code.split("-", 1)[0].upper() if "-" in code else ""
        rates[str(line.get("rate_id"))] = (dec(line.get("rate_percent")), country)
    return rates


def _rate_of(item: dict[str, Any], rates: dict[str, tuple[Decimal, str]]) -> Decimal:
    """The VAT rate of a line: its taxes' rate ids joined to the order's tax lines."""
    for tax in item.get("taxes") or []:
        if str(tax.get("id")) in rates and dec(tax.get("total")):
            return rates[str(tax["id"])][0]
    return ZERO


def _shipping_rate(order: dict[str, Any], item: dict[str, Any], rates: dict[str, Any]) -> Decimal:
    """Shipping's rate: its own taxes, else the tax line that carries shipping tax."""
    rate = _rate_of(item, rates)
    if rate or not dec(item.get("total_tax")):
        return rate
    for line in order.get("tax_lines") or []:
        if dec(line.get("shipping_tax_total")):
            return dec(line.get("rate_percent"))
    return ZERO


def _lines(order: dict[str, Any], rates: dict[str, Any]) -> list[OrderLine]:
    lines = []
    for item in order.get("line_items") or []:
        lines.append(
            order_line(
                sku=str(item.get("sku") or ""),
                description=str(item.get("name") or ""),
                quantity=dec(item.get("quantity")),
                gross=dec(item.get("subtotal")) + dec(item.get("subtotal_tax")),
                taxable=dec(item.get("total")) + dec(item.get("total_tax")),
                vat_rate=_rate_of(item, rates),
                tax=dec(item.get("total_tax")),
                gift_card=_is_gift_card(item),
                line_id=str(item.get("id", "")),
            )
        )
    for fee in order.get("fee_lines") or []:  # surcharges, or discounts when negative
        amount = dec(fee.get("total")) + dec(fee.get("total_tax"))
        lines.append(
            OrderLine(
                description=str(fee.get("name") or "Fee"),
                quantity=Decimal(1),
                unit_price=amount,
                vat_rate=_rate_of(fee, rates),
                tax=dec(fee.get("total_tax")),
                line_id=str(fee.get("id", "")),
            )
        )
    return lines


def _is_gift_card(item: dict[str, Any]) -> bool:
    """A gift card sold (a liability, not revenue): the line's ``_gift_card`` meta."""
    return any(
        str(meta.get("key", "")).lstrip("_") in ("gift_card", "giftcard")
        and str(meta.get("value", "")).lower() in ("yes", "1", "true")
        for meta in item.get("meta_data") or []
    )


def _shipping(order: dict[str, Any], rates: dict[str, Any]) -> list[ShippingLine]:
    return [
        ShippingLine(
            description=str(item.get("method_title") or "Shipping"),
            price=dec(item.get("total")) + dec(item.get("total_tax")),
            vat_rate=_shipping_rate(order, item, rates),
            tax=dec(item.get("total_tax")),
        )
        for item in order.get("shipping_lines") or []
    ]


def _customer(order: dict[str, Any]) -> Customer:
    billing = order.get("billing") or {}
    shipping = order.get("shipping") or {}
    address = shipping if shipping.get("country") else billing
    vat = next(
        (
            str(meta.get("value") or "")
            for meta in order.get("meta_data") or []
            if str(meta.get("key", "")).lower() in VAT_KEYS and meta.get("value")
        ),
        "",
    )
    name = full_name(address.get("first_name"), address.get("last_name"))
    return buyer(
        address,
        ("address_1", "address_2", "postcode", "city", "country"),
        name=str(address.get("company") or billing.get("company") or name or ""),
        email=str(billing.get("email") or ""),
        country=address.get("country"),
        vat=vat,
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    return status_of(str(order.get("status") or ""), PAID, CANCELLED)


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
    """Turn one WooCommerce order into an :class:`Order`."""
    rates = _rates(order)
    lines = _lines(order, rates)
    shipping = _shipping(order, rates)
    customer = _customer(order)
    moment = utc(str(order.get("date_created_gmt")), where, "date_created_gmt")
    stated = {c for r, c in rates.values() if r and len(c) == 2}
    used = [line.vat_rate for line in lines] + [ship.vat_rate for ship in shipping]
    country = (
        stated.pop()
        if len(stated) == 1 and customer.country != home and not customer.vat_number
        else tax_country(customer.country, customer.vat_number, used, moment, home)
    )
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("number") or order["id"]),
        processed_at=moment,
        currency=str(order.get("currency") or "EUR"),
        prices_include_tax=True,
        lines=tuple(lines),
        shipping=tuple(shipping),
        total=dec(order.get("total")),
        customer=customer,
        status=_status(order),
        gateway=str(order.get("payment_method") or ""),
        tax_country=country,
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """Credit notes from the order's refund summaries (``total`` is negative)."""
    moment = utc(
        str(raw.get("date_modified_gmt") or raw.get("date_created_gmt")), where, "date_modified_gmt"
    )
    return [
        refund_from_total(order, str(refund["id"]), moment, -dec(refund.get("total")), where)
        for refund in raw.get("refunds") or []
        if dec(refund.get("total"))
    ]


def _unbooked(raw: dict[str, Any], order: Order) -> str:
    """Why an order books nothing: its status, and whether WooCommerce saw it paid."""
    paid = "" if raw.get("date_paid_gmt") or raw.get("date_paid") else " and unpaid (no date_paid)"
    return (
        f"order {order.order_number} is {raw.get('status') or 'not paid'}{paid}: no money "
        f"moved ({order.total} {order.currency} stated), nothing booked; import it again "
        "once it is processing or completed"
    )


def _is_woocommerce(document: Any) -> bool:
    """A hand-saved array of orders (or one order) with WooCommerce's GMT dates."""
    first = first_item(document, None) if isinstance(document, list) else document
    return isinstance(first, dict) and "line_items" in first and "date_created_gmt" in first


class Importer(OrderImporter):
    """WooCommerce orders and their refunds, saved as JSON.

    ``findings`` (by file) says why an order booked nothing (unpaid, on hold, cancelled):
    ``ecomledger import`` prints them, so a file that imports nothing is never a mystery.
    """

    platform = "woocommerce"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings: dict[str, list[str]] = {}

    def identify(self, filepath: str) -> bool:
        """Recognise WooCommerce JSON by its envelope or its shape."""
        return identify_payload(filepath, self.platform, _is_woocommerce)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refunds."""
        orders: list[dict[str, Any]] = []
        for page in pages_of(load_json(filepath)):
            if isinstance(page, dict) and "line_items" in page:
                page = [page]
            if not isinstance(page, list):
                raise InputError(filepath, 0, "is not a WooCommerce payload (expected an array)")
            orders.extend(page)
        findings = self.findings[filepath] = []

        def parse(raw: dict[str, Any]) -> Order:
            order = parse_order(raw, self.source, filepath, self.sale.home_country)
            if not bookable(order):
                findings.append(_unbooked(raw, order))
            return order

        yield from each_order(
            orders, filepath, parse, lambda raw, order: parse_refunds(raw, order, filepath)
        )


__all__ = ["Importer", "parse_order", "parse_refunds"]
