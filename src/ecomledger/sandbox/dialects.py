"""Render the sandbox's neutral orders in each platform's own JSON dialect.

Each platform spells the same sale differently, and the differences are exactly what the
importers must get right (spec/formats.md): decimal strings for Shopify, WooCommerce,
BigCommerce (4 decimals), PrestaShop (6 decimals) and Wix (no trailing zeros); JSON numbers
for Magento; integer minor units for Stripe and Square; UTC with or without ``Z``, shop
local time without an offset (PrestaShop, WooCommerce ``date_created``), RFC 2822
(BigCommerce). Field names follow each platform's documented objects; fields nobody reads
are left out rather than invented.

Values are ``Decimal`` here and are written as JSON numbers or strings by `dumps`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from ecomledger.sandbox.data import (
    COUNTRIES,
    HOME,
    ZERO,
    BalanceTxn,
    Customer,
    Dataset,
    Line,
    Order,
    Payout,
    Refund,
    RefundLine,
    vat_in,
)

SHOP_TZ = ZoneInfo("Europe/Paris")
SHOP_DOMAIN = "sandbox-the.myshopify.com"


def dumps(value: Any) -> str:
    """JSON text with ``Decimal`` written as a number, digit for digit (no float).

    The C encoder writes everything; a ``Decimal`` goes through it as a marked string
    whose quotes and marks are then dropped, which is several times faster than walking
    the value in Python (the sandbox encodes megabytes per fetch in the benchmarks).
    """
    text = json.dumps(value, default=_marked, ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text) if "\\u0000" in text else text


_MARKED = re.compile(r'"\\u0000([-+0-9.Ee]*)\\u0000"')


def _marked(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"\x00{value:f}\x00"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def s2(amount: Decimal) -> str:
    """Two-decimal string: ``"12.90"``."""
    return f"{amount:.2f}"


def minor(amount: Decimal) -> int:
    """Integer minor units (cents) of a EUR/USD/GBP/CHF amount."""
    return int((amount * 100).to_integral_value())


def _token(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def _iso_local(moment: datetime) -> str:
    return moment.astimezone(SHOP_TZ).isoformat()


def _iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _naive(moment: datetime, tz: ZoneInfo | None = None) -> str:
    """``YYYY-MM-DD HH:MM:SS`` without an offset (shop-local when ``tz`` is given)."""
    if tz is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _rate_fraction(rate: Decimal) -> Decimal:
    return (rate / 100).normalize() if rate else Decimal("0")


def _tax_title(order: Order) -> str:
    """The VAT a tax line names: the destination's, or the shop's own (French VAT on an
    EU consumer's order before the OSS threshold is passed)."""
    rates = {li.rate for li in order.lines if li.rate}
    own = {order.country.standard, order.country.reduced}
    return f"{order.country.code if rates <= own else HOME} TVA"


# -- Shopify ------------------------------------------------------------------------------


def shopify_order(order: Order) -> dict[str, Any]:
    """An order as ``GET /admin/api/2025-01/orders.json`` returns it (refunds embedded)."""

    def money(amount: Decimal) -> dict[str, Any]:
        return {
            "shop_money": {"amount": s2(amount), "currency_code": "EUR"},
            "presentment_money": {
                "amount": s2(order.presentment(amount)),
                "currency_code": order.presentment_currency,
            },
        }

    def tax_line(amount: Decimal, rate: Decimal) -> dict[str, Any]:
        return {
            "price": s2(amount),
            "rate": _rate_fraction(rate),
            "title": _tax_title(order),
            "price_set": money(amount),
        }

    by_rate: dict[Decimal, Decimal] = {}
    for li in order.lines:
        if li.rate:
            by_rate[li.rate] = by_rate.get(li.rate, ZERO) + li.tax
    if order.shipping_tax:
        by_rate[order.shipping_rate] = by_rate.get(order.shipping_rate, ZERO) + order.shipping_tax
    current_total = order.total_price - order.total_refunded
    cust = order.customer
    address = {
        "first_name": cust.first_name,
        "last_name": cust.last_name,
        "company": cust.company,
        "address1": "1 rue du Sandbox",
        "city": cust.city,
        "zip": cust.zip,
        "country": order.country.name,
        "country_code": cust.country,
        "name": f"{cust.first_name} {cust.last_name}",
    }
    notes = [{"name": "vat_number", "value": cust.vat_number}] if cust.vat_number else []
    gateways = [p.gateway for p in order.payments] or ["shopify_payments"]
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": f"#{order.number}",
        "number": order.number - 1000,
        "order_number": order.number,
        "email": cust.email,
        "created_at": _iso_local(order.created_at),
        "processed_at": _iso_local(order.created_at),
        "updated_at": _iso_local(order.updated_at),
        "cancelled_at": _iso_local(order.cancelled_at) if order.cancelled_at else None,
        "cancel_reason": order.cancel_reason,
        "closed_at": None,
        "test": False,
        "currency": "EUR",
        "presentment_currency": order.presentment_currency,
        "taxes_included": True,
        "tax_exempt": order.reverse_charge,
        "financial_status": order.financial_status,
        "fulfillment_status": None if order.cancelled_at else "fulfilled",
        "gateway": gateways[-1],
        "payment_gateway_names": gateways,
        "source_name": "web",
        "tags": "B2B" if cust.vat_number else "",
        "note_attributes": notes,
        "total_line_items_price": s2(order.total_line_items_price),
        "total_line_items_price_set": money(order.total_line_items_price),
        "total_discounts": s2(order.total_discounts),
        "total_discounts_set": money(order.total_discounts),
        "subtotal_price": s2(order.subtotal_price),
        "subtotal_price_set": money(order.subtotal_price),
        "total_shipping_price_set": money(order.shipping_price),
        "total_tax": s2(order.total_tax),
        "total_tax_set": money(order.total_tax),
        "total_price": s2(order.total_price),
        "total_price_set": money(order.total_price),
        "current_total_price": s2(current_total),
        "current_total_price_set": money(current_total),
        "total_outstanding": "0.00",
        "tax_lines": [tax_line(v, r) for r, v in sorted(by_rate.items())],
        "discount_codes": [
            {
                "code": d.code,
                "type": d.value_type,
                "amount": s2(
                    sum((a for li in order.lines for i, a in li.allocations if i == d.index), ZERO)
                ),
            }
            for d in order.discounts
            if d.code
        ],
        "discount_applications": [
            {
                "type": d.kind,
                "value": f"{d.value:.1f}" if d.value_type == "percentage" else s2(d.value),
                "value_type": d.value_type,
                "allocation_method": d.allocation_method,
                "target_selection": "all" if d.allocation_method == "across" else "explicit",
                "target_type": "line_item",
                **({"code": d.code} if d.code else {"title": d.title, "description": d.title}),
            }
            for d in order.discounts
        ],
        "line_items": [
            {
                "id": li.id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{li.id}",
                "product_id": li.product.id,
                "variant_id": li.product.variant_id,
                "sku": li.product.sku,
                "title": li.product.title,
                "name": li.product.title,
                "quantity": li.quantity,
                "fulfillable_quantity": 0,
                "price": s2(li.product.price),
                "price_set": money(li.product.price),
                "total_discount": "0.00",
                "total_discount_set": money(ZERO),
                "taxable": bool(li.rate),
                "gift_card": li.product.gift_card,
                "requires_shipping": not li.product.gift_card,
                "tax_lines": [tax_line(li.tax, li.rate)] if li.rate else [],
                "discount_allocations": [
                    {"amount": s2(a), "amount_set": money(a), "discount_application_index": i}
                    for i, a in li.allocations
                ],
            }
            for li in order.lines
        ],
        "shipping_lines": [
            {
                "id": order.id + 1,
                "title": order.shipping_title,
                "code": order.shipping_title,
                "source": "shopify",
                "price": s2(order.shipping_price),
                "price_set": money(order.shipping_price),
                "discounted_price": s2(order.shipping_price),
                "discounted_price_set": money(order.shipping_price),
                "tax_lines": [tax_line(order.shipping_tax, order.shipping_rate)]
                if order.shipping_tax
                else [],
                "discount_allocations": [],
            }
        ],
        "refunds": [_shopify_refund(order, r, money) for r in order.refunds],
        "customer": {
            "id": cust.id,
            "email": cust.email,
            "first_name": cust.first_name,
            "last_name": cust.last_name,
            "tax_exempt": order.reverse_charge,
            "currency": "EUR",
            "default_address": address,
        },
        "billing_address": address,
        "shipping_address": address,
    }


