"""Revolut Business client: the transactions of the business, through its Business API.

``GET /api/1.0/transactions`` lists transactions newest ``created_at`` first, at most
``count`` (1-1000) a page; ``from`` (inclusive) and ``to`` (exclusive) bound
``created_at``, and the next page is asked with ``to`` = the ``created_at`` of the page's
last transaction. Here ``to`` is that time plus one millisecond, so transactions created
in the same millisecond as the page's last one are not skipped (the repeat is dropped by
id). ``account`` (``options.account_id``) keeps the transactions of one account.

The cursor is the latest ``created_at`` seen, **unless** a transaction is still pending:
then it is the earliest pending one's ``created_at``, so the next fetch lists it again
once Revolut completes it (a card payment completes days after it is created) instead of
leaving it behind the cursor forever. The importer books completed transactions only.

Authentication is a bearer access token in ``token_env``. Revolut issues it through its
OAuth flow (a JWT client assertion and a refresh token); ecomledger takes the access token
as given and does not refresh it, so a 401 means: issue a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    PageLog,
    as_utc,
    check_base_url,
    iso_z,
    parse_iso,
    require,
    resume_from,
)
from ecomledger.http import Http, Response, paginate_cursor

DEFAULT_URL = "https://b2b.revolut.com"
PATH = "/api/1.0/transactions"


class RevolutClient:
    """Fetch the transactions of a Revolut Business account.

    Args:
        base_url: ``https://b2b.revolut.com`` (or the sandbox URL).
        credentials: ``token`` is the access token.
        http: the shared HTTP layer.
        account_id: keep the transactions of this Revolut account only.
        page_size: ``count`` per page (1-1000).
    """

    platform: ClassVar[str] = "revolut"
    kinds: ClassVar[tuple[str, ...]] = ("transactions",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        account_id: str = "",
        page_size: int = 1000,
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.page_size = page_size
        self.account_id = account_id
        self.headers = {
            "Authorization": f"Bearer {require(credentials.token, 'access token', http)}"
        }

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every transaction created in [since, until] (or since the cursor)."""
        params: dict[str, Any] = {"count": self.page_size}
        if self.account_id:
            params["account"] = self.account_id
        start = resume_from("transactions", since, cursors)
        if start is not None:
            params["from"] = iso_z(start)
        if until is not None:
            params["to"] = _ms(until + timedelta(seconds=1))
        url = self.base + PATH
        log = PageLog(lambda body: _transactions(self.http, url, body))

        def request(cursor: str | None) -> tuple[dict[str, Any], None]:
            return ({**params, "to": cursor} if cursor else params), None

        def next_cursor(resp: Response) -> str | None:
            rows = log.items_of(resp)
            if len(rows) < self.page_size:
                return None
            last = _created(rows[-1])
            return _ms(last + timedelta(milliseconds=1)) if last else None

        log.consume(
            paginate_cursor(
                self.http,
                url,
                request=request,
                next_cursor=next_cursor,
                headers=self.headers,
                accept=log.accept,
            )
        )
        rows = [row for page in log.pages for row in _transactions(self.http, url, page.data)]
        return FetchResult(self.platform, [log.document("transactions", _cursor(rows))])


def _transactions(http: Http, url: str, body: Any) -> list[dict[str, Any]]:
    """The transactions of a page (a bare array); another shape is refused."""
    if not isinstance(body, list) or not all(
        isinstance(r, dict) and isinstance(r.get("legs"), list) for r in body
    ):
        raise http.error(
            "GET",
            url,
            "answered with a body that is not a list of Revolut transactions",
            "check the url of this bank in ecomledger.toml (https://b2b.revolut.com)",
            200,
        )
    return body


def _created(row: dict[str, Any]) -> datetime | None:
    try:
        return parse_iso(str(row["created_at"])) if row.get("created_at") else None
    except ValueError:
        return None


def _cursor(rows: list[dict[str, Any]]) -> str | None:
    """The earliest pending transaction's creation, else the latest creation seen."""
    pending = [_created(r) for r in rows if str(r.get("state", "")).lower() == "pending"]
    pending_times = [p for p in pending if p is not None]
    if pending_times:
        return iso_z(min(pending_times))
    created = [c for c in (_created(r) for r in rows) if c is not None]
    return iso_z(max(created)) if created else None


def _ms(moment: datetime) -> str:
    """``2025-03-02T06:00:00.001Z``: Revolut's times carry milliseconds."""
    moment = as_utc(moment)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
