"""How a cell reads as text, shared by the terminal table, CSV and HTML.

Money shows two decimals with thousands separators for people (``12,345.60``) and plain
(``12345.60``) for machines; a percent cell holds a ratio (``0.125`` reads ``12.5 %``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ecomledger.reports.model import ColumnKind

_CENT = Decimal("0.01")


def display(value: object, kind: ColumnKind) -> str:
    """A cell as a person reads it; empty for ``None``."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if kind == "money":
            return f"{number.quantize(_CENT):,.2f}"
        if kind == "percent":
            return f"{(number * 100).quantize(Decimal('0.1')):,.1f} %"
        if kind == "int":
            return f"{number:,.0f}"
        return f"{number:,}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def plain(value: object, kind: ColumnKind = "text") -> str:
    """A cell as a machine reads it: ``1234.50``, ``2026-03-01``; empty for ``None``."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.quantize(_CENT) if kind == "money" else value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def is_numeric(kind: ColumnKind) -> bool:
    """Numbers align right."""
    return kind in ("money", "int", "number", "percent")
