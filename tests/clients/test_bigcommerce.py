from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecomledger.clients.base import Credentials
from ecomledger.sandbox import SandboxServer

from .conftest import SINCE


def _contract(contract_for: Callable[..., Any]) -> Any:
    # sub-resources cost three requests per order; the fault tests skip them
    return contract_for("bigcommerce", sub_resources=())


def test_orders_and_sub_resources(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("bigcommerce").check_pages()
    doc = result.document("orders")
    assert set(doc.related) == {"products", "shipping_addresses", "coupons"}
    orders = [o for p in doc.pages for o in p.data]
    assert orders[0]["total_inc_tax"].endswith(tuple("0123456789"))
    assert len(orders[0]["total_inc_tax"].split(".")[1]) == 4  # "79.0000"
    for order in orders:
        products = [r for p in doc.related["products"][str(order["id"])] for r in p.data]
        assert products and all(r["order_id"] == order["id"] for r in products)
    with_coupons = [k for k, pages in doc.related["coupons"].items() if pages]
    assert with_coupons  # some orders used a code; the others had an empty (204) page


def test_stops_on_204(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    # 120 orders in pages of 30: four full pages, then an empty page answered 204
    result = contract_for("bigcommerce", sub_resources=(), page_size=30).fetch()
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
