"""CFONB 120: the French banks' fixed-width statement ("relevé de compte 120 caractères").

Records of 120 characters: ``01`` opening balance, ``04`` movement, ``05`` complement of
the preceding ``04``, ``07`` closing balance; one ``01``…``07`` section per account and
day. Files come with CR/LF, LF, or no line breaks at all (then every 120 characters is a
record). Amounts are 14 digits whose last character is a signed overpunch (``{``/``A``-``I``
positive, ``}``/``J``-``R`` negative) with the number of decimals at position 20.

Choices:

- The booking date (positions 35-40) is the line's date; the value date goes to metadata.
- Payee: the ``05 NPY`` payer for a credit, the ``05 NBE`` beneficiary for a debit (the
  other one is the account holder). Narration: the ``04`` label, then ``05 LIB`` text.
- CFONB carries no bank-wide unique transaction id (the reference field is often blank or
  the remitter's), so lines are keyed by fingerprint; the reference and ``RCN`` remittance
  reference go to metadata.
- Each section's ``01``/``07`` pair is reconciled against its movements (see
  :func:`ecomledger.importers._bank.reconcile`).
- A record shorter than 120 characters is padded (trailing spaces get trimmed by mail and
  editors); a longer one, an unknown record code or a bad amount is refused naming the
  record.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from decimal import Decimal

from ecomledger.errors import InputError
from ecomledger.importers._bank import (
    BankImporter,
    Sniff,
    StatedBalances,
    Statement,
    number_occurrences,
    reconcile,
)
from ecomledger.importers._text import read_head, read_text
from ecomledger.model import BankLine

WIDTH = 120
_POSITIVE = {"{": 0} | {chr(ord("A") + i): i + 1 for i in range(9)}
_NEGATIVE = {"}": 0} | {chr(ord("J") + i): i + 1 for i in range(9)}


def records(text: str) -> list[tuple[int, str]]:
    """Split a CFONB file into (record number, 120-character record) pairs."""
    body = text.rstrip("\r\n\x1a ")
    if "\n" not in body and "\r" not in body and len(body) > WIDTH:
        chunks = [body[i : i + WIDTH] for i in range(0, len(body), WIDTH)]
    else:
        chunks = body.splitlines()
    return [(n, chunk) for n, chunk in enumerate(chunks, 1) if chunk.strip()]


def overpunch(text: str, decimals: int, filepath: str, lineno: int) -> Decimal:
    """Decode a CFONB amount: digits then a signed overpunch character."""
    digits, last = text[:-1], text[-1:]
    if last in _POSITIVE:
        sign, unit = 1, _POSITIVE[last]
    elif last in _NEGATIVE:
        sign, unit = -1, _NEGATIVE[last]
    else:
        sign, unit = 0, 0
    if not sign or not digits.isdigit():
        raise InputError(filepath, lineno, f"{text!r} at positions 91-104 is not a CFONB amount")
    return sign * Decimal(int(digits) * 10 + unit).scaleb(-decimals)


def cfonb_date(text: str, filepath: str, lineno: int, what: str) -> dt.date:
    """Decode a DDMMYY date; two-digit years are 2000-2079, 1980-1999 otherwise."""
    try:
        day = dt.datetime.strptime(text, "%d%m%y").date()
    except ValueError as exc:
        raise InputError(filepath, lineno, f"{what} {text!r} is not a DDMMYY date") from exc
    return day if day.year < 2080 else day.replace(year=day.year - 100)


@dataclass
class _Movement:
    lineno: int
    record: str
    complements: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Section:
    account_number: str
    currency: str
    opening: Decimal | None = None
    opening_lineno: int = 0
    closing: Decimal | None = None
    closing_date: dt.date | None = None
    closing_lineno: int = 0
    movements: list[_Movement] = field(default_factory=list)


class Importer(BankImporter):
    """CFONB 120 statement → bank lines and balance assertions."""

    format = "cfonb120"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Starts with an ``01`` record of 120 characters whose amount is overpunched."""
        head = read_head(filepath, 2 * WIDTH + 4)
        first = head[:WIDTH]
        if len(first) == WIDTH and first.startswith("01") and first[103] in _POSITIVE | _NEGATIVE:
            return Sniff(True)
        return Sniff(False, "does not start with a 120-character '01' balance record")

    def parse(self, filepath: str) -> Statement:
        """Read every section; refuses malformed records naming their number."""
        sections = self._sections(filepath, read_text(filepath).text)
        self.check_accounts(filepath, {s.account_number for s in sections})
        statement = Statement()
        lines: list[BankLine] = []
        name = os.path.basename(filepath)
        for n, section in enumerate(sections, 1):
            section_lines = [self._line(filepath, section, m) for m in section.movements]
            stated = StatedBalances(
                label=f"section {n} (account {section.account_number}) of {name}",
                account=self.account_for(section.account_number),
                currency=section.currency,
                opening=section.opening,
                opening_lineno=section.opening_lineno,
                closing=section.closing,
                closing_date=section.closing_date,
                closing_lineno=section.closing_lineno,
            )
            statement.balances += reconcile(
                self, filepath, stated, section_lines, statement.findings
            )
            lines += section_lines
        statement.lines = number_occurrences(lines)
        return statement

    def _sections(self, filepath: str, text: str) -> list[_Section]:
        sections: list[_Section] = []
        current: _Section | None = None
        for lineno, raw in records(text):
            if len(raw.rstrip()) > WIDTH:
                raise InputError(filepath, lineno, f"record is {len(raw)} characters, not 120")
            record = raw.ljust(WIDTH)
            code = record[:2]
            if code == "01":
                current = self._open(filepath, lineno, record)
                sections.append(current)
            elif current is None:
                raise InputError(filepath, lineno, f"record {code!r} before any '01' record")
            elif code == "04":
                current.movements.append(_Movement(lineno, record))
            elif code == "05":
                self._complement(filepath, lineno, record, current)
            elif code == "07":
                current.closing = self._amount(filepath, lineno, record)
                current.closing_date = cfonb_date(record[34:40], filepath, lineno, "date")
                current.closing_lineno = lineno
            else:
                raise InputError(filepath, lineno, f"record code {code!r} is not 01, 04, 05 or 07")
        return sections

    def _open(self, filepath: str, lineno: int, record: str) -> _Section:
        currency = record[16:19].strip() or self.currency
        return _Section(
            account_number=record[21:32].strip(),
            currency=currency.upper(),
            opening=self._amount(filepath, lineno, record),
            opening_lineno=lineno,
        )

    @staticmethod
    def _amount(filepath: str, lineno: int, record: str) -> Decimal:
        decimals = record[19]
        if not decimals.isdigit():
            raise InputError(filepath, lineno, f"decimals {decimals!r} at position 20")
        return overpunch(record[90:104], int(decimals), filepath, lineno)

    @staticmethod
    def _complement(filepath: str, lineno: int, record: str, section: _Section) -> None:
        if not section.movements:
            raise InputError(filepath, lineno, "a '05' complement with no '04' before it")
        qualifier, text = record[45:48], record[48:118].strip()
        section.movements[-1].complements.setdefault(qualifier, []).append(text)

    def _line(self, filepath: str, section: _Section, movement: _Movement) -> BankLine:
        record, lineno = movement.record, movement.lineno
        amount = self._amount(filepath, lineno, record)
        more = movement.complements

        def joined(qualifier: str) -> str:
            return " ".join(more.get(qualifier, []))

        payee = joined("NPY") if amount > 0 else joined("NBE")
        narration = " ".join(v for v in (record[48:79].strip(), joined("LIB")) if v)
        value_date = cfonb_date(record[42:48], filepath, lineno, "value date")
        return self.line(
            filepath,
            lineno,
            date=cfonb_date(record[34:40], filepath, lineno, "booking date"),
            amount=amount,
            currency=section.currency,
            payee=payee,
            narration=narration,
            account=self.account_for(section.account_number),
            extra={
                "value_date": value_date.isoformat(),
                "operation_code": record[32:34].strip(),
                "reference": record[104:120].strip(),
                "remittance_ref": joined("RCN"),
                "mandate": joined("RUM"),
            },
        )
