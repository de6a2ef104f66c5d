from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ecomledger.clients.base import Credentials
from ecomledger.clients.woocommerce import WooCommerceClient
from ecomledger.http import FetchError, Http
from ecomledger.sandbox import WOO_KEY, WOO_SECRET, Faults, SandboxServer

from .conftest import SINCE


def test_pages_follow_x_wp_totalpages(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("woocommerce").check_pages()
    orders = [o for p in result.document("orders").pages for o in p.data]
    assert isinstance(orders[0]["total"], str)
    assert all(isinstance(li["price"], Decimal | int) for o in orders for li in o["line_items"])
    assert {o["status"] for o in orders} >= {"completed", "cancelled"}
    # it stops at X-WP-TotalPages: asking past it would be a 400
    assert all(status == 200 for _, _, status in srv.log)


def test_incremental_returns_only_newer(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract_for("woocommerce").check_incremental(SINCE)
    orders = [path for _, path, _ in srv.log if "/orders?" in path]
    assert "dates_are_gmt=true" in orders[-1]


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("woocommerce").check_all_faults()


def test_wrong_keys_are_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("woocommerce").check_auth(Credentials(key=WOO_KEY, secret="cs_wrong"))


def test_keys_in_query_for_servers_that_drop_authorization(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract = contract_for("woocommerce", query_auth=True)
    contract.complete(contract.fetch())


def test_plain_http_is_refused_except_on_loopback() -> None:
    with Http("remote") as http, pytest.raises(FetchError, match="https://"):
        WooCommerceClient("http://shop.example", Credentials(key="ck", secret="cs"), http)
    with Http("local") as http:
        WooCommerceClient("http://localhost:8080", Credentials(key="ck", secret="cs"), http)


def test_missing_secret_is_a_clear_error() -> None:
    with Http("shop") as http, pytest.raises(FetchError, match="consumer secret"):
        WooCommerceClient("https://shop.example", Credentials(key=WOO_KEY), http)


def test_page_size_is_honoured(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("woocommerce", page_size=40).fetch()
    assert [len(p.data) for p in result.document("orders").pages] == [40, 40, 40]
    assert WOO_SECRET not in "".join(path for _, path, _ in srv.log)


def test_refunds_are_fetched_for_refunded_orders_only(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    doc = contract_for("woocommerce").fetch().document("orders")
    orders = [o for p in doc.pages for o in p.data]
    refunded = {str(o["id"]): o for o in orders if o["refunds"]}
    assert refunded and set(doc.related["refunds"]) == set(refunded)
    calls = [path for _, path, _ in srv.log if "/refunds" in path]
    assert len(calls) == len(refunded)  # one request per refunded order, none for the rest
    for order_id, order in refunded.items():
        (page,) = doc.related["refunds"][order_id]
        assert [r["id"] for r in page.data] == [r["id"] for r in order["refunds"]]
        for full, summary in zip(page.data, order["refunds"], strict=True):
            assert Decimal(full["amount"]) == -Decimal(summary["total"])
            assert all(Decimal(li["quantity"]) < 0 for li in full["line_items"])
            assert isinstance(full["api_restock"], bool)


def test_refunds_survive_transient_faults(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract = contract_for("woocommerce", page_size=100)
    clean = contract.fetch().document("orders").related["refunds"]
    texts = {k: [p.text for p in v] for k, v in clean.items()}
    # the two order pages go through; the faults land on the refund requests
    for faults in (
        Faults(server_error=2, server_error_status=503, after=2),
        Faults(rate_limit=2, retry_after="0.01", disconnect=1, after=3),
    ):
        srv.set_faults(faults)
        again = contract.fetch().document("orders").related["refunds"]
        assert {k: [p.text for p in v] for k, v in again.items()} == texts
