"""BigCommerce Orders v2 client: the orders, each with its consignments and line items.

``GET /v2/orders?include=consignments.line_items`` embeds in every order its consignments
(shipping address and shipping method of each shipping consignment) and their line items
(the objects ``/orders/{id}/products`` returns), so a fetch costs one request per page of
250 orders and nothing per order: the Standard plan's 150 requests per 30 s bound it
alone. ``consignment_structure=object`` asks for the current shape (BigCommerce deprecates
the legacy array). Coupons are not asked: booking reads each line's ``applied_discounts``.

Pages are numbered (``page``/``limit``) with no total: the loop ends on an empty page,
an HTTP 204, or a page shorter than ``limit``. ``min_date_modified`` selects changed
orders. Payload files of earlier fetches hold the per-order sub-resources instead
(``related``); the importer reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    PageLog,
    as_utc,
    check_base_url,
    iso_z,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_numbered

#: What the list embeds in each order (the line items imply their consignments).
INCLUDE = "consignments.line_items"


def _rows(body: Any) -> list[dict[str, Any]]:
    return list(body) if isinstance(body, list) else []


def _modified(order: dict[str, Any]) -> datetime | None:
    value = order.get("date_modified")
    return as_utc(parsedate_to_datetime(value)) if value else None


class BigCommerceClient:
    """Fetch orders, with their consignments and line items, from one BigCommerce store.

    Args:
        base_url: ``https://api.bigcommerce.com/stores/<store_hash>``.
        credentials: ``token`` is the API account access token.
        http: the shared HTTP layer.
        page_size: ``limit`` per page (1-250).
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
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/v2"
        self.http = http
        self.page_size = page_size
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
        """Every order modified in [since, until], its consignments and line items embedded.

        Raises:
            FetchError: the store answered without the consignments asked for (a proxy or
                an API version that dropped ``include``): booking would miss the lines.
        """
        start = resume_from("orders", since, cursors)
        params: dict[str, Any] = {
            "sort": "date_modified:asc",
            "include": INCLUDE,
            "consignment_structure": "object",
        }
        if start is not None:
            params["min_date_modified"] = iso_z(start)
        if until is not None:
            params["max_date_modified"] = iso_z(until)
        url = f"{self.base}/orders"
        log = self._pages(url, params, PageLog(_rows, cursor_of=_modified))
        bare = next(
            (
                row.get("id")
                for page in log.pages
                for row in _rows(page.data)
                if not isinstance(row.get("consignments"), dict | list)
            ),
            None,
        )
        if bare is not None:
            raise self.http.error(
                "GET",
                url,
                f"answered order {bare} without the consignments asked with include={INCLUDE}",
                "nothing was saved; check that the store's API serves Orders v2 includes "
                "and run the fetch again",
            )
        return FetchResult(self.platform, [log.resumable("orders")])
