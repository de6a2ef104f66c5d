"""Shopify admin orders CSV export (Orders → Export), for shops without API access.

No sample of this export exists in our corpus: the columns are those of Shopify's documented
orders export and the tests use hand-made files. The export has one row per line item; the
order-level fields (``Financial Status``, ``Paid at``, ``Currency``, ``Subtotal``,
``Shipping``, ``Taxes``, ``Total``, ``Discount Amount``, ``Tax 1 Name``/``Value``…) are
filled on the order's first row only, and every row repeats the order's ``Name``. Unlike the
processor statements, this file is a source of **orders**: each paid order becomes an
invoice through :func:`ecomledger.booking.book_order` (see :mod:`._orders`), numbered later.

What the export does not say, and what is done about it:

- **Whether prices include tax**: read from the totals: ``Subtotal + Shipping = Total`` with
  taxes is tax-inclusive (the EU norm), ``Subtotal + Shipping + Taxes = Total`` is not.
- **Which VAT rate each line carries**: only order-level ``Tax N Name`` (``FR TVA 20%``)
  and ``Tax N Value`` exist. With one rate, every taxable line and the shipping carry it;
  with several rates the split between lines is unknowable, so the order is refused with
  a sentence saying to import this shop from the API instead.
- **Refund details**: only ``Refunded Amount``; a credit note needs the refunded lines, so
  refunds are not booked from this file and each refunded order gives a finding.
- **Line discounts**: ``Lineitem discount`` when present; the rest of ``Discount Amount`` is
  spread over the lines in proportion to their price (the last line takes the cents).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._processor import Row, map_columns, rows_of
from ecomledger.importers._text import detect_separator, first_line, iter_csv, read_head, read_text
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, ShippingLine
from ecomledger.money import CENT, ZERO, percent, round_money

COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Currency", "Subtotal", "Shipping",
    "Taxes", "Total", "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity",
    "Lineitem name", "Lineitem price", "Lineitem sku", "Lineitem taxable", "Lineitem discount",
    "Billing Name", "Billing Company", "Billing Country", "Shipping Name", "Shipping Country",
    "Shipping Street", "Shipping City", "Shipping Zip", "Note Attributes", "Cancelled at",
    "Payment Method", "Refunded Amount", "Id", "Fulfilled at",
    *(f"Tax {i} {part}" for i in range(1, 6) for part in ("Name", "Value")),
)  # fmt: skip
ALIASES = {name: (name,) for name in COLUMNS}
REQUIRED = (
    "Name", "Financial Status", "Currency", "Total", "Lineitem quantity", "Lineitem price",
)  # fmt: skip
MONEY = ("Subtotal", "Shipping", "Taxes", "Total", "Lineitem price", "Discount Amount")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z")
PAID = frozenset({"paid", "partially_refunded", "refunded", "partially_paid"})
_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")
_VAT_ATTRIBUTE = re.compile(r"(?:vat|tva|vat_number|vat number)\s*:\s*(\S+)", re.IGNORECASE)


class Importer(OrderImporter):
    """Shopify orders exported as CSV from the admin."""

    platform = "shopify_csv"

    @property
    def source(self) -> str:
        """The same ``source`` as the Shopify API importer: an order exported as CSV and
        fetched through the API is one order, deduplicated by its id."""
        return f"shopify:{self.sale.shop}"

    def identify(self, filepath: str) -> bool:
        """A CSV whose header names Shopify's order and line-item columns."""
        header = first_line(read_head(filepath))
        fields = [f.strip().strip('"') for f in header.split(detect_separator(header or ","))]
        return all(name in map_columns(fields, ALIASES) for name in REQUIRED)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield one Order per order of the file (refunds: see the module docstring)."""
        text = read_text(filepath).text
        records = list(iter_csv(text, detect_separator(first_line(text))))
        findings = self.findings.setdefault(filepath, [])
        findings.clear()
        if not records:
            return
        rows = rows_of(filepath, records, records[0], ALIASES, MONEY, required=REQUIRED)
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(row.get("Name"), []).append(row)
        for name, group in groups.items():
            order = self._order(group)
            refunded = group[0].amount("Refunded Amount")
            if refunded:
                findings.append(
                    f"{os.path.basename(filepath)}:{group[0].lineno}: order {name} was refunded "
                    f"{refunded} {order.currency}; the CSV has no refund detail, so import the "
                    "refund from the API or book the credit note by hand"
                )
            yield order

    def _order(self, rows: Sequence[Row]) -> Order:
        head = rows[0]
        rate = self._rate(head)
        subtotal, shipping = head.amount("Subtotal"), head.amount("Shipping")
        taxes, total = head.amount("Taxes"), head.amount("Total", True)
        inclusive = bool(taxes) and abs(subtotal + shipping - total) <= CENT
        currency = head.get("Currency") or "EUR"
        lines = _lines(rows, rate, head.amount("Discount Amount"), currency)
        ship: tuple[ShippingLine, ...] = ()
        if shipping:
            method = head.get("Shipping Method") or "Shipping"
            ship = (ShippingLine(description=method, price=shipping, vat_rate=rate),)
        return Order(
            source=self.source,
            filename=head.filepath,
            lineno=head.lineno,
            order_id=head.get("Id") or head.get("Name"),
            order_number=head.get("Name"),
            processed_at=self._moment(head),
            currency=currency,
            prices_include_tax=inclusive,
            lines=lines,
            shipping=ship,
            total=total,
            customer=_customer(head),
            status=_status(head),
            gateway=head.get("Payment Method").casefold().replace(" ", "_"),
            shipped_at=self._shipped(head),
        )

    def _rate(self, head: Row) -> Decimal:
        """The order's one VAT rate, from its ``Tax N Name`` columns."""
        rates = set()
        for i in range(1, 6):
            name = head.get(f"Tax {i} Name")
            match = _RATE.search(name)
            if name and match and head.amount(f"Tax {i} Value"):
                rates.add(percent(Decimal(match.group(1).replace(",", "."))))
        if len(rates) > 1:
            listed = ", ".join(f"{r}%" for r in sorted(rates))
            raise head.fail(
                f"order {head.get('Name')} has VAT at several rates ({listed}) and the orders "
                "CSV does not say which line carries which; import this shop from the API"
            )
        return rates.pop() if rates else ZERO

    def _moment(self, head: Row) -> dt.datetime:
        column = "Paid at" if head.get("Paid at") else "Created at"
        return _timestamp(head, column)

    def _shipped(self, head: Row) -> dt.date | None:
        if not head.get("Fulfilled at"):
            return None
        return _timestamp(head, "Fulfilled at").astimezone(self.sale_zone).date()

    @property
    def sale_zone(self) -> ZoneInfo:
        """The company's time zone."""
        return ZoneInfo(self.sale.timezone)


