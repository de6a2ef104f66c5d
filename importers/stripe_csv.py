"""Stripe CSV exports: the dashboard "All transactions" export and the "Balance change from
activity" itemised report.

Both list balance transactions (one row per ``txn_…``) with gross, fee and net in major
units; they differ in names and order of columns, so columns are found by name:

- "All transactions": ``id, Type, Source, Amount, Fee, Net, Currency, Created (UTC), …,
  Description, …, Transfer`` plus ``… (metadata)`` columns. Amounts may use a decimal comma
  in quotes (``"104,13"``); the mark is detected once per file.
- "Balance change from activity": ``balance_transaction_id, created, available_on,
  currency, gross, fee, net, reporting_category, description, automatic_payout_id, …``, with
  ``automatic_payout_*`` first in newer layouts and optional customer and order columns.

Rows are classified by ``Type`` (``charge``, ``payment``, ``refund``, ``payout``,
``reserved_funds``, ``stripe_fee``…) or ``reporting_category`` (``charge``, ``refund``,
``payout``, ``risk_reserved_funds``, ``fee``, ``dispute``…) and booked as
:mod:`._processor` describes: reserve rows move money between the clearing account and its
``:Reserved`` sub-account (they come in ± pairs, possibly in different exports), payouts go
to ``Assets:Transfers`` with their ``po_…`` id in ``payout_id``, unknown types go to suspense.
Charges also carry the payout that settled them (``Transfer``/``automatic_payout_id``).

Times: ``Created (UTC)`` and ``created_utc`` are UTC and converted to the company's zone.
A plain ``created`` column is in the time zone the report was run in, which the file does
not state (the API defaults to UTC, the dashboard to the account's zone; the 2023 sample
is two hours ahead of UTC): it is read in ``report_timezone``, by default the company's.

Currency codes are lower-case (``eur``) and upper-cased; the anonymised samples' ``por`` and
``tes`` are not currencies and are booked in the configured one (``currency_in_file``).
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ecomledger.errors import ConfigError
from ecomledger.importers._processor import (
    Kind,
    Movement,
    ProcessorImporter,
    Row,
    Statement,
    header_columns,
    parse_timestamp,
    rows_of,
)
from ecomledger.importers._text import detect_separator, first_line, iter_csv, read_text
from ecomledger.money import ZERO

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "balance_transaction_id"),
    "type": ("Type", "reporting_category"),
    "source": ("Source", "source_id"),
    "gross": ("Amount", "gross"),
    "fee": ("Fee", "fee"),
    "net": ("Net", "net"),
    "currency": ("Currency", "currency"),
    "created_utc": ("Created (UTC)", "created_utc"),
    "created": ("created", "Created"),
    "description": ("Description", "description"),
    "payout": ("Transfer", "automatic_payout_id"),
    "order_id": ("order_id", "order_id (metadata)", "payment_metadata[order_id]"),
    "customer": ("customer_name", "Customer Name", "customer_email", "Customer Email"),
}

REQUIRED = ("id", "type", "gross", "fee", "net", "currency")
MONEY = ("gross", "fee", "net")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M")

KINDS: dict[str, Kind] = {
    **dict.fromkeys(("charge", "payment"), Kind.CHARGE),
    **dict.fromkeys(
        ("refund", "payment_refund", "refund_failure", "partial_capture_reversal"), Kind.REFUND
    ),
    **dict.fromkeys(("dispute", "dispute_reversal"), Kind.DISPUTE),
    **dict.fromkeys(
        ("payout", "payout_cancel", "payout_failure", "payout_reversal", "topup"),
        Kind.TRANSFER,
    ),
    **dict.fromkeys(
        ("reserved_funds", "risk_reserved_funds", "reserve_transaction", "connect_reserved_funds"),
        Kind.RESERVE,
    ),
    **dict.fromkeys(
        ("stripe_fee", "application_fee", "fee", "tax", "network_cost", "stripe_fx_fee"),
        Kind.FEE,
    ),
}


class Importer(ProcessorImporter):
    """Stripe "All transactions" export or "Balance change from activity" report.

    Args:
        report_timezone: the zone of a plain ``created`` column (see the module docstring);
            None for the company's time zone.
        (others: see :class:`._processor.ProcessorImporter`)
    """

    format: ClassVar[str] = "stripe"
    default_supplier_country: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        clearing_account: str,
        fees_account: str,
        currency: str = "EUR",
        sales_from_orders: bool = False,
        *,
        timezone: str = "Europe/Paris",
        supplier_country: str | None = None,
        home_country: str = "FR",
        report_timezone: str | None = None,
    ) -> None:
        super().__init__(
            name,
            clearing_account,
            fees_account,
            currency,
            sales_from_orders,
            timezone=timezone,
            supplier_country=supplier_country,
            home_country=home_country,
        )
        try:
            self.report_zone = ZoneInfo(report_timezone) if report_timezone else self.zone
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"processor {name!r}: unknown report time zone {report_timezone!r}"
            ) from exc

    @classmethod
    def sniff(cls, filepath: str) -> bool:
        """A CSV whose header names Stripe's balance-transaction columns."""
        columns = header_columns(filepath, ALIASES)
        has_time = "created" in columns or "created_utc" in columns
        return has_time and all(name in columns for name in REQUIRED)

    def parse(self, filepath: str) -> Statement:
        """Read the file into movements."""
        text = read_text(filepath).text
        records = list(iter_csv(text, detect_separator(first_line(text))))
        statement = Statement()
        if not records:
            return statement
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        for row in rows:
            statement.movements.append(self._movement(row, statement.findings))
        return statement

    def _movement(self, row: Row, findings: list[str]) -> Movement:
        gross, fee, net = row.amount("gross", True), row.amount("fee"), row.amount("net", True)
        currency, meta = self.currency_of(row.get("currency"), row.filepath, row.lineno, findings)
        category = row.get("type").casefold()
        kind = KINDS.get(category, Kind.OTHER)
        if kind is Kind.FEE:  # the whole amount is the fee
            gross, fee = ZERO, fee - gross
        source = row.get("source")
        payout = source if kind is Kind.TRANSFER and source.startswith("po_") else ""
        if kind is Kind.OTHER:
            meta = {**meta, "stripe_type": row.get("type")}
        return Movement(
            kind=kind,
            date=self._date(row),
            currency=currency,
            net=net,
            gross=gross,
            fee=fee,
            lineno=row.lineno,
            key=f"tx:{row.get('id')}" if row.get("id") else "",
            payee=row.get("customer"),
            narration=row.get("description") or f"Stripe {row.get('type')}",
            order_id=row.get("order_id"),
            payout_id=payout or row.get("payout"),
            meta=meta,
        )

    def _date(self, row: Row) -> dt.date:
        """The booking date of a row (see the module docstring for the zones)."""
        utc = row.get("created_utc")
        value = utc or row.get("created")
        moment = parse_timestamp(value, TIME_FORMATS)
        if moment is None:
            field = "created_utc" if utc else "created"
            column = row.names.get(field, field)
            raise row.fail(f"column {column!r}: {value!r} is not a date and time")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC if utc else self.report_zone)
        return self.local_date(moment)
