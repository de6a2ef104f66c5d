"""Book the cost of goods sold and of goods returned to stock, by FIFO or CUMP.

Why: a merchant in perpetual inventory must take goods out of stock (37) into stock
variation (6037) at their cost when they are sold, by FIFO (PEPS) or weighted average
(CUMP). Importers only know the selling side (sku, qty, price); the cost is in the lots of
earlier purchases. Beancount books lots before plugins run and has no AVERAGE booking, so
this plugin computes the costs with :mod:`ecomledger.stock` and writes the postings with
explicit costs (FIFO postings name the lot's cost and date, so Beancount's inventory
reduces exactly that lot).

Why one entry per day and SKU rather than postings in each sale: Beancount checks,
realizes and garbage-collects every posting of the books, and a sale given postings must
be rebuilt. Two postings added to each of 100,000 sales made the load some 15-20 % slower
on their own (``benchmarks/plugins_overhead.py``), more than all four plugins' own work;
the same costs summed per day and SKU take ~2 % of those postings. The stock variation of
every day and SKU, Beancount's lots at the end of every day and ``stock_valuation`` are
the same; the sales stay as written.

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

After, the books also hold one entry for the day's sales of the SKU (``stock_move``
metadata marks its postings; it is placed right after the day's last sale of a stocked
SKU, whose file and line it carries)::

    2026-01-05 * "Cost of goods sold: TSHIRT-BLUE"
      sku: "TSHIRT-BLUE"
      Assets:Stock            -3 TSHIRT-BLUE {10.00 EUR, 2026-01-02}
      Assets:Stock            -1 TSHIRT-BLUE {12.00 EUR, 2026-01-02}
      Expenses:StockVariation  42.00 EUR

Other sales of the SKU that day add to the same entry: the units taken from one lot are
summed in one posting, and the stock variation is their total cost.

A credit-note posting with a negative ``qty`` and ``restock: TRUE`` puts the goods back
at the cost they left at, in a ``"Returned goods restocked: <SKU>"`` entry of the day
(``Assets:Stock`` debit, ``Expenses:StockVariation`` credit, ``stock_move: "restock"``).
Selling more than the stock is an error at the sale naming the SKU, the date and the
shortfall (what there was is still taken out). Under CUMP the sold lots do not match
purchase lots, so Beancount shows ``Assets:Stock`` as purchase lots plus negative lots at
the average cost: its total value is right; per-SKU figures come from ``stock_valuation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data, flags
from beancount.core.amount import Amount

from ecomledger.memory import paused_gc
from ecomledger.plugins._errors import PluginError, parse_config
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
SIGNS = {"sale": (NEG_ONE, ONE), "restock": (ONE, NEG_ONE)}  # stock units, stock variation
NARRATIONS = {"sale": "Cost of goods sold: {}", "restock": "Returned goods restocked: {}"}


class Lot(NamedTuple):
    """Where units of a day's movements came from or go back to (the posting's cost).

    The unit cost is keyed by *identity* (the lot's own Decimal, kept alive by the
    movement held beside it), so ``12.5`` and ``12.50`` stay two postings, each printed
    as its lot was written.
    """

    cost_id: int
    currency: str
    lot_date: date


class DayMoves:
    """The stock movements of one day, summed per SKU and kind, then per lot.

    Also remembers where the day's stock entries go: right after the day's last entry
    that moved stock, whose location they carry, so the entries stay in Beancount's order.
    """

    def __init__(self, day: date) -> None:
        self.day = day
        self.groups: dict[tuple[str, str], dict[Lot, tuple[Decimal, Movement]]] = {}
        self.position = 0
        self.meta: data.Meta = {}

    def add(self, change: Change) -> None:
        """Add the movements of one sales posting to its SKU and kind."""
        lots = self.groups.get((change.sku, change.kind))
        if lots is None:
            lots = self.groups[(change.sku, change.kind)] = {}
        for move in change.moves:
            key = Lot(id(move.cost), move.currency, move.lot_date)
            held = lots.get(key)
            lots[key] = (move.qty, move) if held is None else (held[0] + move.qty, held[1])

    def entries(self) -> list[data.Transaction]:
        """Return the day's stock entries, one per SKU and kind that moved units."""
        return [
            stock_entry(self.day, sku, kind, lots.values(), self.meta)
            for (sku, kind), lots in self.groups.items()
            if lots
        ]


def stock_entry(
    day: date,
    sku: str,
    kind: str,
    lots: Iterable[tuple[Decimal, Movement]],
    where: data.Meta,
) -> data.Transaction:
    """Return the balanced entry moving a day's units of a SKU at their lots' costs.

    Args:
      day: The entry's date.
      sku: The commodity moved.
      kind: ``"sale"`` (goods out) or ``"restock"`` (goods back in).
      lots: The quantity moved per lot, with a movement giving its cost, currency, date.
      where: The metadata of the entry whose location the stock entry carries.
    """
    sign, variation_sign = SIGNS[kind]
    marker = {MOVE_KEY: kind}
    postings = []
    totals: dict[str, Decimal] = {}
    for qty, move in lots:
        cost = data.Cost(move.cost, move.currency, move.lot_date, None)
        units = Amount(sign * qty, sku)
        postings.append(data.Posting(STOCK_ACCOUNT, units, cost, None, None, marker))
        totals[move.currency] = totals.get(move.currency, ZERO) + qty * move.cost
    for currency, total in totals.items():
        amount = Amount(variation_sign * total, currency)
        postings.append(data.Posting(COGS_ACCOUNT, amount, None, None, None, marker))
    meta = data.new_metadata(where.get("filename", f"<{PLUGIN}>"), where.get("lineno", 0))
    meta["sku"] = sku
    narration = NARRATIONS[kind].format(sku)
    return data.Transaction(
        meta, day, flags.FLAG_OKAY, None, narration, data.EMPTY_SET, data.EMPTY_SET, postings
    )


def book_cost_of_goods(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[PluginError]]:
    """Add one cost-of-goods entry per day, SKU and kind of movement (sale or restock).

    Args:
      entries: The booked entries, in date order.
      options_map: The parser's options (unused).
      config_str: Optional settings, see the module docstring.

    Returns:
      The entries (unchanged) with the stock entries inserted in order, and the errors
      (oversells, returns of unknown cost, bad configuration).
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
    moves = DayMoves(date.min)
    for entry in entries:
        if entry.date != moves.day:
            result[moves.position : moves.position] = moves.entries()
            moves = DayMoves(entry.date)
        result.append(entry)
        if isinstance(entry, data.Transaction):
            changes = engine.visit(entry)
            if changes:
                for change in changes:
                    moves.add(change)
                moves.position, moves.meta = len(result), entry.meta
    result[moves.position : moves.position] = moves.entries()
    errors.extend(
        InventoryError(problem.entry.meta, problem.message, problem.entry)
        for problem in engine.problems
    )
    return result, errors
