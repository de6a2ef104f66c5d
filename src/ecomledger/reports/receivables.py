"""Customers who owe money at the period end, aged 0-30, 31-60, 61-90 and over 90 days.

Why from ``Assets:Customers``: orders paid by bank transfer or cash on delivery and B2B
invoices are booked there (411) until the money arrives; processors' balances are not
customers' debts. Every debit on ``Assets:Customers`` (or a sub-account) is an open item,
named by its invoice when it has one. Credits settle items, in this order:

1. a posting whose entry names the invoice in ``settles`` (how ``import`` matches a bank
   transfer to an invoice) or in ``credits`` (a credit note of that invoice);
2. otherwise the oldest open item of exactly the same amount (the same customer first);
3. otherwise the oldest open items of the same customer, first in first out.

What no item absorbs (a payment before its invoice is booked, a payer whose name matches no
customer) is shown as unallocated rather than guessed onto someone else's invoice.
The open items plus the unallocated credits equal the accounts' balance at the period
end. An item's age is the days from its date to the period end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.reports import _figures as fig
from ecomledger.reports._figures import ZERO
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table

NAME = "receivables"
SUMMARY = "Customers who owe money at the period end, aged 0-30/31-60/61-90/90+ days, per invoice"

BUCKETS = ("0-30", "31-60", "61-90", "90+")


@dataclass
class OpenItem:
    """An invoice (or other debit) still owed, in part or whole, at the period end."""

    document: str
    customer: str
    date: dt.date
    account: str
    amount: Decimal
    open: Decimal
    location: str
    age: int = 0
    bucket: str = "0-30"


@dataclass
class CustomerBalance:
    """One customer's open items summed per age band."""

    customer: str
    buckets: dict[str, Decimal]
    total: Decimal = ZERO


@dataclass
class Receivables:
    """Open items at ``date`` and the accounts' balance they add up to."""

    date: dt.date
    items: list[OpenItem]
    customers: list[CustomerBalance]
    unallocated: Decimal
    balance: Decimal
    total: Decimal = ZERO
    notes: list[str] = field(default_factory=list)


def bucket_of(age: int) -> str:
    """The age band of an item ``age`` days old."""
    if age <= 30:
        return "0-30"
    if age <= 60:
        return "31-60"
    if age <= 90:
        return "61-90"
    return "90+"


def is_customers(account: str) -> bool:
    """Whether ``account`` is ``Assets:Customers`` or one of its sub-accounts."""
    return account == fig.CUSTOMERS or account.startswith(fig.CUSTOMERS + ":")


def customer_of(txn: data.Transaction, posting: data.Posting) -> str:
    """The customer: the sub-account's name if any, else the entry's payee."""
    if posting.account != fig.CUSTOMERS:
        return posting.account[len(fig.CUSTOMERS) + 1 :]
    return txn.payee or "(unknown)"


class _Ledger:
    """Open items in date order, indexed by document, by open amount and by customer.

    Why the indexes: books with many transfer or COD orders have thousands of items and as
    many payments; each payment looks only at its candidates, not at every item.
    """

    def __init__(self) -> None:
        self.items: list[OpenItem] = []
        self.by_document: dict[str, list[OpenItem]] = {}
        self.by_open: dict[Decimal, list[OpenItem]] = {}
        self.by_customer: dict[str, list[OpenItem]] = {}
        self.unallocated = ZERO

    def debit(self, txn: data.Transaction, posting: data.Posting, value: Decimal) -> None:
        meta = txn.meta or {}
        owed = (posting.meta or {}).get("invoice")  # one invoice of a customer's summary entry
        name = str(owed or meta.get("invoice") or meta.get("invoice_range") or fig.document(txn))
        item = OpenItem(
            name,
            customer_of(txn, posting),
            txn.date,
            posting.account,
            value,
            value,
            fig.location(txn),
        )
        self.items.append(item)
        self.by_document.setdefault(name, []).append(item)
        self.by_open.setdefault(value, []).append(item)
        self.by_customer.setdefault(item.customer, []).append(item)

    def reduce(self, item: OpenItem, value: Decimal) -> None:
        """Lower an item's open amount by ``value``, keeping the amount index right."""
        self.by_open[item.open].remove(item)
        item.open -= value
        if item.open > ZERO:
            self.by_open.setdefault(item.open, []).append(item)

    def absorb(self, items: list[OpenItem], value: Decimal) -> Decimal:
        """Reduce ``items`` oldest first by ``value``; return what is left of it."""
        for item in list(items):
            if value <= ZERO:
                break
            take = min(item.open, value)
            if take > ZERO:
                self.reduce(item, take)
                value -= take
        return value

    def credit(self, txn: data.Transaction, posting: data.Posting, value: Decimal) -> None:
        """Settle items with a credit of ``value`` (positive)."""
        meta = txn.meta or {}
        left = value
        named = meta.get("settles") or meta.get("credits")
        if named is not None:
            left = self.absorb(self.by_document.get(str(named), []), left)
        if left <= ZERO:
            return
        customer = customer_of(txn, posting)
        exact = sorted(self.by_open.get(left, []), key=lambda i: (i.customer != customer, i.date))
        if exact:
            self.reduce(exact[0], left)
            return
        mine = self.by_customer.get(customer, [])
        mine[:] = [i for i in mine if i.open > ZERO]
        self.unallocated += self.absorb(mine, left)


