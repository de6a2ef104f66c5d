"""Magento 2 / Adobe Commerce orders (``GET /rest/V1/orders``) saved as JSON.

Money: JSON numbers, read as Decimal. Every amount has a ``base_*`` twin in the base (shop)
currency and a plain one in the order (buyer's) currency; the books are kept in shop money,
so only ``base_*`` fields are booked and the order currency is kept as presentment.

A configurable product appears twice in ``items``: the parent carries the price, tax and
discount, its simple child (``parent_item_id`` set) only repeats the SKU with zero amounts.
Only rows without a parent are booked, so a sale is never counted twice.

Dates ``created_at``/``updated_at`` are UTC without an offset.

Refunds are credit memos. ``ecomledger fetch`` saves them (``GET /V1/creditmemos``) in the
envelope's ``related`` under ``creditmemos``; each becomes one credit note, source id
``<source>:refund:<memo entity_id>``, dated at its ``created_at``, for ``base_grand_total``
(what went back). Its lines are the memo's items joined to the order's by
``order_item_id``: a configurable product's simple child (whose order item has a
``parent_item_id``) is skipped like on the order; the amount is the VAT-inclusive
``base_row_total_incl_tax`` less ``base_discount_amount`` (or, without it, ``base_row_total``
+ ``base_tax_amount`` + ``base_discount_tax_compensation_amount`` − ``base_discount_amount``),
the VAT ``base_tax_amount`` at the order item's ``tax_percent``, ``restock`` from
``back_to_stock``. Shipping is ``base_shipping_amount`` and ``base_shipping_tax_amount`` at
the order's shipping rate. An adjustment refund or fee (``base_adjustment_positive`` /
``_negative``) belongs to no line: it is left to ``Expenses:Rounding``, and more than a
cent flags the credit note for review.

A file without ``creditmemos`` (a hand-saved orders body, a payload fetched before memos
were) books each order's ``base_total_refunded`` as before: one credit note
``<order id>-refunded`` for that sum, dated at the order's last update and split over its
lines pro rata; a later, larger refund of the same order comes back as a conflict. When
memos arrive for an order whose sum was booked that way, the memos that sum already
covers (the oldest, up to its amount) are not booked again; later ones are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from beancount.core import data

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item_has,
    identify_payload,
    implied_shipping,
    latest_by_id,
    load_json,
    order_line,
    order_tax_country,
    orders_of_pages,
    refunded_total,
    related_of,
    required_money,
    status_of,
    utc,
)
from ecomledger.ledger import BookedRow, booked_row
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, Refund, RefundLine
from ecomledger.money import ZERO

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


def parse_memo(memo: dict[str, Any], raw: dict[str, Any], order: Order, where: str) -> Refund:
    """One credit memo as ``/V1/creditmemos`` gives it (see the module docstring)."""
    what = f"credit memo {memo.get('entity_id', '?')} of order {order.order_number}"
    if memo.get("entity_id") in (None, ""):
        raise InputError(where, 0, f"{what}: field entity_id is missing")
    items = {str(item.get("item_id")): item for item in raw.get("items") or []}
    lines: list[RefundLine] = []
    for row in memo.get("items") or []:
        if not isinstance(row, dict):
            raise InputError(where, 0, f"{what}: an item is not an object")
        item = items.get(str(row.get("order_item_id")), {})
        if item.get("parent_item_id"):
            continue  # the configurable parent carries the money
        quantity = required_money(row, "qty", where, what)
        tax = dec(row.get("base_tax_amount"))
        if row.get("base_row_total_incl_tax") is not None:
            gross = required_money(row, "base_row_total_incl_tax", where, what)
        else:
            gross = (
                required_money(row, "base_row_total", where, what)
                + tax
                + dec(row.get("base_discount_tax_compensation_amount"))
            )
        taxable = gross - dec(row.get("base_discount_amount"))
        if not (quantity or taxable or tax):
            continue
        lines.append(
            RefundLine(
                sku=str(row.get("sku") or item.get("sku") or ""),
                description=str(row.get("name") or item.get("name") or ""),
                quantity=quantity,
                amount=taxable - tax,
                tax=tax,
                vat_rate=dec(item.get("tax_percent")),
                restock=bool(row.get("back_to_stock")) and bool(quantity),
            )
        )
    return Refund(
        source=order.source,
        filename=where,
        refund_id=str(memo["entity_id"]),
        order_id=order.order_id,
        processed_at=utc(str(memo.get("created_at") or ""), where, f"{what}: created_at"),
        currency=order.currency,
        lines=tuple(lines),
        shipping_amount=dec(memo.get("base_shipping_amount")),
        shipping_tax=dec(memo.get("base_shipping_tax_amount")),
        shipping_vat_rate=next((ship.vat_rate for ship in order.shipping), ZERO),
        total=required_money(memo, "base_grand_total", where, what),
        gateway=order.gateway,
    )


def memos_of(document: Any, where: str) -> dict[str, list[dict[str, Any]]] | None:
    """The credit memos ``fetch`` saved (``related.creditmemos``) per order id, oldest
    first, last copy of each; None when the file has no such key (see the module
    docstring)."""
    bodies = related_of(document).get("creditmemos")
    if bodies is None:
        return None
    memos: list[dict[str, Any]] = []
    for pages in bodies.values():
        for body in pages or []:
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise InputError(where, 0, "the saved credit memos are not a Magento search result")
            memos.extend(body["items"])
    found: dict[str, list[dict[str, Any]]] = {}
    for memo in latest_by_id(memos, "entity_id"):
        if not isinstance(memo, dict):
            raise InputError(where, 0, "a saved credit memo is not an object")
        found.setdefault(str(memo.get("order_id")), []).append(memo)
    for group in found.values():
        group.sort(key=lambda m: (str(m.get("created_at") or ""), str(m.get("entity_id"))))
    return found


def _uncovered(memos: list[Refund], refunded: Decimal, legacy: Decimal | None) -> list[Refund]:
    """The memos not already booked as part of an order's ``<id>-refunded`` credit note.

    That note booked ``legacy`` (the order's refunded sum when it was imported); memos are
    made in order, so it covers the oldest ones up to that amount. The memos of the file
    are the newest: those before them add up to ``refunded`` less theirs.
    """
    if legacy is None:
        return memos
    running = refunded - sum((memo.total for memo in memos), ZERO)
    fresh = []
    for memo in memos:
        running += memo.total
        if running > legacy:
            fresh.append(memo)
    return fresh


def _moved(found: BookedRow | None) -> Decimal | None:
    """The money a booked credit note returned: minus its clearing posting's number."""
    if found is None or not found[2]:
        return None
    return -Decimal(found[2])


def _is_magento(document: Any) -> bool:
    return first_item_has(document, "items", "entity_id", "base_grand_total")


class Importer(OrderImporter):
    """Magento orders and their credit memos (or refunded totals), saved as JSON.

    ``findings`` (by file) names the memos whose order the file does not hold.
    """

    platform = "magento"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._booked: Mapping[str, BookedRow] = {}

    def identify(self, filepath: str) -> bool:
        """Recognise Magento JSON by its envelope or its ``items`` of orders."""
        return identify_payload(filepath, self.platform, _is_magento)

    def book(
        self, filepath: str, booked: Mapping[str, BookedRow] | None = None
    ) -> list[data.Directive]:
        """Book the file; ``booked`` also says which orders had their refunded sum booked
        as one ``<id>-refunded`` credit note (see :func:`_uncovered`)."""
        if booked is None:
            return super().book(filepath)
        self._booked = booked
        try:
            return super().book(filepath, booked)
        finally:
            self._booked = {}

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """Beangulp's entry point: the ``existing`` entries say which sums were booked."""
        self._booked = {
            str(entry.meta["source_id"]): booked_row(entry, "", 0)
            for entry in existing
            if isinstance(entry, data.Transaction) and "source_id" in (entry.meta or {})
        }
        try:
            return super().extract(filepath, existing)
        finally:
            self._booked = {}

    def _legacy(self, order: Order) -> Decimal | None:
        """What the order's ``<id>-refunded`` credit note booked, if the books hold one."""
        return _moved(self._booked.get(f"{self.source}:refund:{order.order_id}-refunded"))

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id) and its credit memos (or refunded sum)."""
        document = load_json(filepath)
        orders = orders_of_pages(document, filepath, "items", "Magento")
        memos = memos_of(document, filepath)
        findings = self.findings[filepath] = []

        def refunds(raw: dict[str, Any], order: Order) -> list[Refund]:
            if memos is None:
                return parse_refunds(raw, order, filepath)
            own = [parse_memo(m, raw, order, filepath) for m in memos.get(order.order_id, [])]
            refunded = dec(raw.get("base_total_refunded"))
            return _uncovered(own, refunded, self._legacy(order))

        yield from each_order(
            orders,
            filepath,
            lambda raw: parse_order(raw, self.source, filepath, self.sale.home_country),
            refunds,
            key="entity_id",
            invalid="is invalid",
        )
        known = {str(raw.get("entity_id")) for raw in orders}
        orphans = [
            str(memo.get("entity_id"))
            for order_id, group in (memos or {}).items()
            if order_id not in known
            for memo in group
        ]
        if orphans:
            findings.append(
                f"credit memo(s) {', '.join(orphans)}: their order is not in this file, "
                "nothing booked for them; fetch again with `ecomledger fetch`, which saves "
                "each memo's order beside it"
            )


__all__ = ["Importer", "memos_of", "parse_memo", "parse_order", "parse_refunds"]
