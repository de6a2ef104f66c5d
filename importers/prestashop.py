"""PrestaShop webservice orders (``GET /api/orders?output_format=JSON&display=full``).

Money: decimal strings with six decimals (``"68.200000"``), in ``_tax_incl``/``_tax_excl``
pairs. Lines are ``associations.order_rows`` with unit prices both ways, so a row's rate is
implied by the pair; cart rules (``total_discounts_tax_incl``) are order-level and are
shared over the rows in proportion to their amounts. ``total_paid_tax_incl`` is the
receivable; ``valid`` says whether the order was paid.

Dates ``date_add``/``date_upd`` are shop-local without a zone: they are read in the
company's time zone (the importer's ``SaleContext.timezone``).

Not in the order: the delivery country (an address id: ``/api/addresses`` is not fetched,
so the customer is taken as domestic) and refunds (credit slips live in
``/api/order_slip``, not fetched): refunded orders book their invoice only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    dec,
    each_order,
    first_item_has,
    identify_payload,
    implied_rate,
    largest_remainders,
    load_json,
    order_line,
    orders_of_pages,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, ShippingLine
from ecomledger.money import percent

CANCELLED_STATES = frozenset({"6", "8"})  # cancelled, payment error


def _local(value: Any, timezone: str, where: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    except ValueError as exc:
        raise InputError(where, 0, f"date_add {value!r} is not a date and time") from exc
    return moment.replace(tzinfo=ZoneInfo(timezone)) if moment.tzinfo is None else moment


def _lines(order: dict[str, Any], moment: dt.datetime) -> list[OrderLine]:
    rows = (order.get("associations") or {}).get("order_rows") or []
    grosses = [dec(r.get("unit_price_tax_incl")) * dec(r.get("product_quantity")) for r in rows]
    discounts = largest_remainders(dec(order.get("total_discounts_tax_incl")), grosses)
    lines = []
    for row, gross, share in zip(rows, grosses, discounts, strict=True):
        incl, excl = dec(row.get("unit_price_tax_incl")), dec(row.get("unit_price_tax_excl"))
        lines.append(
            order_line(
                sku=str(row.get("product_reference") or ""),
                description=str(row.get("product_name") or ""),
                quantity=dec(row.get("product_quantity")),
                gross=gross,
                taxable=gross - share,
                vat_rate=implied_rate(incl, incl - excl, "FR", moment),
                line_id=str(row.get("id", "")),
            )
        )
    return lines


def _status(order: dict[str, Any]) -> OrderStatus:
    if str(order.get("current_state")) in CANCELLED_STATES:
        return OrderStatus.CANCELLED
    return OrderStatus.PAID if str(order.get("valid")) == "1" else OrderStatus.PENDING


def parse_order(order: dict[str, Any], source: str, where: str, timezone: str) -> Order:
    """Turn one PrestaShop order into an :class:`Order`."""
    moment = _local(order.get("date_add"), timezone, where)
    ship_incl = dec(order.get("total_shipping_tax_incl"))
    ship_tax = ship_incl - dec(order.get("total_shipping_tax_excl"))
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("reference") or order["id"]),
        processed_at=moment,
        currency="EUR",
        prices_include_tax=True,
        lines=tuple(_lines(order, moment)),
        shipping=(
            ShippingLine(
                price=ship_incl,
                vat_rate=percent(dec(order.get("carrier_tax_rate"))),
                tax=ship_tax,
            ),
        )
        if ship_incl
        else (),
        total=dec(order.get("total_paid_tax_incl")),
        customer=Customer(),
        status=_status(order),
        gateway=str(order.get("module") or ""),
    )


def _is_prestashop(document: Any) -> bool:
    return first_item_has(document, "orders", "total_paid_tax_incl")


class Importer(OrderImporter):
    """PrestaShop orders saved from the webservice as JSON."""

    platform = "prestashop"

    def identify(self, filepath: str) -> bool:
        """Recognise PrestaShop JSON by its envelope or its ``total_paid_tax_incl``."""
        return identify_payload(filepath, self.platform, _is_prestashop)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id)."""
        document = load_json(filepath)
        orders = orders_of_pages(document, filepath, "orders", "PrestaShop", empty_list=True)
        yield from each_order(
            orders,
            filepath,
            lambda raw: parse_order(raw, self.source, filepath, self.sale.timezone),
        )


__all__ = ["Importer", "parse_order"]
