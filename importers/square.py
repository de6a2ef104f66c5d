"""Square orders (``POST /v2/orders/search``) saved as JSON.

Money: ``{"amount": <integer minor units>, "currency": "EUR"}``, converted with the
currency's exponent (:func:`ecomledger.money.from_minor`: JPY 0, EUR 2, KWD 3). A line
states its gross, discount, VAT and total (``gross_sales_money``, ``total_discount_money``,
``total_tax_money``, ``total_money``); its rate is the ``percentage`` of the order tax its
``applied_taxes`` name, and ``INCLUSIVE`` taxes mean VAT-inclusive prices. Shipping is a
service charge. Gift cards: a ``GIFT_CARD`` line is a card sold, a ``SQUARE_GIFT_CARD``
tender a card redeemed.

The buyer's country is the shipment recipient's; a business buyer's VAT number rides in
the order's ``metadata``. Dates are RFC 3339 UTC. Refunds (``refunds``, money) come with
``returns`` (goods, per line, VAT included): each completed refund becomes a credit note
with its return's lines, and what the money exceeds them by is refunded shipping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    first_item_has,
    identify_payload,
    implied_shipping,
    order_line,
    order_tax_country,
    searched_orders,
)
from ecomledger.model import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    RefundLine,
)
from ecomledger.money import ZERO, from_minor, vat_from_inclusive


def _money(node: dict[str, Any] | None) -> Decimal:
    node = node or {}
    return from_minor(node.get("amount") or 0, str(node.get("currency") or "EUR"))


def _moment(value: Any, where: str, field: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(where, 0, f"{field} {value!r} is not an RFC 3339 timestamp") from exc


def _rates(order: dict[str, Any]) -> dict[str, Decimal]:
    return {str(t.get("uid")): dec(t.get("percentage")) for t in order.get("taxes") or []}


def _lines(order: dict[str, Any]) -> list[OrderLine]:
    rates = _rates(order)
    lines = []
    for item in order.get("line_items") or []:
        gross = _money(item.get("gross_sales_money"))
        applied = [a for a in item.get("applied_taxes") or [] if str(a.get("tax_uid")) in rates]
        lines.append(
            order_line(
                sku=str(item.get("variation_name") or item.get("catalog_object_id") or ""),
                description=str(item.get("name") or ""),
                quantity=dec(item.get("quantity")),
                gross=gross,
                taxable=gross - _money(item.get("total_discount_money")),
                vat_rate=rates[str(applied[0]["tax_uid"])] if applied else ZERO,
                tax=_money(item.get("total_tax_money")),
                gift_card=item.get("item_type") == "GIFT_CARD",
                line_id=str(item.get("uid", "")),
            )
        )
    return lines


def _customer(order: dict[str, Any]) -> Customer:
    recipient: dict[str, Any] = {}
    for fulfillment in order.get("fulfillments") or []:
        details = fulfillment.get("shipment_details") or fulfillment.get("pickup_details") or {}
        recipient = details.get("recipient") or recipient
    address = recipient.get("address") or {}
    return buyer(
        address,
        ("postal_code", "locality", "country"),
        name=str(recipient.get("display_name") or ""),
        email=str(recipient.get("email_address") or ""),
        country=address.get("country"),
        vat=str((order.get("metadata") or {}).get("vat_number") or ""),
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    state = str(order.get("state") or "")
    if state == "CANCELED":
        return OrderStatus.CANCELLED
    paid = any(t.get("type") for t in order.get("tenders") or [])
    return OrderStatus.PAID if state == "COMPLETED" or paid else OrderStatus.PENDING


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
    """Turn one Square order into an :class:`Order`."""
    moment = _moment(order.get("created_at"), where, "created_at")
    customer = _customer(order)
    lines = _lines(order)
    shipping = []
    for charge in order.get("service_charges") or []:
        gross, tax = _money(charge.get("total_money")), _money(charge.get("total_tax_money"))
        description = str(charge.get("name") or "Shipping")
        shipping.append(implied_shipping(description, gross, tax, customer.country, moment))
    total = order.get("total_money") or {}
    gift_cards = sum(
        (_money(t.get("amount_money")) for t in order.get("tenders") or []
         if t.get("type") == "SQUARE_GIFT_CARD"),
        ZERO,
    )  # fmt: skip
    inclusive = all(t.get("type") != "ADDITIVE" for t in order.get("taxes") or [])
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("reference_id") or order["id"]),
        processed_at=moment,
        currency=str(total.get("currency") or "EUR"),
        prices_include_tax=inclusive,
        lines=tuple(lines),
        shipping=tuple(shipping),
        gift_card_payments=gift_cards,
        total=_money(total),
        customer=customer,
        status=_status(order),
        tax_country=order_tax_country(customer, lines, shipping, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """Credit notes from completed refunds and their returns (see the module docstring)."""
    by_uid = {line.line_id: line for line in order.lines}
    returns = raw.get("returns") or []
    moment = _moment(raw.get("updated_at") or raw.get("created_at"), where, "updated_at")
    refunds = []
    for index, refund in enumerate(raw.get("refunds") or []):
        if refund.get("status") not in ("COMPLETED", "APPROVED"):
            continue
        back = returns[index] if index < len(returns) else {}
        lines = []
        for item in back.get("return_line_items") or []:
            line = by_uid.get(str(item.get("source_line_item_uid")))
            gross, tax = _money(item.get("total_money")), _money(item.get("total_tax_money"))
            lines.append(
                RefundLine(
                    sku=line.sku if line else "",
                    description=line.description if line else str(item.get("name") or ""),
                    quantity=dec(item.get("quantity")),
                    amount=gross - tax,
                    tax=tax,
                    vat_rate=line.vat_rate if line else ZERO,
                )
            )
        amount = _money(refund.get("amount_money"))
        ship = amount - sum((line.amount + line.tax for line in lines), ZERO)
        ship_rate = order.shipping[0].vat_rate if order.shipping and ship > 0 else ZERO
        ship_tax = vat_from_inclusive(ship, ship_rate, order.currency) if ship > 0 else ZERO
        refunds.append(
            Refund(
                source=order.source,
                filename=where,
                refund_id=str(refund["id"]),
                order_id=order.order_id,
                processed_at=_moment(
                    refund.get("created_at") or moment.isoformat(), where, "refunds.created_at"
                ),
                currency=order.currency,
                lines=tuple(lines),
                shipping_amount=ship - ship_tax if ship > 0 else ZERO,
                shipping_tax=ship_tax,
                shipping_vat_rate=ship_rate,
                total=amount,
            )
        )
    return refunds


def _is_square(document: Any) -> bool:
    return first_item_has(document, "orders", "location_id", "line_items")


class Importer(OrderImporter):
    """Square orders with their refunds and returns, saved as JSON."""

    platform = "square"

    def identify(self, filepath: str) -> bool:
        """Recognise Square JSON by its envelope or its ``location_id`` orders."""
        return identify_payload(filepath, self.platform, _is_square)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refunds."""
        return searched_orders(
            filepath, "Square", parse_order, parse_refunds, self.source, self.sale.home_country
        )


__all__ = ["Importer", "parse_order", "parse_refunds"]
