"""JSON: the report's own dataclass (``ReportView.data``) for scripts, not a table layout.

Decimals are strings (``"1234.50"``, exact, as JSON numbers would not be), dates ISO
strings. A report without a dataclass falls back to its tables as lists of objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

from ecomledger.reports.model import ReportView


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def payload(view: ReportView) -> dict[str, object]:
    """The document written: what the report is, its notes and its data."""
    if view.data is not None and dataclasses.is_dataclass(view.data):
        body: object = view.data
    else:
        body = {
            table.name: [
                dict(zip((c.key for c in table.columns), row.cells, strict=False))
                for row in table.rows
            ]
            for table in view.tables
        }
    return {
        "report": view.name,
        "title": view.title,
        "subtitle": view.subtitle,
        "notes": view.notes,
        "data": body,
    }


def render_json(view: ReportView) -> str:
    """Render ``view`` as indented JSON."""
    return json.dumps(payload(view), default=_default, indent=2, ensure_ascii=False) + "\n"
