"""BigCommerce Orders v2 client: orders, then each order's products, shipping addresses
and coupons (v2 returns them only as separate sub-resources).

Pages are numbered (``page``/``limit``) with no total: the loop ends on an empty page,
an HTTP 204, or a page shorter than ``limit``. ``min_date_modified`` selects changed
orders.

Sub-resources cost one request each per order, and the Standard plan allows 150 requests
per 30 seconds, so they bound a fetch: an order whose ``coupon_discount`` is zero used no
coupon, and its coupons are not asked for (saved as the empty list a 204 would give).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    Page,
    PageLog,
    as_utc,
    check_base_url,
    iso_z,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_numbered

SUB_RESOURCES = ("products", "shipping_addresses", "coupons")


def _rows(body: Any) -> list[dict[str, Any]]:
    return list(body) if isinstance(body, list) else []


def _zero(value: Any) -> bool:
    """Whether an amount field says zero (``"0.0000"``); a missing field is not zero."""
    try:
        return value is not None and Decimal(str(value)) == 0
    except ArithmeticError:
        return False


def _modified(order: dict[str, Any]) -> datetime | None:
    value = order.get("date_modified")
    return as_utc(parsedate_to_datetime(value)) if value else None


class BigCommerceClient:
    """Fetch orders (with their sub-resources) from one BigCommerce store.

    Args:
        base_url: ``https://api.bigcommerce.com/stores/<store_hash>``.
        credentials: ``token`` is the API account access token.
        http: the shared HTTP layer.
        page_size: ``limit`` per page (1-250).
        sub_resources: which per-order sub-resources to fetch.
    """

    platform: ClassVar[str] = "bigcommerce"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 250,
        sub_resources: tuple[str, ...] = SUB_RESOURCES,
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/v2"
        self.http = http
        self.page_size = page_size
        self.sub_resources = sub_resources
        self.headers = {"X-Auth-Token": require(credentials.token, "access token", http)}

    def _pages(self, url: str, params: Mapping[str, Any], log: PageLog) -> PageLog:
        size = self.page_size

        def is_last(resp: Response, index: int) -> bool:
            rows = log.items_of(resp)
            return resp.status == 204 or len(rows) < size

        return log.consume(
            paginate_numbered(
                self.http,
                url,
                page_params=lambda i: {**params, "page": i + 1, "limit": size},
                is_last=is_last,
                headers=self.headers,
                accept=log.accept,
            )
        )

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order modified in [since, until] and its sub-resources."""
        start = resume_from("orders", since, cursors)
        params: dict[str, Any] = {"sort": "date_modified:asc"}
        if start is not None:
            params["min_date_modified"] = iso_z(start)
        if until is not None:
            params["max_date_modified"] = iso_z(until)
        log = self._pages(f"{self.base}/orders", params, PageLog(_rows, cursor_of=_modified))
        related: dict[str, dict[str, list[Page]]] = {name: {} for name in self.sub_resources}
        without_coupon = {
            row.get("id")
            for page in log.pages
            for row in _rows(page.data)
            if _zero(row.get("coupon_discount"))
        }
        for order_id in log.ids:
            for name in self.sub_resources:
                if name == "coupons" and order_id in without_coupon:
                    related[name][str(order_id)] = []  # what the 204 would have given
                    continue
                sub = self._pages(f"{self.base}/orders/{order_id}/{name}", {}, PageLog(_rows))
                related[name][str(order_id)] = sub.pages
        doc = log.resumable("orders")
        doc.related = related
        return FetchResult(self.platform, [doc])
