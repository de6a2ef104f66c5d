"""Any bank's CSV export, described declaratively by a :class:`CsvLayout`.

Most banks have no dedicated importer and never will; their exports differ only in
column names, date format, separators and how they sign amounts. A user describes that
once in ``ecomledger.toml`` (hledger's rules-file idea, as a validated model)::

    [[banks]]
    name = "savings"
    format = "csv"
    account = "Assets:Bank:Savings"

    [banks.layout]
    date_format = "%d/%m/%Y"
    sign = "debit_credit"

    [banks.layout.columns]
    date = "Date opération"
    debit = "Débit"
    credit = "Crédit"
    narration = ["Libellé", "Détail"]

Columns are named by header text, or by 0-based position when ``has_header`` is false.
Separator, decimal mark and encoding are detected per file unless set.

Signs: ``signed`` (credit positive), ``inverted`` (the bank prints debits positive), or
``debit_credit`` (two unsigned columns; a negative number in either is taken as written
by its magnitude, since banks disagree on whether the debit column carries a minus).

A ``balance`` column, when mapped, gives the statement's closing balance (the balance of
the latest row, asserted the day after its date) and opening balance (the earliest row's
balance minus its amount); the file is then checked against itself like any statement.
Only map it when exports cover whole days: a mid-day export states a balance that rows
booked later that day contradict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ecomledger.errors import InputError
from ecomledger.importers._bank import (
    BankImporter,
    Sniff,
    StatedBalances,
    Statement,
    amount_field,
    check_width,
    date_field,
    number_occurrences,
    reconcile,
)
from ecomledger.importers._text import (
    CsvRow,
    detect_decimal_mark,
    detect_separator,
    first_line,
    iter_csv,
    read_head,
    read_text,
)
from ecomledger.model import BankLine
from ecomledger.money import ZERO

Column = str | int


class CsvColumns(BaseModel):
    """Which column holds what; ``narration`` may join several columns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: Column
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    payee: Column | None = None
    narration: Column | list[Column] | None = None
    reference: Column | None = None
    balance: Column | None = None
    currency: Column | None = None


class CsvLayout(BaseModel):
    """How one bank writes its CSV export (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: CsvColumns
    date_format: str | list[str] = "%Y-%m-%d"
    decimal_mark: Literal[".", ","] | None = None
    separator: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str | None = None
    skip_rows: int = Field(default=0, ge=0)
    has_header: bool = True
    sign: Literal["signed", "debit_credit", "inverted"] = "signed"

    @model_validator(mode="after")
    def _amount_columns(self) -> CsvLayout:
        cols = self.columns
        if self.sign == "debit_credit" and (cols.debit is None or cols.credit is None):
            raise ValueError("sign = 'debit_credit' needs both columns.debit and columns.credit")
        if self.sign != "debit_credit" and cols.amount is None:
            raise ValueError(f"sign = {self.sign!r} needs columns.amount")
        if not self.has_header and not all(
            isinstance(c, int) for c in self._named_columns() if c is not None
        ):
            raise ValueError("without a header (has_header = false) columns are 0-based numbers")
        return self

    def _named_columns(self) -> list[Column | None]:
        cols = self.columns
        narr = cols.narration if isinstance(cols.narration, list) else [cols.narration]
        fixed = [cols.date, cols.amount, cols.debit, cols.credit, cols.payee, cols.reference]
        return [*fixed, cols.balance, cols.currency, *narr]

    def header_names(self) -> set[str]:
        """The column names a file's header must contain to match this layout."""
        return {c for c in self._named_columns() if isinstance(c, str)}

    def formats(self) -> list[str]:
        """The accepted date formats."""
        return [self.date_format] if isinstance(self.date_format, str) else self.date_format


class Importer(BankImporter):
    """A CSV export described by a :class:`CsvLayout`."""

    format = "csv"

    def __init__(
        self,
        name: str,
        account: str,
        currency: str = "EUR",
        *,
        layout: CsvLayout,
        accounts: Mapping[str, str] | None = None,
        timezone: str = "Europe/Paris",
    ) -> None:
        super().__init__(name, account, currency, accounts=accounts, timezone=timezone)
        self.layout = layout

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Without a layout no file can be recognised: the layout is the format."""
        return Sniff(False, "a generic CSV needs a layout configured for the bank")

    def identify(self, filepath: str) -> bool:
        """True when the header contains every column the layout names."""
        return self.sniff_layout(filepath).ok

    def sniff_layout(self, filepath: str) -> Sniff:
        """Match the file's header against the configured column names."""
        if not self.layout.has_header:
            return Sniff(filepath.lower().endswith((".csv", ".txt", ".tsv")), "not a .csv")
        lines = read_head(filepath).splitlines()[self.layout.skip_rows :]
        header = first_line("\n".join(lines))
        sep = self.layout.separator or detect_separator(header)
        row = next(iter_csv(header, sep), None)
        names = {f.strip() for f in row.fields} if row else set()
        missing = self.layout.header_names() - names
        if missing:
            return Sniff(False, f"header lacks {', '.join(sorted(missing))}")
        return Sniff(True)

    def parse(self, filepath: str) -> Statement:
        """Read the file with the layout; refuses rows of the wrong width or content."""
        layout = self.layout
        text = read_text(filepath, layout.encoding).text
        body_lines = text.splitlines()[layout.skip_rows :]
        sep = layout.separator or detect_separator(first_line("\n".join(body_lines)))
        rows = list(iter_csv(text, sep, layout.skip_rows))
        if not rows:
            return Statement()
        reader = _Reader(self, filepath, rows[0].fields if layout.has_header else None)
        body = rows[1:] if layout.has_header else rows
        return reader.read(body, sep)


