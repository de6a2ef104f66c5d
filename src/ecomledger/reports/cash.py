"""``cash``: the cash position by day and the cash-flow statement of a period.

The position is every bank account, every processor's clearing balance and the money in
transit (see :mod:`ecomledger.treasury`), in the company's currency. The statement sorts
every change of that pool by category; opening cash plus the flows equals closing cash, and
any difference the conversion of foreign balances makes is shown as its own line, never
hidden in a category.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import convert

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.money import round_money
from ecomledger.periods import Period
from ecomledger.reports.balances import require_entries
from ecomledger.reports.model import (
    Chart,
    Column,
    ReportRequest,
    ReportView,
    Row,
    Series,
    Table,
)
from ecomledger.treasury import (
    CATEGORIES,
    ZERO,
    Categoriser,
    Converter,
    Flow,
    cash_flows,
    pool_kind,
)

NAME = "cash"
SUMMARY = "Cash by day across banks, processors and money in transit; the cash-flow statement"

KINDS = ("bank", "processor", "transit")


@dataclass
class Position:
    """The cash at the end of one day, per account and per kind, in the company's currency."""

    date: dt.date
    accounts: dict[str, Decimal]
    bank: Decimal
    processor: Decimal
    transit: Decimal
    total: Decimal


@dataclass
class CategoryLine:
    """One line of the cash-flow statement."""

    category: str
    inflow: Decimal
    outflow: Decimal
    net: Decimal


@dataclass
class CashReport:
    """The data of the ``cash`` report."""

    period: Period
    currency: str
    accounts: dict[str, str]
    opening: Position
    closing: Position
    positions: list[Position]
    statement: list[CategoryLine]
    exchange_difference: Decimal
    converted: list[str] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)


def compute(books: Books, period: Period, overrides: dict[str, str] | None = None) -> CashReport:
    """Compute the cash position of every day of ``period`` and its cash-flow statement."""
    require_entries(books, period)  # like every report: a period without entries is refused
    convert_to = Converter(books)
    kinds: dict[str, str] = {}
    raw: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_day: dict[dt.date, list[tuple[str, str, Decimal]]] = defaultdict(list)
    in_period = []
    for txn in books.transactions():
        if txn.date > period.end:
            break
        if txn.date >= period.start:
            in_period.append(txn)
        for posting in txn.postings:
            kind = pool_kind(books, posting.account)
            if kind is None:
                continue
            kinds[posting.account] = kind
            weight = convert.get_weight(posting)
            if txn.date < period.start:
                raw[posting.account, weight.currency] += weight.number
            else:
                by_day[txn.date].append((posting.account, weight.currency, weight.number))
    if not kinds:
        raise UserError(
            "the books hold no bank, processor or transit account; import a bank statement "
            "first (ecomledger import)"
        )
    opening = _position(period.start - dt.timedelta(days=1), raw, kinds, convert_to)
    positions = []
    day = period.start
    span = books.date_range()
    last = min(period.end, span.end) if span is not None else period.end
    while day <= last:  # no days after the books' last entry: they would show a flat guess
        for account, currency, number in by_day.get(day, ()):
            raw[account, currency] += number
        positions.append(_position(day, raw, kinds, convert_to))
        day += dt.timedelta(days=1)
    closing = positions[-1]
    flows = cash_flows(books, in_period, convert_to, Categoriser(books, overrides))
    statement = _statement(flows)
    net = sum((line.net for line in statement), ZERO)
    return CashReport(
        period=period,
        currency=books.currency,
        accounts=dict(sorted(kinds.items(), key=lambda item: (KINDS.index(item[1]), item[0]))),
        opening=opening,
        closing=closing,
        positions=positions,
        statement=statement,
        exchange_difference=closing.total - opening.total - net,
        converted=sorted(convert_to.converted),
        flows=flows,
    )


def _position(
    day: dt.date,
    raw: dict[tuple[str, str], Decimal],
    kinds: dict[str, str],
    convert_to: Converter,
) -> Position:
    accounts: dict[str, Decimal] = defaultdict(Decimal)
    for (account, currency), number in raw.items():
        accounts[account] += convert_to(number, currency, day)
    rounded = {a: round_money(v, convert_to.currency) for a, v in accounts.items()}
    per_kind = dict.fromkeys(KINDS, ZERO)
    for account, value in rounded.items():
        per_kind[kinds[account]] += value
    return Position(
        day,
        rounded,
        per_kind["bank"],
        per_kind["processor"],
        per_kind["transit"],
        sum(per_kind.values(), ZERO),
    )


