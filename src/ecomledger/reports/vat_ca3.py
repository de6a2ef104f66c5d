"""The French VAT return CA3 (form 3310-CA3) for a month or a quarter, from the books.

Why from the books and not from the orders: every figure of the return must be the sum of
accounts the accountant can check (70x for the bases, 44571x for the VAT collected, 4452
for self-assessed VAT, 44566/44562 for the deductible VAT), and every box must be traceable
to the postings behind it (``--detail``).

How each sales posting (``Income:Sales:*``) finds its line, from its ``vat_rate`` and the
VAT postings of its own entry (the VAT plugin has checked they agree):

* taxed in France (a ``Liabilities:VAT:Collected:FR:<rate>`` at its rate, or no foreign
  VAT at its rate) -> A1, and its base in the tax line of its rate (08, 09, 9B, T6);
* taxed in another member state (``Liabilities:VAT:Collected:<CC>:<rate>``, OSS) -> E3;
* at 0 %: ``Income:Sales:Goods:EU-B2B`` or a ``customer_vat`` in the EU -> F2;
  ``Income:Sales:Goods:Export`` or a country outside the EU -> E1; otherwise E2.

Self-assessed VAT (``Liabilities:VAT:IntraEU``) is A3 for services (fees, commissions)
and B2 for goods (an entry moving ``Assets:Stock`` or ``Expenses:Purchases:*``); its base
and VAT also go into the tax line of its rate, as the form asks, and B2's VAT is line 17.
Lines 19/20 are the period's movement on the deductible accounts (44562 -> 19, the
rest -> 20). Line 22 is the credit (line 25) of the previous return, computed the same way
from the books (a credit on ``Assets:VAT:Credit`` brought in by an opening entry counts
too). Entries that close or pay a return (``Liabilities:VAT:Payable``,
``Assets:VAT:Credit``) are left out: they move the VAT accounts without an operation.

Amounts are declared in whole euros, the nearest euro with 0.50 counting for 1; the
totals (16, 23, 25, TD) add up the rounded boxes as the form does. The exact amounts in
cents stand beside them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.reports import _figures as fig
from ecomledger.reports._figures import ZERO, PostingRef
from ecomledger.reports.model import Chart, Column, ReportRequest, ReportView, Row, Series, Table
from ecomledger.vat_rates import is_eu, normalise_country

NAME = "vat"
SUMMARY = "French VAT return CA3 for a month or a quarter: boxes in euros, cents and postings"

HOME = "FR"

#: The tax lines by French rate: (line, EDI code of the base, label).
RATE_LINES: dict[Decimal, tuple[str, str]] = {
    Decimal("20"): ("08", "Taux normal 20 %"),
    Decimal("5.5"): ("09", "Taux réduit 5,5 %"),
    Decimal("10"): ("9B", "Taux réduit 10 %"),
    Decimal("2.1"): ("T6", "Taux 2,1 %"),
}

#: Every box the report fills, in the form's order: (line, EDI code, label).
LINES: tuple[tuple[str, str, str], ...] = (
    ("A1", "CA", "Ventes, prestations de services"),
    ("A3", "KH", "Achats de prestations de services à un assujetti non établi (283-2)"),
    ("B2", "CC", "Acquisitions intracommunautaires"),
    ("E1", "DA", "Exportations hors UE"),
    ("E2", "DB", "Autres opérations non imposables"),
    ("E3", "DH", "Ventes à distance taxables dans un autre État membre (B to C)"),
    ("F2", "DC", "Livraisons intracommunautaires à un assujetti (B to B)"),
    ("08", "FP/GP", "Taux normal 20 %"),
    ("09", "FB/GB", "Taux réduit 5,5 %"),
    ("9B", "FR/GR", "Taux réduit 10 %"),
    ("T6", "MF/ME", "Taux 2,1 %"),
    ("16", "GH", "Total TVA brute due"),
    ("17", "GJ", "dont TVA sur acquisitions intracommunautaires"),
    ("19", "HA", "TVA déductible sur immobilisations"),
    ("20", "HB", "TVA déductible sur autres biens et services"),
    ("22", "HD", "Report du crédit de la déclaration précédente"),
    ("23", "HG", "Total TVA déductible"),
    ("25", "JA", "Crédit de TVA (23 - 16)"),
    ("TD", "KA", "TVA nette due (16 - 23)"),
)
OPERATION_LINES = ("A1", "A3", "B2", "E1", "E2", "E3", "F2")
SALES_LINES = ("A1", "E1", "E2", "E3", "F2")
#: Short names of the sales lines for the chart's labels.
SALES_NAMES = {
    "A1": "taxed in France",
    "E1": "exports",
    "E2": "other exempt",
    "E3": "EU B2C (OSS)",
    "F2": "EU B2B",
}


@dataclass
class Ca3Line:
    """One box of the return: its exact base and VAT (cents), rounded to the euro, and
    (with ``--detail``) the postings behind it."""

    code: str
    edi: str
    label: str
    base: Decimal | None = None
    tax: Decimal | None = None
    base_euros: Decimal | None = None
    tax_euros: Decimal | None = None
    postings: list[PostingRef] = field(default_factory=list)


@dataclass
class RateTotal:
    """Bases and VAT of one French rate (sales taxed in France and self-assessed VAT)."""

    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass
class Ca3Return:
    """The CA3 of one period: its boxes in the form's order and the credit it carries."""

    period: str
    start: dt.date
    end: dt.date
    lines: list[Ca3Line]
    rates: list[RateTotal]
    previous_period: str | None
    notes: list[str] = field(default_factory=list)

    def line(self, code: str) -> Ca3Line:
        """Return the box ``code`` (``"A1"``, ``"08"``, ``"TD"``)."""
        for line in self.lines:
            if line.code == code:
                return line
        raise KeyError(code)