def _shopify_refund(
    order: Order, refund: Refund, money: Callable[[Decimal], dict[str, Any]]
) -> dict[str, Any]:
    card = next((p for p in order.payments if p.gateway == "shopify_payments"), None)
    adjustments = []
    if refund.shipping:
        adjustments.append(
            {
                "id": refund.id + 1,
                "order_id": order.id,
                "refund_id": refund.id,
                "kind": "shipping_refund",
                "reason": "Shipping refund",
                "amount": s2(-(refund.shipping - refund.shipping_tax)),
                "amount_set": money(-(refund.shipping - refund.shipping_tax)),
                "tax_amount": s2(-refund.shipping_tax),
                "tax_amount_set": money(-refund.shipping_tax),
            }
        )
    return {
        "id": refund.id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund.id}",
        "order_id": order.id,
        "created_at": _iso_local(refund.created_at),
        "processed_at": _iso_local(refund.created_at),
        "note": refund.note,
        "restock": any(rl.restock for rl in refund.lines),
        "refund_line_items": [
            {
                "id": rl.line.id + 7 + n,
                "line_item_id": rl.line.id,
                "quantity": rl.quantity,
                "restock_type": ("cancel" if order.cancelled_at else "return")
                if rl.restock
                else "no_restock",
                "subtotal": s2(rl.subtotal),
                "subtotal_set": money(rl.subtotal),
                "total_tax": s2(rl.tax),
                "total_tax_set": money(rl.tax),
                "line_item": {
                    "id": rl.line.id,
                    "sku": rl.line.product.sku,
                    "price": s2(rl.line.product.price),
                    "quantity": rl.line.quantity,
                },
            }
            for n, rl in enumerate(refund.lines)
        ],
        "transactions": [
            {
                "id": refund.transaction_id,
                "order_id": order.id,
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "success",
                "amount": s2(refund.amount),
                "currency": "EUR",
                "created_at": _iso_local(refund.created_at),
                "parent_id": card.id if card else None,
            }
        ],
        "order_adjustments": adjustments,
    }


def shopify_order_transactions(order: Order) -> dict[str, Any]:
    """``GET /admin/api/2025-01/orders/<id>/transactions.json``: the order's payments.

    Each payment (card or gift card) is a successful ``sale``; the gateway says who holds
    the money, which is how an importer tells the gift-card part of ``total_price`` (no
    payout will ever bring it) from the part Shopify Payments pays out. Refund transactions
    stay embedded in the order's ``refunds``, where the importers read them.
    """
    return {
        "transactions": [
            {
                "id": p.id,
                "order_id": order.id,
                "kind": "sale",
                "status": "success",
                "gateway": p.gateway,
                "amount": s2(p.amount),
                "currency": "EUR",
                "created_at": _iso_local(p.created_at),
            }
            for p in order.payments
        ]
    }


def shopify_payout(payout: Payout) -> dict[str, Any]:
    """A Shopify Payments payout; ``amount`` = Σ gross − Σ fee of its summary groups."""
    return {
        "id": payout.id,
        "status": payout.status,
        "date": payout.date.isoformat(),
        "currency": "EUR",
        "amount": s2(payout.amount),
        "summary": {  # Shopify counts disputes among the adjustments
            "adjustments_fee_amount": s2(payout.fees("adjustment") + payout.fees("dispute")),
            "adjustments_gross_amount": s2(payout.gross("adjustment") + payout.gross("dispute")),
            "charges_fee_amount": s2(payout.fees("charge")),
            "charges_gross_amount": s2(payout.gross("charge")),
            "refunds_fee_amount": s2(payout.fees("refund")),
            "refunds_gross_amount": s2(payout.gross("refund")),
            "reserved_funds_fee_amount": s2(payout.fees("reserve")),
            "reserved_funds_gross_amount": s2(payout.gross("reserve")),
            "retried_payouts_fee_amount": s2(payout.fees("payout_failure")),
            "retried_payouts_gross_amount": s2(payout.gross("payout_failure")),
        },
    }


#: Balance transaction type → its ``source_type``, as Shopify writes them.
_SOURCE_TYPES = {
    "charge": "charge",
    "refund": "Payments::Refund",
    "adjustment": "adjustment",
    "dispute": "Payments::Dispute",
    "reserve": "Payments::Balance::Reserve",
    "payout_failure": "payout",
}


def shopify_balance_txn(txn: BalanceTxn, payout: Payout) -> dict[str, Any]:
    """A Shopify Payments balance transaction belonging to ``payout``."""
    return {
        "id": txn.id,
        "type": txn.type,
        "test": False,
        "payout_id": payout.id,
        "payout_status": payout.status,
        "currency": "EUR",
        "amount": s2(txn.amount),
        "fee": s2(txn.fee),
        "net": s2(txn.net),
        "source_id": txn.source_id,
        "source_type": _SOURCE_TYPES.get(txn.type, txn.type),
        "source_order_id": txn.order.id if txn.order is not None else None,
        "source_order_transaction_id": txn.source_id,
        "processed_at": _iso_local(txn.processed_at),
    }


# -- WooCommerce --------------------------------------------------------------------------


def _ex(amount: Decimal, rate: Decimal) -> Decimal:
    return amount - vat_in(amount, rate)


def _woo_rate_id(country: str, rate: Decimal) -> int:
    return int(_token("woo-rate", country, rate)[:6], 16) % 900 + 100


