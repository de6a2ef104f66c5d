"""MT940 (SWIFT customer statement), read with the ``mt-940`` package.

A file holds one or more statements (``:20:`` … ``:62F:``), possibly behind a SWIFT
envelope or a bank header (ING's ``0000 01INGBNL2AXXXX00001``). The file is decoded with
the shared detection (some banks write CP1252), split before every ``:20:`` and each
statement is parsed on its own, so each keeps its own balances and can be reconciled.

Choices:

- **Sign from the mark, not from the package:** ``C`` and ``RD`` (reversal of a debit) are
  credits, ``D`` and ``RC`` (reversal of a credit) are debits. The package reads ``RC``
  lines with a positive sign; with the debit sign every statement of the German sample
  reconciles.
- The date is the entry (booking) date when the line gives one, else the value date; the
  entry date's year is the package's guess across a year end. The value date goes to
  metadata.
- ``bank_ref`` is the bank reference after ``//`` (``NONREF`` is none). The customer
  reference is the payer's and not unique.
- Payee and narration come from the German ``?xx`` sub-fields when present (name
  ``?32``/``?33``, purpose ``?20``-``?29``), else the whole ``:86:`` text is the narration.
- Opening ``:60F:`` and closing ``:62F:`` balances become assertions after each statement
  is checked against its own lines; intermediate ``:60M:``/``:62M:`` ones (a day split
  over several messages) are checked but not asserted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import mt940

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

_STATEMENT_START = re.compile(r"(?m)^(?=:20:)")
_CREDIT_MARKS = {"C": 1, "RD": 1, "D": -1, "RC": -1}


def split_statements(text: str) -> list[tuple[int, str]]:
    """Return (first line number, text) of each statement, dropping envelopes."""
    out = []
    offset = 0
    for chunk in _STATEMENT_START.split(text):
        if chunk.startswith(":20:"):
            out.append((text.count("\n", 0, offset) + 1, chunk))
        offset += len(chunk)
    return out


_LINE_61 = re.compile(
    r":61:(?P<date>\d{6})(?P<entry>\d{4}|\s{4})?(?P<mark>R?[DC])[A-Z]?\s?"
    r"(?P<amount>\d{1,14},\d{0,3})(?![\d,])"
)
_BALANCE = re.compile(r":6[0245][FM]?:[CD](?P<date>\d{6})[A-Z]{3}(?P<amount>\d{1,14},\d{0,3})\s*")
_BALANCE_TAG = re.compile(r":6[0245][FM]?:")
_MANGLED_61 = re.compile(r":?\s?61\s?:\s?\d{6}")


def check_lines(filepath: str, first_lineno: int, chunk: str) -> None:
    """Refuse a statement whose ``:61:`` or balance line is not what SWIFT defines.

    The ``mt-940`` package skips a ``:61:`` it cannot match, gluing its ``:86:`` text to
    the line before, and moves an impossible date (31 February) to the month's last day:
    a movement lost and another one mislabelled, without a word. So each such line is
    checked here first, and a bad one refuses the file naming its line.

    Raises:
        InputError: naming the line, what is wrong and the format expected.
    """
    for offset, raw in enumerate(chunk.split("\n")):
        lineno = first_lineno + offset
        line = raw.rstrip()
        if _MANGLED_61.match(line.lstrip()) and not line.startswith(":61:"):
            raise InputError(
                filepath,
                lineno,
                f"this line looks like a ':61:' statement line but is not one "
                f"({line[:40]!r}); read as text, its movement would be lost: fix the tag "
                "or export the statement again",
            )
        if line.startswith(":61:"):
            match = _LINE_61.match(line)
            if match is None:
                raise InputError(
                    filepath,
                    lineno,
                    f"this ':61:' line cannot be read ({line.strip()[:40]!r}); SWIFT writes "
                    "it YYMMDD[MMDD], C/D/RC/RD, the amount with a decimal comma and the "
                    "transaction code: export the statement again",
                )
            _check_date(filepath, lineno, match.group("date"))
            entry = match.group("entry")
            if entry and entry.strip():
                _check_date(filepath, lineno, "00" + entry, "entry date")
        elif _BALANCE_TAG.match(line):
            match = _BALANCE.fullmatch(line)
            if match is None:
                raise InputError(
                    filepath,
                    lineno,
                    f"this balance line cannot be read ({line.strip()[:40]!r}); SWIFT writes "
                    "it C or D, YYMMDD, the currency and the amount with a decimal comma",
                )
            _check_date(filepath, lineno, match.group("date"))


def _check_date(filepath: str, lineno: int, yymmdd: str, what: str = "date") -> None:
    """A YYMMDD date must exist (``00`` years are leap, so an entry's 29 February passes)."""
    try:
        dt.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError as exc:
        raise InputError(
            filepath,
            lineno,
            f"the {what} {yymmdd[-4:] if what != 'date' else yymmdd} is not a day of the "
            "calendar (YYMMDD); the file is damaged: export it again",
        ) from exc


def _stated_balance(data: dict[str, Any], kind: str) -> Any:
    return data.get(f"final_{kind}_balance") or data.get(f"intermediate_{kind}_balance")


class Importer(BankImporter):
    """MT940 statement file → bank lines and balance assertions."""

    format = "mt940"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Has the ``:20:``, ``:25:`` and ``:60?:`` tags near its start."""
        head = read_head(filepath)
        if all(tag in head for tag in (":20:", ":25:", ":61:")) or (
            ":20:" in head and ":60F:" in head
        ):
            return Sniff(True)
        return Sniff(False, "no ':20:'/':25:'/':60F:' MT940 tags")

    def parse(self, filepath: str) -> Statement:
        """Read every statement of the file."""
        text = read_text(filepath).text.replace("\r\n", "\n")
        chunks = split_statements(text)
        if not chunks:
            raise InputError(filepath, 0, "has no ':20:' tag: not an MT940 statement")
        parsed = [(lineno, self._parse_one(filepath, lineno, chunk)) for lineno, chunk in chunks]
        self.check_accounts(
            filepath, {str(t.data.get("account_identification", "")) for _, t in parsed}
        )
        statement = Statement()
        lines: list[BankLine] = []
        name = os.path.basename(filepath)
        for n, (lineno, transactions) in enumerate(parsed, 1):
            account = self.account_for(str(transactions.data.get("account_identification", "")))
            stmt_lines = [self._line(filepath, lineno, account, t, statement) for t in transactions]
            stated = self._stated(transactions.data, account, f"statement {n} of {name}", lineno)
            statement.balances += reconcile(self, filepath, stated, stmt_lines, statement.findings)
            lines += stmt_lines
        statement.lines = number_occurrences(lines)
        return statement

    @staticmethod
    def _parse_one(filepath: str, lineno: int, chunk: str) -> mt940.models.Transactions:
        check_lines(filepath, lineno, chunk)
        transactions = mt940.models.Transactions()
        try:
            transactions.parse(chunk)
        except (ValueError, KeyError, AttributeError, RuntimeError) as exc:
            raise InputError(
                filepath, lineno, f"the statement starting here cannot be read: {exc}"
            ) from exc
        return transactions

    def _stated(
        self, data: dict[str, Any], account: str, label: str, lineno: int
    ) -> StatedBalances:
        opening, closing = _stated_balance(data, "opening"), _stated_balance(data, "closing")
        currency = (opening or closing).amount.currency if (opening or closing) else ""
        return StatedBalances(
            label=label,
            account=account,
            currency=(currency or self.currency).upper(),
            opening=Decimal(opening.amount.amount) if opening else None,
            opening_lineno=lineno,
            closing=Decimal(closing.amount.amount) if closing else None,
            closing_date=_as_date(closing.date) if closing else None,
            closing_lineno=lineno,
            interim_opening="final_opening_balance" not in data,
            interim_closing="final_closing_balance" not in data,
        )

    def _line(
        self,
        filepath: str,
        lineno: int,
        account: str,
        transaction: mt940.models.Transaction,
        statement: Statement,
    ) -> BankLine:
        data = transaction.data
        mark = str(data.get("status", "")).upper()
        if mark not in _CREDIT_MARKS:
            raise InputError(filepath, lineno, f"a ':61:' line has the unknown mark {mark!r}")
        amount = _CREDIT_MARKS[mark] * abs(Decimal(data["amount"].amount))
        currency, extra = self.currency_of(
            str(data.get("currency") or ""), filepath, lineno, statement.findings
        )
        value_date = _as_date(data["date"])
        booked = _as_date(data.get("entry_date") or data["date"])
        payee, narration = _describe(data)
        bank_ref = str(data.get("bank_reference") or "")
        extra.update(
            {
                "value_date": value_date.isoformat(),
                "mt940_code": str(data.get("id") or ""),
                "customer_ref": _ref(data.get("customer_reference")),
            }
        )
        if mark.startswith("R"):
            extra["reversal"] = "true"
        return self.line(
            filepath,
            lineno,
            date=booked,
            amount=amount,
            currency=currency,
            payee=payee,
            narration=narration,
            bank_ref=_ref(bank_ref),
            account=account,
            extra=extra,
        )


def _ref(value: object) -> str:
    text = str(value or "").strip()
    return "" if text.upper() in ("NONREF", "NONE") else text


def _as_date(value: Any) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def _describe(data: dict[str, Any]) -> tuple[str, str]:
    """Payee and narration from the structured sub-fields, else the raw ``:86:`` text."""
    payee = str(data.get("applicant_name") or "")
    purpose = " ".join(
        str(data.get(key) or "") for key in ("purpose", "end_to_end_reference", "posting_text")
    )
    narration = " ".join(purpose.split()) or str(data.get("transaction_details") or "")
    return payee, narration
