"""Square Orders client: ``POST /v2/orders/search`` for orders updated since the last fetch.

Every follow-up page repeats the same query body with the new ``cursor``; the sort field
must name the same timestamp as the date filter (``updated_at`` here, so refunds and
returns come back). Location ids are required: from the configuration, or all active
locations of the account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    check_base_url,
    require,
    resume_from,
    search_orders,
    time_window,
)
from ecomledger.http import Http, Response

SQUARE_VERSION = "2025-01-23"
DEFAULT_URL = "https://connect.squareup.com"


class SquareClient:
    """Fetch orders from one Square seller account.

    Args:
        base_url: ``https://connect.squareup.com`` (or the sandbox URL).
        credentials: ``token`` is the access token.
        http: the shared HTTP layer.
        page_size: ``limit`` per page (Square allows up to 500 in practice).
        location_ids: the locations to search; default: every active location.
        square_version: the pinned ``Square-Version`` header.
    """

    platform: ClassVar[str] = "square"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 500,
        location_ids: Sequence[str] | None = None,
        square_version: str = SQUARE_VERSION,
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.page_size = page_size
        self.location_ids = list(location_ids or [])
        self.headers = {
            "Authorization": f"Bearer {require(credentials.token, 'access token', http)}",
            "Square-Version": square_version,
        }

    def _locations(self) -> list[str]:
        resp = self.http.get(f"{self.base}/v2/locations", headers=self.headers)
        rows = (resp.data or {}).get("locations") or []
        return [row["id"] for row in rows if row.get("status", "ACTIVE") == "ACTIVE"]

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order updated in [since, until], oldest update first."""
        start = resume_from("orders", since, cursors)
        window = time_window(start, until, "start_at", "end_at")
        query: dict[str, Any] = {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}
        if window:
            query["filter"] = {"date_time_filter": {"updated_at": window}}
        base_body = {
            "location_ids": self.location_ids or self._locations(),
            "limit": self.page_size,
            "return_entries": False,
            "query": query,
        }

        def request(cursor: str | None) -> tuple[None, dict[str, Any]]:
            return None, ({**base_body, "cursor": cursor} if cursor else base_body)

        def next_cursor(resp: Response) -> str | None:
            value = (resp.data or {}).get("cursor")
            return str(value) if value else None

        orders = search_orders(
            self.http,
            f"{self.base}/v2/orders/search",
            request=request,
            next_cursor=next_cursor,
            headers=self.headers,
            updated="updated_at",
        )
        return FetchResult(self.platform, [orders])
