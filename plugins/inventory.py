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

from datetime import date
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
    Movement,
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


NEG_ONE = Decimal(-1)
ONE = Decimal(1)
ZERO = Decimal(0)


class PostingWriter:
    """Writes the stock and stock-variation postings of movements, sharing immutable parts.

    Why: a year of orders takes ~100,000 sales out of a few hundred lots, in a handful of
    quantities. Sharing one :class:`~beancount.core.data.Cost` per lot and one
    :class:`~beancount.core.amount.Amount` per distinct amount (instead of one of each
    per posting) saves the allocations here and, above all, the garbage collector's scan
    of every new object once the plugin returns.

    Sharing must never change what a posting prints: a Cost is keyed by the *identity* of
    its number (the lot's own Decimal, kept alive by the cached Cost), an Amount by the
    exact text of its number, so ``12.5`` and ``12.50`` never share one.
    """

    def __init__(self) -> None:
        self.costs: dict[tuple[int, str, date], data.Cost] = {}
        self.amounts: dict[tuple[str, str], Amount] = {}

    def cost(self, move: Movement) -> data.Cost:
        """Return the shared Cost of a movement's lot (unit cost, currency, lot date)."""
        key = (id(move.cost), move.currency, move.lot_date)
        cost = self.costs.get(key)
        if cost is None:
            cost = data.Cost(move.cost, move.currency, move.lot_date, None)
            self.costs[key] = cost
        return cost

    def amount(self, number: Decimal, currency: str) -> Amount:
        """Return the shared Amount of a number (as written) and a currency."""
        key = (str(number), currency)
        amount = self.amounts.get(key)
        if amount is None:
            amount = Amount(number, currency)
            self.amounts[key] = amount
        return amount

    def postings(self, change: Change) -> list[data.Posting]:
        """Return the balanced stock and stock-variation postings of one movement."""
        moves = change.moves
        if not moves:
            return []
        sign, cogs_sign = (NEG_ONE, ONE) if change.kind == "sale" else (ONE, NEG_ONE)
        base = change.meta or {}
        # One metadata dict for the postings of a change: they share its location.
        meta = {
            "filename": base.get("filename"),
            "lineno": base.get("lineno"),
            MOVE_KEY: change.kind,
        }
        postings = []
        total = ZERO
        sku = change.sku
        costs = self.costs
        for move in moves:
            units = self.amount(sign * move.qty, sku)
            cost = costs.get((id(move.cost), move.currency, move.lot_date)) or self.cost(move)
            postings.append(data.Posting(STOCK_ACCOUNT, units, cost, None, None, meta))
            total += move.qty * move.cost
        cogs = self.amount(cogs_sign * total, moves[0].currency)
        postings.append(data.Posting(COGS_ACCOUNT, cogs, None, None, None, meta))
        return postings


def postings_for(change: Change) -> list[data.Posting]:
    """Return the balanced stock and stock-variation postings of one movement."""
    return PostingWriter().postings(change)


def with_postings(entry: data.Transaction, added: list[data.Posting]) -> data.Transaction:
    """Return the transaction with postings appended (cheaper than ``_replace``)."""
    return data.Transaction(
        entry.meta,
        entry.date,
        entry.flag,
        entry.payee,
        entry.narration,
        entry.tags,
        entry.links,
        entry.postings + added,
    )


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
    writer = PostingWriter()
    result: list[data.Directive] = []
    for entry in entries:
        if isinstance(entry, data.Transaction):
            changes = engine.visit(entry)
            if changes:
                if len(changes) == 1:
                    added = writer.postings(changes[0])
                else:
                    added = [posting for change in changes for posting in writer.postings(change)]
                if added:
                    entry = with_postings(entry, added)
        result.append(entry)
    errors.extend(
        InventoryError(problem.entry.meta, problem.message, problem.entry)
        for problem in engine.problems
    )
    return result, errors
