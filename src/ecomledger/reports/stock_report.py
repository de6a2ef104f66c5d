"""Stock at a date: quantity and value per SKU, slow movers and turnover.

Why through :mod:`ecomledger.stock`'s engine (as ``stock_valuation``): the inventory
plugin books the cost of goods with the same engine, so the value here is the value of
``Assets:Stock`` in the books (under CUMP, Beancount's lots are not per-SKU figures; the
engine's are). The method is the one the books declare on their
``plugin "ecomledger.plugins.inventory"`` line (FIFO unless it says CUMP, with its per-SKU
overrides).

The stock is taken at the end of the period. Slow movers are SKUs still in stock with no
sale in the last ``slow_days`` days (90 unless the option says otherwise). Turnover is the
period's cost of goods sold of the SKU (the plugin's ``Expenses:StockVariation`` entries
for it) over its average stock value (opening and closing): how many times the stock
turned; days of stock is the period's length over the turnover.
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
from ecomledger.stock import (
    COGS_ACCOUNT,
    FIFO,
    SALES_PREFIX,
    STOCK_ACCOUNT,
    StockEngine,
    stocked_skus,
)

NAME = "stock"
SUMMARY = "Stock per SKU at the period end (FIFO or CUMP as the books say), slow movers, turnover"
OPTIONS = {"slow_days": "a SKU in stock with no sale in this many days is slow (default 90)"}

INVENTORY_PLUGIN = "ecomledger.plugins.inventory"
DEFAULT_SLOW_DAYS = 90


@dataclass
class SkuStock:
    """One SKU: its stock at the period end and how it moved during the period."""

    sku: str
    description: str
    qty: Decimal
    value: Decimal
    opening_value: Decimal
    sold_qty: Decimal
    cogs: Decimal
    last_sale: dt.date | None
    unit_cost: Decimal | None = None
    turnover: Decimal | None = None

    def settle(self) -> SkuStock:
        """Compute the unit cost in stock and the turnover: cost of goods sold over the
        average of opening and closing stock value (how many times the stock turned)."""
        if self.qty:
            self.unit_cost = (self.value / self.qty).quantize(Decimal("0.0001"))
        self.turnover = fig.ratio(fig.share(self.cogs, (self.opening_value + self.value) / 2))
        return self


@dataclass
class StockReport:
    """The stock of every SKU at ``date`` and the period's movements."""

    date: dt.date
    start: dt.date
    method: str
    overrides: dict[str, str]
    skus: list[SkuStock]
    slow_days: int
    slow: list[SkuStock] = field(default_factory=list)
    value: Decimal = ZERO
    account_value: Decimal = ZERO


def inventory_method(books: Books) -> tuple[str, dict[str, str]]:
    """Return the stock method and per-SKU overrides the books' plugin line declares."""
    from ecomledger.plugins.inventory import read_settings

    plugins = books.options.get("plugin") or []
    for name, config in plugins:  # type: ignore[attr-defined]
        if name == INVENTORY_PLUGIN:
            method, overrides, _ = read_settings(config)
            return method, overrides
    return FIFO, {}


Valuation = dict[str, tuple[Decimal, Decimal]]


def valuations(books: Books, days: list[dt.date]) -> list[Valuation]:
    """Stock per SKU at the end of each of ``days`` by the books' method, in one walk.

    Same engine and same walk as :func:`ecomledger.stock.stock_valuation` (which walks the
    books once per date); the opening and closing stock of a report share one walk.
    """
    method, overrides = inventory_method(books)
    engine = StockEngine(method, overrides, stocked_skus(books.entries))
    pending = sorted(set(days))
    found: dict[dt.date, Valuation] = {}

    def snapshot() -> Valuation:
        return {sku: book.valuation() for sku, book in sorted(engine.books.items())}

    for entry in books.entries:
        while pending and entry.date > pending[0]:
            found[pending.pop(0)] = snapshot()
        if not pending:
            break
        if isinstance(entry, data.Transaction):
            engine.visit(entry)
    for day in pending:
        found[day] = snapshot()
    return [found[day] for day in days]


def valuation(books: Books, day: dt.date) -> Valuation:
    """Stock per SKU at the end of ``day`` by the books' method: ``{sku: (qty, value)}``."""
    return valuations(books, [day])[0]


def _at_cost(posting: data.Posting) -> Decimal:
    """A stock posting's value at cost (units x cost), zero without a cost."""
    cost = posting.cost
    if isinstance(cost, data.Cost) and cost.number is not None:
        return fig.amount(posting) * cost.number
    return ZERO


