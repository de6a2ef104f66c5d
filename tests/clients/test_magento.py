from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

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
