"""PrestaShop webservice client: full orders updated since the last fetch.

``output_format=JSON`` (the default is XML) and ``display=full`` (the default is ids
only); paging is ``limit=offset,count`` with no total, so the loop ends on a short page;
date filters need ``date=1`` and are written in the shop's local time without an offset
(``filter[date_upd]=[2025-01-01 00:00:00,2025-02-01 00:00:00]``). An empty result is a
bare ``[]``, not ``{"orders": []}``. The webservice key is the Basic-auth user name.

An order names its delivery address only by id (``id_address_delivery``) and an address
its country only by id (``id_country``), yet the country decides whose VAT was charged. So
after the orders the client fetches their delivery addresses, many per request with
PrestaShop's "any of" filter (``filter[id]=[1|2|3]``), and the country list once
(``display=[id,iso_code]``), into the orders document's ``related``: ``addresses`` per
address id, each a one-address body ``{"addresses": [...]}`` cut from the batched answer
(so a file does not repeat a whole batch per address), and ``countries`` under ``all``.

Refunds are credit slips, a resource of their own: ``/api/order_slip`` is paged like the
orders and filtered on ``date_add`` over the same window, into ``related`` under
``order_slips`` (the pages, verbatim, under ``all``). A slip names the order rows it
refunds (``order_slip_details[].id_order_detail``) but not whether the goods went back to
stock: PrestaShop counts that on the row (``product_quantity_reinjected``), so the client
fetches those rows, batched like the addresses (``display=[id,id_order,
product_quantity_reinjected]``), into ``order_details`` per row id. A slip whose order is
not among the orders fetched (an order updated again after ``until``) has that order
fetched by id and added to the pages, so every slip of a file can be booked from it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    Page,
    PageLog,
    as_utc,
    check_base_url,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_numbered

_FAR_FUTURE = "2099-12-31 23:59:59"


def _listed(body: Any, name: str) -> list[dict[str, Any]]:
    """The objects of a list answer (``{name: [...]}``; an empty answer is a bare ``[]``)."""
    if isinstance(body, dict):
        return [row for row in body.get(name) or [] if isinstance(row, dict)]
    return []


def _orders(body: Any) -> list[dict[str, Any]]:
    return _listed(body, "orders")


def _slips(body: Any) -> list[dict[str, Any]]:
    return _listed(body, "order_slips")


def _slip_rows(pages: Iterable[Page]) -> list[str]:
    """The distinct order row ids (``id_order_detail``) the slips refund."""
    seen: dict[str, None] = {}
    for page in pages:
        for slip in _slips(page.data):
            for detail in (slip.get("associations") or {}).get("order_slip_details") or []:
                value = str(detail.get("id_order_detail") or "").strip()
                if value and value != "0":
                    seen.setdefault(value, None)
    return list(seen)


def _delivery_ids(pages: Iterable[Page]) -> list[str]:
    """The distinct delivery address ids of the orders, in order of first appearance
    (``0`` is PrestaShop's "none", for an order created without an address)."""
    seen: dict[str, None] = {}
    for page in pages:
        for order in _orders(page.data):
            value = str(order.get("id_address_delivery") or "").strip()
            if value and value != "0":
                seen.setdefault(value, None)
    return list(seen)


def _json(value: Any) -> str:
    """Compact JSON text of a parsed body, numbers digit for digit (they were parsed as
    Decimal, and ``str`` of a Decimal is the text it was read from, or its exponent form)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}:{_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class PrestaShopClient:
    """Fetch orders from one PrestaShop shop.

    Args:
        base_url: the shop root; the client adds ``/api/orders``.
        credentials: ``token`` is the webservice key.
        http: the shared HTTP layer.
        page_size: orders per request. The webservice sets no maximum and PrestaShop no
            rate limit, so the page size does not bound a fetch; 100 full orders keep each
            answer within what shared PHP hosting serves before its time limit.
        timezone: the shop's time zone, in which PrestaShop writes and filters dates.
        address_batch: delivery addresses per ``/api/addresses`` request; the ids travel in
            the query string, so a batch is bounded by the URL lengths servers accept.
    """

    platform: ClassVar[str] = "prestashop"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 100,
        timezone: str = "Europe/Paris",
        address_batch: int = 50,
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/api"
        self.http = http
        self.page_size = page_size
        self.address_batch = max(1, address_batch)
        self.tz = ZoneInfo(timezone)
        self.auth = (require(credentials.token, "webservice key", http), "")

    def _local(self, moment: datetime) -> str:
        return as_utc(moment).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _utc(self, order: dict[str, Any]) -> datetime | None:
        value = order.get("date_upd")
        if not value:
            return None
        local = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.tz)
        return as_utc(local)

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order whose ``date_upd`` is in [since, until], oldest update first, with
        their delivery addresses, the country list, and the credit slips added in the same
        window (with the rows they refund) in ``related``."""
        start = resume_from("orders", since, cursors)
        log = self._listing("orders", _orders, "date_upd", start, until, cursor_of=self._utc)
        doc = log.resumable("orders")
        slips = self._listing("order_slip", _slips, "date_add", start, until)
        wanted = {str(s.get("id_order")) for page in slips.pages for s in _slips(page.data)}
        missing = sorted(wanted - {str(i) for i in log.ids}, key=lambda v: (len(v), v))
        for batch in self._batches(missing):
            # the cursor stays where the window's own orders put it
            log.accept(self._get("orders", {"display": "full", "filter[id]": _any_of(batch)}))
        doc.pages, doc.count = log.pages, len(log.ids)
        doc.related = self._related(_delivery_ids(log.pages))
        if slips.ids:
            doc.related["order_slips"] = {"all": slips.pages}
        rows = self._split("order_details", _slip_rows(slips.pages), _REINJECTED)
        if rows:
            doc.related["order_details"] = rows
        return FetchResult(self.platform, [doc])

    def _window(self, field: str, start: datetime | None, until: datetime | None) -> dict[str, str]:
        """``filter[<field>]=[low,high]&date=1`` in shop-local time, or nothing unbounded."""
        if start is None and until is None:
            return {}
        low = self._local(start) if start is not None else "1970-01-01 00:00:00"
        high = self._local(until) if until is not None else _FAR_FUTURE
        return {f"filter[{field}]": f"[{low},{high}]", "date": "1"}

    def _listing(
        self,
        resource: str,
        items: Callable[[Any], list[dict[str, Any]]],
        field: str,
        start: datetime | None,
        until: datetime | None,
        cursor_of: Callable[[dict[str, Any]], Any] | None = None,
    ) -> PageLog:
        """Every page of ``resource`` whose ``field`` date is in [start, until], oldest
        first, until a short page."""
        params: dict[str, Any] = {
            "output_format": "JSON",
            "display": "full",
            "sort": f"[{field}_ASC]",
            **self._window(field, start, until),
        }
        size = self.page_size
        log = PageLog(items, cursor_of=cursor_of)

        def is_last(resp: Response, index: int) -> bool:
            return len(log.items_of(resp)) < size

        return log.consume(
            paginate_numbered(
                self.http,
                f"{self.base}/{resource}",
                page_params=lambda i: {**params, "limit": f"{i * size},{size}"},
                is_last=is_last,
                auth=self.auth,
                accept=log.accept,
            )
        )

    def _get(self, resource: str, params: Mapping[str, str]) -> Response:
        return self.http.get(
            f"{self.base}/{resource}",
            params={"output_format": "JSON", **params},
            auth=self.auth,
        )

    def _batches(self, ids: list[str]) -> Iterator[list[str]]:
        """``ids`` in batches of ``address_batch``: they travel in the query string."""
        size = self.address_batch
        for start in range(0, len(ids), size):
            yield ids[start : start + size]

    def _split(self, resource: str, ids: list[str], display: str) -> dict[str, list[Page]]:
        """The objects of ``resource`` with these ids, asked for in batches (PrestaShop's
        "any of" filter) and kept one body per id, ``{resource: [object]}``, so that a file
        does not repeat a whole batch per id. An id PrestaShop does not return (a record
        removed from the database) is left out."""
        found: dict[str, list[Page]] = {}
        for batch in self._batches(ids):
            resp = self._get(resource, {"display": display, "filter[id]": _any_of(batch)})
            for row in _listed(resp.data, resource):
                body = {resource: [row]}
                found[str(row.get("id"))] = [Page(_json(body), body)]
        return found

    def _related(self, address_ids: list[str]) -> dict[str, dict[str, list[Page]]]:
        """The delivery addresses (batched) and the country list, or nothing when there
        are no addresses to place. An id PrestaShop does not return (an address removed
        from the database) is left out: the importer says its order's country is unknown."""
        if not address_ids:
            return {}
        addresses = self._split("addresses", address_ids, "full")
        countries = self._get("countries", {"display": "[id,iso_code]"})
        return {"addresses": addresses, "countries": {"all": [Page.of(countries)]}}


_REINJECTED = "[id,id_order,product_quantity_reinjected]"


def _any_of(ids: Iterable[str]) -> str:
    """PrestaShop's "any of" filter value: ``[1|2|3]``."""
    return "[" + "|".join(ids) + "]"
