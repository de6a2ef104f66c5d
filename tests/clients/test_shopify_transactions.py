"""Shopify orders paid partly by gift card carry their transactions (``related``).

The REST order does not embed its transactions, and only they say how much a gift card
paid: without them the gift-card part waits on the clearing account for a payout that
never comes. One request per gift-card order, none for the others (the leaky bucket is
shared with everything else the fetch does).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ecomledger.clients.base import FetchResult
from ecomledger.http import FetchError
from ecomledger.sandbox import TOKEN, SandboxServer
from ecomledger.sandbox.data import Order

from .conftest import SHOP, make_http

SINCE = datetime(2025, 3, 1, tzinfo=UTC)


def _gift_card_orders(srv: SandboxServer, since: datetime | None = None) -> list[Order]:
    return [
        o
        for o in srv.data.orders
        if any(p.gateway == "gift_card" for p in o.payments)
        and (since is None or o.updated_at >= since)
    ]


def _transaction_paths(srv: SandboxServer) -> list[str]:
    """The order-transactions requests the sandbox answered (not the balance ones)."""
    return [
        path
        for _, path, status in srv.log
        if re.fullmatch(r"/admin/api/[^/]+/orders/\d+/transactions\.json", path) and status == 200
    ]


def _fetch(contract_for: Callable[..., Any], **kw: Any) -> FetchResult:
    # the REST path (bulk=False): what the client falls back to for an order the bulk
    # export misses (tests/clients/test_shopify_bulk.py covers the bulk path)
    result: FetchResult = contract_for("shopify", bulk=False).fetch(**kw)
    return result


def test_gift_card_orders_and_only_they_bring_their_transactions(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _fetch(contract_for)
    doc = result.document("orders")
    gift = _gift_card_orders(srv)
    assert gift  # the sandbox draws some, or this test proves nothing
    related = doc.related["transactions"]
    assert set(related) == {str(o.id) for o in gift}
    # exactly one request per gift-card order, and none for the other orders
    asked = _transaction_paths(srv)
    assert sorted(asked) == sorted(
        f"/admin/api/2025-01/orders/{o.id}/transactions.json" for o in gift
    )
    listed = {str(o["id"]): o for page in doc.pages for o in page.data["orders"]}
    for order in gift:
        pages = related[str(order.id)]
        assert len(pages) == 1
        txns = pages[0].data["transactions"]
        assert [(t["gateway"], Decimal(t["amount"])) for t in txns] == [
            (p.gateway, p.amount) for p in order.payments
        ]
        assert all(t["kind"] == "sale" and t["status"] == "success" for t in txns)
        assert all(t["order_id"] == order.id and isinstance(t["amount"], str) for t in txns)
        # the payments add up to what the order says the buyer paid
        total = sum((Decimal(t["amount"]) for t in txns), Decimal(0))
        assert total == Decimal(listed[str(order.id)]["total_price"])
        assert "gift_card" in listed[str(order.id)]["payment_gateway_names"]


def test_incremental_fetch_asks_only_about_its_own_gift_card_orders(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _fetch(contract_for, since=SINCE)
    doc = result.document("orders")
    fetched = {str(o["id"]) for page in doc.pages for o in page.data["orders"]}
    wanted = {str(o.id) for o in _gift_card_orders(srv, SINCE)}
    assert wanted <= fetched
    assert set(doc.related["transactions"]) == wanted
    assert len(_transaction_paths(srv)) == len(wanted)


def test_transactions_endpoint_checks_the_token_and_the_order(srv: SandboxServer) -> None:
    order = _gift_card_orders(srv)[0]
    url = f"{srv.url}/admin/api/2025-01/orders/{order.id}/transactions.json"
    with make_http([], retries=0) as http:
        body = http.get(url, headers={"X-Shopify-Access-Token": TOKEN}).data
        assert {t["gateway"] for t in body["transactions"]} == {"gift_card", "shopify_payments"}
        for headers in ({"X-Shopify-Access-Token": "wrong"}, {}):
            with pytest.raises(FetchError) as info:
                http.get(url, headers=headers)
            assert info.value.status == 401 and SHOP in str(info.value)
        with pytest.raises(FetchError) as info:
            http.get(
                f"{srv.url}/admin/api/2025-01/orders/1/transactions.json",
                headers={"X-Shopify-Access-Token": TOKEN},
            )
        assert info.value.status == 404
