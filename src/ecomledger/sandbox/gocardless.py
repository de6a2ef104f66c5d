"""GoCardless Bank Account Data (ex-Nordigen), as the sandbox bank speaks it.

What the real API does and this handler mirrors: ``POST /api/v2/token/new/`` trades the
``secret_id`` and ``secret_key`` of a user secret for an ``access`` token (and a refresh
token); ``GET /api/v2/accounts/<account id>/transactions/`` with that bearer token answers
``{"transactions": {"booked": [...], "pending": [...]}}``, filtered on the booking date by
``date_from``/``date_to`` (``YYYY-MM-DD``, inclusive), in one answer (no pages). A booked
transaction carries the bank's ``transactionId`` (when the bank gives one), GoCardless's
``internalTransactionId``, ``bookingDate``, ``valueDate``, ``transactionAmount`` (a signed
decimal *string* and a currency), the ``debtorName`` or ``creditorName`` and the
remittance information. Errors are ``{"summary", "detail", "status_code"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ecomledger.sandbox.bank_api import Answer, BankTxn, stable_uuid, statement_lines
from ecomledger.sandbox.data import Dataset

__all__ = ["ACCOUNT_ID", "SECRET_ID", "handle", "transactions"]

SECRET_ID = "sandbox-secret-id"
ACCOUNT_ID = stable_uuid("gocardless", "account")
ACCESS = "sandbox-gocardless-access"
PREFIX = "/api/v2/"
_PARIS = ZoneInfo("Europe/Paris")


def _booked(line: BankTxn) -> dict[str, Any]:
    day = line.settled_at.astimezone(_PARIS).date().isoformat()
    party = "debtorName" if line.amount > 0 else "creditorName"
    return {
        "transactionId": line.id,
        "internalTransactionId": stable_uuid("gocardless", line.id).replace("-", ""),
        "bookingDate": day,
        "valueDate": day,
        "transactionAmount": {"amount": f"{line.amount:.2f}", "currency": line.currency},
        party: line.counterparty,
        "remittanceInformationUnstructured": line.reference,
        "bankTransactionCode": "PMNT-RCDT-ESCT" if line.amount > 0 else "PMNT-ICDT-ESCT",
    }


def transactions(data: Dataset) -> dict[str, list[dict[str, Any]]]:
    """The booked lines (the sandbox statement) and one pending card payment."""
    lines = statement_lines(data)
    last = lines[-1].settled_at.date() if lines else date(2025, 1, 1)
    pending = {
        "transactionAmount": {"amount": f"{Decimal('-42.00'):.2f}", "currency": "EUR"},
        "valueDate": (last + timedelta(days=1)).isoformat(),
        "creditorName": "OFFICE SUPPLIES",
        "remittanceInformationUnstructured": "card payment, not booked yet",
    }
    return {"booked": [_booked(line) for line in lines], "pending": [pending]}


def _error(status: int, summary: str, detail: str) -> Answer:
    return status, {"summary": summary, "detail": detail, "status_code": status}, {}


def handle(
    data: Dataset,
    secret_key: str,
    method: str,
    path: str,
    q: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
) -> Answer:
    """Answer one request to the GoCardless dialect (``secret_key``: the accepted one)."""
    route = path.removeprefix(PREFIX).strip("/")
    if route == "token/new" and method == "POST":
        try:
            sent = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "Invalid request", "The body is not JSON.")
        if not isinstance(sent, dict) or (
            sent.get("secret_id"),
            sent.get("secret_key"),
        ) != (SECRET_ID, secret_key):
            return _error(
                401, "Authentication failed", "No active account found with the given credentials"
            )
        return (
            200,
            {
                "access": ACCESS,
                "access_expires": 86400,
                "refresh": ACCESS + "-refresh",
                "refresh_expires": 2592000,
            },
            {},
        )
    if headers.get("authorization") != f"Bearer {ACCESS}":
        return _error(401, "Invalid token", "Token is invalid or expired")
    parts = route.split("/")
    if method != "GET" or len(parts) != 3 or parts[0] != "accounts" or parts[2] != "transactions":
        return _error(404, "Not found.", "Not found.")
    if parts[1] != ACCOUNT_ID:
        return _error(404, "Account ID not found", f"Account ID {parts[1]} not found")
    found = transactions(data)
    booked = found["booked"]
    for name, keep in (("date_from", lambda a, b: a >= b), ("date_to", lambda a, b: a <= b)):
        if name in q:
            try:
                bound = date.fromisoformat(q[name])
            except ValueError:
                return _error(400, "Invalid date", f"{name} must be YYYY-MM-DD")
            booked = [b for b in booked if keep(date.fromisoformat(b["bookingDate"]), bound)]
    return 200, {"transactions": {"booked": booked, "pending": found["pending"]}}, {}
