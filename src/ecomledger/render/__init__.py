"""Renderers: a ReportView into a terminal table, CSV, JSON, xlsx or HTML.

Each renderer takes a :class:`~ecomledger.reports.model.ReportView` and nothing else, and
returns the document's bytes; :func:`render` picks one by its ``--format`` name. Text that
comes from the books is always printed literally (no rich markup, HTML autoescaped).
"""

from __future__ import annotations

from collections.abc import Callable

from ecomledger.errors import UserError
from ecomledger.reports.model import ReportView

#: Every format, in the order the command line lists them.
FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx", "html")

#: Formats that are documents rather than text for a terminal or a pipe.
FILE_FORMATS: tuple[str, ...] = ("xlsx", "html")

#: File extension of each format.
EXTENSIONS: dict[str, str] = {
    "table": "txt",
    "csv": "csv",
    "json": "json",
    "xlsx": "xlsx",
    "html": "html",
}


def renderer(fmt: str) -> Callable[[ReportView], bytes]:
    """Return the renderer of ``fmt``.

    Raises:
        UserError: ``fmt`` is not a format; the sentence lists them.
    """
    if fmt == "table":
        from ecomledger.render.table import render_table

        return lambda view: render_table(view).encode("utf-8")
    if fmt == "csv":
        from ecomledger.render.csv import render_csv

        return lambda view: render_csv(view).encode("utf-8")
    if fmt == "json":
        from ecomledger.render.json import render_json

        return lambda view: render_json(view).encode("utf-8")
    if fmt == "xlsx":
        from ecomledger.render.xlsx import render_xlsx

        return render_xlsx
    if fmt == "html":
        from ecomledger.render.html import render_html

        return lambda view: render_html(view).encode("utf-8")
    raise UserError(f"--format {fmt!r} is not a format; choose one of: {', '.join(FORMATS)}")


def render(view: ReportView, fmt: str) -> bytes:
    """Render ``view`` in ``fmt``."""
    return renderer(fmt)(view)
