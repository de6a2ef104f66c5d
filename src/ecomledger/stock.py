"""Perpetual stock engine: FIFO (PEPS) and weighted average (CUMP) lots per SKU.

Why: French accounts value fungible goods by FIFO or by weighted average cost (PCG, CGI
38-3; LIFO is not allowed). Beancount books lots but has no AVERAGE booking, and its
booking runs *before* plugins, so the cost of goods sold cannot come from Beancount's own
reductions. This module walks the entries once, in date order, keeps the lots of every SKU
and says at which cost each sold unit leaves and each returned unit comes back. The
inventory plugin (``ecomledger.plugins.inventory``) books those movements, summed per day
and SKU; reports call :func:`stock_valuation` for the stock at a date. Both use the same
engine, so a report and the books always agree.

What the engine reads (see ``docs/ledger-conventions.md``, "Stock"):

* receipts: positive postings on ``Assets:Stock`` with a cost, one commodity per SKU
  (``Assets:Stock  10 TSHIRT-BLUE {12.50 EUR}``);
* sales: ``Income:Sales:*`` postings with ``sku`` and ``qty`` metadata, for a SKU that has
  ever been received into ``Assets:Stock`` (other SKUs, e.g. drop-shipped, are ignored);
* returns: the same postings with a negative ``qty`` and ``restock: TRUE``; they come back
  at the cost they left at for the invoice named in ``credits`` (latest cost first),
  else at the SKU's last issue cost;
* other negative ``Assets:Stock`` postings written by hand (losses, samples) consume
  quantity by the method; postings the plugin wrote (``stock_move`` metadata) are skipped,
  so the engine gives the same answer on raw and on plugin-processed entries.

CUMP is perpetual: the unit cost is recomputed after each receipt (and each restock) as
stock value / quantity, rounded half-up to 4 decimals; issues leave at that unit cost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

from beancount.core import data

STOCK_ACCOUNT = "Assets:Stock"
COGS_ACCOUNT = "Expenses:StockVariation"
SALES_PREFIX = "Income:Sales:"
MOVE_KEY = "stock_move"
FIFO = "FIFO"
CUMP = "CUMP"
METHODS = (FIFO, CUMP)
UNIT_COST_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


class Movement(NamedTuple):
    """A quantity of one SKU moving at one unit cost (a lot, or part of one)."""

    qty: Decimal
    cost: Decimal
    currency: str
    lot_date: date


class Lots(Protocol):
    """The stock of one SKU under a valuation method."""

    def receive(self, qty: Decimal, cost: Decimal, currency: str, day: date) -> None:
        """Add units at a unit cost."""

    def issue(self, qty: Decimal, day: date) -> tuple[list[Movement], Decimal]:
        """Take units out; return the movements and the quantity that was missing."""

    def valuation(self) -> tuple[Decimal, Decimal]:
        """Return (quantity, value at cost)."""


@dataclass
class Lot:
    """A lot still in stock: its remaining quantity and the movement that created it."""

    remaining: Decimal
    move: Movement


@dataclass
class FifoLots:
    """First in, first out: issues consume the oldest lots first."""

    lots: deque[Lot] = field(default_factory=deque)

    def receive(self, qty: Decimal, cost: Decimal, currency: str, day: date) -> None:
        """Append a lot."""
        self.lots.append(Lot(qty, Movement(qty, cost, currency, day)))

    def issue(self, qty: Decimal, day: date) -> tuple[list[Movement], Decimal]:
        """Consume the oldest lots, possibly several."""
        del day
        moves: list[Movement] = []
        left = qty
        while left > ZERO and self.lots:
            lot = self.lots[0]
            take = min(left, lot.remaining)
            move = lot.move
            moves.append(Movement(take, move.cost, move.currency, move.lot_date))
            left -= take
            if take == lot.remaining:
                self.lots.popleft()
            else:
                lot.remaining -= take
        return moves, left

    def valuation(self) -> tuple[Decimal, Decimal]:
        """Sum the remaining lots."""
        qty = sum((lot.remaining for lot in self.lots), ZERO)
        value = sum((lot.remaining * lot.move.cost for lot in self.lots), ZERO)
        return qty, value


@dataclass
class AverageLots:
    """Weighted average cost (CUMP), recomputed after each receipt."""

    qty: Decimal = ZERO
    value: Decimal = ZERO
    unit_cost: Decimal = ZERO
    currency: str = "EUR"

    def receive(self, qty: Decimal, cost: Decimal, currency: str, day: date) -> None:
        """Add units and recompute the average unit cost."""
        del day
        self.qty += qty
        self.value += qty * cost
        self.currency = currency
        if self.qty > ZERO:
            self.unit_cost = (self.value / self.qty).quantize(
                UNIT_COST_PLACES, rounding=ROUND_HALF_UP
            )

    def issue(self, qty: Decimal, day: date) -> tuple[list[Movement], Decimal]:
        """Take units at the current average cost."""
        take = min(qty, max(self.qty, ZERO))
        if take <= ZERO:
            return [], qty
        self.qty -= take
        self.value -= take * self.unit_cost
        return [Movement(take, self.unit_cost, self.currency, day)], qty - take

    def valuation(self) -> tuple[Decimal, Decimal]:
        """Return the running quantity and value."""
        return self.qty, self.value


class Problem(NamedTuple):
    """Something the engine could not do for an entry (the plugin reports it)."""

    entry: data.Transaction
    message: str


class Change(NamedTuple):
    """The stock movements of one sales posting: issued (sale) or restocked (return)."""

    sku: str
    kind: str  # "sale" or "restock"
    moves: list[Movement]
    meta: data.Meta | None


@dataclass
class StockEngine:
    """Walks transactions in date order and keeps the lots of every stocked SKU."""

    method: str = FIFO
    overrides: Mapping[str, str] = field(default_factory=dict)
    stocked: frozenset[str] = frozenset()
    books: dict[str, Lots] = field(default_factory=dict)
    issued: dict[tuple[str, str], list[Movement]] = field(default_factory=dict)
    last_cost: dict[str, Movement] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def lots(self, sku: str) -> Lots:
        """Return (creating it) the stock of a SKU under its method."""
        book = self.books.get(sku)
        if book is None:
            method = self.overrides.get(sku, self.method)
            book = AverageLots() if method == CUMP else FifoLots()
            self.books[sku] = book
        return book

    def visit(self, entry: data.Transaction) -> list[Change]:
        """Apply one transaction; return the movements its sales postings cause.

        Receipts and hand-written exits are applied first, then the sales postings, so a
        sale may use stock received in its own transaction.
        """
        sales = None
        for posting in entry.postings:
            account = posting.account
            if account == STOCK_ACCOUNT:
                self.stock_posting(entry, posting)
            elif posting.meta and "sku" in posting.meta and account.startswith(SALES_PREFIX):
                if sales is None:
                    sales = [posting]
                else:
                    sales.append(posting)
        if sales is None:
            return []
        changes: list[Change] = []
        for posting in sales:
            change = self.sales_posting(entry, posting)
            if change is not None:
                changes.append(change)
        return changes

    def stock_posting(self, entry: data.Transaction, posting: data.Posting) -> None:
        """Apply a receipt (or a hand-written exit) written on Assets:Stock."""
        if posting.meta and MOVE_KEY in posting.meta:
            return
        units, cost = posting.units, posting.cost
        if units is None or units.number is None:
            return
        if units.number > ZERO and isinstance(cost, data.Cost) and cost.number is not None:
            self.lots(units.currency).receive(units.number, cost.number, cost.currency, entry.date)
        elif units.number < ZERO:
            self.take(entry, units.currency, -units.number)

    def take(self, entry: data.Transaction, sku: str, qty: Decimal) -> list[Movement]:
        """Issue units of a SKU, recording an oversell problem if stock is short."""
        book = self.books.get(sku) or self.lots(sku)
        moves, shortfall = book.issue(qty, entry.date)
        if shortfall > ZERO:
            available = qty - shortfall
            self.problems.append(
                Problem(
                    entry,
                    f"Oversell: {qty} {sku} sold on {entry.date} but only {available} in "
                    f"stock (shortfall {shortfall})",
                )
            )
        if moves:
            self.last_cost[sku] = moves[-1]
        return moves

    def sales_posting(self, entry: data.Transaction, posting: data.Posting) -> Change | None:
        """Turn a sales posting of a stocked SKU into an issue or a restock."""
        meta = posting.meta or {}
        sku, qty = str(meta["sku"]), meta.get("qty")
        if sku not in self.stocked:
            return None
        if type(qty) is not Decimal:  # the parser gives Decimal; ints come from plugins
            if not isinstance(qty, Decimal | int):
                return None
            qty = Decimal(qty)
        if qty > ZERO:
            moves = self.take(entry, sku, qty)
            invoice = entry.meta.get("invoice")
            if invoice is not None:
                self.remember_issue(str(invoice), sku, moves)
            return Change(sku, "sale", moves, posting.meta)
        if qty == ZERO or meta.get("restock") is not True:
            return None
        moves = self.restock_moves(entry, sku, -qty)
        for move in moves:
            self.lots(sku).receive(move.qty, move.cost, move.currency, entry.date)
        return Change(sku, "restock", moves, posting.meta)

    def remember_issue(self, invoice: str, sku: str, moves: list[Movement]) -> None:
        """Keep the costs an invoice's units left at, for a later credit note's return.

        The lists kept here are never changed in place (``moves`` is also in the
        :class:`Change` returned to the caller): a second sale of the SKU on the invoice
        makes a new list, and :meth:`restock_moves` consumes a copy.
        """
        key = (invoice, sku)
        sold = self.issued.get(key)
        self.issued[key] = moves if sold is None else sold + moves

    def restock_moves(self, entry: data.Transaction, sku: str, qty: Decimal) -> list[Movement]:
        """Return the costs returned units come back at (the costs they left at)."""
        day = entry.date
        left = qty
        moves: list[Movement] = []
        key = (str(entry.meta.get("credits")), sku)
        sold = list(self.issued.get(key, ()))
        while left > ZERO and sold:
            last = sold[-1]
            take = min(left, last.qty)
            moves.append(Movement(take, last.cost, last.currency, day))
            left -= take
            if take == last.qty:
                sold.pop()
            else:
                sold[-1] = last._replace(qty=last.qty - take)
        if key in self.issued:
            self.issued[key] = sold
        if left > ZERO:
            fallback = self.last_cost.get(sku)
            if fallback is None:
                self.problems.append(
                    Problem(
                        entry,
                        f"Cannot restock {left} {sku} on {day}: no cost known for it "
                        "(it never left the stock)",
                    )
                )
            else:
                moves.append(Movement(left, fallback.cost, fallback.currency, day))
        return moves


def stocked_skus(entries: Iterable[data.Directive]) -> frozenset[str]:
    """Return every SKU that was ever received into Assets:Stock."""
    skus: set[str] = set()
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if (
                    posting.account == STOCK_ACCOUNT
                    and posting.units is not None
                    and posting.units.number is not None
                    and posting.units.number > ZERO
                    and not (posting.meta and MOVE_KEY in posting.meta)
                ):
                    skus.add(posting.units.currency)
    return frozenset(skus)


def stock_valuation(
    entries: Iterable[data.Directive],
    date: date,
    method: str = FIFO,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, tuple[Decimal, Decimal]]:
    """Return the stock of every SKU at the end of a day: ``{sku: (qty, value)}``.

    Args:
      entries: Loaded entries, with or without the inventory plugin's postings.
      date: The day whose closing stock is wanted (its entries included).
      method: ``"FIFO"`` or ``"CUMP"``.
      overrides: Optional per-SKU methods.

    Returns:
      Quantity and value at cost per SKU (value unrounded; round for display).
    """
    entries = list(entries)
    engine = StockEngine(method, overrides or {}, stocked_skus(entries))
    for entry in entries:
        if entry.date > date:
            break
        if isinstance(entry, data.Transaction):
            engine.visit(entry)
    return {sku: book.valuation() for sku, book in sorted(engine.books.items())}
