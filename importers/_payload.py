"""What the JSON order importers share: reading payloads, and building orders from them.

Every platform's JSON (Shopify, WooCommerce, Magento, BigCommerce, PrestaShop, Square, Wix,
Stripe, Amazon SP-API) arrives the same two ways: in the envelope ``ecomledger fetch``
writes (``{"format": "ecomledger.fetch/1", "platform": ..., "pages": [...]}``) or as one
response body saved by hand. The helpers here read both (:func:`load_json`,
:func:`identify_payload`, :func:`pages_of`...) and hold the rules the platforms' orders
have in common (money fields as Decimal, unit price and discount to the cent, whose VAT an
EU consumer was charged, a refund given only as a total spread over the order's lines), so
that each importer only says where its platform keeps those fields.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ecomledger.booking import EU_COUNTRIES, booking_date
from ecomledger.errors import InputError
from ecomledger.model import (
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    Refund,
    RefundLine,
    ShippingLine,
)
from ecomledger.money import (
    CENT,
    ZERO,
    largest_remainders,
    percent,
    round_money,
    vat_from_inclusive,
)
from ecomledger.vat_rates import rates_for

_CACHE: dict[str, tuple[tuple[int, int], Any]] = {}


def load_json(filepath: str) -> Any:
    """Read a JSON file with Decimal numbers, or say which file is not JSON and where.

    The last file read is kept (keyed by size and modification time): identifying a
    hand-saved file parses it, and ``records`` then reuses that parse instead of reading a
    large payload twice.
    """
    try:
        stat = os.stat(filepath)
    except OSError as exc:
        raise InputError(filepath, 0, f"cannot be read ({exc.strerror})") from exc
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _CACHE.get(filepath)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        raw = Path(filepath).read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(filepath, 0, "is not UTF-8 JSON; save it again as UTF-8") from exc
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(
            filepath, exc.lineno, f"is not valid JSON ({exc.msg}); fetch or export it again"
        ) from exc
    except _NotANumber as exc:
        raise _constant_error(filepath, text, str(exc)) from exc
    _CACHE.clear()
    _CACHE[filepath] = (stamp, document)
    return document


class _NotANumber(ValueError):
    """A ``NaN``/``Infinity`` literal: Python's json reads them, JSON has no such thing."""


def _no_constant(name: str) -> Any:
    raise _NotANumber(name)


def _constant_error(filepath: str, text: str, name: str) -> InputError:
    """Name the line and the field of the first bare ``NaN``/``Infinity`` of a file."""
    found = re.search(rf'(?:"([^"\\]*)"\s*:\s*)?(?<=[:\[,\s]){re.escape(name)}(?![\w"])', text)
    lineno = text.count("\n", 0, found.start()) + 1 if found else 0
    field = f"field {found.group(1)} " if found and found.group(1) else "a field "
    return InputError(
        filepath,
        lineno,
        f"{field}is {name}, which is not a number (JSON has none of that name); nothing of "
        "this file was booked: fetch or export it again",
    )


def take_json(filepath: str) -> Any:
    """Read a JSON file as :func:`load_json` does, for the caller alone.

    The identify cache lets the document go, so the caller may take its lists apart and
    drop each object once used (see :func:`consume`): on a payload of 100,000 orders the
    memory of the orders already booked is reused for the next entries instead of new
    pages being asked of the system (about 2 s of system time less, of some 20 s).
    """
    document = load_json(filepath)
    _CACHE.pop(filepath, None)
    return document


# -- envelopes and hand-saved bodies -----------------------------------------------------

_ENVELOPE = re.compile(r'"format"\s*:\s*"ecomledger\.fetch/\d+"')
_PLATFORM = re.compile(r'"platform"\s*:\s*"([^"]*)"')


def envelope_platform(filepath: str) -> str | None:
    """The ``platform`` of a fetch envelope, read from the file's head; None otherwise.

    ``ecomledger fetch`` writes the header fields before the pages, so the first few KiB
    say whose file it is without parsing a payload of 100,000 orders.
    """
    try:
        with open(filepath, encoding="utf-8-sig") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    header = head.split('"pages"', 1)[0]
    if not _ENVELOPE.search(header):
        return None
    match = _PLATFORM.search(header)
    return match.group(1) if match else ""


