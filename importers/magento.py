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

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers.shopify import (
    dec,
    first_item,
    identify_payload,
    implied_rate,
    latest_by_id,
    load_json,
    pages_of,
    refund_from_total,
    tax_country,
    unit_and_discount,
    utc,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund, ShippingLine

PAID = frozenset({"processing", "complete", "closed"})
CANCELLED = frozenset({"canceled", "cancelled"})


def _lines(order: dict[str, Any]) -> list[OrderLine]:
    lines = []
    for item in order.get("items") or []:
        if item.get("parent_item_id"):
            continue  # the configurable parent carries the money
        quantity = dec(item.get("qty_ordered"))
        gross = dec(item.get("base_row_total_incl_tax"))
        taxable = gross - dec(item.get("base_discount_amount"))
        unit, discount = unit_and_discount(quantity, gross, taxable)
        lines.append(
            OrderLine(
                sku=str(item.get("sku") or ""),
                description=str(item.get("name") or ""),
                quantity=quantity,
                unit_price=unit,
                vat_rate=dec(item.get("tax_percent")),
                discount=discount,
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
    vat = str(billing.get("vat_id") or order.get("customer_taxvat") or "")
    return Customer(
        name=str(billing.get("company") or name),
        email=str(order.get("customer_email") or ""),
        country=str(billing.get("country_id") or "").upper(),
        vat_number=vat.replace(" ", "").upper(),
        address=tuple(
            str(billing[key]) for key in ("postcode", "city", "country_id") if billing.get(key)
        ),
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    state = str(order.get("state") or order.get("status") or "")
    if state in PAID:
        return OrderStatus.PAID
    return OrderStatus.CANCELLED if state in CANCELLED else OrderStatus.PENDING


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
    """Turn one Magento order into an :class:`Order` (shop money, ``base_*`` fields)."""
    moment = utc(str(order.get("created_at")), where, "created_at")
    customer = _customer(order)
    lines = _lines(order)
    ship_gross = dec(order.get("base_shipping_incl_tax"))
    ship_tax = dec(order.get("base_shipping_tax_amount"))
    shipping = (
        [
            ShippingLine(
                description=str(order.get("shipping_description") or "Shipping"),
                price=ship_gross,
                vat_rate=implied_rate(ship_gross, ship_tax, customer.country, moment),
                tax=ship_tax,
            )
        ]
        if ship_gross
        else []
    )
    rates = [line.vat_rate for line in lines] + [s.vat_rate for s in shipping]
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
        tax_country=tax_country(customer.country, customer.vat_number, rates, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """One credit note for ``base_total_refunded`` (see the module docstring)."""
    amount = dec(raw.get("base_total_refunded"))
    if not amount:
        return []
    moment = utc(str(raw.get("updated_at") or raw.get("created_at")), where, "updated_at")
    return [refund_from_total(order, f"{order.order_id}-refunded", moment, amount, where)]


def _is_magento(document: Any) -> bool:
    first = first_item(document, "items") if isinstance(document, dict) else None
    return first is not None and "entity_id" in first and "base_grand_total" in first


class Importer(OrderImporter):
    """Magento orders and their refunded totals, saved as JSON."""

    platform = "magento"

    def identify(self, filepath: str) -> bool:
        """Recognise Magento JSON by its envelope or its ``items`` of orders."""
        return identify_payload(filepath, self.platform, _is_magento)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refund."""
        orders: list[dict[str, Any]] = []
        for page in pages_of(load_json(filepath)):
            if not isinstance(page, dict):
                raise InputError(filepath, 0, "is not a Magento payload (expected an object)")
            orders.extend(page.get("items") or [])
        for raw in latest_by_id(orders, "entity_id"):
            try:
                order = parse_order(raw, self.source, filepath, self.sale.home_country)
                yield order
                yield from parse_refunds(raw, order, filepath)
            except InputError:
                raise
            except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
                raise InputError(
                    filepath, 0, f"order {raw.get('entity_id', '?')}: field {exc} is invalid"
                ) from exc


__all__ = ["Importer", "parse_order", "parse_refunds"]
