"""The terminal table: rich tables with every cell printed literally (markup off)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from ecomledger.render.cells import display, is_numeric
from ecomledger.reports.model import ReportView, RowStyle, Table

_STYLES: dict[RowStyle, str] = {
    "": "",
    "heading": "bold",
    "detail": "dim",
    "subtotal": "bold",
    "total": "bold reverse",
}


#: Above this many rows a table is laid out in plain columns: rich measures and wraps every
#: cell (about a millisecond per row), which a year's 400,000-line journal cannot afford.
RICH_ROWS = 2000


def plain_lines(table: Table) -> list[str]:
    """A table as aligned lines of text: a header, a rule, one line per row, no wrapping."""
    kinds = [column.kind for column in table.columns]
    cells = [
        [display(cell, kind) for cell, kind in zip(row.cells, kinds, strict=False)]
        for row in table.rows
    ]
    titles = [column.title for column in table.columns]
    widths = [len(title) for title in titles]
    for line in cells:
        for index, text in enumerate(line):
            if len(text) > widths[index]:
                widths[index] = len(text)
    right = [is_numeric(kind) for kind in kinds]

    def lay(texts: list[str]) -> str:
        return "  ".join(
            text.rjust(width) if flush else text.ljust(width)
            for text, width, flush in zip(texts, widths, right, strict=False)
        ).rstrip()

    return [lay(titles), "  ".join("-" * width for width in widths), *(lay(line) for line in cells)]


def render_table(view: ReportView, width: int | None = None) -> str:
    """Render ``view`` as text tables (rich), its title, subtitle and notes around them."""
    out = io.StringIO()
    console = Console(
        file=out, width=width or 200, highlight=False, markup=False, emoji=False, color_system=None
    )
    console.print(Text(view.title, style="bold"))
    if view.subtitle:
        console.print(Text(view.subtitle))
    for table in view.tables:
        if len(table.rows) > RICH_ROWS:
            console.print(Text(table.title, style="italic"))
            out.write("\n".join(plain_lines(table)) + "\n")  # plain text: nothing to style
            continue
        rich_table = RichTable(title=Text(table.title), title_justify="left", show_lines=False)
        for column in table.columns:
            rich_table.add_column(
                Text(column.title),
                justify="right" if is_numeric(column.kind) else "left",
                no_wrap=is_numeric(column.kind),
            )
        for row in table.rows:
            style = _STYLES.get(row.style, "")
            rich_table.add_row(
                *(
                    Text(display(cell, column.kind))
                    for cell, column in zip(row.cells, table.columns, strict=False)
                ),
                style=style,
                end_section=row.style == "total",
            )
        console.print(rich_table)
    for note in view.notes:
        console.print(Text(note))
    return out.getvalue()
