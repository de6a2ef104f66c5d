from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecomledger.clients.base import Credentials
from ecomledger.sandbox import LOCATION_ID, SandboxServer

from .conftest import SINCE


def test_cursor_pages_with_integer_money(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("square").check_pages()
    orders = [o for p in result.document("orders").pages for o in p.data["orders"]]
    assert all(isinstance(o["total_money"]["amount"], int) for o in orders)
    assert all(isinstance(li["quantity"], str) for o in orders for li in o["line_items"])
    assert any(t["type"] == "INCLUSIVE" for o in orders for t in o["taxes"])
    assert srv.log[0][1] == "/v2/locations"  # location ids discovered first


def test_configured_locations_skip_discovery(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract = contract_for("square", location_ids=[LOCATION_ID])
    contract.complete(contract.fetch())
    assert all(path == "/v2/orders/search" for _, path, _ in srv.log)


def test_incremental(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("square").check_incremental(SINCE)


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("square").check_all_faults()


def test_wrong_token_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("square", location_ids=[LOCATION_ID]).check_auth(Credentials(token="x"))
