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
        taxable = after if inclusive else after - tax
        unit, discount = unit_and_discount(quantity, gross, taxable)
        lines.append(
            OrderLine(
                sku=str((item.get("physicalProperties") or {}).get("sku") or ""),
                description=str((item.get("productName") or {}).get("original") or ""),
                quantity=quantity,
                unit_price=unit,
                vat_rate=percent(dec(taxes.get("taxRate")) * 100),
                discount=discount,
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
    name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
    vat = str((contact.get("vatId") or {}).get("id") or "")
    return Customer(
        name=str(contact.get("company") or name),
        email=str((order.get("buyerInfo") or {}).get("email") or ""),
        country=str(address.get("country") or "").upper(),
        vat_number=vat.replace(" ", "").upper(),
        address=tuple(
            str(address[key]) for key in ("postalCode", "city", "country") if address.get(key)
        ),
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
    shipping = [
        ShippingLine(
            description=str((order.get("shippingInfo") or {}).get("title") or "Shipping"),
            price=ship_price,
            vat_rate=implied_rate(ship_gross, ship_tax, customer.country, moment),
            tax=ship_tax,
        )
    ]
    rates = [line.vat_rate for line in lines] + [s.vat_rate for s in shipping]
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
        tax_country=tax_country(customer.country, customer.vat_number, rates, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """One credit note for ``balanceSummary.refunded`` (see the module docstring)."""
    amount = _amount((raw.get("balanceSummary") or {}).get("refunded"))
    if not amount:
        return []
    moment = utc(str(raw.get("updatedDate") or raw.get("createdDate")), where, "updatedDate")
    return [refund_from_total(order, f"{order.order_id}-refunded", moment, amount, where)]


def _is_wix(document: Any) -> bool:
    first = first_item(document, "orders") if isinstance(document, dict) else None
    return first is not None and "lineItems" in first and "priceSummary" in first


class Importer(OrderImporter):
    """Wix eCommerce orders and their refunded totals, saved as JSON."""

    platform = "wix"

    def identify(self, filepath: str) -> bool:
        """Recognise Wix JSON by its envelope or its ``lineItems``/``priceSummary``."""
        return identify_payload(filepath, self.platform, _is_wix)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refund."""
        orders: list[dict[str, Any]] = []
        for page in pages_of(load_json(filepath)):
            if not isinstance(page, dict):
                raise InputError(filepath, 0, "is not a Wix payload (expected an object)")
            orders.extend(page.get("orders") or [])
        for raw in latest_by_id(orders):
            try:
                order = parse_order(raw, self.source, filepath, self.sale.home_country)
                yield order
                yield from parse_refunds(raw, order, filepath)
            except InputError:
                raise
            except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
                raise InputError(
                    filepath, 0, f"order {raw.get('id', '?')}: field {exc} is missing or invalid"
                ) from exc


__all__ = ["Importer", "parse_order", "parse_refunds"]
