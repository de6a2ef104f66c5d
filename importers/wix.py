"""Wix eCommerce orders (``POST /ecom/v1/orders/search``) saved as JSON.

Money: price objects ``{"amount": "10.5", "formattedAmount": "€10.50"}``; only ``amount``
(a decimal string without trailing zeros) is read. A line states its unit ``price``, its
``totalDiscount``, what the buyer pays for it (``totalPriceAfterTax``) and its VAT
(``taxDetails.totalTax``, rate as a fraction ``"0.2"``); ``taxIncludedInPrices`` says the
basis. The order's ``priceSummary.total`` is the receivable.

Dates are UTC (``Z``). Refunds are summed up in ``balanceSummary.refunded``: one credit
note per order for that sum, dated at the order's last update and split pro rata (the
transactions API that itemises them is not fetched).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    first_item_has,
    full_name,
    identify_payload,
    implied_shipping,
    order_line,
    order_tax_country,
    refunded_total,
    searched_orders,
    utc,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund
from ecomledger.money import percent

PAID = frozenset({"PAID", "PARTIALLY_REFUNDED", "FULLY_REFUNDED"})


def _amount(node: dict[str, Any] | None) -> Decimal:
    return dec((node or {}).get("amount"))


def _lines(order: dict[str, Any]) -> list[OrderLine]:
    lines = []
    for item in order.get("lineItems") or []:
        quantity = dec(item.get("quantity"))
        gross = _amount(item.get("price")) * quantity
        taxes = item.get("taxDetails") or {}
        tax = _amount(taxes.get("totalTax"))
        after = _amount(item.get("totalPriceAfterTax"))
        inclusive = bool(order.get("taxIncludedInPrices", True))
        lines.append(
            order_line(
                sku=str((item.get("physicalProperties") or {}).get("sku") or ""),
                description=str((item.get("productName") or {}).get("original") or ""),
                quantity=quantity,
                gross=gross,
                taxable=after if inclusive else after - tax,
                vat_rate=percent(dec(taxes.get("taxRate")) * 100),
                tax=tax,
                gift_card=(item.get("itemType") or {}).get("preset") == "GIFT_CARD",
                line_id=str(item.get("id", "")),
            )
        )
    return lines


def _customer(order: dict[str, Any]) -> Customer:
    info = order.get("shippingInfo", {}).get("logistics", {}).get("shippingDestination")
    billing = info or order.get("billingInfo") or {}
    address = billing.get("address") or {}
    contact = billing.get("contactDetails") or {}
    name = full_name(contact.get("firstName"), contact.get("lastName"))
    return buyer(
        address,
        ("postalCode", "city", "country"),
        name=str(contact.get("company") or name),
        email=str((order.get("buyerInfo") or {}).get("email") or ""),
        country=address.get("country"),
        vat=str((contact.get("vatId") or {}).get("id") or ""),
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    if str(order.get("paymentStatus") or "") in PAID:
        return OrderStatus.PAID
    if order.get("status") == "CANCELED":
        return OrderStatus.CANCELLED
    return OrderStatus.PENDING


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
    """Turn one Wix order into an :class:`Order`."""
    moment = utc(str(order.get("createdDate")), where, "createdDate")
    customer = _customer(order)
    lines = _lines(order)
    cost = (order.get("shippingInfo") or {}).get("cost") or {}
    ship_price, ship_tax = _amount(cost.get("price")), _amount(cost.get("totalTax"))
    inclusive = bool(order.get("taxIncludedInPrices", True))
    ship_gross = ship_price if inclusive else ship_price + ship_tax
    description = str((order.get("shippingInfo") or {}).get("title") or "Shipping")
    shipping = [
        implied_shipping(description, ship_price, ship_tax, customer.country, moment, ship_gross)
    ]
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("number") or order["id"]),
        processed_at=moment,
        currency=str(order.get("currency") or "EUR"),
        prices_include_tax=inclusive,
        lines=tuple(lines),
        shipping=tuple(s for s in shipping if s.price),
        total=_amount((order.get("priceSummary") or {}).get("total")),
        customer=customer,
        status=_status(order),
        tax_country=order_tax_country(customer, lines, shipping, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """One credit note for ``balanceSummary.refunded`` (see the module docstring)."""
    return refunded_total(
        order,
        _amount((raw.get("balanceSummary") or {}).get("refunded")),
        lambda: utc(str(raw.get("updatedDate") or raw.get("createdDate")), where, "updatedDate"),
        where,
    )


def _is_wix(document: Any) -> bool:
    return first_item_has(document, "orders", "lineItems", "priceSummary")


class Importer(OrderImporter):
    """Wix eCommerce orders and their refunded totals, saved as JSON."""

    platform = "wix"

    def identify(self, filepath: str) -> bool:
        """Recognise Wix JSON by its envelope or its ``lineItems``/``priceSummary``."""
        return identify_payload(filepath, self.platform, _is_wix)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refund."""
        return searched_orders(
            filepath, "Wix", parse_order, parse_refunds, self.source, self.sale.home_country
        )


__all__ = ["Importer", "parse_order", "parse_refunds"]
