from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ecomledger.clients.base import Credentials
from ecomledger.clients.woocommerce import WooCommerceClient
from ecomledger.http import FetchError, Http
from ecomledger.sandbox import WOO_KEY, WOO_SECRET, SandboxServer

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
    assert "dates_are_gmt=true" in srv.log[-1][1]


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
