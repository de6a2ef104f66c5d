"""Wix eCommerce Orders client: ``POST /ecom/v1/orders/search`` with ``cursorPaging``.

The first request carries the filter (``updatedDate >= since``) and the sort; the
following ones carry only ``cursorPaging.cursor``, as Wix requires. The next cursor is in
``metadata.cursors.next``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from ecomledger.http import FetchError, Http, Response

DEFAULT_URL = "https://www.wixapis.com"


class WixClient:
    """Fetch orders from one Wix site.

    Args:
        base_url: ``https://www.wixapis.com`` (or the sandbox URL).
        credentials: ``token`` is the API key; ``key`` may carry the site id.
        http: the shared HTTP layer.
        page_size: ``cursorPaging.limit`` (1-100).
        site_id: the ``wix-site-id`` header (default: ``credentials.key``).
    """

    platform: ClassVar[str] = "wix"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 100,
        site_id: str | None = None,
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.page_size = page_size
        site = site_id or credentials.key
        if not site:
            raise FetchError(
                f"No Wix site id was given for {http.shop!r}; add options.site_id (or "
                "key_env) for it in ecomledger.toml.",
                shop=http.shop,
            )
        self.headers = {
            "Authorization": require(credentials.token, "API key", http),
            "wix-site-id": site,
        }

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order updated in [since, until], oldest update first."""
        start = resume_from("orders", since, cursors)
        window = time_window(start, until, "$gte", "$lte")
        first: dict[str, Any] = {
            "sort": [{"fieldName": "updatedDate", "order": "ASC"}],
            "cursorPaging": {"limit": self.page_size},
        }
        if window:
            first["filter"] = {"updatedDate": window}

        def request(cursor: str | None) -> tuple[None, dict[str, Any]]:
            if cursor is None:
                return None, {"search": first}
            return None, {"search": {"cursorPaging": {"limit": self.page_size, "cursor": cursor}}}

        def next_cursor(resp: Response) -> str | None:
            meta = (resp.data or {}).get("metadata") or {}
            value = (meta.get("cursors") or {}).get("next")
            return str(value) if value and meta.get("hasNext", True) else None

        orders = search_orders(
            self.http,
            f"{self.base}/ecom/v1/orders/search",
            request=request,
            next_cursor=next_cursor,
            headers=self.headers,
            updated="updatedDate",
        )
        return FetchResult(self.platform, [orders])
