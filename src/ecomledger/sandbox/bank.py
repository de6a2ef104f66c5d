"""The sandbox shop's bank statement: its paid payouts as the bank shows them.

The demo fetches orders and payouts from the sandbox; for reconciliation to meet them, the
bank must show the money arriving. This writes the Qonto CSV export (English layout) that
the sandbox shop's bank would give: one settled line per paid payout, the day after it is
sent, labelled with the payout id as Shopify's transfers are.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from ecomledger.sandbox.data import Dataset

QONTO_HEADER = (
    "Status",
    "Settlement date (UTC)",
    "Operation date (UTC)",
    "Total amount (incl. VAT)",
    "Currency",
    "Counterparty name",
    "Payment method",
    "Transaction ID",
    "IBAN",
    "Reference",
    "Category",
    "Note",
    "VAT amount",
    "Initiator",
)


def qonto_statement(data: Dataset, iban: str = "FR7616958000013001542911136") -> str:
    """Return a Qonto CSV export with one line per paid payout of ``data`` (a negative
    payout, a week of more refunds than sales, is a debit)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QONTO_HEADER)
    for payout in sorted(data.payouts, key=lambda p: (p.date, p.id)):
        if payout.status != "paid" or payout.amount == 0:
            continue
        when = f"{(payout.date + timedelta(days=1)).isoformat()} 07:00:00"
        writer.writerow(
            (
                "settled",
                when,
                when,
                f"{payout.amount:.2f}",
                "EUR",
                "SHOPIFY PAYMENTS",
                "transfer",
                f"sandbox-payout-{payout.id}",
                iban,
                f"SHOPIFY PAYOUT {payout.id}",
                "sales",
                "",
                "0.00",
                "",
            )
        )
    return out.getvalue()
