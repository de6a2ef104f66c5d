from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ecomledger.clients.base import Credentials
from ecomledger.clients.shopify import ShopifyClient
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import TOKEN, SandboxServer


def _contract(contract_for: Callable[..., Any]) -> Any:
    return contract_for("shopify")


def test_orders_come_in_pages_with_refunds_embedded(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _contract(contract_for).check_pages()
    doc = result.document("orders")
    orders = [o for p in doc.pages for o in p.data["orders"]]
    assert all(isinstance(o["total_price"], str) for o in orders)
    assert any(o["refunds"] for o in orders)
    assert any(o["cancelled_at"] for o in orders)  # status=any keeps cancelled orders
    stamps = [o["updated_at"] for o in orders]
    assert doc.cursor >= max(stamps)[:10]
    # filters on the first request only; then the Link URL exactly as given
    paths = [p for _, p, _ in srv.log if "/orders.json" in p]
    assert "updated_at" in paths[0] and "status=any" in paths[0]
    assert all("page_info=" in p and "status" not in p for p in paths[1:])


def test_payouts_bring_their_balance_transactions(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    # the REST path (bulk=False): one list per payout, as when Shopify refuses a bulk export
    result = contract_for("shopify", bulk=False).fetch()
    doc = result.document("payouts")
    payouts = [p for page in doc.pages for p in page.data["payouts"]]
    assert set(doc.related["balance_transactions"]) == {str(p["id"]) for p in payouts}
    for payout in payouts:
        pages = doc.related["balance_transactions"][str(payout["id"])]
        txns = [t for page in pages for t in page.data["transactions"]]
        assert sum((Decimal(t["net"]) for t in txns), Decimal(0)) == Decimal(payout["amount"])
        assert isinstance(payout["amount"], str)


def test_incremental_returns_only_newer(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    from datetime import UTC, datetime

    _contract(contract_for).check_incremental(datetime(2025, 3, 1, tzinfo=UTC))


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _contract(contract_for).check_all_faults()


def test_wrong_token_is_401_without_retry(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    _contract(contract_for).check_auth(Credentials(token="wrong"))


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("threshold", [0.8, 1.0])
def test_leaky_bucket_throttling(threshold: float) -> None:
    """At 0.8 the client slows down before the bucket overflows (no 429 at all); with
    pre-emptive throttling off it runs into 429s and honours their Retry-After."""
    clock = _Clock()
    with SandboxServer(seed=3, orders=40, clock=clock, bucket_capacity=10) as srv:
        http = Http(
            "throttled",
            sleep=clock.sleep,
            throttle_threshold=threshold,
            retry=RetryPolicy(max_retries=3, max_total_wait=30),
        )
        with http:
            result = ShopifyClient(srv.url, Credentials(token=TOKEN), http, page_size=2).fetch()
        statuses = [status for _, _, status in srv.log]
    assert result.document("orders").count == 40
    assert clock.now > 1000.0
    if threshold < 1:
        assert 429 not in statuses
    else:
        assert 429 in statuses
