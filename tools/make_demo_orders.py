"""Write examples/demo-shop/inbox/shopify-orders.json and shopify-payouts.json.

The demo shop's orders in Shopify's REST shape, as ``ecomledger fetch`` saves them. Run it
again after changing the orders below; the output is deterministic.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "demo-shop" / "inbox"


def money(value: str) -> dict[str, dict[str, str]]:
    return {
        "shop_money": {"amount": value, "currency_code": "EUR"},
        "presentment_money": {"amount": value, "currency_code": "EUR"},
    }


def tax(price: str, rate: str) -> list[dict[str, object]]:
    return [
        {"title": "TVA", "price": price, "rate": float(Decimal(rate)), "price_set": money(price)}
    ]


def item(iid: int, sku: str, title: str, qty: int, price: str, taxes: list, discount: str = "0.00"):
    allocations = (
        []
        if discount == "0.00"
        else [{"amount": discount, "amount_set": money(discount), "discount_application_index": 0}]
    )
    return {
        "id": iid,
        "sku": sku,
        "name": title,
        "title": title,
        "quantity": qty,
        "price": price,
        "price_set": money(price),
        "tax_lines": taxes,
        "discount_allocations": allocations,
        "gift_card": False,
        "taxable": bool(taxes),
    }


def ship(price: str, taxes: list) -> list[dict[str, object]]:
    return [
        {
            "title": "Colissimo",
            "code": "colissimo",
            "price": price,
            "price_set": money(price),
            "tax_lines": taxes,
            "discount_allocations": [],
        }
    ]


def address(name: str, city: str, country: str, company: str = "") -> dict[str, str]:
    return {
        "name": name,
        "company": company,
        "address1": "1 Main Street",
        "city": city,
        "zip": "00000",
        "country": country,
        "country_code": country,
    }


def order(
    oid: int,
    number: int,
    when: str,
    lines: list,
    shipping: list,
    total: str,
    addr: dict,
    *,
    status: str = "paid",
    included: bool = True,
    gateway: str = "shopify_payments",
    **extra: object,
) -> dict[str, object]:
    body = {
        "id": oid,
        "name": f"#{number}",
        "order_number": number,
        "email": "client@example.org",
        "created_at": when,
        "processed_at": when,
        "updated_at": when,
        "currency": "EUR",
        "taxes_included": included,
        "financial_status": status,
        "total_price": total,
        "total_price_set": money(total),
        "line_items": lines,
        "shipping_lines": shipping,
        "shipping_address": addr,
        "payment_gateway_names": [gateway],
        "refunds": [],
        "fulfillments": [{"created_at": when}],
    }
    body.update(extra)
    return body


ORDERS = [
    order(
        7001,
        1001,
        "2026-03-02T09:15:00+01:00",
        [item(1, "MUG-01", "Mug Tour Eiffel", 2, "15.00", tax("5.00", "0.20"))],
        ship("4.90", tax("0.82", "0.20")),
        "34.90",
        address("Marie Curie", "Paris", "FR"),
    ),
    order(
        7002,
        1002,
        "2026-03-02T23:30:00+01:00",
        [
            item(2, "BOOK-01", "Guide de Paris", 1, "24.00", tax("1.13", "0.055"), "2.40"),
            item(3, "TSHIRT-01", "T-shirt Paris", 1, "25.00", tax("3.75", "0.20"), "2.50"),
        ],
        ship("0.00", []),
        "44.10",
        address("Jean Moulin", "Lyon", "FR"),
        discount_codes=[{"code": "BIENVENUE10", "amount": "4.90", "type": "percentage"}],
    ),
    order(
        7003,
        1003,
        "2026-03-03T14:00:00+01:00",
        [item(4, "TSHIRT-01", "T-shirt Paris", 1, "25.00", tax("3.99", "0.19"))],
        ship("6.90", tax("1.10", "0.19")),
        "31.90",
        address("Anna Schmidt", "Berlin", "DE"),
    ),
    order(
        7004,
        1004,
        "2026-03-04T10:00:00+01:00",
        [item(5, "MUG-01", "Mug Tour Eiffel", 10, "12.50", [])],
        ship("15.00", []),
        "140.00",
        address("Pieter Claes", "Bruxelles", "BE", "Boutique Claes SPRL"),
        included=False,
        gateway="bank_transfer",
        note_attributes=[{"name": "vat_number", "value": "BE0477472701"}],
    ),
    order(
        7005,
        1005,
        "2026-03-04T18:45:00+01:00",
        [item(6, "TSHIRT-01", "T-shirt Paris", 2, "25.00", [])],
        ship("12.00", []),
        "62.00",
        address("John Smith", "Boston", "US"),
        included=False,
        total_price_set={
            "shop_money": {"amount": "62.00", "currency_code": "EUR"},
            "presentment_money": {"amount": "67.50", "currency_code": "USD"},
        },
    ),
    order(
        7006,
        1006,
        "2026-03-05T11:20:00+01:00",
        [item(7, "MUG-01", "Mug Tour Eiffel", 3, "15.00", tax("7.50", "0.20"))],
        ship("4.90", tax("0.82", "0.20")),
        "49.90",
        address("Louise Michel", "Nantes", "FR"),
        status="partially_refunded",
        refunds=[
            {
                "id": 9001,
                "order_id": 7006,
                "created_at": "2026-03-09T16:00:00+01:00",
                "processed_at": "2026-03-09T16:00:00+01:00",
                "restock": True,
                "refund_line_items": [
                    {
                        "id": 1,
                        "line_item_id": 7,
                        "quantity": 1,
                        "restock_type": "return",
                        "subtotal": "15.00",
                        "subtotal_set": money("15.00"),
                        "total_tax": "2.50",
                        "total_tax_set": money("2.50"),
                        "line_item": item(
                            7, "MUG-01", "Mug Tour Eiffel", 3, "15.00", tax("7.50", "0.20")
                        ),
                    }
                ],
                "transactions": [
                    {
                        "id": 5001,
                        "kind": "refund",
                        "status": "success",
                        "amount": "15.00",
                        "gateway": "shopify_payments",
                    }
                ],
                "order_adjustments": [],
            }
        ],
    ),
    order(
        7007,
        1007,
        "2026-03-06T08:00:00+01:00",
        [item(8, "MUG-01", "Mug Tour Eiffel", 1, "15.00", tax("2.50", "0.20"))],
        ship("4.90", tax("0.82", "0.20")),
        "19.90",
        address("Paul Eluard", "Lille", "FR"),
        status="pending",
        gateway="bank_transfer",
    ),
    order(
        7008,
        1008,
        "2026-03-06T09:00:00+01:00",
        [item(9, "BOOK-01", "Guide de Paris", 1, "24.00", tax("1.25", "0.055"))],
        ship("0.00", []),
        "24.00",
        address("Olympe de Gouges", "Toulouse", "FR"),
        status="voided",
        cancelled_at="2026-03-06T10:00:00+01:00",
    ),
    order(
        7009,
        1009,
        "2026-03-07T12:00:00+01:00",
        [item(10, "BOOK-01", "Guide de Paris", 1, "24.00", tax("1.25", "0.055"))],
        ship("0.00", []),
        "24.00",
        address("Victor Hugo", "Besançon", "FR"),
    ),
]

PAYOUTS = {
    "payouts": [
        {
            "id": 301,
            "status": "paid",
            "date": "2026-03-06",
            "currency": "EUR",
            "amount": "169.47",
            "summary": {
                "charges_gross_amount": "172.90",
                "charges_fee_amount": "3.43",
                "refunds_gross_amount": "0.00",
                "refunds_fee_amount": "0.00",
                "adjustments_gross_amount": "0.00",
                "adjustments_fee_amount": "0.00",
            },
        },
        {
            "id": 302,
            "status": "paid",
            "date": "2026-03-13",
            "currency": "EUR",
            "amount": "57.36",
            "summary": {
                "charges_gross_amount": "73.90",
                "charges_fee_amount": "1.54",
                "refunds_gross_amount": "-15.00",
                "refunds_fee_amount": "0.00",
                "adjustments_gross_amount": "0.00",
                "adjustments_fee_amount": "0.00",
            },
        },
        {
            "id": 303,
            "status": "scheduled",
            "date": "2026-03-20",
            "currency": "EUR",
            "amount": "0.00",
            "summary": {},
        },
    ],
    "transactions": [
        {
            "id": 401,
            "type": "charge",
            "payout_id": 301,
            "amount": "34.90",
            "fee": "0.74",
            "net": "34.16",
            "source_order_id": 7001,
            "currency": "EUR",
        },
        {
            "id": 402,
            "type": "charge",
            "payout_id": 301,
            "amount": "44.10",
            "fee": "0.87",
            "net": "43.23",
            "source_order_id": 7002,
            "currency": "EUR",
        },
        {
            "id": 403,
            "type": "charge",
            "payout_id": 301,
            "amount": "31.90",
            "fee": "0.70",
            "net": "31.20",
            "source_order_id": 7003,
            "currency": "EUR",
        },
        {
            "id": 404,
            "type": "charge",
            "payout_id": 301,
            "amount": "62.00",
            "fee": "1.12",
            "net": "60.88",
            "source_order_id": 7005,
            "currency": "EUR",
        },
        {
            "id": 405,
            "type": "charge",
            "payout_id": 302,
            "amount": "49.90",
            "fee": "0.95",
            "net": "48.95",
            "source_order_id": 7006,
            "currency": "EUR",
        },
        {
            "id": 406,
            "type": "charge",
            "payout_id": 302,
            "amount": "24.00",
            "fee": "0.59",
            "net": "23.41",
            "source_order_id": 7009,
            "currency": "EUR",
        },
        {
            "id": 407,
            "type": "refund",
            "payout_id": 302,
            "amount": "-15.00",
            "fee": "0.00",
            "net": "-15.00",
            "source_order_id": 7006,
            "currency": "EUR",
        },
    ],
}


def envelope(kind: str, pages: list, related: dict | None = None) -> dict[str, object]:
    """The envelope ``ecomledger fetch`` writes (see ecomledger.fetch)."""
    count = sum(len(p.get("orders") or p.get("payouts") or []) for p in pages)
    return {
        "format": "ecomledger.fetch/1",
        "platform": "shopify",
        "shop": "demo-shop",
        "kind": kind,
        "fetched_at": "2026-03-31T20:00:00Z",
        "since": None,
        "until": "2026-03-31T00:00:00Z",
        "cursor": "2026-03-31T00:00:00Z",
        "count": count,
        "pages": pages,
        "related": related or {},
    }


def payouts_envelope() -> dict[str, object]:
    """Payouts as pages, their balance transactions under related, as the fetch saves them."""
    by_payout: dict[str, list[dict[str, object]]] = {}
    for txn in PAYOUTS["transactions"]:
        by_payout.setdefault(str(txn["payout_id"]), []).append(txn)
    related = {"balance_transactions": {k: [{"transactions": v}] for k, v in by_payout.items()}}
    return envelope("payouts", [{"payouts": PAYOUTS["payouts"]}], related)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "shopify-orders.json").write_text(
        json.dumps(envelope("orders", [{"orders": ORDERS}]), indent=1) + "\n", encoding="utf-8"
    )
    (OUT / "shopify-payouts.json").write_text(
        json.dumps(payouts_envelope(), indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
