"""Revolut Business API, as the sandbox bank speaks it: ``GET /api/1.0/transactions``.

What the real API does and this handler mirrors: a bearer access token; ``from``
(inclusive) and ``to`` (exclusive) bound ``created_at``; ``count`` (1-1000, default 100)
caps a page; the list is newest ``created_at`` first, and the next page is asked with
``to`` = the ``created_at`` of the last transaction of the page; ``account`` keeps the
transactions with a leg on that account. A transaction has an ``id``, a ``type``, a
``state`` (``pending``, ``completed``, ``declined``, ``failed``, ``reverted``),
``created_at``/``updated_at``/``completed_at`` and one ``legs[]`` entry per account it
moves (signed ``amount``, ``fee``, ``currency``, ``description``, ``balance``).

The lines are the sandbox bank's statement (:mod:`ecomledger.sandbox.bank_api`) plus one
card payment still pending, which no importer may book. :func:`revolut_statement` writes
the same lines as Revolut's CSV export, to show that a fetch and an import dedupe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ecomledger.sandbox.bank_api import (
    Answer,
    BankTxn,
    iso_ms,
    parse_moment,
    stable_uuid,
    statement_lines,
)
from ecomledger.sandbox.data import Dataset

__all__ = ["ACCOUNT_ID", "ACCOUNT_NAME", "handle", "revolut_statement", "transactions"]

ACCOUNT_ID = stable_uuid("revolut", "account", "EUR Main")
ACCOUNT_NAME = "EUR Main"
PATH = "/api/1.0/transactions"


def _transaction(line: BankTxn, state: str = "completed") -> dict[str, Any]:
    created = line.settled_at - timedelta(hours=1)
    return {
        "id": stable_uuid("revolut", line.id),
        "type": "transfer" if line.method == "transfer" else "card_payment",
        "request_id": line.id,
        "state": state,
        "created_at": iso_ms(created),
        "updated_at": iso_ms(line.settled_at),
        "completed_at": iso_ms(line.settled_at) if state == "completed" else None,
        "reference": line.reference,
        "legs": [
            {
                "leg_id": stable_uuid("revolut", "leg", line.id),
                "account_id": ACCOUNT_ID,
                "counterparty": {"account_type": "external", "account_id": None},
                "amount": line.amount,
                "fee": Decimal("0.00"),
                "currency": line.currency,
                "description": line.counterparty,
            }
        ],
    }


def _pending(lines: list[BankTxn]) -> BankTxn:
    """A card payment made before the last line, still not completed: the cursor of a
    fetch must stay before it, not move on to the last line's time."""
    before = lines[-2].settled_at if len(lines) > 1 else parse_moment("2025-01-01T08:00:00Z")
    assert before is not None
    return BankTxn(
        id="sandbox-pending-card",
        settled_at=before + timedelta(hours=2),
        amount=Decimal("-42.00"),
        currency="EUR",
        counterparty="OFFICE SUPPLIES",
        reference="",
        method="card",
        iban="",
    )


def transactions(data: Dataset) -> list[dict[str, Any]]:
    """Every transaction the sandbox's Revolut account lists, oldest first."""
    lines = statement_lines(data)
    rows = [_transaction(line) for line in lines]
    rows.append(_transaction(_pending(lines), "pending"))
    return rows


def handle(
    data: Dataset,
    token: str,
    method: str,
    path: str,
    q: Mapping[str, str],
    headers: Mapping[str, str],
) -> Answer:
    """Answer one request to the Revolut Business dialect (``token``: the accepted one)."""
    if headers.get("authorization") != f"Bearer {token}":
        return 401, {"message": "The request should be authorized.", "code": 9002}, {}
    if method != "GET" or path.rstrip("/") != PATH:
        return 404, {"message": "Not found", "code": 3000}, {}
    rows = transactions(data)
    bounds = {}
    for name in ("from", "to"):
        if name in q:
            moment = parse_moment(q[name])
            if moment is None:
                return 400, {"message": f"Invalid '{name}' parameter", "code": 3000}, {}
            bounds[name] = moment
    try:
        count = int(q.get("count", "100"))
    except ValueError:
        count = 0
    if not 1 <= count <= 1000:
        return 400, {"message": "'count' must be between 1 and 1000", "code": 3000}, {}
    if "account" in q:
        rows = [r for r in rows if any(leg["account_id"] == q["account"] for leg in r["legs"])]
    created = {r["id"]: parse_moment(r["created_at"]) for r in rows}
    if "from" in bounds:
        rows = [r for r in rows if created[r["id"]] >= bounds["from"]]  # type: ignore[operator]
    if "to" in bounds:
        rows = [r for r in rows if created[r["id"]] < bounds["to"]]  # type: ignore[operator]
    rows.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)
    return 200, rows[:count], {}


REVOLUT_HEADER = (
    "Date started (UTC)",
    "Date completed (UTC)",
    "ID",
    "Type",
    "Description",
    "Reference",
    "Payer",
    "Card number",
    "Orig currency",
    "Orig amount",
    "Payment currency",
    "Amount",
    "Fee",
    "Balance",
    "Account",
    "Beneficiary account number",
    "Beneficiary sort code or routing number",
    "Beneficiary IBAN",
    "Beneficiary BIC",
)


def revolut_statement(data: Dataset) -> str:
    """The Revolut Business CSV export (2022 layout, UTC times) of the same transactions
    the API lists, newest first as Revolut writes it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REVOLUT_HEADER)
    for row in reversed(transactions(data)):
        leg = row["legs"][0]
        started = parse_moment(row["created_at"])
        completed = parse_moment(row["completed_at"]) if row["completed_at"] else None
        writer.writerow(
            (
                f"{started:%Y-%m-%d %H:%M:%S}",
                f"{completed:%Y-%m-%d %H:%M:%S}" if completed else "",
                row["id"],
                row["type"].upper(),
                leg["description"],
                row["reference"],
                "",
                "",
                leg["currency"],
                f"{abs(leg['amount']):.2f}",
                leg["currency"],
                f"{leg['amount']:.2f}",
                f"{leg['fee']:.2f}",
                "",
                ACCOUNT_NAME,
                "",
                "",
                "",
                "",
            )
        )
    return out.getvalue()
