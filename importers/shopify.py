"""Shopify Admin REST payloads (orders with embedded refunds, Shopify Payments payouts).

Reads what ``ecomledger fetch`` saves (an envelope ``{"platform": "shopify", "pages": [...]}``)
and what a merchant saves by hand from the API (``{"orders": [...]}``, ``{"order": {...}}``,
``{"payouts": [...], "transactions": [...]}``). Money is read from the fields that carry it:
line prices, ``discount_allocations``, ``tax_lines`` and the shop-money side of each
``*_set`` bag; stated totals are checked against them by booking, never trusted blindly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ecomledger.booking import bookable
from ecomledger.errors import InputError
from ecomledger.importers import _shopify_graphql as bulk
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    dec,
    describe_error,
    first_item,
    identify_payload,
    implied_rate,
    largest_remainders,
    latest_by_id,
    pages_of,
    take_json,
    tax_country,
)
from ecomledger.memory import consume
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
    processed_at = _timestamp(
        str(order.get("processed_at") or order.get("created_at")), where, "processed_at"
    )
    customer = _customer(order)
    if not lines:
        lines = _summary_line(order, customer.country, processed_at)
    elif not any(item.get("tax_lines") for item in order.get("line_items") or []) and not any(
        ship.get("tax_lines") for ship in order.get("shipping_lines") or []
    ):
        lines = _spread_order_tax(order, lines)
    presentment = order.get("total_price_set", {}).get("presentment_money") or {}
    fulfilled = [  # a failed, errored or cancelled fulfillment shipped nothing
        f.get("created_at")
        for f in order.get("fulfillments") or []
        if f.get("created_at") and f.get("status") not in ("failure", "error", "cancelled")
    ]
    gift_cards = sum(
        (_money(t, "amount") for t in order.get("transactions") or []
         if t.get("gateway") == "gift_card" and t.get("status") == "success"
         and t.get("kind", "sale") in ("sale", "capture")),
        ZERO,
    )  # fmt: skip
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
        gateway=_gateway(order),
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


def _summary_line(order: dict[str, Any], country: str, moment: dt.datetime) -> list[OrderLine]:
    """One line standing for the goods of an order saved without its ``line_items``.

    A list response trimmed of its lines (``fields=`` without ``line_items``) still states
    what the goods, their discount and their tax came to; those stated totals are then the
    only fields that carry the money, so they are booked as one line (and the importer says
    so in a finding) rather than leaving the whole receivable on ``Expenses:Rounding``.
    """
    gross = _money(order, "total_line_items_price")
    if not gross:
        return []
    discount = _money(order, "total_discounts")
    tax = _money(order, "total_tax")
    rate, _ = _tax(order)
    if not rate and tax:
        inclusive = bool(order.get("taxes_included"))
        rate = implied_rate(gross - discount + (ZERO if inclusive else tax), tax, country, moment)
    return [
        OrderLine(
            description="Line items (not itemised in the file)",
            quantity=Decimal(1),
            unit_price=gross,
            vat_rate=rate,
            discount=discount,
            tax=tax if tax else None,
        )
    ]


def _spread_order_tax(order: dict[str, Any], lines: list[OrderLine]) -> list[OrderLine]:
    """Give the order's own ``tax_lines`` to lines that carry none (the old order shape).

    Older orders state their tax only once, on the order. Booking needs it per line: it is
    shared over the taxable lines in proportion to their discounted amounts, to the cent,
    at the order's rate, so the VAT booked is exactly the tax the order states.
    """
    rate, tax = _tax(order)
    if not tax:
        return lines
    taxable = [
        i
        for i, (line, item) in enumerate(zip(lines, order.get("line_items") or [], strict=False))
        if item.get("taxable", True) and not line.gift_card
    ]
    weights = [lines[i].quantity * lines[i].unit_price - lines[i].discount for i in taxable]
    shares = largest_remainders(tax, weights)
    spread = list(lines)
    for i, share in zip(taxable, shares, strict=True):
        spread[i] = lines[i].model_copy(update={"vat_rate": rate, "tax": share})
    return spread


def _gateway(order: dict[str, Any]) -> str:
    """The gateway that took the money: gift cards aside, they only spend earlier sales."""
    names = [str(n) for n in order.get("payment_gateway_names") or [order.get("gateway") or ""]]
    return next((n for n in names if n != "gift_card"), names[0] if names else "")


def parse_refunds(order: dict[str, Any], source: str, where: str) -> list[Refund]:
    """Turn an order's embedded refunds into :class:`Refund` records."""
    if not order.get("refunds"):
        return []  # most orders: skip indexing their lines
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
                    restock=_restocks(item, refund),
                    gift_card=bool(line_item.get("gift_card") or original.get("gift_card")),
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
        returned = [
            t for t in refund.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status", "success") == "success"
        ]  # fmt: skip
        total = sum((_money(t, "amount") for t in returned), ZERO)
        to_gift_cards = sum(
            (_money(t, "amount") for t in returned if t.get("gateway") == "gift_card"), ZERO
        )
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
                gift_card_refunds=to_gift_cards,
            )
        )
    return refunds


