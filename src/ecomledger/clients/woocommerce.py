"""WooCommerce REST v3 client: orders modified since the last fetch.

``modified_after`` with ``dates_are_gmt=true`` (WooCommerce 5.x+) selects on the
modification date in UTC, so refunds and status changes come back; ``status=any`` keeps
every status; pages are numbered (``page``/``per_page`` up to 100) and the count comes in
``X-WP-TotalPages`` (asking past it is an error, not an empty page). Keys go over HTTP
Basic, so plain http is refused except on the loopback interface.

An order embeds only a summary of its refunds (id, reason, negative total). For every
order whose summary lists any, the client then asks ``GET /orders/<id>/refunds`` (paged
like any list, ``per_page=100``), which gives each refund in full: its lines with negative
quantities and amounts, shipping, taxes per rate id, ``amount``, ``date_created_gmt`` and
whether the goods went back to stock. Orders never refunded cost no extra request. The
bodies go in the orders document's ``related`` under ``refunds``, per order id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    Page,
    PageLog,
    as_utc,
    check_base_url,
    parse_iso,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_numbered


def _rows(body: Any) -> list[dict[str, Any]]:
    return list(body) if isinstance(body, list) else []


def _gmt(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S")


class WooCommerceClient:
    """Fetch orders from one WooCommerce shop.

    Args:
        base_url: the site root (``https://shop.example``); the client adds
            ``/wp-json/wc/v3``.
        credentials: ``key``/``secret`` are the consumer key (``ck_...``) and secret
            (``cs_...``).
        http: the shared HTTP layer.
        page_size: ``per_page`` (1-100).
        query_auth: send the keys as query parameters instead of Basic auth, for servers
            that drop the Authorization header ("Consumer key is missing").
    """

    platform: ClassVar[str] = "woocommerce"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 100,
        query_auth: bool = False,
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/wp-json/wc/v3"
        self.http = http
        self.page_size = page_size
        self.key = require(credentials.key, "consumer key", http)
        self.secret = require(credentials.secret, "consumer secret", http)
        self.query_auth = query_auth

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order modified in [since, until], oldest modification first."""
        start = resume_from("orders", since, cursors)
        params: dict[str, Any] = {
            "per_page": self.page_size,
            "orderby": "modified",
            "order": "asc",
            "status": "any",
            "dates_are_gmt": "true",
        }
        if start is not None:
            params["modified_after"] = _gmt(start)
        if until is not None:
            params["modified_before"] = _gmt(until)
        auth, keys = self._auth()
        params.update(keys)
        log = PageLog(_rows, cursor_of=_modified)

        def is_last(resp: Response, index: int) -> bool:
            total_pages = int(resp.headers.get("X-WP-TotalPages") or 0)
            return not log.items_of(resp) or index + 1 >= total_pages

        log.consume(
            paginate_numbered(
                self.http,
                f"{self.base}/orders",
                page_params=lambda i: {**params, "page": i + 1},
                is_last=is_last,
                auth=auth,
                accept=log.accept,
            )
        )
        doc = log.resumable("orders")
        refunds = self.fetch_refunds([o for page in log.pages for o in _rows(page.data)])
        if refunds:
            doc.related["refunds"] = refunds
        return FetchResult(self.platform, [doc])

    def _auth(self) -> tuple[tuple[str, str] | None, dict[str, str]]:
        """(Basic credentials, extra query parameters): the keys go one way or the other."""
        if self.query_auth:
            return None, {"consumer_key": self.key, "consumer_secret": self.secret}
        return (self.key, self.secret), {}

    def fetch_refunds(self, orders: list[dict[str, Any]]) -> dict[str, list[Page]]:
        """The full refunds of each order whose summary lists any, by order id.

        An order listed twice (bounds are inclusive, lists shift) is asked about once; its
        refund pages are walked up to ``X-WP-TotalPages`` like the orders list.
        """
        auth, keys = self._auth()
        related: dict[str, list[Page]] = {}
        for order in orders:
            key = str(order.get("id"))
            if key in related or not order.get("refunds"):
                continue
            log = PageLog(_rows)

            def is_last(resp: Response, index: int, log: PageLog = log) -> bool:
                total_pages = int(resp.headers.get("X-WP-TotalPages") or 0)
                return not log.items_of(resp) or index + 1 >= total_pages

            params: dict[str, Any] = {"per_page": 100, **keys}

            def page_params(i: int, params: dict[str, Any] = params) -> dict[str, Any]:
                return {**params, "page": i + 1}

            log.consume(
                paginate_numbered(
                    self.http,
                    f"{self.base}/orders/{order['id']}/refunds",
                    page_params=page_params,
                    is_last=is_last,
                    auth=auth,
                    accept=log.accept,
                )
            )
            related[key] = log.pages
        return related


def _modified(order: dict[str, Any]) -> datetime | None:
    value = order.get("date_modified_gmt")
    return parse_iso(value) if value else None
