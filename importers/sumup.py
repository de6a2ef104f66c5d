"""SumUp transactions export (card terminal and online payments), French or English headers.

The French export lists, per transaction, a sale row (``Type de transaction`` ``Sale``) with
``Montant total`` (what the card paid), ``Frais`` (SumUp's fee) and ``Virement`` (the net
SumUp owes), followed later by a payout row (``Virement``) repeating those figures with the
``Payout ID`` and ``Date du virement`` of the payout that settled it. Refunds
(``Remboursé``) carry a negative ``Montant total``. Choices:

- **Sales and refunds** are booked as :mod:`._processor` describes (fee only when the
  orders come from the shop platform, otherwise gross against ``Assets:Customers``).
- **Payout rows are grouped by Payout ID** into one transfer (clearing → ``Assets:Transfers``)
  dated on the payout date, so that it meets the one bank line SumUp sends for the whole
  payout. Their ``Frais`` column repeats the fee of the sale row, which already booked it:
  only the ``Virement`` amount moves. A payout split across two exports would come back
  with a different amount and be reported as a conflict by ``ecomledger import``.
- **A payout row without a Payout ID** (``Refund adjustment``: the sale's money was kept to
  cover its refund) sent nothing to the bank: it books nothing, with a finding.
- **Failed and cancelled** transactions moved no money: they are skipped, with a finding.
- **No currency column**: every amount is in the configured currency.
- **Times have no zone**: SumUp writes the merchant's local time, read as the company's.
- Headers contain a no-break space (``4\\u00a0derniers chiffres``); names are matched after
  folding spaces, so it does not matter.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import ClassVar

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
    "date": ("Date",),
    "ref": ("Réf. transaction", "Transaction ID", "Transaction Code"),
    "type": ("Type de transaction", "Transaction Type"),
    "status": ("Status", "Statut"),
    "card": ("Type de carte", "Card Type"),
    "last4": ("4 derniers chiffres", "Last 4 Digits"),
    "description": ("Description",),
    "gross": ("Montant total", "Total Amount"),
    "fee": ("Frais", "Fee"),
    "net": ("Virement", "Payout"),
    "payout_date": ("Date du virement", "Payout Date"),
    "payout_id": ("Payout ID",),
    "reference": ("Reference", "Référence"),
}

REQUIRED = ("date", "ref", "type", "gross", "fee", "net", "payout_id")
MONEY = ("gross", "fee", "net")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")

KINDS: dict[str, Kind] = {
    **dict.fromkeys(("sale", "vente", "paiement", "payment"), Kind.CHARGE),
    **dict.fromkeys(("remboursé", "remboursement", "refund", "refunded"), Kind.REFUND),
    **dict.fromkeys(("virement", "payout"), Kind.TRANSFER),
    **dict.fromkeys(("chargeback", "rétrofacturation", "contestation"), Kind.DISPUTE),
}
FAILED = frozenset(
    {"échoué", "échouée", "failed", "annulé", "annulée", "cancelled", "canceled", "refusé",
     "refusée", "declined", "rejected"}
)  # fmt: skip


class Importer(ProcessorImporter):
    """SumUp transactions export (CSV)."""

    format: ClassVar[str] = "sumup"
    default_supplier_country: ClassVar[str] = ""

    @classmethod
    def sniff(cls, filepath: str) -> bool:
        """A CSV whose header names SumUp's transaction, fee, payout and payout-id columns."""
        columns = header_columns(filepath, ALIASES)
        return all(name in columns for name in REQUIRED)

    def parse(self, filepath: str) -> Statement:
        """Read the file: sales and refunds row by row, payouts grouped by payout id."""
        text = read_text(filepath).text
        records = list(iter_csv(text, detect_separator(first_line(text))))
        statement = Statement()
        if not records:
            return statement
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        payouts: dict[str, list[Row]] = {}
        skipped: list[int] = []
        name = os.path.basename(filepath)
        for row in rows:
            kind = KINDS.get(row.get("type").casefold(), Kind.OTHER)
            if row.get("status").casefold() in FAILED:
                skipped.append(row.lineno)
            elif kind is Kind.TRANSFER and row.get("payout_id"):
                payouts.setdefault(row.get("payout_id"), []).append(row)
            elif kind is Kind.TRANSFER:
                statement.findings.append(
                    f"{name}:{row.lineno}: payout row {row.get('status')!r} for "
                    f"{row.get('ref') or row.get('reference')} has no Payout ID: nothing "
                    "reached the bank, so nothing is booked"
                )
            else:
                statement.movements.append(self._movement(row, kind))
        if skipped:
            statement.findings.append(
                f"{name}: {len(skipped)} failed or cancelled transaction(s) skipped (lines "
                f"{', '.join(map(str, skipped))})"
            )
        statement.movements.extend(self._payout(pid, group) for pid, group in payouts.items())
        statement.movements.sort(key=lambda m: m.lineno)
        return statement

    def _movement(self, row: Row, kind: Kind) -> Movement:
        gross, fee = row.amount("gross", True), row.amount("fee")
        net = row.amount("net") if row.get("net") else gross - fee
        ref = row.get("ref")
        prefix = {Kind.CHARGE: "tx", Kind.REFUND: "refund", Kind.DISPUTE: "dispute"}
        card = " ".join(p for p in (row.get("card"), row.get("last4")) if p)
        narration = " ".join(p for p in (row.get("type"), card, ref) if p)
        return Movement(
            kind=kind,
            date=self.local_date(self._timestamp(row, "date")),
            currency=self.currency,
            net=net,
            gross=gross,
            fee=fee,
            lineno=row.lineno,
            key=f"{prefix.get(kind, 'other')}:{ref}" if ref else "",
            narration=narration,
            meta={"sumup_type": row.get("type")} if kind is Kind.OTHER else {},
        )

    def _payout(self, payout_id: str, rows: Sequence[Row]) -> Movement:
        """One transfer for all the rows of a payout, dated on the payout date."""
        amount = sum((row.amount("net", True) for row in rows), ZERO)
        dates = [self._payout_date(row) for row in rows]
        refs = ", ".join(row.get("ref") for row in rows if row.get("ref"))
        return Movement(
            kind=Kind.TRANSFER,
            date=max(dates),
            currency=self.currency,
            net=-amount,
            gross=-amount,
            lineno=rows[0].lineno,
            key=f"payout:{payout_id}",
            narration=f"SumUp payout {payout_id}" + (f" ({refs})" if refs else ""),
            payout_id=payout_id,
        )

    def _payout_date(self, row: Row) -> dt.date:
        value = row.get("payout_date")
        if not value:
            return self.local_date(self._timestamp(row, "date"))
        for form in DATE_FORMATS:
            try:
                return dt.datetime.strptime(value, form).date()
            except ValueError:
                continue
        column = row.names.get("payout_date", "payout_date")
        raise row.fail(f"column {column!r}: {value!r} is not a date")

    def _timestamp(self, row: Row, name: str) -> dt.datetime:
        value = row.get(name)
        moment = parse_timestamp(value, TIME_FORMATS)
        if moment is None:
            column = row.names.get(name, name)
            raise row.fail(f"column {column!r}: {value!r} is not a date and time")
        return moment
