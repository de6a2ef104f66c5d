from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ecomledger.clients.base import Credentials
from ecomledger.clients.wix import WixClient
from ecomledger.http import FetchError, Http
from ecomledger.sandbox import SandboxServer

from .conftest import SINCE


def test_cursor_paging(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("wix").check_pages()
    orders = [o for p in result.document("orders").pages for o in p.data["orders"]]
    assert all(isinstance(o["priceSummary"]["total"]["amount"], str) for o in orders)


def test_incremental(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("wix").check_incremental(SINCE)


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("wix").check_all_faults()


def test_wrong_key_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("wix").check_auth(Credentials(token="wrong"))


def test_site_id_is_required() -> None:
    with Http("wix") as http, pytest.raises(FetchError, match="site id"):
        WixClient("https://www.wixapis.com", Credentials(token="k"), http)
