"""Key figures of a shop over a period: margin, basket, refunds, fees, stock and cash days.

Why these and how they are measured (every one from the books, none from the platforms):

* gross margin: revenue excluding VAT (``Income:Sales:*``) minus the cost of goods sold,
  which the inventory plugin books on ``Expenses:StockVariation`` (plus any purchases of
  goods expensed directly on ``Expenses:Purchases:*``);
* average order value and refund rate: as the sales report counts them (invoiced revenue
  per order; refunded over invoiced revenue);
* fees per processor: ``Expenses:Fees:<P>`` and ``Expenses:Commissions:<P>`` over the
  revenue of the orders paid through ``Assets:Clearing:<P>`` (and over all revenue);
* days of stock: average stock value (opening and closing, by the books' method) over the
  cost of goods sold per day;
* cash conversion days: days of stock + days of receivables (customers and processors'
  balances over sales including VAT per day) - days of payables (suppliers' balance over
  what suppliers invoiced per day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.reports import _figures as fig
from ecomledger.reports import sales as sales_report
from ecomledger.reports._figures import ZERO
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table
from ecomledger.reports.stock_report import valuations

NAME = "kpi"
SUMMARY = (
    "Key figures: gross margin, average order, refund rate, fees per processor, stock and cash days"
)

COGS_PREFIXES = ("Expenses:StockVariation", "Expenses:Purchases:")
FEE_PREFIXES = ("Expenses:Fees:", "Expenses:Commissions:")
CLEARING_PREFIX = "Assets:Clearing:"
RECEIVABLE_PREFIXES = (fig.CUSTOMERS, CLEARING_PREFIX)
SUPPLIERS = "Liabilities:Suppliers"


@dataclass
class ProcessorFees:
    """Fees one processor or marketplace charged, and the revenue it collected."""

    processor: str
    fees: Decimal
    revenue: Decimal
    share_of_its_revenue: Decimal | None
    share_of_revenue: Decimal | None


@dataclass
class MonthMargin:
    """Revenue, cost of goods and margin of one month of the period."""

    month: str
    revenue: Decimal
    cogs: Decimal = ZERO
    margin: Decimal = ZERO
    margin_rate: Decimal | None = None


@dataclass
class Kpis:
    """The key figures of one period (ratios are fractions: 0.25 for 25 %).

    The figures they come from are kept beside them, so a reader (or JSON) can redo each
    division: days of X are ``balance / (flow / days)``.
    """

    start: dt.date
    end: dt.date
    days: int
    revenue: Decimal
    cogs: Decimal
    gross_margin: Decimal
    margin_rate: Decimal | None
    orders: int
    average_order: Decimal | None
    refund_rate: Decimal | None
    fees: list[ProcessorFees]
    opening_stock: Decimal
    closing_stock: Decimal
    receivables: Decimal
    sales_incl_vat: Decimal
    payables: Decimal
    supplier_invoices: Decimal
    days_of_stock: Decimal | None
    days_of_receivables: Decimal | None
    days_of_payables: Decimal | None
    cash_conversion_days: Decimal | None
    months: list[MonthMargin] = field(default_factory=list)


def days_of(balance: Decimal, flow: Decimal, days: int) -> Decimal | None:
    """How many days of ``flow`` (over ``days``) ``balance`` stands for; None without flow."""
    if flow <= ZERO:
        return None
    return (balance / (flow / days)).quantize(Decimal("0.1"))


def cash_conversion(
    stock: Decimal | None, receivables: Decimal | None, payables: Decimal | None
) -> Decimal | None:
    """Days of stock + days of receivables - days of payables (None without the first two)."""
    if stock is None or receivables is None:
        return None
    return stock + receivables - (payables or ZERO)


def _leaf(account: str) -> str:
    return account.rsplit(":", 1)[-1]


def compute(books: Books, request: ReportRequest) -> Kpis:
    """Compute the period's key figures."""
    period = request.period
    sales = sales_report.compute(books, ReportRequest(period, options={"by": "month"}), ("time",))
    total = sales.total
    cogs = fees_total = ZERO
    fees: dict[str, Decimal] = {}
    processor_revenue: dict[str, Decimal] = {}
    months: dict[str, MonthMargin] = {g.key: MonthMargin(g.key, g.revenue) for g in sales.by_time}
    balances: dict[str, Decimal] = {"receivables": ZERO, "payables": ZERO}
    sales_incl_vat = supplier_invoices = ZERO
    for txn in books.transactions():
        if txn.date > period.end:
            break
        in_period = txn.date >= period.start
        _balances(txn, balances)
        if not in_period:
            continue
        clearing: str | None = None
        revenue = ZERO
        for posting in txn.postings:
            account = posting.account
            value = fig.amount(posting)
            if account.startswith(COGS_PREFIXES):
                cogs += value
                month = sales_report.time_key(txn.date, "month")
                if month in months:
                    months[month].cogs += value
            elif account.startswith(FEE_PREFIXES):
                fees[_leaf(account)] = fees.get(_leaf(account), ZERO) + value
                fees_total += value
            elif account.startswith(fig.SALES_PREFIX):
                revenue -= value
            elif account.startswith(CLEARING_PREFIX) and clearing is None:
                clearing = _leaf(account)
            if account == SUPPLIERS and value < ZERO:
                supplier_invoices -= value
        if revenue and sales_report.kind_of(txn) != "other":
            sales_incl_vat += revenue + _vat_of(txn)
            if clearing is not None:
                processor_revenue[clearing] = processor_revenue.get(clearing, ZERO) + revenue
    fee_rows = [
        ProcessorFees(
            name,
            value,
            processor_revenue.get(name, ZERO),
            fig.ratio(fig.share(value, processor_revenue.get(name, ZERO))),
            fig.ratio(fig.share(value, total.revenue)),
        )
        for name, value in sorted(fees.items())
    ]
    before = period.start - dt.timedelta(days=1)
    stocks = valuations(books, [before, period.end])
    opening, closing = (sum((v for _, v in stock.values()), ZERO) for stock in stocks)
    for row in months.values():
        row.margin = row.revenue - row.cogs
        row.margin_rate = fig.ratio(fig.share(row.margin, row.revenue))
    days = (period.end - period.start).days + 1
    margin = total.revenue - cogs
    stock_days = days_of((opening + closing) / 2, cogs, days)
    receivable_days = days_of(balances["receivables"], sales_incl_vat, days)
    payable_days = days_of(balances["payables"], supplier_invoices, days)
    return Kpis(
        start=period.start,
        end=period.end,
        days=days,
        revenue=total.revenue,
        cogs=cogs,
        gross_margin=margin,
        margin_rate=fig.ratio(fig.share(margin, total.revenue)),
        orders=total.orders,
        average_order=total.average_basket,
        refund_rate=total.refund_rate,
        fees=fee_rows,
        opening_stock=fig.round_money(opening),
        closing_stock=fig.round_money(closing),
        receivables=balances["receivables"],
        sales_incl_vat=sales_incl_vat,
        payables=balances["payables"],
        supplier_invoices=supplier_invoices,
        days_of_stock=stock_days,
        days_of_receivables=receivable_days,
        days_of_payables=payable_days,
        cash_conversion_days=cash_conversion(stock_days, receivable_days, payable_days),
        months=list(months.values()),
    )