def _timestamp(row: Row, column: str) -> dt.datetime:
    """A Shopify export timestamp (``2026-03-02 10:15:00 +0100``), always with its offset."""
    value = row.get(column)
    for form in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, form)
        except ValueError:
            continue
    raise row.fail(
        f"column {column!r}: {value!r} is not a date and time like 2026-03-02 10:15:00 +0100"
    )


def _lines(
    rows: Sequence[Row], rate: Decimal, discount: Decimal, currency: str
) -> tuple[OrderLine, ...]:
    """The order's line items, with the order-level discount spread over them."""
    items = []
    for row in rows:
        try:
            quantity = Decimal(row.get("Lineitem quantity") or "0")
        except ArithmeticError:
            value = row.get("Lineitem quantity")
            raise row.fail(f"column 'Lineitem quantity': {value!r} is not a number") from None
        taxable = row.get("Lineitem taxable").casefold() not in ("false", "no", "0")
        items.append((row, quantity, row.amount("Lineitem price", True), taxable))
    own = sum((r.amount("Lineitem discount") for r, *_ in items), ZERO)
    rest = discount - own
    base = sum((q * p for _, q, p, _ in items), ZERO)
    out = []
    spread = ZERO
    for i, (row, quantity, price, taxable) in enumerate(items):
        share = ZERO
        if rest and base:
            last = i == len(items) - 1
            share = rest - spread if last else round_money(rest * quantity * price / base, currency)
            spread += share
        out.append(
            OrderLine(
                sku=row.get("Lineitem sku"),
                description=row.get("Lineitem name"),
                quantity=quantity,
                unit_price=price,
                vat_rate=rate if taxable else ZERO,
                discount=row.amount("Lineitem discount") + share,
            )
        )
    return tuple(out)


def _customer(head: Row) -> Customer:
    vat = _VAT_ATTRIBUTE.search(head.get("Note Attributes"))
    name = head.get("Billing Company") or head.get("Shipping Name") or head.get("Billing Name")
    address = tuple(
        v for v in (head.get(c) for c in ("Shipping Street", "Shipping Zip", "Shipping City")) if v
    )
    return Customer(
        name=name or head.get("Email"),
        email=head.get("Email"),
        country=(head.get("Shipping Country") or head.get("Billing Country")).upper(),
        vat_number=vat.group(1).replace(" ", "").upper() if vat else "",
        address=address,
    )


def _status(head: Row) -> OrderStatus:
    financial = head.get("Financial Status").casefold()
    if financial in PAID:
        return OrderStatus.PAID
    if head.get("Cancelled at") or financial == "voided":
        return OrderStatus.CANCELLED
    return OrderStatus.PENDING