@dataclass
class _Sums:
    """Exact amounts of one return period while walking the books (positive = declared)."""

    base: dict[str, Decimal] = field(default_factory=dict)
    tax: dict[str, Decimal] = field(default_factory=dict)
    refs: dict[str, list[PostingRef]] | None = None
    opening_credit: Decimal = ZERO
    other_rates: set[Decimal] = field(default_factory=set)
    untyped: int = 0

    def add(self, code: str, *, base: Decimal = ZERO, tax: Decimal = ZERO) -> None:
        if base:
            self.base[code] = self.base.get(code, ZERO) + base
        if tax:
            self.tax[code] = self.tax.get(code, ZERO) + tax

    def trace(
        self, code: str, txn: data.Transaction, posting: data.Posting, value: Decimal
    ) -> None:
        """Keep the posting behind box ``code`` (only for the period ``--detail`` shows)."""
        if self.refs is not None:
            self.refs.setdefault(code, []).append(fig.ref(txn, posting, value))


def rate_line(rate: Decimal) -> str:
    """Return the tax line of a French rate (``08`` for 20 %), or ``FR <rate> %`` if the
    form's e-commerce lines have none (Corsica, overseas rates)."""
    known = RATE_LINES.get(rate)
    return known[0] if known is not None else f"FR {fig.format_rate(rate)} %"


def classify_sale(
    txn: data.Transaction, posting: data.Posting, taxed: dict[Decimal, set[str]]
) -> tuple[str, Decimal]:
    """Return the operation line (A1, E1, E2, E3, F2) and the rate of one sales posting."""
    meta = posting.meta or {}
    rate = fig.rate_of(meta.get("vat_rate"))
    if rate is None:
        rates = list(taxed)
        rate = rates[0] if len(rates) == 1 else ZERO
    if rate != ZERO:
        countries = taxed.get(rate, set())
        if countries and HOME not in countries:
            return "E3", rate
        return "A1", rate
    txn_meta = txn.meta or {}
    country = normalise_country(str(txn_meta.get("country", HOME)))
    account = posting.account
    if account.endswith(":EU-B2B") or (
        "customer_vat" in txn_meta and country != HOME and is_eu(country)
    ):
        return "F2", rate
    if account.endswith(":Export") or (country != HOME and not is_eu(country)):
        return "E1", rate
    return "E2", rate


def _is_goods(txn: data.Transaction) -> bool:
    return any(
        p.account == "Assets:Stock" or p.account.startswith("Expenses:Purchases:")
        for p in txn.postings
    )


