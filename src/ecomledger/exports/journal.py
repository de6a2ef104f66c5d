"""Hand-off journals: the year's entries in a layout another accounting package imports.

Why: many merchants' accountants keep their own package (Sage, Cegid, QuickBooks, Xero)
and import a journal file into it. Every layout here is built from the same lines as the
FEC (:func:`ecomledger.exports.fec.rows`): same journals, entry numbers, PCG accounts,
auxiliary accounts and cents, so a journal and the FEC of a year always agree. The README
documents each layout column by column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ecomledger.books import Books
from ecomledger.exports import fec

# Indexes of the FEC fields in a row of fec.rows().
(
    JOURNAL,
    JOURNAL_LIB,
    NUMBER,
    DATE,
    ACCOUNT,
    ACCOUNT_LIB,
    AUX,
    AUX_LIB,
    PIECE,
    PIECE_DATE,
    LABEL,
    DEBIT,
    CREDIT,
    _LET,
    _DATELET,
    VALID,
    FOREIGN,
    CURRENCY,
) = range(18)

Row = tuple[str, ...]


def _iso(day: str) -> str:
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"


def _dmy(day: str, sep: str = "/") -> str:
    return f"{day[6:]}{sep}{day[4:6]}{sep}{day[:4]}"


def _dot(amount: str) -> str:
    return amount.replace(",", ".")


def _generic(row: Row, currency: str) -> list[str]:
    return [
        _iso(row[DATE]),
        row[JOURNAL],
        row[NUMBER],
        row[PIECE],
        row[ACCOUNT],
        row[ACCOUNT_LIB],
        row[AUX],
        row[AUX_LIB],
        row[LABEL],
        _dot(row[DEBIT]),
        _dot(row[CREDIT]),
        currency,
    ]


def _sage(row: Row, currency: str) -> list[str]:
    del currency
    return [
        row[JOURNAL],
        f"{row[DATE][6:]}{row[DATE][4:6]}{row[DATE][2:4]}",
        row[NUMBER],
        row[ACCOUNT],
        row[AUX],
        row[PIECE][:13],
        row[LABEL][:35],
        row[DEBIT] if row[DEBIT] != "0,00" else "",
        row[CREDIT] if row[CREDIT] != "0,00" else "",
    ]


def _cegid(row: Row, currency: str) -> list[str]:
    return [
        row[JOURNAL],
        _dmy(row[DATE]),
        row[NUMBER],
        row[ACCOUNT],
        row[AUX],
        row[PIECE],
        row[LABEL],
        row[DEBIT],
        row[CREDIT],
        currency,
    ]


def _quickbooks(row: Row, currency: str) -> list[str]:
    return [
        row[NUMBER],
        _dmy(row[DATE]),
        f"{row[ACCOUNT]} {row[ACCOUNT_LIB]}",
        _dot(row[DEBIT]) if row[DEBIT] != "0,00" else "",
        _dot(row[CREDIT]) if row[CREDIT] != "0,00" else "",
        row[LABEL],
        row[AUX_LIB],
        currency,
    ]


def _xero(row: Row, currency: str) -> list[str]:
    del currency
    debit, credit = (fec_amount(row[i]) for i in (DEBIT, CREDIT))
    amount = debit - credit
    return [
        row[NUMBER],
        _dmy(row[DATE]),
        f"{row[PIECE]} {row[LABEL]}".strip(),
        row[ACCOUNT],
        "No VAT",
        f"{amount:.2f}",
    ]


def fec_amount(text: str) -> Decimal:
    """A FEC amount (``12,30``) as a Decimal."""
    return Decimal(text.replace(",", "."))


@dataclass(frozen=True)
class Layout:
    """A hand-off layout: its columns, separator, encoding and how a FEC row maps to it."""

    header: tuple[str, ...]
    delimiter: str
    encoding: str
    row: Callable[[Row, str], list[str]]


LAYOUTS: dict[str, Layout] = {
    "csv": Layout(
        (
            "date",
            "journal",
            "entry",
            "piece",
            "account",
            "account_label",
            "aux",
            "aux_label",
            "label",
            "debit",
            "credit",
            "currency",
        ),
        ",",
        "utf-8",
        _generic,
    ),
    "sage": Layout(
        (
            "Code journal",
            "Date",
            "N° pièce",
            "N° compte général",
            "N° compte tiers",
            "Référence",
            "Libellé écriture",
            "Débit",
            "Crédit",
        ),
        ";",
        "cp1252",
        _sage,
    ),
    "cegid": Layout(
        (
            "Journal",
            "Date",
            "Pièce",
            "Compte",
            "Auxiliaire",
            "Référence",
            "Libellé",
            "Débit",
            "Crédit",
            "Devise",
        ),
        ";",
        "cp1252",
        _cegid,
    ),
    "quickbooks": Layout(
        (
            "Journal No",
            "Journal Date",
            "Account",
            "Debits",
            "Credits",
            "Description",
            "Name",
            "Currency Code",
        ),
        ",",
        "utf-8",
        _quickbooks,
    ),
    "xero": Layout(
        ("*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"),
        ",",
        "utf-8",
        _xero,
    ),
}


def export(books: Books, year: int, layout: str) -> bytes:
    """The year's journal in ``layout`` (a key of :data:`LAYOUTS`), as the file's bytes."""
    spec = LAYOUTS[layout]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=spec.delimiter, lineterminator="\r\n")
    writer.writerow(spec.header)
    for row in fec.rows(books, year):
        writer.writerow(spec.row(row, books.currency))
    return out.getvalue().encode(spec.encoding, errors="replace")
