"""Processor and marketplace statements: the rows of a balance, booked on its clearing account.

A statement from Stripe, PayPal, SumUp, eBay or an Amazon settlement describes movements on
the balance the processor keeps for the merchant. That balance is the processor's clearing
account in the books (``Assets:Clearing:<Name>``, PCG 467), so every row of the statement
moves the clearing account by exactly the row's *net* figure, and what the row says the
money was for decides the other side. Each format only reads its file into
:class:`Movement` records (:meth:`ProcessorImporter.movements`); this module books them, so
that six formats share one set of accounting rules.

Constructor: ``(name, clearing_account, fees_account, currency, sales_from_orders)`` plus the
company's ``timezone`` (default Europe/Paris), ``supplier_country`` (where the processor
invoicing the fees is established) and ``home_country``.

How each kind of row is booked (``C`` = clearing account; amounts as the row states them,
``gross`` signed as it moves the balance, ``fee`` positive when charged):

- **charge / payment** (a customer paid):
  with ``sales_from_orders`` the shop's orders, imported from the platform, have already put
  the customer's money on ``C`` (``book_order`` posts the order's total there), so the row
  books **only its fee**: ``fees_account`` debit, ``C`` credit. Without it the row settles
  the sale's receivable, whose invoice is booked elsewhere: ``C`` +net,
  ``Assets:Customers`` (411) -gross, ``fees_account`` +fee.
- **refund**: the mirror image. With ``sales_from_orders`` the platform's credit note has
  already taken the money back from ``C``: only the fee (often a fee given back, negative)
  is booked. Without it: ``C`` -net, ``Assets:Customers`` +gross.
- **dispute** (chargeback, and its reversal): the platform knows nothing of it, so it is
  always booked against ``Assets:Customers``: the customer owes the money again until the
  dispute is won (reversal) or written off by hand.
- **fee** on its own (a Stripe fee row, an eBay "Other fee"): ``fees_account`` vs ``C``.
- **payout / withdrawal** (and a funding from the bank): ``C`` vs ``Assets:Transfers`` (58),
  with the payout id in ``payout_id``. The bank line of the payout later moves the money
  from 58 to the bank; reconciliation pairs them by amount, date and reference, and a 58
  balance that does not return to zero is a finding.
- **reserve** (funds held back, then released): the money is still the merchant's, held by
  the processor: ``C`` vs ``<C>:Reserved``, a sub-account of the clearing account, so the
  reserve stays visible and the clearing account still nets against payouts.
- **currency conversion** (PayPal's row pairs): one transaction with both legs on ``C``; the
  leg not in the configured currency carries a total price (``@@``) in the other leg's
  amount, so the rate is exactly the one PayPal applied and no FX account collects an
  inventory of two currencies that never nets to zero. When neither leg is in the
  configured currency, the leg given up carries the price.
- **anything else** (an unknown row type, a purchase paid from the balance): ``C`` vs
  ``Assets:Suspense`` (471), flagged ``!``, for the user to categorise, as an
  uncategorised bank line is.

When a row's own figures disagree (gross - fee != net, as in the scrambled Italian PayPal
sample), ``C`` still moves by the stated net (the figure the processor's balance and payouts
follow), the gross and fee are booked as stated, the difference goes to
``Expenses:Rounding`` and the entry is flagged ``!`` with a ``discrepancy`` sentence: a
wrong row is shown, never silently repaired.

Fees invoiced from another EU country (``supplier_country``, e.g. ``LU`` for Amazon EU
S.à r.l.) are reverse-charged: the transaction carries ``supplier_country`` and the
self-assessed VAT at the home country's standard rate (``Assets:VAT:Deductible`` debit,
``Liabilities:VAT:IntraEU`` credit), which is what the VAT plugin checks.

Metadata: ``source`` (``<format>:<name>``), ``source_id`` (``<source>:<kind>:<provider id>``,
or ``<source>:row:<fingerprint>`` for rows without one; a key repeated within a file gets
``:2``, ``:3``... in file order, so genuine twins survive dedupe and a re-export gives the
same keys), ``processor``, and where known ``order_id`` and ``payout_id``.

Currency codes: a lower-case code is upper-cased; a code that is not ISO 4217 (the
anonymisers' ``por``, ``tes``, ``LII``) is not a currency to teach the books: the row is
booked in the configured currency with the code read kept in ``currency_in_file`` (the key
the bank importers use), and the file gets one finding. A file without a currency column
(SumUp) is in the configured currency.

Dates are booking dates in the company's time zone: a timestamp with a known zone is
converted before its date is taken; a wall-clock time without a zone is read as the
company's.
"""

