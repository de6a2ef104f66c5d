"""Gift cards end to end: ``ecomledger demo`` fetches the sandbox shop over HTTP, imports it
and reconciles.

An order paid partly with a gift card is only partly paid out by Shopify Payments. The
fetch saves the transactions of those orders, the importer merges them into the orders,
and booking puts only the card part on the clearing account and redeems the gift-card
part from ``Liabilities:GiftCards``. Before that, every redemption stayed on
``Assets:Clearing:ShopifyPayments`` waiting for a payout that never brings it.

Only the clearing account is asserted on: other residuals (a week with more refunds than
sales, paid back by the bank) are a separate matter.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from beancount.core import data

from ecomledger import ledger
from ecomledger.demo import SANDBOX_ORDERS, SANDBOX_SEED, SANDBOX_SHOP, run_demo
from ecomledger.sandbox import SandboxServer
from ecomledger.sandbox.data import Dataset

CLEARING = "Assets:Clearing:ShopifyPayments"
GIFT_CARDS = "Liabilities:GiftCards"
ZERO = Decimal("0.00")


def _outstanding(dataset: Dataset) -> tuple[Decimal, Decimal]:
    """(gift cards sold net of refunds, gift cards redeemed) in the sandbox's own data."""
    sold = redeemed = ZERO
    for order in dataset.orders:
        if not order.payments:  # cancelled before capture: nothing was sold
            continue
        sold += sum((li.total for li in order.lines if li.product.gift_card), ZERO)
        sold -= sum(
            (rl.subtotal for r in order.refunds for rl in r.lines if rl.line.product.gift_card),
            ZERO,
        )
        redeemed += sum((p.amount for p in order.payments if p.gateway == "gift_card"), ZERO)
    return sold, redeemed


def _balance(books: Path, account: str, source: str) -> Decimal:
    entries, errors, _ = ledger.load(books)
    assert errors == []
    total = ZERO
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.meta.get("source") == source:
            for posting in entry.postings:
                if posting.account == account and posting.units is not None:
                    assert posting.units.number is not None
                    total += posting.units.number
    return total


def test_demo_clearing_account_keeps_no_gift_card_residual(tmp_path: Path) -> None:
    # run_demo copies examples/demo-shop itself when the folder holds no books; a copy made
    # beforehand would make it skip the inbox and the sandbox bank statement.
    summary = run_demo(tmp_path / "demo")
    assert summary.errors == []
    assert summary.reconciliation is not None
    assert summary.reconciliation.residuals[CLEARING] == Decimal("0.00")

    dataset = SandboxServer(seed=SANDBOX_SEED, orders=SANDBOX_ORDERS, settled=True).data
    sold, redeemed = _outstanding(dataset)
    assert sold > 0 and redeemed > 0  # the sandbox draws both, or this proves nothing
    # a liability: credit balance, i.e. negative in Beancount
    owed = -_balance(summary.books, GIFT_CARDS, f"shopify:{SANDBOX_SHOP}")
    assert owed == sold - redeemed
