"""The Union OSS return for a quarter: taxable base and VAT per member state and rate.

Why: EU distance sales taxed at destination are declared quarterly through the French
"guichet unique" rather than on the CA3 (where they appear only in E3). The return lists,
per member state of consumption and rate, the taxable amount and the VAT in euros; the
books hold both: ``Liabilities:VAT:Collected:<CC>:<rate>`` (CC other than FR) for the VAT
and the sales postings of the same entries whose ``vat_rate`` is that rate for the base.

Corrections: a credit note dated in this quarter for an invoice of an earlier quarter
does not reduce this quarter's supplies; the OSS rules have it correct the return of the
invoice's quarter, declared in a later return per member state and period. The report
lists those apart, per quarter corrected and member state. Supplies plus corrections per
country equal the movement of that country's VAT accounts over the quarter. A credit note
whose invoice is not in the books counts in this quarter, with a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.reports import _figures as fig
from ecomledger.reports._figures import ZERO, PostingRef
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table
from ecomledger.vat_rates import standard_rate

NAME = "oss"
SUMMARY = "Union OSS return for a quarter: base and VAT per member state and rate, corrections"

HOME = "FR"


@dataclass
class OssLine:
    """Supplies of goods to one member state at one rate (or a correction of a quarter);
    ``postings`` lists the postings behind it when ``--detail`` asks for them."""

    country: str
    rate: Decimal
    rate_type: str
    base: Decimal = ZERO
    vat: Decimal = ZERO
    corrected_period: str | None = None
    postings: list[PostingRef] = field(default_factory=list)


@dataclass
class OssReturn:
    """The OSS return of one quarter."""

    period: str
    start: dt.date
    end: dt.date
    supplies: list[OssLine]
    corrections: list[OssLine]
    by_country: dict[str, Decimal]
    notes: list[str] = field(default_factory=list)


def rate_type(country: str, rate: Decimal, day: dt.date) -> str:
    """Say whether a rate is the country's standard rate or a reduced one on ``day``."""
    return "standard" if standard_rate(country, day) == rate else "reduced"


def invoice_dates(books: Books) -> dict[str, dt.date]:
    """Map every invoice number of the books to its date (for credit notes' ``credits``)."""
    dates: dict[str, dt.date] = {}
    for txn in books.transactions():
        invoice = (txn.meta or {}).get("invoice")
        if invoice is not None:
            dates.setdefault(str(invoice), txn.date)
    return dates


def quarter_of(day: dt.date) -> str:
    """Return ``2026-Q1`` for a day of the first quarter of 2026."""
    return fig.bucket_label(fig.bucket_of(day, "quarter"), "quarter")


def _oss_parts(txn: data.Transaction) -> dict[tuple[str, Decimal], list[PostingRef]]:
    """Return the foreign VAT of a sales entry and its bases, per (country, rate)."""
    parts: dict[tuple[str, Decimal], list[PostingRef]] = {}
    for posting in txn.postings:
        key = fig.collected_key(posting.account)
        if key is not None and key[0] != HOME:
            parts.setdefault(key, []).append(fig.ref(txn, posting, -fig.amount(posting)))
    if not parts:
        return parts
    rates = {rate: country for country, rate in parts}
    for posting in txn.postings:
        if not posting.account.startswith(fig.SALES_PREFIX):
            continue
        rate = fig.rate_of((posting.meta or {}).get("vat_rate"))
        if rate is None and len(rates) == 1:
            rate = next(iter(rates))
        country = rates.get(rate) if rate is not None else None
        if country is not None and rate is not None:
            parts[(country, rate)].append(fig.ref(txn, posting, -fig.amount(posting)))
    return parts


def compute(books: Books, request: ReportRequest) -> OssReturn:
    """Compute the OSS return of ``request.period`` (a calendar quarter).

    Raises:
        UserError: the period is not a calendar quarter.
    """
    period = request.period
    if fig.period_kind(period) != "quarter":
        quarter = (period.start.month - 1) // 3 + 1
        raise UserError(
            f"the OSS return covers a calendar quarter, not {period}; pass --period "
            f"{period.start.year}-Q{quarter}"
        )
    label = quarter_of(period.start)
    dates: dict[str, dt.date] | None = None
    supplies: dict[tuple[str, Decimal], OssLine] = {}
    corrections: dict[tuple[str, str, Decimal], OssLine] = {}
    by_country: dict[str, Decimal] = {}
    unknown: set[str] = set()
    for txn in books.transactions(period):
        if fig.is_vat_settlement(txn):
            continue
        parts = _oss_parts(txn)
        if not parts:
            continue
        corrected: str | None = None
        credits = (txn.meta or {}).get("credits")
        if "credit_note" in (txn.meta or {}) and credits is not None:
            if dates is None:
                dates = invoice_dates(books)
            invoice_day = dates.get(str(credits))
            if invoice_day is None:
                unknown.add(str(credits))
            elif invoice_day < period.start:
                corrected = quarter_of(invoice_day)
        for (country, rate), refs in parts.items():
            if corrected is None:
                line = supplies.get((country, rate))
                if line is None:
                    kind = rate_type(country, rate, txn.date)
                    line = supplies[(country, rate)] = OssLine(country, rate, kind)
            else:
                key = (corrected, country, rate)
                line = corrections.get(key)
                if line is None:
                    kind = rate_type(country, rate, txn.date)
                    line = corrections[key] = OssLine(
                        country, rate, kind, corrected_period=corrected
                    )
            for item in refs:
                if item.account.startswith(fig.COLLECTED_PREFIX):
                    line.vat += item.amount
                    by_country[country] = by_country.get(country, ZERO) + item.amount
                else:
                    line.base += item.amount
                if request.detail:
                    line.postings.append(item)
    result = OssReturn(
        label,
        period.start,
        period.end,
        [supplies[key] for key in sorted(supplies, key=lambda k: (k[0], -k[1]))],
        [corrections[key] for key in sorted(corrections, key=lambda k: (k[0], k[1], -k[2]))],
        dict(sorted(by_country.items())),
    )
    if not supplies and not corrections:
        result.notes.append(
            "No distance sale taxed in another member state this quarter: file a nil return."
        )
    if unknown:
        names = ", ".join(sorted(unknown)[:5])
        result.notes.append(
            f"Credit notes for invoices not in the books ({names}) count in this quarter."
        )
    return result


