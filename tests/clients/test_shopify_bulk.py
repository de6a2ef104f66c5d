"""Shopify bulk operations over HTTP: the sandbox's GraphQL endpoint, the client that runs
its exports, and the books they give (the same as the REST path's, entry for entry).

A fetch used to ask ``orders/<id>/transactions.json`` for each order paid partly by gift
card and ``balance/transactions.json?payout_id=`` for each payout, spending the REST
leaky bucket (2 requests/s) on hundreds of requests a year. Two bulk exports now bring
them, and the REST list pages are the only requests the bucket pays for.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecomledger.clients import shopify_bulk
from ecomledger.clients.base import Credentials
from ecomledger.clients.shopify import ShopifyClient
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import TOKEN, SandboxServer

from .conftest import SHOP

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "demo-shop"

SINCE = datetime(2025, 3, 1, tzinfo=UTC)
GRAPHQL = "/admin/api/2025-01/graphql.json"
RUN = "mutation($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } } }"  # noqa: E501
POLL = "query($id: ID!) { node(id: $id) { ... on BulkOperation { id status url } } }"


class _Clock:
    """A fake monotonic clock: the client's sleeps advance it, the sandbox reads it."""

    def __init__(self) -> None:
        self.now = 5000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(srv: SandboxServer) -> Iterator[_Clock]:
    """The sandbox's GraphQL side on a fake clock, exports taking no time unless set."""
    fake = _Clock()
    graphql = srv.graphql
    saved = graphql.clock, graphql.last, graphql.bulk_seconds, dict(graphql.operations)
    graphql.clock, graphql.last, graphql.available = fake, fake.now, 2000.0
    graphql.operations.clear()
    yield fake
    graphql.clock, graphql.last, graphql.bulk_seconds = saved[:3]
    graphql.available = 2000.0
    graphql.operations.clear()


def _post(srv: SandboxServer, text: str, token: str = TOKEN, **variables: Any) -> Any:
    resp = httpx.post(
        srv.url + GRAPHQL,
        json={"query": text, "variables": variables},
        headers={"X-Shopify-Access-Token": token},
    )
    return resp.status_code, resp.json()


def _http(clock: _Clock) -> Http:
    return Http(SHOP, timeout=5.0, sleep=clock.sleep, retry=RetryPolicy(base_delay=0.01))


def _client(srv: SandboxServer, http: Http, **kw: Any) -> ShopifyClient:
    return ShopifyClient(srv.url, Credentials(token=TOKEN), http, page_size=25, **kw)


def _tail(gid: str) -> int:
    return int(gid.rsplit("/", 1)[-1])


def _asked_alone(srv: SandboxServer) -> list[str]:
    """The per-order and per-payout REST requests (what the bulk exports replace)."""
    return [
        path
        for _, path, _ in srv.log
        if re.search(r"/orders/\d+/transactions\.json|balance/transactions\.json", path)
    ]


# -- the sandbox's endpoint ----------------------------------------------------------------


def test_the_sandbox_runs_a_bulk_export_over_http(srv: SandboxServer, clock: _Clock) -> None:
    bulk = shopify_bulk.ORDER_TRANSACTIONS % {"filter": "updated_at:>='2025-03-01T00:00:00Z'"}
    srv.graphql.bulk_seconds = 3.0
    status, body = _post(srv, RUN, query=bulk)
    assert status == 200 and body["data"]["bulkOperationRunQuery"]["userErrors"] == []
    started = body["data"]["bulkOperationRunQuery"]["bulkOperation"]
    assert started["id"].startswith("gid://shopify/BulkOperation/")
    assert body["extensions"]["cost"]["throttleStatus"]["restoreRate"] == 100.0
    # one bulk query at a time per shop (API versions before 2026-01)
    _, again = _post(srv, RUN, query=bulk)
    refused = again["data"]["bulkOperationRunQuery"]
    assert refused["bulkOperation"] is None and "in progress" in refused["userErrors"][0]["message"]
    _, running = _post(srv, POLL, id=started["id"])
    assert running["data"]["node"]["status"] == "RUNNING" and running["data"]["node"]["url"] is None
    clock.sleep(3.0)
    _, done = _post(srv, POLL, id=started["id"])
    node = done["data"]["node"]
    assert node["status"] == "COMPLETED"
    # the result is at a signed URL: no access token
    result = httpx.get(node["url"])
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in result.text.splitlines()]
    expected = {o.id: o for o in srv.data.orders if o.updated_at >= SINCE}
    assert {_tail(line["id"]) for line in lines} == set(expected)
    for line in lines:
        order = expected[_tail(line["id"])]
        assert [
            (t["gateway"], Decimal(t["amountSet"]["shopMoney"]["amount"]), t["kind"], t["status"])
            for t in line["transactions"]
        ] == [(p.gateway, p.amount, "SALE", "SUCCESS") for p in order.payments]
    assert any(t["gateway"] == "gift_card" for line in lines for t in line["transactions"])