def compute(books: Books, request: ReportRequest) -> StockReport:
    """Value the stock at the period end and measure each SKU's movement in the period."""
    slow_days = fig.require_positive_int(request.options, "slow_days", DEFAULT_SLOW_DAYS)
    period = request.period
    method, overrides = inventory_method(books)
    opening, closing = valuations(books, [period.start - dt.timedelta(days=1), period.end])
    last_sale: dict[str, dt.date] = {}
    descriptions: dict[str, str] = {}
    sold: dict[str, Decimal] = {}
    cogs: dict[str, Decimal] = {}
    account_value = ZERO
    for txn in books.transactions():
        if txn.date > period.end:
            break
        in_period = txn.date >= period.start
        sku_of_entry = (txn.meta or {}).get("sku")
        for posting in txn.postings:
            meta = posting.meta
            if posting.account == STOCK_ACCOUNT:
                account_value += _at_cost(posting)
            elif meta is None:
                continue
            elif posting.account.startswith(SALES_PREFIX) and "sku" in meta:
                sku = str(meta["sku"])
                qty = meta.get("qty")
                if isinstance(qty, Decimal | int) and qty > 0:
                    last_sale[sku] = txn.date
                    if in_period:
                        sold[sku] = sold.get(sku, ZERO) + Decimal(qty)
                if "description" in meta:
                    descriptions[sku] = str(meta["description"])
            elif in_period and posting.account == COGS_ACCOUNT and sku_of_entry is not None:
                sku = str(sku_of_entry)
                cogs[sku] = cogs.get(sku, ZERO) + fig.amount(posting)
    skus = []
    for sku in sorted(set(closing) | set(opening)):
        qty, value = closing.get(sku, (ZERO, ZERO))
        skus.append(
            SkuStock(
                sku,
                descriptions.get(sku, ""),
                qty,
                value,
                opening.get(sku, (ZERO, ZERO))[1],
                sold.get(sku, ZERO),
                cogs.get(sku, ZERO),
                last_sale.get(sku),
            ).settle()
        )
    limit = period.end - dt.timedelta(days=slow_days)
    slow = [s for s in skus if s.qty > ZERO and (s.last_sale is None or s.last_sale <= limit)]
    report = StockReport(period.end, period.start, method, dict(overrides), skus, slow_days, slow)
    report.value = sum((s.value for s in skus), ZERO)
    report.account_value = account_value
    return report


COLUMNS = (
    Column("sku", "SKU"),
    Column("description", "Description"),
    Column("qty", "Quantity", "number"),
    Column("unit_cost", "Unit cost", "money"),
    Column("value", "Value at cost", "money"),
    Column("sold", "Sold in period", "number"),
    Column("cogs", "Cost of goods sold", "money"),
    Column("turnover", "Turnover", "number"),
    Column("last_sale", "Last sale", "date"),
)


def _cells(item: SkuStock) -> tuple[object, ...]:
    unit = item.unit_cost
    return (
        item.sku,
        item.description,
        item.qty,
        fig.round_money(unit) if unit is not None else None,
        fig.round_money(item.value),
        item.sold_qty,
        item.cogs,
        item.turnover.quantize(Decimal("0.01")) if item.turnover is not None else None,
        item.last_sale,
    )


def view(report: StockReport, request: ReportRequest) -> ReportView:
    """Stock per SKU with its total, slow movers apart, and the stock value chart."""
    del request
    rows = [Row(_cells(item)) for item in report.skus]
    total_cogs = sum((s.cogs for s in report.skus), ZERO)
    rows.append(
        Row(
            (
                "Total",
                None,
                sum((s.qty for s in report.skus), ZERO),
                None,
                fig.round_money(report.value),
                sum((s.sold_qty for s in report.skus), ZERO),
                total_cogs,
                None,
                None,
            ),
            "total",
        )
    )
    slow_rows = [
        Row(
            (
                s.sku,
                s.description,
                s.qty,
                fig.round_money(s.value),
                s.last_sale,
                (report.date - s.last_sale).days if s.last_sale else None,
            )
        )
        for s in report.slow
    ]
    slow = Table(
        "slow",
        f"Slow movers: in stock, no sale in {report.slow_days} days",
        (
            Column("sku", "SKU"),
            Column("description", "Description"),
            Column("qty", "Quantity", "number"),
            Column("value", "Value at cost", "money"),
            Column("last_sale", "Last sale", "date"),
            Column("days", "Days since", "int"),
        ),
        slow_rows,
    )
    in_stock = [s for s in report.skus if s.value]
    chart = Chart(
        "stock_value",
        "Stock value per SKU at cost",
        "bar",
        [s.sku for s in in_stock],
        [Series("Value", [fig.round_money(s.value) for s in in_stock])],
        "EUR",
    )
    method = report.method + (
        f" (per SKU: {', '.join(f'{k} {v}' for k, v in sorted(report.overrides.items()))})"
        if report.overrides
        else ""
    )
    notes = [
        f"Valued by {method}, as the books' inventory plugin line says.",
        "Turnover: the period's cost of goods sold over the average of opening and closing "
        "stock value.",
    ]
    difference = fig.round_money(report.account_value) - fig.round_money(report.value)
    if method == FIFO and difference:
        notes.append(
            f"Assets:Stock holds {fig.round_money(report.account_value)} at cost, "
            f"{difference} more than the SKUs above: check the stock postings."
        )
    return ReportView(
        name=NAME,
        title=f"Stock at {report.date.isoformat()}",
        subtitle=f"Movements from {report.start.isoformat()} to {report.date.isoformat()}",
        tables=[Table("stock", "Stock per SKU", COLUMNS, rows), slow],
        charts=[chart] if in_stock else [],
        notes=notes,
        data=report,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Value the stock at the end of the requested period and lay it out."""
    return view(compute(books, request), request)
