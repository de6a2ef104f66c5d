"""Flag orders paid but not shipped at a period end, as ``ecomledger-deposit`` entries.

Why: an e-shop customer pays at checkout and the parcel leaves later. Between the two the
money is a deposit (4191), not revenue (CGI 269-2-a makes the VAT due at payment, but the
sale happens at delivery). At every closing, orders paid before the period end and shipped
after it must be moved from sales to ``Liabilities:Customers:Deposits``.

Choice: the plugin does **not** report an error at every month end, because a perfectly
valid ledger (an order paid on the 31st, shipped on the 2nd) would then fail
``bean-check``. Instead it adds one ``Custom`` entry per period end the order stays
unshipped::

    2026-01-31 custom "ecomledger-deposit" "F-2026-000310" 100.00 EUR 2026-02-02

(values: invoice number, amount net of VAT, i.e. the total of the invoice's
``Income:Sales:*`` postings which closing moves to 4191, and the shipping date). Reports
and the closing command read them; Fava lists them. The plugin reports an **error** only
when an order is unshipped at a **fiscal year end** and no closing entry books it, i.e.
no transaction dated that year end has a ``Liabilities:Customers:Deposits`` posting
with ``deposit_for: "<invoice>"`` (posting or transaction metadata): annual accounts
must not count it as revenue.

Configuration (a Python or JSON literal; these are the defaults)::

    plugin "ecomledger.plugins.deposits" "{'period': 'month', 'fiscal_year_end': '12-31'}"

``period`` is ``'month'``, ``'quarter'`` or ``'year'`` (calendar periods);
``fiscal_year_end`` is ``MM-DD``.

Example. Before::

    2025-12-30 * "Order #1310"
      invoice: "F-2025-000310"
      shipped: 2026-01-05
      Assets:Clearing:Stripe            120.00 EUR
      Income:Sales:Goods:France        -100.00 EUR
        vat_rate: 20
      Liabilities:VAT:Collected:FR:20   -20.00 EUR

After: a ``2025-12-31 custom "ecomledger-deposit" "F-2025-000310" 100.00 EUR 2026-01-05``
entry, and an error at the order until the books hold::

    2025-12-31 * "Closing: orders paid, not shipped"
      Income:Sales:Goods:France          100.00 EUR
      Liabilities:Customers:Deposits    -100.00 EUR
        deposit_for: "F-2025-000310"
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser.grammar import ValueType

from ecomledger.memory import paused_gc
from ecomledger.plugins._errors import PluginError, parse_config

__plugins__ = ("flag_deposits",)

PLUGIN = "ecomledger.plugins.deposits"
DEFAULTS: dict[str, Any] = {"period": "month", "fiscal_year_end": "12-31"}
CUSTOM_TYPE = "ecomledger-deposit"
DEPOSITS = "Liabilities:Customers:Deposits"
SALES_PREFIX = "Income:Sales:"
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class DepositError(PluginError):
    """An order unshipped at a fiscal year end that no closing entry books as a deposit."""


def month_end(year: int, month: int) -> datetime.date:
    """Return the last day of a month."""
    first_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_next - datetime.timedelta(days=1)


def period_ends(start: datetime.date, stop: datetime.date, months: int) -> Iterator[datetime.date]:
    """Yield the calendar period ends ``e`` with ``start <= e < stop``."""
    year, month = start.year, start.month
    month += (-month) % months  # the last month of start's period
    while True:
        end = month_end(year + (month - 1) // 12, (month - 1) % 12 + 1)
        if end >= stop:
            return
        if end >= start:
            yield end
        month += months


def fiscal_year_ends(
    start: datetime.date, stop: datetime.date, month: int, day: int
) -> Iterator[datetime.date]:
    """Yield the fiscal year ends ``e`` with ``start <= e < stop``."""
    for year in range(start.year, stop.year + 1):
        end = datetime.date(year, month, day)
        if start <= end < stop:
            yield end


def shipped_date(value: object) -> datetime.date | None:
    """Read the ``shipped`` metadata (a date, or an ISO date string)."""
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def net_amount(entry: data.Transaction) -> Amount:
    """Return the invoice's amount net of VAT: minus its ``Income:Sales:*`` postings."""
    total = Decimal(0)
    currency = "EUR"
    for posting in entry.postings:
        if posting.account.startswith(SALES_PREFIX) and posting.units is not None:
            total -= posting.units.number or 0
            currency = posting.units.currency
    return Amount(total, currency)


