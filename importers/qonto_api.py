"""Qonto Business API transactions (``GET /v2/transactions``, saved by ``ecomledger fetch``).

Read exactly as the Qonto CSV export is read (:mod:`ecomledger.importers.qonto`), so a
fetch and an import of the same lines give the same entries:

- the source is ``qonto:<bank name>`` and the ``bank_ref`` is ``transaction_id`` (the CSV's
  *Transaction ID*; Qonto's UUID ``id`` only when it is missing), hence the same
  ``source_id``;
- only ``completed`` transactions are movements (the CSV's ``settled``); the others are
  skipped with a finding;
- the booking date is ``settled_at`` in the company's zone; the payee is ``label`` (the
  CSV's counterparty name), the narration ``reference`` and ``note`` joined by ``; ``;
- **the amount is unsigned**: ``side`` (``credit`` | ``debit``) gives the sign, and a
  transaction with neither is refused rather than guessed.

What the API adds to the CSV, as metadata on the entry: the VAT Qonto holds for the
transaction (``vat_amount`` and ``vat_rate``, read by Qonto from the attached receipt or
set by the user; absent when Qonto has none) and the number of ``attachments``, so that
categorisation and review can tell a documented expense from one still missing its
receipt.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecomledger.importers._bank import Statement
from ecomledger.importers._bank_api import (
    ApiBankImporter,
    Malformed,
    decimal_of,
    moment_of,
    text_of,
)
from ecomledger.model import BankLine


class Importer(ApiBankImporter):
    """Qonto API payload → bank lines (see the module docstring)."""

    format = "qonto"
    platform = "qonto"

    def transactions(self, page: Any) -> list[dict[str, Any]]:
        rows = page.get("transactions") if isinstance(page, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise Malformed("a page holds no list of Qonto transactions")
        return rows

    def lines(
        self, filepath: str, number: int, row: dict[str, Any], statement: Statement
    ) -> Iterator[BankLine]:
        status = text_of(row.get("status"))
        if status != "completed":
            statement.findings.append(
                f"Qonto transaction {row.get('transaction_id') or row.get('id')} is "
                f"{status or 'without status'}, not completed: skipped until Qonto settles it"
            )
            return
        side = row.get("side")
        if side not in ("credit", "debit"):
            raise Malformed(f"side is {side!r}, neither 'credit' nor 'debit'")
        amount = abs(decimal_of(row.get("amount"), "amount"))
        currency, extra = self.currency_of(
            text_of(row.get("currency")), filepath, number, statement.findings
        )
        moment = moment_of(row.get("settled_at"), "settled_at")
        narration = "; ".join(
            t for t in (text_of(row.get("reference")), text_of(row.get("note"))) if t
        )
        transfer = row.get("transfer")
        if not isinstance(transfer, dict):
            transfer = {}
        extra["payment_method"] = text_of(row.get("operation_type"))
        extra["counterparty_iban"] = text_of(transfer.get("counterparty_account_number"))
        extra.update(_vat(row))
        yield self.line(
            filepath,
            number,
            date=self.to_local_date(moment),
            amount=amount if side == "credit" else -amount,
            currency=currency,
            payee=text_of(row.get("label")),
            narration=narration,
            bank_ref=text_of(row.get("transaction_id") or row.get("id")),
            extra=extra,
        )


def _vat(row: dict[str, Any]) -> dict[str, str]:
    """The VAT and attachments Qonto holds for the transaction, as metadata."""
    extra: dict[str, str] = {}
    if row.get("vat_amount") is not None:
        extra["vat_amount"] = str(decimal_of(row["vat_amount"], "vat_amount"))
    if row.get("vat_rate") is not None:
        extra["vat_rate"] = str(decimal_of(row["vat_rate"], "vat_rate"))
    attachments = row.get("attachment_ids")
    if isinstance(attachments, list) and attachments:
        extra["attachments"] = str(len(attachments))
    return extra
