"""Sales: revenue excluding VAT, orders, units, average basket and refunds, broken down.

Why from the revenue accounts: the sales report must add up to the same revenue as the
compte de résultat (``Income:Sales:*``, 70x), so every figure here is a sum of those
postings. An invoice (``invoice``, or ``invoice_range`` for a summary entry standing for
several invoices) counts as orders; a credit note (``credit_note``) is a refund; any other
entry on a sales account (a hand-written adjustment) is kept as "other" so the totals
still equal the accounts.

Breakdowns: over time (``by=day|week|month``), by SKU (postings without a SKU, such as
shipping and discounts, are grouped under their account's last name in brackets), by
delivery country, channel and shop (entry metadata; "(none)" when absent). An order counts
once in every group it has a posting in, so orders per SKU add up to more than the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.periods import Period
from ecomledger.plugins.vat import invoice_count  # the VAT plugin's reading of a range
from ecomledger.reports import _figures as fig
from ecomledger.reports._figures import ZERO
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table

NAME = "sales"
SUMMARY = (
    "Sales excl. VAT: orders, units, average basket, refunds, by time, SKU, country, channel, shop"
)
OPTIONS = {"by": "time step of the sales-over-time table: day, week or month (default month)"}

STEPS = ("day", "week", "month")
BREAKDOWNS = ("time", "sku", "country", "channel", "shop")
NONE = "(none)"
#: Filling empty days/weeks/months makes charts honest; beyond this many, only active ones.
MAX_FILLED = 1000


@dataclass
class SalesFigures:
    """One group's figures; revenue is net (invoiced - refunded + other)."""

    key: str
    invoiced: Decimal = ZERO
    refunded: Decimal = ZERO
    other: Decimal = ZERO
    orders: int = 0
    refunds: int = 0
    units: Decimal = ZERO
    units_returned: Decimal = ZERO
    revenue: Decimal = ZERO
    average_basket: Decimal | None = None
    refund_rate: Decimal | None = None

    def add(self, kind: str, value: Decimal, qty: Decimal, first: bool, count: int) -> None:
        """Add one sales posting (``value`` positive = revenue); ``first`` counts its entry.

        Call :meth:`settle` once everything is added, for the derived figures.
        """
        if kind == "order":
            self.invoiced += value
            if qty > ZERO:
                self.units += qty
            if first:
                self.orders += count
        elif kind == "refund":
            self.refunded -= value
            if qty < ZERO:
                self.units_returned -= qty
            if first:
                self.refunds += 1
        else:
            self.other += value

    def merge(self, other: SalesFigures) -> None:
        """Add another group's sums (one entry's, summed once) to this group."""
        self.invoiced += other.invoiced
        self.refunded += other.refunded
        self.other += other.other
        self.orders += other.orders
        self.refunds += other.refunds
        self.units += other.units
        self.units_returned += other.units_returned

    def settle(self) -> SalesFigures:
        """Compute the derived figures: net revenue (what the revenue accounts hold for
        the group), invoiced revenue per order, refunded over invoiced revenue."""
        self.revenue = self.invoiced - self.refunded + self.other
        if self.orders:
            self.average_basket = fig.round_money(self.invoiced / self.orders)
        self.refund_rate = fig.ratio(fig.share(self.refunded, self.invoiced))
        return self


@dataclass
class SalesReport:
    """Totals and every breakdown of one period."""

    start: dt.date
    end: dt.date
    step: str
    total: SalesFigures
    by_time: list[SalesFigures]
    by_sku: list[SalesFigures]
    by_country: list[SalesFigures]
    by_channel: list[SalesFigures]
    by_shop: list[SalesFigures]
    accounts: dict[str, Decimal] = field(default_factory=dict)


def step_of(options: dict[str, str]) -> str:
    """Read the ``by`` option, or say which values it takes."""
    step = options.get("by", "month") or "month"
    if step not in STEPS:
        raise UserError(f"option by={step!r} is not a time step; write by=day, by=week or by=month")
    return step


