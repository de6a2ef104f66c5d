from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecomledger.clients.base import Credentials
from ecomledger.sandbox import SandboxServer

from .conftest import SINCE


def test_pages_until_a_short_page(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("prestashop").check_pages()
    orders = [o for p in result.document("orders").pages for o in p.data["orders"]]
    assert orders[0]["total_paid_tax_incl"].count(".") == 1
    assert len(orders[0]["total_paid_tax_incl"].split(".")[1]) == 6  # "68.200000"
    assert "order_rows" in orders[0]["associations"]
    assert all("output_format=JSON" in path for _, path, _ in srv.log)


def test_incremental_filters_on_date_upd(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract_for("prestashop").check_incremental(SINCE)
    assert any("filter%5Bdate_upd%5D" in path and "date=1" in path for _, path, _ in srv.log)


def test_empty_result_is_a_bare_list(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    from datetime import UTC, datetime

    result = contract_for("prestashop").fetch(since=datetime(2030, 1, 1, tzinfo=UTC))
    doc = result.document("orders")
    assert doc.count == 0 and doc.cursor is None
    assert [p.data for p in doc.pages] == [[]]


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("prestashop").check_all_faults()


def test_wrong_key_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("prestashop").check_auth(Credentials(token="wrong"))
