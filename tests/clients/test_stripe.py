from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecomledger.clients.base import Credentials
from ecomledger.sandbox import SandboxServer

from .conftest import SINCE


def _txns(contract_for: Callable[..., Any], srv: SandboxServer, **kw: Any) -> Any:
    total = len(srv.data.transactions) + len(srv.data.payouts)
    return contract_for("stripe", kind="balance_transactions", total=total, **kw)


def test_balance_transactions_in_pages(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = _txns(contract_for, srv).check_pages()
    rows = [r for p in result.document("balance_transactions").pages for r in p.data["data"]]
    assert all(isinstance(r[k], int) for r in rows for k in ("amount", "fee", "net"))
    assert all(r["net"] == r["amount"] - r["fee"] for r in rows)
    assert {r["type"] for r in rows} == {"charge", "refund", "payout"}
    # a payout's balance transaction moves exactly what the payout says
    payouts = {
        p["id"]: p for p in (r for pg in result.document("payouts").pages for r in pg.data["data"])
    }
    for row in rows:
        if row["type"] == "payout":
            assert -row["amount"] == payouts[row["source"]]["amount"]


def test_payouts_in_pages(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract = contract_for("stripe", kind="payouts", total=len(srv.data.payouts), page_size=4)
    contract.check_pages()


def test_incremental_uses_created_gte(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _txns(contract_for, srv).check_incremental(SINCE)
    assert any("created%5Bgte%5D=" in path for _, path, _ in srv.log)


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _txns(contract_for, srv).check_all_faults()


def test_wrong_key_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    _txns(contract_for, srv).check_auth(Credentials(token="sk_test_wrong"))