def _reverse_charge(txn: data.Transaction, sums: _Sums) -> None:
    """Add a self-assessed entry's base and VAT to A3 or B2 and to its rate's tax line."""
    tax = -sum((fig.amount(p) for p in txn.postings if p.account == fig.INTRA_EU), ZERO)
    base = ZERO
    base_postings: list[tuple[data.Posting, Decimal]] = []
    for posting in txn.postings:
        if posting.account.startswith("Expenses:"):
            value = fig.amount(posting)
        elif posting.account == "Assets:Stock" and posting.cost is not None:
            number = posting.cost.number if isinstance(posting.cost, data.Cost) else None
            value = fig.amount(posting) * number if number is not None else ZERO
        else:
            continue
        base += value
        base_postings.append((posting, value))
    code = "B2" if _is_goods(txn) else "A3"
    rate = Decimal(20)
    if base:
        implied = tax / base * fig.HUNDRED
        rate = min(RATE_LINES, key=lambda known: abs(known - implied))
    line = rate_line(rate)
    sums.add(code, base=base)
    sums.add(line, base=base, tax=tax)
    if code == "B2":
        sums.add("17", tax=tax)
    for posting, value in base_postings:
        sums.trace(code, txn, posting, value)
        sums.trace(line, txn, posting, value)
    for posting in txn.postings:
        if posting.account == fig.INTRA_EU:
            sums.trace(line, txn, posting, -fig.amount(posting))
            if code == "B2":
                sums.trace("17", txn, posting, -fig.amount(posting))


def add_transaction(txn: data.Transaction, sums: _Sums, books: Books) -> None:
    """Add one transaction's sales, VAT and deductions to the period's sums."""
    if fig.is_vat_settlement(txn):
        if any(p.account.startswith("Equity:") for p in txn.postings):
            for posting in txn.postings:
                if posting.account.startswith(fig.VAT_CREDIT):
                    sums.opening_credit += fig.amount(posting)
        return
    taxed: dict[Decimal, set[str]] = {}
    has_sales = has_intra = False
    for posting in txn.postings:
        account = posting.account
        if account.startswith(fig.SALES_PREFIX):
            has_sales = True
        elif account == fig.INTRA_EU:
            has_intra = True
        else:
            key = fig.collected_key(account)
            if key is not None:
                taxed.setdefault(key[1], set()).add(key[0])
    for posting in txn.postings:
        account = posting.account
        if account.startswith(fig.SALES_PREFIX) and has_sales:
            code, rate = classify_sale(txn, posting, taxed)
            base = -fig.amount(posting)
            sums.add(code, base=base)
            sums.trace(code, txn, posting, base)
            if code == "A1":
                line = rate_line(rate)
                if line not in ("08", "09", "9B", "T6"):
                    sums.other_rates.add(rate)
                sums.add(line, base=base)
                sums.trace(line, txn, posting, base)
            if (posting.meta or {}).get("vat_rate") is None:
                sums.untyped += 1
        elif account.startswith(fig.COLLECTED_PREFIX):
            key = fig.collected_key(account)
            if key is not None and key[0] == HOME:
                line = rate_line(key[1])
                if line not in ("08", "09", "9B", "T6"):
                    sums.other_rates.add(key[1])
                tax = -fig.amount(posting)
                sums.add(line, tax=tax)
                sums.trace(line, txn, posting, tax)
        elif account.startswith(fig.DEDUCTIBLE_PREFIX):
            number, _ = books.pcg(account)
            code = "19" if number.startswith("44562") else "20"
            sums.add(code, tax=fig.amount(posting))
            sums.trace(code, txn, posting, fig.amount(posting))
    if has_intra:
        _reverse_charge(txn, sums)


def walk(
    books: Books, kind: str, end: dt.date, wanted: tuple[int, int], detail: bool
) -> dict[tuple[int, int], _Sums]:
    """Sum every return period up to ``end`` in one pass; keep the postings behind the boxes
    of ``wanted`` when ``detail`` asks for them."""
    periods: dict[tuple[int, int], _Sums] = {}
    for entry in books.entries:
        if entry.date > end:
            break
        if not isinstance(entry, data.Transaction):
            continue
        bucket = fig.bucket_of(entry.date, kind)
        sums = periods.get(bucket)
        if sums is None:
            sums = periods[bucket] = _Sums(refs={} if detail and bucket == wanted else None)
        add_transaction(entry, sums, books)
    return periods


