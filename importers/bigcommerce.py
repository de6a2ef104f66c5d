"""BigCommerce Orders v2 (``GET /v2/orders``) saved as JSON.

``ecomledger fetch`` asks the list with ``include=consignments.line_items``: each order
carries its ``consignments`` (``{"pickups", "shipping", "downloads", "email":
{"gift_certificates"}}``, or that object wrapped in an array, the legacy shape), whose
``line_items`` are the order's products and whose first shipping consignment is its
shipping address. Payload files of earlier fetches hold the same products and addresses
as separate sub-resources under ``related`` (``products``, ``shipping_addresses``, and
``coupons``, which booking never needed: each line's ``applied_discounts`` carries its
share of every discount); both import to the same entries. Money: strings with four
decimals in ``_ex_tax``/``_inc_tax``/``_tax`` triplets; a product's ``total_inc_tax`` is
before its ``applied_discounts``, and its ``total_tax`` is the VAT of that pre-discount
amount, so the line's VAT after discounts is left to booking (at the rate its own triplet
implies). ``gift_certificate_amount`` was paid with gift certificates sold earlier.

Dates are RFC 2822 (``Fri, 12 Oct 2018 19:06:23 +0000``). Refunds are summed up in
``refunded_amount``: one credit note per order, dated at its last modification, split pro
rata (the v3 refunds API that itemises them is not fetched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item_has,
    full_name,
    identify_payload,
    implied_rate,
    implied_shipping,
    load_json,
    order_line,
    order_tax_country,
    pages_of,
    refunded_total,
    status_of,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund
from ecomledger.money import ZERO

#: status_id: 2 shipped, 3 partially shipped, 4 refunded, 8 awaiting pickup, 9 awaiting
#: shipment, 10 completed, 11 awaiting fulfillment, 14 partially refunded.
PAID = frozenset({2, 3, 4, 8, 9, 10, 11, 14})
CANCELLED = frozenset({5, 6})  # cancelled, declined
VAT_FIELDS = ("vat number", "vat", "vat id", "tva", "vat_number")

Related = dict[str, dict[str, list[Any]]]


def _rfc2822(value: Any, where: str, field: str) -> dt.datetime:
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError) as exc:
        raise InputError(where, 0, f"{field} {value!r} is not an RFC 2822 date") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sub(related: Related, name: str, order_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for body in (related.get(name) or {}).get(order_id) or []:
        rows.extend(r for r in body or [] if isinstance(r, dict))
    return rows


def _consignment_groups(order: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The order's consignments as a list of groups, or None when the list did not
    include them (a link ``{"url", "resource"}``, or no field at all)."""
    value = order.get("consignments")
    if isinstance(value, dict) and "resource" not in value:
        return [value]
    if isinstance(value, list):
        return [group for group in value if isinstance(group, dict)]
    return None