def identify_payload(filepath: str, platform: str, shape: Callable[[Any], bool]) -> bool:
    """Recognise ``platform``'s JSON: by the envelope's platform, else by ``shape``.

    A hand-saved file has no envelope; ``shape`` looks at its parsed top level (the first
    order's keys), which tells the platforms apart where the list's key does not
    (``{"orders": [...]}`` is Shopify's, PrestaShop's, Square's and Wix's).
    """
    if not filepath.lower().endswith(".json"):
        return False
    found = envelope_platform(filepath)
    if found is not None:
        return found == platform
    try:
        document = load_json(filepath)
    except InputError:
        return False
    try:
        return bool(shape(document))
    except (AttributeError, KeyError, TypeError, IndexError):
        return False


def first_item(document: Any, key: str | None) -> dict[str, Any] | None:
    """The first object of a hand-saved list (``key`` None: a bare array), if any."""
    items = document if key is None else (document or {}).get(key)
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return None


def pages_of(document: Any) -> list[Any]:
    """The list bodies of a file: the envelope's pages, or the file itself."""
    if isinstance(document, dict) and isinstance(document.get("pages"), list):
        return list(document["pages"])
    return [document]


def related_of(document: Any) -> dict[str, dict[str, list[Any]]]:
    """The envelope's ``related`` sub-resources (``{name: {parent id: [bodies]}}``); empty
    for a hand-saved body, which only ever holds the list itself."""
    if (
        isinstance(document, dict)
        and isinstance(document.get("pages"), list)
        and isinstance(document.get("related"), dict)
    ):
        return {
            name: parents
            for name, parents in document["related"].items()
            if isinstance(parents, dict)
        }
    return {}


