"""BigCommerce's list options and rate quota, as the sandbox serves them.

``GET /v2/orders?include=consignments.line_items`` embeds each order's consignments, and
in them its line items (the objects ``/orders/{id}/products`` returns), so a fetch needs
no request per order. ``consignment_structure=object`` asks for the current shape, one
object of consignment lists; without it BigCommerce still sends the legacy shape, that
object wrapped in an array (deprecated). ``include=consignments`` alone lists each line
item as a link. Without ``include`` an order is as before. Shipping consignments carry
the shipping address; gift certificates travel in ``email.gift_certificates``.

The quota (Standard and Plus plans: 150 requests per 30 s window) is a fixed window:
every answer says what is left of it in ``X-Rate-Limit-*`` headers, and a request over it
answers 429 with ``X-Retry-After`` (whole seconds) as well.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ecomledger.sandbox import dialects
from ecomledger.sandbox.data import Order

#: What ``include`` accepts on ``GET /v2/orders`` (``fees`` is served as an empty list).
INCLUDES = frozenset({"consignments", "consignments.line_items", "fees"})

#: Fields of the shipping address sub-resource that a shipping consignment does not carry.
_NOT_IN_CONSIGNMENT = ("order_id", "base_cost", "cost_ex_tax", "cost_inc_tax", "cost_tax")


class QueryError(ValueError):
    """A list query BigCommerce would refuse with a 400."""


def includes_of(query: Mapping[str, str]) -> tuple[frozenset[str], bool]:
    """The ``include`` values of a list query and whether the object structure is asked.

    Raises:
        QueryError: an unknown ``include`` value or ``consignment_structure``.
    """
    wanted = frozenset(v.strip() for v in query.get("include", "").split(",") if v.strip())
    unknown = sorted(wanted - INCLUDES)
    if unknown:
        raise QueryError(f"include: {', '.join(unknown)} is not one of {sorted(INCLUDES)}")
    structure = query.get("consignment_structure")
    if structure not in (None, "object"):
        raise QueryError("consignment_structure must be 'object'")
    return wanted, structure == "object"


def _link(base: str, resource: str) -> dict[str, str]:
    return {"url": f"{base}/v2{resource}", "resource": resource}


def consignments(order: Order, base: str, *, line_items: bool) -> dict[str, Any]:
    """The order's consignments in the object structure (line items embedded or linked)."""
    oid = order.id % 1_000_000
    products = dialects.bigcommerce_sub(order, "products")
    if not line_items:
        products = [_link(base, f"/orders/{oid}/products/{p['id']}") for p in products]
    goods = [p for p, li in zip(products, order.lines, strict=True) if not li.product.gift_card]
    gifts = [p for p, li in zip(products, order.lines, strict=True) if li.product.gift_card]
    shipping = []
    if goods:
        (address,) = dialects.bigcommerce_sub(order, "shipping_addresses")
        for name in _NOT_IN_CONSIGNMENT:
            address.pop(name, None)
        method = address.pop("shipping_method")
        shipping.append(
            address
            | {
                "email": order.customer.email,
                "line_items": goods,
                "items_total": sum(li.quantity for li in order.lines if not li.product.gift_card),
                "items_shipped": 0,
                "shipping_method": method,
                "shipping_quotes": _link(
                    base, f"/orders/{oid}/consignments/shipping/{address['id']}/shipping_quotes"
                ),
            }
        )
    certificates = [{"recipient_email": order.customer.email, "line_items": gifts}] if gifts else []
    return {
        "pickups": [],
        "shipping": shipping,
        "downloads": [],
        "email": {"gift_certificates": certificates},
    }


def list_order(order: Order, base: str, wanted: frozenset[str], as_object: bool) -> dict[str, Any]:
    """An order of the list, with what ``include`` asked embedded."""
    row = dialects.bigcommerce_order(order, base)
    if "consignments" in wanted or "consignments.line_items" in wanted:
        embedded = consignments(order, base, line_items="consignments.line_items" in wanted)
        row["consignments"] = embedded if as_object else [embedded]
    if "fees" in wanted:
        row["fees"] = []
    return row


def encode(value: Any) -> str:
    """JSON text, with the C encoder when no ``Decimal`` is in the way (the list pages hold
    only strings and integers: BigCommerce writes money as strings)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except TypeError:
        return dialects.dumps(value)


class QuotaWindow:
    """``quota`` requests per fixed ``window`` seconds, refreshed when the window ends."""

    def __init__(self, quota: int, window: float, clock: Callable[[], float]) -> None:
        self.quota = quota
        self.window = window
        self.clock = clock
        self.start = clock()
        self.used = 0
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """(allowed, the ``X-Rate-Limit-*`` headers of the answer)."""
        with self.lock:
            now = self.clock()
            if now >= self.start + self.window:
                self.start += self.window * ((now - self.start) // self.window)
                self.used = 0
            allowed = self.used < self.quota
            self.used += allowed
            reset = max(self.start + self.window - now, 0.0)
            headers = {
                "X-Rate-Limit-Time-Window-Ms": str(round(self.window * 1000)),
                "X-Rate-Limit-Time-Reset-Ms": str(math.ceil(reset * 1000)),
                "X-Rate-Limit-Requests-Quota": str(self.quota),
                "X-Rate-Limit-Requests-Left": str(self.quota - self.used),
            }
            if not allowed:
                headers["X-Retry-After"] = str(math.ceil(reset))
            return allowed, headers
