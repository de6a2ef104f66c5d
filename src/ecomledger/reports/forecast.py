"""``forecast``: the bank's cash week by week over the coming weeks, in three scenarios.

What the forecast counts, each from the books unless the merchant plans it:

- **payouts already due**: each processor's clearing balance and the money in transit at the
  forecast date, paid to the bank after the processor's usual delay;
- **sales to come**: the weekly average of the last eight weeks' bank inflows from payouts
  and customers' transfers (net of refunds), times the scenario's factor;
- **VAT**: each month's VAT (collected and self-assessed, less deductible) paid on the 24th
  of the next month (the CA3's latest due date), OSS VAT at the end of the month after the
  quarter; the months still running are estimated from the sales to come at the VAT
  share the last months had;
- **recurring outflows**: same payee, regular interval (weekly to yearly), similar amount,
  at least three times in the books;
- **planned items** of ``forecast.toml`` (see :mod:`ecomledger.forecast_plan`).

Alerts: the cash falling below the plan's floor within the horizon (with the date), and a
category whose actual flows departed from the last saved forecast by more than the plan's
share. Saved forecasts live in ``reports/forecast/``; the books are never written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from beancount.core import convert

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.forecast_plan import Plan, load_plan
from ecomledger.money import round_money
from ecomledger.periods import Period, month_end
from ecomledger.reports.cash import treasury_categories
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table
from ecomledger.treasury import ZERO, Categoriser, Converter, Flow, cash_flows, pool_kind

NAME = "forecast"
SUMMARY = "The bank's cash week by week ahead: payouts due, sales, VAT, recurring and planned"
OPTIONS = {
    "weeks": "weeks ahead (default 13)",
    "scenario": "low, base or high (default base)",
    "as_of": "the forecast date, YYYY-MM-DD (default: the books' last entry)",
}

SCENARIOS = ("low", "base", "high")
LEARNING_WEEKS = 8
#: Days from a processor's balance to the bank, by processor kind (their usual schedules).
PAYOUT_DELAY = {
    "shopify_payments": 3,
    "stripe": 7,
    "paypal": 1,
    "sumup": 2,
    "amazon": 14,
    "ebay": 2,
}
DEFAULT_DELAY = 7
VAT_DUE_DAY = 24
SALES = ("payouts", "sales receipts", "refunds")
SAVED = Path("reports") / "forecast"


@dataclass
class Event:
    """One expected movement of the bank's cash."""

    date: dt.date
    category: str
    amount: Decimal
    label: str
    source: str  # due, learned, vat, recurring, planned
    scales: bool = False  # a sale: multiplied by the scenario's factor


@dataclass
class Recurring:
    """An outflow found repeating in the books."""

    payee: str
    category: str
    interval_days: int
    amount: Decimal
    occurrences: int
    last: dt.date
    next_dates: list[dt.date]


@dataclass
class Week:
    """One week of the forecast in the chosen scenario, with the closings of all three."""

    start: dt.date
    end: dt.date
    opening: Decimal
    inflow: Decimal
    outflow: Decimal
    closing: Decimal
    by_category: dict[str, Decimal]
    closings: dict[str, Decimal]


@dataclass
class Alert:
    """Something that needs the merchant's attention before it happens."""

    kind: str  # floor, variance
    date: dt.date
    message: str


@dataclass
class Variance:
    """A category's actual flows in an elapsed week against the saved plan and last year."""

    week_start: dt.date
    category: str
    planned: Decimal
    actual: Decimal
    last_year: Decimal


@dataclass
class Forecast:
    """The data of the ``forecast`` report."""

    as_of: dt.date
    currency: str
    scenario: str
    opening: Decimal
    weeks: list[Week]
    events: list[Event]
    recurring: list[Recurring]
    weekly_sales: dict[str, Decimal]
    floor: Decimal | None
    alerts: list[Alert] = field(default_factory=list)
    variance: list[Variance] = field(default_factory=list)
    saved_from: str = ""


