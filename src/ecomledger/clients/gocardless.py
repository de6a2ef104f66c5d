"""GoCardless Bank Account Data client (ex-Nordigen): any PSD2 bank, one account at a time.

An open-banking aggregator reads the account of a bank that has no API of its own for
small businesses. The end user links the account once, in GoCardless's flow (an
agreement and a requisition, renewed every 90 days); ecomledger is given the resulting
account id (``account_id`` in ecomledger.toml) and a user secret (``key_env`` holds the
secret id, ``secret_env`` the secret key).

Each fetch trades the secret for an access token (``POST /api/v2/token/new/``; the token
is used for this fetch only and never written anywhere), then asks
``GET /api/v2/accounts/<id>/transactions/`` for the booked and pending transactions, with
``date_from``/``date_to`` on the booking date (inclusive). The answer is one body, no
pages. The cursor is the latest booking date seen; the next fetch starts on that day again
(the importer dedupes by the bank's transaction id).

GoCardless limits transaction reads to a few per account and day (the bank's PSD2
allowance): a 429 is retried per the HTTP layer's policy, then refused with one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
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
from ecomledger.http import FetchError, Http, paginate_cursor

DEFAULT_URL = "https://bankaccountdata.gocardless.com"


class GoCardlessClient:
    """Fetch the booked transactions of one account linked through GoCardless.

    Args:
        base_url: ``https://bankaccountdata.gocardless.com`` (or the sandbox URL).
        credentials: ``key`` is the secret id, ``secret`` the secret key.
        http: the shared HTTP layer.
        account_id: the linked account's id (from the requisition).
    """

    platform: ClassVar[str] = "gocardless"
    kinds: ClassVar[tuple[str, ...]] = ("transactions",)

    def __init__(
        self, base_url: str, credentials: Credentials, http: Http, *, account_id: str = ""
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.secret_id = require(credentials.key, "secret id (key_env)", http)
        self.secret_key = require(credentials.secret, "secret key (secret_env)", http)
        if not account_id:
            raise FetchError(
                f"The GoCardless bank {http.shop!r} names no account; set its account_id "
                "(the id GoCardless gave the linked account) in ecomledger.toml.",
                shop=http.shop,
            )
        self.account_id = account_id

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every transaction booked in [since, until] (or since the cursor's day)."""
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        params: dict[str, str] = {}
        start = resume_from("transactions", since, cursors)
        if start is not None:
            params["date_from"] = as_utc(start).date().isoformat()
        if until is not None:
            params["date_to"] = as_utc(until).date().isoformat()
        url = f"{self.base}/api/v2/accounts/{self.account_id}/transactions/"
        log = PageLog(
            lambda body: _booked(self.http, url, body),
            id_key="internalTransactionId",
            cursor_of=_booking_day,
        )
        log.consume(
            paginate_cursor(
                self.http,
                url,
                request=lambda _cursor: (params, None),
                next_cursor=lambda _resp: None,
                headers=headers,
                accept=log.accept,
            )
        )
        return FetchResult(self.platform, [log.resumable("transactions")])

    def _access_token(self) -> str:
        """A fresh access token for this fetch (kept in memory only)."""
        resp = self.http.post(
            f"{self.base}/api/v2/token/new/",
            json_body={"secret_id": self.secret_id, "secret_key": self.secret_key},
        )
        access = resp.data.get("access") if isinstance(resp.data, dict) else None
        if not isinstance(access, str) or not access:
            raise self.http.error(
                "POST",
                resp.url,
                "answered without an access token",
                "check the url of this bank in ecomledger.toml "
                "(https://bankaccountdata.gocardless.com)",
                resp.status,
            )
        return access


def _booked(http: Http, url: str, body: Any) -> list[dict[str, Any]]:
    """The booked transactions of the answer; another shape is refused."""
    found = body.get("transactions") if isinstance(body, dict) else None
    booked = found.get("booked") if isinstance(found, dict) else None
    if not isinstance(booked, list) or not all(isinstance(b, dict) for b in booked):
        raise http.error(
            "GET",
            url,
            "answered with a body that holds no transactions.booked list",
            "check the account_id and url of this bank in ecomledger.toml",
            200,
        )
    return booked


def _booking_day(row: dict[str, Any]) -> datetime | None:
    try:
        day = date.fromisoformat(str(row.get("bookingDate") or ""))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
