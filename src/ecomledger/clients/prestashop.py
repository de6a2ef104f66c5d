"""PrestaShop webservice client: full orders updated since the last fetch.

``output_format=JSON`` (the default is XML) and ``display=full`` (the default is ids
only); paging is ``limit=offset,count`` with no total, so the loop ends on a short page;
date filters need ``date=1`` and are written in the shop's local time without an offset
(``filter[date_upd]=[2025-01-01 00:00:00,2025-02-01 00:00:00]``). An empty result is a
bare ``[]``, not ``{"orders": []}``. The webservice key is the Basic-auth user name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    PageLog,
    as_utc,
    check_base_url,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_numbered

_FAR_FUTURE = "2099-12-31 23:59:59"


def _orders(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        return list(body.get("orders", []))
    return []


class PrestaShopClient:
    """Fetch orders from one PrestaShop shop.

    Args:
        base_url: the shop root; the client adds ``/api/orders``.
        credentials: ``token`` is the webservice key.
        http: the shared HTTP layer.
        page_size: orders per request.
        timezone: the shop's time zone, in which PrestaShop writes and filters dates.
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
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/api"
        self.http = http
        self.page_size = page_size
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
        """Every order whose ``date_upd`` is in [since, until], oldest update first."""
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
        return FetchResult(self.platform, [log.resumable("orders")])
