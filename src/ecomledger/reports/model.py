"""The shape every report takes on its way to a renderer.

A report module computes its own plain data (a dataclass of ``Decimal`` and dates) and
turns it into a :class:`ReportView`: titled tables of typed columns and charts. Every
renderer (terminal table, CSV, JSON, xlsx, HTML, Fava) takes a ``ReportView`` and nothing
else, so a new format is one renderer and a new report is one module. JSON renders
``ReportView.data``, the report's own dataclass, so scripts get the figures with their full
structure rather than a table's layout of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ecomledger.periods import Period

#: How a column's cells are typed: renderers format and align by it, xlsx sets number formats.
ColumnKind = Literal["text", "money", "int", "number", "percent", "date"]

#: How a row is shown: a heading line, a detail line (``--detail``), a subtotal, a total.
RowStyle = Literal["", "heading", "detail", "subtotal", "total"]


@dataclass(frozen=True)
class Column:
    """One column: its key (CSV header, JSON key), its title and the kind of its cells."""

    key: str
    title: str
    kind: ColumnKind = "text"


@dataclass
class Row:
    """One row of cells, in column order; ``None`` is an empty cell."""

    cells: tuple[object, ...]
    style: RowStyle = ""


@dataclass
class Table:
    """A titled table; ``name`` is short and unique in its report (xlsx sheet, CSV section)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Series:
    """One named series of values, one per label of its chart."""

    name: str
    values: list[Decimal]


@dataclass
class Chart:
    """A chart drawn server-side as inline SVG: bars, lines, or a stacked bar per label."""

    name: str
    title: str
    kind: Literal["bar", "line", "stacked"]
    labels: list[str]
    series: list[Series]
    unit: str = ""


@dataclass
class ReportView:
    """A report ready to render: what it is, over which period, its tables and charts."""

    name: str
    title: str
    subtitle: str
    tables: list[Table]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: object = None


@dataclass(frozen=True)
class ReportRequest:
    """What the user asked for, as the command line (or Fava) parsed it.

    ``compare`` adds a comparative column: the period just before (``previous``) or the same
    period a year earlier (``last-year``). ``options`` holds a report's own settings (the
    sales report's ``by``, the stock report's ``slow_days``), already validated.
    """

    period: Period
    compare: Literal["previous", "last-year"] | None = None
    detail: bool = False
    options: dict[str, str] = field(default_factory=dict)
