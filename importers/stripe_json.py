"""Stripe balance transactions and payouts (``/v1/balance_transactions``, ``/v1/payouts``).

``ecomledger fetch`` saves the two kinds in two files of the same folder. A payout is what
gets booked (:func:`ecomledger.booking.book_payout`): the money that reaches the bank
leaves the Stripe clearing account for transfers, and the fees Stripe withheld on the
charges and refunds it settles leave it for the fees account. So the payouts file drives
the booking and the balance transactions are its evidence: the importer reads every
``*-balance_transactions.json`` beside it (deduped by id), and a balance-transactions file
alone books nothing (its charges' fees are booked with the payout that settles them).

Which transactions a payout settles: Stripe's list does not say without one more request
per payout (``?payout=po_...``), so they are taken in creation order until their net adds
up to the payout's own balance transaction, to the cent (an automatic payout sweeps the
balance in order). A payout whose transactions cannot be matched is not booked and is
reported: its fees would be wrong.

Money is in integer minor units (``1290`` = 12.90 EUR), converted with the currency's
exponent; times are Unix seconds, booked on their date in the company's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ecomledger.booking import booking_date
from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    envelope_platform,
    first_item,
    identify_payload,
    latest_by_id,
    load_json,
    pages_of,
)
from ecomledger.model import BalanceTransaction, Payout
from ecomledger.money import ZERO, from_minor

BT_SUFFIX = "-balance_transactions.json"


def _objects(document: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in pages_of(document):
        if isinstance(page, dict):
            rows.extend(r for r in page.get("data") or [] if isinstance(r, dict))
    return latest_by_id(rows)


def _kind(document: Any) -> str:
    """``payouts`` or ``balance_transactions``: the envelope's kind, else the objects'."""
    if isinstance(document, dict) and document.get("kind"):
        return str(document["kind"])
    rows = _objects(document)
    return "payouts" if rows and rows[0].get("object") == "payout" else "balance_transactions"


def _is_stripe(document: Any) -> bool:
    first = first_item(document, "data") if isinstance(document, dict) else None
    return first is not None and first.get("object") in ("payout", "balance_transaction")


def _moment(seconds: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC)


def _transaction(row: dict[str, Any]) -> BalanceTransaction:
    currency = str(row.get("currency") or "eur").upper()
    return BalanceTransaction(
        transaction_id=str(row["id"]),
        type=str(row.get("type") or ""),
        amount=from_minor(row.get("amount", 0), currency),
        fee=from_minor(row.get("fee", 0), currency),
        net=from_minor(row.get("net", 0), currency),
    )


def settle(rows: list[dict[str, Any]]) -> dict[str, list[BalanceTransaction]]:
    """Payout id → the balance transactions it settles (see the module docstring)."""
    ordered = sorted(rows, key=lambda r: (int(r.get("created") or 0), str(r["id"])))
    queue = [r for r in ordered if r.get("type") != "payout"]
    settled: dict[str, list[BalanceTransaction]] = {}
    position = 0
    for row in (r for r in ordered if r.get("type") == "payout"):
        target = -int(row.get("amount") or 0)
        taken: list[dict[str, Any]] = []
        total = 0
        while total != target and position + len(taken) < len(queue):
            candidate = queue[position + len(taken)]
            taken.append(candidate)
            total += int(candidate.get("net") or 0)
        if total != target:
            break  # the rest cannot be attributed: leave those payouts unmatched
        position += len(taken)
        settled[str(row.get("source") or "")] = [_transaction(t) for t in taken]
    return settled


class Importer(OrderImporter):
    """Stripe payouts with the fees of the transactions they settle, from fetched JSON."""

    platform = "stripe"

    def identify(self, filepath: str) -> bool:
        """Recognise Stripe JSON by its envelope or its list of payouts/transactions."""
        return identify_payload(filepath, self.platform, _is_stripe)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield the paid payouts of a payouts file (nothing for transactions files)."""
        document = load_json(filepath)
        if _kind(document) != "payouts":
            return
        settled = settle(self._balance_transactions(filepath))
        for row in _objects(document):
            if row.get("status") != "paid":
                continue
            try:
                payout = self._payout(row, settled, filepath)
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                raise InputError(
                    filepath, 0, f"payout {row.get('id', '?')}: field {exc} is missing or invalid"
                ) from exc
            if payout is not None:
                yield payout

    def _payout(
        self, row: dict[str, Any], settled: dict[str, list[BalanceTransaction]], where: str
    ) -> Payout | None:
        currency = str(row.get("currency") or "eur").upper()
        transactions = settled.get(str(row["id"]))
        if transactions is None:
            self.findings.setdefault(where, []).append(
                f"{where}: Stripe payout {row['id']} is not booked: its balance transactions "
                "are not in this folder; fetch the balance transactions for its period too"
            )
            return None
        return Payout(
            source=self.source,
            filename=where,
            payout_id=str(row["id"]),
            date=booking_date(
                _moment(row.get("arrival_date") or row["created"]), self.sale.timezone
            ),
            currency=currency,
            amount=from_minor(row["amount"], currency),
            fees=sum((t.fee for t in transactions), ZERO),
            transactions=tuple(transactions),
            status="paid",
        )

    def _balance_transactions(self, filepath: str) -> list[dict[str, Any]]:
        """Every balance transaction saved beside ``filepath`` (all fetches, by id)."""
        rows: list[dict[str, Any]] = []
        folder = Path(filepath).parent
        for path in sorted(folder.glob("*.json")):
            if not path.name.endswith(BT_SUFFIX) and envelope_platform(str(path)) is not None:
                continue
            if not path.name.endswith(BT_SUFFIX) and not self.identify(str(path)):
                continue
            document = load_json(str(path))
            if _kind(document) == "balance_transactions":
                rows.extend(_objects(document))
        return latest_by_id(rows)


__all__ = ["Importer", "settle"]
