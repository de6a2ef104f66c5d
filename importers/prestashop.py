"""PrestaShop webservice orders (``GET /api/orders?output_format=JSON&display=full``).

Money: decimal strings with six decimals (``"68.200000"``), in ``_tax_incl``/``_tax_excl``
pairs. Lines are ``associations.order_rows`` with unit prices both ways, so a row's rate is
implied by the pair; cart rules (``total_discounts_tax_incl``) are order-level and are
shared over the rows in proportion to their amounts. ``total_paid_tax_incl`` is the
receivable; ``valid`` says whether the order was paid.

Dates ``date_add``/``date_upd`` are shop-local without a zone: they are read in the
company's time zone (the importer's ``SaleContext.timezone``).

The delivery country is not in the order, only ``id_address_delivery``; the address names
a country id, and ``/api/countries`` its ISO code. ``ecomledger fetch`` saves both in the
envelope's ``related`` (``addresses`` per address id, ``countries`` under ``all``), and the
importer joins order → address → country, taking the buyer's name, address and VAT number
(a B2B customer's) from the address. A hand-saved orders body has no such data: its orders
are booked as home-country sales, as before, and a finding says their delivery country is
unknown, since an export or an OSS sale would then be booked with the wrong VAT.

PrestaShop has no gift-card product type: cards are sold as products without a tax rule.
A row without VAT in a sale that is taxed (home, or an EU consumer abroad), where no rate
of the country is 0 %, is therefore booked as a gift card sold, with a finding naming it.

Not in the order either: refunds. They are credit slips (``/api/order_slip``), which
``ecomledger fetch`` saves in ``related`` under ``order_slips``; each becomes one credit
note, source id ``<source>:refund:<slip id>``, dated at its shop-local ``date_add``, for
``amount`` (what went back; ``total_products_tax_incl`` + ``total_shipping_tax_incl`` when
absent). Its lines are the slip's ``order_slip_details``, joined to the order's rows by
``id_order_detail``: the quantity, ``amount_tax_incl`` and ``amount_tax_excl`` (their
difference is the VAT, at the row's rate); shipping is ``total_shipping_tax_incl`` /
``_excl`` at the order's carrier rate. Amounts are rounded to the cent (PrestaShop keeps six
decimals); what the lines do not explain goes to ``Expenses:Rounding``.

A slip does not say whether the goods went back to stock: PrestaShop counts it on the order
row (``product_quantity_reinjected``), which ``fetch`` saves under ``order_details``. That
quantity is given to the row's slips of the file oldest first, and a slip line gets
``restock`` for the part it covers (a line partly restocked is booked as two lines, amounts
shared to the cent). A file without ``order_slips`` (a hand-saved orders body, a payload
fetched before slips were) books invoices only, as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ecomledger.booking import EU_COUNTRIES, booking_date
from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import (
    buyer,
    dec,
    each_order,
    first_item_has,
    full_name,
    identify_payload,
    implied_rate,
    largest_remainders,
    latest_by_id,
    load_json,
    order_line,
    order_tax_country,
    orders_of_pages,
    related_of,
)
from ecomledger.model import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    RefundLine,
    ShippingLine,
)
from ecomledger.money import CENT, ZERO, percent
from ecomledger.vat_rates import rates_for

CANCELLED_STATES = frozenset({"6", "8"})  # cancelled, payment error


def _local(value: Any, timezone: str, where: str, field: str = "date_add") -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    except ValueError as exc:
        raise InputError(where, 0, f"{field} {value!r} is not a date and time") from exc
    return moment.replace(tzinfo=ZoneInfo(timezone)) if moment.tzinfo is None else moment


#: How many order ids a finding names before it only counts the rest.
_NAMED = 5


def _listed(body: Any, name: str, one: str) -> list[dict[str, Any]]:
    """The objects of a saved body: a list answer ``{name: [...]}`` or a single-object
    answer ``{one: {...}}`` (``GET /api/addresses/<id>``); a bare ``[]`` holds none."""
    if not isinstance(body, dict):
        return []
    rows = body.get(name)
    if isinstance(rows, list):
        return [row for row in rows if isinstance(row, dict)]
    single = body.get(one)
    return [single] if isinstance(single, dict) else []


@dataclass
class Places:
    """Where a file's orders went: the saved delivery addresses by id, and the country
    ISO codes by PrestaShop country id (empty for a hand-saved orders body)."""

    addresses: dict[str, dict[str, Any]] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Any) -> Places:
        """The addresses and countries ``ecomledger fetch`` saved beside the orders."""
        related = related_of(document)
        places = cls()
        for bodies in (related.get("addresses") or {}).values():
            for body in bodies or []:
                for address in _listed(body, "addresses", "address"):
                    places.addresses[str(address.get("id"))] = address
        for bodies in (related.get("countries") or {}).values():
            for body in bodies or []:
                for country in _listed(body, "countries", "country"):
                    if country.get("iso_code"):
                        places.countries[str(country.get("id"))] = str(country["iso_code"])
        return places

    def customer(self, order: dict[str, Any]) -> Customer | None:
        """The buyer at the order's delivery address, or None when the file does not say
        where that is (no saved address, or an address whose country id is not listed)."""
        address = self.addresses.get(str(order.get("id_address_delivery") or ""))
        if address is None:
            return None
        country = self.countries.get(str(address.get("id_country") or ""))
        if country is None:
            return None
        name = full_name(address.get("firstname"), address.get("lastname"))
        return buyer(
            address,
            ("address1", "address2", "postcode", "city"),
            name=str(address.get("company") or name),
            email="",
            country=country,
            vat=str(address.get("vat_number") or ""),
        )


def _sells_vouchers(country: str, vat_number: str, home: str, moment: dt.datetime) -> bool:
    """Whether a row without VAT in this sale can only be a gift card sold.

    PrestaShop has no gift-card product type: a shop sells its cards as products without
    a tax rule. A multi-purpose voucher is not a supply (its VAT is due when it is spent),
    so it must land on ``Liabilities:GiftCards``, not on sales at 0 %. A row without VAT
    says so whenever the sale is taxed (home, or an EU consumer abroad) and neither the
    destination nor home has a 0 % rate; exports and reverse-charged B2B sales are at 0 %
    anyway, so there a row without VAT is a sale like the others.
    """
    if country not in EU_COUNTRIES or (vat_number and country != home):
        return False
    day = booking_date(moment, "UTC")
    return ZERO not in rates_for(country, day) | rates_for(home, day)


def _lines(
    order: dict[str, Any], customer: Customer, home: str, moment: dt.datetime
) -> list[OrderLine]:
    country = customer.country or home
    vouchers = _sells_vouchers(country, customer.vat_number, home, moment)
    rows = (order.get("associations") or {}).get("order_rows") or []
    grosses = [dec(r.get("unit_price_tax_incl")) * dec(r.get("product_quantity")) for r in rows]
    discounts = largest_remainders(dec(order.get("total_discounts_tax_incl")), grosses)
    lines = []
    for row, gross, share in zip(rows, grosses, discounts, strict=True):
        incl, excl = dec(row.get("unit_price_tax_incl")), dec(row.get("unit_price_tax_excl"))
        rate = implied_rate(incl, incl - excl, country, moment)
        lines.append(
            order_line(
                sku=str(row.get("product_reference") or ""),
                description=str(row.get("product_name") or ""),
                quantity=dec(row.get("product_quantity")),
                gross=gross,
                taxable=gross - share,
                vat_rate=rate,
                gift_card=vouchers and not rate and bool(gross),
                line_id=str(row.get("id", "")),
            )
        )
    return lines


def _status(order: dict[str, Any]) -> OrderStatus:
    if str(order.get("current_state")) in CANCELLED_STATES:
        return OrderStatus.CANCELLED
    return OrderStatus.PAID if str(order.get("valid")) == "1" else OrderStatus.PENDING


def parse_order(
    order: dict[str, Any],
    source: str,
    where: str,
    timezone: str,
    customer: Customer | None = None,
    home: str = "FR",
) -> Order:
    """Turn one PrestaShop order into an :class:`Order`.

    ``customer`` is the buyer at the delivery address (see :meth:`Places.customer`); without
    one the order is a sale in ``home``, the only country its rows' rates can be read in.
    """
    moment = _local(order.get("date_add"), timezone, where)
    ship_incl = dec(order.get("total_shipping_tax_incl"))
    ship_tax = ship_incl - dec(order.get("total_shipping_tax_excl"))
    lines = _lines(order, customer or Customer(), home, moment)
    shipping = (
        [
            ShippingLine(
                price=ship_incl,
                vat_rate=percent(dec(order.get("carrier_tax_rate"))),
                tax=ship_tax,
            )
        ]
        if ship_incl
        else []
    )
    return Order(
        source=source,
        filename=where,
        order_id=str(order["id"]),
        order_number=str(order.get("reference") or order["id"]),
        processed_at=moment,
        currency="EUR",
        prices_include_tax=True,
        lines=tuple(lines),
        shipping=tuple(shipping),
        total=dec(order.get("total_paid_tax_incl")),
        customer=customer or Customer(),
        status=_status(order),
        gateway=str(order.get("module") or ""),
        tax_country=(
            order_tax_country(customer, lines, shipping, moment, home) if customer else ""
        ),
    )


def unknown_country_finding(names: list[str], places: Places, home: str) -> str:
    """The one sentence saying which orders were booked in ``home`` for want of their
    delivery country, and how to get it (names the first few, counts the rest)."""
    shown = ", ".join(names[:_NAMED]) + (
        f" and {len(names) - _NAMED} more" if len(names) > _NAMED else ""
    )
    if places.addresses:
        why = "their delivery address or its country is not among the addresses saved with them"
        then = "fetch them again with `ecomledger fetch`"
    else:
        why = "the file holds no delivery addresses (PrestaShop orders name an address id only)"
        then = "fetch them with `ecomledger fetch`, which saves their addresses and countries"
    return (
        f"delivery country unknown for {len(names)} order(s) ({shown}): {why}; booked as "
        f"{home} sales, so exports and other EU countries' VAT may be wrong; {then}"
    )


def voucher_finding(rows: list[str]) -> str:
    """The one sentence naming the rows booked as gift cards sold (see
    :func:`_sells_vouchers`), so that a product merely missing its tax rule is noticed."""
    shown = ", ".join(rows[:_NAMED]) + (
        f" and {len(rows) - _NAMED} more" if len(rows) > _NAMED else ""
    )
    return (
        f"{len(rows)} order row(s) without VAT booked as gift cards sold "
        f"(Liabilities:GiftCards), since no VAT rate of their country is 0 %: {shown}; "
        "if one is a product missing its tax rule in PrestaShop, fix the rule and that entry"
    )


@dataclass
class Slips:
    """A file's credit slips by order id (oldest first) and the quantity put back in stock
    per order row id (``product_quantity_reinjected``)."""

    by_order: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reinjected: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def of(cls, document: Any, where: str) -> Slips:
        """The slips and order rows ``ecomledger fetch`` saved beside the orders."""
        related = related_of(document)
        slips: list[dict[str, Any]] = []
        for bodies in (related.get("order_slips") or {}).values():
            for body in bodies or []:
                if isinstance(body, list) and not body:
                    continue  # PrestaShop's empty answer
                if not isinstance(body, dict) or not isinstance(body.get("order_slips"), list):
                    raise InputError(where, 0, "the saved credit slips are not an order_slips list")
                slips.extend(body["order_slips"])
        found = cls()
        for slip in latest_by_id(slips):
            if not isinstance(slip, dict):
                raise InputError(where, 0, "a saved credit slip is not an object")
            found.by_order.setdefault(str(slip.get("id_order")), []).append(slip)
        for group in found.by_order.values():
            group.sort(key=lambda s: (str(s.get("date_add") or ""), _int(s.get("id"))))
        for bodies in (related.get("order_details") or {}).values():
            for body in bodies or []:
                for row in _listed(body, "order_details", "order_detail"):
                    found.reinjected[str(row.get("id"))] = dec(
                        row.get("product_quantity_reinjected")
                    )
        return found


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _slip_money(
    node: dict[str, Any], name: str, where: str, what: str, *, money: bool = True
) -> Decimal:
    """A field of a slip that must be there and be a number; money is rounded to the cent."""
    value = node.get(name)
    try:
        if value is None or isinstance(value, bool | dict | list):
            raise ValueError(name)
        number = dec(value)
        return _cents(number) if money else number
    except (ArithmeticError, ValueError) as exc:
        raise InputError(
            where, 0, f"{what}: field {name} is missing or not a number ({value!r})"
        ) from exc


def parse_slip(
    slip: dict[str, Any], order: Order, where: str, timezone: str, restock: dict[str, Decimal]
) -> Refund:
    """One credit slip of ``order`` (see the module docstring). ``restock`` is what is left
    of each row's reinjected quantity; the slip's lines take their part of it."""
    what = f"credit slip {slip.get('id', '?')} of order {order.order_number}"
    if slip.get("id") in (None, ""):
        raise InputError(where, 0, f"{what}: field id is missing")
    rows = {line.line_id: line for line in order.lines}
    lines: list[RefundLine] = []
    details = (slip.get("associations") or {}).get("order_slip_details") or []
    for detail in details:
        if not isinstance(detail, dict):
            raise InputError(where, 0, f"{what}: an order_slip_details entry is not an object")
        row_id = str(detail.get("id_order_detail") or "")
        row = rows.get(row_id)
        quantity = _slip_money(detail, "product_quantity", where, what, money=False)
        incl = _slip_money(detail, "amount_tax_incl", where, what)
        excl = _slip_money(detail, "amount_tax_excl", where, what)
        back = min(quantity, restock.get(row_id, ZERO))
        restock[row_id] = restock.get(row_id, ZERO) - back
        line = RefundLine(
            sku=row.sku if row else "",
            description=row.description if row else f"order row {row_id}",
            quantity=quantity,
            amount=excl,
            tax=incl - excl,
            vat_rate=row.vat_rate
            if row
            else implied_rate(incl, incl - excl, "", order.processed_at),
            restock=bool(back),
        )
        if back and back < quantity:  # partly restocked: the restocked part, then the rest
            amounts = largest_remainders(excl, [back, quantity - back])
            taxes = largest_remainders(incl - excl, [back, quantity - back])
            lines.append(
                line.model_copy(update={"quantity": back, "amount": amounts[0], "tax": taxes[0]})
            )
            line = line.model_copy(
                update={
                    "quantity": quantity - back,
                    "amount": amounts[1],
                    "tax": taxes[1],
                    "restock": False,
                }
            )
        lines.append(line)
    ship_incl = _cents(dec(slip.get("total_shipping_tax_incl")))
    ship_excl = _cents(dec(slip.get("total_shipping_tax_excl")))
    if slip.get("amount") not in (None, ""):
        total = _slip_money(slip, "amount", where, what)
    else:
        total = _slip_money(slip, "total_products_tax_incl", where, what) + ship_incl
    return Refund(
        source=order.source,
        filename=where,
        refund_id=str(slip["id"]),
        order_id=order.order_id,
        processed_at=_local(slip.get("date_add"), timezone, where, f"{what}: date_add"),
        currency=order.currency,
        lines=tuple(lines),
        shipping_amount=ship_excl,
        shipping_tax=ship_incl - ship_excl,
        shipping_vat_rate=next((ship.vat_rate for ship in order.shipping), ZERO),
        total=total,
        gateway=order.gateway,
    )


def _is_prestashop(document: Any) -> bool:
    return first_item_has(document, "orders", "total_paid_tax_incl")


class Importer(OrderImporter):
    """PrestaShop orders and their credit slips, saved from the webservice as JSON.

    ``findings`` (by file) names the orders whose delivery country the file does not give,
    the rows taken for gift cards sold, and the slips whose order the file does not hold:
    ``ecomledger import`` prints them.
    """

    platform = "prestashop"

    def identify(self, filepath: str) -> bool:
        """Recognise PrestaShop JSON by its envelope or its ``total_paid_tax_incl``."""
        return identify_payload(filepath, self.platform, _is_prestashop)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id), placed at its delivery address."""
        document = load_json(filepath)
        orders = orders_of_pages(document, filepath, "orders", "PrestaShop", empty_list=True)
        places = Places.of(document)
        slips = Slips.of(document, filepath)
        restock = dict(slips.reinjected)
        home = self.sale.home_country
        findings = self.findings[filepath] = []
        unknown: list[str] = []
        vouchers: list[str] = []

        def parse(raw: dict[str, Any]) -> Order:
            customer = places.customer(raw)
            order = parse_order(raw, self.source, filepath, self.sale.timezone, customer, home)
            if customer is None:
                unknown.append(order.order_number)
            vouchers.extend(
                f"{order.order_number} ({line.description or line.sku})"
                for line in order.lines
                if line.gift_card
            )
            return order

        def refunds(raw: dict[str, Any], order: Order) -> list[Refund]:
            return [
                parse_slip(slip, order, filepath, self.sale.timezone, restock)
                for slip in slips.by_order.get(order.order_id, [])
            ]

        yield from each_order(orders, filepath, parse, refunds)
        known = {str(raw.get("id")) for raw in orders}
        orphans = [
            str(slip.get("id"))
            for order_id, group in slips.by_order.items()
            if order_id not in known
            for slip in group
        ]
        if orphans:
            findings.append(
                f"credit slip(s) {', '.join(orphans)}: their order is not in this file, "
                "nothing booked for them; fetch again with `ecomledger fetch`, which saves "
                "each slip's order beside it"
            )
        if unknown:
            findings.append(unknown_country_finding(unknown, places, home))
        if vouchers:
            findings.append(voucher_finding(vouchers))


__all__ = ["Importer", "Places", "Slips", "parse_order", "parse_slip"]