def test_balance_transactions_export_and_the_endpoint_checks(
    srv: SandboxServer, clock: _Clock
) -> None:
    payouts = sorted(srv.data.payouts, key=lambda p: p.date)[2:5]
    window = f"payout_date:>='{payouts[0].date}' AND payout_date:<='{payouts[-1].date}'"
    bulk = shopify_bulk.BALANCE_TRANSACTIONS % {"filter": window}
    _, body = _post(srv, RUN, query=bulk)
    gid = body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    _, done = _post(srv, POLL, id=gid)
    lines = [json.loads(x) for x in httpx.get(done["data"]["node"]["url"]).text.splitlines()]
    wanted = {p.id for p in srv.data.payouts if payouts[0].date <= p.date <= payouts[-1].date}
    assert {_tail(x["associatedPayout"]["id"]) for x in lines} == wanted
    by_payout: dict[int, Decimal] = {}
    for x in lines:
        assert Decimal(x["amount"]["amount"]) - Decimal(x["fee"]["amount"]) == Decimal(
            x["net"]["amount"]
        )
        key = _tail(x["associatedPayout"]["id"])
        by_payout[key] = by_payout.get(key, Decimal(0)) + Decimal(x["net"]["amount"])
    assert by_payout == {p.id: p.amount for p in srv.data.payouts if p.id in wanted}
    # the token is checked, a query that is no bulk export is refused, a GET is not GraphQL
    assert _post(srv, POLL, token="wrong", id=gid)[0] == 401
    assert "errors" in _post(srv, "{ shop { name } }")[1]
    assert (
        httpx.get(srv.url + GRAPHQL, headers={"X-Shopify-Access-Token": TOKEN}).status_code == 405
    )
    assert httpx.get(srv.url + "/shopify-bulk/999.jsonl").status_code == 404


# -- the client ----------------------------------------------------------------------------


def test_a_bulk_fetch_asks_no_order_and_no_payout_alone(srv: SandboxServer, clock: _Clock) -> None:
    srv.graphql.bulk_seconds = 5.0  # polled at 0, 1, 3 s (running), then 7 s (completed)
    with _http(clock) as http:
        result = _client(srv, http).fetch(since=SINCE)
    assert _asked_alone(srv) == []
    graphql = [p for _, p, _ in srv.log if p == GRAPHQL]
    downloads = [p for _, p, _ in srv.log if p.startswith("/shopify-bulk/")]
    assert len(downloads) == 2 and len(graphql) == 2 * (1 + 4)
    assert clock.slept == [1.0, 2.0, 4.0] * 2
    orders = result.document("orders")
    assert orders.related["transactions"] == {}
    (page,) = orders.related["bulk_transactions"]["all"]
    gift = {
        str(o["id"])
        for p in orders.pages
        for o in p.data["orders"]
        if "gift_card" in o["payment_gateway_names"]
    }
    assert gift and gift <= {str(_tail(line["id"])) for line in page.data}
    assert page.text.startswith("[{") and json.loads(page.text) == json.loads(
        json.dumps(page.data, default=str)
    )
    payouts = result.document("payouts")
    assert payouts.related["balance_transactions"] == {}
    (page,) = payouts.related["bulk_balance_transactions"]["all"]
    assert {_tail(x["associatedPayout"]["id"]) for x in page.data} == {
        p["id"] for body in payouts.pages for p in body.data["payouts"]
    }


