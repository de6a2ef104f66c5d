"""GoCardless Bank Account Data transactions (saved by ``ecomledger fetch``).

The answer of ``GET /api/v2/accounts/<id>/transactions/`` is
``{"transactions": {"booked": [...], "pending": [...]}}`` in the Berlin Group (PSD2)
vocabulary. Choices:

- Only ``booked`` transactions are movements; ``pending`` ones are left for a later fetch.
- The source is ``gocardless:<bank name>``; the ``bank_ref`` is the bank's
  ``transactionId`` when the bank gives one, else GoCardless's ``internalTransactionId``;
  a transaction with neither falls back to a fingerprint, like a CSV line without an id.
- The booking date is ``bookingDate`` (a bank's calendar day, taken as written;
  ``valueDate`` when the bank sends no booking date). ``transactionAmount.amount`` is a
  signed decimal string.
- The payee is the other party: ``creditorName`` for money out, ``debtorName`` for money
  in (the other one when that is missing). The narration is the remittance information:
  ``remittanceInformationUnstructured``, else its ``...Array`` joined, else the structured
  reference, else ``additionalInformation``.
- ``bankTransactionCode`` (ISO 20022 domain-family-subfamily) is kept as metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecomledger.importers._bank import Statement
from ecomledger.importers._bank_api import (
    ApiBankImporter,
    Malformed,
    day_of,
    decimal_of,
    text_of,
)
from ecomledger.model import BankLine


class Importer(ApiBankImporter):
    """GoCardless Bank Account Data payload → bank lines (see the module docstring)."""

    format = "gocardless"
    platform = "gocardless"
    id_key = "internalTransactionId"

    def transactions(self, page: Any) -> list[dict[str, Any]]:
        found = page.get("transactions") if isinstance(page, dict) else None
        booked = found.get("booked") if isinstance(found, dict) else None
        if not isinstance(booked, list) or not all(isinstance(b, dict) for b in booked):
            raise Malformed("a page holds no transactions.booked list")
        return booked

    def lines(
        self, filepath: str, number: int, row: dict[str, Any], statement: Statement
    ) -> Iterator[BankLine]:
        money = row.get("transactionAmount")
        if not isinstance(money, dict):
            raise Malformed("it has no transactionAmount")
        amount = decimal_of(money.get("amount"), "transactionAmount.amount")
        currency, extra = self.currency_of(
            text_of(money.get("currency")), filepath, number, statement.findings
        )
        day = row.get("bookingDate") or row.get("valueDate")
        names = (text_of(row.get("creditorName")), text_of(row.get("debtorName")))
        payee = (names if amount < 0 else names[::-1])[0] or names[0] or names[1]
        extra["bank_transaction_code"] = text_of(row.get("bankTransactionCode"))
        yield self.line(
            filepath,
            number,
            date=day_of(day, "bookingDate"),
            amount=amount,
            currency=currency,
            payee=payee,
            narration=_remittance(row),
            bank_ref=text_of(row.get("transactionId") or row.get("internalTransactionId")),
            extra=extra,
        )


def _remittance(row: dict[str, Any]) -> str:
    """The free text the payer wrote, wherever the bank put it."""
    text = text_of(row.get("remittanceInformationUnstructured"))
    lines = row.get("remittanceInformationUnstructuredArray")
    if not text and isinstance(lines, list):
        text = " ".join(text_of(line) for line in lines)
    return (
        text
        or text_of(row.get("remittanceInformationStructured"))
        or text_of(row.get("additionalInformation"))
    )
