"""Add cost-of-goods-sold postings to sales and restocking returns, by FIFO or CUMP.

Why: a merchant in perpetual inventory must take goods out of stock (37) into stock
variation (6037) at their cost when they are sold, by FIFO (PEPS) or weighted average
(CUMP). Importers only know the selling side (sku, qty, price); the cost is in the lots of
earlier purchases. Beancount books lots before plugins run and has no AVERAGE booking, so
this plugin computes the costs with :mod:`ecomledger.stock` and writes the postings with
explicit costs (FIFO postings name the lot's cost and date, so Beancount's inventory
reduces exactly that lot).

Configuration (a Python or JSON literal; these are the defaults)::

    plugin "ecomledger.plugins.inventory" "{'method': 'FIFO', 'skus': {}}"

``method`` is ``'FIFO'`` or ``'CUMP'``; ``skus`` maps a SKU to its own method.

Example (FIFO). Before::

    2026-01-02 * "Purchase"
      Assets:Stock         3 TSHIRT-BLUE {10.00 EUR}
      Assets:Stock         5 TSHIRT-BLUE {12.00 EUR}
      Liabilities:Suppliers
    2026-01-05 * "Order #1001"
      invoice: "F-2026-000001"
      Assets:Clearing:Stripe       240.00 EUR
      Income:Sales:Goods:France   -200.00 EUR
        sku: "TSHIRT-BLUE"
        qty: 4
        vat_rate: 20
      Liabilities:VAT:Collected:FR:20  -40.00 EUR

After, the sale also carries (``stock_move`` metadata marks the added postings)::

      Assets:Stock            -3 TSHIRT-BLUE {10.00 EUR, 2026-01-02}
      Assets:Stock            -1 TSHIRT-BLUE {12.00 EUR, 2026-01-02}
      Expenses:StockVariation  42.00 EUR

A credit-note posting with a negative ``qty`` and ``restock: TRUE`` puts the goods back
at the cost they left at (``Assets:Stock`` debit, ``Expenses:StockVariation`` credit).
Selling more than the stock is an error naming the SKU, the date and the shortfall (what
there was is still taken out). Under CUMP the sold lots do not match purchase lots, so
Beancount shows ``Assets:Stock`` as purchase lots plus negative lots at the average cost:
its total value is right; per-SKU figures come from ``stock_valuation``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.plugins._errors import PluginError, parse_config, paused_gc
from ecomledger.stock import (
    COGS_ACCOUNT,
    METHODS,
    MOVE_KEY,
    STOCK_ACCOUNT,
    Change,
    StockEngine,
    stocked_skus,
)

__plugins__ = ("book_cost_of_goods",)

PLUGIN = "ecomledger.plugins.inventory"
DEFAULTS: dict[str, Any] = {"method": "FIFO", "skus": {}}


class InventoryError(PluginError):
    """A stock movement that cannot be costed (oversell, unknown return cost, config)."""


def read_settings(config_str: str | None) -> tuple[str, dict[str, str], list[PluginError]]:
    """Parse and validate the method and the per-SKU overrides."""
    raw, errors = parse_config(config_str, DEFAULTS, PLUGIN)
    source = data.new_metadata(f"<{PLUGIN}>", 0)
    method = str(raw["method"]).upper()
    if method not in METHODS:
        message = f"Unknown stock method {raw['method']!r} for {PLUGIN}: use FIFO or CUMP"
        errors.append(InventoryError(source, message, None))
        method = "FIFO"
    overrides: dict[str, str] = {}
    skus = raw["skus"] if isinstance(raw["skus"], dict) else {}
    for sku, value in skus.items():
        if str(value).upper() in METHODS:
            overrides[str(sku)] = str(value).upper()
        else:
            message = f"Unknown stock method {value!r} for SKU {sku} in {PLUGIN}"
            errors.append(InventoryError(source, message, None))
    return method, overrides, errors


def postings_for(change: Change) -> list[data.Posting]:
    """Return the balanced stock and stock-variation postings of one movement."""
    if not change.moves:
        return []
    sign = Decimal(-1) if change.kind == "sale" else Decimal(1)
    base = change.meta or {}
    meta = {"filename": base.get("filename"), "lineno": base.get("lineno"), MOVE_KEY: change.kind}
    postings = []
    total = Decimal(0)
    for move in change.moves:
        cost = data.Cost(move.cost, move.currency, move.lot_date, None)
        units = Amount(sign * move.qty, change.sku)
        postings.append(data.Posting(STOCK_ACCOUNT, units, cost, None, None, meta))
        total += move.qty * move.cost
    currency = change.moves[0].currency
    cogs = Amount(-sign * total, currency)
    postings.append(data.Posting(COGS_ACCOUNT, cogs, None, None, None, meta))
    return postings


def book_cost_of_goods(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[PluginError]]:
    """Add cost-of-goods postings to sales and returns of stocked SKUs.

    Args:
      entries: The booked entries, in date order.
      options_map: The parser's options (unused).
      config_str: Optional settings, see the module docstring.

    Returns:
      A new list of entries (changed transactions replaced with ``_replace``) and the
      errors (oversells, returns of unknown cost, bad configuration).
    """
    with paused_gc():
        return _book_cost_of_goods(entries, options_map, config_str)


def _book_cost_of_goods(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None
) -> tuple[data.Directives, list[PluginError]]:
    """Do the work of :func:`book_cost_of_goods`."""
    del options_map
    method, overrides, errors = read_settings(config_str)
    engine = StockEngine(method, overrides, stocked_skus(entries))
    result: list[data.Directive] = []
    for entry in entries:
        if isinstance(entry, data.Transaction):
            changes = engine.visit(entry)
            if changes:
                added = [posting for change in changes for posting in postings_for(change)]
                if added:
                    entry = entry._replace(postings=[*entry.postings, *added])
        result.append(entry)
    errors.extend(
        InventoryError(problem.entry.meta, problem.message, problem.entry)
        for problem in engine.problems
    )
    return result, errors
