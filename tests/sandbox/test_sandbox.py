"""The sandbox itself: deterministic data that adds up, each dialect's traps, faults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from stdnum.eu import vat

from ecomledger.sandbox import (
    SITE_ID,
    STORE_HASH,
    TOKEN,
    WOO_KEY,
    WOO_SECRET,
    Faults,
    SandboxServer,
    serve,
)
from ecomledger.sandbox.data import ZERO, generate
from ecomledger.sandbox.dialects import dumps, shopify_order

SHOPIFY = {"X-Shopify-Access-Token": TOKEN}


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11, orders=80, bucket_capacity=1_000_000) as server:
        yield server


def _get(srv: SandboxServer, path: str, **kw: Any) -> httpx.Response:
    return httpx.get(srv.url + path, timeout=5, **kw)


def test_same_seed_same_history_other_seed_other_history() -> None:
    a, b, c = generate(4, 50), generate(4, 50), generate(5, 50)
    assert dumps(shopify_order(a.orders[7])) == dumps(shopify_order(b.orders[7]))
    assert [o.total_price for o in a.orders] != [o.total_price for o in c.orders]


def test_orders_add_up() -> None:
    data = generate(11, 200)
    for order in data.orders:
        assert order.total_price == sum((li.total for li in order.lines), ZERO) + (
            order.shipping_price
        )
        for app in order.discounts:
            parts = [a for li in order.lines for i, a in li.allocations if i == app.index]
            if app.code == "WELCOME10":
                assert sum(parts, ZERO) == Decimal("10.00")  # penny-split, exactly
        assert sum((p.amount for p in order.payments), ZERO) in (ZERO, order.total_price)
        assert order.total_refunded <= order.total_price
    statuses = {o.financial_status for o in data.orders}
    assert statuses == {"paid", "partially_refunded", "refunded", "voided"}
    assert {o.presentment_currency for o in data.orders} == {"EUR", "USD", "GBP", "CHF"}
    assert any(o.reverse_charge for o in data.orders)
    assert any(li.product.gift_card for o in data.orders for li in o.lines)
    assert any(p.gateway == "gift_card" for o in data.orders for p in o.payments)
    assert any(rl.restock for o in data.orders for r in o.refunds for rl in r.lines)
    assert any(not rl.restock for o in data.orders for r in o.refunds for rl in r.lines)


def test_vat_numbers_are_valid() -> None:
    data = generate(11, 200)
    numbers = [c.vat_number for c in data.customers if c.vat_number]
    assert len({n[:2] for n in numbers}) >= 3
    assert all(vat.is_valid(n) for n in numbers)


def test_vat_rates_follow_the_destination() -> None:
    data = generate(11, 200)
    for order in data.orders:
        for li in order.lines:
            if li.product.gift_card or order.reverse_charge or not order.country.eu:
                assert li.rate == 0
            else:
                assert li.rate in (order.country.standard, order.country.reduced)


def test_payouts_are_the_sum_of_their_transactions(srv: SandboxServer) -> None:
    body = _get(
        srv,
        "/admin/api/2025-01/shopify_payments/payouts.json",
        params={"limit": 250},
        headers=SHOPIFY,
    ).json(parse_float=Decimal)
    for payout in body["payouts"]:
        txns = _get(
            srv,
            "/admin/api/2025-01/shopify_payments/balance/transactions.json",
            params={"payout_id": payout["id"], "limit": 250},
            headers=SHOPIFY,
        ).json()["transactions"]
        net = sum((Decimal(t["net"]) for t in txns), ZERO)
        assert net == Decimal(payout["amount"])
        s = payout["summary"]
        gross = sum((Decimal(s[k]) for k in s if k.endswith("gross_amount")), ZERO)
        fees = sum((Decimal(s[k]) for k in s if k.endswith("fee_amount")), ZERO)
        assert gross - fees == Decimal(payout["amount"])
        assert all(Decimal(t["amount"]) - Decimal(t["fee"]) == Decimal(t["net"]) for t in txns)


@pytest.mark.parametrize(
    ("path", "kw"),
    [
        ("/admin/api/2025-01/orders.json", {"headers": {"X-Shopify-Access-Token": "x"}}),
        ("/wp-json/wc/v3/orders", {"auth": (WOO_KEY, "wrong")}),
        ("/api/orders", {"auth": ("wrong", "")}),
        ("/rest/V1/orders", {"headers": {"Authorization": "Bearer wrong"}}),
        (f"/stores/{STORE_HASH}/v2/orders", {"headers": {"X-Auth-Token": "wrong"}}),
        ("/v1/payouts", {"headers": {"Authorization": "Bearer wrong"}}),
    ],
)
def test_wrong_credentials_are_401(srv: SandboxServer, path: str, kw: dict[str, Any]) -> None:
    assert _get(srv, path, **kw).status_code == 401


def test_shopify_rejects_filters_next_to_page_info(srv: SandboxServer) -> None:
    first = _get(
        srv,
        "/admin/api/2025-01/orders.json",
        params={"status": "any", "limit": 10},
        headers=SHOPIFY,
    )
    next_url = first.links["next"]["url"]
    assert _get(srv, next_url[len(srv.url) :] + "&status=any", headers=SHOPIFY).status_code == 400
    assert first.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/1000000")


def test_shopify_default_status_is_open(srv: SandboxServer) -> None:
    every = _get(
        srv,
        "/admin/api/2025-01/orders.json",
        params={"status": "any", "limit": 250},
        headers=SHOPIFY,
    ).json()["orders"]
    default = _get(
        srv, "/admin/api/2025-01/orders.json", params={"limit": 250}, headers=SHOPIFY
    ).json()["orders"]
    assert len(default) < len(every)


def test_woocommerce_page_past_the_end_is_400(srv: SandboxServer) -> None:
    resp = _get(
        srv, "/wp-json/wc/v3/orders", params={"per_page": 50, "page": 3}, auth=(WOO_KEY, WOO_SECRET)
    )
    assert resp.status_code == 400
    ok = _get(
        srv, "/wp-json/wc/v3/orders", params={"per_page": 50, "page": 2}, auth=(WOO_KEY, WOO_SECRET)
    )
    assert ok.headers["X-WP-TotalPages"] == "2" and ok.headers["X-WP-Total"] == "80"


def test_magento_past_the_last_page_repeats_it(srv: SandboxServer) -> None:
    def page(n: int) -> list[int]:
        body = _get(
            srv,
            "/rest/V1/orders",
            params={"searchCriteria[pageSize]": 30, "searchCriteria[currentPage]": n},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()
        assert body["total_count"] == 80
        return [o["entity_id"] for o in body["items"]]

    assert page(3) == page(4) and len(page(3)) == 20


def test_magento_has_configurable_parents_with_children(srv: SandboxServer) -> None:
    body = _get(srv, "/rest/V1/orders", headers={"Authorization": f"Bearer {TOKEN}"}).json(
        parse_float=Decimal
    )
    children = [i for o in body["items"] for i in o["items"] if "parent_item_id" in i]
    assert children and all(i["price"] == 0 for i in children)


def test_bigcommerce_empty_page_is_204(srv: SandboxServer) -> None:
    resp = _get(
        srv, f"/stores/{STORE_HASH}/v2/orders", params={"page": 99}, headers={"X-Auth-Token": TOKEN}
    )
    assert resp.status_code == 204 and resp.content == b""


def test_money_types_per_dialect(srv: SandboxServer) -> None:
    stripe = _get(
        srv, "/v1/balance_transactions", headers={"Authorization": f"Bearer {TOKEN}"}
    ).json()["data"][0]
    assert isinstance(stripe["amount"], int) and stripe["currency"] == "eur"
    wix = httpx.post(
        srv.url + "/ecom/v1/orders/search",
        json={"search": {}},
        headers={"Authorization": TOKEN, "wix-site-id": SITE_ID},
    ).json()
    amount = wix["orders"][0]["priceSummary"]["total"]["amount"]
    assert isinstance(amount, str) and not amount.endswith(".00")


def test_faults_can_be_switched_at_runtime(srv: SandboxServer) -> None:
    srv.set_faults(Faults(server_error=1, server_error_status=500))
    assert _get(srv, "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 500
    assert _get(srv, "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    srv.faults = Faults(rate_limit=1, retry_after="1.5")
    resp = _get(srv, "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1.5"
    srv.set_faults(truncate=1)
    resp = _get(srv, "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(ValueError):
        resp.json()
    srv.set_faults(disconnect=1)
    with pytest.raises(httpx.RemoteProtocolError):
        _get(srv, "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"})
    srv.set_faults()


def test_serve_blocks_until_stopped() -> None:
    stop = threading.Event()
    urls: list[str] = []
    thread = threading.Thread(
        target=serve,
        kwargs={"port": 0, "seed": 1, "orders": 10, "ready": urls.append, "stop": stop},
    )
    thread.start()
    try:
        for _ in range(100):
            if urls:
                break
            threading.Event().wait(0.05)
        resp = httpx.get(
            urls[0] + "/v1/payouts", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        )
        assert resp.status_code == 200
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