from __future__ import annotations

import abc
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import beangulp
from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.booking import ROUNDING, SUSPENSE, TRANSFERS
from ecomledger.errors import ConfigError, InputError
from ecomledger.importers._bank import amount_field
from ecomledger.importers._currency import read_currency
from ecomledger.importers._text import (
    CsvRow,
    detect_decimal_mark,
    detect_separator,
    first_line,
    read_head,
)
from ecomledger.money import CENT, ZERO, quantum
from ecomledger.vat_rates import is_eu, normalise_country, standard_rate

log = logging.getLogger(__name__)

CUSTOMERS = "Assets:Customers"
DEDUCTIBLE = "Assets:VAT:Deductible"
INTRA_EU = "Liabilities:VAT:IntraEU"
RATE_QUANTUM = Decimal("1e-10")


class Kind(StrEnum):
    """What a statement row did to the balance (see the module docstring)."""

    CHARGE = "charge"
    REFUND = "refund"
    DISPUTE = "dispute"
    FEE = "fee"
    TRANSFER = "payout"
    RESERVE = "reserve"
    CONVERSION = "conversion"
    OTHER = "other"


@dataclass(frozen=True)
class Movement:
    """One movement on a processor balance, in the processor's own figures.

    ``net`` is the signed change of the balance; ``gross`` the signed amount before fees
    (what the customer paid or got back, what left for the bank); ``fee`` what the
    processor charged, positive (negative when a fee is given back), so that normally
    ``net == gross - fee``. ``key`` is the provider's id with its kind (``tx:txn_1``,
    ``payout:po_1``), or empty to use a fingerprint of the row. ``legs`` holds the
    (amount, currency) of each side of a currency conversion.
    """

    kind: Kind
    date: dt.date
    currency: str
    net: Decimal
    lineno: int
    gross: Decimal = ZERO
    fee: Decimal = ZERO
    key: str = ""
    payee: str = ""
    narration: str = ""
    order_id: str = ""
    payout_id: str = ""
    meta: Mapping[str, str] = field(default_factory=dict)
    legs: tuple[tuple[Decimal, str], ...] = ()
    fingerprint_parts: tuple[str, ...] = ()


@dataclass
class Statement:
    """What one processor file says: its movements and what is odd in it."""

    movements: list[Movement] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