def booked_deposits(entry: data.Transaction) -> Iterator[tuple[str, datetime.date]]:
    """Yield ``(invoice, date)`` for each deposit a closing entry books."""
    for posting in entry.postings:
        if posting.account == DEPOSITS:
            invoice = (posting.meta or {}).get("deposit_for", entry.meta.get("deposit_for"))
            if invoice is not None:
                yield str(invoice), entry.date


def merged(entries: data.Directives, extra: list[data.Directive]) -> data.Directives:
    """Return the sorted entries with extra entries inserted in Beancount's order.

    Why: the books come sorted and the extras are few (one per order and period end), so
    finding their places by bisection is much cheaper than sorting all the books again.
    The result is the same as ``sorted([*entries, *extra], key=entry_sortkey)``: an extra
    goes after the entries of equal sort key, and extras of equal key keep their order.
    """
    if not extra:
        return entries
    result: list[data.Directive] = []
    start = 0
    for item in sorted(extra, key=data.entry_sortkey):
        at = bisect.bisect_right(
            entries, data.entry_sortkey(item), lo=start, key=data.entry_sortkey
        )
        result.extend(entries[start:at])
        result.append(item)
        start = at
    result.extend(entries[start:])
    return result


def read_settings(config_str: str | None) -> tuple[int, tuple[int, int], list[PluginError]]:
    """Parse the period length in months and the fiscal year end (month, day)."""
    raw, errors = parse_config(config_str, DEFAULTS, PLUGIN)
    source = data.new_metadata(f"<{PLUGIN}>", 0)
    months = PERIOD_MONTHS.get(str(raw["period"]))
    if months is None:
        message = f"Unknown period {raw['period']!r} for {PLUGIN}: use month, quarter or year"
        errors.append(DepositError(source, message, None))
        months = 1
    try:
        month, day = (int(part) for part in str(raw["fiscal_year_end"]).split("-"))
        datetime.date(2001, month, day)
    except ValueError:
        message = f"Invalid fiscal_year_end {raw['fiscal_year_end']!r} for {PLUGIN}: use MM-DD"
        errors.append(DepositError(source, message, None))
        month, day = 12, 31
    return months, (month, day), errors


def flag_deposits(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[PluginError]]:
    """Add ``ecomledger-deposit`` entries; report deposits missing at a fiscal year end.

    Args:
      entries: The booked entries, in date order.
      options_map: The parser's options (unused).
      config_str: Optional settings, see the module docstring.

    Returns:
      The entries with the deposit entries merged in date order, and the errors.
    """
    with paused_gc():
        return _flag_deposits(entries, options_map, config_str)


def _flag_deposits(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None
) -> tuple[data.Directives, list[PluginError]]:
    """Do the work of :func:`flag_deposits`."""
    del options_map
    months, (fy_month, fy_day), errors = read_settings(config_str)
    customs: list[data.Directive] = []
    pending: list[tuple[str, datetime.date, data.Transaction, datetime.date, Amount]] = []
    booked: set[tuple[str, datetime.date]] = set()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        meta = entry.meta
        day = entry.date
        if day.day == fy_day and day.month == fy_month:
            # Only an entry dated a fiscal year end can book a deposit the rule asks for,
            # so the postings of the other 364 days' entries need not be read.
            booked.update(booked_deposits(entry))
        if "shipped" not in meta or "invoice" not in meta:
            continue
        shipped = shipped_date(meta["shipped"])
        if shipped is None or shipped <= entry.date:
            continue
        invoice = str(meta["invoice"])
        amount = net_amount(entry)
        source = data.new_metadata(meta.get("filename", "<unknown>"), meta.get("lineno", 0))
        values = [
            ValueType(invoice, str),
            ValueType(amount, Amount),
            ValueType(shipped, datetime.date),
        ]
        for end in period_ends(entry.date, shipped, months):
            customs.append(data.Custom(dict(source), end, CUSTOM_TYPE, list(values)))
        for end in fiscal_year_ends(entry.date, shipped, fy_month, fy_day):
            pending.append((invoice, end, entry, shipped, amount))
    for invoice, end, entry, shipped, amount in pending:
        if (invoice, end) not in booked:
            message = (
                f"Invoice {invoice} was paid on {entry.date} and shipped on {shipped}: at the "
                f"fiscal year end {end} its {amount} must be booked to {DEPOSITS} by a "
                f'closing entry dated {end} with deposit_for: "{invoice}"'
            )
            errors.append(DepositError(entry.meta, message, entry))
    return merged(entries, customs), errors
