"""eBay "Transaction report" CSV (Seller Hub → Payments → Reports), best effort.

No sample of this report exists in our corpus: this importer follows the report's documented
columns (``Transaction creation date, Type, Order number, …, Net amount, Payout currency,
Payout date, Payout ID, …, Transaction ID, Item title, …, Final Value Fee - fixed, Final
Value Fee - variable, …, Gross transaction amount, Transaction currency, …, Reference ID,
Description``) and is tested with hand-made files only; check it against a real export
before trusting it with a year of books.

What the report looks like, and what is done with it:

- A **preamble** (report title, dates, seller) comes before the header; the header is the
  first line starting with ``Transaction creation date``. ``--`` means empty.
- **Orders**: a multi-item order has a summary row carrying ``Net amount`` and ``Gross
  transaction amount`` and one row per item carrying the fee columns; a one-item order has a
  single row with both. All the ``Order`` rows of one order number are therefore summed
  into one movement: gross (less the tax eBay collected and remits itself) against
  ``Assets:Customers``, fees (every fee column) to the fees account, net on the clearing
  account (see :mod:`._processor`; with ``sales_from_orders`` only the fees are booked).
  Figures that do not add up are shown as a discrepancy, never repaired.
- **Refunds** book the same way with negative figures (fees eBay gives back are negative
  costs); **payouts** go to ``Assets:Transfers`` with their ``Payout ID``; **Other fee** and
  **Shipping label** rows are fees; **Hold** rows move money to the ``:Reserved``
  sub-account and back; **Claim** and **Payment dispute** rows are disputes against
  ``Assets:Customers``; any other type goes to suspense, flagged.
- Dates (``Jan 5, 2026`` or ISO) carry no zone and are taken as the company's dates.
- The amount of a row is in its ``Payout currency`` when given, else its ``Transaction
  currency``, else the configured currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from ecomledger.errors import InputError
from ecomledger.importers._processor import (
    Kind,
    Movement,
    ProcessorImporter,
    Row,
    Statement,
    normalise_header,
    parse_timestamp,
    rows_of,
)
from ecomledger.importers._text import detect_separator, iter_csv, read_head, read_text
from ecomledger.money import ZERO

FEE_COLUMNS = (
    "Final Value Fee - fixed",
    "Final Value Fee - variable",
    "Regulatory operating fee",
    'Very high "item not as described" fee',
    "Below standard performance fee",
    "International fee",
    "Charity donation",
    "Deposit processing fee",
)
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("Transaction creation date",),
    "type": ("Type",),
    "order": ("Order number",),
    "buyer": ("Buyer name", "Buyer username"),
    "net": ("Net amount",),
    "payout_currency": ("Payout currency",),
    "payout_id": ("Payout ID",),
    "transaction_id": ("Transaction ID",),
    "item": ("Item title",),
    "ebay_tax": ("eBay collected tax",),
    "gross": ("Gross transaction amount",),
    "currency": ("Transaction currency",),
    "reference": ("Reference ID",),
    "description": ("Description",),
    **{f"fee:{i}": (name,) for i, name in enumerate(FEE_COLUMNS)},
}
REQUIRED = ("date", "type", "net")
MONEY = ("net", "gross", "ebay_tax", *(f"fee:{i}" for i in range(len(FEE_COLUMNS))))
DATE_FORMATS = ("%b %d, %Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%b-%d-%y")
HEADER_START = "transaction creation date"

KINDS: dict[str, Kind] = {
    "order": Kind.CHARGE,
    "refund": Kind.REFUND,
    "payout": Kind.TRANSFER,
    "other fee": Kind.FEE,
    "shipping label": Kind.FEE,
    "hold": Kind.RESERVE,
    "claim": Kind.DISPUTE,
    "payment dispute": Kind.DISPUTE,
}


class Importer(ProcessorImporter):
    """eBay Transaction report CSV (managed payments)."""

    format: ClassVar[str] = "ebay"
    default_supplier_country: ClassVar[str] = ""

    @classmethod
    def sniff(cls, filepath: str) -> bool:
        """A CSV with a line starting ``Transaction creation date`` that names ``Net amount``."""
        lines = read_head(filepath, 16384).splitlines()
        header = next((line for line in lines if _is_header(line)), "")
        return "net amount" in normalise_header(header)

    def parse(self, filepath: str) -> Statement:
        """Read the report: orders grouped by order number, other rows one by one."""
        text = read_text(filepath).text
        lines = text.splitlines()
        start = next((i for i, ln in enumerate(lines) if _is_header(ln)), None)
        if start is None:
            raise InputError(filepath, 0, "has no 'Transaction creation date' header line")
        records = list(iter_csv(text, detect_separator(lines[start]), skip_rows=start))
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        statement = Statement()
        orders: dict[str, list[Row]] = {}
        for row in rows:
            kind = KINDS.get(row.get("type").casefold(), Kind.OTHER)
            if kind is Kind.CHARGE and row.get("order"):
                orders.setdefault(row.get("order"), []).append(row)
            else:
                statement.movements.append(self._movement([row], kind, statement.findings))
        for group in orders.values():
            statement.movements.append(self._movement(group, Kind.CHARGE, statement.findings))
        statement.movements.sort(key=lambda m: m.lineno)
        return statement

    def _movement(self, rows: Sequence[Row], kind: Kind, findings: list[str]) -> Movement:
        first = rows[0]
        net = sum((r.amount("net") for r in rows), ZERO)
        gross = sum((r.amount("gross") - r.amount("ebay_tax") for r in rows), ZERO)
        fees = -sum((r.amount(f"fee:{i}") for r in rows for i in range(len(FEE_COLUMNS))), ZERO)
        gross, fees = _split(kind, net, gross, fees)
        code = next(
            (c for r in rows for c in (r.get("payout_currency"), r.get("currency")) if c), ""
        )
        currency, meta = self.currency_of(code, first.filepath, first.lineno, findings)
        if kind is Kind.OTHER:
            meta = {**meta, "ebay_type": first.get("type")}
        return Movement(
            kind=kind,
            date=self._date(first),
            currency=currency,
            net=net,
            gross=gross,
            fee=fees,
            lineno=first.lineno,
            key=_key(first, kind),
            payee=first.get("buyer"),
            narration=_narration(first),
            order_id=first.get("order"),
            payout_id=first.get("payout_id"),
            meta=meta,
            fingerprint_parts=(first.get("order"), first.get("reference")),
        )

    def _date(self, row: Row) -> dt.date:
        value = row.get("date")
        moment = parse_timestamp(value, DATE_FORMATS)
        if moment is None:
            column = row.names.get("date", "date")
            raise row.fail(f"column {column!r}: {value!r} is not a date")
        return self.local_date(moment)


def _narration(row: Row) -> str:
    parts = (row.get("type"), row.get("order"), row.get("item") or row.get("description"))
    return " - ".join(p for p in parts if p)


def _split(kind: Kind, net: Decimal, gross: Decimal, fees: Decimal) -> tuple[Decimal, Decimal]:
    """(gross, fee) of a movement so that, when the row is sound, net = gross - fee."""
    if kind is Kind.FEE:
        return ZERO, -net
    if kind in (Kind.TRANSFER, Kind.RESERVE, Kind.OTHER):
        return net, ZERO
    if kind is Kind.DISPUTE or not gross:
        return net + fees, fees
    return gross, fees


def _key(row: Row, kind: Kind) -> str:
    """The provider ids that make a row unique, or empty for a fingerprint."""
    if kind is Kind.CHARGE and row.get("order"):
        return f"order:{row.get('order')}"
    if kind is Kind.TRANSFER and row.get("payout_id"):
        return f"payout:{row.get('payout_id')}"
    ident = row.get("transaction_id") or row.get("reference")
    if ident:
        return f"{row.get('type').casefold().replace(' ', '_')}:{row.get('order')}:{ident}"
    return ""


def _is_header(line: str) -> bool:
    return normalise_header(line.lstrip('"')).startswith(HEADER_START)
