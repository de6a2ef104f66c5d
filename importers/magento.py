"""Magento 2 / Adobe Commerce orders (``GET /rest/V1/orders``) saved as JSON.

Money: JSON numbers, read as Decimal. Every amount has a ``base_*`` twin in the base (shop)
currency and a plain one in the order (buyer's) currency; the books are kept in shop money,
so only ``base_*`` fields are booked and the order currency is kept as presentment.

A configurable product appears twice in ``items``: the parent carries the price, tax and
discount, its simple child (``parent_item_id`` set) only repeats the SKU with zero amounts.
Only rows without a parent are booked, so a sale is never counted twice.

Dates ``created_at``/``updated_at`` are UTC without an offset. Refunds are credit memos the
order only sums up (``base_total_refunded``): one credit note per order for that sum,
dated at the order's last update and split over its lines pro rata. A later, larger refund
of the same order comes back as a conflict for review rather than a second credit note.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item_has,
    identify_payload,
    implied_shipping,
    load_json,
    order_line,
    order_tax_country,
    orders_of_pages,
    refunded_total,
    status_of,
    utc,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund

PAID = frozenset({"processing", "complete", "closed"})
CANCELLED = frozenset({"canceled", "cancelled"})


def _lines(order: dict[str, Any]) -> list[OrderLine]:
    lines = []
    for item in order.get("items") or []:
        if item.get("parent_item_id"):
            continue  # the configurable parent carries the money
        gross = dec(item.get("base_row_total_incl_tax"))
        lines.append(
            order_line(
                sku=str(item.get("sku") or ""),
                description=str(item.get("name") or ""),
                quantity=dec(item.get("qty_ordered")),
                gross=gross,
                taxable=gross - dec(item.get("base_discount_amount")),
                vat_rate=dec(item.get("tax_percent")),
                tax=dec(item.get("base_tax_amount")),
                gift_card=item.get("product_type") == "giftcard",
                line_id=str(item.get("item_id", "")),
            )
        )
    return lines


def _customer(order: dict[str, Any]) -> Customer:
    address = (order.get("extension_attributes") or {}).get("shipping_assignments")
    billing = order.get("billing_address") or {}
    if address and isinstance(address, list):
        billing = (address[0].get("shipping") or {}).get("address") or billing
    name = " ".join(
        str(p)
        for p in (
            billing.get("firstname") or order.get("customer_firstname"),
            billing.get("lastname") or order.get("customer_lastname"),
        )
        if p
    )
    return buyer(
        billing,
        ("postcode", "city", "country_id"),
        name=str(billing.get("company") or name),
        email=str(order.get("customer_email") or ""),
        country=billing.get("country_id"),
        vat=str(billing.get("vat_id") or order.get("customer_taxvat") or ""),
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    return status_of(str(order.get("state") or order.get("status") or ""), PAID, CANCELLED)


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
    """Turn one Magento order into an :class:`Order` (shop money, ``base_*`` fields)."""
    moment = utc(str(order.get("created_at")), where, "created_at")
    customer = _customer(order)
    lines = _lines(order)
    ship_gross = dec(order.get("base_shipping_incl_tax"))
    ship_tax = dec(order.get("base_shipping_tax_amount"))
    description = str(order.get("shipping_description") or "Shipping")
    shipping = (
        [implied_shipping(description, ship_gross, ship_tax, customer.country, moment)]
        if ship_gross
        else []
    )
    order_ccy = str(order.get("order_currency_code") or "")
    return Order(
        source=source,
        filename=where,
        order_id=str(order["entity_id"]),
        order_number=str(order.get("increment_id") or order["entity_id"]),
        processed_at=moment,
        currency=str(order.get("base_currency_code") or "EUR"),
        prices_include_tax=True,
        lines=tuple(lines),
        shipping=tuple(shipping),
        total=dec(order.get("base_grand_total")),
        customer=customer,
        status=_status(order),
        gateway=str((order.get("payment") or {}).get("method") or ""),
        presentment_currency=order_ccy,
        presentment_total=dec(order.get("grand_total")) if order_ccy else None,
        tax_country=order_tax_country(customer, lines, shipping, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """One credit note for ``base_total_refunded`` (see the module docstring)."""
    return refunded_total(
        order,
        dec(raw.get("base_total_refunded")),
        lambda: utc(str(raw.get("updated_at") or raw.get("created_at")), where, "updated_at"),
        where,
    )


def _is_magento(document: Any) -> bool:
    return first_item_has(document, "items", "entity_id", "base_grand_total")


class Importer(OrderImporter):
    """Magento orders and their refunded totals, saved as JSON."""

    platform = "magento"

    def identify(self, filepath: str) -> bool:
        """Recognise Magento JSON by its envelope or its ``items`` of orders."""
        return identify_payload(filepath, self.platform, _is_magento)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refund."""
        orders = orders_of_pages(load_json(filepath), filepath, "items", "Magento")
        yield from each_order(
            orders,
            filepath,
            lambda raw: parse_order(raw, self.source, filepath, self.sale.home_country),
            lambda raw, order: parse_refunds(raw, order, filepath),
            key="entity_id",
            invalid="is invalid",
        )


__all__ = ["Importer", "parse_order", "parse_refunds"]
