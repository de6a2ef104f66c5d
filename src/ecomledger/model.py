"""Platform-agnostic records: what every importer produces and what booking consumes.

An importer's only job is to turn a file into these records; booking turns them into
Beancount entries. Keeping the records free of any platform's vocabulary is what lets a new
platform be one new importer and nothing else.

Every record carries its ``source`` (``<platform>:<name>``), the id the source gave it and
the location it was read from (``filename``, ``lineno``) so that a conflict or an error can
name both the ledger and the input.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ecomledger.money import ZERO


class Record(BaseModel):
    """Fields every imported record has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    filename: str = "<memory>"
    lineno: int = 0


class Customer(BaseModel):
    """The buyer as the invoice names them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    email: str = ""
    country: str = ""  # ISO 3166 alpha-2 of the delivery address
    vat_number: str = ""  # present for B2B customers
    address: tuple[str, ...] = ()


class OrderLine(BaseModel):
    """One line of an order.

    ``unit_price`` is in the order's price basis: tax-inclusive when the order's
    ``prices_include_tax`` is true. ``discount`` is the total discount allocated to the line
    in the same basis. ``tax`` is the VAT the source computed for the line after discounts,
    when it states one; booking recomputes it from ``vat_rate`` only when it is missing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str = ""
    description: str = ""
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal = ZERO  # percent: 20, 5.5, 0
    discount: Decimal = ZERO
    tax: Decimal | None = None
    gift_card: bool = False  # a gift card sold: a liability, not revenue
    line_id: str = ""


class ShippingLine(BaseModel):
    """Shipping charged to the customer, in the order's price basis."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = "Shipping"
    price: Decimal
    vat_rate: Decimal = ZERO
    discount: Decimal = ZERO
    tax: Decimal | None = None


class OrderStatus(StrEnum):
    """Whether an order moved money."""

    PAID = "paid"
    PENDING = "pending"  # not paid yet: nothing to book
    CANCELLED = "cancelled"  # cancelled before payment: nothing to book


class Order(Record):
    """A sale: becomes one invoice transaction."""

    order_id: str
    order_number: str = ""
    processed_at: dt.datetime  # timezone-aware; booked on its date in the company's zone
    currency: str
    prices_include_tax: bool
    lines: tuple[OrderLine, ...]
    shipping: tuple[ShippingLine, ...] = ()
    gift_card_payments: Decimal = ZERO  # paid with gift cards sold earlier
    total: Decimal  # what the customer paid (or owes), as the source states it
    customer: Customer = Field(default_factory=Customer)
    status: OrderStatus = OrderStatus.PAID
    gateway: str = ""  # the processor that took the money (``shopify_payments``, ``paypal``)
    presentment_currency: str = ""
    presentment_total: Decimal | None = None
    shipped_at: dt.date | None = None
    tax_country: str = ""  # whose VAT the source charged, when it says (OSS)


class RefundLine(BaseModel):
    """Goods given back in a refund: ``amount`` excludes tax, ``tax`` is its VAT."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str = ""
    description: str = ""
    quantity: Decimal
    amount: Decimal
    tax: Decimal
    vat_rate: Decimal = ZERO
    restock: bool = False
    gift_card: bool = False  # a gift card sold and refunded: the liability, not revenue


class Refund(Record):
    """Money given back on an order: becomes one credit-note transaction."""

    refund_id: str
    order_id: str
    processed_at: dt.datetime
    currency: str
    lines: tuple[RefundLine, ...] = ()
    shipping_amount: Decimal = ZERO  # excluding tax
    shipping_tax: Decimal = ZERO
    shipping_vat_rate: Decimal = ZERO
    total: Decimal  # money actually returned to the customer, positive
    gateway: str = ""
    gift_card_refunds: Decimal = ZERO  # part of total put back on gift cards, positive


class BalanceTransaction(BaseModel):
    """One movement on a processor balance that a payout settles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    transaction_id: str
    type: str  # charge, refund, adjustment, dispute, ...
    amount: Decimal
    fee: Decimal
    net: Decimal
    order_id: str = ""


class Payout(Record):
    """Money a processor sends to the bank, with the fees it withheld."""

    payout_id: str
    date: dt.date
    currency: str
    amount: Decimal  # what reaches the bank
    fees: Decimal = ZERO  # total fees withheld, positive
    transactions: tuple[BalanceTransaction, ...] = ()
    status: str = "paid"
    #: What the payout's gross is made of, by kind (``charge``, ``refund``, ``adjustment``,
    #: ``dispute``, ``reserve``, ``retried``), when the source says: booking clears only
    #: sales, refunds and retried payouts from the clearing account and books the rest on
    #: their own accounts. Empty: the whole gross clears the clearing account.
    components: tuple[BalanceTransaction, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class BankLine:
    """One movement on a bank statement.

    ``bank_ref`` is the bank's own id when it gives one; otherwise dedupe falls back to a
    fingerprint of the row (see :func:`ecomledger.booking.bank_line_key`).

    A plain dataclass, not a pydantic model like the other records: one is built per
    statement row, 100,000 for a large file, and validating them cost a fifth of parsing
    it. The importers build them from values their own parsing has already checked.
    """

    source: str
    filename: str = "<memory>"
    lineno: int = 0
    account: str  # the Beancount bank account
    date: dt.date
    amount: Decimal  # signed: credit positive
    currency: str
    payee: str = ""
    narration: str = ""
    bank_ref: str = ""
    occurrence: int = 1  # n-th identical row on the same day, so true twins both survive
    extra: dict[str, str] = field(default_factory=dict)


class StatementBalance(Record):
    """A balance a statement states: becomes a balance assertion."""

    account: str
    date: dt.date  # the day the balance holds at the start of (Beancount's convention)
    amount: Decimal
    currency: str