#: ``restock_type`` values that put the units back in stock (``no_restock`` does not).
_RESTOCKING = frozenset({"return", "cancel", "legacy_restock"})


def _restocks(item: dict[str, Any], refund: dict[str, Any]) -> bool:
    """Whether a refund line's units go back to stock: its own ``restock_type`` decides.

    The refund-level ``restock`` flag is deprecated and says nothing per line: it is only
    read for old refunds whose lines carry no ``restock_type``. A ``no_restock`` line (a
    broken item the customer keeps) never restocks, whatever that flag says.
    """
    kind = item.get("restock_type")
    if kind:
        return str(kind) in _RESTOCKING
    return bool(refund.get("restock"))


def parse_payouts(document: Any, source: str, where: str) -> list[Payout]:
    """Turn Shopify Payments payouts (and their balance transactions) into :class:`Payout`."""
    payouts: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    for page in pages_of(document):
        payouts.extend(page.get("payouts") or ([page["payout"]] if "payout" in page else []))
        transactions.extend(page.get("transactions") or page.get("balance_transactions") or [])
    related = document.get("related") if isinstance(document, dict) else None
    for bodies in ((related or {}).get("balance_transactions") or {}).values():
        for body in bodies or []:
            if isinstance(body, dict):
                transactions.extend(body.get("transactions") or [])
    transactions.extend(bulk.balance_transactions(document))
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
        amount = Decimal(str(payout["amount"]))
        records.append(
            Payout(
                source=source,
                filename=where,
                payout_id=str(payout["id"]),
                date=dt.date.fromisoformat(str(payout["date"])),
                currency=str(payout.get("currency") or "EUR"),
                amount=amount,
                fees=fees,
                transactions=txns,
                status=str(payout.get("status")),
                components=_components(summary, txns, amount),
            )
        )
    return records


#: Balance transaction types → the payout component they belong to (see
#: :func:`ecomledger.booking.book_payout`); any other type is cleared like a charge.
_COMPONENT_OF_TYPE = {
    "charge": "charge",
    "refund": "refund",
    "dispute": "dispute",
    "reserve": "reserve",
    "adjustment": "adjustment",
    "credit": "adjustment",
    "debit": "adjustment",
    "payout_failure": "retried",
    "payout_cancellation": "retried",
}

#: Payout summary groups → component (Shopify counts disputes among the adjustments).
_COMPONENT_OF_GROUP = {
    "charges": "charge",
    "refunds": "refund",
    "adjustments": "adjustment",
    "reserved_funds": "reserve",
    "retried_payouts": "retried",
}