def woo_order(order: Order) -> dict[str, Any]:
    """An order as ``GET /wp-json/wc/v3/orders`` returns it (prices include tax)."""
    cust = order.customer
    status = {"voided": "cancelled", "refunded": "refunded"}.get(
        order.financial_status, "completed"
    )
    card = next((p for p in order.payments if p.gateway == "shopify_payments"), None)
    rates: dict[Decimal, dict[str, Decimal]] = {}
    for li in order.lines:
        if li.rate:
            rates.setdefault(li.rate, {"tax": ZERO, "ship": ZERO})["tax"] += li.tax
    if order.shipping_tax:
        rates.setdefault(order.shipping_rate, {"tax": ZERO, "ship": ZERO})["ship"] += (
            order.shipping_tax
        )
    coupon_total = order.total_discounts
    coupon_tax = sum((vat_in(li.gross, li.rate) - li.tax for li in order.lines), ZERO)
    address = {
        "first_name": cust.first_name,
        "last_name": cust.last_name,
        "company": cust.company or "",
        "address_1": "1 rue du Sandbox",
        "city": cust.city,
        "postcode": cust.zip,
        "country": cust.country,
    }

    def line(li: Line) -> dict[str, Any]:
        sub, tot = _ex(li.gross, li.rate), _ex(li.total, li.rate)
        rid = _woo_rate_id(order.country.code, li.rate)
        return {
            "id": li.id,
            "name": li.product.title,
            "product_id": li.product.id,
            "variation_id": 0,
            "quantity": li.quantity,
            "tax_class": "reduced-rate" if li.product.vat_class == "reduced" else "",
            "subtotal": s2(sub),
            "subtotal_tax": s2(li.gross - sub),
            "total": s2(tot),
            "total_tax": s2(li.tax),
            "taxes": [
                {
                    "id": rid,
                    "total": f"{li.tax.normalize():f}",
                    "subtotal": f"{(li.gross - sub).normalize():f}",
                }
            ]
            if li.rate
            else [],
            "sku": li.product.sku,
            "price": (tot / li.quantity).normalize(),  # a JSON number, as WooCommerce sends
            # gift cards are a product type (WooCommerce Gift Cards marks the line)
            "meta_data": [{"id": li.id % 100_000, "key": "_gift_card", "value": "yes"}]
            if li.product.gift_card
            else [],
        }

    return {
        "id": order.id % 10_000_000,
        "parent_id": 0,
        "number": str(order.number),
        "order_key": "wc_order_" + _token("woo", order.id)[:13],
        "created_via": "checkout",
        "status": status,
        "currency": "EUR",
        "prices_include_tax": True,
        "date_created": _naive(order.created_at, SHOP_TZ).replace(" ", "T"),
        "date_created_gmt": _naive(order.created_at).replace(" ", "T"),
        "date_modified": _naive(order.updated_at, SHOP_TZ).replace(" ", "T"),
        "date_modified_gmt": _naive(order.updated_at).replace(" ", "T"),
        "date_paid_gmt": _naive(order.created_at).replace(" ", "T") if card else None,
        "discount_total": s2(coupon_total - coupon_tax),
        "discount_tax": s2(coupon_tax),
        "shipping_total": s2(order.shipping_price - order.shipping_tax),
        "shipping_tax": s2(order.shipping_tax),
        "cart_tax": s2(order.total_tax - order.shipping_tax),
        "total": s2(order.total_price),
        "total_tax": s2(order.total_tax),
        "customer_id": cust.id % 100_000,
        "billing": {**address, "email": cust.email},
        "shipping": address,
        "payment_method": "stripe",
        "payment_method_title": "Carte bancaire",
        "transaction_id": f"ch_{_token('charge', card.id)[:24]}" if card else "",
        "meta_data": [{"id": 1, "key": "_billing_vat_number", "value": cust.vat_number}]
        if cust.vat_number
        else [],
        "line_items": [line(li) for li in order.lines],
        "tax_lines": [
            {
                "id": n + 1,
                "rate_code": f"{order.country.code}-TVA-{n + 1}",
                "rate_id": _woo_rate_id(order.country.code, r),
                "label": "TVA",
                "compound": False,
                "tax_total": s2(v["tax"]),
                "shipping_tax_total": s2(v["ship"]),
                "rate_percent": r.normalize(),
            }
            for n, (r, v) in enumerate(sorted(rates.items()))
        ],
        "shipping_lines": [
            {
                "id": order.id % 10_000_000 + 1,
                "method_title": order.shipping_title,
                "method_id": "flat_rate",
                "instance_id": "1",
                "total": s2(order.shipping_price - order.shipping_tax),
                "total_tax": s2(order.shipping_tax),
                "taxes": [],
            }
        ]
        if order.shipping_price
        else [],
        "fee_lines": [],
        "coupon_lines": [
            {
                "id": d.index + 1,
                "code": d.code.lower(),
                "discount": s2(
                    sum((a for li in order.lines for i, a in li.allocations if i == d.index), ZERO)
                ),
            }
            for d in order.discounts
            if d.code
        ],
        "refunds": [
            {"id": woo_refund_id(r), "reason": r.note, "total": s2(-r.amount)}
            for r in order.refunds
        ],
    }


def woo_refund_id(refund: Refund) -> int:
    """A refund's id, the same in the order's ``refunds`` summary and in ``/refunds``."""
    return refund.id % 10_000_000


def woo_refund(order: Order, refund: Refund) -> dict[str, Any]:
    """A refund as ``GET /wp-json/wc/v3/orders/<id>/refunds`` returns it: ``amount`` a
    positive string, lines with a negative ``quantity`` and negative amounts excluding tax
    (``total``, ``total_tax``, ``taxes[]`` joined to the order's rate ids), the order line
    each one refunds in its ``_refunded_item_id`` meta, shipping likewise, and whether the
    goods went back to stock (``api_restock``) and the money through the gateway
    (``refunded_payment``)."""
    country = order.country.code

    def line(n: int, rl: RefundLine) -> dict[str, Any]:
        li = rl.line
        net = rl.subtotal - rl.tax
        return {
            "id": refund.id % 10_000_000 + n + 1,
            "name": li.product.title,
            "product_id": li.product.id,
            "variation_id": 0,
            "quantity": -rl.quantity,
            "tax_class": "reduced-rate" if li.product.vat_class == "reduced" else "",
            "subtotal": s2(-net),
            "subtotal_tax": s2(-rl.tax),
            "total": s2(-net),
            "total_tax": s2(-rl.tax),
            "taxes": [
                {
                    "id": _woo_rate_id(country, li.rate),
                    "total": f"{(-rl.tax).normalize():f}",
                    "subtotal": f"{(-rl.tax).normalize():f}",
                }
            ]
            if li.rate
            else [],
            "meta_data": [{"id": n + 1, "key": "_refunded_item_id", "value": str(li.id)}],
            "sku": li.product.sku,
            "price": (-net / rl.quantity).normalize(),
        }

    shipping = []
    if refund.shipping:
        shipping.append(
            {
                "id": refund.id % 10_000_000 + 90,
                "method_title": order.shipping_title,
                "method_id": "flat_rate",
                "total": s2(-(refund.shipping - refund.shipping_tax)),
                "total_tax": s2(-refund.shipping_tax),
                "taxes": [
                    {
                        "id": _woo_rate_id(country, order.shipping_rate),
                        "total": f"{(-refund.shipping_tax).normalize():f}",
                    }
                ]
                if refund.shipping_tax
                else [],
                "meta_data": [
                    {"id": 90, "key": "_refunded_item_id", "value": str(order.id % 10_000_000 + 1)}
                ],
            }
        )
    return {
        "id": woo_refund_id(refund),
        "date_created": _naive(refund.created_at, SHOP_TZ).replace(" ", "T"),
        "date_created_gmt": _naive(refund.created_at).replace(" ", "T"),
        "amount": s2(refund.amount),
        "reason": refund.note,
        "refunded_by": 1,
        "refunded_payment": True,
        "api_restock": any(rl.restock for rl in refund.lines),
        "meta_data": [],
        "line_items": [line(n, rl) for n, rl in enumerate(refund.lines)],
        "shipping_lines": shipping,
        "tax_lines": [],
        "fee_lines": [],
    }