def _rounded_return(sums: _Sums, carried: Decimal, carried_euros: Decimal) -> list[Ca3Line]:
    """Fill every box from the sums; totals add up the boxes (exact and rounded apart)."""
    lines: dict[str, Ca3Line] = {}
    refs = sums.refs or {}
    for code, edi, label in LINES:
        lines[code] = Ca3Line(code, edi, label, postings=refs.get(code, []))
    extra = sorted(
        {code for code in (*sums.base, *sums.tax) if code.startswith("FR ")},
        key=lambda code: code,
    )
    for code in extra:
        lines[code] = Ca3Line(code, "", f"Autre taux ({code})", postings=refs.get(code, []))
    tax_lines = ["08", "09", "9B", "T6", *extra]
    for code in (*OPERATION_LINES, *tax_lines):
        line = lines[code]
        line.base = sums.base.get(code, ZERO)
        line.base_euros = fig.whole_euros(line.base)
    for code in (*tax_lines, "17", "19", "20"):
        line = lines[code]
        line.tax = sums.tax.get(code, ZERO)
        line.tax_euros = fig.whole_euros(line.tax)
    lines["22"].tax, lines["22"].tax_euros = carried, carried_euros

    def total(codes: Iterable[str], euros: bool) -> Decimal:
        return sum(((lines[c].tax_euros if euros else lines[c].tax) or ZERO for c in codes), ZERO)

    for euros in (False, True):
        due = total(tax_lines, euros)
        deductible = total(("19", "20", "22"), euros)
        values = {
            "16": due,
            "23": deductible,
            "25": max(deductible - due, ZERO),
            "TD": max(due - deductible, ZERO),
        }
        for code, value in values.items():
            if euros:
                lines[code].tax_euros = value
            else:
                lines[code].tax = value
    lines["16"].postings = [p for c in tax_lines for p in refs.get(c, []) if _is_tax_ref(p)]
    lines["23"].postings = [p for c in ("19", "20") for p in refs.get(c, [])]
    order = [code for code, _, _ in LINES]
    order[order.index("T6") + 1 : order.index("T6") + 1] = extra
    return [lines[code] for code in order]


def _is_tax_ref(item: PostingRef) -> bool:
    return item.account.startswith(fig.COLLECTED_PREFIX) or item.account == fig.INTRA_EU


def compute(books: Books, request: ReportRequest) -> Ca3Return:
    """Compute the CA3 of ``request.period`` (a month or a quarter) and every return before it.

    Raises:
        UserError: the period is not a calendar month or quarter.
    """
    period = request.period
    kind = fig.period_kind(period)
    if kind is None:
        raise UserError(
            f"the CA3 covers a calendar month or quarter, not {period}; pass --period "
            f"{period.start.year}-{period.start.month:02d} or "
            f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
        )
    wanted = fig.bucket_of(period.start, kind)
    periods = walk(books, kind, period.end, wanted, request.detail)
    carried = carried_euros = ZERO
    previous: str | None = None
    bucket = min(periods) if periods else wanted
    while bucket < wanted:
        sums = periods.get(bucket, _Sums())
        carried += sums.opening_credit
        carried_euros += fig.whole_euros(sums.opening_credit)
        boxes = {line.code: line for line in _rounded_return(sums, carried, carried_euros)}
        carried, carried_euros = boxes["25"].tax or ZERO, boxes["25"].tax_euros or ZERO
        previous = fig.bucket_label(bucket, kind)
        bucket = fig.next_bucket(bucket, kind)
    sums = periods.get(wanted, _Sums(refs={}))
    carried += sums.opening_credit
    carried_euros += fig.whole_euros(sums.opening_credit)
    lines = _rounded_return(sums, carried, carried_euros)
    rates = [
        RateTotal(rate, sums.base.get(rate_line(rate), ZERO), sums.tax.get(rate_line(rate), ZERO))
        for rate in sorted({*RATE_LINES, *sums.other_rates}, reverse=True)
        if sums.base.get(rate_line(rate)) or sums.tax.get(rate_line(rate))
    ]
    result = Ca3Return(
        fig.bucket_label(wanted, kind), period.start, period.end, lines, rates, previous
    )
    if sums.other_rates:
        listed = ", ".join(f"{fig.format_rate(r)} %" for r in sorted(sums.other_rates))
        result.notes.append(
            f"French VAT at {listed} has no line among the e-commerce lines of this report; "
            "declare it on the form's line for that rate."
        )
    if sums.untyped:
        result.notes.append(
            f"{sums.untyped} sales posting(s) have no vat_rate; their rate was taken from "
            "their entry's VAT account (0 % when it has none): run 'ecomledger check'."
        )
    return result


