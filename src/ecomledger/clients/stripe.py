"""Stripe client: balance transactions and payouts, the processor's side of every sale.

Balance transactions carry the amount, fee and net of each charge, refund and payout in
integer minor units; they are what clears the Stripe clearing account. Stripe lists
newest first and pages with ``starting_after=<last id>`` while ``has_more`` is true; the
incremental filter is ``created[gte]`` (Unix seconds, inclusive).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    Document,
    FetchResult,
    PageLog,
    as_utc,
    check_base_url,
    iso_z,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_cursor

DEFAULT_URL = "https://api.stripe.com"


def _data(body: Any) -> list[dict[str, Any]]:
    return list(body.get("data", []))


class StripeClient:
    """Fetch balance transactions and payouts from one Stripe account.

    Args:
        base_url: ``https://api.stripe.com`` (or the sandbox URL).
        credentials: ``token`` is the secret or restricted key (``sk_...``/``rk_...``).
        http: the shared HTTP layer.
        page_size: ``limit`` per page (1-100).
    """

    platform: ClassVar[str] = "stripe"
    kinds: ClassVar[tuple[str, ...]] = ("balance_transactions", "payouts")

    def __init__(
        self, base_url: str, credentials: Credentials, http: Http, *, page_size: int = 100
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.page_size = page_size
        self.headers = {"Authorization": f"Bearer {require(credentials.token, 'API key', http)}"}

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every balance transaction and payout created in [since, until]."""
        return FetchResult(
            self.platform,
            [
                self._list(
                    "balance_transactions",
                    "/v1/balance_transactions",
                    resume_from("balance_transactions", since, cursors),
                    until,
                ),
                self._list("payouts", "/v1/payouts", resume_from("payouts", since, cursors), until),
            ],
        )

    def _list(
        self, kind: str, path: str, since: datetime | None, until: datetime | None
    ) -> Document:
        params: dict[str, Any] = {"limit": self.page_size}
        if since is not None:
            params["created[gte]"] = int(as_utc(since).timestamp())
        if until is not None:
            params["created[lte]"] = int(as_utc(until).timestamp())

        def request(cursor: str | None) -> tuple[dict[str, Any], None]:
            return ({**params, "starting_after": cursor} if cursor else params), None

        def next_cursor(resp: Response) -> str | None:
            rows = _data(resp.data or {})
            if not (resp.data or {}).get("has_more") or not rows:
                return None
            return str(rows[-1]["id"])

        log = PageLog(_data, cursor_of=lambda row: row.get("created"))
        log.consume(
            paginate_cursor(
                self.http,
                self.base + path,
                request=request,
                next_cursor=next_cursor,
                headers=self.headers,
                accept=log.accept,
            )
        )
        cursor = iso_z(datetime.fromtimestamp(log.cursor, UTC)) if log.cursor is not None else None
        return log.document(kind, cursor)