def compute(
    books: Books,
    plan: Plan,
    weeks: int = 13,
    scenario: str = "base",
    as_of: dt.date | None = None,
) -> Forecast:
    """Forecast the bank's cash over ``weeks`` weeks after ``as_of``."""
    span = books.date_range()
    if span is None:
        raise UserError("the books hold no transaction yet; import orders or a statement first")
    as_of = as_of or span.end
    convert_to = Converter(books)
    categorise = Categoriser(books, treasury_categories(books))
    history = [t for t in books.transactions() if t.date <= as_of]
    bank_flows = cash_flows(books, history, convert_to, categorise, kinds=("bank",))
    balances = _balances(books, history, convert_to, as_of)
    opening = sum((v for (kind, _), v in balances.items() if kind == "bank"), ZERO)
    horizon = Period(as_of + dt.timedelta(days=1), as_of + dt.timedelta(days=7 * weeks))
    weekly = _weekly_sales(bank_flows, as_of)
    recurring = find_recurring(bank_flows, horizon)
    events = (
        _payouts_due(books, balances, as_of)
        + _learned_sales(weekly, horizon, books, as_of)
        + _vat_due(books, history, bank_flows, weekly, as_of, horizon, convert_to)
        + [
            Event(day, r.category, r.amount, r.payee, "recurring")
            for r in recurring
            for day in r.next_dates
        ]
        + [
            Event(p.date, p.category, p.amount, p.label or p.category, "planned")
            for p in plan.planned
            if p.date in horizon
        ]
    )
    events.sort(key=lambda e: (e.date, e.category, e.label))
    factors = {"low": plan.scenarios.low, "base": plan.scenarios.base, "high": plan.scenarios.high}
    if scenario not in factors:
        raise UserError(f"--scenario {scenario!r} is not a scenario; use low, base or high")
    table = _weeks(events, opening, horizon.start, weeks, factors, scenario)
    result = Forecast(
        as_of=as_of,
        currency=books.currency,
        scenario=scenario,
        opening=opening,
        weeks=table,
        events=events,
        recurring=recurring,
        weekly_sales=weekly,
        floor=plan.floor,
    )
    if plan.floor is not None:
        result.alerts += _floor_alerts(
            events, opening, plan.floor, factors[scenario], horizon.start, books
        )
    saved = last_saved(books.path, as_of)
    if saved is not None:
        result.saved_from = saved[0]
        result.variance = _variance(saved[1], bank_flows, as_of)
        result.alerts += _variance_alerts(result.variance, plan.variance_alert, books.currency)
    return result


def _balances(
    books: Books, history: list, convert_to: Converter, as_of: dt.date
) -> dict[tuple[str, str], Decimal]:
    """Return each cash account's balance at the end of ``as_of``, keyed (kind, account)."""
    raw: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for txn in history:
        for posting in txn.postings:
            kind = pool_kind(books, posting.account)
            if kind:
                weight = convert.get_weight(posting)
                raw[kind, posting.account, weight.currency] += weight.number
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (kind, account, currency), number in raw.items():
        out[kind, account] += round_money(convert_to(number, currency, as_of))
    return dict(out)


def _payouts_due(
    books: Books, balances: dict[tuple[str, str], Decimal], as_of: dt.date
) -> list[Event]:
    """The processors' balances and the money in transit, due at the bank after their delay."""
    kinds = {p.account: p.kind for p in books.config.processors}
    events = []
    for (kind, account), value in sorted(balances.items()):
        if kind == "bank" or not value:
            continue
        delay = 1 if kind == "transit" else PAYOUT_DELAY.get(kinds.get(account, ""), DEFAULT_DELAY)
        label = "money in transit" if kind == "transit" else f"payout of {account}"
        events.append(Event(as_of + dt.timedelta(days=delay), "payouts", value, label, "due"))
    return events


def _weekly_sales(flows: list[Flow], as_of: dt.date) -> dict[str, Decimal]:
    """The average weekly bank inflow of each sales category over the learning window."""
    first = as_of - dt.timedelta(days=7 * LEARNING_WEEKS - 1)
    seen = [f for f in flows if f.category in SALES and f.date >= first]
    if not seen:
        return {}
    days = (as_of - max(first, min(f.date for f in flows))).days + 1
    weeks = Decimal(max(days, 7)) / 7
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for flow in seen:
        totals[flow.category] += flow.amount
    return {k: round_money(v / weeks) for k, v in totals.items() if v}


