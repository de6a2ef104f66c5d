from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from ecomledger.clients.base import Credentials
from ecomledger.sandbox import SandboxServer

from .conftest import SINCE


def _contract(contract_for: Callable[..., Any]) -> Any:
    return contract_for("magento", key="entity_id")


def test_pages_counted_from_total_count(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _contract(contract_for).check_pages()
    pages = result.document("orders").pages
    assert len(pages) == 5  # 120 / 25, never the "last page again" past the end
    order = pages[0].data["items"][0]
    assert isinstance(order["grand_total"], Decimal | int)  # JSON numbers
    assert order["discount_amount"] <= 0
    assert "base_grand_total" in order


def test_incremental_filters_on_updated_at(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    _contract(contract_for).check_incremental(SINCE)


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _contract(contract_for).check_all_faults()


def test_wrong_token_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _contract(contract_for).check_auth(Credentials(token="wrong"))


def _memos(result: Any) -> list[dict[str, Any]]:
    pages = result.document("orders").related["creditmemos"]["all"]
    return [m for page in pages for m in page.data["items"]]


def test_credit_memos_are_searched_like_the_orders(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("magento", key="entity_id", page_size=4).fetch()
    memos = _memos(result)
    refunds = {r.id % 10_000_000: (o, r) for o in srv.data.orders for r in o.refunds}
    assert len(result.document("orders").related["creditmemos"]["all"]) >= 3
    assert sorted(m["entity_id"] for m in memos) == sorted(refunds)
    for memo in memos:
        order, refund = refunds[memo["entity_id"]]
        assert memo["order_id"] == order.id % 10_000_000
        assert memo["base_grand_total"] == refund.amount
        assert isinstance(memo["base_grand_total"], Decimal | int)  # JSON numbers
        assert {i["back_to_stock"] for i in memo["items"]} <= {True, False}


def test_credit_memos_follow_the_window(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _contract(contract_for).fetch(since=SINCE)
    wanted = {
        r.id % 10_000_000 for o in srv.data.orders for r in o.refunds if r.created_at >= SINCE
    }
    assert wanted and {m["entity_id"] for m in _memos(result)} == wanted
    calls = [p for _, p, _ in srv.log if "/creditmemos" in p]
    assert calls and all("created_at" in unquote(p) for p in calls)
    # nothing in the window: the key is still there, so the importer books no refunded sums
    empty = _contract(contract_for).fetch(since=datetime(2030, 1, 1, tzinfo=UTC))
    assert _memos(empty) == []
