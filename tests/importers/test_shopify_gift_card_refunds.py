"""Shopify refunds of gift cards and of orders paid partly by gift card go back to the
gift-card liability, never to sales; a refund line's ``restock_type`` decides restocking.

Each case is imported into fresh books and loaded with every plugin: before the fix, a
refunded gift card was booked as a sale returned (a credit note larger than its invoice),
the gift-card part of a refund waited on the clearing account for a payout that never
brings it, and the deprecated refund-level ``restock`` flag restocked a ``no_restock`` line.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data

from ecomledger import ledger
from ecomledger.config import load_config
from ecomledger.ingest import import_files
from ecomledger.scaffold import init_books

CLEARING = "Assets:Clearing:ShopifyPayments"
GIFT_CARDS = "Liabilities:GiftCards"
SHOP = """
[[shops]]
name = "boutique"
platform = "shopify"
url = "https://boutique.myshopify.com"
token_env = "SHOPIFY_TOKEN"
processor = "shopify-payments"

[[processors]]
name = "shopify-payments"
kind = "shopify_payments"
account = "Assets:Clearing:ShopifyPayments"
fees_account = "Expenses:Fees:ShopifyPayments"
country = "IE"
gateways = ["shopify_payments"]
"""


def books_with(tmp_path: Path, *documents: dict[str, Any]) -> list[data.Directive]:
    """Fresh books, the Shopify documents imported, loaded with every plugin (asserting no
    error)."""
    books = tmp_path / "books"
    init_books(books, year=2026)
    (books / "ecomledger.toml").write_text(
        (books / "ecomledger.toml").read_text(encoding="utf-8") + SHOP, encoding="utf-8"
    )
    (books / "inbox").mkdir(exist_ok=True)
    payloads = []
    for n, document in enumerate(documents):
        payloads.append(books / "inbox" / f"boutique-{n}.json")
        payloads[-1].write_text(json.dumps(document), encoding="utf-8")
    config = load_config(books / "ecomledger.toml")
    import_files(books, config, payloads, archive=False)
    again = import_files(books, config, payloads, archive=False)
    assert again.added == []  # a re-import adds nothing and conflicts with nothing
    entries, errors, _ = ledger.load(books)
    assert [ledger.format_error(e, books)[2] for e in errors] == []
    return entries


def line(line_id: int, sku: str, price: str, tax: str, rate: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "sku": sku,
        "name": sku,
        "quantity": 1,
        "price": price,
        "tax_lines": [{"rate": rate, "price": tax}] if tax != "0.00" else [],
        **extra,
    }


def order(
    lines: list[dict[str, Any]], total: str, payments: list[tuple[str, str]], refund: Any
) -> dict[str, Any]:
    return {
        "id": 4501,
        "name": "#1001",
        "currency": "EUR",
        "processed_at": "2026-03-02T10:00:00+01:00",
        "financial_status": "refunded",
        "taxes_included": True,
        "total_price": total,
        "email": "marie@example.fr",
        "shipping_address": {"name": "Marie Curie", "country_code": "FR"},
        "payment_gateway_names": [gateway for gateway, _ in payments],
        "line_items": lines,
        "transactions": [
            {"id": 70 + n, "kind": "sale", "status": "success", "gateway": g, "amount": a}
            for n, (g, a) in enumerate(payments)
        ],
        "refunds": [refund],
    }


def refund(
    items: list[tuple[int, str, str, str | None]],
    returned: list[tuple[str, str]],
    restock: bool = True,
) -> dict[str, Any]:
    """A refund of ``(line id, subtotal, tax, restock_type)`` items, money ``returned``."""
    return {
        "id": 9001,
        "created_at": "2026-03-05T09:00:00+01:00",
        "restock": restock,
        "refund_line_items": [
            {
                "id": 800 + n,
                "line_item_id": line_id,
                "quantity": 1,
                "subtotal": subtotal,
                "total_tax": tax,
                **({"restock_type": kind} if kind else {}),
            }
            for n, (line_id, subtotal, tax, kind) in enumerate(items)
        ],
        "transactions": [
            {"id": 90 + n, "kind": "refund", "status": "success", "gateway": g, "amount": a}
            for n, (g, a) in enumerate(returned)
        ],
        "order_adjustments": [],
    }


def credit_note(entries: list[data.Directive]) -> data.Transaction:
    (note,) = [e for e in entries if isinstance(e, data.Transaction) and "credit_note" in e.meta]
    return note


def balance(entries: list[data.Directive], account: str) -> Decimal:
    return sum(
        (
            p.units.number
            for e in entries
            if isinstance(e, data.Transaction)
            for p in e.postings
            if p.account == account
        ),
        Decimal(0),
    )


def test_a_refunded_gift_card_cancels_the_liability_not_a_sale(tmp_path: Path) -> None:
    lines = [
        line(1, "GIFT-CARD-50", "50.00", "0.00", "0", gift_card=True),
        line(2, "CHO-NOI-070", "10.00", "0.52", "0.055"),
    ]
    back = refund(
        [(1, "50.00", "0.00", "no_restock"), (2, "10.00", "0.52", "return")],
        [("shopify_payments", "60.00")],
    )
    entries = books_with(
        tmp_path, {"orders": [order(lines, "60.00", [("shopify_payments", "60.00")], back)]}
    )
    note = credit_note(entries)
    by_account = {p.account: p for p in note.postings}
    assert by_account[GIFT_CARDS].units.number == Decimal("50.00")
    assert balance(entries, GIFT_CARDS) == 0
    sales = [p for p in note.postings if p.account.startswith("Income:")]
    assert [(p.units.number, p.meta.get("sku")) for p in sales] == [
        (Decimal("9.48"), "CHO-NOI-070")
    ]
    assert not (by_account[GIFT_CARDS].meta or {}).get("restock")


def test_an_order_paid_partly_by_gift_card_refunds_that_part_to_the_card(
    tmp_path: Path,
) -> None:
    lines = [line(1, "MUG-CER-BLU", "40.00", "6.67", "0.2")]
    paid = [("gift_card", "25.00"), ("shopify_payments", "15.00")]
    back = refund([(1, "40.00", "6.67", "return")], paid)
    entries = books_with(tmp_path, {"orders": [order(lines, "40.00", paid, back)]})
    posted = {p.account: p.units.number for p in credit_note(entries).postings}
    assert posted[CLEARING] == Decimal("-15.00") and posted[GIFT_CARDS] == Decimal("-25.00")
    assert balance(entries, CLEARING) == 0  # nothing waits for a payout that never comes
    assert balance(entries, GIFT_CARDS) == 0  # the 25.00 redeemed is owed on the card again


def test_no_restock_never_restocks_whatever_the_deprecated_flag_says(tmp_path: Path) -> None:
    lines = [
        line(1, "MUG-CER-BLU", "40.00", "6.67", "0.2"),
        line(2, "TEA", "10.00", "0.52", "0.055"),
    ]
    back = refund(
        [(1, "40.00", "6.67", "no_restock"), (2, "10.00", "0.52", None)],
        [("shopify_payments", "50.00")],
        restock=True,
    )
    entries = books_with(
        tmp_path, {"orders": [order(lines, "50.00", [("shopify_payments", "50.00")], back)]}
    )
    restocked = {
        p.meta.get("sku"): bool(p.meta.get("restock"))
        for p in credit_note(entries).postings
        if p.account.startswith("Income:Sales:Goods")
    }
    # the broken mug stays with the customer; the old refund without a type follows the flag
    assert restocked == {"MUG-CER-BLU": False, "TEA": True}
