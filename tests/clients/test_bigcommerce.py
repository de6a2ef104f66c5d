from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ecomledger.clients.base import Credentials
from ecomledger.clients.bigcommerce import BigCommerceClient
from ecomledger.http import FetchError, Http
from ecomledger.sandbox import STORE_HASH, TOKEN, SandboxServer

from .conftest import SINCE


def _contract(contract_for: Callable[..., Any]) -> Any:
    return contract_for("bigcommerce")


def _line_items(order: dict[str, Any]) -> list[dict[str, Any]]:
    groups = order["consignments"]
    consignments = groups["shipping"] + groups["pickups"] + groups["downloads"]
    consignments += groups["email"]["gift_certificates"]
    return sorted((i for c in consignments for i in c["line_items"]), key=lambda i: i["id"])


def test_orders_embed_their_consignments_and_line_items(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("bigcommerce").check_pages()
    doc = result.document("orders")
    assert doc.related == {}  # nothing asked per order
    lists = [urlsplit(p) for _, p, _ in srv.log]
    assert {u.path for u in lists} == {f"/stores/{STORE_HASH}/v2/orders"}
    for url in lists:
        query = parse_qs(url.query)
        assert query["include"] == ["consignments.line_items"]
        assert query["consignment_structure"] == ["object"]
    orders = [o for p in doc.pages for o in p.data]
    assert len(orders[0]["total_inc_tax"].split(".")[1]) == 4  # "79.0000"
    for order in orders[:12]:
        # the embedded line items are what /orders/{id}/products answers
        products = httpx.get(
            f"{srv.url}/stores/{STORE_HASH}/v2/orders/{order['id']}/products",
            headers={"X-Auth-Token": TOKEN},
        ).json()
        assert _line_items(order) == products
        (shipping,) = order["consignments"]["shipping"]
        assert shipping["country_iso2"] and shipping["shipping_method"]


def test_stops_on_204(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    # 120 orders in pages of 30: four full pages, then an empty page answered 204
    result = contract_for("bigcommerce", page_size=30).fetch()
    assert [s for _, p, s in srv.log if "/orders?" in p][-1] == 204
    assert len(result.document("orders").pages) == 4


def test_incremental_uses_min_date_modified(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    _contract(contract_for).check_incremental(SINCE)


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _contract(contract_for).check_all_faults()


def test_wrong_token_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _contract(contract_for).check_auth(Credentials(token="wrong"))


def test_a_list_without_the_consignments_asked_is_refused() -> None:
    """A proxy or API version that drops ``include`` would leave every order without its
    lines: the fetch stops with one sentence and saves nothing."""
    bare = [{"id": 7, "date_modified": "Fri, 12 Oct 2018 19:06:23 +0000"}]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=bare)

    with Http("bc", transport=httpx.MockTransport(answer)) as http:
        client = BigCommerceClient(
            f"https://api.bigcommerce.com/stores/{STORE_HASH}", Credentials(token="t"), http
        )
        with pytest.raises(FetchError) as info:
            client.fetch()
    assert "order 7 without the consignments" in str(info.value)
    assert "include=consignments.line_items" in str(info.value)
