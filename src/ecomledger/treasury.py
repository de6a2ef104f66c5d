"""Cash as the treasury sees it: which accounts hold it, and what each movement of it was for.

The company's cash is more than its bank balance: money paid by customers waits on each
processor's clearing account (467) and, once paid out, in transit (58) until the bank line
arrives. :func:`pool_kind` names that pool; a payout only moves money inside it, so it is no
cash flow. Every other change of the pool is a flow, put in one category by the accounts
on the other side of the transaction (:data:`DEFAULT_CATEGORIES`, overridable per account
prefix in ecomledger.toml's ``[treasury.categories]``).

Shared by the ``cash`` report and the ``forecast``: both must agree on what cash is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import convert, data, prices

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.money import round_money

ZERO = Decimal(0)

#: The cash-flow categories, in the order a statement lists them.
CATEGORIES: tuple[str, ...] = (
    "sales receipts",
    "refunds",
    "processor fees",
    "suppliers",
    "VAT paid",
    "payroll and social charges",
    "financing",
    "owner",
    "other",
)

#: Account prefix (name or PCG number) -> category; the longest matching prefix wins.
#: PCG numbers catch accounts a user opened by hand under other names.
DEFAULT_CATEGORIES: Mapping[str, str] = {
    "Income:Sales": "sales receipts",
    "Liabilities:GiftCards": "sales receipts",
    "Liabilities:Customers": "sales receipts",
    "Assets:Customers": "sales receipts",
    "Expenses:Fees": "processor fees",
    "Expenses:Commissions": "processor fees",
    "Expenses:Chargebacks": "refunds",
    "Liabilities:Suppliers": "suppliers",
    "Assets:Stock": "suppliers",
    "Expenses": "suppliers",
    "Liabilities:VAT": "VAT paid",
    "Assets:VAT": "VAT paid",
    "Equity:Capital": "financing",
    "Liabilities:Loans": "financing",
    "Equity:Owner": "owner",
    "Equity": "other",
    "pcg:70": "sales receipts",
    "pcg:41": "sales receipts",
    "pcg:40": "suppliers",
    "pcg:37": "suppliers",
    "pcg:60": "suppliers",
    "pcg:61": "suppliers",
    "pcg:62": "suppliers",
    "pcg:627": "processor fees",
    "pcg:6222": "processor fees",
    "pcg:44": "VAT paid",
    "pcg:42": "payroll and social charges",
    "pcg:43": "payroll and social charges",
    "pcg:64": "payroll and social charges",
    "pcg:16": "financing",
    "pcg:66": "financing",
    "pcg:76": "financing",
    "pcg:101": "financing",
    "pcg:108": "owner",
    "pcg:455": "owner",
}

_POOL_KINDS = (
    ("Assets:Bank:", "bank"),
    ("Assets:Cash", "bank"),
    ("Assets:Clearing:", "processor"),
    ("Assets:Transfers", "transit"),
)


def pool_kind(books: Books, account: str) -> str | None:
    """Return ``bank``, ``processor`` or ``transit`` for a cash account, else None.

    By name first (the chart ecomledger writes), then by PCG number (512 and 53 bank,
    467 processor, 58 transit) for accounts opened by hand.
    """
    for prefix, kind in _POOL_KINDS:
        if account == prefix.rstrip(":") or account.startswith(prefix):
            return kind
    if not account.startswith("Assets:"):
        return None
    number = books.pcg(account)[0]
    if number.startswith(("512", "53")):
        return "bank"
    if number.startswith("467"):
        return "processor"
    if number.startswith("58"):
        return "transit"
    return None


class Converter:
    """Converts amounts into the company's currency at the books' own prices."""

    def __init__(self, books: Books) -> None:
        self.currency = books.currency
        self._prices = prices.build_price_map(books.entries)
        self.converted: set[str] = set()

    def __call__(self, number: Decimal, currency: str, date: dt.date) -> Decimal:
        """Return ``number currency`` in the company's currency on ``date``.

        Raises:
            UserError: the books hold no price for the currency on or before that date.
        """
        if currency == self.currency:
            return number
        _, rate = prices.get_price(self._prices, (currency, self.currency), date)
        if rate is None:
            raise UserError(
                f"the books hold no {currency} price in {self.currency} on or before {date}; "
                f"add a line like '{date} price {currency} 0.92 {self.currency}' to the books"
            )
        self.converted.add(currency)
        return number * rate


@dataclass(frozen=True)
class Flow:
    """One transaction's change of the cash pool, in the company's currency."""

    date: dt.date
    category: str
    amount: Decimal
    payee: str
    narration: str
    filename: str
    lineno: int


class Categoriser:
    """Puts an account in its cash-flow category, by the longest matching prefix."""

    def __init__(self, books: Books, overrides: Mapping[str, str] | None = None) -> None:
        self.books = books
        table = dict(DEFAULT_CATEGORIES)
        table.update(overrides or {})
        self._by_name = sorted(
            ((k, v) for k, v in table.items() if not k.startswith("pcg:")),
            key=lambda item: -len(item[0]),
        )
        self._by_pcg = sorted(
            ((k[4:], v) for k, v in table.items() if k.startswith("pcg:")),
            key=lambda item: -len(item[0]),
        )
        self._cache: dict[str, str] = {}

    def __call__(self, account: str) -> str:
        """Return the category of money moving against ``account``."""
        found = self._cache.get(account)
        if found is None:
            found = self._find(account)
            self._cache[account] = found
        return found

    def _find(self, account: str) -> str:
        for prefix, category in self._by_name:
            if account == prefix or account.startswith(prefix + ":"):
                return category
        number = self.books.pcg(account)[0]
        for prefix, category in self._by_pcg:
            if number.startswith(prefix):
                return category
        return "other"


def cash_flows(
    books: Books,
    transactions: Iterable[data.Transaction],
    convert_to: Converter,
    categorise: Categoriser,
    kinds: tuple[str, ...] = ("bank", "processor", "transit"),
) -> list[Flow]:
    """Return the cash flows of ``transactions``, one per transaction and category.

    A credit note's flow is a refund and an invoice's a sales receipt whatever it holds;
    otherwise the pool's change is shared among the categories of the other postings in
    proportion to their amounts, VAT folded into the category it was paid with (a supplier
    paid 120 with 20 of deductible VAT is 120 to suppliers; a VAT payment alone is VAT paid).
    ``kinds`` narrows the pool (the forecast watches the banks alone: a payout is then an
    inflow, categorised ``payouts``).
    """
    flows: list[Flow] = []
    for txn in transactions:
        pool = ZERO
        others: dict[str, Decimal] = defaultdict(Decimal)
        vat_only = ZERO
        for posting in txn.postings:
            weight = convert.get_weight(posting)
            value = convert_to(weight.number, weight.currency, txn.date)
            kind = pool_kind(books, posting.account)
            if kind in kinds:
                pool += value
                continue
            category = "payouts" if kind else categorise(posting.account)
            if category == "VAT paid":
                vat_only -= value
            else:
                others[category] -= value
        pool = round_money(pool, convert_to.currency)
        if not pool:
            continue
        meta = txn.meta
        if "payouts" in others:
            shares = {"payouts": pool}
        elif "credit_note" in meta or "credit_note_range" in meta:
            shares = {"refunds": pool}
        elif "invoice" in meta or "invoice_range" in meta:
            shares = {"sales receipts": pool}
        else:
            shares = _share(pool, dict(others) if any(others.values()) else {"VAT paid": vat_only})
        for category, amount in shares.items():
            flows.append(
                Flow(
                    txn.date,
                    category,
                    amount,
                    txn.payee or "",
                    txn.narration or "",
                    str(meta.get("filename", "")),
                    int(meta.get("lineno", 0) or 0),
                )
            )
    return flows


def _share(pool: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Split ``pool`` over ``weights`` to the cent; the largest share takes the remainder."""
    total = sum(weights.values(), ZERO)
    if not total or len(weights) == 1:
        return {max(weights, key=lambda k: abs(weights[k])) if weights else "other": pool}
    shares = {k: round_money(pool * v / total) for k, v in weights.items() if v}
    largest = max(shares, key=lambda k: abs(shares[k]))
    shares[largest] += pool - sum(shares.values(), ZERO)
    return {k: v for k, v in shares.items() if v}
