"""Magento 2 / Adobe Commerce REST client: orders updated since the last fetch.

Search criteria select on ``updated_at`` (UTC, ``YYYY-MM-DD HH:MM:SS``); the page count
comes from ``total_count``, because asking for a ``currentPage`` past the end returns the
last page again instead of an empty list.

Refunds are credit memos, a resource of their own: ``/V1/creditmemos`` is searched the same
way over the same window, on ``created_at`` (a memo does not change once made), and its
pages go, verbatim, in the orders document's ``related`` under ``creditmemos`` (``all``),
even when there are none: the key tells the importer that the memos were asked for, so it
books them instead of the order's ``base_total_refunded``. A memo whose order is not among
the orders fetched (an order updated again after ``until``) has that order fetched by id
(``entity_id`` ``in``) and added to the pages, so every memo of a file can be booked; an
order whose ``base_total_refunded`` the window's memos do not reach (a first fetch with
``--since`` after an old refund) has its memos searched by ``order_id``, so a file holds
every memo of every refunded order in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

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

_FILTER = "searchCriteria[filter_groups][{g}][filters][0][{part}]"


def _items(body: Any) -> list[dict[str, Any]]:
    return list(body.get("items") or []) if isinstance(body, dict) else []


def _updated(order: dict[str, Any]) -> datetime | None:
    value = order.get("updated_at")
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _short_of_memos(orders: list[Page], memos: list[Page]) -> list[str]:
    """The ids of the orders whose ``base_total_refunded`` the memos found do not reach."""
    found: dict[str, Decimal] = {}
    for page in memos:
        for memo in _items(page.data):
            key = str(memo.get("order_id"))
            found[key] = found.get(key, Decimal(0)) + Decimal(
                str(memo.get("base_grand_total") or 0)
            )
    short: dict[str, None] = {}
    for page in orders:
        for order in _items(page.data):
            key = str(order.get("entity_id"))
            refunded = Decimal(str(order.get("base_total_refunded") or 0))
            if refunded and found.get(key, Decimal(0)) < refunded:
                short.setdefault(key, None)
    return list(short)


class MagentoClient:
    """Fetch orders from one Magento 2 store.

    Args:
        base_url: the store root; the client adds ``/rest/V1``.
        credentials: ``token`` is an admin or integration bearer token.
        http: the shared HTTP layer.
        page_size: ``searchCriteria[pageSize]``: 300, the largest Magento 2.4.7+ accepts by
            default (``webapi/validation/maximum_page_size``), so a fetch takes as few
            requests as the store allows.
    """

    platform: ClassVar[str] = "magento"
    kinds: ClassVar[tuple[str, ...]] = ("orders",)

    def __init__(
        self, base_url: str, credentials: Credentials, http: Http, *, page_size: int = 300
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
        """Every order updated in [since, until], oldest update first, with the credit
        memos created in the same window in ``related``."""
        start = resume_from("orders", since, cursors)
        window = [("updated_at", start, "gteq"), ("updated_at", until, "lteq")]
        log = self._search("orders", window, PageLog(_items, "entity_id", _updated))
        doc = log.resumable("orders")
        memos = self._search(
            "creditmemos",
            [("created_at", start, "gteq"), ("created_at", until, "lteq")],
            PageLog(_items, "entity_id"),
        )
        # every memo of every refunded order in the file, also those made before the window
        # (a first fetch with --since, an order updated again for another reason)
        short = _short_of_memos(log.pages, memos.pages)
        for first in range(0, len(short), self.page_size):
            batch = ",".join(short[first : first + self.page_size])
            extra = self._search(
                "creditmemos", [("order_id", batch, "in")], PageLog(_items, "entity_id")
            )
            for page in extra.pages:  # keep what the window did not already bring
                fresh = [m.get("entity_id") for m in _items(page.data)]
                if any(i not in memos.ids for i in fresh):
                    memos.pages.append(page)
                    memos.ids.extend(i for i in fresh if i not in memos.ids)
        wanted = {str(m.get("order_id")) for page in memos.pages for m in _items(page.data)}
        missing = sorted(wanted - {str(i) for i in log.ids}, key=lambda v: (len(v), v))
        for first in range(0, len(missing), self.page_size):
            batch = ",".join(missing[first : first + self.page_size])
            # into the same log: doc.cursor stays where the window's own orders put it
            self._search("orders", [("entity_id", batch, "in")], log)
        doc.pages, doc.count = log.pages, len(log.ids)
        doc.related["creditmemos"] = {"all": memos.pages}
        return FetchResult(self.platform, [doc])

    def _search(
        self,
        resource: str,
        filters: Sequence[tuple[str, datetime | str | None, str]],
        log: PageLog,
    ) -> PageLog:
        """Every page of a search of ``resource`` into ``log``: one filter group per bound
        given (groups are AND'd), sorted on the first filter's field, pages counted from
        ``total_count``."""
        params: dict[str, Any] = {
            "searchCriteria[sortOrders][0][field]": filters[0][0],
            "searchCriteria[sortOrders][0][direction]": "ASC",
            "searchCriteria[pageSize]": self.page_size,
        }
        group = 0
        for name, bound, condition in filters:
            if bound is None:
                continue
            value = (
                as_utc(bound).strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(bound, datetime)
                else bound
            )
            params[_FILTER.format(g=group, part="field")] = name
            params[_FILTER.format(g=group, part="value")] = value
            params[_FILTER.format(g=group, part="condition_type")] = condition
            group += 1
        size = self.page_size

        def is_last(resp: Response, index: int) -> bool:
            total = int((resp.data or {}).get("total_count") or 0)
            return not log.items_of(resp) or (index + 1) * size >= total

        return log.consume(
            paginate_numbered(
                self.http,
                f"{self.base}/{resource}",
                page_params=lambda i: {**params, "searchCriteria[currentPage]": i + 1},
                is_last=is_last,
                headers=self.headers,
                accept=log.accept,
            )
        )