class ShapeError(TypeError):
    """A payload whose structure is not the platform's (a list of strings where orders are).

    Raised where the file is not known; :meth:`OrderImporter.book` names the file.
    """


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def latest_by_id(items: Iterable[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    """Dedupe objects by id, keeping the last occurrence (fetch bounds are inclusive and
    lists are fetched oldest change first, so the last copy is the newest).

    Raises:
        ShapeError: an item is not an object (``{"orders": ["a"]}``).
    """
    if not isinstance(items, list | tuple):
        raise ShapeError(f"a list was expected, found {_show(items)}")
    latest: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ShapeError(f"item {index + 1} of a list is {_show(item)}, not an object")
        ident = str(item.get(key))
        latest.pop(ident, None)
        latest[ident] = item
    return list(latest.values())


# -- reading and building orders ----------------------------------------------------------


_PLAIN_NUMBER = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")


def dec(value: Any) -> Decimal:
    """A money field as Decimal: numbers (already Decimal) and strings alike; empty is 0.

    A string must be a plain decimal number, as every platform writes its amounts:
    ``"NaN"``, ``"1e3"`` or ``"12abc"`` are refused, not read as something else.

    Raises:
        ValueError: the value is not a finite number; the message quotes it.
    """
    if value is None or value == "":
        return ZERO
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return Decimal(value.strip())
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        raise ValueError(f"{_show(value)} is not a number")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a number")
    return number


def required_money(node: dict[str, Any], name: str, where: str, what: str) -> Decimal:
    """A money field that must be there and be a number (a refund's, a credit memo's).

    Raises:
        InputError: naming ``what`` (the record) and the field, with the value found.
    """
    value = node.get(name)
    try:
        if value is None or isinstance(value, bool | dict | list):
            raise ValueError(name)
        return dec(value)
    except (ArithmeticError, ValueError) as exc:
        raise InputError(
            where, 0, f"{what}: field {name} is missing or not a number ({value!r})"
        ) from exc


def utc(value: str, where: str, field: str) -> dt.datetime:
    """A timestamp written in UTC without an offset (WooCommerce ``*_gmt``, Magento)."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T").replace("Z", ""))
    except ValueError as exc:
        raise InputError(where, 0, f"{field} {value!r} is not an ISO 8601 timestamp") from exc
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def unit_and_discount(
    quantity: Decimal, gross: Decimal, taxable: Decimal
) -> tuple[Decimal, Decimal]:
    """Return (unit price, discount) such that ``quantity x unit - discount == taxable``.

    The unit price is the gross per unit to the cent; a division that does not end at the
    cent leaves its sub-cent remainder in the discount, so the line's taxable amount (the
    one its VAT was computed on) is booked exactly as the source states it.
    """
    if not quantity:
        return gross, gross - taxable
    unit = (gross / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    return unit, unit * quantity - taxable


def tax_country(
    country: str, vat_number: str, rates: Iterable[Decimal], moment: dt.datetime, home: str
) -> str:
    """Whose VAT an EU consumer abroad was charged, when the source does not say.

    Every rate valid at the destination (and one of them taxed) means the shop charged
    destination VAT (OSS); a rate the destination does not have is home VAT. Booking's own
    rule only looks at home rates, so a Spanish 10 % would otherwise land on French VAT.
    """
    country = country.upper()
    taxed = {r for r in rates if r}
    if vat_number or country == home or country not in EU_COUNTRIES or not taxed:
        return ""
    valid = rates_for(country, booking_date(moment, "UTC"))
    return country if taxed <= valid else home


def implied_rate(gross: Decimal, tax: Decimal, country: str, moment: dt.datetime) -> Decimal:
    """The VAT rate of an amount that states its VAT but not its rate (Magento shipping,
    PrestaShop rows): VAT over net, snapped to the nearest rate legal at the destination or
    at home, since a rate computed from rounded cents is never exact."""
    if not tax or gross == tax:
        return ZERO
    raw = tax / (gross - tax) * 100
    day = booking_date(moment, "UTC")
    legal = rates_for(country, day) | rates_for("FR", day)
    nearest = min(legal, key=lambda r: abs(r - raw), default=None)
    if nearest is not None and abs(nearest - raw) <= Decimal("0.5"):
        return nearest
    return percent(raw.quantize(Decimal("0.1")))


def refund_from_total(
    order: Order, refund_id: str, moment: dt.datetime, amount: Decimal, where: str
) -> Refund:
    """A credit note for a refund the source gives only as a total, split pro rata.

    WooCommerce's refund summary, Magento's ``total_refunded`` and the like say how much
    went back but not for what. A full refund reverses each line exactly; a partial one is
    shared in proportion to each line's VAT-inclusive amount (largest remainders first, so
    the shares add up to the cent), each share's VAT taken at its line's rate.
    """
    parts = [_part(order, line.quantity * line.unit_price, line.discount, line.tax, line.vat_rate)
             for line in order.lines]  # fmt: skip
    parts += [_part(order, s.price, s.discount, s.tax, s.vat_rate) for s in order.shipping]
    whole = sum((gross for gross, _, _ in parts), ZERO)
    full = amount >= whole
    shares = largest_remainders(min(amount, whole), [gross for gross, _, _ in parts])
    lines: list[RefundLine] = []
    ship_amount = ship_tax = ship_rate = ZERO
    for index, ((_, tax, rate), share) in enumerate(zip(parts, shares, strict=True)):
        vat = tax if full else round_money(share * rate / (100 + rate), order.currency)
        if index >= len(order.lines):
            ship_amount, ship_tax = ship_amount + share - vat, ship_tax + vat
            ship_rate = rate if share else ship_rate
            continue
        line = order.lines[index]
        lines.append(
            RefundLine(
                sku=line.sku,
                description=line.description,
                quantity=line.quantity if full else ZERO,
                amount=share - vat,
                tax=vat,
                vat_rate=rate,
            )
        )
    return Refund(
        source=order.source,
        filename=where,
        refund_id=refund_id,
        order_id=order.order_id,
        processed_at=moment,
        currency=order.currency,
        lines=tuple(line for line in lines if line.amount or line.tax or line.quantity),
        shipping_amount=ship_amount,
        shipping_tax=ship_tax,
        shipping_vat_rate=ship_rate,
        total=amount,
        gateway=order.gateway,
    )


def _part(
    order: Order, gross: Decimal, discount: Decimal, tax: Decimal | None, rate: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """(VAT-inclusive amount, VAT, rate) of an order line or shipping line; the VAT the
    booking computes when the source states none."""
    taxable = gross - discount
    if tax is not None:
        vat = tax
    elif order.prices_include_tax:
        vat = vat_from_inclusive(taxable, rate, order.currency)
    else:
        vat = round_money(taxable * rate / 100, order.currency)
    return (taxable if order.prices_include_tax else taxable + vat), vat, rate


def first_item_has(document: Any, key: str | None, *fields: str) -> bool:
    """Whether a hand-saved body's first object (under ``key``; None: a bare array) has
    every one of ``fields``: the keys that tell one platform's orders from another's."""
    container = list if key is None else dict
    first = first_item(document, key) if isinstance(document, container) else None
    return first is not None and all(field in first for field in fields)


def orders_of_pages(
    document: Any, filepath: str, key: str, label: str, *, empty_list: bool = False
) -> list[dict[str, Any]]:
    """The objects listed under ``key`` in every page of a file whose pages are objects.

    A page of another kind means the file is not ``label``'s payload, said so rather than
    booked as nothing; ``empty_list`` lets an empty array through (PrestaShop answers an
    empty page with ``[]`` instead of an object).
    """
    orders: list[dict[str, Any]] = []
    for page in pages_of(document):
        if empty_list and isinstance(page, list) and not page:
            continue
        if not isinstance(page, dict):
            raise InputError(filepath, 0, f"is not a {label} payload (expected an object)")
        found = page.get(key) or []
        if not isinstance(found, list):
            raise InputError(
                filepath, 0, f"field {key} is {_show(found)}, not a list of {label} orders"
            )
        orders.extend(found)
    return orders


def each_order(
    orders: Iterable[dict[str, Any]],
    filepath: str,
    parse: Callable[[dict[str, Any]], Order],
    refunds: Callable[[dict[str, Any], Order], Iterable[Refund]] | None = None,
    *,
    key: str = "id",
    invalid: str = "is missing or invalid",
) -> Iterator[Order | Refund]:
    """Each order (the last copy of each id, see :func:`latest_by_id`), then its refunds.

    A field the parser cannot read (missing, of the wrong type, not a number) becomes an
    :class:`InputError` naming the order, so the user learns which order of a file of
    thousands is at fault instead of getting a traceback; ``invalid`` ends that sentence.
    """
    try:
        latest = latest_by_id(list(orders), key)
    except ShapeError as exc:
        raise InputError(filepath, 0, f"{exc}, where orders are; fetch it again") from exc
    for raw in latest:
        try:
            order = parse(raw)
            yield order
            if refunds is not None:
                yield from refunds(raw, order)
        except InputError:
            raise
        except KeyError as exc:
            raise InputError(
                filepath, 0, f"order {raw.get(key, '?')}: field {exc} {invalid}"
            ) from exc
        except (TypeError, ArithmeticError, ValueError, AttributeError) as exc:
            raise InputError(
                filepath, 0, f"order {raw.get(key, '?')}: {describe_error(raw, exc)} {invalid}"
            ) from exc


_MONEY_KEY = re.compile(r"(amount|price|total|tax|discount|fee|net|gross|quantity|rate)", re.I)


def describe_error(raw: Any, exc: Exception) -> str:
    """Name the field of a payload a parsing error came from, as well as it can be told.

    A value quoted by the error (``'NaN' is not a number``) is looked up in the order; a
    pydantic error names its field; a failed Decimal conversion is pinned on the first
    money-like field that is not a plain number. Without a match, the error's own words.
    """
    message = str(exc)
    leaves = list(_leaves(raw, "")) if isinstance(raw, dict | list) else []
    for path, value in leaves:
        if isinstance(value, str | Decimal | float) and message.startswith(f"{value!r} "):
            return f"field {path} ({_show(value)})"
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        found = str(error.get("input"))
        for path, value in leaves:
            if isinstance(value, str | Decimal | float) and str(value) == found:
                return f"field {path} ({_show(value)}: {error['msg']})"
        where = ".".join(str(part) for part in error["loc"]) or "a field"
        return f"field {where} ({_show(error.get('input'))}: {error['msg']})"
    if isinstance(exc, ArithmeticError):
        for path, value in leaves:
            last = path.rsplit(".", 1)[-1]
            money = isinstance(value, str) and value and _MONEY_KEY.search(last)
            if money and not _PLAIN_NUMBER.fullmatch(value):
                return f"field {path} ({_show(value)}, not a number)"
        return "a field that should be a number (NaN, infinite or not a number)"
    if isinstance(exc, KeyError):
        return f"field {exc}"
    return f"a field ({message or type(exc).__name__})"


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _leaves(value, f"{prefix}.{name}" if prefix else str(name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, f"{prefix}[{index}]")
    else:
        yield prefix, node


def searched_orders(
    filepath: str,
    label: str,
    parse_order: Callable[[dict[str, Any], str, str, str], Order],
    parse_refunds: Callable[[dict[str, Any], Order, str], Iterable[Refund]],
    source: str,
    home: str,
) -> Iterator[Order | Refund]:
    """The orders and refunds of an order search saved as JSON (Square, Wix).

    Both platforms answer ``POST .../orders/search`` with pages listing the orders under
    ``orders``, each order carrying its own refunds: nothing else of the file is needed, so
    one function reads the pages and calls ``parse_order(raw, source, filepath, home)`` and
    ``parse_refunds(raw, order, filepath)`` on each order (:func:`each_order`).
    """
    orders = orders_of_pages(load_json(filepath), filepath, "orders", label)
    yield from each_order(
        orders,
        filepath,
        lambda raw: parse_order(raw, source, filepath, home),
        lambda raw, order: parse_refunds(raw, order, filepath),
    )


def refunded_total(
    order: Order, amount: Decimal, moment: Callable[[], dt.datetime], where: str
) -> list[Refund]:
    """The one credit note of an order whose source states only how much was refunded.

    Magento, Wix and BigCommerce sum their refunds up on the order: one credit note
    ``<order id>-refunded`` for that sum, split pro rata (:func:`refund_from_total`), none
    when nothing was refunded. ``moment`` is only read then, so an order never refunded is
    not refused for a last-update date it does not need.
    """
    if not amount:
        return []
    return [refund_from_total(order, f"{order.order_id}-refunded", moment(), amount, where)]


def status_of(value: Any, paid: frozenset[Any], cancelled: frozenset[Any]) -> OrderStatus:
    """Paid or cancelled by the platform's status value; anything else is pending (nothing
    is booked for an order until the platform says its money moved)."""
    if value in paid:
        return OrderStatus.PAID
    return OrderStatus.CANCELLED if value in cancelled else OrderStatus.PENDING


def order_line(
    *,
    sku: str,
    description: str,
    quantity: Decimal,
    gross: Decimal,
    taxable: Decimal,
    vat_rate: Decimal,
    line_id: str,
    tax: Decimal | None = None,
    gift_card: bool = False,
) -> OrderLine:
    """An order line from what the platform states: its gross before discounts and the
    taxable amount after them, the unit price and discount derived by
    :func:`unit_and_discount` so the taxable amount is booked to the cent."""
    unit, discount = unit_and_discount(quantity, gross, taxable)
    return OrderLine(
        sku=sku,
        description=description,
        quantity=quantity,
        unit_price=unit,
        vat_rate=vat_rate,
        discount=discount,
        tax=tax,
        gift_card=gift_card,
        line_id=line_id,
    )


def implied_shipping(
    description: str,
    price: Decimal,
    tax: Decimal,
    country: str,
    moment: dt.datetime,
    gross: Decimal | None = None,
) -> ShippingLine:
    """A shipping line that states its VAT but not its rate: the rate is implied from the
    VAT-inclusive ``gross`` (``price`` unless the prices exclude tax), see
    :func:`implied_rate`."""
    return ShippingLine(
        description=description,
        price=price,
        vat_rate=implied_rate(price if gross is None else gross, tax, country, moment),
        tax=tax,
    )


def order_tax_country(
    customer: Customer,
    lines: Sequence[OrderLine],
    shipping: Sequence[ShippingLine],
    moment: dt.datetime,
    home: str,
) -> str:
    """:func:`tax_country` of an order, judged on the rates of all its lines and shipping."""
    rates = [line.vat_rate for line in lines] + [ship.vat_rate for ship in shipping]
    return tax_country(customer.country, customer.vat_number, rates, moment, home)


def buyer(
    place: dict[str, Any],
    address_keys: Sequence[str],
    *,
    name: str,
    email: str,
    country: Any,
    vat: str,
) -> Customer:
    """The invoice's customer: country upper-cased, VAT number without spaces (so it
    matches the VIES form), and the address as the non-empty ``address_keys`` of ``place``."""
    return Customer(
        name=name,
        email=email,
        country=str(country or "").upper(),
        vat_number=vat.replace(" ", "").upper(),
        address=tuple(str(place[key]) for key in address_keys if place.get(key)),
    )


def full_name(*parts: Any) -> str:
    """The non-empty parts of a name, joined by spaces (first and last name)."""
    return " ".join(part for part in parts if part)