def time_key(day: dt.date, step: str) -> str:
    """Label of the day, ISO week (``2026-W10``) or month (``2026-03``) holding ``day``."""
    if step == "day":
        return day.isoformat()
    if step == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def time_keys(period: Period, step: str) -> list[str]:
    """Every label of the period in order, or [] when there would be too many to fill."""
    days = (period.end - period.start).days + 1
    if days > MAX_FILLED * (1 if step == "day" else 7 if step == "week" else 28):
        return []
    keys: list[str] = []
    day = period.start
    while day <= period.end:
        key = time_key(day, step)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += dt.timedelta(days=1)
    return keys


def kind_of(txn: data.Transaction) -> str:
    """``"refund"`` for a credit note, ``"order"`` for an invoice or summary, else ``"other"``."""
    meta = txn.meta or {}
    if "credit_note" in meta or "credit_note_range" in meta:
        return "refund"
    if "invoice" in meta or "invoice_range" in meta:
        return "order"
    return "other"


def sku_key(posting: data.Posting) -> str:
    """The SKU of a sales posting, else its account's last name in brackets."""
    sku = (posting.meta or {}).get("sku")
    if sku is not None:
        return str(sku)
    return f"({posting.account.rsplit(':', 1)[-1]})"


def qty_of(posting: data.Posting) -> Decimal:
    """The ``qty`` metadata of a posting as a Decimal (zero when absent)."""
    value = (posting.meta or {}).get("qty")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return ZERO


class _Groups:
    """Figures per key of one breakdown."""

    def __init__(self) -> None:
        self.figures: dict[str, SalesFigures] = {}

    def get(self, key: str) -> SalesFigures:
        found = self.figures.get(key)
        if found is None:
            found = self.figures[key] = SalesFigures(key)
        return found


def sales_postings(txn: data.Transaction) -> Iterator[data.Posting]:
    """The entry's postings on ``Income:Sales:*``."""
    for posting in txn.postings:
        if posting.account.startswith(fig.SALES_PREFIX):
            yield posting


def compute(
    books: Books, request: ReportRequest, breakdowns: tuple[str, ...] = BREAKDOWNS
) -> SalesReport:
    """Sum the period's sales postings into the total and the ``breakdowns`` asked for.

    Each entry's postings are summed once (and per SKU), then added to its groups: on a
    year of 100,000 orders that is a few additions per order rather than per posting.
    """
    step = step_of(request.options)
    period = request.period
    total = SalesFigures("Total")
    groups = {name: _Groups() for name in BREAKDOWNS}
    entry_keys: dict[str, Callable[[data.Transaction], str]] = {
        "time": lambda txn: time_key(txn.date, step),
        "country": lambda txn: str((txn.meta or {}).get("country") or NONE),
        "channel": lambda txn: str((txn.meta or {}).get("channel") or NONE),
        "shop": lambda txn: str((txn.meta or {}).get("shop") or NONE),
    }
    wanted = [(groups[name], key_of) for name, key_of in entry_keys.items() if name in breakdowns]
    by_sku = groups["sku"] if "sku" in breakdowns else None
    for key in time_keys(period, step):
        groups["time"].get(key)
    accounts: dict[str, Decimal] = {}
    for txn in books.transactions(period):
        postings = list(sales_postings(txn))
        if not postings:
            continue
        kind = kind_of(txn)
        count = invoice_count(txn) if kind == "order" else 1
        entry = SalesFigures("")
        skus: dict[str, SalesFigures] = {}
        for posting in postings:
            value = -fig.amount(posting)
            accounts[posting.account] = accounts.get(posting.account, ZERO) + value
            qty = qty_of(posting)
            entry.add(kind, value, qty, posting is postings[0], count)
            if by_sku is not None:
                sku = sku_key(posting)
                line = skus.get(sku)
                first = line is None
                if line is None:
                    line = skus[sku] = SalesFigures(sku)
                line.add(kind, value, qty, first, count)
        total.merge(entry)
        for group, key_of in wanted:
            group.get(key_of(txn)).merge(entry)
        if by_sku is not None:
            for sku, line in skus.items():
                by_sku.get(sku).merge(line)
    total.settle()
    for group in groups.values():
        for figures in group.figures.values():
            figures.settle()
    by_time = groups["time"].figures
    ordered_time = [by_time[key] for key in sorted(by_time)]

    def ranked(name: str) -> list[SalesFigures]:
        values = groups[name].figures.values()
        return sorted(values, key=lambda g: (-g.revenue, g.key))

    return SalesReport(
        period.start,
        period.end,
        step,
        total,
        ordered_time,
        ranked("sku"),
        ranked("country"),
        ranked("channel"),
        ranked("shop"),
        dict(sorted(accounts.items())),
    )


