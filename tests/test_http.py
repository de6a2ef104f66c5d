"""The shared HTTP layer, over real loopback HTTP against the sandbox."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

import pytest

from ecomledger.http import (
    FetchError,
    Http,
    RetryPolicy,
    paginate_links,
    parse_link_header,
    parse_retry_after,
)
from ecomledger.sandbox import TOKEN, SandboxServer

ORDERS = "/admin/api/2025-01/orders.json"
HEADERS = {"X-Shopify-Access-Token": TOKEN}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=2, orders=30, bucket_capacity=1_000_000) as srv:
        yield srv


@pytest.fixture
def srv(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.set_faults()
    yield sandbox
    sandbox.set_faults()


def _http(sleeps: list[float], **kw: Any) -> Http:
    kw.setdefault("retry", RetryPolicy(max_retries=3, base_delay=0.1, max_total_wait=5))
    kw.setdefault("timeout", 1.0)
    return Http("demo-shop", sleep=sleeps.append, rng=random.Random(1), **kw)


def test_parse_link_header() -> None:
    value = (
        '<https://s/orders.json?page_info=a&limit=2>; rel="previous", '
        '<https://s/orders.json?page_info=b&limit=2>; rel="next"'
    )
    assert parse_link_header(value) == {
        "previous": "https://s/orders.json?page_info=a&limit=2",
        "next": "https://s/orders.json?page_info=b&limit=2",
    }
    assert parse_link_header(None) == {}
    assert parse_link_header("<u>; rel=next") == {"next": "u"}


def test_parse_retry_after() -> None:
    assert parse_retry_after("2.0") == 2.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30)), now=now) == 30


def test_amounts_are_decimal_never_float(srv: SandboxServer) -> None:
    with _http([]) as http:
        resp = http.get(srv.url + ORDERS, params={"status": "any"}, headers=HEADERS)
    order = resp.data["orders"][0]
    line = order["line_items"][0]
    assert isinstance(order["total_price"], str)
    if line["tax_lines"]:
        assert isinstance(line["tax_lines"][0]["rate"], Decimal)  # 0.2, not a float
    assert resp.text.startswith('{"orders":')


def test_fractional_retry_after_is_honoured(srv: SandboxServer) -> None:
    sleeps: list[float] = []
    srv.set_faults(rate_limit=2, retry_after="0.35")
    with _http(sleeps) as http:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert sleeps == [0.35, 0.35]


def test_backoff_grows_with_jitter_on_5xx(srv: SandboxServer) -> None:
    sleeps: list[float] = []
    srv.set_faults(server_error=3, server_error_status=500)
    with _http(sleeps) as http:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert len(sleeps) == 3
    for n, delay in enumerate(sleeps):
        nominal = 0.1 * 2**n
        assert nominal * 0.5 <= delay <= nominal
    assert sleeps[0] < sleeps[1] < sleeps[2]


def test_gives_up_when_retry_after_exceeds_the_budget(srv: SandboxServer) -> None:
    sleeps: list[float] = []
    srv.set_faults(rate_limit=1, retry_after="600")
    with _http(sleeps) as http, pytest.raises(FetchError) as info:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert sleeps == [] and http.requests == 1
    message = str(info.value)
    assert "'demo-shop'" in message and ORDERS in message and "429" in message
    assert "retry budget" in message


def test_gives_up_after_max_retries(srv: SandboxServer) -> None:
    sleeps: list[float] = []
    srv.set_faults(server_error=10, server_error_status=503)
    with _http(sleeps) as http, pytest.raises(FetchError) as info:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert http.requests == 4 and len(sleeps) == 3
    assert info.value.status == 503 and "after 4 attempts" in str(info.value)


def test_network_errors_and_timeouts_are_retried(srv: SandboxServer) -> None:
    srv.set_faults(disconnect=1, slow=1, slow_seconds=1.0)
    with _http([], timeout=0.2) as http:
        resp = http.get(srv.url + ORDERS, headers=HEADERS)
    assert resp.status == 200 and http.requests == 3


def test_timeout_message(srv: SandboxServer) -> None:
    srv.set_faults(slow=10, slow_seconds=1.0)
    with _http([], timeout=0.1) as http, pytest.raises(FetchError) as info:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert info.value.status is None
    assert "timed out after 0.1s" in str(info.value) and ORDERS in str(info.value)


def test_query_strings_never_reach_the_message(srv: SandboxServer) -> None:
    srv.set_faults(server_error=10)
    with _http([]) as http, pytest.raises(FetchError) as info:
        http.get(
            srv.url + "/wp-json/wc/v3/orders",
            params={"consumer_key": "ck_secret", "consumer_secret": "cs_secret"},
        )
    assert "secret" not in str(info.value)


def test_truncated_json_is_a_clear_error_not_retried(srv: SandboxServer) -> None:
    srv.set_faults(truncate=1)
    with _http([]) as http, pytest.raises(FetchError) as info:
        http.get(srv.url + ORDERS, headers=HEADERS)
    assert http.requests == 1 and "not valid JSON" in str(info.value)


def test_garbage_body_is_a_clear_error(srv: SandboxServer) -> None:
    # PrestaShop answers XML unless output_format=JSON is asked for
    with _http([]) as http, pytest.raises(FetchError, match="not valid JSON"):
        http.get(srv.url + "/api/orders", auth=(TOKEN, ""))


def test_auth_failure_names_the_hint_and_is_not_retried(srv: SandboxServer) -> None:
    with _http([], auth_hint="check SHOPIFY_TOKEN") as http, pytest.raises(FetchError) as info:
        http.get(srv.url + ORDERS, headers={"X-Shopify-Access-Token": "nope"})
    assert http.requests == 1 and info.value.status == 401
    assert str(info.value).endswith("check SHOPIFY_TOKEN.")


def test_preemptive_throttle_from_call_limit_header() -> None:
    with SandboxServer(seed=2, orders=5, bucket_capacity=10, leak_rate=2.0) as srv:
        sleeps: list[float] = []
        with _http(sleeps, throttle_threshold=0.8, leak_rate=2.0) as http:
            for _ in range(9):
                http.get(srv.url + ORDERS, headers=HEADERS)
    # 9/10 > 0.8: wait for one call to drain (1 / 2 per second)
    assert sleeps and sleeps[0] == pytest.approx(0.5, abs=0.05)


def test_link_pagination_detects_a_loop(srv: SandboxServer) -> None:
    srv.set_faults()
    with _http([]) as http:
        pages = list(
            paginate_links(
                http, srv.url + ORDERS, params={"status": "any", "limit": 10}, headers=HEADERS
            )
        )
    assert len(pages) == 3