SUPPLY_COLUMNS = (
    Column("country", "Member state"),
    Column("rate", "Rate", "number"),
    Column("rate_type", "Rate type"),
    Column("base", "Taxable amount", "money"),
    Column("vat", "VAT", "money"),
)
CORRECTION_COLUMNS = (
    Column("period", "Period corrected"),
    Column("country", "Member state"),
    Column("rate", "Rate", "number"),
    Column("base", "Taxable amount", "money"),
    Column("vat", "VAT correction", "money"),
)


def _detail(rows: list[Row], line: OssLine, width: int, request: ReportRequest) -> None:
    if not request.detail:
        return
    for item in line.postings:
        is_vat = item.account.startswith(fig.COLLECTED_PREFIX)
        cells: list[object] = [None] * width
        cells[0] = item.label()
        cells[-1 if is_vat else -2] = item.amount
        rows.append(Row(tuple(cells), "detail"))


def view(result: OssReturn, request: ReportRequest) -> ReportView:
    """Supplies per member state and rate, corrections apart, and the total per state."""
    rows: list[Row] = []
    for line in result.supplies:
        rows.append(Row((line.country, line.rate, line.rate_type, line.base, line.vat)))
        _detail(rows, line, len(SUPPLY_COLUMNS), request)
    total_base = sum((line.base for line in result.supplies), ZERO)
    total_vat = sum((line.vat for line in result.supplies), ZERO)
    rows.append(Row(("Total", None, None, total_base, total_vat), "total"))
    supplies = Table("supplies", f"Supplies of goods, {result.period}", SUPPLY_COLUMNS, rows)
    fixes: list[Row] = []
    for line in result.corrections:
        fixes.append(Row((line.corrected_period, line.country, line.rate, line.base, line.vat)))
        _detail(fixes, line, len(CORRECTION_COLUMNS), request)
    if result.corrections:
        fixes.append(
            Row(
                (
                    "Total",
                    None,
                    None,
                    sum((line.base for line in result.corrections), ZERO),
                    sum((line.vat for line in result.corrections), ZERO),
                ),
                "total",
            )
        )
    corrections = Table("corrections", "Corrections of earlier returns", CORRECTION_COLUMNS, fixes)
    countries = sorted(result.by_country)
    country_rows = []
    for country in countries:
        supplied = sum((line.vat for line in result.supplies if line.country == country), ZERO)
        fixed = sum((line.vat for line in result.corrections if line.country == country), ZERO)
        country_rows.append(Row((country, supplied, fixed, result.by_country[country])))
    country_rows.append(
        Row(
            (
                "Total",
                total_vat,
                sum((line.vat for line in result.corrections), ZERO),
                sum(result.by_country.values(), ZERO),
            ),
            "total",
        )
    )
    per_country = Table(
        "countries",
        "VAT per member state (equals its Liabilities:VAT:Collected accounts)",
        (
            Column("country", "Member state"),
            Column("supplies", "VAT on supplies", "money"),
            Column("corrections", "Corrections", "money"),
            Column("total", "Total VAT", "money"),
        ),
        country_rows,
    )
    chart = Chart(
        "vat_by_country",
        "VAT by member state of consumption",
        "stacked",
        countries,
        [
            Series(
                "Supplies",
                [sum((x.vat for x in result.supplies if x.country == c), ZERO) for c in countries],
            ),
            Series(
                "Corrections",
                [
                    sum((x.vat for x in result.corrections if x.country == c), ZERO)
                    for c in countries
                ],
            ),
        ],
        "EUR",
    )
    return ReportView(
        name=NAME,
        title=f"OSS return {result.period}",
        subtitle=f"{result.start.isoformat()} to {result.end.isoformat()}",
        tables=[supplies, corrections, per_country],
        charts=[chart] if countries else [],
        notes=result.notes,
        data=result,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Compute the OSS return of the requested quarter and lay it out."""
    return view(compute(books, request), request)