# -- PrestaShop ---------------------------------------------------------------------------


def s6(amount: Decimal) -> str:
    """PrestaShop's six-decimal string: ``"68.200000"``."""
    return f"{amount:.6f}"


#: PrestaShop's own ids for the sandbox's countries (those of a fresh install): the order
#: names an address, the address a country id, and only ``/api/countries`` says which
#: country that is, so the ids must not simply be the ISO codes.
PRESTA_COUNTRY_IDS: dict[str, int] = {
    "DE": 1,
    "BE": 3,
    "ES": 6,
    "FR": 8,
    "IT": 10,
    "NL": 13,
    "GB": 17,
    "CH": 19,
    "US": 21,
}


def presta_address_id(customer: Customer) -> int:
    """The id of a customer's one address, their orders' ``id_address_delivery``."""
    return customer.id % 100_000


def presta_address(customer: Customer) -> dict[str, Any]:
    """An address as ``GET /api/addresses?output_format=JSON&display=full`` returns it: the
    country is only an id, and ``company``/``vat_number`` are empty strings for consumers."""
    return {
        "id": presta_address_id(customer),
        "id_customer": str(customer.id % 100_000),
        "id_country": str(PRESTA_COUNTRY_IDS[customer.country]),
        "company": customer.company or "",
        "lastname": customer.last_name,
        "firstname": customer.first_name,
        "vat_number": customer.vat_number or "",
        "address1": "1 rue du Sandbox",
        "postcode": customer.zip,
        "city": customer.city,
        "deleted": "0",
    }


def presta_country(code: str) -> dict[str, Any]:
    """A country as ``GET /api/countries?output_format=JSON&display=full`` returns it."""
    return {
        "id": PRESTA_COUNTRY_IDS[code],
        "iso_code": code,
        "name": COUNTRIES[code].name,
    }


def presta_order(order: Order) -> dict[str, Any]:
    """An order as ``GET /api/orders?output_format=JSON&display=full`` returns it."""
    state = {"voided": "6", "refunded": "7", "partially_refunded": "7"}.get(
        order.financial_status, "5"
    )
    products_ex = sum((_ex(li.gross, li.rate) for li in order.lines), ZERO)
    disc_incl = order.total_discounts
    disc_ex = sum((_ex(li.gross, li.rate) - _ex(li.total, li.rate) for li in order.lines), ZERO)
    ship_ex = order.shipping_price - order.shipping_tax
    return {
        "id": order.id % 100_000,
        "id_address_delivery": str(presta_address_id(order.customer)),
        "id_address_invoice": str(presta_address_id(order.customer)),
        "id_cart": str(order.id % 100_000 + 7),
        "id_currency": "1",
        "id_lang": "1",
        "id_customer": str(order.customer.id % 100_000),
        "id_carrier": "2",
        "current_state": state,
        "module": "ps_checkout",
        "invoice_number": str(order.number),
        "valid": "0" if order.financial_status == "voided" else "1",
        "date_add": _naive(order.created_at, SHOP_TZ),
        "date_upd": _naive(order.updated_at, SHOP_TZ),
        "payment": "Carte bancaire",
        "reference": _token("ps", order.id)[:9].upper(),
        "conversion_rate": "1.000000",
        "total_discounts": s6(disc_incl),
        "total_discounts_tax_incl": s6(disc_incl),
        "total_discounts_tax_excl": s6(disc_ex),
        "total_paid": s6(order.total_price),
        "total_paid_tax_incl": s6(order.total_price),
        "total_paid_tax_excl": s6(order.total_price - order.total_tax),
        "total_paid_real": s6(sum((p.amount for p in order.payments), ZERO)),
        "total_products": s6(products_ex),
        "total_products_wt": s6(order.total_line_items_price),
        "total_shipping": s6(order.shipping_price),
        "total_shipping_tax_incl": s6(order.shipping_price),
        "total_shipping_tax_excl": s6(ship_ex),
        "carrier_tax_rate": f"{order.shipping_rate:.3f}",
        "total_wrapping": s6(ZERO),
        "round_mode": "2",
        "round_type": "2",
        "associations": {
            "order_rows": [
                {
                    "id": str(presta_row_id(li)),
                    "product_id": str(li.product.id % 100_000),
                    "product_attribute_id": "0",
                    "product_quantity": str(li.quantity),
                    "product_name": li.product.title,
                    "product_reference": li.product.sku,
                    "product_price": s6(li.product.price),
                    "unit_price_tax_incl": s6(li.product.price),
                    "unit_price_tax_excl": s6(_ex(li.product.price, li.rate)),
                }
                for li in order.lines
            ]
        },
    }


def presta_row_id(line: Line) -> int:
    """An order row's id (PrestaShop's ``order_detail`` id), which credit slips name."""
    return line.id % 1_000_000


def presta_slip_id(refund: Refund) -> int:
    """A credit slip's id."""
    return refund.id % 100_000


def presta_order_slip(order: Order, refund: Refund) -> dict[str, Any]:
    """A credit slip as ``GET /api/order_slip?output_format=JSON&display=full`` returns it:
    totals both ways, ``amount`` (what went back), shop-local dates and, per refunded order
    row (``id_order_detail``), the quantity and amounts with and without tax. Restocking is
    not on the slip: PrestaShop counts it on the row (``product_quantity_reinjected``)."""
    products_incl = sum((rl.subtotal for rl in refund.lines), ZERO)
    products_tax = sum((rl.tax for rl in refund.lines), ZERO)
    ship_ex = refund.shipping - refund.shipping_tax
    return {
        "id": presta_slip_id(refund),
        "id_customer": str(order.customer.id % 100_000),
        "id_order": str(order.id % 100_000),
        "conversion_rate": "1.000000",
        "total_products_tax_excl": s6(products_incl - products_tax),
        "total_products_tax_incl": s6(products_incl),
        "total_shipping_tax_excl": s6(ship_ex),
        "total_shipping_tax_incl": s6(refund.shipping),
        "amount": s6(refund.amount),
        "shipping_cost": "1" if refund.shipping else "0",
        "shipping_cost_amount": s6(refund.shipping),
        "partial": "0" if refund.amount >= order.total_price else "1",
        "date_add": _naive(refund.created_at, SHOP_TZ),
        "date_upd": _naive(refund.created_at, SHOP_TZ),
        "order_slip_type": "0",
        "associations": {
            "order_slip_details": [
                {
                    "id": str(presta_slip_id(refund) * 10 + n + 1),
                    "id_order_detail": str(presta_row_id(rl.line)),
                    "product_quantity": str(rl.quantity),
                    "amount_tax_excl": s6(rl.subtotal - rl.tax),
                    "amount_tax_incl": s6(rl.subtotal),
                }
                for n, rl in enumerate(refund.lines)
            ]
        },
    }


