"""The sandbox's Stripe lists answer, byte for byte, what a plain implementation answers.

The sandbox builds each list once (sorted, with each id's position) so that paging through
23,000 balance transactions is bound by Stripe's rate limit, not by the sandbox. Here the
straightforward version it replaced (render every object, filter, sort and scan the ids
for ``starting_after`` on each request) is kept as the reference the answers must equal.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

import ecomledger.sandbox.server as server
from ecomledger.sandbox import TOKEN, SandboxServer, dialects
from ecomledger.sandbox.data import Dataset, Payout, generate
from ecomledger.sandbox.dialects import dumps, minor, stripe_id

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _payout_created(payout: Payout) -> datetime:
    last = max(t.processed_at for t in payout.transactions)
    return (last + timedelta(days=1)).replace(hour=6, minute=0, second=0)


def reference_txns(data: Dataset) -> list[dict[str, Any]]:
    """``/v1/balance_transactions`` objects, written out one field at a time."""
    rows: list[dict[str, Any]] = []
    for payout in data.payouts:
        for txn in payout.transactions:
            charge = txn.type == "charge"
            fx = txn.order.fx if txn.order is not None else Decimal(1)
            rows.append(
                {
                    "id": stripe_id("txn", txn.id),
                    "object": "balance_transaction",
                    "amount": minor(txn.amount),
                    "available_on": _unix(txn.processed_at) + 2 * 86400,
                    "created": _unix(txn.processed_at),
                    "currency": "eur",
                    "description": f"Order #{txn.order.number}" if txn.order else txn.type,
                    "exchange_rate": (1 / fx).quantize(Decimal("0.000001")) if fx != 1 else None,
                    "fee": minor(txn.fee),
                    "fee_details": [
                        {
                            "amount": minor(txn.fee),
                            "application": None,
                            "currency": "eur",
                            "description": "Stripe processing fees",
                            "type": "stripe_fee",
                        }
                    ]
                    if txn.fee
                    else [],
                    "net": minor(txn.net),
                    "reporting_category": txn.type,
                    "source": stripe_id("ch" if charge else "re", txn.source_id),
                    "status": "available",
                    "type": txn.type,
                }
            )
        created = _payout_created(payout)
        rows.append(
            {
                "id": stripe_id("txn", "payout", payout.id),
                "object": "balance_transaction",
                "amount": -minor(payout.amount),
                "available_on": _unix(created),
                "created": _unix(created),
                "currency": "eur",
                "description": "STRIPE PAYOUT",
                "exchange_rate": None,
                "fee": 0,
                "fee_details": [],
                "net": -minor(payout.amount),
                "reporting_category": "payout",
                "source": stripe_id("po", payout.id),
                "status": "available",
                "type": "payout",
            }
        )
    return rows


def reference_page(rows: list[dict[str, Any]], path: str, q: dict[str, str]) -> str | None:
    """The body a plain implementation answers (None: the id is not in the list)."""
    tests = {
        "gte": lambda a, b: a >= b,
        "gt": lambda a, b: a > b,
        "lte": lambda a, b: a <= b,
        "lt": lambda a, b: a < b,
    }
    limit = int(q.get("limit", "10"))
    for op, test in tests.items():
        if f"created[{op}]" in q:
            bound = int(q[f"created[{op}]"])
            rows = [r for r in rows if test(r["created"], bound)]
    rows = sorted(rows, key=lambda r: (r["created"], r["id"]), reverse=True)
    start = 0
    if "starting_after" in q:
        ids = [r["id"] for r in rows]
        if q["starting_after"] not in ids:
            return None
        start = ids.index(q["starting_after"]) + 1
    chunk = rows[start : start + limit]
    has_more = start + limit < len(rows)
    return dumps({"object": "list", "data": chunk, "has_more": has_more, "url": path})


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(seed=7, orders=150, payout_events=True) as server_:
        yield server_


def test_balance_transactions_render_as_the_reference() -> None:
    for data in (generate(11, 150, payout_events=True), generate(4, 60, settled=True)):
        rendered = dialects.stripe_balance_txns(data)
        assert rendered == reference_txns(data)
        assert dumps(rendered) == dumps(reference_txns(data))
        assert any(r["exchange_rate"] is not None for r in rendered)  # other currencies too


def _walk(srv: SandboxServer, path: str, query: dict[str, str]) -> Iterator[str]:
    """Every page of one list, each checked against the reference; yields the bodies."""
    rows = reference_txns(srv.data) if "balance" in path else dialects.stripe_payouts(srv.data)
    q = dict(query)
    while True:
        resp = httpx.get(srv.url + path, params=q, headers=AUTH, timeout=10)
        assert resp.status_code == 200, resp.text
        assert resp.text == reference_page(rows, path, q), (path, q)
        yield resp.text
        body = resp.json()
        if not body["has_more"]:
            return
        q["starting_after"] = body["data"][-1]["id"]


@pytest.mark.parametrize("path", ["/v1/balance_transactions", "/v1/payouts"])
def test_every_page_is_the_reference_page(srv: SandboxServer, path: str) -> None:
    created = sorted({r["created"] for r in reference_txns(srv.data)})
    middle, late = created[len(created) // 3], created[2 * len(created) // 3]
    queries = [
        {"limit": "100"},
        {"limit": "7"},
        {},  # Stripe's default page of 10
        {"limit": "13", "created[gte]": str(middle)},
        {"limit": "9", "created[gt]": str(middle), "created[lte]": str(late)},
        {"limit": "11", "created[lt]": str(late)},
    ]
    for query in queries:
        pages = list(_walk(srv, path, query))
        assert pages and len(pages) == len(set(pages))


def test_an_unknown_starting_after_is_the_same_400(srv: SandboxServer) -> None:
    for cursor in ("txn_nope", dialects.stripe_id("po", srv.data.payouts[0].id)):
        resp = httpx.get(
            srv.url + "/v1/balance_transactions",
            params={"limit": "5", "starting_after": cursor},
            headers=AUTH,
            timeout=10,
        )
        assert resp.status_code == 400
        assert resp.json()["error"]["code"] == "resource_missing"


def test_the_list_is_sorted_once_per_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paging asks the same list each time: it is built once, not on every page."""
    built: list[tuple[Any, ...]] = []
    listing = server._stripe_listing

    def counted(objects: Any, bounds: Any) -> Any:
        built.append(bounds)
        return listing(objects, bounds)

    monkeypatch.setattr(server, "_stripe_listing", counted)
    with SandboxServer(seed=3, orders=120) as fresh:
        pages = list(_walk(fresh, "/v1/balance_transactions", {"limit": "10"}))
        since = {"limit": "10", "created[gte]": "0"}
        pages += list(_walk(fresh, "/v1/balance_transactions", since))
    assert len(pages) > 20
    assert built == [(), (("gte", 0),)]
