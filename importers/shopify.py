"""Shopify Admin REST payloads (orders with embedded refunds, Shopify Payments payouts).

Reads what ``ecomledger fetch`` saves (an envelope ``{"platform": "shopify", "pages": [...]}``)
and what a merchant saves by hand from the API (``{"orders": [...]}``, ``{"order": {...}}``,
``{"payouts": [...], "transactions": [...]}``). Money is read from the fields that carry it:
line prices, ``discount_allocations``, ``tax_lines`` and the shop-money side of each
``*_set`` bag; stated totals are checked against them by booking, never trusted blindly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.model import (
    BalanceTransaction,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Payout,
    Refund,
    RefundLine,
    ShippingLine,
)
from ecomledger.money import ZERO, percent

PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded", "partially_paid"})


def load_json(filepath: str) -> Any:
    """Read a JSON file with Decimal numbers, or say which file is not JSON and where."""
    try:
        raw = Path(filepath).read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(filepath, 0, "is not UTF-8 JSON; save it again as UTF-8") from exc
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            filepath, exc.lineno, f"is not valid JSON ({exc.msg}); fetch or export it again"
        ) from exc


def _pages(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("pages"), list):
        return list(document["pages"])
    return [document]


def _money(node: dict[str, Any], field: str) -> Decimal:
    """Shop money of ``field``: the ``<field>_set`` bag when present, else the plain field."""
    bag = node.get(f"{field}_set")
    if isinstance(bag, dict) and isinstance(bag.get("shop_money"), dict):
        return Decimal(str(bag["shop_money"]["amount"]))
    value = node.get(field)
    return Decimal(str(value)) if value not in (None, "") else ZERO


def _timestamp(value: str, where: str, field: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise InputError(where, 0, f"{field} {value!r} is not an ISO 8601 timestamp") from exc
    if moment.tzinfo is None:
        raise InputError(where, 0, f"{field} {value!r} has no UTC offset")
    return moment


def _tax(node: dict[str, Any]) -> tuple[Decimal, Decimal | None]:
    """Return (rate in percent, tax amount) from a node's ``tax_lines``."""
    lines = node.get("tax_lines") or []
    if not lines:
        return ZERO, None
    rate = sum((Decimal(str(t.get("rate", 0))) for t in lines), ZERO) * 100
    amount = sum((_money(t, "price") for t in lines), ZERO)
    return percent(rate), amount


def _allocations(node: dict[str, Any]) -> Decimal:
    allocations = node.get("discount_allocations")
    if allocations:
        return sum((_money(a, "amount") for a in allocations), ZERO)
    return _money(node, "total_discount")


def _customer(order: dict[str, Any]) -> Customer:
    address = order.get("shipping_address") or order.get("billing_address") or {}
    customer = order.get("customer") or {}
    name = address.get("name") or " ".join(
        part for part in (customer.get("first_name"), customer.get("last_name")) if part
    )
    if address.get("company"):
        name = str(address["company"])
    vat = ""
    for attribute in order.get("note_attributes") or []:
        if str(attribute.get("name", "")).lower() in ("vat_number", "vat", "tva", "vat number"):
            vat = str(attribute.get("value", "")).replace(" ", "").upper()
    lines = tuple(
        str(address[key])
        for key in ("address1", "address2", "zip", "city", "country")
        if address.get(key)
    )
    return Customer(
        name=name or str(order.get("email") or ""),
        email=str(order.get("email") or ""),
        country=str(address.get("country_code") or "").upper(),
        vat_number=vat,
        address=lines,
    )


def _status(order: dict[str, Any]) -> OrderStatus:
    financial = str(order.get("financial_status") or "")
    if financial in PAID_STATUSES:
        return OrderStatus.PAID
    if order.get("cancelled_at") or financial == "voided":
        return OrderStatus.CANCELLED
    return OrderStatus.PENDING


def parse_order(order: dict[str, Any], source: str, where: str) -> Order:
    """Turn one Shopify order into an :class:`Order` (refunds come from :func:`parse_refunds`)."""
    lines = []
    for item in order.get("line_items") or []:
        rate, tax = _tax(item)
        lines.append(
            OrderLine(
                sku=str(item.get("sku") or ""),
                description=str(item.get("name") or item.get("title") or ""),
                quantity=Decimal(str(item["quantity"])),
                unit_price=_money(item, "price"),
                vat_rate=rate,
                discount=_allocations(item),
                tax=tax,
                gift_card=bool(item.get("gift_card")),
                line_id=str(item.get("id", "")),
            )
        )
    shipping = []
    for ship in order.get("shipping_lines") or []:
        rate, tax = _tax(ship)
        shipping.append(
            ShippingLine(
                description=str(ship.get("title") or "Shipping"),
                price=_money(ship, "price"),
                vat_rate=rate,
                discount=_allocations(ship),
                tax=tax,
            )
        )
    presentment = order.get("total_price_set", {}).get("presentment_money") or {}
    fulfilled = [
        f.get("created_at") for f in order.get("fulfillments") or [] if f.get("created_at")
    ]
    gift_cards = sum(
        (_money(t, "amount") for t in order.get("transactions") or []
         if t.get("gateway") == "gift_card" and t.get("status") == "success"),
        ZERO,
    )  # fmt: skip
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("name") or order.get("order_number") or ""),
        processed_at=_timestamp(
            str(order.get("processed_at") or order.get("created_at")), where, "processed_at"
        ),
        currency=str(order.get("currency") or "EUR"),
        prices_include_tax=bool(order.get("taxes_included")),
        lines=tuple(lines),
        shipping=tuple(shipping),
        gift_card_payments=gift_cards,
        total=_money(order, "total_price"),
        customer=_customer(order),
        status=_status(order),
        gateway=str((order.get("payment_gateway_names") or [order.get("gateway") or ""])[0]),
        presentment_currency=str(presentment.get("currency_code") or ""),
        presentment_total=(
            Decimal(str(presentment["amount"])) if presentment.get("amount") else None
        ),
        shipped_at=(
            _timestamp(str(min(fulfilled)), where, "fulfillments.created_at").date()
            if fulfilled
            else None
        ),
    )