def _by_id(item: dict[str, Any]) -> tuple[int, int, str]:
    """Sort key: integer ids in order (as BigCommerce numbers order products), then any
    other id as text."""
    value = item.get("id")
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def _consigned(
    groups: list[dict[str, Any]], oid: str, where: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(line items, shipping consignments) of an order's consignment groups; line items
    in the order of their ids, as ``/orders/{id}/products`` lists them."""
    shipping: list[dict[str, Any]] = []
    consignments: list[dict[str, Any]] = []
    for group in groups:
        shipping.extend(c for c in group.get("shipping") or [] if isinstance(c, dict))
        for kind in ("shipping", "pickups", "downloads"):
            consignments.extend(c for c in group.get(kind) or [] if isinstance(c, dict))
        email = group.get("email") or {}
        certificates = email.get("gift_certificates") if isinstance(email, dict) else None
        consignments.extend(c for c in certificates or [] if isinstance(c, dict))
    items = [i for c in consignments for i in c.get("line_items") or [] if isinstance(i, dict)]
    if any("quantity" not in item for item in items):
        raise InputError(
            where,
            0,
            f"order {oid} lists its line items as links (fetched with include=consignments "
            "alone); fetch it again with ecomledger fetch, which embeds them",
        )
    items.sort(key=_by_id)
    return items, shipping


def _products_and_addresses(
    order: dict[str, Any], related: Related, oid: str, where: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The order's products and shipping addresses: from the sub-resources a payload of
    earlier fetches saved under ``related``, else from the consignments the list embedded."""
    if oid in (related.get("products") or {}):
        return _sub(related, "products", oid), _sub(related, "shipping_addresses", oid)
    groups = _consignment_groups(order)
    if groups is None:
        raise InputError(
            where,
            0,
            f"order {oid} comes without its products (neither consignments nor related "
            "products); fetch it with ecomledger fetch, which saves them",
        )
    return _consigned(groups, oid, where)


def _lines(products: list[dict[str, Any]], country: str, moment: dt.datetime) -> list[OrderLine]:
    lines = []
    for item in products:
        gross = dec(item.get("total_inc_tax"))
        discount = sum((dec(d.get("amount")) for d in item.get("applied_discounts") or []), ZERO)
        price = dec(item.get("price_inc_tax"))
        lines.append(
            order_line(
                sku=str(item.get("sku") or ""),
                description=str(item.get("name") or ""),
                quantity=dec(item.get("quantity")),
                gross=gross,
                taxable=gross - discount,
                vat_rate=implied_rate(price, dec(item.get("price_tax")), country, moment),
                gift_card=item.get("type") == "giftcertificate",
                line_id=str(item.get("id", "")),
            )
        )
    return lines


def _customer(order: dict[str, Any], address: dict[str, Any]) -> Customer:
    billing = order.get("billing_address") or {}
    place = address or billing
    vat = next(
        (
            str(f.get("value") or "")
            for f in (billing.get("form_fields") or []) + (place.get("form_fields") or [])
            if str(f.get("name", "")).lower() in VAT_FIELDS and f.get("value")
        ),
        "",
    )
    name = full_name(place.get("first_name"), place.get("last_name"))
    return buyer(
        place,
        ("street_1", "zip", "city", "country"),
        name=str(place.get("company") or name),
        email=str(billing.get("email") or place.get("email") or ""),
        country=place.get("country_iso2"),
        vat=vat,
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    return status_of(int(order.get("status_id") or 0), PAID, CANCELLED)


def parse_order(
    order: dict[str, Any], related: Related, source: str, where: str, home: str = "FR"
) -> Order:
    """Turn one BigCommerce order (its consignments, or its sub-resources) into an
    :class:`Order`."""
    oid = str(order["id"])
    moment = _rfc2822(order.get("date_created"), where, "date_created")
    products, addresses = _products_and_addresses(order, related, oid, where)
    customer = _customer(order, addresses[0] if addresses else {})
    lines = _lines(products, customer.country, moment)
    ship_gross = dec(order.get("shipping_cost_inc_tax"))
    ship_tax = dec(order.get("shipping_cost_tax"))
    method = (addresses[0] if addresses else {}).get("shipping_method")
    shipping = [
        implied_shipping(str(method or "Shipping"), ship_gross, ship_tax, customer.country, moment)
    ]
    return Order(
        source=source,
        filename=where,
        order_id=oid,
        order_number=oid,
        processed_at=moment,
        currency=str(order.get("default_currency_code") or order.get("currency_code") or "EUR"),
        prices_include_tax=True,
        lines=tuple(lines),
        shipping=tuple(s for s in shipping if s.price),
        gift_card_payments=dec(order.get("gift_certificate_amount")),
        total=dec(order.get("total_inc_tax")),
        customer=customer,
        status=_status(order),
        gateway=str(order.get("payment_method") or ""),
        tax_country=order_tax_country(customer, lines, shipping, moment, home),
    )


def parse_refunds(raw: dict[str, Any], order: Order, where: str) -> list[Refund]:
    """One credit note for ``refunded_amount`` (see the module docstring)."""
    return refunded_total(
        order,
        dec(raw.get("refunded_amount")),
        lambda: _rfc2822(
            raw.get("date_modified") or raw.get("date_created"), where, "date_modified"
        ),
        where,
    )


def _is_bigcommerce(document: Any) -> bool:
    return first_item_has(document, None, "total_inc_tax", "status_id")


class Importer(OrderImporter):
    """BigCommerce orders with their line items, addresses and refunded totals."""

    platform = "bigcommerce"

    def identify(self, filepath: str) -> bool:
        """Recognise BigCommerce JSON by its envelope or its ``_inc_tax`` orders."""
        return identify_payload(filepath, self.platform, _is_bigcommerce)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its refund."""
        document = load_json(filepath)
        related: Related = document.get("related") or {} if isinstance(document, dict) else {}
        orders: list[dict[str, Any]] = []
        for page in pages_of(document):
            if page is None:
                continue  # an empty page (HTTP 204)
            if not isinstance(page, list):
                raise InputError(filepath, 0, "is not a BigCommerce payload (expected an array)")
            orders.extend(page)
        yield from each_order(
            orders,
            filepath,
            lambda raw: parse_order(raw, related, self.source, filepath, self.sale.home_country),
            lambda raw, order: parse_refunds(raw, order, filepath),
        )


__all__ = ["Importer", "parse_order", "parse_refunds"]
