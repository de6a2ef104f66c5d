"""Qonto transaction CSV export (web app), English and French layouts.

English: comma-separated, ``.`` decimals, ``YYYY-MM-DD HH:MM:SS`` UTC timestamps, status
``settled | pending | declined | reversed | canceled``. French: ``;``-separated, decimal
comma, ``DD-MM-YYYY HH:MM:SS``, status ``Exécuté | En cours | …``. Columns are found by
name, the separator and decimal mark are detected per file (a user can reorder columns).

Choices:

- Only settled / ``Exécuté`` rows are movements; a pending row has not moved money yet (it
  may still be declined), so it is skipped and a finding names its line.
- The booking date is the *settlement* date converted from UTC to the company's zone: the
  day the balance moved, which is what the bank's own balance follows.
- ``Transaction ID`` (French: ``ID de transaction`` and similar) is the ``bank_ref``.
- A row whose field count differs from the header is refused with an InputError naming the
  line: the third-party sample has one, and guessing which field is extra would book a
  wrong amount.
- Qonto exports carry no opening/closing balance, so no balance assertion is produced.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass

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
from ecomledger.importers._text import (
    detect_decimal_mark,
    detect_separator,
    first_line,
    iter_csv,
    read_head,
    read_text,
)
from ecomledger.model import BankLine


@dataclass(frozen=True)
class _Layout:
    """Column names and values of one language of the export."""

    language: str
    status: str
    settled: frozenset[str]
    date: str
    date_formats: tuple[str, ...]
    amount: str
    currency: str
    payee: str
    refs: tuple[str, ...]  # candidate names of the transaction id column
    reference: str
    note: str
    method: str
    iban: str

    def columns(self) -> tuple[str, ...]:
        """Every column a line is read from."""
        named = (self.date, self.amount, self.currency, self.payee, self.reference, self.note)
        return (*named, self.method, self.iban, *self.refs)


ENGLISH = _Layout(
    language="English",
    status="Status",
    settled=frozenset({"settled"}),
    date="Settlement date (UTC)",
    date_formats=("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"),
    amount="Total amount (incl. VAT)",
    currency="Currency",
    payee="Counterparty name",
    refs=("Transaction ID",),
    reference="Reference",
    note="Note",
    method="Payment method",
    iban="IBAN",
)

FRENCH = _Layout(
    language="French",
    status="Statut",
    settled=frozenset({"exécuté", "execute", "exécutée"}),
    date="Date de la valeur (UTC)",
    date_formats=("%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d/%m/%Y"),
    amount="Montant total (TTC)",
    currency="Devise",
    payee="Nom de la contrepartie",
    refs=("ID de transaction", "ID de la transaction", "Identifiant de la transaction"),
    reference="Référence",
    note="Note",
    method="Moyen de paiement",
    iban="IBAN de la contrepartie",
)


def _layout_of(header: Sequence[str]) -> _Layout | None:
    names = {h.strip() for h in header}
    for layout in (ENGLISH, FRENCH):
        if {layout.status, layout.date, layout.amount} <= names:
            return layout
    return None


class Importer(BankImporter):
    """Qonto CSV export → bank lines (see the module docstring)."""

    format = "qonto"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """A Qonto export has the status, settlement date and total amount columns."""
        header = first_line(read_head(filepath))
        fields = next(iter_csv(header, detect_separator(header)), None)
        if fields is None or _layout_of(fields.fields) is None:
            return Sniff(False, "no 'Status'/'Statut' and 'Settlement date (UTC)' header")
        return Sniff(True)

    def parse(self, filepath: str) -> Statement:
        """Read the export; refuses a row whose width differs from the header's.

        Rows are streamed (only the first 200 are buffered, to detect the decimal mark),
        so a 100,000-row export is never held twice in memory.
        """
        text = read_text(filepath).text
        separator = detect_separator(first_line(text))
        rows = iter_csv(text, separator)
        first = next(rows, None)
        if first is None or (layout := _layout_of(first.fields)) is None:
            raise InputError(filepath, 1, "is not a Qonto export: its header is not Qonto's")
        width = len(first.fields)
        col = column_index(first.fields)
        read = {name: col[name] for name in layout.columns() if name in col}
        head = list(itertools.islice(rows, 200))
        mark = detect_decimal_mark(
            [r.fields[col[layout.amount]] for r in head if len(r.fields) == width],
            default="," if separator == ";" else ".",
        )
        statement = Statement()
        lines: list[BankLine] = []
        skipped: list[str] = []
        for row in itertools.chain(head, rows):
            check_width(filepath, row.lineno, row.fields, width)
            status = row.fields[col[layout.status]].strip()
            if status.lower() not in layout.settled:
                skipped.append(f"{row.lineno} ({status or 'no status'})")
                continue
            lines.append(
                self._line(filepath, row.lineno, row.fields, read, layout, mark, statement)
            )
        if skipped:
            statement.findings.append(
                f"{os.path.basename(filepath)}: {len(skipped)} row(s) not settled, skipped "
                f"until Qonto settles them: line {', '.join(skipped)}"
            )
        statement.lines = number_occurrences(lines)
        return statement

    def _line(
        self,
        filepath: str,
        lineno: int,
        fields: list[str],
        read: dict[str, int],
        layout: _Layout,
        mark: str,
        statement: Statement,
    ) -> BankLine:
        cells = {name: fields[index].strip() for name, index in read.items()}
        get = cells.get
        moment = date_field(
            get(layout.date, ""), filepath, lineno, layout.date, layout.date_formats
        )
        amount = amount_field(get(layout.amount, ""), filepath, lineno, layout.amount, mark)
        currency, extra = self.currency_of(
            get(layout.currency, ""), filepath, lineno, statement.findings
        )
        bank_ref = next((cells[name] for name in layout.refs if cells.get(name)), "")
        narration = "; ".join(v for v in (get(layout.reference, ""), get(layout.note, "")) if v)
        extra["payment_method"] = get(layout.method, "")
        extra["counterparty_iban"] = get(layout.iban, "")
        return self.line(
            filepath,
            lineno,
            date=self.to_local_date(moment),
            amount=amount,
            currency=currency,
            payee=get(layout.payee, ""),
            narration=narration,
            bank_ref=bank_ref,
            extra=extra,
        )
