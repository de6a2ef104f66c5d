"""Fixtures for the client tests: one sandbox per module, a fast HTTP layer, and a
``contract`` helper holding the checks every platform client must pass."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ecomledger.clients.base import Credentials, FetchResult
from ecomledger.fetch import PLATFORMS
from ecomledger.http import FetchError, Http, RetryPolicy
from ecomledger.sandbox import (
    SITE_ID,
    STORE_HASH,
    TOKEN,
    WOO_KEY,
    WOO_SECRET,
    Faults,
    SandboxServer,
)

ORDERS = 120
PAGE = 25
SHOP = "sandbox-shop"

SETUP: dict[str, tuple[str, Credentials, dict[str, Any]]] = {
    "shopify": ("", Credentials(token=TOKEN), {}),
    "woocommerce": ("", Credentials(key=WOO_KEY, secret=WOO_SECRET), {}),
    "prestashop": ("", Credentials(token=TOKEN), {}),
    "magento": ("", Credentials(token=TOKEN), {}),
    "bigcommerce": (f"/stores/{STORE_HASH}", Credentials(token=TOKEN), {}),
    "square": ("", Credentials(token=TOKEN), {}),
    "wix": ("", Credentials(token=TOKEN), {"site_id": SITE_ID}),
    "stripe": ("", Credentials(token=TOKEN), {}),
}

#: Where each platform's list lives in a page body, and the id key.
ITEMS: dict[str, Callable[[Any], list[dict[str, Any]]]] = {
    "orders": lambda b: b if isinstance(b, list) else (b.get("orders") or b.get("items") or []),
    "payouts": lambda b: b.get("payouts") or b.get("data") or [],
    "balance_transactions": lambda b: b.get("data") or [],
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # a bottomless bucket: throttling has its own tests, with a fake clock
    with SandboxServer(seed=7, orders=ORDERS, bucket_capacity=1_000_000) as srv:
        yield srv


@pytest.fixture
def srv(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.set_faults()
    sandbox.log.clear()
    yield sandbox
    sandbox.set_faults()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_http(sleeps: list[float], *, timeout: float = 2.0, retries: int = 4) -> Http:
    return Http(
        SHOP,
        timeout=timeout,
        sleep=sleeps.append,
        retry=RetryPolicy(max_retries=retries, base_delay=0.01, max_total_wait=10.0),
        rng=random.Random(0),
    )


@pytest.fixture
def http(sleeps: list[float]) -> Iterator[Http]:
    with make_http(sleeps) as layer:
        yield layer


def make_client(
    platform: str,
    url: str,
    http: Http,
    *,
    page_size: int = PAGE,
    credentials: Credentials | None = None,
    **extra: Any,
) -> Any:
    suffix, creds, options = SETUP[platform]
    module, name = PLATFORMS[platform]
    cls = getattr(importlib.import_module(module), name)
    return cls(
        url + suffix, credentials or creds, http, page_size=page_size, **{**options, **extra}
    )


def ids(result: FetchResult, kind: str = "orders", key: str = "id") -> list[Any]:
    """Every object id in a fetch result, in page order (duplicates kept)."""
    doc = result.document(kind)
    return [
        row[key] for page in doc.pages if page.data is not None for row in ITEMS[kind](page.data)
    ]


class Contract:
    """The behaviour every client owes, exercised against the shared sandbox."""

    def __init__(
        self,
        platform: str,
        srv: SandboxServer,
        sleeps: list[float],
        kind: str = "orders",
        key: str = "id",
        total: int = ORDERS,
        **extra: Any,
    ) -> None:
        self.platform = platform
        self.srv = srv
        self.sleeps = sleeps
        self.kind = kind
        self.key = key
        self.total = total
        self.extra = extra

    def client(self, http: Http, **kw: Any) -> Any:
        return make_client(self.platform, self.srv.url, http, **{**self.extra, **kw})

    def fetch(self, http: Http | None = None, **kw: Any) -> FetchResult:
        layer = http or make_http(self.sleeps)
        try:
            return self.client(layer).fetch(**kw)
        finally:
            if http is None:
                layer.close()

    def complete(self, result: FetchResult) -> list[Any]:
        found = ids(result, self.kind, self.key)
        assert len(found) == len(set(found)) == self.total
        return found

    def check_pages(self) -> FetchResult:
        result = self.fetch()
        assert len(result.document(self.kind).pages) >= 3
        self.complete(result)
        assert result.document(self.kind).cursor is not None
        return result

    def check_incremental(self, since: datetime) -> None:
        full = self.fetch()
        newer = self.fetch(since=since)
        got = ids(newer, self.kind, self.key)
        assert 0 < len(got) < len(ids(full, self.kind, self.key))
        # resuming from the stored cursor gives at most the boundary object again
        doc = full.document(self.kind)
        again = self.fetch(cursors={self.kind: doc.cursor})
        assert len(ids(again, self.kind, self.key)) <= 2

    def check_transient(self, faults: Faults) -> None:
        self.srv.set_faults(faults)
        result = self.fetch()
        self.complete(result)

    def check_gives_up(
        self, faults: Faults, *, status: int | None, timeout: float = 2.0, words: str = ""
    ) -> FetchError:
        self.srv.set_faults(faults)
        with make_http(self.sleeps, timeout=timeout) as layer, pytest.raises(FetchError) as info:
            self.client(layer).fetch()
        err = info.value
        message = str(err)
        assert SHOP in message
        assert err.path and err.path in message
        assert err.path.startswith("/")
        assert err.status == status
        if status is not None:
            assert str(status) in message
        assert words in message
        assert message.count(".") >= 1 and "\n" not in message
        return err

    def check_all_faults(self) -> None:
        self.check_transient(Faults(rate_limit=3, retry_after="0.25", after=1))
        assert 0.25 in self.sleeps
        self.check_transient(Faults(server_error=2, server_error_status=500, after=1))
        self.check_transient(Faults(server_error=2, server_error_status=503))
        self.check_transient(Faults(disconnect=2, after=1))
        self.check_transient(Faults(repeat_page=2))
        self.check_gives_up(Faults(rate_limit=50, after=1), status=429)
        self.check_gives_up(Faults(server_error=50, server_error_status=503), status=503)
        self.check_gives_up(Faults(truncate=1, after=2), status=200, words="not valid JSON")
        self.check_gives_up(
            Faults(slow=50, slow_seconds=1.0, after=1), status=None, timeout=0.1, words="timed out"
        )

    def check_auth(self, credentials: Credentials) -> None:
        with make_http(self.sleeps) as layer, pytest.raises(FetchError) as info:
            make_client(
                self.platform, self.srv.url, layer, credentials=credentials, **self.extra
            ).fetch()
        assert info.value.status == 401
        assert "401" in str(info.value) and SHOP in str(info.value)
        assert layer.requests == 1  # never retried


@pytest.fixture
def contract_for(srv: SandboxServer, sleeps: list[float]) -> Callable[..., Contract]:
    def build(platform: str, **kw: Any) -> Contract:
        return Contract(platform, srv, sleeps, **kw)

    return build


SINCE = datetime(2025, 3, 1, tzinfo=UTC)