def presta_order_detail(order: Order, line: Line) -> dict[str, Any]:
    """An order row as ``GET /api/order_details`` returns it, with the quantities refunded
    and put back in stock (``product_quantity_reinjected``)."""
    refunded = [rl for r in order.refunds for rl in r.lines if rl.line is line]
    return {
        "id": presta_row_id(line),
        "id_order": str(order.id % 100_000),
        "product_id": str(line.product.id % 100_000),
        "product_name": line.product.title,
        "product_reference": line.product.sku,
        "product_quantity": str(line.quantity),
        "product_quantity_refunded": str(sum(rl.quantity for rl in refunded)),
        "product_quantity_return": "0",
        "product_quantity_reinjected": str(sum(rl.quantity for rl in refunded if rl.restock)),
        "unit_price_tax_incl": s6(line.product.price),
        "unit_price_tax_excl": s6(_ex(line.product.price, line.rate)),
    }


# -- Magento ------------------------------------------------------------------------------


def magento_child_id(item_id: int) -> int:
    """The item id of a configurable parent's simple child: its own id, never another
    line's (line ids are consecutive, so ``parent + 1`` would be the next line's)."""
    return item_id + 20_000_000


def magento_order(order: Order) -> dict[str, Any]:
    """An order as ``GET /rest/V1/orders`` returns it: JSON numbers, ``base_*`` twins in
    the base (shop) currency, ``discount_amount`` negative, configurable parents with
    their simple child rows."""
    fx = order.fx
    cust = order.customer

    def twin(name: str, amount: Decimal) -> dict[str, Decimal]:
        return {f"base_{name}": amount, name: order.presentment(amount)}

    subtotal_ex = sum((_ex(li.gross, li.rate) for li in order.lines), ZERO)
    items: list[dict[str, Any]] = []
    for li in order.lines:
        price_ex = _ex(li.product.price, li.rate)
        row: dict[str, Any] = {
            "item_id": li.id % 10_000_000,
            "order_id": order.id % 10_000_000,
            "sku": li.product.sku,
            "name": li.product.title,
            "product_type": "giftcard"
            if li.product.gift_card
            else "configurable"
            if li.product.sku.startswith("MUG")
            else "simple",
            "qty_ordered": Decimal(li.quantity),
            "qty_refunded": Decimal(
                sum(rl.quantity for r in order.refunds for rl in r.lines if rl.line is li)
            ),
            "tax_percent": li.rate,
            **twin("price", price_ex),
            **twin("price_incl_tax", li.product.price),
            **twin("row_total", _ex(li.gross, li.rate)),
            **twin("row_total_incl_tax", li.gross),
            **twin("tax_amount", li.tax),
            **twin("discount_amount", li.discount),
        }
        items.append(row)
        if row["product_type"] == "configurable":
            items.append(
                {
                    "item_id": magento_child_id(row["item_id"]),
                    "order_id": row["order_id"],
                    "parent_item_id": row["item_id"],
                    "sku": li.product.sku,
                    "name": li.product.title,
                    "product_type": "simple",
                    "qty_ordered": Decimal(li.quantity),
                    "price": Decimal("0"),
                    "base_price": Decimal("0"),
                    "row_total": Decimal("0"),
                    "base_row_total": Decimal("0"),
                    "tax_amount": Decimal("0"),
                    "base_tax_amount": Decimal("0"),
                }
            )
    state = {"voided": "canceled", "refunded": "closed"}.get(order.financial_status, "complete")
    return {
        "entity_id": order.id % 10_000_000,
        "increment_id": f"{order.number:09d}",
        "state": state,
        "status": state,
        "created_at": _naive(order.created_at),
        "updated_at": _naive(order.updated_at),
        "customer_email": cust.email,
        "customer_firstname": cust.first_name,
        "customer_lastname": cust.last_name,
        "customer_taxvat": cust.vat_number,
        "base_currency_code": "EUR",
        "global_currency_code": "EUR",
        "order_currency_code": order.presentment_currency,
        "base_to_order_rate": fx,
        **twin("grand_total", order.total_price),
        **twin("subtotal", subtotal_ex),
        **twin("subtotal_incl_tax", order.total_line_items_price),
        **twin("tax_amount", order.total_tax),
        **twin("discount_amount", -order.total_discounts),
        **twin("shipping_amount", order.shipping_price - order.shipping_tax),
        **twin("shipping_incl_tax", order.shipping_price),
        **twin("shipping_tax_amount", order.shipping_tax),
        **twin("total_paid", sum((p.amount for p in order.payments), ZERO)),
        **twin("total_refunded", order.total_refunded),
        "discount_description": ", ".join(d.title for d in order.discounts) or None,
        "items": items,
        "billing_address": {
            "firstname": cust.first_name,
            "lastname": cust.last_name,
            "company": cust.company,
            "city": cust.city,
            "postcode": cust.zip,
            "country_id": cust.country,
            "vat_id": cust.vat_number,
        },
        "payment": {
            "method": "stripe_payments",
            "amount_paid": order.total_price,
            "additional_information": [],
        },
    }