class ProcessorImporter(beangulp.Importer):
    """A beangulp importer for one processor or marketplace balance.

    Args:
        name: the processor's configured name; entries get ``source`` ``<format>:<name>``.
        clearing_account: the balance in the books (``Assets:Clearing:Stripe``).
        fees_account: where fees go (``Expenses:Fees:Stripe``).
        currency: the balance's currency, used when a file states none or a scrambled one.
        sales_from_orders: the shop's orders already put customers' money on the clearing
            account (see the module docstring).
        timezone: the company's time zone; booking dates are taken in it.
        supplier_country: where the processor invoicing the fees is established; an EU
            country other than ``home_country`` makes the fees reverse-charged.
        home_country: the company's country.
    """

    format: ClassVar[str] = ""
    default_supplier_country: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        clearing_account: str,
        fees_account: str,
        currency: str = "EUR",
        sales_from_orders: bool = False,
        *,
        timezone: str = "Europe/Paris",
        supplier_country: str | None = None,
        home_country: str = "FR",
    ) -> None:
        self.config_name = name
        self.clearing_account = clearing_account
        self.fees_account = fees_account
        self.currency = currency.upper()
        self.sales_from_orders = sales_from_orders
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"processor {name!r}: unknown time zone {timezone!r}") from exc
        country = self.default_supplier_country if supplier_country is None else supplier_country
        self.supplier_country = normalise_country(country) if country else ""
        self.home_country = normalise_country(home_country)
        self.findings: dict[str, list[str]] = {}

    # -- beangulp protocol -------------------------------------------------------------

    @property
    def name(self) -> str:
        """The importer's unique id in beangulp's CLI and Fava: its ``source``."""
        return self.source

    @property
    def source(self) -> str:
        """``<format>:<name>``, the ``source`` metadata of every entry (``stripe:main``)."""
        return f"{self.format}:{self.config_name}"

    @property
    def reserve_account(self) -> str:
        """Where funds the processor holds back wait: a sub-account of the clearing one."""
        return f"{self.clearing_account}:Reserved"

    def identify(self, filepath: str) -> bool:
        """Return True when the file is in this importer's format (see :meth:`sniff`)."""
        return self.sniff(filepath)

    def account(self, filepath: str) -> data.Account:
        """Return the clearing account the file is archived under."""
        return self.clearing_account

    def date(self, filepath: str) -> dt.date | None:
        """Return the date of the file's last movement, for archiving."""
        return max((m.date for m in self.parse(filepath).movements), default=None)

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """Read the file and book its movements (see the module docstring).

        The file's findings are logged and kept in ``self.findings[filepath]`` for the CLI.
        """
        statement = self.parse(filepath)
        self.findings[filepath] = statement.findings
        for finding in statement.findings:
            log.warning("%s", finding)
        entries: data.Entries = []
        for movement, source_id in zip(
            statement.movements, self.source_ids(statement.movements), strict=True
        ):
            entry = self.book(movement, filepath, source_id)
            if entry is not None:
                entries.append(entry)
        return entries

    # -- what a format implements ------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def sniff(cls, filepath: str) -> bool:
        """Say whether ``filepath`` is in this format, reading only its start."""

    @abc.abstractmethod
    def parse(self, filepath: str) -> Statement:
        """Read ``filepath`` into movements.

        Raises:
            InputError: the file cannot be read as this format; names file and line.
        """

    # -- keys --------------------------------------------------------------------------

    def source_ids(self, movements: Sequence[Movement]) -> list[str]:
        """Return the dedupe key of each movement, numbering repeats in file order."""
        seen: Counter[str] = Counter()
        out = []
        for movement in movements:
            key = movement.key or "row:" + fingerprint(
                movement.kind,
                movement.date.isoformat(),
                movement.currency,
                str(movement.net),
                str(movement.gross),
                str(movement.fee),
                movement.payee,
                movement.narration,
                *movement.fingerprint_parts,
            )
            seen[key] += 1
            count = seen[key]
            out.append(f"{self.source}:{key}" + (f":{count}" if count > 1 else ""))
        return out

    # -- booking -----------------------------------------------------------------------

    def book(self, movement: Movement, filepath: str, source_id: str) -> data.Transaction | None:
        """Book one movement; None when it moves nothing (a fee-less charge whose sale
        the orders already booked)."""
        if movement.kind is Kind.CONVERSION:
            postings = self._conversion_postings(movement)
        else:
            postings = self._postings(movement)
        if not postings:
            return None
        meta = data.new_metadata(filepath, movement.lineno)
        meta.update(
            {
                "source": self.source,
                "source_id": source_id,
                "processor": self.config_name,
            }
        )
        for key, value in (("order_id", movement.order_id), ("payout_id", movement.payout_id)):
            if value:
                meta[key] = value
        meta.update({k: v for k, v in movement.meta.items() if v})
        residual = sum(
            (p.units.number for p in postings if p.units and p.units.number and not p.price),
            ZERO,
        )
        flag = "!" if movement.kind is Kind.OTHER else "*"
        if residual and movement.kind is not Kind.CONVERSION:
            meta["discrepancy"] = (
                f"gross {movement.gross} - fee {movement.fee} = "
                f"{movement.gross - movement.fee} {movement.currency} but the row's net is "
                f"{movement.net} {movement.currency}; the difference of {residual} "
                f"{movement.currency} is on {ROUNDING}"
            )
            postings.append(_posting(ROUNDING, -residual, movement.currency))
            flag = "!"
        postings.extend(self._reverse_charge(movement, postings, meta))
        narration = movement.narration or f"{self.format} {movement.kind.value}"
        return data.Transaction(
            meta,
            movement.date,
            flag,
            movement.payee or None,
            narration,
            data.EMPTY_SET,
            data.EMPTY_SET,
            postings,
        )

    def counter_account(self, kind: Kind) -> str:
        """The account on the other side of the clearing account for a kind of row."""
        return {
            Kind.CHARGE: CUSTOMERS,
            Kind.REFUND: CUSTOMERS,
            Kind.DISPUTE: CUSTOMERS,
            Kind.TRANSFER: TRANSFERS,
            Kind.RESERVE: self.reserve_account,
            Kind.OTHER: SUSPENSE,
        }.get(kind, SUSPENSE)

    def _postings(self, m: Movement) -> list[data.Posting]:
        ccy = m.currency
        out: list[data.Posting] = []
        settled_by_orders = self.sales_from_orders and m.kind in (Kind.CHARGE, Kind.REFUND)
        clearing = m.net - m.gross if settled_by_orders else m.net
        if clearing:
            out.append(_posting(self.clearing_account, clearing, ccy))
        if m.gross and not settled_by_orders:
            out.append(_posting(self.counter_account(m.kind), -m.gross, ccy))
        if m.fee:
            out.append(_posting(self.fees_account, m.fee, ccy))
        return out

    def _conversion_postings(self, m: Movement) -> list[data.Posting]:
        """Both legs on the clearing account, one priced in the other (see docstring).

        Beancount keeps per-unit prices, so the rate is the quotient of the two legs to ten
        decimals: its weight differs from the other leg by far less than a cent.
        """
        if len(m.legs) != 2:
            raise ValueError("a conversion has exactly two legs")
        home = [i for i, leg in enumerate(m.legs) if leg[1] == self.currency]
        # the leg in the configured currency stays plain; failing one, the leg received
        plain_at = home[0] if len(home) == 1 else int(m.legs[1][0] > m.legs[0][0])
        plain, priced = m.legs[plain_at], m.legs[1 - plain_at]
        rate = (abs(plain[0]) / abs(priced[0])).quantize(RATE_QUANTUM)
        return [
            data.Posting(
                self.clearing_account,
                Amount(priced[0], priced[1]),
                None,
                Amount(rate, plain[1]),
                None,
                None,
            ),
            _posting(self.clearing_account, plain[0], plain[1]),
        ]

    def _reverse_charge(
        self, m: Movement, postings: Sequence[data.Posting], meta: dict[str, object]
    ) -> list[data.Posting]:
        """Self-assess the VAT on fees invoiced from another EU country."""
        supplier = self.supplier_country
        if not supplier or supplier == self.home_country or not is_eu(supplier):
            return []
        fees = sum(
            (
                p.units.number
                for p in postings
                if p.account == self.fees_account and p.units and p.units.number is not None
            ),
            ZERO,
        )
        rate = standard_rate(self.home_country, m.date)
        if not fees or rate is None:
            return []
        meta["supplier_country"] = supplier
        vat = (fees * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        return [
            _posting(DEDUCTIBLE, vat, m.currency),
            _posting(INTRA_EU, -vat, m.currency),
        ]

    # -- helpers for formats -----------------------------------------------------------

    def currency_of(
        self, code: str, filepath: str, lineno: int, findings: list[str]
    ) -> tuple[str, dict[str, str]]:
        """Normalise a currency code read from a file (see the module docstring).

        Returns:
            The currency to book and the metadata to add to the entry.
        """
        booked_as = f"rows are booked in {self.currency}, the processor's configured currency"
        return read_currency(code, self.currency, filepath, lineno, findings, booked_as)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """Return the booking date of a timestamp; a naive one is the company's wall time."""
        if moment.tzinfo is None:
            return moment.date()
        return moment.astimezone(self.zone).date()


def _posting(account: str, number: Decimal, currency: str) -> data.Posting:
    return data.Posting(account, Amount(to_minor_unit(number, currency), currency), *_NONE4)


_NONE4 = (None, None, None, None)


def to_minor_unit(number: Decimal, currency: str) -> Decimal:
    """Write ``45.0`` as ``45.00`` EUR; never rounds (more decimals than the currency has
    are kept, so a sub-cent figure in a file stays visible)."""
    exact = number.quantize(quantum(currency))
    return exact if exact == number else number


def fingerprint(*parts: object) -> str:
    """A stable 16-hex-digit hash of what a row says (for rows without a provider id)."""
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


# -- reading tables --------------------------------------------------------------------


def normalise_header(name: str) -> str:
    """Fold a column name for matching: case, accents kept, spaces and NBSP collapsed."""
    text = unicodedata.normalize("NFC", name.replace("\ufeff", "")).replace("\xa0", " ")
    return " ".join(text.split()).casefold()


def header_columns(filepath: str, aliases: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """The canonical columns a CSV file's header row names (see :func:`map_columns`).

    Reads only the start of the file, for sniffing; a file with no header names none.
    """
    header = first_line(read_head(filepath))
    if not header:
        return {}
    fields = next(csv.reader(io.StringIO(header), delimiter=detect_separator(header)), [])
    return map_columns(fields, aliases)


def map_columns(header: Sequence[str], aliases: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Map canonical field names to column positions through per-language aliases.

    Aliases are tried in their order (the preferred spelling first); a name the header
    repeats maps to its first position.
    """
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        positions.setdefault(normalise_header(name), i)
    out: dict[str, int] = {}
    for canonical, names in aliases.items():
        found = next((positions[n] for n in map(normalise_header, names) if n in positions), None)
        if found is not None:
            out[canonical] = found
    return out


@dataclass(frozen=True)
class Row:
    """One CSV record with its columns mapped to canonical field names."""

    filepath: str
    lineno: int
    fields: Sequence[str]
    columns: Mapping[str, int]
    names: Mapping[str, str]  # canonical field -> the header's own spelling
    mark: str | None = None
    empty: frozenset[str] = frozenset({"", "--"})

    def get(self, name: str) -> str:
        """The cell of a field, stripped; empty when the column is absent."""
        index = self.columns.get(name)
        if index is None or index >= len(self.fields):
            return ""
        value = self.fields[index].strip()
        return "" if value in self.empty else value

    def amount(self, name: str, required: bool = False) -> Decimal:
        """The cell as an amount (zero when empty and not ``required``).

        Raises:
            InputError: the cell is not an amount, or is empty and required.
        """
        value = self.get(name)
        column = self.names.get(name, name)
        if not value:
            if required:
                raise InputError(self.filepath, self.lineno, f"column {column!r} is empty")
            return ZERO
        return amount_field(value, self.filepath, self.lineno, column, self.mark)

    def fail(self, message: str) -> InputError:
        """An InputError about this row."""
        return InputError(self.filepath, self.lineno, message)


def rows_of(
    filepath: str,
    records: Sequence[CsvRow],
    header: CsvRow,
    aliases: Mapping[str, Iterable[str]],
    amount_fields: Iterable[str],
    *,
    required: Iterable[str] = (),
    default_mark: str = ".",
    strict_width: bool = True,
) -> list[Row]:
    """Turn the records after ``header`` into :class:`Row` objects.

    Checks that the ``required`` fields have a column and that every record has the
    header's width (a shifted row would put an amount under the wrong column), and detects
    the file's decimal mark from its amount columns.

    Raises:
        InputError: a required column is missing or a record has the wrong width.
    """
    columns = map_columns(header.fields, aliases)
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(
            filepath,
            header.lineno,
            f"the header has no column for {', '.join(missing)}; export the file again with "
            "its default columns",
        )
    names = {name: header.fields[i].strip() for name, i in columns.items()}
    body = [r for r in records if r.lineno > header.lineno]
    if strict_width:
        for record in body:
            if len(record.fields) != len(header.fields):
                raise InputError(
                    filepath,
                    record.lineno,
                    f"the row has {len(record.fields)} fields but the header has "
                    f"{len(header.fields)}; fix the row or export the file again",
                )
    indexes = [columns[name] for name in amount_fields if name in columns]
    values = [r.fields[i] for r in body for i in indexes if i < len(r.fields)]
    mark = detect_decimal_mark(values, default_mark)
    return [Row(filepath, r.lineno, r.fields, columns, names, mark) for r in body]


_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)

#: Zone abbreviations processors print, as fixed offsets (hours).
ABBREVIATIONS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "IST": 1,
    "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "HNEC": 1, "HAEC": 2,
    "EET": 2, "EEST": 3, "MSK": 3,
    "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4,
    "AEST": 10, "AEDT": 11, "JST": 9,
}  # fmt: skip


def zone_of(name: str) -> dt.tzinfo | None:
    """Return the time zone a column names (abbreviation, ``UTC+2``, IANA name), or None."""
    text = name.strip()
    if not text:
        return None
    if text.upper() in ABBREVIATIONS:
        return dt.timezone(dt.timedelta(hours=ABBREVIATIONS[text.upper()]))
    match = _OFFSET.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return dt.timezone(sign * dt.timedelta(minutes=minutes))
    if "/" in text:
        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def parse_timestamp(value: str, formats: Sequence[str]) -> dt.datetime | None:
    """Parse with the first matching format, or ISO 8601; None when nothing matches."""
    text = value.strip()
    for form in formats:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
