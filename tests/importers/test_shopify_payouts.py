"""Shopify Payments payouts: every component of a payout is booked, so that the clearing
account ends at zero after each payout.

A month of a shop: sales; an order cancelled after capture (refunded, and its fee given
back as an adjustment); funds reserved then released; a chargeback with its fee, then the
dispute won; a payout that failed and was retried. Before the fix the adjustment, the
reserve and the dispute stayed on the clearing account, and a dispute was booked as if
it were a sale paid out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

from beancount.core import data

from .test_shopify_gift_card_refunds import books_with, line, refund

CLEARING = "Assets:Clearing:ShopifyPayments"
RESERVE = "Assets:Clearing:ShopifyPayments:Reserved"
FEES = "Expenses:Fees:ShopifyPayments"
ADJUSTMENTS = "Expenses:Fees:ShopifyPayments:Adjustments"
CHARGEBACKS = "Expenses:Chargebacks"
IDS = count(1000)


def sale(order_id: int, day: str, price: str, tax: str, status: str = "paid") -> dict[str, Any]:
    return {
        "id": order_id,
        "name": f"#{order_id}",
        "currency": "EUR",
        "processed_at": f"2026-03-{day}T10:00:00+01:00",
        "financial_status": status,
        "taxes_included": True,
        "total_price": price,
        "email": "client@example.fr",
        "shipping_address": {"name": "Client", "country_code": "FR"},
        "payment_gateway_names": ["shopify_payments"],
        "line_items": [line(order_id * 10, "MUG-CER-BLU", price, tax, "0.2")],
        "refunds": [],
    }


def txn(payout: int, kind: str, amount: str, fee: str = "0.00", order: int | None = None):
    return {
        "id": next(IDS),
        "type": kind,
        "payout_id": payout,
        "payout_status": "paid",
        "currency": "EUR",
        "amount": amount,
        "fee": fee,
        "net": str(Decimal(amount) - Decimal(fee)),
        "source_order_id": order,
        "source_order_transaction_id": None,
        "processed_at": "2026-03-01T10:00:00+01:00",
    }


def payout(payout_id: int, day: str, status: str, rows: list[dict[str, Any]], **summary: str):
    groups = {
        "charges": ("charge",),
        "refunds": ("refund",),
        "adjustments": ("adjustment", "dispute"),  # Shopify counts disputes in adjustments
        "reserved_funds": ("reserve",),
        "retried_payouts": ("payout_failure",),
    }
    mine = [r for r in rows if r["payout_id"] == payout_id]
    body = {}
    for group, kinds in groups.items():
        body[f"{group}_gross_amount"] = str(
            sum((Decimal(r["amount"]) for r in mine if r["type"] in kinds), Decimal("0.00"))
        )
        body[f"{group}_fee_amount"] = str(
            sum((Decimal(r["fee"]) for r in mine if r["type"] in kinds), Decimal("0.00"))
        )
    body.update(summary)
    return {
        "id": payout_id,
        "status": status,
        "date": f"2026-03-{day}",
        "currency": "EUR",
        "amount": str(sum((Decimal(r["net"]) for r in mine), Decimal("0.00"))),
        "summary": body,
    }


def month() -> tuple[dict[str, Any], dict[str, Any]]:
    cancelled = sale(2, "03", "50.00", "8.33", status="refunded")
    cancelled["refunds"] = [
        refund([(20, "50.00", "8.33", "cancel")], [("shopify_payments", "50.00")])
    ]
    cancelled["refunds"][0]["created_at"] = "2026-03-10T09:00:00+01:00"
    orders = [
        sale(1, "02", "100.00", "16.67"),
        cancelled,
        sale(3, "04", "80.00", "13.33"),
        sale(4, "11", "200.00", "33.33"),
        sale(5, "18", "60.00", "10.00"),
    ]
    rows = [
        txn(501, "charge", "100.00", "1.75", 1),
        txn(501, "charge", "50.00", "1.00", 2),
        txn(501, "charge", "80.00", "1.45", 3),
        txn(501, "reserve", "-20.00"),  # held back
        txn(502, "refund", "-50.00", order=2),
        txn(502, "adjustment", "1.00"),  # the fee of the cancelled order, given back
        txn(502, "dispute", "-80.00", "15.00", 3),  # the chargeback and its fee
        txn(502, "charge", "200.00", "3.25", 4),
        txn(503, "charge", "60.00", "1.15", 5),  # its payout failed...
        txn(504, "payout_failure", "60.00", "1.15"),  # ... and was retried
        txn(504, "dispute", "80.00", order=3),  # the dispute won
        txn(504, "reserve", "20.00"),  # released
    ]
    payouts = [
        payout(501, "09", "paid", rows),
        payout(502, "16", "paid", rows),
        payout(503, "23", "failed", rows),
        payout(504, "30", "paid", rows),
    ]
    return {"orders": orders}, {"payouts": payouts, "transactions": rows}


def balance(entries: list[data.Directive], account: str, until: dt.date) -> Decimal:
    return sum(
        (
            p.units.number
            for e in entries
            if isinstance(e, data.Transaction) and e.date <= until
            for p in e.postings
            if p.account == account
        ),
        Decimal("0.00"),
    )


def test_the_clearing_account_ends_at_zero_after_each_payout(tmp_path: Path) -> None:
    entries = books_with(tmp_path, *month())
    paid = sorted(
        (e for e in entries if isinstance(e, data.Transaction) and "payout_id" in e.meta),
        key=lambda e: e.date,
    )
    assert [e.meta["payout_id"] for e in paid] == ["501", "502", "504"]
    for entry in paid:
        assert balance(entries, CLEARING, entry.date) == 0, entry.meta["payout_id"]
    end = dt.date(2026, 12, 31)
    assert balance(entries, "Assets:Transfers", end) == Decimal("205.80") + Decimal(
        "52.75"
    ) + Decimal("158.85")
    assert balance(entries, FEES, end) == Decimal("23.60")  # charges' fees and the dispute's
    assert balance(entries, ADJUSTMENTS, end) == Decimal("-1.00")  # the fee given back
    assert balance(entries, CHARGEBACKS, end) == 0  # taken, then won back
    assert balance(entries, RESERVE, end) == 0  # held, then released
    held = next(e for e in paid if e.meta["payout_id"] == "501")
    assert {p.account: p.units.number for p in held.postings}[RESERVE] == Decimal("20.00")


def test_a_payout_known_by_its_summary_only_books_its_adjustments_apart(tmp_path: Path) -> None:
    """Without balance transactions, the summary's groups: adjustments (disputes among
    them, as Shopify counts them) and reserved funds leave the clearing account alone."""
    orders, payouts = month()
    summary_only = {"payouts": [p for p in payouts["payouts"] if p["id"] == 501]}
    entries = books_with(tmp_path, {"orders": orders["orders"][:3]}, summary_only)
    (entry,) = [e for e in entries if isinstance(e, data.Transaction) and "payout_id" in e.meta]
    assert balance(entries, CLEARING, entry.date) == 0
    assert {p.account: p.units.number for p in entry.postings}[RESERVE] == Decimal("20.00")
