"""fetch_source: complete fetches become immutable payload files; failures write nothing."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger.fetch import (
    ENVELOPE_FORMAT,
    SourceConfig,
    fetch_source,
    load_state,
    resolve_credentials,
)
from ecomledger.http import FetchError, Http, RetryPolicy
from ecomledger.sandbox import TOKEN, WOO_KEY, WOO_SECRET, Faults, SandboxServer

ENV = {"SHOP_TOKEN": TOKEN, "WOO_CK": WOO_KEY, "WOO_CS": WOO_SECRET}
NOW = datetime(2025, 4, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=5, orders=60, bucket_capacity=1_000_000) as srv:
        yield srv


@pytest.fixture
def srv(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.set_faults()
    yield sandbox
    sandbox.set_faults()


def _http(timeout: float = 2.0) -> Http:
    return Http(
        "demo",
        timeout=timeout,
        sleep=lambda _: None,
        rng=random.Random(0),
        retry=RetryPolicy(max_retries=3, base_delay=0.01),
    )


def _shopify(srv: SandboxServer) -> SourceConfig:
    return SourceConfig(
        "demo", "shopify", srv.url, token_env="SHOP_TOKEN", options={"page_size": 20}
    )


def _snapshot(books: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(books)): p.read_bytes() for p in sorted(books.rglob("*")) if p.is_file()
    }


def test_fetch_writes_one_envelope_per_kind(tmp_path: Path, srv: SandboxServer) -> None:
    report = fetch_source(tmp_path, _shopify(srv), http=_http(), environ=ENV, now=lambda: NOW)
    assert [p.as_posix() for p in report.files] == [
        "documents/shopify/demo/2025-04-01T100000Z-orders.json",
        "documents/shopify/demo/2025-04-01T100000Z-payouts.json",
    ]
    orders = json.loads((tmp_path / report.files[0]).read_text(), parse_float=Decimal)
    assert {
        k: orders[k]
        for k in ("format", "platform", "shop", "kind", "fetched_at", "since", "until", "count")
    } == {
        "format": ENVELOPE_FORMAT,
        "platform": "shopify",
        "shop": "demo",
        "kind": "orders",
        "fetched_at": "2025-04-01T10:00:00Z",
        "since": None,
        "until": None,
        "count": 60,
    }
    assert len(orders["pages"]) == 3
    # the gift-card orders' payments come from one bulk export: no order asked about alone
    assert set(orders["related"]) == {"bulk_transactions", "transactions"}
    assert orders["related"]["transactions"] == {}
    (export,) = orders["related"]["bulk_transactions"]["all"]
    assert {line["id"].rsplit("/", 1)[-1] for line in export} >= {
        str(o["id"]) for p in orders["pages"] for o in p["orders"]
    }
    assert sum(len(p["orders"]) for p in orders["pages"]) == 60
    payouts = json.loads((tmp_path / report.files[1]).read_text())
    assert payouts["related"]["balance_transactions"] == {}
    (export,) = payouts["related"]["bulk_balance_transactions"]["all"]
    assert {line["associatedPayout"]["id"].rsplit("/", 1)[-1] for line in export} == {
        str(p["id"]) for page in payouts["pages"] for p in page["payouts"]
    }
    state = load_state(tmp_path)["sources"]["shopify/demo"]
    assert state["orders"]["cursor"] == orders["cursor"] == report.cursors["orders"]
    assert not list((tmp_path / "documents/shopify/demo").glob(".*"))  # no temp files


def test_pages_are_stored_verbatim(tmp_path: Path, srv: SandboxServer) -> None:
    report = fetch_source(tmp_path, _shopify(srv), http=_http(), environ=ENV)
    text = (tmp_path / report.files[0]).read_text()
    with _http() as http:
        first = http.get(
            srv.url + "/admin/api/2025-01/orders.json",
            params={"status": "any", "limit": 20, "order": "updated_at asc"},
            headers={"X-Shopify-Access-Token": TOKEN},
        )
    assert first.text in text  # the bytes the platform sent, not a re-serialisation


def test_second_fetch_resumes_from_the_cursor(tmp_path: Path, srv: SandboxServer) -> None:
    source = _shopify(srv)
    fetch_source(tmp_path, source, http=_http(), environ=ENV, now=lambda: NOW)
    again = fetch_source(tmp_path, source, http=_http(), environ=ENV, now=lambda: NOW)
    assert again.counts["orders"] <= 2  # only the boundary order, inclusive bound
    assert again.files[0].name == "2025-04-01T100000Z-orders-2.json"  # never overwritten
    envelope = json.loads((tmp_path / again.files[0]).read_text())
    assert envelope["since"] == load_state(tmp_path)["sources"]["shopify/demo"]["orders"]["cursor"]


@pytest.mark.parametrize(
    "faults",
    [
        Faults(rate_limit=100, after=2),
        Faults(server_error=100, after=3),
        Faults(truncate=1, after=2),
        Faults(slow=100, slow_seconds=1.0, after=2),
    ],
    ids=["429-storm", "5xx-storm", "truncated", "timeout"],
)
def test_failed_fetch_writes_nothing(tmp_path: Path, srv: SandboxServer, faults: Faults) -> None:
    source = _shopify(srv)
    fetch_source(tmp_path, source, http=_http(), environ=ENV, now=lambda: NOW)
    before = _snapshot(tmp_path)
    srv.set_faults(faults)
    with pytest.raises(FetchError) as info:
        fetch_source(
            tmp_path,
            source,
            http=_http(timeout=0.1),
            environ=ENV,
            since=datetime(2025, 1, 1, tzinfo=UTC),
        )
    assert _snapshot(tmp_path) == before
    assert "'demo'" in str(info.value) and "/admin/api/2025-01/" in str(info.value)


def test_failed_first_fetch_leaves_no_folders(tmp_path: Path, srv: SandboxServer) -> None:
    srv.set_faults(server_error=100)
    with pytest.raises(FetchError):
        fetch_source(tmp_path, _shopify(srv), http=_http(), environ=ENV)
    assert list(tmp_path.iterdir()) == []


def test_transient_faults_still_complete(tmp_path: Path, srv: SandboxServer) -> None:
    # three failures in a row (within the 3 retries), then a page served twice
    srv.set_faults(rate_limit=1, server_error=1, disconnect=1, repeat_page=2, after=1)
    report = fetch_source(tmp_path, _shopify(srv), http=_http(), environ=ENV)
    assert report.counts["orders"] == 60


def test_woocommerce_key_pair(tmp_path: Path, srv: SandboxServer) -> None:
    source = SourceConfig.from_config(
        {
            "name": "woo",
            "platform": "WooCommerce",
            "url": srv.url,
            "key_env": "WOO_CK",
            "secret_env": "WOO_CS",
            "options": {"page_size": 20},
        }
    )
    report = fetch_source(tmp_path, source, http=_http(), environ=ENV)
    assert report.counts == {"orders": 60}
    assert report.files[0].parts[:3] == ("documents", "woocommerce", "woo")


def test_missing_environment_variable(tmp_path: Path, srv: SandboxServer) -> None:
    with pytest.raises(FetchError, match="SHOP_TOKEN") as info:
        fetch_source(tmp_path, _shopify(srv), environ={})
    assert "export it" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_unknown_platform(tmp_path: Path) -> None:
    source = SourceConfig("x", "etsy", "https://x", token_env="T")
    with pytest.raises(FetchError, match="etsy"):
        fetch_source(tmp_path, source, environ={"T": "t"})


def test_credentials_never_in_repr() -> None:
    creds = resolve_credentials(
        SourceConfig("d", "shopify", "https://x", token_env="T"), {"T": "shpat_secret"}
    )
    assert "shpat_secret" not in repr(creds)
