"""The sandbox's BigCommerce list honours ``include`` as BigCommerce does, and its quota
answers with BigCommerce's ``X-Rate-Limit-*`` headers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ecomledger.sandbox import STORE_HASH, TOKEN, SandboxServer

ORDERS = f"/stores/{STORE_HASH}/v2/orders"
AUTH = {"X-Auth-Token": TOKEN}


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11, orders=80) as server:
        yield server


def _list(srv: SandboxServer, **params: Any) -> list[dict[str, Any]]:
    resp = httpx.get(srv.url + ORDERS, params={"limit": 250, **params}, headers=AUTH)
    assert resp.status_code == 200, resp.text
    return resp.json(parse_float=Decimal)


def _products(srv: SandboxServer, order_id: int) -> list[dict[str, Any]]:
    resp = httpx.get(f"{srv.url}{ORDERS}/{order_id}/products", headers=AUTH)
    return resp.json(parse_float=Decimal)


def test_without_include_orders_are_as_before(srv: SandboxServer) -> None:
    plain = _list(srv)
    assert all("consignments" not in o and "fees" not in o for o in plain)
    assert plain[0]["products"]["resource"] == f"/orders/{plain[0]['id']}/products"


def test_consignments_line_items_embed_the_products(srv: SandboxServer) -> None:
    orders = _list(srv, include="consignments.line_items", consignment_structure="object")
    assert [o["id"] for o in orders] == [o["id"] for o in _list(srv)]
    gifts = 0
    for order in orders:
        groups = order["consignments"]
        assert set(groups) == {"pickups", "shipping", "downloads", "email"}
        (shipping,) = groups["shipping"]
        certificates = groups["email"]["gift_certificates"]
        gifts += len(certificates)
        items = shipping["line_items"] + [i for c in certificates for i in c["line_items"]]
        assert sorted(items, key=lambda i: i["id"]) == _products(srv, order["id"])
        assert all(i["type"] == "physical" for i in shipping["line_items"])
        assert shipping["shipping_method"] and shipping["country_iso2"]
        assert shipping["items_total"] == sum(i["quantity"] for i in shipping["line_items"])
    assert gifts  # gift certificates travel by email, not in a shipping consignment


def test_consignments_alone_link_their_line_items(srv: SandboxServer) -> None:
    (order, *_) = _list(srv, include="consignments", consignment_structure="object")
    items = order["consignments"]["shipping"][0]["line_items"]
    assert items and set(items[0]) == {"url", "resource"}
    assert items[0]["resource"].startswith(f"/orders/{order['id']}/products/")


def test_without_consignment_structure_the_legacy_array(srv: SandboxServer) -> None:
    (order, *_) = _list(srv, include="consignments.line_items,fees")
    assert isinstance(order["consignments"], list) and len(order["consignments"]) == 1
    assert order["consignments"][0]["shipping"][0]["line_items"][0]["sku"]
    assert order["fees"] == []


@pytest.mark.parametrize(
    "params", [{"include": "coupons"}, {"include": "consignments", "consignment_structure": "x"}]
)
def test_an_unknown_include_is_a_400(srv: SandboxServer, params: dict[str, str]) -> None:
    resp = httpx.get(srv.url + ORDERS, params=params, headers=AUTH)
    assert resp.status_code == 400


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now


def test_the_quota_window_and_its_headers() -> None:
    clock = FakeClock()
    with SandboxServer(
        seed=1, orders=5, clock=clock, throttles={"bigcommerce": (2, 0.1)}
    ) as server:
        first = httpx.get(server.url + ORDERS, headers=AUTH)
        clock.now += 5.5
        second = httpx.get(server.url + ORDERS, headers=AUTH)
        over = httpx.get(server.url + ORDERS, headers=AUTH)
        clock.now += 14.5  # the 20 s window ends
        fresh = httpx.get(server.url + ORDERS, headers=AUTH)
    assert [r.status_code for r in (first, second, over, fresh)] == [200, 200, 429, 200]
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "2"
    assert first.headers["X-Rate-Limit-Time-Window-Ms"] == "20000"
    assert first.headers["X-Rate-Limit-Requests-Left"] == "1"
    assert first.headers["X-Rate-Limit-Time-Reset-Ms"] == "20000"
    assert second.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert over.headers["X-Rate-Limit-Time-Reset-Ms"] == "14500"
    assert over.headers["X-Retry-After"] == "15"
    assert "Retry-After" not in over.headers
    assert fresh.headers["X-Rate-Limit-Requests-Left"] == "1"
