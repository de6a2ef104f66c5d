"""Revolut Business transaction CSV export, every layout seen so far.

Layouts (columns are found by name, rows are read as lists because the 2025 header has
``Description`` twice and a dict reader would silently drop one):

- 2022: ``Date started (UTC), Date completed (UTC), [two local-time columns named after the
  account's zone], ID, Type, Description, Reference, Payer, …, Amount, Fee, Balance, …``;
  ISO dates (or UTC timestamps in older exports);
- 2024: adds ``Exchange rate`` and ``Fee currency``;
- 2025: adds ``State``, ``Total amount``, ``MCC``…; dates ``dd/mm/yyyy``; ``Description``
  twice (the first is the label, the second, when different, is kept as metadata).

Choices:

- Only completed rows are movements: ``State`` = ``COMPLETED`` when the column exists,
  otherwise a row without a completion date is pending. The booking date is ``Date
  completed (UTC)``; a timestamp is converted to the company's zone, a bare date is taken
  as written.
- ``Amount`` is signed in the payment currency. ``Fee`` becomes a **separate bank line**
  (payee ``Revolut``, ``bank_ref`` ``<ID>:fee``) that always reduces the balance: the 2022
  file writes fees negative, later files positive, and Revolut never pays a fee to you.
  A separate line lets categorisation send it to ``Expenses:BankFees`` on its own.
- Rows that move nothing (amount and fee both zero: card checks) are skipped.
- ``ID`` is the ``bank_ref`` when it is unique in the file. Anonymised exports repeat one ID
  on every row; then the IDs key nothing and rows fall back to fingerprints (a finding
  says so). A row in another currency than the importer's gets ``<ID>/<currency>``, since
  an EXCHANGE appears once per currency account with the same ID.
- The ``Account`` column picks the Beancount account through ``accounts``.
- ``Description`` is the counterparty (merchant, sender, beneficiary): it is the payee;
  ``Reference`` is the narration. ``Payer`` is the team member who paid, kept as
  ``revolut_payer`` metadata.
- Rows are listed newest first; they are reversed so lines of one day keep bank order.
- The running ``Balance`` column is not turned into assertions: it is the balance after a
  row, and an export taken mid-day would assert a balance that the rest of that day's
  rows (imported later) contradict.
- The *expenses* export (``Expense ID``, tax columns) is not a bank statement: ``identify``
  rejects it and ``parse`` refuses it saying so.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence

from ecomledger.errors import InputError
from ecomledger.importers._bank import (
    BankImporter,
    Sniff,
    Statement,
    amount_field,
    check_width,
    column_index,
    date_field,
    number_occurrences,
)
from ecomledger.importers._text import CsvRow, first_line, iter_csv, read_head, read_text
from ecomledger.model import BankLine
from ecomledger.money import ZERO

_REQUIRED = ("Date completed (UTC)", "ID", "Type", "Amount", "Payment currency")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_EXPENSES_MARKERS = ("Expense ID", "Transaction started (UTC)")


def _kind(header: Sequence[str]) -> str:
    names = {h.strip() for h in header}
    if any(marker in names for marker in _EXPENSES_MARKERS):
        return "expenses"
    if set(_REQUIRED) <= names:
        return "statement"
    return ""


class Importer(BankImporter):
    """Revolut Business CSV → bank lines (see the module docstring)."""

    format = "revolut"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """A statement has the completion date, ID, Type, Amount and currency columns."""
        header = first_line(read_head(filepath))
        fields = next(iter_csv(header, ","), None)
        kind = _kind(fields.fields) if fields else ""
        if kind == "expenses":
            return Sniff(False, "a Revolut expenses export, not a bank statement")
        if kind != "statement":
            return Sniff(False, "no 'Date completed (UTC)', 'ID', 'Amount' header")
        return Sniff(True)

    def parse(self, filepath: str) -> Statement:
        """Read the export, oldest row first; refuses rows whose width is wrong."""
        rows = list(iter_csv(read_text(filepath).text, ","))
        if not rows or _kind(rows[0].fields) != "statement":
            what = "a Revolut expenses export, not" if rows and _kind(rows[0].fields) else "not"
            raise InputError(
                filepath,
                1,
                f"is {what} a Revolut account statement; export the account's "
                "transactions (Transactions ▸ Statement ▸ CSV) instead",
            )
        header, body = rows[0].fields, rows[1:]
        for row in body:
            check_width(filepath, row.lineno, row.fields, len(header))
        return _Reader(self, filepath, header).read(body)


class _Reader:
    """One parse of one file: keeps the column map and the findings together."""

    def __init__(self, importer: Importer, filepath: str, header: list[str]) -> None:
        self.imp = importer
        self.filepath = filepath
        self.col = column_index(header)
        self.second_description = next(
            (
                i
                for i, h in enumerate(header)
                if h.strip() == "Description" and i != self.col.get("Description")
            ),
            None,
        )
        self.statement = Statement()

    def get(self, row: CsvRow, name: str) -> str:
        index = self.col.get(name)
        return row.fields[index].strip() if index is not None else ""

    def read(self, rows: list[CsvRow]) -> Statement:
        completed = [row for row in rows if self._completed(row)]
        skipped = len(rows) - len(completed)
        if skipped:
            self.statement.findings.append(
                f"{os.path.basename(self.filepath)}: {skipped} row(s) not completed "
                "(pending, reverted, declined or failed) were skipped"
            )
        ids = Counter(
            (self.get(r, "ID"), self.get(r, "Payment currency").upper()) for r in completed
        )
        trusted = all(n == 1 for n in ids.values())
        if not trusted and completed:
            self.statement.findings.append(
                f"{os.path.basename(self.filepath)}: the ID column repeats the same ID on "
                "several rows, so rows are keyed by a fingerprint of their content"
            )
        self.imp.check_accounts(self.filepath, {self.get(r, "Account") for r in completed})
        lines: list[BankLine] = []
        for row in completed:
            lines.extend(self._lines(row, trusted))
        if lines and lines[0].date > lines[-1].date:  # newest first: restore bank order
            lines.reverse()
        lines.sort(key=lambda line: line.date)
        self.statement.lines = number_occurrences(lines)
        return self.statement

    def _completed(self, row: CsvRow) -> bool:
        if "State" in self.col:
            return self.get(row, "State").upper() == "COMPLETED"
        return bool(self.get(row, "Date completed (UTC)"))

    def _lines(self, row: CsvRow, trusted: bool) -> list[BankLine]:
        fp, lineno = self.filepath, row.lineno
        moment = date_field(
            self.get(row, "Date completed (UTC)"), fp, lineno, "Date completed (UTC)", _DATE_FORMATS
        )
        date = self.imp.to_local_date(moment) if moment.hour or moment.minute else moment.date()
        amount = amount_field(self.get(row, "Amount"), fp, lineno, "Amount", ".")
        fee_text = self.get(row, "Fee")
        fee = -abs(amount_field(fee_text, fp, lineno, "Fee", ".")) if fee_text else ZERO
        if amount == ZERO and fee == ZERO:
            return []
        code = self.get(row, "Payment currency")
        currency, extra = self.imp.currency_of(code, fp, lineno, self.statement.findings)
        ref = self.get(row, "ID") if trusted else ""
        if ref and currency != self.imp.currency:
            ref = f"{ref}/{currency}"
        account = self.imp.account_for(self.get(row, "Account"))
        description = self.get(row, "Description")
        extra.update(self._extra(row, description))
        lines = []
        if amount != ZERO:
            lines.append(
                self.imp.line(
                    fp, lineno, date=date, amount=amount, currency=currency,
                    payee=description, narration=self.get(row, "Reference"), bank_ref=ref,
                    account=account, extra=extra,
                )
            )  # fmt: skip
        if fee != ZERO:
            fee_code = self.get(row, "Fee currency") or code
            fee_currency, fee_extra = self.imp.currency_of(fee_code, fp, lineno, [])
            lines.append(
                self.imp.line(
                    fp, lineno, date=date, amount=fee, currency=fee_currency, payee="Revolut",
                    narration=f"Fee: {description}", bank_ref=f"{ref}:fee" if ref else "",
                    account=account, extra=fee_extra | {"revolut_type": "FEE"},
                )
            )  # fmt: skip
        return lines

    def _extra(self, row: CsvRow, description: str) -> dict[str, str]:
        extra = {"revolut_type": self.get(row, "Type"), "revolut_payer": self.get(row, "Payer")}
        if self.second_description is not None:
            second = row.fields[self.second_description].strip()
            if second and second != description:
                extra["description2"] = second
        orig = self.get(row, "Orig currency").upper()
        if orig and orig != self.get(row, "Payment currency").upper():
            extra["original_amount"] = f"{self.get(row, 'Orig amount')} {orig}"
        return extra
