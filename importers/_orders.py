"""The shared shape of order-source importers: file → records → unnumbered entries.

A platform importer only says how to read its files (:meth:`OrderImporter.records`); this
base books the records with :mod:`ecomledger.booking`. Numbering is left to the caller:
``ecomledger import`` numbers after dedupe against the whole books, and :meth:`extract`
(beangulp's entry point, used by beangulp's CLI and Fava) numbers against ``existing``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

import beangulp
from beancount.core import data

from ecomledger.booking import (
    SaleContext,
    book_order,
    book_payout,
    book_refund,
    bookable,
    charges_nothing,
    order_source_id,
    payout_source_id,
    refund_source_id,
)
from ecomledger.errors import InputError, UserError
from ecomledger.importers._payload import ShapeError, describe_error
from ecomledger.ledger import BookedRow, same_amount
from ecomledger.model import Order, Payout, Refund
from ecomledger.numbering import Series, assign_numbers

_SHOP = re.compile(r'"shop"\s*:\s*"([^"]*)"')


def envelope_shop(filepath: str) -> str | None:
    """The ``shop`` named in a fetch envelope's header (first 4 KiB), or None."""
    try:
        with open(filepath, encoding="utf-8-sig") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    header = head.split('"pages"', 1)[0]
    if '"ecomledger.fetch/' not in header:
        return None
    match = _SHOP.search(header)
    return match.group(1) if match else None


Records = Order | Refund | Payout

#: What a parser raises on a payload whose structure is not its platform's.
_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ArithmeticError, ValueError)


def _known(booked: Mapping[str, BookedRow], source_id: str, amount: Decimal, currency: str) -> bool:
    """Whether ``source_id`` is in the books having moved exactly ``amount currency``."""
    found = booked.get(source_id)
    return found is not None and same_amount(found, (amount, currency))


def _nothing_charged(order: Order) -> str:
    number = order.order_number or order.order_id
    return (
        f"{order.filename}: order {number} charged nothing (total 0 {order.currency}, every "
        "line at 0): it is not a sale, so it gets no invoice; if goods left the stock for "
        "it, book them by hand"
    )


CUSTOMERS = "Assets:Customers"
MANUAL_REFUND = "manual"  # a refund's gateway when it was not paid back by a processor


@dataclass(frozen=True)
class PayoutContext:
    """Where a shop's processor keeps its balance and books its fees."""

    processor: str
    clearing_account: str
    fees_account: str
    gateways: tuple[str, ...] = ()  # order gateways it handles; empty: every gateway


