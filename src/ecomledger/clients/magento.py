"""Magento 2 / Adobe Commerce REST client: orders updated since the last fetch.

Search criteria select on ``updated_at`` (UTC, ``YYYY-MM-DD HH:MM:SS``); the page count
comes from ``total_count``, because asking for a ``currentPage`` past the end returns the
last page again instead of an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

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

_FILTER = "searchCriteria[filter_groups][{g}][filters][0][{part}]"


def _items(body: Any) -> list[dict[str, Any]]:
    return list(body.get("items") or []) if isinstance(body, dict) else []


def _updated(order: dict[str, Any]) -> datetime | None:
    value = order.get("updated_at")
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


class MagentoClient:
    """Fetch orders from one Magento 2 store.

    Args:
        base_url: the store root; the client adds ``/rest/V1``.
        credentials: ``token`` is an admin or integration bearer token.
        http: the shared HTTP layer.
        page_size: ``searchCriteria[pageSize]``.
    """

    platform: ClassVar[str] = "magento"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self, base_url: str, credentials: Credentials, http: Http, *, page_size: int = 100
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + "/rest/V1"
        self.http = http
        self.page_size = page_size
        self.headers = {"Authorization": f"Bearer {require(credentials.token, 'token', http)}"}

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every order updated in [since, until], oldest update first."""
        start = resume_from("orders", since, cursors)
        params: dict[str, Any] = {
            "searchCriteria[sortOrders][0][field]": "updated_at",
            "searchCriteria[sortOrders][0][direction]": "ASC",
            "searchCriteria[pageSize]": self.page_size,
        }
        group = 0
        for bound, condition in ((start, "gteq"), (until, "lteq")):
            if bound is None:
                continue
            params[_FILTER.format(g=group, part="field")] = "updated_at"
            params[_FILTER.format(g=group, part="value")] = as_utc(bound).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
            params[_FILTER.format(g=group, part="condition_type")] = condition
            group += 1
        size = self.page_size
        log = PageLog(_items, id_key="entity_id", cursor_of=_updated)

        def is_last(resp: Response, index: int) -> bool:
            total = int((resp.data or {}).get("total_count") or 0)
            return not log.items_of(resp) or (index + 1) * size >= total

        log.consume(
            paginate_numbered(
                self.http,
                f"{self.base}/orders",
                page_params=lambda i: {**params, "searchCriteria[currentPage]": i + 1},
                is_last=is_last,
                headers=self.headers,
                accept=log.accept,
            )
        )
        return FetchResult(self.platform, [log.resumable("orders")])