def _components(
    summary: dict[str, Any], txns: tuple[BalanceTransaction, ...], amount: Decimal
) -> tuple[BalanceTransaction, ...]:
    """What a payout's gross is made of: its balance transactions when they explain it
    (their nets add up to its amount), which tell a dispute from another adjustment; else
    its summary's groups; else nothing (the whole gross then clears the clearing account).
    """
    if txns and sum((t.net for t in txns), ZERO) == amount:
        return tuple(
            t.model_copy(update={"type": _COMPONENT_OF_TYPE.get(t.type, "charge")}) for t in txns
        )
    parts = []
    for group, kind in _COMPONENT_OF_GROUP.items():
        gross = dec(summary.get(f"{group}_gross_amount"))
        fee = dec(summary.get(f"{group}_fee_amount"))
        if gross or fee:
            parts.append(
                BalanceTransaction(
                    transaction_id=f"summary:{group}", type=kind, amount=gross, fee=fee,
                    net=gross - fee,
                )
            )  # fmt: skip
    return tuple(parts)


#: Transaction kinds that take the buyer's money; refunds are read from ``refunds`` instead.
_PAYMENT_KINDS = frozenset({"sale", "capture"})


def _with_transactions(orders: list[dict[str, Any]], document: Any) -> list[dict[str, Any]]:
    """Each order with the payments ``fetch`` saved beside it under ``related.transactions``.

    Shopify's REST order does not embed its transactions, so ``fetch`` gets those of the
    orders paid partly by gift card: from a bulk export (``related.bulk_transactions``,
    read by `ecomledger.importers._shopify_graphql`) and, for an order the export missed,
    over REST (``related.transactions``, per order id). ``parse_order`` reads
    the gift-card part from ``order["transactions"]``; without the merge the whole total
    would wait on the processor's clearing account for a payout that never brings it. Only
    payments are merged (a refund to a gift card is already in the order's ``refunds``),
    and transactions the order already carries are kept (deduped by id).
    """
    related = document.get("related") if isinstance(document, dict) else None
    fetched = (related or {}).get("transactions") or {}
    exported = bulk.order_payments(document)
    if (not isinstance(fetched, dict) or not fetched) and not exported:
        return orders
    if not isinstance(fetched, dict):
        fetched = {}
    merged = []
    for order in orders:
        bodies = fetched.get(str(order.get("id"))) or []
        extra = [
            t
            for t in [
                *(t for body in bodies if isinstance(body, dict)
                  for t in body.get("transactions") or []),
                *exported.get(str(order.get("id")), ()),
            ]
            if isinstance(t, dict) and t.get("kind") in _PAYMENT_KINDS
        ]  # fmt: skip
        if extra:
            known = list(order.get("transactions") or [])
            order = {**order, "transactions": latest_by_id([*known, *extra])}
        merged.append(order)
    return merged


