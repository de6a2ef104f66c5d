"""Shopify Admin client: orders (refunds embedded) and Shopify Payments payouts from the REST
API, 250 a page; the transactions of orders paid partly by gift card and the balance
transactions of the payouts from two GraphQL bulk operations (`ecomledger.clients.shopify_bulk`).

Why these parameters (see spec/formats.md §1):

- ``status=any``: the default is ``open``, which silently drops closed and cancelled
  orders.
- ``order=updated_at asc`` with ``updated_at_min``: a refund bumps ``updated_at``, so an
  incremental sync on it also catches late refunds, and ascending order makes the cursor
  (the largest ``updated_at`` seen) safe to resume from.
- Filters go on the first request only; the ``Link: rel="next"`` URL is then followed
  exactly, because Shopify rejects filters next to ``page_info``.
- ``orders/{id}/transactions.json`` only for orders whose ``payment_gateway_names`` name
  ``gift_card``: the REST order does not embed its transactions, and without them the
  gift-card part of ``total_price`` would be booked as money owed by Shopify Payments, which
  never pays it out. Card-only orders need no extra request (one call per order would spend
  the leaky bucket for nothing).
- Those transactions, and the payouts' balance transactions, come from bulk operations
  (``bulk=True``, the default): one export each instead of a request per order and per
  payout, so the fetch spends the REST bucket on list pages alone. An order or payout the
  export does not cover (updated between the list and the export), or an export Shopify
  refuses (a missing scope), is asked about over REST as before: the books are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from ecomledger.clients import shopify_bulk
from ecomledger.clients.base import (
    Credentials,
    Document,
    FetchResult,
    Page,
    PageLog,
    as_utc,
    check_base_url,
    iso_z,
    parse_iso,
    require,
    resume_from,
)
from ecomledger.http import Http, paginate_links

API_VERSION = "2025-01"

#: Payout statuses that never change again; the payout cursor never moves past a payout
#: that is still ``scheduled`` or ``in_transit``, so its final state is fetched later.
_FINAL_PAYOUT_STATUSES = frozenset({"paid", "failed", "cancelled", "canceled"})


def _orders(body: Any) -> list[dict[str, Any]]:
    return list(body.get("orders", []))


def _payouts(body: Any) -> list[dict[str, Any]]:
    return list(body.get("payouts", []))


def _transactions(body: Any) -> list[dict[str, Any]]:
    return list(body.get("transactions", []))


class ShopifyClient:
    """Fetch orders and Shopify Payments data from one shop.

    Args:
        base_url: ``https://<shop>.myshopify.com`` (or the sandbox URL).
        credentials: ``token`` is the Admin API access token (``shpat_...``).
        http: the shared HTTP layer for this shop.
        page_size: ``limit`` per page (Shopify allows 1-250).
        api_version: the pinned Admin API version.
        payouts: also fetch Shopify Payments payouts and their balance transactions.
        bulk: read the orders' transactions and the payouts' balance transactions from
            GraphQL bulk operations (False: one REST request per order and per payout).
    """

    platform: ClassVar[str] = "shopify"
    kinds: ClassVar[tuple[str, ...]] = ("orders", "payouts")

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        page_size: int = 250,
        api_version: str = API_VERSION,
        payouts: bool = True,
        bulk: bool = True,
    ) -> None:
        self.base = check_base_url(base_url, http.shop) + f"/admin/api/{api_version}"
        self.bulk = bulk
        self.http = http
        self.page_size = page_size
        self.payouts = payouts
        self.headers = {"X-Shopify-Access-Token": require(credentials.token, "access token", http)}

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Fetch all orders updated in [since, until] and, if enabled, the payouts."""
        documents = [self.fetch_orders(resume_from("orders", since, cursors), until)]
        if self.payouts:
            documents.append(
                self.fetch_payouts(resume_from("payouts", since, cursors, _parse_day), until)
            )
        return FetchResult(self.platform, documents)

    def fetch_orders(self, since: datetime | None, until: datetime | None) -> Document:
        """Every order (refunds embedded) updated in [since, until], oldest update first."""
        params: dict[str, Any] = {
            "status": "any",
            "limit": self.page_size,
            "order": "updated_at asc",
        }
        if since is not None:
            params["updated_at_min"] = iso_z(since)
        if until is not None:
            params["updated_at_max"] = iso_z(until)
        log = PageLog(_orders, cursor_of=lambda o: _utc(o.get("updated_at")))
        log.consume(
            paginate_links(
                self.http,
                f"{self.base}/orders.json",
                params=params,
                headers=self.headers,
                accept=log.accept,
            )
        )
        doc = log.resumable("orders")
        orders = [o for page in log.pages for o in _orders(page.data)]
        covered: set[str] = set()
        if self.bulk and any(_gift_card(o) for o in orders):
            window = f"updated_at:>='{iso_z(since)}'" if since is not None else ""
            page = self._bulk(shopify_bulk.ORDER_TRANSACTIONS, window)
            if page is not None:  # no upper bound: an order updated since the list is kept
                doc.related["bulk_transactions"] = {"all": [page]}
                covered = {_tail(line.get("id")) for line in page.data if "transactions" in line}
        doc.related["transactions"] = self.fetch_gift_card_transactions(
            [o for o in orders if str(o.get("id")) not in covered]
        )
        return doc

    def _bulk(self, query: str, window: str) -> Page | None:
        """The result of one bulk query, or None when Shopify refuses to start it."""
        try:
            return shopify_bulk.run_bulk_query(
                self.http, f"{self.base}/graphql.json", self.headers, query % {"filter": window}
            )
        except shopify_bulk.BulkRefused:
            return None

    def fetch_gift_card_transactions(self, orders: list[dict[str, Any]]) -> dict[str, list[Page]]:
        """The transactions of each order paid (partly) by gift card, by order id.

        Shopify Payments pays out only the card part of such an order; the gift-card part
        (gateway ``gift_card``) is known only from the order's transactions, which the
        orders list does not embed. Orders without a gift card are not asked about, and an
        order listed twice (bounds are inclusive, lists shift) is asked about once.
        """
        related: dict[str, list[Page]] = {}
        for order in orders:
            key = str(order["id"])
            if key in related or not _gift_card(order):
                continue
            resp = self.http.get(
                f"{self.base}/orders/{order['id']}/transactions.json", headers=self.headers
            )
            related[key] = [Page.of(resp)]
        return related

    def fetch_payouts(self, since: datetime | None, until: datetime | None) -> Document:
        """Payouts dated in [since, until], each with its balance transactions."""
        params: dict[str, Any] = {"limit": self.page_size}
        if since is not None:
            params["date_min"] = as_utc(since).date().isoformat()
        if until is not None:
            params["date_max"] = as_utc(until).date().isoformat()
        log = PageLog(_payouts)
        log.consume(
            paginate_links(
                self.http,
                f"{self.base}/shopify_payments/payouts.json",
                params=params,
                headers=self.headers,
                accept=log.accept,
            )
        )
        payouts = [p for page in log.pages for p in _payouts(page.data)]
        transactions: dict[str, list[Page]] = {}
        seen: set[Any] = set()
        bulk: dict[str, dict[str, list[Page]]] = {}
        if self.bulk and payouts:
            days = sorted(str(p["date"])[:10] for p in payouts)
            window = f"payout_date:>='{days[0]}' AND payout_date:<='{days[-1]}'"
            page = self._bulk(shopify_bulk.BALANCE_TRANSACTIONS, window)
            if page is not None:
                bulk["bulk_balance_transactions"] = {"all": [page]}
                seen = {
                    _tail((line.get("associatedPayout") or {}).get("id"))
                    for line in page.data
                    if isinstance(line, dict)
                }
        for payout in payouts:
            if payout["id"] in seen or str(payout["id"]) in seen:
                continue
            seen.add(payout["id"])
            txn_log = PageLog(_transactions)
            txn_log.consume(
                paginate_links(
                    self.http,
                    f"{self.base}/shopify_payments/balance/transactions.json",
                    params={"payout_id": payout["id"], "limit": self.page_size},
                    headers=self.headers,
                    accept=txn_log.accept,
                )
            )
            transactions[str(payout["id"])] = txn_log.pages
        doc = log.document("payouts", _payout_cursor(payouts))
        doc.related["balance_transactions"] = transactions
        doc.related.update(bulk)
        return doc


def _gift_card(order: dict[str, Any]) -> bool:
    return "gift_card" in (order.get("payment_gateway_names") or ())


def _tail(gid: Any) -> str:
    """The numeric id of a GraphQL global id (``gid://shopify/Order/42`` → ``42``), which
    is the REST id of the same object."""
    return str(gid or "").rsplit("/", 1)[-1]


def _utc(value: str | None) -> datetime | None:
    return parse_iso(value) if value else None


def _parse_day(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time(), UTC)


def _payout_cursor(payouts: list[dict[str, Any]]) -> str | None:
    """The earliest date of a payout that may still change, else the latest date seen."""
    if not payouts:
        return None
    open_dates = [p["date"] for p in payouts if p.get("status") not in _FINAL_PAYOUT_STATUSES]
    if open_dates:
        return str(min(open_dates))
    return str(max(p["date"] for p in payouts))
