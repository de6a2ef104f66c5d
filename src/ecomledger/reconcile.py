"""Payout reconciliation: every payout must arrive in the bank, every bank credit explained.

At import, :func:`match_bank_lines` moves a bank line still in suspense to what it
settles: a payout of the same amount (``Assets:Transfers``, preferring a line whose label
names the payout, then the closest date within a window) or an invoice paid by transfer whose
order number the label quotes (``Assets:Customers``). ``ecomledger reconcile`` then reports,
from the books, which payouts met their bank line, which did not, which bank lines are still
unexplained, and what is left on each clearing account.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.booking import TRANSFERS
from ecomledger.ledger import CUSTOMERS, LedgerIndex, PayoutRef, Receivable
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.rules import bank_posting, is_bank_line, label

#: A payout reaches the bank between 2 days before and 10 days after its stated date.
WINDOW_BEFORE = dt.timedelta(days=2)
WINDOW_AFTER = dt.timedelta(days=10)


def _settle(txn: data.Transaction, account: str, **meta: object) -> data.Transaction:
    bank = txn.postings[0]
    assert bank.units is not None and bank.units.number is not None
    counter = data.Posting(
        account, Amount(-bank.units.number, bank.units.currency), None, None, None, None
    )
    return txn._replace(flag="*", meta={**txn.meta, **meta}, postings=[bank, counter])


Money = tuple[Decimal, str]


@dataclass
class _Waiting:
    """The payouts and transfer-paid invoices still waiting for their bank line, by amount.

    A bank line can only settle something of its own amount, so each line looks at that
    amount's few candidates instead of every open payout and invoice of the books.
    """

    payouts: dict[Money, list[PayoutRef]] = field(default_factory=dict)
    receivables: dict[Money, list[Receivable]] = field(default_factory=dict)

    def add_payout(self, payout: PayoutRef) -> None:
        self.payouts.setdefault((payout.amount, payout.currency), []).append(payout)

    def add_receivable(self, due: Receivable) -> None:
        self.receivables.setdefault((due.amount, due.currency), []).append(due)


def _candidates(txn: data.Transaction, payouts: Iterable[PayoutRef]) -> list[PayoutRef]:
    """The payouts of the line's amount within the date window, best first: one the label
    names, else the closest in date."""
    text = label(txn)
    fitting = [p for p in payouts if p.date - WINDOW_BEFORE <= txn.date <= p.date + WINDOW_AFTER]
    named = [p for p in fitting if re.search(rf"\b{re.escape(p.payout_id)}\b", text)]
    return named or sorted(fitting, key=lambda p: (abs((txn.date - p.date).days), p.payout_id))


def match_bank_lines(entries: Sequence[data.Directive], index: LedgerIndex) -> list[data.Directive]:
    """Settle bank credits in suspense against open payouts and transfer-paid invoices.

    ``index`` holds what the books already know; payouts and invoices among ``entries``
    (the same import) count too. Each payout and invoice is settled at most once.
    """
    if not any(isinstance(e, data.Transaction) and is_bank_line(e) for e in entries):
        return list(entries)  # an import of orders only: nothing to match
    payouts = {k: v for k, v in index.payouts.items() if k not in index.settled_payouts}
    receivables = {k: v for k, v in index.receivables.items() if k not in index.settled_invoices}
    for entry in entries:
        if isinstance(entry, data.Transaction) and _settleable(entry):
            _learn(entry, payouts, receivables)
    waiting = _Waiting()
    for payout in payouts.values():
        waiting.add_payout(payout)
    for _, due in sorted(receivables.items()):
        waiting.add_receivable(due)
    out: list[data.Directive] = []
    for entry in sorted(entries, key=lambda e: e.date):
        if isinstance(entry, data.Transaction) and is_bank_line(entry):
            entry = _match_one(entry, waiting)
        out.append(entry)
    return out


def _settleable(txn: data.Transaction) -> bool:
    """Whether ``txn`` is a payout or an invoice a bank transfer may settle."""
    if "payout_id" in txn.meta:
        return True
    due = "invoice" in txn.meta or "invoice_range" in txn.meta  # one invoice, or a customer's day
    return due and bool(txn.postings) and txn.postings[0].account == CUSTOMERS


def _learn(
    txn: data.Transaction, payouts: dict[str, PayoutRef], receivables: dict[str, Receivable]
) -> None:
    probe = LedgerIndex()
    probe.add(txn)
    payouts.update(probe.payouts)
    receivables.update(probe.receivables)


def _match_one(txn: data.Transaction, waiting: _Waiting) -> data.Transaction:
    bank = bank_posting(txn)
    if bank is None or bank.units is None or bank.units.number is None:
        return txn
    amount, currency = bank.units.number, str(bank.units.currency)
    if amount == 0:
        return txn
    # A payout can be negative (a week of refunds): the processor then debits the bank.
    pool = waiting.payouts.get((amount, currency), [])
    found = _candidates(txn, pool) if pool else []
    if found:
        pool.remove(found[0])
        return _settle(txn, TRANSFERS, payout_id=found[0].payout_id)
    dues = waiting.receivables.get((amount, currency))
    if amount < 0 or not dues:
        return txn
    text = label(txn)
    for due in dues:  # in invoice order
        number = due.order_number.lstrip("#")
        quoted = number and re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text)
        if quoted or due.invoice in text:
            dues.remove(due)
            return _settle(txn, CUSTOMERS, settles=due.invoice)
    return txn


@dataclass
class ReconcileReport:
    """What ``ecomledger reconcile`` shows."""

    period: Period
    matched: list[dict[str, str]] = field(default_factory=list)
    unpaid: list[dict[str, str]] = field(default_factory=list)
    unmatched_bank: list[dict[str, str]] = field(default_factory=list)
    residuals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def needs_attention(self) -> bool:
        """Whether anything is left to explain."""
        return bool(self.unpaid or self.unmatched_bank or any(self.residuals.values()))

    def as_json(self) -> dict[str, object]:
        """Plain data for ``--format json``."""
        return {
            "period": str(self.period),
            "matched": self.matched,
            "payouts_not_in_bank": self.unpaid,
            "bank_lines_unmatched": self.unmatched_bank,
            "residuals": {k: str(v) for k, v in self.residuals.items()},
            "needs_attention": self.needs_attention,
        }


def reconcile(entries: Iterable[data.Directive], period: Period) -> ReconcileReport:
    """Reconcile payouts with bank lines over ``period`` from loaded books."""
    report = ReconcileReport(period)
    payouts: dict[str, data.Transaction] = {}
    settled: dict[str, data.Transaction] = {}
    balances: dict[str, Decimal] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or entry.date > period.end:
            continue
        for posting in entry.postings:
            if posting.account.startswith("Assets:Clearing:") or posting.account == TRANSFERS:
                number = posting.units.number if posting.units else None
                balances[posting.account] = balances.get(posting.account, ZERO) + (number or ZERO)
        payout_id = entry.meta.get("payout_id")
        if payout_id and entry.postings and entry.postings[0].account == TRANSFERS:
            payouts[str(payout_id)] = entry
        elif payout_id and is_bank_line(entry):
            settled[str(payout_id)] = entry
        elif is_bank_line(entry) and bank_posting(entry) is not None and entry.date in period:
            report.unmatched_bank.append(_row(entry))
    for payout_id, payout in sorted(payouts.items(), key=lambda kv: (kv[1].date, kv[0])):
        if payout.date not in period:
            continue
        row = _row(payout) | {"payout_id": payout_id}
        if payout_id in settled:
            bank = settled[payout_id]
            row |= {
                "bank_date": bank.date.isoformat(),
                "bank_ref": str(bank.meta.get("bank_ref", "")),
            }
            report.matched.append(row)
        else:
            report.unpaid.append(row)
    report.residuals = dict(sorted(balances.items()))
    return report


def _row(txn: data.Transaction) -> dict[str, str]:
    first = txn.postings[0]
    amount = f"{first.units.number} {first.units.currency}" if first.units is not None else ""
    return {
        "date": txn.date.isoformat(),
        "amount": amount,
        "account": first.account,
        "description": " ".join(p for p in (txn.payee, txn.narration) if p),
        "where": f"{txn.meta.get('filename', '')}:{txn.meta.get('lineno', 0)}",
    }
