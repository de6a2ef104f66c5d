"""The shared machinery of every bank statement importer.

A bank importer does one thing of its own: :meth:`BankImporter.parse` turns a file into a
:class:`Statement` (platform-agnostic :class:`~ecomledger.model.BankLine` and
:class:`~ecomledger.model.StatementBalance` records plus findings). Everything else is
shared here so that eight formats behave as one:

- ``extract`` books the records with :mod:`ecomledger.booking` (suspense counter-posting,
  flag ``!``, ``source``/``source_id``/``bank_ref`` metadata), so the dedupe keys are
  computed in one place for every bank;
- identical rows are numbered by *content* within a file (:func:`number_occurrences`), so
  two genuine twins on one day both survive dedupe while a re-export of an overlapping
  period yields the same keys again;
- statements that state an opening and a closing balance are checked against their own
  lines (:func:`reconcile`); one that does not add up keeps its lines, loses its failing
  closing assertion and says so in one sentence (a finding), so the import still succeeds
  and ``check`` does not blame the books for the bank file's fault;
- currency codes are normalised once (:meth:`BankImporter.currency_of`).

Choices that apply to every format:

- **Closing balances** are asserted on the day *after* their date: Beancount checks a
  ``balance`` at the start of its day, a statement states it at the end.
- **Opening balances** are asserted on the date of the statement's first line (the start of
  that day), whatever date the bank gives them: banks date an opening balance either the
  statement's first day or the previous day's close (CFONB does the latter), and the first
  line's day is right for both readings.
- **A closing balance dated before the statement's last line** cannot be asserted anywhere
  meaningful: it is left out with a finding.
- **Currency codes**: a lower-case code is upper-cased (``chf`` → ``CHF``). A code that is
  not ISO 4217 (an anonymiser's ``PRA``) is not trusted: the line is kept in the importer's
  currency and the code read is kept in ``currency_in_file`` metadata, with a finding.
  A genuine ISO code different from the account's is kept as is (multi-currency accounts).
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import beangulp
from beancount.core import data

from ecomledger import booking
from ecomledger.errors import ConfigError, InputError
from ecomledger.importers._currency import read_currency
from ecomledger.memory import consume, paused_gc
from ecomledger.model import BankLine, StatementBalance
from ecomledger.money import ZERO, money_problem, parse_amount

log = logging.getLogger(__name__)


@dataclass
class Statement:
    """What one bank file says: its movements, its stated balances and what is odd in it.

    ``findings`` are one-sentence messages about the file (a statement that does not add
    up, skipped pending rows, a scrambled currency); they never stop the import.
    """

    lines: list[BankLine] = field(default_factory=list)
    balances: list[StatementBalance] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sniff:
    """The answer to "is this file mine?", with the reason when it is not."""

    ok: bool
    reason: str = ""


class BankImporter(beangulp.Importer):
    """A beangulp importer for one bank account and one statement format.

    Args:
        name: the configured name of the bank (``main``); the entries' ``source`` is
            ``<format>:<name>`` (``qonto:main``).
        account: the Beancount account of the bank (``Assets:Bank:Qonto``).
        currency: the account's currency, used when a file states none or a scrambled one.
        accounts: for files that hold several bank accounts (MT940, CAMT, CFONB, OFX,
            Revolut), the Beancount account of each bank account identifier (IBAN,
            ``:25:`` value, account number, Revolut account name). Identifiers not listed
            go to ``account``; a file holding two or more unlisted identifiers is refused,
            because their lines and balances cannot share one Beancount account.
        timezone: the company's time zone; timestamps given in UTC are converted to it
            before the booking date is taken.
    """

    format: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        account: str,
        currency: str = "EUR",
        *,
        accounts: Mapping[str, str] | None = None,
        timezone: str = "Europe/Paris",
    ) -> None:
        self.config_name = name
        self.bank_account = account
        self.currency = currency.upper()
        self.accounts = dict(accounts or {})
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"bank {name!r}: unknown time zone {timezone!r}") from exc
        self.findings: dict[str, list[str]] = {}

    # -- beangulp protocol -------------------------------------------------------------

    @property
    def name(self) -> str:
        """The importer's unique id in beangulp's CLI and Fava: its ``source``."""
        return self.source

    @property
    def source(self) -> str:
        """``<format>:<name>``, the ``source`` metadata of every entry (``qonto:main``)."""
        return f"{self.format}:{self.config_name}"

    def identify(self, filepath: str) -> bool:
        """Return True when the file is in this importer's format (see :meth:`sniff`)."""
        return self.sniff(filepath).ok

    def account(self, filepath: str) -> data.Account:
        """Return the bank account the file is archived under."""
        return self.bank_account

    def date(self, filepath: str) -> dt.date | None:
        """Return the date of the file's last line, for archiving."""
        lines = self.parse(filepath).lines
        return max((line.date for line in lines), default=None)

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """Parse the file and book its lines and balances.

        The findings of the file are logged as warnings and kept in
        ``self.findings[filepath]`` for a caller (the CLI) that wants to print them.
        """
        with paused_gc():
            statement = self.parse(filepath)
            # Each line is dropped once booked: its memory is reused for the next entries.
            entries: data.Entries = [
                booking.book_bank_line(line, **line.extra) for line in consume(statement.lines)
            ]
            entries.extend(booking.book_balance(balance) for balance in statement.balances)
        self.findings[filepath] = statement.findings
        for finding in statement.findings:
            log.warning("%s", finding)
        return entries

    # -- what a format implements ------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Say whether ``filepath`` is in this format, reading only its start."""

    @abc.abstractmethod
    def parse(self, filepath: str) -> Statement:
        """Read ``filepath`` into a :class:`Statement`.

        Raises:
            InputError: the file cannot be read as this format; names file and line.
        """

    # -- helpers for formats -----------------------------------------------------------

    def line(
        self,
        filepath: str,
        lineno: int,
        *,
        date: dt.date,
        amount: Decimal,
        currency: str,
        payee: str = "",
        narration: str = "",
        bank_ref: str = "",
        account: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> BankLine:
        """Build a BankLine of this importer (occurrence is set later, by content).

        Plain construction of a dataclass; the amount is checked here, once for every format:
        a ``10.005`` on a EUR account cannot be booked exactly, so the file is refused.

        Raises:
            InputError: the amount has more decimals than the currency, or is not finite.
        """
        _check_amount(amount, currency, filepath, lineno)
        return BankLine(
            source=self.source,
            filename=filepath,
            lineno=lineno,
            account=account or self.bank_account,
            date=date,
            amount=amount,
            currency=currency,
            payee=clean(payee),
            narration=clean(narration),
            bank_ref=bank_ref.strip(),
            extra={k: v for k, v in (extra or {}).items() if v},
            occurrence=1,
        )

    def balance(
        self,
        filepath: str,
        lineno: int,
        *,
        date: dt.date,
        amount: Decimal,
        currency: str,
        account: str | None = None,
    ) -> StatementBalance:
        """Build a StatementBalance of this importer (``date``: start of day, Beancount's)."""
        _check_amount(amount, currency, filepath, lineno)
        return StatementBalance(
            source=self.source,
            filename=filepath,
            lineno=lineno,
            account=account or self.bank_account,
            date=date,
            amount=amount,
            currency=currency,
        )

    def currency_of(
        self, code: str, filepath: str, lineno: int, findings: list[str]
    ) -> tuple[str, dict[str, str]]:
        """Normalise a currency code read from a file (see the module docstring).

        Returns:
            The currency to book and the metadata to add to the line.
        """
        booked_as = f"lines are booked in {self.currency}, the account's currency"
        return read_currency(code, self.currency, filepath, lineno, findings, booked_as)

    def account_for(self, identifier: str) -> str:
        """Return the Beancount account of a bank account identifier found in a file."""
        return self.accounts.get(identifier.strip(), self.bank_account)

    def check_accounts(self, filepath: str, identifiers: Iterable[str]) -> None:
        """Refuse a file whose unmapped bank accounts would share one Beancount account.

        Raises:
            InputError: two or more identifiers are not in ``accounts``.
        """
        unmapped = sorted({i.strip() for i in identifiers if i.strip() not in self.accounts})
        if len(unmapped) > 1:
            from ecomledger.identify_hints import accounts_block  # the line to paste

            listed = ", ".join(unmapped[:5]) + (", …" if len(unmapped) > 5 else "")
            raise InputError(
                filepath,
                0,
                f"holds statements for {len(unmapped)} bank accounts ({listed}); map each "
                f"to a Beancount account in the bank's `accounts` setting, otherwise "
                f"their lines and balances would all land on {self.bank_account}; paste "
                f"this under the [[banks]] entry named {self.config_name!r} in "
                "ecomledger.toml, adjust the account names, and import again:\n\n"
                f"{accounts_block(self.bank_account, unmapped)}\n",
            )

    def to_local_date(self, moment: dt.datetime) -> dt.date:
        """Return the booking date of a timestamp: naive ones are UTC, as the columns say."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone).date()


def _check_amount(amount: Decimal, currency: str, filepath: str, lineno: int) -> None:
    problem = money_problem(amount, currency)
    if problem:
        raise InputError(filepath, lineno, f"the amount {problem}; export the statement again")


def clean(text: str) -> str:
    """Collapse whitespace (statements pad and wrap free text) and strip it."""
    return " ".join(text.split())


def number_occurrences(lines: Sequence[BankLine]) -> list[BankLine]:
    """Number identical lines by content: the n-th twin of a day gets occurrence n.

    The key is what the fingerprint hashes (account, date, amount, currency, payee,
    narration), counted in file order. Counting by content, not by row position, is what
    makes a re-export of an overlapping period produce the same keys as the first export.
    Lines with a bank reference keep occurrence 1: the reference already tells them apart.
    """
    seen: Counter[tuple[object, ...]] = Counter()
    out: list[BankLine] = []
    for line in lines:
        if line.bank_ref:
            out.append(line)
            continue
        key = (line.account, line.date, line.amount, line.currency, line.payee, line.narration)
        seen[key] += 1
        count = seen[key]
        out.append(line if count == 1 else replace(line, occurrence=count))
    return out


def fmt(amount: Decimal) -> str:
    """Format an amount for a finding: ``1,017,311.89``."""
    return f"{amount:,.2f}"


@dataclass(frozen=True)
class StatedBalances:
    """The balances one statement (one account, one period) states about itself."""

    label: str  # "statement 1 of jejik_ing.sta"
    account: str
    currency: str
    opening: Decimal | None = None
    opening_lineno: int = 0
    closing: Decimal | None = None
    closing_date: dt.date | None = None
    closing_lineno: int = 0
    interim_opening: bool = False  # MT940 :60M: — checked, never asserted
    interim_closing: bool = False  # MT940 :62M: — checked, never asserted


def reconcile(
    importer: BankImporter,
    filepath: str,
    stated: StatedBalances,
    lines: Sequence[BankLine],
    findings: list[str],
) -> list[StatementBalance]:
    """Check a statement against itself and return the balance assertions to keep.

    The opening balance is asserted at the start of the first line's day (or the closing
    date when the statement has no lines). The closing balance is asserted the day after
    its date, unless the statement does not add up (opening + lines ≠ closing) or the
    closing date precedes the last line: then it is left out and one finding says why.
    Intermediate balances (a statement split over several messages) are checked but not
    asserted: the next part of the same day would contradict them.
    """
    out: list[StatementBalance] = []
    total = sum((line.amount for line in lines if line.currency == stated.currency), ZERO)
    first = min((line.date for line in lines), default=stated.closing_date)
    last = max((line.date for line in lines), default=None)
    if stated.opening is not None and first is not None and not stated.interim_opening:
        out.append(
            importer.balance(
                filepath,
                stated.opening_lineno,
                date=first,
                amount=stated.opening,
                currency=stated.currency,
                account=stated.account,
            )
        )
    if stated.closing is None or stated.closing_date is None:
        return out
    if stated.opening is not None and stated.opening + total != stated.closing:
        findings.append(
            f"{stated.label}: opening {fmt(stated.opening)} {stated.currency} + lines "
            f"{fmt(total)} {stated.currency} = {fmt(stated.opening + total)} "
            f"{stated.currency} but the statement says closing {fmt(stated.closing)} "
            f"{stated.currency}; its balance assertion is left out"
        )
        return out
    if last is not None and stated.closing_date < last:
        findings.append(
            f"{stated.label}: the closing balance is dated {stated.closing_date}, before "
            f"its last line ({last}); its balance assertion is left out"
        )
        return out
    if stated.interim_closing:
        return out
    out.append(
        importer.balance(
            filepath,
            stated.closing_lineno,
            date=stated.closing_date + dt.timedelta(days=1),
            amount=stated.closing,
            currency=stated.currency,
            account=stated.account,
        )
    )
    return out


def amount_field(text: str, filepath: str, lineno: int, column: str, mark: str | None) -> Decimal:
    """Parse an amount cell, turning a bad value into an InputError naming the cell."""
    try:
        return parse_amount(text, mark)
    except ValueError as exc:
        raise InputError(filepath, lineno, f"column {column!r}: {exc}") from exc


@functools.lru_cache(maxsize=64)
def _iso_first(formats: tuple[str, ...]) -> bool:
    return any(form.startswith("%Y-%m-%d") for form in formats)


def date_field(
    text: str, filepath: str, lineno: int, column: str, formats: Sequence[str]
) -> dt.datetime:
    """Parse a date or timestamp cell with the first matching format.

    Raises:
        InputError: no format matches; the message quotes the value and the formats.
    """
    value = text.strip()
    if value[4:5] == "-" and _iso_first(tuple(formats)):
        try:  # the C parser is ~10x faster than strptime on the common ISO layout
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    for form in formats:
        try:
            return dt.datetime.strptime(value, form)
        except ValueError:
            continue
    wanted = " or ".join(formats)
    raise InputError(filepath, lineno, f"column {column!r}: {value!r} is not a date ({wanted})")


def column_index(header: Sequence[str]) -> dict[str, int]:
    """Map each column name to its *first* position (later duplicates keep theirs apart)."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name.strip(), i)
    return index


def check_width(filepath: str, lineno: int, fields: Sequence[str], width: int) -> None:
    """Refuse a row whose field count differs from the header's.

    A shifted row would put an amount under the wrong column; guessing which field is
    extra is how a wrong figure gets into the books, so the row is refused instead.
    """
    if len(fields) != width:
        raise InputError(
            filepath,
            lineno,
            f"the row has {len(fields)} fields but the header has {width}; a separator "
            "inside an unquoted field has probably shifted the columns: fix the row or "
            "export the file again",
        )