class _Reader:
    """One parse: resolves column names to positions once, then reads rows."""

    def __init__(self, imp: Importer, filepath: str, header: list[str] | None) -> None:
        self.imp, self.filepath, self.layout = imp, filepath, imp.layout
        self.header = header
        self.index = {h.strip(): i for i, h in reversed(list(enumerate(header or [])))}
        missing = self.layout.header_names() - set(self.index) if header is not None else set()
        if missing:
            raise InputError(
                filepath,
                1 + self.layout.skip_rows,
                f"the header lacks the column(s) {', '.join(sorted(missing))} that the "
                "bank's CSV layout names; fix the layout in ecomledger.toml",
            )
        self.statement = Statement()

    def pos(self, column: Column) -> int:
        return column if isinstance(column, int) else self.index[column]

    def cell(self, row: CsvRow, column: Column | None) -> str:
        if column is None:
            return ""
        i = self.pos(column)
        if i >= len(row.fields):
            raise InputError(self.filepath, row.lineno, f"the row has no column {column!r}")
        return row.fields[i].strip()

    def read(self, body: list[CsvRow], sep: str) -> Statement:
        if self.header is not None:
            for row in body:
                check_width(self.filepath, row.lineno, row.fields, len(self.header))
        mark = self.layout.decimal_mark or detect_decimal_mark(
            [self._money_text(r) for r in body[:200]], "," if sep == ";" else "."
        )
        lines, balances = [], []
        for row in body:
            line, balance = self._line(row, mark)
            if line is not None:
                lines.append(line)
                balances.append(balance)
        self.statement.lines = number_occurrences(lines)
        if self.layout.columns.balance is not None and lines:
            self._balances(lines, balances)
        return self.statement

    def _money_text(self, row: CsvRow) -> str:
        cols = self.layout.columns
        return " ".join(
            self.cell(row, c) for c in (cols.amount, cols.debit, cols.credit) if c is not None
        )

    def _amount(self, row: CsvRow, mark: str) -> Decimal | None:
        cols, fp = self.layout.columns, self.filepath
        if self.layout.sign == "debit_credit":
            debit, credit = self.cell(row, cols.debit), self.cell(row, cols.credit)
            if not debit and not credit:
                return None
            d = abs(amount_field(debit, fp, row.lineno, str(cols.debit), mark)) if debit else ZERO
            c = (
                abs(amount_field(credit, fp, row.lineno, str(cols.credit), mark))
                if credit
                else ZERO
            )
            return c - d
        assert cols.amount is not None  # the layout validator guarantees it
        text = self.cell(row, cols.amount)
        if not text:
            return None
        value = amount_field(text, fp, row.lineno, str(cols.amount), mark)
        return -value if self.layout.sign == "inverted" else value

    def _line(self, row: CsvRow, mark: str) -> tuple[BankLine | None, Decimal | None]:
        cols, fp = self.layout.columns, self.filepath
        amount = self._amount(row, mark)
        if amount is None:  # a row with no amount is a sub-total or a note, not a movement
            return None, None
        moment = date_field(self.cell(row, cols.date), fp, row.lineno, str(cols.date),
                            self.layout.formats())  # fmt: skip
        narr = cols.narration if isinstance(cols.narration, list) else [cols.narration]
        currency, extra = self.imp.currency_of(
            self.cell(row, cols.currency), fp, row.lineno, self.statement.findings
        )
        balance_text = self.cell(row, cols.balance)
        balance = (
            amount_field(balance_text, fp, row.lineno, str(cols.balance), mark)
            if balance_text else None
        )  # fmt: skip
        line = self.imp.line(
            fp, row.lineno, date=moment.date(), amount=amount, currency=currency,
            payee=self.cell(row, cols.payee),
            narration=" ".join(v for v in (self.cell(row, c) for c in narr) if v),
            bank_ref=self.cell(row, cols.reference), extra=extra,
        )  # fmt: skip
        return line, balance

    def _balances(self, lines: list[BankLine], balances: list[Decimal | None]) -> None:
        newest_first = lines[0].date > lines[-1].date
        pairs = list(zip(lines, balances, strict=True))
        if newest_first:
            pairs.reverse()
        pairs = [p for p in pairs if p[1] is not None]
        if not pairs:
            return
        first_line, first_balance = pairs[0]
        last_line, last_balance = pairs[-1]
        assert first_balance is not None and last_balance is not None
        stated = StatedBalances(
            label=os.path.basename(self.filepath),
            account=self.imp.bank_account,
            currency=first_line.currency,
            opening=first_balance - first_line.amount,
            opening_lineno=first_line.lineno,
            closing=last_balance,
            closing_date=last_line.date,
            closing_lineno=last_line.lineno,
        )
        self.statement.balances = reconcile(
            self.imp, self.filepath, stated, self.statement.lines, self.statement.findings
        )
