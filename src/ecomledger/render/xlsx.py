"""Excel: one sheet per table, real numbers and dates with number formats (openpyxl).

Money cells are numbers formatted ``#,##0.00`` (openpyxl stores a Decimal as a number), a
percent cell holds a ratio formatted ``0.0%``, dates are dates; so the workbook sums and
sorts like any spreadsheet. Headings and totals are bold, the header row frozen.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ecomledger.render.cells import display
from ecomledger.reports.model import ColumnKind, ReportView, RowStyle, Table

NUMBER_FORMATS: dict[ColumnKind, str] = {
    "money": "#,##0.00",
    "int": "#,##0",
    "number": "#,##0.######",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
}

_BOLD = Font(bold=True)
_FONTS: dict[RowStyle, Font] = {
    "heading": _BOLD,
    "subtotal": _BOLD,
    "total": _BOLD,
    "detail": Font(italic=True, color="666666"),
}


def sheet_title(name: str, taken: set[str]) -> str:
    """An Excel-safe, unique sheet title (31 characters, no ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Sheet"
    title, counter = base, 2
    while title.lower() in taken:
        suffix = f"-{counter}"
        title, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    taken.add(title.lower())
    return title


def render_xlsx(view: ReportView) -> bytes:
    """Render ``view`` as an .xlsx workbook (write-only mode: a 400,000-line ledger fits)."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for table in view.tables:
        sheet = book.create_sheet(sheet_title(table.name, taken))
        for index, width in enumerate(_widths(table)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = _BOLD
            header.append(cell)
        sheet.append(header)
        formats = [NUMBER_FORMATS.get(column.kind) for column in table.columns]
        for row in table.rows:
            font = _FONTS.get(row.style)
            cells: list[object] = []
            for value, number_format in zip(row.cells, formats, strict=False):
                if value is None or (font is None and not number_format):
                    cells.append(value)  # a plain cell needs no cell object (large journals)
                    continue
                cell = WriteOnlyCell(sheet, value=value)
                if number_format:
                    cell.number_format = number_format
                if font is not None:
                    cell.font = font
                cells.append(cell)
            sheet.append(cells)
    if not view.tables:
        book.create_sheet("report")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(table: Table) -> list[float]:
    """Column widths from the header and the first thousand rows."""
    widths = [len(column.title) for column in table.columns]
    for row in table.rows[:1000]:
        for index, (value, column) in enumerate(zip(row.cells, table.columns, strict=False)):
            widths[index] = max(widths[index], len(display(value, column.kind)))
    return [min(width + 2, 60) for width in widths]
