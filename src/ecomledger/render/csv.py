"""CSV: the report's tables with plain numbers (``1234.50``) and ISO dates.

A report with one table is one plain CSV (a header row of column keys, then the rows). With
several tables, each becomes a block preceded by a row holding only its name, blocks
separated by an empty row, so a spreadsheet still opens it and a script can split it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

from ecomledger.money import CENT
from ecomledger.render.cells import plain
from ecomledger.reports.model import ReportView, Table


def render_csv(view: ReportView) -> str:
    """Render every table of ``view`` as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    several = len(view.tables) > 1
    for index, table in enumerate(view.tables):
        if several:
            if index:
                writer.writerow([])
            writer.writerow([table.name])
        writer.writerow([column.key for column in table.columns])
        writer.writerows(_plain_rows(table))
    return out.getvalue()


def _plain_rows(table: Table) -> Iterator[list[object]]:
    """Rows with money and dates as plain text; the csv module writes the rest as is.

    Only the typed columns are converted (``None`` is written empty, text unchanged), which
    keeps a 500,000-line journal quick.
    """
    money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
    dates = [i for i, c in enumerate(table.columns) if c.kind == "date"]
    other = [i for i, c in enumerate(table.columns) if c.kind not in ("money", "text", "date")]
    for row in table.rows:
        cells = list(row.cells)
        for index in money:
            value = cells[index]
            if type(value) is Decimal:
                cells[index] = format(value.quantize(CENT), "f")
        for index in dates:
            value = cells[index]
            if type(value) is dt.date:
                cells[index] = value.isoformat()
        for index in other:
            value = cells[index]
            if value is not None and type(value) is not str:
                cells[index] = plain(value, table.columns[index].kind)
        yield cells