def _learned_sales(
    weekly: dict[str, Decimal], horizon: Period, books: Books, as_of: dt.date
) -> list[Event]:
    """Sales to come: each week's learned average on its last day.

    The first week is cut by the shortest payout delay: what was sold in its first days is
    already counted in the balances due.
    """
    delays = [PAYOUT_DELAY.get(p.kind, DEFAULT_DELAY) for p in books.config.processors]
    delay = min(delays or [0])
    events = []
    day = horizon.start + dt.timedelta(days=6)
    first = True
    while day <= horizon.end:
        share = Decimal(max(0, 7 - delay)) / 7 if first else Decimal(1)
        for category, amount in sorted(weekly.items()):
            if amount and share:
                value = round_money(amount * share)
                events.append(Event(day, category, value, f"{category} (learned)", "learned", True))
        first = False
        day += dt.timedelta(days=7)
    return events


def _month_key(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _vat_due(
    books: Books,
    history: list,
    bank_flows: list[Flow],
    weekly: dict[str, Decimal],
    as_of: dt.date,
    horizon: Period,
    convert_to: Converter,
) -> list[Event]:
    """Each month's VAT, due on the 24th of the next month (OSS: after the quarter)."""
    domestic: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    oss: dict[tuple[int, int], Decimal] = defaultdict(Decimal)  # keyed by quarter's last month
    for txn in history:
        for posting in txn.postings:
            account = posting.account
            if not account.startswith(("Liabilities:VAT:", "Assets:VAT:Deductible")):
                continue
            if account.startswith("Liabilities:VAT:Payable"):
                continue
            weight = convert.get_weight(posting)
            value = -convert_to(weight.number, weight.currency, txn.date)
            parts = account.split(":")
            if len(parts) >= 4 and parts[2] == "Collected" and parts[3] != "FR":
                quarter_end = 3 * ((txn.date.month - 1) // 3 + 1)
                oss[txn.date.year, quarter_end] += value
            else:
                domestic[_month_key(txn.date)] += value
    paid_months = {
        _month_key(f.date) for f in bank_flows if f.category == "VAT paid" and f.amount < 0
    }
    events = []
    running = _month_key(as_of)
    for (year, month), due in sorted(domestic.items()):
        if (year, month) >= running:  # not ended: estimated below with the sales to come
            continue
        pay_year, pay_month = _next_month(year, month)
        pay_day = dt.date(pay_year, pay_month, VAT_DUE_DAY)
        if due > 0 and pay_day in horizon and (pay_year, pay_month) not in paid_months:
            label = f"VAT {year}-{month:02d} (CA3)"
            events.append(Event(pay_day, "VAT paid", -round_money(due), label, "vat"))
    for (year, last_month), due in sorted(oss.items()):
        pay_year, pay_month = _next_month(year, last_month)
        pay_day = month_end(pay_year, pay_month)
        if due > 0 and pay_day in horizon:
            label = f"OSS VAT {year}-Q{last_month // 3}"
            events.append(Event(pay_day, "VAT paid", -round_money(due), label, "vat"))
    events += _vat_estimated(domestic, bank_flows, weekly, as_of, horizon)
    return events


def _vat_estimated(
    domestic: dict[tuple[int, int], Decimal],
    bank_flows: list[Flow],
    weekly: dict[str, Decimal],
    as_of: dt.date,
    horizon: Period,
) -> list[Event]:
    """VAT of the months not yet ended: what the books already hold of the running month,
    plus the sales to come at the VAT share of the last months (scaled by the scenario)."""
    sales_in: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for flow in bank_flows:
        if flow.category in SALES:
            sales_in[_month_key(flow.date)] += flow.amount
    past = [m for m in domestic if m < _month_key(as_of)][-3:]
    vat = sum((domestic[m] for m in past), ZERO)
    sales = sum((sales_in.get(m, ZERO) for m in past), ZERO)
    weekly_sales = sum(weekly.values(), ZERO)
    # No share to learn (no sales, or months in credit): only the VAT already booked is due.
    share = vat / sales if vat > 0 and sales > 0 else ZERO
    events = []
    running = month = _month_key(as_of)
    while True:
        pay_year, pay_month = _next_month(*month)
        pay_day = dt.date(pay_year, pay_month, VAT_DUE_DAY)
        if pay_day > horizon.end:
            break
        name = f"VAT {month[0]}-{month[1]:02d} (CA3"
        booked = domestic.get(month, ZERO) if month == running else ZERO
        if booked > 0 and pay_day in horizon:
            events.append(
                Event(pay_day, "VAT paid", -round_money(booked), f"{name}, to date)", "vat")
            )
        first = max(dt.date(month[0], month[1], 1), as_of + dt.timedelta(days=1))
        days = (month_end(*month) - first).days + 1
        estimate = round_money(weekly_sales * share * days / 7)
        if estimate > 0 and pay_day in horizon:
            events.append(Event(pay_day, "VAT paid", -estimate, f"{name}, estimated)", "vat", True))
        month = (pay_year, pay_month)
    return events


_DIGITS = re.compile(r"[\d#/\-_.]+")
_SPACES = re.compile(r"\s+")
#: (nominal interval in days, tolerance in days) of the schedules recognised.
_SCHEDULES = ((7, 1), (14, 2), (30, 4), (91, 7), (365, 10))


def _payee_key(flow: Flow) -> str:
    text = flow.payee or flow.narration
    return _SPACES.sub(" ", _DIGITS.sub(" ", text.lower())).strip()


def find_recurring(flows: list[Flow], horizon: Period, minimum: int = 3) -> list[Recurring]:
    """Outflows with the same payee at a regular interval and a similar amount.

    Regular: the latest run of at least ``minimum`` payments whose gaps all fit one
    schedule's tolerance (weekly to yearly), so a subscription that paused or changed day
    once is still found from its latest run; similar: every amount of the run within 20 %
    of its median. The next dates follow the last one by the interval (monthly ones on the
    same day of the month). A run that stopped (its next date long past) is not projected.
    """
    groups: dict[str, list[Flow]] = defaultdict(list)
    for flow in flows:
        if flow.amount < 0 and flow.category not in SALES and flow.category != "VAT paid":
            groups[_payee_key(flow)].append(flow)
    found = []
    for key, items in sorted(groups.items()):
        if not key or len(items) < minimum:
            continue
        items.sort(key=lambda f: f.date)
        match = _latest_run(items, minimum)
        if match is None:
            continue
        run, schedule = match
        median = Decimal(statistics.median([f.amount for f in run]))
        last = run[-1].date
        if _advance(last, schedule) + dt.timedelta(days=schedule // 2) < horizon.start:
            continue  # stopped: it should have come again by now
        next_dates = []
        month_ends = schedule in (30, 91, 365) and all(
            f.date == month_end(f.date.year, f.date.month) for f in run
        )
        step = 1
        day = _advance(last, schedule, 1, month_ends)
        while day <= horizon.end:
            if day >= horizon.start:
                next_dates.append(day)
            step += 1
            day = _advance(last, schedule, step, month_ends)  # from the anchor: 30/1, 28/2, 30/3
        found.append(
            Recurring(
                payee=run[-1].payee or run[-1].narration,
                category=run[-1].category,
                interval_days=schedule,
                amount=round_money(median),
                occurrences=len(run),
                last=last,
                next_dates=next_dates,
            )
        )
    return found


def _latest_run(items: list[Flow], minimum: int) -> tuple[list[Flow], int] | None:
    """The longest run ending with the latest payment that keeps one schedule and amount."""
    best: tuple[list[Flow], int] | None = None
    for days, slack in _SCHEDULES:
        start = len(items) - 1
        while start > 0 and abs((items[start].date - items[start - 1].date).days - days) <= slack:
            start -= 1
        run = items[start:]
        median = Decimal(statistics.median([f.amount for f in run]))
        while run and any(abs(f.amount - median) > abs(median) / 5 for f in run):
            run = run[1:]
            median = Decimal(statistics.median([f.amount for f in run])) if run else median
        if len(run) >= minimum and (best is None or len(run) > len(best[0])):
            best = (run, days)
    return best


def _advance(day: dt.date, days: int, times: int = 1, on_month_end: bool = False) -> dt.date:
    """``day`` plus ``times`` intervals; monthly, quarterly and yearly ones by calendar,
    on the month's last day when the charge always fell on it (a bank's subscription)."""
    if days not in (30, 91, 365):
        return day + dt.timedelta(days=days * times)
    months = {30: 1, 91: 3, 365: 12}[days] * times
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = month_end(year, month)
    return last if on_month_end else dt.date(year, month, min(day.day, last.day))


def _weeks(
    events: list[Event],
    opening: Decimal,
    start: dt.date,
    count: int,
    factors: dict[str, Decimal],
    scenario: str,
) -> list[Week]:
    closings = dict.fromkeys(SCENARIOS, opening)
    weeks = []
    for n in range(count):
        first = start + dt.timedelta(days=7 * n)
        last = first + dt.timedelta(days=6)
        inside = [e for e in events if first <= e.date <= last]
        by_category: dict[str, Decimal] = defaultdict(Decimal)
        week_opening = closings[scenario]
        for name in SCENARIOS:
            for event in inside:
                closings[name] += _scaled(event, factors[name])
        for event in inside:
            by_category[event.category] += _scaled(event, factors[scenario])
        inflow = sum((v for v in by_category.values() if v > 0), ZERO)
        outflow = sum((v for v in by_category.values() if v < 0), ZERO)
        weeks.append(
            Week(first, last, week_opening, inflow, outflow, closings[scenario],
                 dict(by_category), dict(closings))
        )  # fmt: skip
    return weeks


def _scaled(event: Event, factor: Decimal) -> Decimal:
    return round_money(event.amount * factor) if event.scales else event.amount


def _floor_alerts(
    events: list[Event],
    opening: Decimal,
    floor: Decimal,
    factor: Decimal,
    start: dt.date,
    books: Books,
) -> list[Alert]:
    """The first day the cash falls below the floor, if it does within the horizon.

    Cash already below the floor is an alert on the horizon's first day.
    """
    cash = opening
    if cash < floor:
        return [Alert("floor", start, _below(cash, floor, books))]
    for event in events:
        cash += _scaled(event, factor)
        if cash < floor:
            return [Alert("floor", event.date, _below(cash, floor, books) + f" ({event.label})")]
    return []


def _below(cash: Decimal, floor: Decimal, books: Books) -> str:
    cur = books.currency
    return f"cash falls to {cash} {cur}, below the floor of {floor} {cur}"


def to_json(forecast: Forecast) -> str:
    """The forecast as JSON (Decimal as strings, dates ISO), as saved for later variance."""
    return json.dumps(asdict(forecast), default=str, indent=2, sort_keys=True)


def save(forecast: Forecast, books: Path) -> Path:
    """Write the forecast under reports/forecast/, named after its date (never the books)."""
    folder = books / SAVED
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"forecast-{forecast.as_of.isoformat()}.json"
    path.write_text(to_json(forecast) + "\n", encoding="utf-8")
    return path


def last_saved(books: Path, as_of: dt.date) -> tuple[str, dict] | None:
    """The latest saved forecast made before ``as_of``, as (file name, its JSON)."""
    folder = books / SAVED
    if not folder.is_dir():
        return None
    candidates = sorted(p for p in folder.glob("forecast-*.json") if p.stem[9:] < as_of.isoformat())
    if not candidates:
        return None
    path = candidates[-1]
    try:
        return path.name, json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError(f"{path}: not a saved forecast (bad JSON); delete it") from None


def _variance(saved: dict, flows: list[Flow], as_of: dt.date) -> list[Variance]:
    """Each elapsed week of a saved forecast: planned, actual and a year earlier, by category."""
    lines = []
    for week in saved.get("weeks", []):
        start = dt.date.fromisoformat(week["start"])
        end = dt.date.fromisoformat(week["end"])
        if end > as_of:
            continue
        actual = _by_category(flows, start, end)
        last_year = _by_category(
            flows, start - dt.timedelta(days=364), end - dt.timedelta(days=364)
        )
        planned = {k: Decimal(v) for k, v in week.get("by_category", {}).items()}
        for category in sorted(set(planned) | set(actual)):
            lines.append(
                Variance(
                    start,
                    category,
                    planned.get(category, ZERO),
                    actual.get(category, ZERO),
                    last_year.get(category, ZERO),
                )
            )
    return lines


def _by_category(flows: list[Flow], start: dt.date, end: dt.date) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for flow in flows:
        if start <= flow.date <= end:
            out[flow.category] += flow.amount
    return dict(out)


def _variance_alerts(lines: list[Variance], share: Decimal, currency: str) -> list[Alert]:
    alerts = []
    for line in lines:
        gap = line.actual - line.planned
        limit = abs(line.planned) * share
        if line.planned and abs(gap) > limit:
            alerts.append(
                Alert(
                    "variance",
                    line.week_start,
                    f"{line.category} in the week of {line.week_start}: {line.actual} "
                    f"{currency} against {line.planned} {currency} planned "
                    f"({gap:+} {currency}, more than {share:.0%} off)",
                )
            )
    return alerts


def build(books: Books, request: ReportRequest) -> ReportView:
    """The ``forecast`` report as tables and charts (options: weeks, scenario, as_of)."""
    options = request.options
    weeks = _int_option(options.get("weeks", "13"), "weeks")
    scenario = options.get("scenario", "base")
    as_of = None
    if options.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(options["as_of"])
        except ValueError:
            raise UserError(
                f"as_of {options['as_of']!r} is not a date; write it YYYY-MM-DD"
            ) from None
    plan = load_plan(books.path, books.currency)
    forecast = compute(books, plan, weeks, scenario, as_of)
    return view(forecast, books.config.company.name, request.detail)


def _int_option(text: str, name: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 104:
        raise UserError(f"--{name} {text!r} is not a number of weeks; give 1 to 104")
    return int(text)


def view(forecast: Forecast, company: str, detail: bool = False) -> ReportView:
    """Turn the forecast into tables and charts."""
    cur = forecast.currency
    week_rows = [
        Row(
            (
                w.start,
                w.end,
                w.opening,
                w.inflow,
                w.outflow,
                w.closing,
                w.closings["low"],
                w.closings["high"],
            ),
            "total" if forecast.floor is not None and w.closing < forecast.floor else "",
        )
        for w in forecast.weeks
    ]
    tables = [
        Table(
            "weeks",
            f"Bank cash by week, {forecast.scenario} scenario ({cur})",
            (
                Column("start", "Week from", "date"),
                Column("end", "to", "date"),
                Column("opening", "Opening", "money"),
                Column("inflow", "In", "money"),
                Column("outflow", "Out", "money"),
                Column("closing", "Closing", "money"),
                Column("low", "Closing (low)", "money"),
                Column("high", "Closing (high)", "money"),
            ),
            week_rows,
        ),
        Table(
            "recurring",
            "Recurring outflows found in the books",
            (
                Column("payee", "Payee"),
                Column("category", "Category"),
                Column("interval", "Every (days)", "int"),
                Column("amount", "Amount", "money"),
                Column("seen", "Seen", "int"),
                Column("next", "Next", "date"),
            ),
            [
                Row(
                    (
                        r.payee,
                        r.category,
                        r.interval_days,
                        r.amount,
                        r.occurrences,
                        r.next_dates[0] if r.next_dates else None,
                    )
                )
                for r in forecast.recurring
            ],
        ),
        Table(
            "alerts",
            "Alerts",
            (Column("kind", "Kind"), Column("date", "Date", "date"), Column("message", "What")),
            [Row((a.kind, a.date, a.message)) for a in forecast.alerts],
        ),
    ]
    if forecast.variance:
        tables.append(
            Table(
                "variance",
                f"Actual against the forecast saved in {forecast.saved_from} and a year earlier",
                (
                    Column("week", "Week from", "date"),
                    Column("category", "Category"),
                    Column("planned", "Planned", "money"),
                    Column("actual", "Actual", "money"),
                    Column("last_year", "A year earlier", "money"),
                ),
                [
                    Row((v.week_start, v.category, v.planned, v.actual, v.last_year))
                    for v in forecast.variance
                ],
            )
        )
    if detail:
        tables.append(
            Table(
                "events",
                "Every expected movement (base amounts)",
                (
                    Column("date", "Date", "date"),
                    Column("category", "Category"),
                    Column("label", "What"),
                    Column("source", "From"),
                    Column("amount", "Amount", "money"),
                ),
                [Row((e.date, e.category, e.label, e.source, e.amount)) for e in forecast.events],
            )
        )
    labels = [w.start.isoformat() for w in forecast.weeks]
    series = [Series(name, [w.closings[name] for w in forecast.weeks]) for name in SCENARIOS]
    if forecast.floor is not None:
        series.append(Series("floor", [forecast.floor] * len(forecast.weeks)))
    notes = [
        f"Opening bank cash on {forecast.as_of}: {forecast.opening} {cur}.",
        "Sales to come: "
        + (
            ", ".join(f"{k} {v} {cur}/week" for k, v in sorted(forecast.weekly_sales.items()))
            or "none learned"
        )
        + f" (last {LEARNING_WEEKS} weeks), times the scenario's factor.",
    ]
    return ReportView(
        name=NAME,
        title="Cash forecast",
        subtitle=f"{company} · {len(forecast.weeks)} weeks after {forecast.as_of}",
        tables=tables,
        charts=[
            Chart("band", "Bank cash: low, base and high scenarios", "line", labels, series, cur)
        ],
        notes=notes,
        data=forecast,
    )
