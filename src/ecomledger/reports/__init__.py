"""Reports computed from the loaded books: one module per report, plain data first.

The protocol every report module follows (the command line, the renderers and the Fava
extension rely on nothing else):

``NAME: str``
    the report's name on the command line (``trial-balance``).
``SUMMARY: str``
    one line for ``ecomledger report`` without a name.
``OPTIONS: dict[str, str]`` (optional)
    the report's own ``--option key=value`` settings, name -> help.
``build(books: Books, request: ReportRequest) -> ReportView``
    computes the report's dataclass (kept in ``ReportView.data`` for JSON) and its tables
    and charts. It never writes anything.
``default_period(books: Books) -> Period`` (optional)
    the period used without ``--period`` when the fiscal year of the last entry is not
    the right default (a VAT return covers a month or a quarter).

A new report is one module here plus its name in :data:`MODULES`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ecomledger.errors import UserError

#: Report modules, in the order ``ecomledger report`` lists them.
MODULES: tuple[str, ...] = (
    "trial_balance",
    "pnl",
    "balance_sheet",
    "journal",
    "general_ledger",
    "vat_ca3",
    "oss",
    "sales",
    "kpi",
    "receivables",
    "stock_report",
    "cash",
    "forecast",
)


def available() -> list[ModuleType]:
    """Return every report module this installation ships, in :data:`MODULES` order."""
    found = []
    for module_name in MODULES:
        try:
            found.append(importlib.import_module(f"{__name__}.{module_name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module_name}":
                raise
    return found


def find(name: str) -> ModuleType:
    """Return the report module called ``name`` on the command line.

    Raises:
        UserError: no report has that name; the sentence lists the known ones.
    """
    modules = available()
    for module in modules:
        if name == module.NAME:
            return module
    known = ", ".join(module.NAME for module in modules)
    raise UserError(f"there is no report {name!r}; choose one of: {known}")


def options_of(module: ModuleType) -> dict[str, str]:
    """Return a report's own options (name -> help), empty when it has none."""
    options = getattr(module, "OPTIONS", None)
    return dict(options) if options else {}
