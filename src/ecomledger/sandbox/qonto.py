"""Qonto's Business API, as the sandbox bank speaks it: ``GET /v2/transactions``.

What the real API does and this handler mirrors: the account is chosen by ``iban`` or
``bank_account_id`` (one is required); ``status[]``, ``settled_at_from/to`` and
``updated_at_from/to`` filter (inclusive, ISO times); ``sort_by`` is ``<field>:asc|desc``
(default ``settled_at:desc``); pages are ``page`` (from 1) and ``per_page`` (1-100) with a
``meta`` object (``current_page, next_page, prev_page, total_pages, total_count,
per_page``). Authentication is the ``Authorization: <organization slug>:<secret key>``
header of an API key. Amounts are **unsigned** numbers; ``side`` says ``credit`` or
``debit`` (the trap every importer must handle).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ecomledger.sandbox.bank_api import (
    IBAN,
    Answer,
    BankTxn,
    iso_ms,
    parse_moment,
    stable_uuid,
    statement_lines,
)
from ecomledger.sandbox.data import Dataset

__all__ = ["ACCOUNT_ID", "IBAN", "LOGIN", "handle", "transaction"]

#: The organization slug of the sandbox's API key (its secret key is ``TOKEN``).
LOGIN = "sandbox-org-4242"
ACCOUNT_ID = stable_uuid("qonto", "account", IBAN)
PATH = "/v2/transactions"


def transaction(line: BankTxn) -> dict[str, Any]:
    """One line as ``GET /v2/transactions`` lists it."""
    amount = abs(line.amount)
    return {
        "id": stable_uuid("qonto", line.id),
        "transaction_id": line.id,
        "amount": amount,
        "amount_cents": int(amount * 100),
        "settled_balance": None,
        "attachment_ids": [],
        "local_amount": amount,
        "local_amount_cents": int(amount * 100),
        "side": "credit" if line.amount > 0 else "debit",
        "operation_type": "income" if line.amount > 0 else line.method,
        "currency": line.currency,
        "local_currency": line.currency,
        "label": line.counterparty,
        "clean_counterparty_name": line.counterparty,
        "settled_at": iso_ms(line.settled_at),
        "emitted_at": iso_ms(line.settled_at - timedelta(hours=1)),
        "updated_at": iso_ms(line.settled_at + timedelta(minutes=1)),
        "status": "completed",
        "note": None,
        "reference": line.reference,
        "vat_amount": None,
        "vat_amount_cents": None,
        "vat_rate": None,
        "initiator_id": None,
        "label_ids": [],
        "attachment_lost": False,
        "attachment_required": False,
        "card_last_digits": None,
        "category": "sales",
        "bank_account_id": ACCOUNT_ID,
    }


def _error(status: int, code: str, detail: str) -> Answer:
    return status, {"errors": [{"code": code, "detail": detail}]}, {}


def handle(
    data: Dataset,
    secret: str,
    method: str,
    path: str,
    q: Mapping[str, str],
    headers: Mapping[str, str],
) -> Answer:
    """Answer one request to the Qonto dialect (``secret``: the accepted secret key)."""
    if headers.get("authorization") != f"{LOGIN}:{secret}":
        return 401, {"message": "Unauthorized"}, {}
    if method != "GET" or path.rstrip("/") != PATH:
        return _error(404, "not_found", "Not found")
    iban, account = q.get("iban", "").replace(" ", ""), q.get("bank_account_id", "")
    if not iban and not account:
        return _error(422, "missing_parameter", "bank_account_id or iban is required")
    if (iban and iban != IBAN) or (account and account != ACCOUNT_ID):
        return _error(404, "not_found", "Bank account not found")
    rows = [transaction(line) for line in statement_lines(data)]
    wanted = q.get("status[]")
    if wanted is not None:
        rows = [r for r in rows if r["status"] in wanted.split(",")]
    for field in ("settled_at", "updated_at", "emitted_at"):
        for bound, keep in (("from", lambda a, b: a >= b), ("to", lambda a, b: a <= b)):
            text = q.get(f"{field}_{bound}")
            if text is None:
                continue
            moment = parse_moment(text)
            if moment is None:
                return _error(422, "invalid_parameter", f"{field}_{bound} is not a date")
            rows = [r for r in rows if keep(parse_moment(r[field]), moment)]
    field, _, order = q.get("sort_by", "settled_at:desc").partition(":")
    if field not in ("settled_at", "updated_at") or order not in ("asc", "desc"):
        return _error(422, "invalid_parameter", "sort_by is not valid")
    rows.sort(key=lambda r: (r[field], r["id"]), reverse=order == "desc")
    try:
        page, per_page = int(q.get("page", "1")), int(q.get("per_page", "100"))
    except ValueError:
        return _error(422, "invalid_parameter", "page and per_page are whole numbers")
    if page < 1 or not 1 <= per_page <= 100:
        return _error(422, "invalid_parameter", "per_page must be 1-100 and page at least 1")
    pages = max(1, math.ceil(len(rows) / per_page))
    chunk = rows[(page - 1) * per_page : page * per_page]
    meta = {
        "current_page": page,
        "next_page": page + 1 if page < pages else None,
        "prev_page": page - 1 if page > 1 else None,
        "total_pages": pages,
        "total_count": len(rows),
        "per_page": per_page,
    }
    return 200, {"transactions": chunk, "meta": meta}, {}