def magento_creditmemo(order: Order, refund: Refund) -> dict[str, Any]:
    """A credit memo as ``GET /rest/V1/creditmemos`` returns it: JSON numbers with
    ``base_*`` twins, one item per refunded order item (``order_item_id``; a configurable
    parent carries the money, its simple child repeats it at zero), each with its
    quantity, row total before discount, discount, tax and ``back_to_stock``; shipping,
    tax and ``base_grand_total`` (what went back) on the memo."""

    def twin(name: str, amount: Decimal) -> dict[str, Decimal]:
        return {f"base_{name}": amount, name: order.presentment(amount)}

    memo_id = refund.id % 10_000_000
    items: list[dict[str, Any]] = []
    for rl in refund.lines:
        li = rl.line
        gross = li.product.price * rl.quantity
        row = {
            "entity_id": memo_id * 10 + len(items) + 1,
            "parent_id": memo_id,
            "order_item_id": li.id % 10_000_000,
            "sku": li.product.sku,
            "name": li.product.title,
            "qty": Decimal(rl.quantity),
            "back_to_stock": rl.restock,
            **twin("price", _ex(li.product.price, li.rate)),
            **twin("price_incl_tax", li.product.price),
            **twin("row_total", _ex(gross, li.rate)),
            **twin("row_total_incl_tax", gross),
            **twin("discount_amount", gross - rl.subtotal),
            **twin("tax_amount", rl.tax),
            # the VAT the discount took off (row_total + tax + this - discount = VAT incl.)
            **twin("discount_tax_compensation_amount", vat_in(gross, li.rate) - rl.tax),
        }
        items.append(row)
        if li.product.sku.startswith("MUG") and not li.product.gift_card:
            items.append(
                {
                    "entity_id": memo_id * 10 + len(items) + 1,
                    "parent_id": memo_id,
                    "order_item_id": magento_child_id(li.id % 10_000_000),
                    "sku": li.product.sku,
                    "name": li.product.title,
                    "qty": Decimal(rl.quantity),
                    "back_to_stock": rl.restock,
                    "price": Decimal("0"),
                    "base_price": Decimal("0"),
                    "row_total": Decimal("0"),
                    "base_row_total": Decimal("0"),
                    "tax_amount": Decimal("0"),
                    "base_tax_amount": Decimal("0"),
                }
            )
    lines_ex = sum(
        (_ex(rl.line.product.price * rl.quantity, rl.line.rate) for rl in refund.lines), ZERO
    )
    lines_gross = sum((rl.line.product.price * rl.quantity for rl in refund.lines), ZERO)
    discount = lines_gross - sum((rl.subtotal for rl in refund.lines), ZERO)
    tax = sum((rl.tax for rl in refund.lines), ZERO) + refund.shipping_tax
    return {
        "entity_id": memo_id,
        "increment_id": f"{order.number:09d}-{refund.id % 100:02d}",
        "order_id": order.id % 10_000_000,
        "state": 2,
        "created_at": _naive(refund.created_at),
        "updated_at": _naive(refund.created_at),
        "base_currency_code": "EUR",
        "order_currency_code": order.presentment_currency,
        "base_to_order_rate": order.fx,
        **twin("subtotal", lines_ex),
        **twin("subtotal_incl_tax", lines_gross),
        **twin("discount_amount", -discount),
        **twin("shipping_amount", refund.shipping - refund.shipping_tax),
        **twin("shipping_tax_amount", refund.shipping_tax),
        **twin("shipping_incl_tax", refund.shipping),
        **twin("tax_amount", tax),
        **twin("adjustment_positive", ZERO),
        **twin("adjustment_negative", ZERO),
        **twin("grand_total", refund.amount),
        "customer_note": refund.note,
        "items": items,
    }


# -- BigCommerce --------------------------------------------------------------------------


def s4(amount: Decimal) -> str:
    """BigCommerce's four-decimal string: ``"79.0000"``."""
    return f"{amount:.4f}"


def bigcommerce_order(order: Order, base: str) -> dict[str, Any]:
    """An order as ``GET /stores/{hash}/v2/orders`` returns it (sub-resources by URL)."""
    oid = order.id % 1_000_000
    status = {
        "voided": ("Cancelled", 5),
        "refunded": ("Refunded", 4),
        "partially_refunded": ("Partially Refunded", 14),
    }.get(order.financial_status, ("Completed", 10))
    subtotal_ex = sum((_ex(li.total, li.rate) for li in order.lines), ZERO)
    ship_tax = order.shipping_tax
    ship_ex = order.shipping_price - ship_tax
    subtotal, total, tax = order.subtotal_price, order.total_price, order.total_tax
    coupons = sum(  # what codes took off; automatic discounts are the rest
        (a for li in order.lines for i, a in li.allocations if order.discounts[i].code), ZERO
    )
    cust = order.customer
    return {
        "id": oid,
        "customer_id": cust.id % 100_000,
        "date_created": format_datetime(order.created_at),
        "date_modified": format_datetime(order.updated_at),
        "date_shipped": "",
        "status_id": status[1],
        "status": status[0],
        "subtotal_ex_tax": s4(subtotal_ex),
        "subtotal_inc_tax": s4(subtotal),
        "subtotal_tax": s4(subtotal - subtotal_ex),
        "base_shipping_cost": s4(order.shipping_price),
        "shipping_cost_ex_tax": s4(ship_ex),
        "shipping_cost_inc_tax": s4(order.shipping_price),
        "shipping_cost_tax": s4(ship_tax),
        "handling_cost_ex_tax": s4(ZERO),
        "handling_cost_inc_tax": s4(ZERO),
        "handling_cost_tax": s4(ZERO),
        "wrapping_cost_ex_tax": s4(ZERO),
        "wrapping_cost_inc_tax": s4(ZERO),
        "wrapping_cost_tax": s4(ZERO),
        "total_ex_tax": s4(total - tax),
        "total_inc_tax": s4(total),
        "total_tax": s4(tax),
        "items_total": sum(li.quantity for li in order.lines),
        "payment_method": "Stripe",
        "payment_status": "void" if not order.payments else "captured",
        "refunded_amount": s4(order.total_refunded),
        "store_credit_amount": s4(ZERO),
        "gift_certificate_amount": s4(
            sum((p.amount for p in order.payments if p.gateway == "gift_card"), ZERO)
        ),
        "discount_amount": s4(order.total_discounts - coupons),
        "coupon_discount": s4(coupons),
        "currency_code": order.presentment_currency,
        "currency_exchange_rate": f"{order.fx:.10f}",
        "default_currency_code": "EUR",
        "geoip_country_iso2": cust.country,
        "is_deleted": False,
        "billing_address": {
            "first_name": cust.first_name,
            "last_name": cust.last_name,
            "company": cust.company or "",
            "city": cust.city,
            "zip": cust.zip,
            "country": order.country.name,
            "country_iso2": cust.country,
            "email": cust.email,
            # checkout form fields: where a BigCommerce store collects the buyer's VAT number
            "form_fields": [{"name": "VAT number", "value": cust.vat_number}]
            if cust.vat_number
            else [],
        },
        "products": {
            "url": f"{base}/v2/orders/{oid}/products",
            "resource": f"/orders/{oid}/products",
        },
        "shipping_addresses": {
            "url": f"{base}/v2/orders/{oid}/shipping_addresses",
            "resource": f"/orders/{oid}/shipping_addresses",
        },
        "coupons": {"url": f"{base}/v2/orders/{oid}/coupons", "resource": f"/orders/{oid}/coupons"},
    }