def compute(books: Books, request: ReportRequest) -> Receivables:
    """Find the open items at the end of ``request.period`` and age them."""
    end = request.period.end
    ledger = _Ledger()
    balance = ZERO
    for txn in books.transactions():
        if txn.date > end:
            break
        for posting in txn.postings:
            if not is_customers(posting.account):
                continue
            value = fig.amount(posting)
            balance += value
            if value > ZERO:
                ledger.debit(txn, posting, value)
            elif value < ZERO:
                ledger.credit(txn, posting, -value)
    items = [item for item in ledger.items if item.open > ZERO]
    for item in items:
        item.age = (end - item.date).days
        item.bucket = bucket_of(item.age)
    items.sort(key=lambda i: (i.customer, i.date, i.document))
    customers: dict[str, CustomerBalance] = {}
    for item in items:
        row = customers.get(item.customer)
        if row is None:
            row = customers[item.customer] = CustomerBalance(
                item.customer, dict.fromkeys(BUCKETS, ZERO)
            )
        row.buckets[item.bucket] += item.open
        row.total += item.open
    result = Receivables(
        end,
        items,
        sorted(customers.values(), key=lambda c: (-c.total, c.customer)),
        -ledger.unallocated,
        balance,
        sum((item.open for item in items), ZERO),
    )
    if ledger.unallocated:
        result.notes.append(
            f"{ledger.unallocated} received from customers matches no open invoice "
            "(paid before its invoice was booked, or an overpayment)."
        )
    return result


def view(result: Receivables, request: ReportRequest) -> ReportView:
    """The aged balance per customer, then each open invoice."""
    del request
    columns = (
        Column("customer", "Customer"),
        *(Column(f"days_{b}", f"{b} days", "money") for b in BUCKETS),
        Column("total", "Total", "money"),
    )
    rows = [Row((c.customer, *(c.buckets[b] for b in BUCKETS), c.total)) for c in result.customers]
    totals = [sum((c.buckets[b] for c in result.customers), ZERO) for b in BUCKETS]
    rows.append(Row(("Total", *totals, result.total), "total"))
    if result.unallocated:
        rows.append(Row(("Unallocated receipts", None, None, None, None, result.unallocated)))
        rows.append(
            Row(("Balance of Assets:Customers", None, None, None, None, result.balance), "total")
        )
    aged = Table("aged", f"Aged receivables at {result.date.isoformat()}", columns, rows)
    item_rows = [
        Row((i.customer, i.document, i.date, i.age, i.bucket, i.amount, i.open, i.location))
        for i in result.items
    ]
    item_rows.append(
        Row(
            (
                "Total",
                None,
                None,
                None,
                None,
                sum((i.amount for i in result.items), ZERO),
                result.total,
                None,
            ),
            "total",
        )
    )
    items = Table(
        "open_invoices",
        "Open invoices",
        (
            Column("customer", "Customer"),
            Column("invoice", "Invoice"),
            Column("date", "Date", "date"),
            Column("age", "Days", "int"),
            Column("bucket", "Age band"),
            Column("amount", "Invoiced", "money"),
            Column("open", "Still owed", "money"),
            Column("where", "Where"),
        ),
        item_rows,
    )
    chart = Chart(
        "aging",
        "What customers owe, by age",
        "bar",
        list(BUCKETS),
        [Series("Owed", totals)],
        "EUR",
    )
    return ReportView(
        name=NAME,
        title=f"Receivables at {result.date.isoformat()}",
        subtitle="Assets:Customers: orders paid by transfer or cash on delivery, B2B invoices",
        tables=[aged, items],
        charts=[chart],
        notes=result.notes,
        data=result,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Age what customers owe at the end of the requested period."""
    return view(compute(books, request), request)