class OrderImporter(beangulp.Importer):
    """Base of every order-source importer.

    Args:
        sale: the shop and where its customers' money waits (see :class:`SaleContext`).
        payouts: the processor whose payouts the files may contain.
        invoice_pattern, credit_note_pattern: the numbering series (used by :meth:`extract`).

    ``findings`` maps a file to the one-sentence notes its import left (why an order booked
    nothing, a memo whose order is missing...): ``ecomledger import`` prints them. It lives
    here so that every platform fills the same dictionary, most leaving it empty.
    """

    platform = "generic"

    def __init__(
        self,
        sale: SaleContext,
        payouts: PayoutContext | None = None,
        invoice_pattern: str = "F-{year}-{seq:06d}",
        credit_note_pattern: str = "AV-{year}-{seq:06d}",
    ) -> None:
        self.sale = sale
        self.payouts = payouts or PayoutContext(
            sale.clearing_account.rsplit(":", 1)[-1].lower(),
            sale.clearing_account,
            "Expenses:Fees:" + sale.clearing_account.rsplit(":", 1)[-1],
        )
        self.invoice_pattern = invoice_pattern
        self.credit_note_pattern = credit_note_pattern
        self.skipped: dict[str, int] = {}
        self.findings: dict[str, list[str]] = {}

    @property
    def name(self) -> str:
        """The importer's name, as beangulp and Fava show it."""
        return f"{self.platform}:{self.sale.shop}"

    @property
    def source(self) -> str:
        """The ``source`` metadata of every entry this importer books."""
        return f"{self.platform}:{self.sale.shop}"

    def owns(self, filepath: str) -> bool:
        """Whether a file this importer's platform recognises is this shop's.

        A fetched file names its shop; with two shops on one platform, each takes only its
        own. A hand-saved file names none and goes to the first shop of its platform.
        """
        shop = envelope_shop(filepath)
        return shop is None or shop == self.sale.shop

    def account(self, filepath: str) -> str:
        """The account the files belong to: the shop's clearing account."""
        return self.sale.clearing_account

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield the records of ``filepath`` (implemented by each platform)."""
        raise NotImplementedError

    def context(self, order: Order) -> SaleContext:
        """Where ``order``'s money waits: the processor's clearing account when it took the
        payment, else the customers account (bank transfer, cash on delivery)."""
        gateways = self.payouts.gateways
        if not gateways or not order.gateway or order.gateway in gateways:
            return self.sale
        return replace(self.sale, clearing_account=CUSTOMERS)

    def refund_context(self, refund: Refund, order: Order) -> SaleContext:
        """Where a refund's money leaves from: the order's, unless the platform says it was
        paid back outside any processor (gateway ``manual``: cash, a bank transfer), when
        it is owed to the customer until the bank line that pays it."""
        if refund.gateway == MANUAL_REFUND:
            return replace(self.sale, clearing_account=CUSTOMERS)
        return self.context(order)

    def book(
        self, filepath: str, booked: Mapping[str, BookedRow] | None = None
    ) -> list[data.Directive]:
        """Book every record of the file, unnumbered, in the file's order.

        ``booked`` maps the source ids already in the books to the amount they moved
        (see :func:`ecomledger.ledger.moved_amount`): a record found there with the same
        amount is not booked again, and counted in ``self.skipped[filepath]``. Re-importing
        a file of 100,000 orders then costs a parse, not a booking. A record whose amount
        differs is booked, so that dedupe reports the conflict with both locations.
        """
        known = booked or {}
        orders: dict[str, Order] = {}
        entries: list[data.Directive] = []
        skipped = 0
        for record in self._read(filepath):
            if isinstance(record, Order):
                orders[record.order_id] = record
                if not bookable(record):
                    continue
                if charges_nothing(record):  # no sale: no invoice number spent on it
                    self.findings.setdefault(filepath, []).append(_nothing_charged(record))
                    continue
                if _known(
                    known,
                    order_source_id(record),
                    record.total - record.gift_card_payments,
                    record.currency,
                ):
                    skipped += 1
                    continue
                entries.append(book_order(record, self.context(record)))
            elif isinstance(record, Refund):
                order = orders.get(record.order_id)
                if order is None or not record.total:
                    continue
                if _known(
                    known,
                    refund_source_id(record),
                    -(record.total - record.gift_card_refunds),
                    record.currency,
                ):
                    skipped += 1
                    continue
                entries.append(book_refund(record, order, self.refund_context(record, order)))
            else:
                if _known(known, payout_source_id(record), record.amount, record.currency):
                    skipped += 1
                    continue
                entries.append(
                    book_payout(
                        record,
                        self.payouts.processor,
                        self.payouts.clearing_account,
                        self.payouts.fees_account,
                    )
                )
        self.skipped[filepath] = skipped
        return entries

    def _read(self, filepath: str) -> Iterator[Records]:
        """:meth:`records`, with a payload of the wrong shape told in one sentence.

        A platform's parser reads fields where the platform keeps them; a file whose
        structure differs (``{"orders": ["a"]}``, a string where lines are) fails deep
        inside it. That is bad input, not a bug: it is refused naming the file and, as well
        as the error tells, the field, never with a traceback.
        """
        try:
            yield from self.records(filepath)
        except UserError:
            raise
        except ShapeError as exc:
            raise InputError(filepath, 0, f"{exc}; fetch or export the file again") from exc
        except _SHAPE_ERRORS as exc:
            raise InputError(
                filepath,
                0,
                f"is not a {self.platform} payload as expected: {describe_error(None, exc)}; "
                "fetch or export it again",
            ) from exc

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        """Beangulp's entry point: book and number against ``existing`` entries."""
        invoices = Series(self.invoice_pattern)
        credit_notes = Series(self.credit_note_pattern)
        invoice_of_order: dict[str, str] = {}
        booked = set()
        for entry in existing:
            meta = entry.meta or {}
            if "invoice" in meta:
                invoices.observe(str(meta["invoice"]))
                invoice_of_order[str(meta.get("source_id", ""))] = str(meta["invoice"])
            if "credit_note" in meta:
                credit_notes.observe(str(meta["credit_note"]))
            if "source_id" in meta:
                booked.add(str(meta["source_id"]))
        new = [e for e in self.book(filepath) if e.meta.get("source_id") not in booked]
        return assign_numbers(new, invoices, credit_notes, invoice_of_order)
