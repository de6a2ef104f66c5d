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

Not in the order either: refunds (credit slips live in ``/api/order_slip``, not fetched):
refunded orders book their invoice only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
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
    load_json,
    order_line,
    order_tax_country,
    orders_of_pages,
    related_of,
)
from ecomledger.model import Customer, Order, OrderLine, OrderStatus, ShippingLine
from ecomledger.money import ZERO, percent
from ecomledger.vat_rates import rates_for

CANCELLED_STATES = frozenset({"6", "8"})  # cancelled, payment error


def _local(value: Any, timezone: str, where: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    except ValueError as exc:
        raise InputError(where, 0, f"date_add {value!r} is not a date and time") from exc
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


def _is_prestashop(document: Any) -> bool:
    return first_item_has(document, "orders", "total_paid_tax_incl")


class Importer(OrderImporter):
    """PrestaShop orders saved from the webservice as JSON.

    ``findings`` (by file) names the orders whose delivery country the file does not give,
    and the rows taken for gift cards sold: ``ecomledger import`` prints them.
    """

    platform = "prestashop"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.findings: dict[str, list[str]] = {}

    def identify(self, filepath: str) -> bool:
        """Recognise PrestaShop JSON by its envelope or its ``total_paid_tax_incl``."""
        return identify_payload(filepath, self.platform, _is_prestashop)

    def records(self, filepath: str) -> Iterator[Records]:
        """Yield each order (last copy by id), placed at its delivery address."""
        document = load_json(filepath)
        orders = orders_of_pages(document, filepath, "orders", "PrestaShop", empty_list=True)
        places = Places.of(document)
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

        yield from each_order(orders, filepath, parse)
        if unknown:
            findings.append(unknown_country_finding(unknown, places, home))
        if vouchers:
            findings.append(voucher_finding(vouchers))


__all__ = ["Importer", "Places", "parse_order"]
