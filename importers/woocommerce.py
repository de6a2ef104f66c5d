"""WooCommerce REST v3 orders (``GET /wp-json/wc/v3/orders``) saved as JSON.

Reads what ``ecomledger fetch`` saves (an envelope whose pages are bare arrays of orders)
and a hand-saved array or single order. Money comes from the fields that carry it, after
coupons: a line's ``total`` and ``total_tax`` (what its VAT was computed on), its
``subtotal`` and ``subtotal_tax`` before coupons (so the coupon is the difference, never
``coupon_lines`` a second time), shipping and fee lines likewise. WooCommerce writes amounts
excluding tax whatever ``prices_include_tax`` says, so lines are booked VAT-inclusive
(``total + total_tax``) with the stated VAT: the net revenue is then exactly ``total``.

Dates: the ``*_gmt`` fields are UTC without an offset; the local ones depend on the
WordPress setting and are never used.

Refunds: ``ecomledger fetch`` saves each refunded order's full refunds
(``GET /orders/<id>/refunds``) in the envelope's ``related`` under ``refunds``, per order
id. Each becomes one credit note with its own lines: quantity, amount and VAT from the
refund line (WooCommerce writes them negative: ``quantity``, ``total``, ``total_tax``),
its rate through ``taxes[].id`` joined to the order's ``tax_lines`` (else the rate of the
order line named by the ``_refunded_item_id`` meta), refunded shipping and fees likewise,
``restock`` on every line when ``api_restock`` says the goods went back to stock, dated at
``date_created_gmt``, for ``amount`` (what went back; what the lines do not explain goes to
``Expenses:Rounding``). ``refunded_payment`` false (money given back by hand, not through
the gateway) is the refund's gateway ``manual``: its credit note is owed on
``Assets:Customers`` until the bank line that pays it, not taken from the processor.

A refund the file has only as the order's summary (``refunds[]``: id, reason, negative
total; a hand-saved order, a payload fetched before refunds were fetched) is booked as
before: dated at the order's last modification and split over the order's lines pro rata
(a full refund reverses every line exactly). Both ways the refund's source id is
``<source>:refund:<refund id>``, so a refund booked from its summary is not booked again
from its details.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ecomledger.booking import bookable
from ecomledger.errors import InputError
from ecomledger.importers._orders import MANUAL_REFUND, OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item,
    full_name,
    identify_payload,
    latest_by_id,
    load_json,
    order_line,
    pages_of,
    refund_from_total,
    related_of,
    required_money,
    status_of,
    tax_country,
    utc,
)
from ecomledger.model import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    RefundLine,
    ShippingLine,
)
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


def parse_refunds(
    raw: dict[str, Any],
    order: Order,
    where: str,
    details: list[dict[str, Any]] | None = None,
) -> list[Refund]:
    """Credit notes for the order's refunds: from their full ``details``
    (``/orders/<id>/refunds``) where the file has them, else from the order's summaries
    (``total`` is negative), split pro rata."""
    detailed = {str(refund.get("id")): refund for refund in details or []}
    refunds = [parse_refund(refund, raw, order, where) for refund in detailed.values()]
    summaries = [r for r in raw.get("refunds") or [] if str(r.get("id")) not in detailed]
    if not any(dec(refund.get("total")) for refund in summaries):
        return refunds
    moment = utc(
        str(raw.get("date_modified_gmt") or raw.get("date_created_gmt")), where, "date_modified_gmt"
    )
    return refunds + [
        refund_from_total(order, str(refund["id"]), moment, -dec(refund.get("total")), where)
        for refund in summaries
        if dec(refund.get("total"))
    ]


def parse_refund(refund: dict[str, Any], raw: dict[str, Any], order: Order, where: str) -> Refund:
    """One refund as ``/orders/<id>/refunds`` gives it, line by line (see the module
    docstring)."""
    if not isinstance(refund, dict):
        raise InputError(where, 0, f"order {order.order_id}: a saved refund is not an object")
    what = f"refund {refund.get('id', '?')} of order {order.order_number}"
    if refund.get("id") in (None, ""):
        raise InputError(where, 0, f"{what}: field id is missing")
    rates = _rates(raw)
    by_id = {line.line_id: line for line in order.lines}
    restock = bool(refund.get("api_restock"))
    lines: list[RefundLine] = []
    for item in [*(refund.get("line_items") or []), *(refund.get("fee_lines") or [])]:
        original = by_id.get(_refunded_item(item))
        rate = _rate_of(item, rates) or (original.vat_rate if original else ZERO)
        quantity = -dec(item.get("quantity")) if item.get("quantity") else ZERO  # fees: none
        lines.append(
            RefundLine(
                sku=str(item.get("sku") or (original.sku if original else "")),
                description=str(
                    item.get("name") or (original.description if original else "") or ""
                ),
                quantity=quantity,
                amount=-required_money(item, "total", where, what),
                tax=-dec(item.get("total_tax")),
                vat_rate=rate,
                restock=restock and "quantity" in item and bool(quantity),
            )
        )
    ship_amount = ship_tax = ZERO
    ship_rate = next((ship.vat_rate for ship in _shipping(raw, rates) if ship.vat_rate), ZERO)
    for item in refund.get("shipping_lines") or []:
        ship_amount -= required_money(item, "total", where, what)
        ship_tax -= dec(item.get("total_tax"))
        ship_rate = _rate_of(item, rates) or ship_rate
    moment = utc(str(refund.get("date_created_gmt") or ""), where, f"{what}: date_created_gmt")
    return Refund(
        source=order.source,
        filename=where,
        refund_id=str(refund["id"]),
        order_id=order.order_id,
        processed_at=moment,
        currency=order.currency,
        lines=tuple(lines),
        shipping_amount=ship_amount,
        shipping_tax=ship_tax,
        shipping_vat_rate=ship_rate,
        total=required_money(refund, "amount", where, what),
        gateway=order.gateway if refund.get("refunded_payment", True) else MANUAL_REFUND,
    )


def _refunded_item(item: dict[str, Any]) -> str:
    """The id of the order line a refund line gives back (its ``_refunded_item_id`` meta)."""
    for meta in item.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == "_refunded_item_id":
            return str(meta.get("value") or "")
    return ""


def details_of(document: Any, where: str) -> dict[str, list[dict[str, Any]]]:
    """The full refunds ``fetch`` saved per order id (``related.refunds``), last copy of
    each refund id; empty for a hand-saved body or a payload fetched before they were."""
    found: dict[str, list[dict[str, Any]]] = {}
    for order_id, bodies in (related_of(document).get("refunds") or {}).items():
        refunds: list[dict[str, Any]] = []
        for body in bodies or []:
            if not isinstance(body, list):
                raise InputError(
                    where, 0, f"the refunds saved for order {order_id} are not an array"
                )
            refunds.extend(body)
        for refund in refunds:
            if not isinstance(refund, dict):
                raise InputError(where, 0, f"a refund saved for order {order_id} is not an object")
        found[str(order_id)] = latest_by_id(refunds)
    return found


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

    def identify(self, filepath: str) -> bool:
        """Recognise WooCommerce JSON by its envelope or its shape."""
        return identify_payload(filepath, self.platform, _is_woocommerce)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refunds."""
        document = load_json(filepath)
        details = details_of(document, filepath)
        orders: list[dict[str, Any]] = []
        for page in pages_of(document):
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

        def refunds(raw: dict[str, Any], order: Order) -> list[Refund]:
            return parse_refunds(raw, order, filepath, details.get(order.order_id))

        yield from each_order(orders, filepath, parse, refunds)


__all__ = ["Importer", "details_of", "parse_order", "parse_refund", "parse_refunds"]
