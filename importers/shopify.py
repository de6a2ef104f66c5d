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
import os
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ecomledger.booking import EU_COUNTRIES, booking_date
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
from ecomledger.money import CENT, ZERO, percent, round_money, vat_from_inclusive
from ecomledger.vat_rates import rates_for

PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded", "partially_paid"})


_CACHE: dict[str, tuple[tuple[int, int], Any]] = {}


def load_json(filepath: str) -> Any:
    """Read a JSON file with Decimal numbers, or say which file is not JSON and where.

    The last file read is kept (keyed by size and modification time): identifying a
    hand-saved file parses it, and ``records`` then reuses that parse instead of reading a
    large payload twice.
    """
    try:
        stat = os.stat(filepath)
    except OSError as exc:
        raise InputError(filepath, 0, f"cannot be read ({exc.strerror})") from exc
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _CACHE.get(filepath)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        raw = Path(filepath).read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(filepath, 0, "is not UTF-8 JSON; save it again as UTF-8") from exc
    try:
        document = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            filepath, exc.lineno, f"is not valid JSON ({exc.msg}); fetch or export it again"
        ) from exc
    _CACHE.clear()
    _CACHE[filepath] = (stamp, document)
    return document


# -- shared by the JSON order importers (WooCommerce, PrestaShop, Magento...) ---------------

_ENVELOPE = re.compile(r'"format"\s*:\s*"ecomledger\.fetch/\d+"')
_PLATFORM = re.compile(r'"platform"\s*:\s*"([^"]*)"')


def envelope_platform(filepath: str) -> str | None:
    """The ``platform`` of a fetch envelope, read from the file's head; None otherwise.

    ``ecomledger fetch`` writes the header fields before the pages, so the first few KiB
    say whose file it is without parsing a payload of 100,000 orders.
    """
    try:
        with open(filepath, encoding="utf-8-sig") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    header = head.split('"pages"', 1)[0]
    if not _ENVELOPE.search(header):
        return None
    match = _PLATFORM.search(header)
    return match.group(1) if match else ""


def identify_payload(filepath: str, platform: str, shape: Callable[[Any], bool]) -> bool:
    """Recognise ``platform``'s JSON: by the envelope's platform, else by ``shape``.

    A hand-saved file has no envelope; ``shape`` looks at its parsed top level (the first
    order's keys), which tells the platforms apart where the list's key does not
    (``{"orders": [...]}`` is Shopify's, PrestaShop's, Square's and Wix's).
    """
    if not filepath.lower().endswith(".json"):
        return False
    found = envelope_platform(filepath)
    if found is not None:
        return found == platform
    try:
        document = load_json(filepath)
    except InputError:
        return False
    try:
        return bool(shape(document))
    except (AttributeError, KeyError, TypeError, IndexError):
        return False


def first_item(document: Any, key: str | None) -> dict[str, Any] | None:
    """The first object of a hand-saved list (``key`` None: a bare array), if any."""
    items = document if key is None else (document or {}).get(key)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None


def pages_of(document: Any) -> list[Any]:
    """The list bodies of a file: the envelope's pages, or the file itself."""
    return _pages(document)