def _money_row(line: Ca3Line, style: str = "") -> Row:
    return Row(
        (line.code, line.edi, line.label, line.base_euros, line.base, line.tax_euros, line.tax),
        style,  # type: ignore[arg-type]
    )


COLUMNS = (
    Column("line", "Line"),
    Column("edi", "EDI"),
    Column("label", "Label"),
    Column("base_euros", "Base (EUR)", "int"),
    Column("base", "Base exact", "money"),
    Column("tax_euros", "VAT (EUR)", "int"),
    Column("tax", "VAT exact", "money"),
)
TOTAL_LINES = {"16", "23"}
RESULT_LINES = {"25", "TD"}


def view(result: Ca3Return, request: ReportRequest) -> ReportView:
    """Lay the return out as the form reads: operations, then the VAT due and deductible."""
    rows: list[Row] = [
        Row(("", "", "A. Montant des opérations réalisées", None, None, None, None), "heading")
    ]
    for line in result.lines:
        if line.code == "08":
            rows.append(
                Row(("", "", "B. Décompte de la TVA à payer", None, None, None, None), "heading")
            )
        style = (
            "total" if line.code in RESULT_LINES else "subtotal" if line.code in TOTAL_LINES else ""
        )
        rows.append(_money_row(line, style))
        if request.detail:
            for item in line.postings:
                is_base = (
                    line.base is not None
                    and not _is_tax_ref(item)
                    and line.code not in ("19", "20")
                )
                rows.append(
                    Row(
                        (
                            "",
                            "",
                            item.label(),
                            None,
                            item.amount if is_base else None,
                            None,
                            None if is_base else item.amount,
                        ),
                        "detail",
                    )
                )
    table = Table("ca3", f"CA3 {result.period}", COLUMNS, rows)
    rate_rows = [Row((f"{fig.format_rate(r.rate)} %", r.base, r.tax)) for r in result.rates]
    rate_rows.append(
        Row(
            (
                "Total",
                sum((r.base for r in result.rates), ZERO),
                sum((r.tax for r in result.rates), ZERO),
            ),
            "total",
        )
    )
    rates = Table(
        "rates",
        "Bases and VAT per French rate",
        (Column("rate", "Rate"), Column("base", "Base", "money"), Column("tax", "VAT", "money")),
        rate_rows,
    )
    chart = Chart(
        "operations",
        "Sales by VAT treatment (excl. VAT)",
        "bar",
        [f"{code} {SALES_NAMES[code]}" for code in SALES_LINES],
        [Series("Base", [result.line(code).base or ZERO for code in SALES_LINES])],
        "EUR",
    )
    notes = list(result.notes)
    previous = result.previous_period or "none in the books"
    notes.append(f"Line 22 carries the credit (line 25) of the previous return: {previous}.")
    notes.append("Amounts are declared in whole euros (0.50 counts for 1); exact amounts beside.")
    return ReportView(
        name=NAME,
        title=f"Déclaration de TVA CA3 {result.period}",
        subtitle=f"{result.start.isoformat()} to {result.end.isoformat()}",
        tables=[table, rates],
        charts=[chart],
        notes=notes,
        data=result,
    )


def build(books: Books, request: ReportRequest) -> ReportView:
    """Compute the CA3 of the requested month or quarter and lay it out."""
    return view(compute(books, request), request)
