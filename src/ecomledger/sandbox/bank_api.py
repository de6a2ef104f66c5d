"""What the sandbox bank's APIs share: the statement lines and the shape of an answer.

The sandbox bank shows the money the sandbox shop's payouts send (see
:mod:`ecomledger.sandbox.bank`). Its Qonto CSV export is the reference: every bank API the
sandbox speaks (:mod:`~ecomledger.sandbox.qonto`, :mod:`~ecomledger.sandbox.revolut`,
:mod:`~ecomledger.sandbox.gocardless`) serves exactly the lines of that export, read back
from it, so a fetch and an import of the CSV can be compared line for line.

Each dialect module is a small handler the server routes to by path; it answers with an
:data:`Answer` (status, JSON-able body, headers) and knows nothing of faults or sockets,
which stay with :class:`ecomledger.sandbox.server.SandboxServer`.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ecomledger.sandbox.bank import qonto_statement
from ecomledger.sandbox.data import Dataset

__all__ = ["Answer", "BankTxn", "parse_moment", "stable_uuid", "statement_lines"]

#: ``(status, body, headers)``: ``body`` is JSON-able (Decimal stays a number) or None.
Answer = tuple[int, Any, dict[str, str]]

#: The IBAN the sandbox bank's statement is for (the default of ``qonto_statement``).
IBAN = "FR7616958000013001542911136"


@dataclass(frozen=True)
class BankTxn:
    """One settled line of the sandbox bank's statement."""

    id: str  # the Qonto "Transaction ID" of the CSV export
    settled_at: datetime  # UTC
    amount: Decimal  # signed: credit positive
    currency: str
    counterparty: str
    reference: str
    method: str
    iban: str


def statement_lines(data: Dataset) -> list[BankTxn]:
    """The lines of the sandbox bank's Qonto CSV export of ``data``, oldest first."""
    rows = csv.DictReader(io.StringIO(qonto_statement(data)))
    return [
        BankTxn(
            id=row["Transaction ID"],
            settled_at=datetime.fromisoformat(row["Settlement date (UTC)"]).replace(tzinfo=UTC),
            amount=Decimal(row["Total amount (incl. VAT)"]),
            currency=row["Currency"],
            counterparty=row["Counterparty name"],
            reference=row["Reference"],
            method=row["Payment method"],
            iban=row["IBAN"],
        )
        for row in rows
    ]


def stable_uuid(*parts: str) -> str:
    """A UUID that is the same for the same parts on every run (ids the APIs give)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ecomledger-sandbox:" + ":".join(parts)))


def iso_ms(moment: datetime) -> str:
    """``2025-03-02T07:00:00.000Z``: how Qonto and Revolut write a time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def parse_moment(value: str) -> datetime | None:
    """An ISO date or time from a query (naive: UTC); None when unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
