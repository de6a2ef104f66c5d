"""Revolut Business API transactions (``GET /api/1.0/transactions``, saved by ``fetch``).

Read exactly as the Revolut CSV export is read (:mod:`ecomledger.importers.revolut`), so a
fetch and an import of the same lines give the same entries:

- the source is ``revolut:<bank name>``; the ``bank_ref`` is the transaction ``id`` (the
  CSV's *ID*), ``<id>/<currency>`` for a leg in another currency than the bank's (an
  EXCHANGE has one leg per currency account), and ``<id>:fee`` for the fee line;
- only ``completed`` transactions are movements; the booking date is ``completed_at`` in
  the company's zone (the CSV's *Date completed (UTC)*);
- each leg is a line: its signed ``amount`` in its ``currency``, payee its
  ``description`` (the CSV's *Description*), narration the transaction's ``reference``;
  a leg's ``fee`` becomes a separate line (payee ``Revolut``) that always reduces the
  balance, as in the CSV importer;
- with ``account_id`` configured, only the legs on that account are read (a transfer
  between two of the business's accounts has a leg on each); otherwise the legs' account
  ids pick the Beancount account through ``accounts``, and legs on two unmapped accounts
  are refused, as for a CSV holding two accounts.

Known difference: a CSV of the 2022/2025 layouts dates a line by the bare UTC day, the
API by the time, converted to the company's zone: a transaction completed between
midnight and 2 a.m. Paris time is dated a day later here. Its ``source_id`` is the same,
so it is never booked twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
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
from ecomledger.money import ZERO


class Importer(ApiBankImporter):
    """Revolut Business API payload → bank lines (see the module docstring)."""

    format = "revolut"
    platform = "revolut"

    def __init__(
        self,
        name: str,
        account: str,
        currency: str = "EUR",
        *,
        accounts: Mapping[str, str] | None = None,
        timezone: str = "Europe/Paris",
        account_id: str = "",
    ) -> None:
        super().__init__(name, account, currency, accounts=accounts, timezone=timezone)
        self.account_id = account_id
        self._unmapped: set[str] = set()  # the legs' account ids `accounts` does not map

    def transactions(self, page: Any) -> list[dict[str, Any]]:
        if not isinstance(page, list) or not all(
            isinstance(r, dict) and isinstance(r.get("legs"), list) for r in page
        ):
            raise Malformed("a page holds no list of Revolut transactions with legs")
        return page

    def parse(self, filepath: str) -> Statement:
        """Refuse a payload whose legs sit on two accounts nothing maps, then read it."""
        self._unmapped = set()
        statement = super().parse(filepath)
        self.check_accounts(filepath, self._unmapped)
        return statement

    def lines(
        self, filepath: str, number: int, row: dict[str, Any], statement: Statement
    ) -> Iterator[BankLine]:
        state = text_of(row.get("state")).lower()
        if state != "completed":
            return  # pending, declined, failed, reverted: no money moved (yet)
        ident = text_of(row.get("id"))
        if not ident:
            raise Malformed("it has no id")
        moment = moment_of(row.get("completed_at"), "completed_at")
        legs = [
            leg
            for leg in row["legs"]
            if isinstance(leg, dict)
            and (not self.account_id or leg.get("account_id") == self.account_id)
        ]
        currencies = Counter(text_of(leg.get("currency")).upper() for leg in legs)
        for leg in legs:
            yield from self._leg(filepath, number, row, leg, ident, moment, currencies, statement)

    def _leg(
        self,
        filepath: str,
        number: int,
        row: dict[str, Any],
        leg: dict[str, Any],
        ident: str,
        moment: Any,
        currencies: Counter[str],
        statement: Statement,
    ) -> Iterator[BankLine]:
        amount = decimal_of(leg.get("amount"), "legs[].amount")
        fee_value = leg.get("fee")
        fee = -abs(decimal_of(fee_value, "legs[].fee")) if fee_value is not None else ZERO
        if amount == ZERO and fee == ZERO:
            return
        code = text_of(leg.get("currency"))
        currency, extra = self.currency_of(code, filepath, number, statement.findings)
        ref = ident if currency == self.currency else f"{ident}/{currency}"
        if currencies[code.upper()] > 1:  # two legs in one currency: tell them apart
            ref = f"{ref}/{text_of(leg.get('leg_id'))}"
        account_id = text_of(leg.get("account_id"))
        if account_id and account_id not in self.accounts and not self.account_id:
            self._unmapped.add(account_id)
        account = self.account_for(account_id) if account_id else self.bank_account
        description = text_of(leg.get("description"))
        date = self.to_local_date(moment)
        extra["revolut_type"] = text_of(row.get("type")).upper()
        if amount != ZERO:
            yield self.line(
                filepath, number, date=date, amount=amount, currency=currency,
                payee=description, narration=text_of(row.get("reference")), bank_ref=ref,
                account=account, extra=extra,
            )  # fmt: skip
        if fee != ZERO:
            yield self.line(
                filepath, number, date=date, amount=fee, currency=currency,
                payee="Revolut", narration=f"Fee: {description}", bank_ref=f"{ref}:fee",
                account=account, extra={**extra, "revolut_type": "FEE"},
            )  # fmt: skip