def parse_refunds(order: dict[str, Any], source: str, where: str) -> list[Refund]:
    """Turn an order's embedded refunds into :class:`Refund` records."""
    refunds = []
    for refund in order.get("refunds") or []:
        lines = []
        for item in refund.get("refund_line_items") or []:
            line_item = item.get("line_item") or {}
            rate, _ = _tax(line_item)
            lines.append(
                RefundLine(
                    sku=str(line_item.get("sku") or ""),
                    description=str(line_item.get("name") or ""),
                    quantity=Decimal(str(item.get("quantity", 0))),
                    amount=_money(item, "subtotal"),
                    tax=_money(item, "total_tax"),
                    vat_rate=rate,
                    restock=item.get("restock_type") in ("return", "cancel")
                    or bool(refund.get("restock")),
                )
            )
        shipping_amount = shipping_tax = ZERO
        for adjustment in refund.get("order_adjustments") or []:
            if adjustment.get("kind") == "shipping_refund":
                shipping_amount -= _money(adjustment, "amount")
                shipping_tax -= _money(adjustment, "tax_amount")
        shipping_rate = next(
            (_tax(s)[0] for s in order.get("shipping_lines") or [] if s.get("tax_lines")), ZERO
        )
        total = sum(
            (_money(t, "amount") for t in refund.get("transactions") or []
             if t.get("kind") == "refund" and t.get("status", "success") == "success"),
            ZERO,
        )  # fmt: skip
        refunds.append(
            Refund(
                source=source,
                filename=where,
                refund_id=str(refund["id"]),
                order_id=str(order["id"]),
                processed_at=_timestamp(
                    str(refund.get("processed_at") or refund.get("created_at")),
                    where,
                    "refunds.created_at",
                ),
                currency=str(order.get("currency") or "EUR"),
                lines=tuple(lines),
                shipping_amount=shipping_amount,
                shipping_tax=shipping_tax,
                shipping_vat_rate=shipping_rate,
                total=total,
            )
        )
    return refunds


def parse_payouts(document: Any, source: str, where: str) -> list[Payout]:
    """Turn Shopify Payments payouts (and their balance transactions) into :class:`Payout`."""
    payouts: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    for page in _pages(document):
        payouts.extend(page.get("payouts") or [])
        transactions.extend(page.get("transactions") or page.get("balance_transactions") or [])
    by_payout: dict[str, list[BalanceTransaction]] = {}
    for txn in transactions:
        if txn.get("type") == "payout" or not txn.get("payout_id"):
            continue
        by_payout.setdefault(str(txn["payout_id"]), []).append(
            BalanceTransaction(
                transaction_id=str(txn["id"]),
                type=str(txn.get("type", "")),
                amount=Decimal(str(txn["amount"])),
                fee=Decimal(str(txn.get("fee", "0"))),
                net=Decimal(str(txn.get("net", "0"))),
                order_id=str(txn.get("source_order_id") or ""),
            )
        )
    records = []
    for payout in payouts:
        if payout.get("status") != "paid":
            continue
        summary = payout.get("summary") or {}
        fees = sum(
            (Decimal(str(summary.get(f"{group}_fee_amount", "0")))
             for group in ("charges", "refunds", "adjustments", "reserved_funds",
                           "retried_payouts")),
            ZERO,
        )  # fmt: skip
        txns = tuple(by_payout.get(str(payout["id"]), ()))
        if txns and not summary:
            fees = sum((t.fee for t in txns), ZERO)
        records.append(
            Payout(
                source=source,
                filename=where,
                payout_id=str(payout["id"]),
                date=dt.date.fromisoformat(str(payout["date"])),
                currency=str(payout.get("currency") or "EUR"),
                amount=Decimal(str(payout["amount"])),
                fees=fees,
                transactions=txns,
                status=str(payout.get("status")),
            )
        )
    return records


class Importer(OrderImporter):
    """Shopify orders, refunds and Shopify Payments payouts saved as JSON."""

    platform = "shopify"

    def identify(self, filepath: str) -> bool:
        """Recognise Shopify JSON by its envelope or its top-level keys."""
        if not filepath.endswith(".json"):
            return False
        try:
            with open(filepath, encoding="utf-8-sig") as handle:
                head = handle.read(4096)
        except (OSError, UnicodeDecodeError):
            return False
        if '"platform"' in head:
            return '"shopify"' in head.split('"pages"')[0]
        stripped = head.lstrip()
        return (
            stripped.startswith('{"orders"')
            or stripped.startswith('{"order"')
            or ('"payouts"' in head and '"summary"' in head)
        )

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield the orders, refunds and payouts of the file."""
        document = load_json(filepath)
        pages = _pages(document)
        orders: list[dict[str, Any]] = []
        for page in pages:
            if not isinstance(page, dict):
                raise InputError(filepath, 0, "is not a Shopify payload (expected an object)")
            orders.extend(page.get("orders") or ([page["order"]] if "order" in page else []))
        for raw in orders:
            try:
                order = parse_order(raw, self.source, filepath)
            except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
                if isinstance(exc, InputError):
                    raise
                raise InputError(
                    filepath, 0, f"order {raw.get('id', '?')}: field {exc} is missing or invalid"
                ) from exc
            yield order
            yield from parse_refunds(raw, self.source, filepath)
        yield from parse_payouts(document, self.source, filepath)