def latest_by_id(items: Iterable[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    """Dedupe objects by id, keeping the last occurrence (fetch bounds are inclusive and
    lists are fetched oldest change first, so the last copy is the newest)."""
    latest: dict[str, dict[str, Any]] = {}
    for item in items:
        ident = str(item.get(key))
        latest.pop(ident, None)
        latest[ident] = item
    return list(latest.values())


def dec(value: Any) -> Decimal:
    """A money field as Decimal: numbers (already Decimal) and strings alike; empty is 0."""
    if value in (None, ""):
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def utc(value: str, where: str, field: str) -> dt.datetime:
    """A timestamp written in UTC without an offset (WooCommerce ``*_gmt``, Magento)."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T").replace("Z", ""))
    except ValueError as exc:
        raise InputError(where, 0, f"{field} {value!r} is not an ISO 8601 timestamp") from exc
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def unit_and_discount(
    quantity: Decimal, gross: Decimal, taxable: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (unit price, discount) such that ``quantity x unit - discount == taxable``.

    The unit price is the gross per unit to the cent; a division that does not end at the
    cent leaves its sub-cent remainder in the discount, so the line's taxable amount (the
    one its VAT was computed on) is booked exactly as the source states it.
    """
    if not quantity:
        return gross, gross - taxable
    unit = (gross / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return unit, unit * quantity - taxable


def tax_country(
    country: str, vat_number: str, rates: Iterable[Decimal], moment: dt.datetime, home: str
) -> str:
    """Whose VAT an EU consumer abroad was charged, when the source does not say.

    Every rate valid at the destination (and one of them taxed) means the shop charged
    destination VAT (OSS); a rate the destination does not have is home VAT. Booking's own
    rule only looks at home rates, so a Spanish 10 % would otherwise land on French VAT.
    """
    country = country.upper()
    taxed = {r for r in rates if r}
    if vat_number or country == home or country not in EU_COUNTRIES or not taxed:
        return ""
    valid = rates_for(country, booking_date(moment, "UTC"))
    return country if taxed <= valid else home


def implied_rate(gross: Decimal, tax: Decimal, country: str, moment: dt.datetime) -> Decimal:
    """The VAT rate of an amount that states its VAT but not its rate (Magento shipping,
    PrestaShop rows): VAT over net, snapped to the nearest rate legal at the destination or
    at home, since a rate computed from rounded cents is never exact."""
    if not tax or gross == tax:
        return ZERO
    raw = tax / (gross - tax) * 100
    day = booking_date(moment, "UTC")
    legal = rates_for(country, day) | rates_for("FR", day)
    nearest = min(legal, key=lambda r: abs(r - raw), default=None)
    if nearest is not None and abs(nearest - raw) <= Decimal("0.5"):
        return nearest
    return percent(raw.quantize(Decimal("0.1")))


def refund_from_total(
    order: Order, refund_id: str, moment: dt.datetime, amount: Decimal, where: str
) -> Refund:
    """A credit note for a refund the source gives only as a total, split pro rata.

    WooCommerce's refund summary, Magento's ``total_refunded`` and the like say how much
    went back but not for what. A full refund reverses each line exactly; a partial one is
    shared in proportion to each line's VAT-inclusive amount (largest remainders first, so
    the shares add up to the cent), each share's VAT taken at its line's rate.
    """
    parts = [_part(order, line.quantity * line.unit_price, line.discount, line.tax, line.vat_rate)
             for line in order.lines]  # fmt: skip
    parts += [_part(order, s.price, s.discount, s.tax, s.vat_rate) for s in order.shipping]
    whole = sum((gross for gross, _, _ in parts), ZERO)
    full = amount >= whole
    shares = _largest_remainders(min(amount, whole), [gross for gross, _, _ in parts])
    lines: list[RefundLine] = []
    ship_amount = ship_tax = ship_rate = ZERO
    for index, ((_, tax, rate), share) in enumerate(zip(parts, shares, strict=True)):
        vat = tax if full else round_money(share * rate / (100 + rate), order.currency)
        if index >= len(order.lines):
            ship_amount, ship_tax = ship_amount + share - vat, ship_tax + vat
            ship_rate = rate if share else ship_rate
            continue
        line = order.lines[index]
        lines.append(
            RefundLine(
                sku=line.sku,
                description=line.description,
                quantity=line.quantity if full else ZERO,
                amount=share - vat,
                tax=vat,
                vat_rate=rate,
            )
        )
    return Refund(
        source=order.source,
        filename=where,
        refund_id=refund_id,
        order_id=order.order_id,
        processed_at=moment,
        currency=order.currency,
        lines=tuple(line for line in lines if line.amount or line.tax or line.quantity),
        shipping_amount=ship_amount,
        shipping_tax=ship_tax,
        shipping_vat_rate=ship_rate,
        total=amount,
        gateway=order.gateway,
    )


def _part(
    order: Order, gross: Decimal, discount: Decimal, tax: Decimal | None, rate: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """(VAT-inclusive amount, VAT, rate) of an order line or shipping line; the VAT the
    booking computes when the source states none."""
    taxable = gross - discount
    if tax is not None:
        vat = tax
    elif order.prices_include_tax:
        vat = vat_from_inclusive(taxable, rate, order.currency)
    else:
        vat = round_money(taxable * rate / 100, order.currency)
    return (taxable if order.prices_include_tax else taxable + vat), vat, rate


def _largest_remainders(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` by ``weights`` to the cent, the parts adding up exactly."""
    whole = sum(weights, ZERO)
    if not whole:
        return [ZERO for _ in weights]
    raw = [total * w / whole for w in weights]
    parts = [r.quantize(CENT, rounding="ROUND_DOWN") for r in raw]
    short = int((total - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[:short]:
        parts[i] += CENT
    return parts


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


def parse_order(order: dict[str, Any], source: str, where: str, home: str = "FR") -> Order:
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
    processed_at = _timestamp(
        str(order.get("processed_at") or order.get("created_at")), where, "processed_at"
    )
    customer = _customer(order)
    rates = [line.vat_rate for line in lines] + [ship.vat_rate for ship in shipping]
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("name") or order.get("order_number") or ""),
        processed_at=processed_at,
        currency=str(order.get("currency") or "EUR"),
        prices_include_tax=bool(order.get("taxes_included")),
        lines=tuple(lines),
        shipping=tuple(shipping),
        gift_card_payments=gift_cards,
        total=_money(order, "total_price"),
        customer=customer,
        tax_country=tax_country(customer.country, customer.vat_number, rates, processed_at, home),
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
    inclusive = bool(order.get("taxes_included"))
    by_id = {str(li.get("id")): li for li in order.get("line_items") or []}
    for refund in order.get("refunds") or []:
        lines = []
        for item in refund.get("refund_line_items") or []:
            line_item = item.get("line_item") or {}
            # the refund's copy of the line may lack its tax lines: the order's has them
            original = by_id.get(str(item.get("line_item_id") or line_item.get("id")), {})
            rate, _ = _tax(line_item) if line_item.get("tax_lines") else _tax(original)
            tax = _money(item, "total_tax")
            subtotal = _money(item, "subtotal")  # VAT included when the prices include it
            lines.append(
                RefundLine(
                    sku=str(line_item.get("sku") or original.get("sku") or ""),
                    description=str(line_item.get("name") or original.get("name") or ""),
                    quantity=Decimal(str(item.get("quantity", 0))),
                    amount=subtotal - tax if inclusive else subtotal,
                    tax=tax,
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
    related = document.get("related") if isinstance(document, dict) else None
    for bodies in ((related or {}).get("balance_transactions") or {}).values():
        for body in bodies or []:
            if isinstance(body, dict):
                transactions.extend(body.get("transactions") or [])
    by_payout: dict[str, list[BalanceTransaction]] = {}
    for txn in latest_by_id(transactions):
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
    for payout in latest_by_id(payouts):
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
        """Recognise Shopify JSON by its envelope or its top-level shape."""
        return identify_payload(filepath, self.platform, _is_shopify)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield the orders, refunds and payouts of the file."""
        document = load_json(filepath)
        pages = _pages(document)
        orders: list[dict[str, Any]] = []
        for page in pages:
            if not isinstance(page, dict):
                raise InputError(filepath, 0, "is not a Shopify payload (expected an object)")
            orders.extend(page.get("orders") or ([page["order"]] if "order" in page else []))
        for raw in latest_by_id(orders):
            try:
                order = parse_order(raw, self.source, filepath, self.sale.home_country)
            except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
                if isinstance(exc, InputError):
                    raise
                raise InputError(
                    filepath, 0, f"order {raw.get('id', '?')}: field {exc} is missing or invalid"
                ) from exc
            yield order
            yield from parse_refunds(raw, self.source, filepath)
        yield from parse_payouts(document, self.source, filepath)


def _is_shopify(document: Any) -> bool:
    """A hand-saved Shopify body: orders with ``financial_status``, or payouts with their
    ``summary`` (an empty ``{"orders": []}`` is Shopify's too: nothing to book anyway)."""
    if not isinstance(document, dict):
        return False
    if isinstance(document.get("order"), dict):
        return "line_items" in document["order"]
    if isinstance(document.get("orders"), list):
        first = first_item(document, "orders")
        return first is None or "financial_status" in first or "total_price_set" in first
    payout = first_item(document, "payouts")
    return payout is not None and "summary" in payout