COLUMNS = (
    Column("revenue", "Revenue excl. VAT", "money"),
    Column("orders", "Orders", "int"),
    Column("units", "Units", "number"),
    Column("average_basket", "Average basket", "money"),
    Column("refunds", "Refunds", "int"),
    Column("refunded", "Refunded", "money"),
    Column("refund_rate", "Refund rate", "percent"),
)


def _cells(group: SalesFigures) -> tuple[object, ...]:
    return (
        group.key,
        group.revenue,
        group.orders,
        group.units - group.units_returned,
        group.average_basket,
        group.refunds,
        group.refunded,
        group.refund_rate,
    )


def _table(
    name: str, title: str, first: str, groups: list[SalesFigures], total: SalesFigures
) -> Table:
    rows = [Row(_cells(group)) for group in groups]
    rows.append(Row(_cells(total), "total"))
    return Table(name, title, (Column("key", first), *COLUMNS), rows)


def view(report: SalesReport, request: ReportRequest) -> ReportView:
    """One table per breakdown (one xlsx sheet each) and the charts people look at."""
    del request
    total = report.total
    tables = [
        _table(
            f"by_{report.step}",
            f"Sales by {report.step}",
            report.step.capitalize(),
            report.by_time,
            total,
        ),
        _table("by_sku", "Sales by SKU", "SKU", report.by_sku, total),
        _table("by_country", "Sales by delivery country", "Country", report.by_country, total),
        _table("by_channel", "Sales by channel", "Channel", report.by_channel, total),
        _table("by_shop", "Sales by shop", "Shop", report.by_shop, total),
    ]
    account_rows = [Row((account, value)) for account, value in report.accounts.items()]
    account_rows.append(Row(("Total", total.revenue), "total"))
    tables.append(
        Table(
            "accounts",
            "Revenue per account (the sales above add up to it)",
            (Column("account", "Account"), Column("revenue", "Revenue excl. VAT", "money")),
            account_rows,
        )
    )
    charts = [
        Chart(
            "sales_over_time",
            f"Sales over time (per {report.step}, excl. VAT)",
            "bar",
            [g.key for g in report.by_time],
            [
                Series("Revenue", [g.revenue for g in report.by_time]),
                Series("Refunded", [g.refunded for g in report.by_time]),
            ],
            "EUR",
        ),
        Chart(
            "sales_by_country",
            "Revenue by delivery country",
            "bar",
            [g.key for g in report.by_country],
            [Series("Revenue", [g.revenue for g in report.by_country])],
            "EUR",
        ),
    ]
    return ReportView(
        name=NAME,
        title="Sales",
        subtitle=f"{report.start.isoformat()} to {report.end.isoformat()}",
        tables=tables,
        charts=charts,
        notes=[
            "Revenue is net of refunds and excludes VAT; the average basket is invoiced "
            "revenue per order; the refund rate is refunded over invoiced revenue.",
        ],
        data=report,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Compute the sales of the period and lay them out."""
    return view(compute(books, request), request)