def test_what_the_export_misses_is_asked_over_rest(
    srv: SandboxServer, clock: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    gift = [o for o in srv.data.orders if any(p.gateway == "gift_card" for p in o.payments)]
    missed_order, missed_payout = gift[0].id, srv.data.payouts[0].id
    order_lines, balance_lines = srv.graphql._order_lines, srv.graphql._balance_lines

    def without_order(f: Any) -> list[dict[str, Any]]:  # updated after the list was read
        return [x for x in order_lines(f) if _tail(x["id"]) != missed_order]

    def without_payout(f: Any) -> list[dict[str, Any]]:
        return [x for x in balance_lines(f) if _tail(x["associatedPayout"]["id"]) != missed_payout]

    monkeypatch.setattr(srv.graphql, "_order_lines", without_order)
    monkeypatch.setattr(srv.graphql, "_balance_lines", without_payout)
    with _http(clock) as http:
        result = _client(srv, http).fetch()
    assert sorted(_asked_alone(srv)) == [
        f"/admin/api/2025-01/orders/{missed_order}/transactions.json",
        f"/admin/api/2025-01/shopify_payments/balance/transactions.json"
        f"?payout_id={missed_payout}&limit=25",
    ]
    assert set(result.document("orders").related["transactions"]) == {str(missed_order)}
    assert set(result.document("payouts").related["balance_transactions"]) == {str(missed_payout)}


def test_a_refused_export_falls_back_to_rest(srv: SandboxServer, clock: _Clock) -> None:
    srv.graphql.bulk_seconds = 10**6  # another export of this app is still running
    _post(srv, RUN, query=shopify_bulk.ORDER_TRANSACTIONS % {"filter": ""})
    srv.log.clear()
    with _http(clock) as http:
        result = _client(srv, http).fetch()
    gift = [o for o in srv.data.orders if any(p.gateway == "gift_card" for p in o.payments)]
    assert len(_asked_alone(srv)) == len(gift) + len(srv.data.payouts)
    assert "bulk_transactions" not in result.document("orders").related


def test_graphql_cost_throttle_is_waited_out(srv: SandboxServer, clock: _Clock) -> None:
    srv.graphql.available = 0.0  # the bucket is empty: 10 points at 100 a second
    with _http(clock) as http:
        _client(srv, http, payouts=False).fetch()
    assert clock.slept and clock.slept[0] == pytest.approx(0.1)
    assert _asked_alone(srv) == []


def test_a_failed_export_is_one_sentence(
    srv: SandboxServer, clock: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll = srv.graphql._poll

    def failed(*args: Any) -> dict[str, Any]:
        answer = poll(*args)
        answer["node"].update(status="FAILED", errorCode="INTERNAL_SERVER_ERROR", url=None)
        return answer

    monkeypatch.setattr(srv.graphql, "_poll", failed)
    from ecomledger.http import FetchError

    with _http(clock) as http, pytest.raises(FetchError) as info:
        _client(srv, http, payouts=False).fetch()
    message = str(info.value)
    assert SHOP in message and "FAILED" in message and "INTERNAL_SERVER_ERROR" in message
    assert "\n" not in message


# -- the books -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> Iterator[SandboxServer]:
    with SandboxServer(seed=3, orders=150, payout_events=True, bucket_capacity=1_000_000) as server:
        yield server


def _books(tmp: Path, url: str, bulk: bool) -> Path:
    books = tmp / ("bulk" if bulk else "rest")
    shutil.copytree(EXAMPLES, books, ignore=shutil.ignore_patterns("__pycache__", "*.picklecache"))
    config = books / "ecomledger.toml"
    text = config.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", url)
    old = "options = { page_size = 25 }"
    assert old in text
    text = text.replace(old, f"options = {{ page_size = 25, bulk = {str(bulk).lower()} }}")
    config.write_text(text, encoding="utf-8")
    return books


def test_books_fetched_by_bulk_are_the_books_fetched_by_rest(
    cli: Callable[..., Any], shop: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", TOKEN)
    ledgers = {}
    for bulk in (True, False):
        books = _books(tmp_path, shop.url, bulk)
        shop.log.clear()
        result = cli("--books", str(books), "fetch", "sandbox-shop")
        assert result.code == 0, result.err
        alone = _asked_alone(shop)
        assert (alone == []) if bulk else len(alone) > 20
        ledgers[bulk] = {
            p.relative_to(books).as_posix(): p.read_bytes()
            for p in sorted((books / "ledger").rglob("*.beancount"))
        }
    assert ledgers[True] == ledgers[False]
    text = b"".join(ledgers[True].values()).decode()
    # what the comparison covers: gift-card redemptions, refunds, payouts cleared
    assert text.count("Liabilities:GiftCards") > 10
    assert text.count("credit_note:") > 10
    assert text.count("payout_id:") > 5 and "payout_component:" in text


def test_a_garbled_export_is_one_sentence_and_nothing_is_saved(
    srv: SandboxServer, clock: _Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    download = srv.graphql.download

    def garbled(path: str) -> tuple[int, str | None]:
        status, text = download(path)
        return status, (text or "") + '{"id": "gid://shopify/Order/1", "transactions": [\n'

    monkeypatch.setattr(srv.graphql, "download", garbled)
    from ecomledger.http import FetchError

    with _http(clock) as http, pytest.raises(FetchError) as info:
        _client(srv, http, payouts=False).fetch()
    message = str(info.value)
    assert SHOP in message and "not valid JSON" in message and "nothing was saved" in message
    assert "\n" not in message
