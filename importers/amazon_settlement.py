"""Amazon settlement report, flat file V2 (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``).

No sample of this file exists in our corpus; this importer follows the documented columns
(``spec/formats.md`` §3) and is tested with hand-made files. A tab-separated file: the first
row after the header is the settlement's summary (``settlement-id``, start and end dates,
``deposit-date``, ``total-amount`` = what Amazon sends to the bank, ``currency``); every other
row is one money component of an order, a refund or an account-level charge
(``transaction-type`` + ``amount-type`` + ``amount-description`` + signed ``amount``).

Design (the simplest one that stays correct):

- **The settlement books money, not invoices.** It does not say the VAT rate or the delivery
  country of an order, and its posted date is not the invoice date, so it cannot make a
  lawful invoice; Amazon's own VAT invoicing, the SP-API orders or the shop's records do.
  Order components are therefore booked like any processor's charges (see
  :mod:`._processor`): with ``sales_from_orders`` the orders already put the customers'
  money on the clearing account and only Amazon's fees are booked; without it the
  customer-side components (principal, tax, shipping, gift wrap, promotions, tax withheld
  by Amazon as deemed supplier) settle ``Assets:Customers`` (411), where invoices booked from
  another source left the receivable. An Amazon-only seller whose 411 never clears sees
  the missing invoices, instead of invoices with guessed VAT.
- **One transaction per order event**: the components of one ``transaction-type`` +
  ``order-id`` + shipment (or adjustment) + posted date are grouped, so an order's sale and
  its commission and FBA fees are one entry with ``order_id``.
- **Fees** (``ItemFees``, ``ServiceFee`` rows, any description naming a fee or commission)
  go to the fees account (configure ``Expenses:Commissions:Amazon``, PCG 6222), positive
  when charged. Amazon EU S.à r.l. invoices them from Luxembourg without VAT:
  ``supplier_country`` defaults to ``LU`` and the self-assessed VAT is booked with them.
- **Reserve** rows (``Current Reserve Amount``, ``Previous Reserve Amount Balance``) move
  money between the clearing account and its ``:Reserved`` sub-account.
- **Anything else** (reimbursements for lost stock, unknown charges) is booked alone to
  suspense, flagged, for the user to categorise.
- **The deposit** (summary row) moves ``total-amount`` from clearing to ``Assets:Transfers``
  on the deposit date, with the settlement id as ``payout_id``; a negative total (Amazon
  charged the seller's card) is the same movement backwards. Components that do not add
  up to the total are reported as a finding naming the settlement.

Locale: EU files have been reported with ``dd.mm.yyyy`` dates and decimal commas; both
forms are accepted, the mark being detected per file. Timestamps ending in ``UTC`` or with
an offset are converted to the company's zone; bare dates are taken as they are.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from typing import ClassVar

from ecomledger.errors import InputError
from ecomledger.importers._processor import (
    Kind,
    Movement,
    ProcessorImporter,
    Row,
    Statement,
    map_columns,
    parse_timestamp,
    rows_of,
)
from ecomledger.importers._text import iter_csv, read_head, read_text
from ecomledger.money import ZERO

COLUMNS = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
    "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
)  # fmt: skip
ALIASES = {name: (name,) for name in COLUMNS}
REQUIRED = ("settlement-id", "total-amount", "transaction-type", "amount-type", "amount")
MONEY = ("amount", "total-amount")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
)  # fmt: skip
_UTC_SUFFIX = re.compile(r"\s*(UTC|GMT|Z)$", re.IGNORECASE)

SALE_TYPES = frozenset({"itemprice", "promotion", "itemwithheldtax"})
SALE_DESCRIPTIONS = frozenset(
    {"principal", "tax", "shipping", "shippingtax", "giftwrap", "giftwraptax",
     "marketplacefacilitatortax-principal", "marketplacefacilitatortax-shipping"}
)  # fmt: skip


def component(transaction_type: str, amount_type: str, description: str) -> Kind:
    """What one settlement component is: customer money, a fee, a reserve, or other."""
    kind, atype, desc = (
        v.casefold().replace(" ", "") for v in (transaction_type, amount_type, description)
    )
    if "reserve" in desc:
        return Kind.RESERVE
    if atype in SALE_TYPES or (atype == "" and desc in SALE_DESCRIPTIONS):
        return Kind.CHARGE
    if atype == "itemfees" or kind == "servicefee" or "fee" in desc or "commission" in desc:
        return Kind.FEE
    return Kind.OTHER


class Importer(ProcessorImporter):
    """Amazon settlement report flat file V2 (tab-separated)."""

    format: ClassVar[str] = "amazon"
    default_supplier_country: ClassVar[str] = "LU"

    @classmethod
    def sniff(cls, filepath: str) -> bool:
        """A tab-separated file whose header names the settlement columns."""
        head = read_head(filepath)
        header = head.splitlines()[0].split("\t") if head else []
        return all(name in map_columns(header, ALIASES) for name in REQUIRED)

    def parse(self, filepath: str) -> Statement:
        """Read the settlement: order events grouped, other components alone, the deposit."""
        records = list(iter_csv(read_text(filepath).text, "\t"))
        statement = Statement()
        if not records:
            return statement
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        summary = next((r for r in rows if r.get("total-amount")), None)
        if summary is None:
            raise InputError(
                filepath, 0, "has no summary row with a total-amount; download it again"
            )
        currency, meta = self.currency_of(
            summary.get("currency"), filepath, summary.lineno, statement.findings
        )
        settlement = summary.get("settlement-id")
        groups: dict[tuple[str, ...], list[Row]] = {}
        components = [r for r in rows if r is not summary]
        for row in components:
            kind = component(row.get("transaction-type"), row.get("amount-type"),
                             row.get("amount-description"))  # fmt: skip
            if row.get("order-id") and kind in (Kind.CHARGE, Kind.FEE):
                groups.setdefault(_event(row), []).append(row)
            else:
                statement.movements.append(self._single(row, kind, currency, meta, settlement))
        for rows_of_event in groups.values():
            statement.movements.append(self._order(rows_of_event, currency, meta, settlement))
        statement.movements.append(self._deposit(summary, currency, meta))
        statement.movements.sort(key=lambda m: m.lineno)
        self._check_total(filepath, summary, components, statement.findings)
        return statement

    def _order(
        self, rows: Sequence[Row], currency: str, meta: dict[str, str], settlement: str
    ) -> Movement:
        """One order event: customer-side components as gross, fee components as fee."""
        gross = fees = ZERO
        for row in rows:
            kind = component(row.get("transaction-type"), row.get("amount-type"),
                             row.get("amount-description"))  # fmt: skip
            if kind is Kind.CHARGE:
                gross += row.amount("amount", True)
            else:
                fees -= row.amount("amount", True)
        first = rows[0]
        ttype = first.get("transaction-type")
        refund = ttype.casefold() == "refund" or gross < ZERO
        return Movement(
            kind=Kind.REFUND if refund else Kind.CHARGE,
            date=self._date(first, "posted-date-time", "posted-date"),
            currency=currency,
            net=gross - fees,
            gross=gross,
            fee=fees,
            lineno=first.lineno,
            key=f"settlement:{settlement}:{ttype.casefold()}:{':'.join(_event(first)[1:])}",
            narration=f"Amazon {ttype} {first.get('order-id')}",
            order_id=first.get("order-id"),
            payout_id=settlement,
            meta=meta,
        )

    def _single(
        self, row: Row, kind: Kind, currency: str, meta: dict[str, str], settlement: str
    ) -> Movement:
        """A component booked alone: an account-level fee, a reserve, anything else."""
        amount = row.amount("amount", True)
        description = row.get("amount-description") or row.get("amount-type")
        if kind is Kind.CHARGE:  # customer money without an order id: leave it to the user
            kind = Kind.OTHER
        gross, fee = (ZERO, -amount) if kind is Kind.FEE else (amount, ZERO)
        return Movement(
            kind=kind,
            date=self._date(row, "posted-date-time", "posted-date"),
            currency=currency,
            net=amount,
            gross=gross,
            fee=fee,
            lineno=row.lineno,
            narration=f"Amazon {row.get('transaction-type')}: {description}",
            order_id=row.get("order-id"),
            payout_id=settlement,
            meta=meta,
            fingerprint_parts=(
                settlement,
                row.get("transaction-type"),
                row.get("amount-type"),
                row.get("sku"),
                row.get("adjustment-id"),
            ),
        )

    def _deposit(self, summary: Row, currency: str, meta: dict[str, str]) -> Movement:
        total = summary.amount("total-amount", True)
        settlement = summary.get("settlement-id")
        return Movement(
            kind=Kind.TRANSFER,
            date=self._date(summary, "deposit-date", "settlement-end-date"),
            currency=currency,
            net=-total,
            gross=-total,
            lineno=summary.lineno,
            key=f"settlement:{settlement}:deposit",
            narration=f"Amazon settlement {settlement} "
            f"({summary.get('settlement-start-date')} – {summary.get('settlement-end-date')})",
            payout_id=settlement,
            meta=meta,
        )

    def _date(self, row: Row, *names: str) -> dt.date:
        """The booking date from the first of ``names`` that the row fills."""
        name = next((n for n in names if row.get(n)), names[-1])
        value = row.get(name)
        text = _UTC_SUFFIX.sub("", value)
        moment = parse_timestamp(text, TIME_FORMATS)
        if moment is None:
            raise row.fail(f"column {name!r}: {value!r} is not a date")
        if moment.tzinfo is None and text != value:
            moment = moment.replace(tzinfo=dt.UTC)
        return self.local_date(moment)

    def _check_total(
        self, filepath: str, summary: Row, components: Sequence[Row], findings: list[str]
    ) -> None:
        total = summary.amount("total-amount", True)
        found = sum((row.amount("amount", True) for row in components), ZERO)
        if found != total:
            findings.append(
                f"{os.path.basename(filepath)}: settlement {summary.get('settlement-id')} "
                f"states a total of {total} but its components add up to {found}; the "
                f"difference of {total - found} stays on {self.clearing_account}"
            )


def _event(row: Row) -> tuple[str, ...]:
    """The key of an order event (see the module docstring)."""
    return (
        row.get("transaction-type").casefold(),
        row.get("order-id"),
        row.get("shipment-id") or row.get("adjustment-id") or row.get("posted-date"),
    )