def _balances(txn: data.Transaction, balances: dict[str, Decimal]) -> None:
    """Keep the receivables' and the suppliers' balances running up to the period end."""
    for posting in txn.postings:
        account = posting.account
        if account.startswith(RECEIVABLE_PREFIXES):
            balances["receivables"] += fig.amount(posting)
        elif account == SUPPLIERS:
            balances["payables"] -= fig.amount(posting)


def _vat_of(txn: data.Transaction) -> Decimal:
    return -sum(
        (fig.amount(p) for p in txn.postings if p.account.startswith(fig.COLLECTED_PREFIX)), ZERO
    )


def view(kpis: Kpis, request: ReportRequest) -> ReportView:
    """The figures with how each is measured, fees per processor, margin per month."""
    del request
    money = [
        ("Revenue excl. VAT", kpis.revenue, "Income:Sales:*"),
        ("Cost of goods sold", kpis.cogs, "Expenses:StockVariation (+ Expenses:Purchases:*)"),
        ("Gross margin", kpis.gross_margin, "revenue - cost of goods sold"),
        (
            "Average order value",
            kpis.average_order,
            "invoiced revenue excl. VAT / orders",
        ),
        ("Opening stock", kpis.opening_stock, "stock at cost the day before"),
        ("Closing stock", kpis.closing_stock, "stock at cost at the end"),
    ]
    ratios = [
        ("Gross margin rate", kpis.margin_rate, "gross margin / revenue"),
        ("Refund rate", kpis.refund_rate, "refunded / invoiced revenue excl. VAT"),
    ]
    days = [
        ("Orders", kpis.orders, "invoices (a summary counts its range)"),
        ("Days of stock", kpis.days_of_stock, "average stock / cost of goods sold per day"),
        (
            "Days of receivables",
            kpis.days_of_receivables,
            "Assets:Customers + Assets:Clearing:* / sales incl. VAT per day",
        ),
        (
            "Days of payables",
            kpis.days_of_payables,
            "Liabilities:Suppliers / supplier invoices per day",
        ),
        ("Cash conversion days", kpis.cash_conversion_days, "stock + receivables - payables days"),
    ]
    columns = (
        Column("figure", "Figure"),
        Column("money", "Amount", "money"),
        Column("ratio", "Rate", "percent"),
        Column("number", "Count / days", "number"),
        Column("how", "How it is measured"),
    )
    rows = [Row((name, value, None, None, how)) for name, value, how in money]
    rows += [Row((name, None, value, None, how)) for name, value, how in ratios]
    rows += [Row((name, None, None, value, how)) for name, value, how in days]
    fee_rows = [
        Row(
            (
                f.processor,
                f.fees,
                f.revenue,
                f.share_of_its_revenue,
                f.share_of_revenue,
            )
        )
        for f in kpis.fees
    ]
    fee_table = Table(
        "fees",
        "Fees per processor or marketplace",
        (
            Column("processor", "Processor"),
            Column("fees", "Fees", "money"),
            Column("revenue", "Revenue it collected", "money"),
            Column("share", "Share of its revenue", "percent"),
            Column("share_total", "Share of all revenue", "percent"),
        ),
        fee_rows,
    )
    margin_rows = [Row((m.month, m.revenue, m.cogs, m.margin, m.margin_rate)) for m in kpis.months]
    margin_table = Table(
        "margin",
        "Gross margin per month",
        (
            Column("month", "Month"),
            Column("revenue", "Revenue excl. VAT", "money"),
            Column("cogs", "Cost of goods sold", "money"),
            Column("margin", "Gross margin", "money"),
            Column("rate", "Margin rate", "percent"),
        ),
        margin_rows,
    )
    chart = Chart(
        "margin",
        "Revenue, cost of goods and gross margin per month",
        "bar",
        [m.month for m in kpis.months],
        [
            Series("Revenue", [m.revenue for m in kpis.months]),
            Series("Cost of goods sold", [m.cogs for m in kpis.months]),
            Series("Gross margin", [m.margin for m in kpis.months]),
        ],
        "EUR",
    )
    return ReportView(
        name=NAME,
        title="Key figures",
        subtitle=f"{kpis.start.isoformat()} to {kpis.end.isoformat()} ({kpis.days} days)",
        tables=[Table("kpi", "Key figures", columns, rows), fee_table, margin_table],
        charts=[chart],
        notes=["A figure is empty when what it divides by is zero over the period."],
        data=kpis,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Compute the period's key figures and lay them out."""
    return view(compute(books, request), request)