def _statement(flows: list[Flow]) -> list[CategoryLine]:
    inflow: dict[str, Decimal] = defaultdict(Decimal)
    outflow: dict[str, Decimal] = defaultdict(Decimal)
    for flow in flows:
        if flow.amount > 0:
            inflow[flow.category] += flow.amount
        else:
            outflow[flow.category] += flow.amount
    return [
        CategoryLine(c, inflow[c], outflow[c], inflow[c] + outflow[c])
        for c in CATEGORIES
        if inflow[c] or outflow[c]
    ]


def build(books: Books, request: ReportRequest) -> ReportView:
    """The ``cash`` report as tables and charts."""
    overrides = treasury_categories(books)
    report = compute(books, request.period, overrides)
    return view(report, books.config.company.name, request.detail)


def treasury_categories(books: Books) -> dict[str, str]:
    """Return the category overrides of ecomledger.toml's ``[treasury.categories]``, if any."""
    treasury = getattr(books.config, "treasury", None)
    return dict(getattr(treasury, "categories", {}) or {})


def view(report: CashReport, company: str, detail: bool = False) -> ReportView:
    """Turn the report's data into tables and charts."""
    cur = report.currency
    tables = [
        Table(
            "statement",
            f"Cash-flow statement ({cur})",
            (
                Column("category", "Category"),
                Column("inflow", "In", "money"),
                Column("outflow", "Out", "money"),
                Column("net", "Net", "money"),
            ),
            [Row(("Opening cash", None, None, report.opening.total), "subtotal")]
            + [Row((s.category, s.inflow, s.outflow, s.net)) for s in report.statement]
            + (
                [Row(("exchange differences", None, None, report.exchange_difference))]
                if report.exchange_difference
                else []
            )
            + [Row(("Closing cash", None, None, report.closing.total), "total")],
        ),
        Table(
            "accounts",
            f"Cash by account ({cur})",
            (
                Column("account", "Account"),
                Column("kind", "Kind"),
                Column("opening", "Opening", "money"),
                Column("closing", "Closing", "money"),
            ),
            [
                Row(
                    (
                        account,
                        kind,
                        report.opening.accounts.get(account, ZERO),
                        report.closing.accounts.get(account, ZERO),
                    )
                )
                for account, kind in report.accounts.items()
            ]
            + [Row(("Total", "", report.opening.total, report.closing.total), "total")],
        ),
        Table(
            "position",
            f"Cash position by day ({cur})",
            (
                Column("date", "Date", "date"),
                Column("bank", "Banks", "money"),
                Column("processor", "Processors", "money"),
                Column("transit", "In transit", "money"),
                Column("total", "Total", "money"),
            ),
            [Row((p.date, p.bank, p.processor, p.transit, p.total)) for p in report.positions],
        ),
    ]
    if detail:
        tables.append(
            Table(
                "flows",
                "Cash flows behind the statement",
                (
                    Column("date", "Date", "date"),
                    Column("category", "Category"),
                    Column("payee", "Payee"),
                    Column("narration", "Narration"),
                    Column("amount", "Amount", "money"),
                    Column("where", "Entry"),
                ),
                [
                    Row(
                        (
                            f.date,
                            f.category,
                            f.payee,
                            f.narration,
                            f.amount,
                            f"{f.filename}:{f.lineno}",
                        )
                    )
                    for f in report.flows
                ],
            )
        )
    labels = [p.date.isoformat() for p in report.positions]
    charts = [
        Chart(
            "position",
            "Cash position",
            "line",
            labels,
            [
                Series("Total", [p.total for p in report.positions]),
                Series("Banks", [p.bank for p in report.positions]),
            ],
            cur,
        ),
        Chart(
            "flows",
            "Cash flows by category",
            "bar",
            [s.category for s in report.statement],
            [Series("Net", [s.net for s in report.statement])],
            cur,
        ),
    ]
    notes = []
    if report.converted:
        notes.append(
            f"Balances in {', '.join(report.converted)} are converted to {cur} at the "
            "books' prices of each day."
        )
    return ReportView(
        name=NAME,
        title="Cash position and cash flows",
        subtitle=f"{company} · {report.period}",
        tables=tables,
        charts=charts,
        notes=notes,
        data=report,
    )
