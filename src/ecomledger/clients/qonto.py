"""Qonto client: the transactions of one business account, through Qonto's Business API.

``GET /v2/transactions`` lists one account's transactions, chosen by ``iban`` (the bank's
``iban`` in ecomledger.toml) or ``bank_account_id`` (``options.bank_account_id``). Only
``status[]=completed`` ones are asked for: a pending card payment may still be declined,
and the CSV importer skips them too. Pages are ``page``/``per_page`` (at most 100), the
last one has ``meta.next_page`` null.

Incremental fetches follow ``updated_at`` (``sort_by=updated_at:asc``, ``updated_at_from``
= the cursor, inclusive), as Qonto's own sync guide does: a transaction that settles or
gets its VAT or an attachment after the previous fetch is listed again, and the importer
dedupes it by Qonto's id. ``--until`` bounds ``settled_at``.

Authentication is the API key header ``Authorization: <organization slug>:<secret key>``:
the slug comes from ``key_env``, the secret key from ``secret_env`` (or a ready-made
``slug:secret`` from ``token_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from ecomledger.clients.base import (
    Credentials,
    FetchResult,
    PageLog,
    check_base_url,
    iso_z,
    parse_iso,
    require,
    resume_from,
)
from ecomledger.http import FetchError, Http, Response, paginate_numbered

DEFAULT_URL = "https://thirdparty.qonto.com"
PATH = "/v2/transactions"


class QontoClient:
    """Fetch the completed transactions of one Qonto account.

    Args:
        base_url: ``https://thirdparty.qonto.com`` (or the sandbox URL).
        credentials: ``key`` (organization slug) and ``secret`` (secret key), or ``token``
            holding ``slug:secret-key``.
        http: the shared HTTP layer.
        iban: the account's IBAN (the bank's ``iban`` in ecomledger.toml).
        bank_account_id: Qonto's id of the account, instead of the IBAN.
        page_size: ``per_page`` (1-100).
    """

    platform: ClassVar[str] = "qonto"
    kinds: ClassVar[tuple[str, ...]] = ("transactions",)

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: Http,
        *,
        iban: str = "",
        bank_account_id: str = "",
        page_size: int = 100,
    ) -> None:
        self.base = check_base_url(base_url or DEFAULT_URL, http.shop)
        self.http = http
        self.page_size = page_size
        if credentials.key or credentials.secret:
            login = require(credentials.key, "organization slug (key_env)", http)
            secret = require(credentials.secret, "secret key (secret_env)", http)
            value = f"{login}:{secret}"
        else:
            value = require(credentials.token, "API key", http)
        self.headers = {"Authorization": value}
        if not (iban or bank_account_id):
            raise FetchError(
                f"The Qonto bank {http.shop!r} names no account to fetch; set its iban (or "
                "options.bank_account_id) in ecomledger.toml.",
                shop=http.shop,
            )
        self.account = (
            {"bank_account_id": bank_account_id}
            if bank_account_id
            else {"iban": iban.replace(" ", "")}
        )

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Every completed transaction updated since ``since`` (or the cursor)."""
        params: dict[str, Any] = {
            **self.account,
            "status[]": "completed",
            "sort_by": "updated_at:asc",
            "per_page": self.page_size,
        }
        start = resume_from("transactions", since, cursors)
        if start is not None:
            params["updated_at_from"] = iso_z(start)
        if until is not None:
            params["settled_at_to"] = iso_z(until)
        url = self.base + PATH
        log = PageLog(lambda body: _transactions(self.http, url, body), cursor_of=_updated)

        def is_last(resp: Response, index: int) -> bool:
            meta = resp.data.get("meta") if isinstance(resp.data, dict) else None
            return not isinstance(meta, dict) or not meta.get("next_page")

        log.consume(
            paginate_numbered(
                self.http,
                url,
                page_params=lambda i: {**params, "page": i + 1},
                is_last=is_last,
                headers=self.headers,
                accept=log.accept,
            )
        )
        return FetchResult(self.platform, [log.resumable("transactions")])


def _transactions(http: Http, url: str, body: Any) -> list[dict[str, Any]]:
    """The transactions of a page; a body of another shape is refused, not guessed at."""
    rows = body.get("transactions") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise http.error(
            "GET",
            url,
            "answered with a body that is not a list of Qonto transactions",
            "check the url of this bank in ecomledger.toml (https://thirdparty.qonto.com)",
            200,
        )
    return rows


def _updated(row: dict[str, Any]) -> datetime | None:
    value = row.get("updated_at") or row.get("settled_at")
    try:
        return parse_iso(str(value)) if value else None
    except ValueError:
        return None