class Importer(OrderImporter):
    """Shopify orders, refunds and Shopify Payments payouts saved as JSON.

    ``findings`` (by file) says what a file states that its money fields contradict, and
    why a recognised file booked nothing: ``ecomledger import`` prints them.
    """

    platform = "shopify"

    def identify(self, filepath: str) -> bool:
        """Recognise Shopify JSON by its envelope or its top-level shape."""
        return identify_payload(filepath, self.platform, _is_shopify)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield the orders, refunds and payouts of the file."""
        document = take_json(filepath)  # taken apart below: each order freed once booked
        findings = self.findings[filepath] = []
        if _no_money(document, filepath, findings):
            return
        pages = pages_of(document)
        orders: list[dict[str, Any]] = []
        for page in pages:
            if not isinstance(page, dict):
                raise InputError(filepath, 0, "is not a Shopify payload (expected an object)")
            orders.extend(page.pop("orders", None) or ([page["order"]] if "order" in page else []))
        latest = _with_transactions(latest_by_id(orders), document)
        orders.clear()
        for raw in consume(latest):
            try:
                order = parse_order(raw, self.source, filepath, self.sale.home_country)
            except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
                if isinstance(exc, InputError):
                    raise
                raise InputError(
                    filepath,
                    0,
                    f"order {raw.get('id', '?')}: {describe_error(raw, exc)} is missing or invalid",
                ) from exc
            findings.extend(order_findings(raw, order))
            yield order
            yield from parse_refunds(raw, self.source, filepath)
        findings.extend(payout_findings(document))
        yield from parse_payouts(document, self.source, filepath)


def order_findings(raw: dict[str, Any], order: Order) -> list[str]:
    """What an order's stated totals say that its lines do not, and why it books nothing.

    Booking takes the money from the lines, discounts and tax lines; a stated total that
    disagrees is named here (field, stated, computed) so that the user learns which one the
    source got wrong instead of the books silently following either.
    """
    name = order.order_number or order.order_id
    ccy = order.currency
    found = []
    items = raw.get("line_items") or []
    lines = sum((_money(i, "price") * Decimal(str(i.get("quantity", 0))) for i in items), ZERO)
    stated_lines = _money(raw, "total_line_items_price")
    if not items and stated_lines:
        found.append(
            f"order {name} lists no line_items: booked as one line from "
            f"total_line_items_price {stated_lines} {ccy}, total_discounts and total_tax"
        )
        lines = stated_lines
    elif raw.get("total_line_items_price") is not None and lines != stated_lines:
        found.append(
            f"order {name}: the line items add up to {lines} {ccy} but "
            f"total_line_items_price says {stated_lines} {ccy}; booked from the line items"
        )
    discounts = _money(raw, "total_discounts")
    if raw.get("subtotal_price") is not None and _money(raw, "subtotal_price") != lines - discounts:
        found.append(
            f"order {name}: the line items less total_discounts come to {lines - discounts} "
            f"{ccy} but subtotal_price says {_money(raw, 'subtotal_price')} {ccy}; "
            "subtotal_price was not used"
        )
    if not bookable(order):
        status = raw.get("financial_status") or "not paid"
        then = (
            "nothing will be"
            if order.status is OrderStatus.CANCELLED
            else "import it again once it is paid"
        )
        found.append(f"order {name} is {status}: no money moved, nothing booked; {then}")
    return found


def payout_findings(document: Any) -> list[str]:
    """Payouts whose summary, or whose balance transactions, do not add up to their amount.

    The payout is booked at ``amount`` (what reached the bank); the summary and the balance
    transactions only explain it, so a disagreement is reported, naming the payout and the
    field, rather than booked.
    """
    found = []
    payouts: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    for page in pages_of(document):
        if isinstance(page, dict):
            payouts.extend(page.get("payouts") or ([page["payout"]] if "payout" in page else []))
            transactions.extend(page.get("transactions") or page.get("balance_transactions") or [])
    for payout in latest_by_id(payouts):
        summary = payout.get("summary") or {}
        if not summary:
            continue
        gross = sum((dec(v) for k, v in summary.items() if k.endswith("_gross_amount")), ZERO)
        fees = sum((dec(v) for k, v in summary.items() if k.endswith("_fee_amount")), ZERO)
        amount, ccy = dec(payout.get("amount")), payout.get("currency", "")
        if gross - fees != amount:
            found.append(
                f"payout {payout.get('id')} ({payout.get('status')}): its summary's gross "
                f"{gross} less fees {fees} is {gross - fees} {ccy} but amount says "
                f"{amount} {ccy}; booked at amount"
            )
    nets: dict[str, Decimal] = {}
    paid: dict[str, dict[str, Any]] = {}
    for txn in latest_by_id(transactions):
        if not isinstance(txn, dict) or not txn.get("payout_id"):
            continue
        if txn.get("type") == "payout":
            paid[str(txn["payout_id"])] = txn
            continue
        amount, fee, net = dec(txn.get("amount")), dec(txn.get("fee")), dec(txn.get("net"))
        if amount - fee != net:
            found.append(
                f"balance transaction {txn.get('id')}: amount {amount} less fee {fee} is "
                f"{amount - fee} but net says {net}"
            )
        nets[str(txn["payout_id"])] = nets.get(str(txn["payout_id"]), ZERO) + net
    for payout_id, txn in paid.items():
        total, ccy = nets.get(payout_id, ZERO), txn.get("currency", "")
        if total != -dec(txn.get("amount")):
            found.append(
                f"payout {payout_id}: its balance transactions' net add up to {total} {ccy} "
                f"but its payout transaction's amount says {-dec(txn.get('amount'))} {ccy}"
            )
    if transactions and not payouts:
        found.append(
            "balance transactions only explain payouts: nothing booked from them; "
            "import the payouts themselves (GET /shopify_payments/payouts.json)"
        )
    return found


def _no_money(document: Any, filepath: str, findings: list[str]) -> bool:
    """Handle a Shopify body that books nothing on its own; True when the file is one.

    A standalone refund did move money, but its credit note must reverse the invoice's own
    lines and VAT, which only its order carries (orders embed their refunds): it is
    refused. An order's transactions, a refund *calculation*, a balance and a dispute move
    no money the books do not get elsewhere (orders and payouts): they book nothing, and
    say why.
    """
    if isinstance(document, list):
        kinds = sorted({str(t.get("kind")) for t in document if isinstance(t, dict)})
        orders = sorted({str(t.get("order_id")) for t in document if isinstance(t, dict)})
        moved = "it moved no money" if kinds == ["authorization"] else "sales book from orders"
        findings.append(
            f"order transactions ({', '.join(kinds)}) of order {', '.join(orders)}: {moved}; "
            "nothing booked, import the order itself"
        )
        return True
    if not isinstance(document, dict):
        return False
    refund = document.get("refund")
    if isinstance(refund, dict):
        refund_kinds = {str(t.get("kind")) for t in refund.get("transactions") or []}
        if "suggested_refund" in refund_kinds or "shipping" in refund:
            findings.append(
                "a refunds/calculate response is a suggestion, not a refund: it moved no "
                "money; nothing booked"
            )
            return True
        order_id = refund.get("order_id") or next(
            (t.get("order_id") for t in refund.get("transactions") or []), "?"
        )
        raise InputError(
            filepath,
            0,
            f"is a refund of order {order_id} saved without its order; import the order "
            f"(GET /orders/{order_id}.json embeds its refunds): a credit note reverses the "
            "invoice's own lines, which only the order carries",
        )
    if "balance" in document:
        findings.append("a Shopify Payments balance is a snapshot, not a movement: nothing booked")
        return True
    dispute = document.get("dispute")
    if isinstance(dispute, dict):
        findings.append(
            f"dispute {dispute.get('id')} ({dispute.get('type')}, {dispute.get('status')}, "
            f"{dispute.get('amount')} {dispute.get('currency')}): its money moves through the "
            "payout's balance transactions (type dispute); nothing booked from this file"
        )
        return True
    return False


def _is_shopify(document: Any) -> bool:
    """A hand-saved Shopify body: orders with ``financial_status``, payouts with their
    ``summary``, balance transactions, a refund, an order's transactions, a balance or a
    dispute (an empty ``{"orders": []}`` is Shopify's too: nothing to book anyway)."""
    if isinstance(document, list):
        first = first_item(document, None)
        return first is not None and {"kind", "gateway", "order_id"} <= first.keys()
    if not isinstance(document, dict):
        return False
    if isinstance(document.get("order"), dict):
        return "line_items" in document["order"]
    if isinstance(document.get("orders"), list):
        first = first_item(document, "orders")
        return first is None or "financial_status" in first or "total_price_set" in first
    if isinstance(document.get("payout"), dict):
        return "summary" in document["payout"]
    if isinstance(document.get("refund"), dict):
        return "refund_line_items" in document["refund"]
    if isinstance(document.get("dispute"), dict):
        return "network_reason_code" in document["dispute"]
    if set(document) == {"balance"}:
        first = first_item(document, "balance")
        return first is not None and {"currency", "amount"} == set(first)
    txn = first_item(document, "transactions")
    if txn is not None:
        return {"payout_id", "payout_status", "source_order_transaction_id"} <= txn.keys()
    payout = first_item(document, "payouts")
    return payout is not None and "summary" in payout