def bigcommerce_sub(order: Order, name: str) -> list[dict[str, Any]]:
    """The ``products``, ``shipping_addresses`` or ``coupons`` of a BigCommerce order."""
    oid = order.id % 1_000_000
    if name == "products":
        return [
            {
                "id": li.id % 1_000_000,
                "order_id": oid,
                "product_id": li.product.id % 100_000,
                "variant_id": li.product.variant_id % 100_000,
                "name": li.product.title,
                "sku": li.product.sku,
                "type": "giftcertificate" if li.product.gift_card else "physical",
                "base_price": s4(li.product.price),
                "price_ex_tax": s4(_ex(li.product.price, li.rate)),
                "price_inc_tax": s4(li.product.price),
                "price_tax": s4(li.product.price - _ex(li.product.price, li.rate)),
                "base_total": s4(li.gross),
                "total_ex_tax": s4(_ex(li.gross, li.rate)),
                "total_inc_tax": s4(li.gross),
                "total_tax": s4(vat_in(li.gross, li.rate)),
                "quantity": li.quantity,
                "quantity_refunded": sum(
                    rl.quantity for r in order.refunds for rl in r.lines if rl.line is li
                ),
                "applied_discounts": [
                    {
                        "id": order.discounts[i].code or str(i),
                        "amount": s4(a),
                        "name": order.discounts[i].title,
                        "code": order.discounts[i].code,
                        "target": "order" if order.discounts[i].code else "product",
                    }
                    for i, a in li.allocations
                ],
            }
            for li in order.lines
        ]
    if name == "shipping_addresses":
        c = order.customer
        return [
            {
                "id": oid + 1,
                "order_id": oid,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "company": c.company or "",
                "city": c.city,
                "zip": c.zip,
                "country": order.country.name,
                "country_iso2": c.country,
                "shipping_method": order.shipping_title,
                "base_cost": s4(order.shipping_price),
                "cost_ex_tax": s4(order.shipping_price - order.shipping_tax),
                "cost_inc_tax": s4(order.shipping_price),
                "cost_tax": s4(order.shipping_tax),
            }
        ]
    if name == "coupons":
        return [
            {
                "id": oid * 10 + d.index,
                "coupon_id": d.index + 1,
                "order_id": oid,
                "code": d.code,
                "amount": s4(d.value),
                "type": 1 if d.value_type == "percentage" else 2,
                "discount": s4(
                    sum((a for li in order.lines for i, a in li.allocations if i == d.index), ZERO)
                ),
            }
            for d in order.discounts
            if d.code
        ]
    raise KeyError(name)


# -- Square -------------------------------------------------------------------------------


def _sq_money(amount: Decimal) -> dict[str, Any]:
    return {"amount": minor(amount), "currency": "EUR"}


def _iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def square_order(order: Order, location_id: str) -> dict[str, Any]:
    """An order as ``POST /v2/orders/search`` returns it: integer cents, INCLUSIVE taxes,
    quantities as strings, refunds with returns."""
    oid = "sq" + _token("square", order.id)[:22].upper()
    rates = sorted(
        {li.rate for li in order.lines if li.rate}
        | ({order.shipping_rate} if order.shipping_tax else set())
    )
    tax_uid = {r: f"tax-{r.normalize()}" for r in rates}
    lines = []
    for li in order.lines:
        lines.append(
            {
                "uid": f"li-{li.id}",
                "catalog_object_id": f"VAR{li.product.variant_id}",
                "item_type": "GIFT_CARD" if li.product.gift_card else "ITEM",
                "name": li.product.title,
                "quantity": str(li.quantity),
                "base_price_money": _sq_money(li.product.price),
                "gross_sales_money": _sq_money(li.gross),
                "total_discount_money": _sq_money(li.discount),
                "total_tax_money": _sq_money(li.tax),
                "total_money": _sq_money(li.total),
                "applied_taxes": [
                    {
                        "uid": f"at-{li.id}",
                        "tax_uid": tax_uid[li.rate],
                        "applied_money": _sq_money(li.tax),
                    }
                ]
                if li.rate
                else [],
                "applied_discounts": [
                    {
                        "uid": f"ad-{li.id}-{i}",
                        "discount_uid": f"disc-{i}",
                        "applied_money": _sq_money(a),
                    }
                    for i, a in li.allocations
                ],
            }
        )
    tenders = [
        {
            "id": f"T{p.id}",
            "type": "CARD" if p.gateway != "gift_card" else "SQUARE_GIFT_CARD",
            "amount_money": _sq_money(p.amount),
            "created_at": _iso_ms(p.created_at),
        }
        for p in order.payments
    ]
    card_tender = next((t["id"] for t in tenders if t["type"] == "CARD"), None)
    return {
        "id": oid,
        "location_id": location_id,
        "reference_id": str(order.number),
        "source": {"name": "Online Store"},
        "customer_id": f"C{order.customer.id}",
        # the shipment's recipient is the only address a Square order carries; the VAT
        # number of a business buyer rides in the order's metadata
        "fulfillments": [
            {
                "uid": f"ful-{order.id}",
                "type": "SHIPMENT",
                "state": "COMPLETED",
                "shipment_details": {
                    "recipient": {
                        "display_name": order.customer.company
                        or f"{order.customer.first_name} {order.customer.last_name}",
                        "email_address": order.customer.email,
                        "address": {
                            "locality": order.customer.city,
                            "postal_code": order.customer.zip,
                            "country": order.customer.country,
                        },
                    }
                },
            }
        ],
        "metadata": {"vat_number": order.customer.vat_number} if order.customer.vat_number else {},
        "state": "CANCELED" if order.financial_status == "voided" else "COMPLETED",
        "version": 1 + len(order.refunds),
        "created_at": _iso_ms(order.created_at),
        "updated_at": _iso_ms(order.updated_at),
        "closed_at": _iso_ms(order.created_at),
        "line_items": lines,
        "taxes": [
            {
                "uid": tax_uid[r],
                "name": f"TVA {r.normalize()} %",
                "percentage": f"{r:.1f}",
                "type": "INCLUSIVE",
                "scope": "LINE_ITEM",
            }
            for r in rates
        ],
        "discounts": [
            {
                "uid": f"disc-{d.index}",
                "name": d.title,
                "type": "FIXED_PERCENTAGE" if d.value_type == "percentage" else "FIXED_AMOUNT",
                **(
                    {"percentage": f"{d.value:.1f}"}
                    if d.value_type == "percentage"
                    else {"amount_money": _sq_money(d.value)}
                ),
                "scope": "ORDER" if d.allocation_method == "across" else "LINE_ITEM",
            }
            for d in order.discounts
        ],
        "service_charges": [
            {
                "uid": "shipping",
                "name": order.shipping_title,
                "amount_money": _sq_money(order.shipping_price),
                "total_money": _sq_money(order.shipping_price),
                "total_tax_money": _sq_money(order.shipping_tax),
                "calculation_phase": "TOTAL_PHASE",
                "taxable": bool(order.shipping_tax),
            }
        ]
        if order.shipping_price
        else [],
        "tenders": tenders,
        "refunds": [
            {
                "id": f"R{r.id}",
                "tender_id": card_tender,
                "reason": r.note,
                "amount_money": _sq_money(r.amount),
                "status": "COMPLETED",
            }
            for r in order.refunds
        ],
        "returns": [
            {
                "uid": f"ret-{r.id}",
                "source_order_id": oid,
                "return_line_items": [
                    {
                        "uid": f"rli-{r.id}-{rl.line.id}",
                        "source_line_item_uid": f"li-{rl.line.id}",
                        "quantity": str(rl.quantity),
                        "total_money": _sq_money(rl.subtotal),
                        "total_tax_money": _sq_money(rl.tax),
                    }
                    for rl in r.lines
                ],
            }
            for r in order.refunds
        ],
        "total_money": _sq_money(order.total_price),
        "total_tax_money": _sq_money(order.total_tax),
        "total_discount_money": _sq_money(order.total_discounts),
        "total_service_charge_money": _sq_money(order.shipping_price),
    }


