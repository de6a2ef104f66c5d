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
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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
        page_size: orders per request.
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
        their delivery addresses and the country list in ``related``."""
        start = resume_from("orders", since, cursors)
        params: dict[str, Any] = {
            "output_format": "JSON",
            "display": "full",
            "sort": "[date_upd_ASC]",
        }
        if start is not None or until is not None:
            low = self._local(start) if start is not None else "1970-01-01 00:00:00"
            high = self._local(until) if until is not None else _FAR_FUTURE
            params["filter[date_upd]"] = f"[{low},{high}]"
            params["date"] = "1"
        size = self.page_size
        log = PageLog(_orders, cursor_of=self._utc)

        def is_last(resp: Response, index: int) -> bool:
            return len(log.items_of(resp)) < size

        log.consume(
            paginate_numbered(
                self.http,
                f"{self.base}/orders",
                page_params=lambda i: {**params, "limit": f"{i * size},{size}"},
                is_last=is_last,
                auth=self.auth,
                accept=log.accept,
            )
        )
        doc = log.resumable("orders")
        doc.related = self._related(_delivery_ids(log.pages))
        return FetchResult(self.platform, [doc])

    def _related(self, address_ids: list[str]) -> dict[str, dict[str, list[Page]]]:
        """The delivery addresses (batched) and the country list, or nothing when there
        are no addresses to place. An id PrestaShop does not return (an address removed
        from the database) is left out: the importer says its order's country is unknown."""
        if not address_ids:
            return {}
        addresses: dict[str, list[Page]] = {}
        size = self.address_batch
        for start in range(0, len(address_ids), size):
            batch = address_ids[start : start + size]
            resp = self.http.get(
                f"{self.base}/addresses",
                params={
                    "output_format": "JSON",
                    "display": "full",
                    "filter[id]": "[" + "|".join(batch) + "]",
                },
                auth=self.auth,
            )
            for address in _listed(resp.data, "addresses"):
                body = {"addresses": [address]}
                addresses[str(address.get("id"))] = [Page(_json(body), body)]
        countries = self.http.get(
            f"{self.base}/countries",
            params={"output_format": "JSON", "display": "[id,iso_code]"},
            auth=self.auth,
        )
        return {"addresses": addresses, "countries": {"all": [Page.of(countries)]}}