# -- Wix ----------------------------------------------------------------------------------


def _wix_amount(amount: Decimal) -> dict[str, str]:
    text = f"{amount.normalize():f}" if amount else "0"
    return {"amount": text, "formattedAmount": f"€{amount:.2f}"}


def wix_order(order: Order) -> dict[str, Any]:
    """An order as ``POST /ecom/v1/orders/search`` returns it (amounts like ``"10.5"``)."""
    cust = order.customer
    payment = {
        "voided": "NOT_PAID",
        "refunded": "FULLY_REFUNDED",
        "partially_refunded": "PARTIALLY_REFUNDED",
    }.get(order.financial_status, "PAID")
    return {
        "id": "-".join(
            _token("wix", order.id)[a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
        ),
        "number": str(10000 + order.number),
        "createdDate": _iso_ms(order.created_at),
        "updatedDate": _iso_ms(order.updated_at),
        "status": "CANCELED" if order.cancelled_at else "APPROVED",
        "paymentStatus": payment,
        "currency": "EUR",
        "taxIncludedInPrices": True,
        "buyerInfo": {"contactId": _token("contact", cust.id)[:16], "email": cust.email},
        "billingInfo": {
            "address": {"country": cust.country, "city": cust.city, "postalCode": cust.zip},
            "contactDetails": {
                "firstName": cust.first_name,
                "lastName": cust.last_name,
                "company": cust.company,
                **({"vatId": {"id": cust.vat_number, "type": "VAT"}} if cust.vat_number else {}),
            },
        },
        "lineItems": [
            {
                "id": _token("wixli", li.id)[:24],
                "productName": {"original": li.product.title},
                "catalogReference": {"catalogItemId": str(li.product.id)},
                "itemType": {"preset": "GIFT_CARD" if li.product.gift_card else "PHYSICAL"},
                "physicalProperties": {
                    "sku": li.product.sku,
                    "shippable": not li.product.gift_card,
                },
                "quantity": li.quantity,
                "price": _wix_amount(li.product.price),
                "totalDiscount": _wix_amount(li.discount),
                "totalPriceBeforeTax": _wix_amount(li.total - li.tax),
                "totalPriceAfterTax": _wix_amount(li.total),
                "taxDetails": {
                    "taxRate": f"{_rate_fraction(li.rate):f}",
                    "totalTax": _wix_amount(li.tax),
                },
            }
            for li in order.lines
        ],
        "shippingInfo": {
            "title": order.shipping_title,
            "cost": {
                "price": _wix_amount(order.shipping_price),
                "totalTax": _wix_amount(order.shipping_tax),
            },
        },
        "appliedDiscounts": [
            {
                "discountType": "GLOBAL" if d.code else "ITEM",
                **(
                    {"coupon": {"code": d.code, "name": d.title}}
                    if d.code
                    else {"discountRule": {"name": {"original": d.title}}}
                ),
            }
            for d in order.discounts
        ],
        "priceSummary": {
            "subtotal": _wix_amount(order.total_line_items_price),
            "shipping": _wix_amount(order.shipping_price),
            "tax": _wix_amount(order.total_tax),
            "discount": _wix_amount(order.total_discounts),
            "total": _wix_amount(order.total_price),
        },
        "balanceSummary": {
            "paid": _wix_amount(sum((p.amount for p in order.payments), ZERO)),
            "refunded": _wix_amount(order.total_refunded),
        },
    }


# -- Stripe -------------------------------------------------------------------------------


def stripe_id(prefix: str, *parts: object) -> str:
    """A Stripe-looking id (``txn_``, ``ch_``, ``re_``, ``po_``) derived from ``parts``."""
    return f"{prefix}_{_token(prefix, *parts)[:24]}"


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def stripe_payout_created(payout: Payout) -> datetime:
    """When Stripe created the payout: 06:00 UTC the day after its last transaction."""
    last = max(t.processed_at for t in payout.transactions)
    return (last + timedelta(days=1)).replace(hour=6, minute=0, second=0)


def stripe_balance_txns(data: Dataset) -> list[dict[str, Any]]:
    """Charges, refunds and payouts as ``/v1/balance_transactions`` objects (cents).

    A benchmark fetch renders 23,000 of them: each value is worked out once per object,
    and the exchange rate once per currency.
    """
    rows: list[dict[str, Any]] = []
    inverse: dict[Decimal, Decimal | None] = {}  # fx -> the exchange rate Stripe shows
    for payout in data.payouts:
        for txn in payout.transactions:
            charge = txn.type == "charge"
            fx = txn.order.fx if txn.order is not None else Decimal(1)
            if fx not in inverse:
                inverse[fx] = (1 / fx).quantize(Decimal("0.000001")) if fx != 1 else None
            at = _unix(txn.processed_at)
            fee = minor(txn.fee)
            rows.append(
                {
                    "id": stripe_id("txn", txn.id),
                    "object": "balance_transaction",
                    "amount": minor(txn.amount),
                    "available_on": at + 2 * 86400,
                    "created": at,
                    "currency": "eur",
                    "description": f"Order #{txn.order.number}" if txn.order else txn.type,
                    "exchange_rate": inverse[fx],
                    "fee": fee,
                    "fee_details": [
                        {
                            "amount": fee,
                            "application": None,
                            "currency": "eur",
                            "description": "Stripe processing fees",
                            "type": "stripe_fee",
                        }
                    ]
                    if txn.fee
                    else [],
                    "net": minor(txn.net),
                    "reporting_category": txn.type,
                    "source": stripe_id("ch" if charge else "re", txn.source_id),
                    "status": "available",
                    "type": txn.type,
                }
            )
        created = stripe_payout_created(payout)
        rows.append(
            {
                "id": stripe_id("txn", "payout", payout.id),
                "object": "balance_transaction",
                "amount": -minor(payout.amount),
                "available_on": _unix(created),
                "created": _unix(created),
                "currency": "eur",
                "description": "STRIPE PAYOUT",
                "exchange_rate": None,
                "fee": 0,
                "fee_details": [],
                "net": -minor(payout.amount),
                "reporting_category": "payout",
                "source": stripe_id("po", payout.id),
                "status": "available",
                "type": "payout",
            }
        )
    return rows


def stripe_payouts(data: Dataset) -> list[dict[str, Any]]:
    """Payouts as ``/v1/payouts`` objects (cents, Unix seconds)."""
    rows = []
    for payout in data.payouts:
        created = stripe_payout_created(payout)
        rows.append(
            {
                "id": stripe_id("po", payout.id),
                "object": "payout",
                "amount": minor(payout.amount),
                "arrival_date": _unix(datetime.combine(payout.date, created.timetz())),
                "automatic": True,
                "balance_transaction": stripe_id("txn", "payout", payout.id),
                "created": _unix(created),
                "currency": "eur",
                "description": "STRIPE PAYOUT",
                "method": "standard",
                "status": {"scheduled": "pending"}.get(payout.status, payout.status),
                "type": "bank_account",
            }
        )
    return rows
