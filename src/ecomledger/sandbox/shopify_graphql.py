"""Shopify's GraphQL Admin endpoint in the sandbox: the bulk operations the client runs.

Shopify recommends bulk operations for exporting many objects: ``bulkOperationRunQuery``
starts one, ``node(id:)`` (or ``currentBulkOperation``) says when it is ``COMPLETED``, and
the result is a JSONL file at a signed ``url`` (one object a line; a node of a nested
connection is a line of its own carrying ``__parentId``). Bulk operations are not bound
by the REST leaky bucket; the GraphQL calls that start and poll them cost points from a
separate bucket (``extensions.cost``; over it, HTTP 200 with a ``THROTTLED`` error).

This sandbox does not parse arbitrary GraphQL. It recognises the two bulk queries
`ecomledger.clients.shopify_bulk` sends, reads their search filter (``updated_at``,
``payout_date``) and renders the JSONL from the same dataset as the REST dialect:

- ``orders { ... transactions { ... } }``: each order of the window on one line, its
  payments (``Order.transactions`` is a list, so it stays on the order's line);
- ``shopifyPaymentsAccount { balanceTransactions(query: "payout_date:...") }``: one line
  per balance transaction of the payouts dated in the window.

An operation runs for `GraphqlAdmin.bulk_seconds` on the sandbox's clock (0 by default:
Shopify publishes no export times, so the sandbox invents none; tests set it to exercise
a client's poll loop); one bulk query runs at a time per shop, as in API versions before
2026-01.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ecomledger.sandbox.data import BalanceTxn, Dataset, Order, Payout
from ecomledger.sandbox.dialects import s2

__all__ = ["DOWNLOADS", "GraphqlAdmin", "balance_txn_node", "order_transactions_node"]

#: Where the sandbox serves the JSONL results (Shopify: a signed storage URL).
DOWNLOADS = "/shopify-bulk/"

#: Shopify's GraphQL cost limits on the standard plan: a 2,000-point bucket, 100 back a
#: second. A bulk mutation costs 10 points, a poll 1 (what Shopify reports for them).
BUCKET_POINTS = 2000.0
RESTORE_RATE = 100.0
MUTATION_COST = 10
POLL_COST = 1

_FILTER = re.compile(r"(\w+):(>=|<=|>|<)?'?([^'\s\"]+)'?")


def _gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Any) -> dict[str, str]:
    return {"amount": s2(amount), "currencyCode": "EUR"}


def order_transactions_node(order: Order) -> dict[str, Any]:
    """One order's JSONL line: its id and its payments (``Order.transactions``)."""
    return {
        "id": _gid("Order", order.id),
        "updatedAt": _utc(order.updated_at),
        "transactions": [
            {
                "id": _gid("OrderTransaction", p.id),
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": p.gateway,
                "amountSet": {"shopMoney": _money(p.amount)},
                "processedAt": _utc(p.created_at),
            }
            for p in order.payments
        ],
    }


#: Balance transaction type → ``ShopifyPaymentsSourceType`` (as the REST ``source_type``).
_SOURCE_TYPES = {
    "charge": "CHARGE",
    "refund": "REFUND",
    "adjustment": "ADJUSTMENT",
    "dispute": "DISPUTE",
    "reserve": "RESERVE",
    "payout_failure": "TRANSFER_FAILURE",
}


def balance_txn_node(txn: BalanceTxn, payout: Payout) -> dict[str, Any]:
    """One ``ShopifyPaymentsBalanceTransaction`` line of the payout it was paid out in."""
    return {
        "id": _gid("ShopifyPaymentsBalanceTransaction", txn.id),
        "type": txn.type.upper(),
        "test": False,
        "amount": _money(txn.amount),
        "fee": _money(txn.fee),
        "net": _money(txn.net),
        "sourceId": txn.source_id,
        "sourceType": _SOURCE_TYPES.get(txn.type, txn.type.upper()),
        "sourceOrderTransactionId": txn.source_id,
        "associatedOrder": {"id": _gid("Order", txn.order.id)} if txn.order else None,
        "associatedPayout": {
            "id": _gid("ShopifyPaymentsPayout", payout.id),
            "status": payout.status.upper(),
        },
        "transactionDate": _utc(txn.processed_at),
    }


@dataclass
class _Operation:
    number: int
    kind: str
    lines: list[dict[str, Any]]
    created: str
    done_at: float
    clock: Callable[[], float]
    polls: int = 0

    @property
    def gid(self) -> str:
        return _gid("BulkOperation", self.number)

    @property
    def status(self) -> str:
        return "COMPLETED" if self.clock() >= self.done_at else "RUNNING"


class GraphqlAdmin:
    """The GraphQL endpoint and the bulk results of one sandbox shop.

    Args:
        data: the sandbox dataset (the REST dialect renders the same one).
        clock: monotonic seconds, shared with the REST bucket (a virtual clock in the
            benchmark), for the cost bucket.
    """

    def __init__(self, data: Dataset, clock: Callable[[], float]) -> None:
        self.data = data
        self.clock = clock
        self.available = BUCKET_POINTS
        self.last = clock()
        self.operations: dict[int, _Operation] = {}
        self.lock = threading.Lock()
        self.bulk_seconds = 0.0

    # -- the endpoint ---------------------------------------------------------------------

    def handle(self, method: str, body: bytes, base_url: str) -> tuple[int, Any, dict[str, str]]:
        """Answer ``POST /admin/api/<version>/graphql.json``: (status, body, headers)."""
        if method != "POST":
            return 405, {"errors": "Method Not Allowed"}, {}
        try:
            request = json.loads(body or b"{}")
            query = str(request.get("query") or "")
            variables = request.get("variables") or {}
        except (ValueError, AttributeError):
            return 400, {"errors": {"query": "Required parameter missing or invalid"}}, {}
        if "bulkOperationRunQuery" in query:
            cost = MUTATION_COST
        elif "BulkOperation" in query or "currentBulkOperation" in query:
            cost = POLL_COST
        else:
            return 200, _error("This sandbox answers only bulk operation queries."), {}
        with self.lock:
            throttled = self._spend(cost)
            if throttled is not None:
                return 200, throttled, {}
            if cost == MUTATION_COST:
                data = self._run(str(variables.get("query") or _inner(query)))
            else:
                data = self._poll(query, variables, base_url)
            return 200, {"data": data, "extensions": self._cost(cost)}, {}

    def download(self, path: str) -> tuple[int, str | None]:
        """The JSONL text of a completed operation at ``DOWNLOADS<number>.jsonl``."""
        match = re.fullmatch(re.escape(DOWNLOADS) + r"(\d+)\.jsonl", path)
        with self.lock:
            op = self.operations.get(int(match.group(1))) if match else None
        if op is None or op.status != "COMPLETED":
            return 404, None
        return 200, "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in op.lines)

    # -- cost -----------------------------------------------------------------------------

    def _spend(self, cost: int) -> dict[str, Any] | None:
        now = self.clock()
        self.available = min(BUCKET_POINTS, self.available + (now - self.last) * RESTORE_RATE)
        self.last = now
        if self.available < cost:
            body = _error("Throttled", code="THROTTLED")
            body["extensions"] = self._cost(cost, actual=False)
            return body
        self.available -= cost
        return None

    def _cost(self, cost: int, actual: bool = True) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": cost,
                **({"actualQueryCost": cost} if actual else {}),
                "throttleStatus": {
                    "maximumAvailable": BUCKET_POINTS,
                    "currentlyAvailable": int(self.available),
                    "restoreRate": RESTORE_RATE,
                },
            }
        }

    # -- bulk operations ------------------------------------------------------------------

    def _run(self, bulk: str) -> dict[str, Any]:
        def refused(message: str) -> dict[str, Any]:
            return {
                "bulkOperationRunQuery": {
                    "bulkOperation": None,
                    "userErrors": [{"field": ["query"], "message": message}],
                }
            }

        if any(op.status != "COMPLETED" for op in self.operations.values()):
            return refused("A bulk query operation for this app and shop is already in progress.")
        filters = _filters(bulk)
        if re.search(r"\borders\s*[({]", bulk) and "transactions" in bulk:
            kind, lines = "orders", self._order_lines(filters)
        elif "shopifyPaymentsAccount" in bulk and "balanceTransactions" in bulk:
            kind, lines = "balance_transactions", self._balance_lines(filters)
        else:
            return refused("Bulk queries must contain at least one connection.")
        number = 1000 + len(self.operations) + 1
        op = _Operation(
            number,
            kind,
            lines,
            _utc(datetime.now(UTC)),
            self.clock() + self.bulk_seconds,
            self.clock,
        )
        self.operations[number] = op
        return {
            "bulkOperationRunQuery": {
                "bulkOperation": {"id": op.gid, "status": op.status, "createdAt": op.created},
                "userErrors": [],
            }
        }

    def _poll(self, query: str, variables: Mapping[str, Any], base_url: str) -> dict[str, Any]:
        if "currentBulkOperation" in query:
            op = self.operations[max(self.operations)] if self.operations else None
            key = "currentBulkOperation"
        else:
            wanted = str(variables.get("id") or "")
            match = re.search(r"node\(id:\s*\"([^\"]+)\"", query)
            wanted = wanted or (match.group(1) if match else "")
            op = next((o for o in self.operations.values() if o.gid == wanted), None)
            key = "node"
        if op is None:
            return {key: None}
        op.polls += 1
        done = op.status == "COMPLETED"
        return {
            key: {
                "id": op.gid,
                "status": op.status,
                "errorCode": None,
                "createdAt": op.created,
                "objectCount": str(len(op.lines) if done else len(op.lines) // 2),
                "url": f"{base_url}{DOWNLOADS}{op.number}.jsonl" if done and op.lines else None,
                "partialDataUrl": None,
            }
        }

    def _order_lines(self, f: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
        low, high = _bounds(f.get("updated_at"), f.get("updated_at<"))
        rows = [
            o
            for o in self.data.orders
            if (low is None or o.updated_at >= low) and (high is None or o.updated_at <= high)
        ]
        rows.sort(key=lambda o: (o.updated_at, o.id))
        return [order_transactions_node(o) for o in rows]

    def _balance_lines(self, f: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
        low, high = (_day(f.get("payout_date")), _day(f.get("payout_date<")))
        return [
            balance_txn_node(t, p)
            for p in sorted(self.data.payouts, key=lambda p: (p.date, p.id))
            if (low is None or p.date >= low) and (high is None or p.date <= high)
            for t in p.transactions
        ]


def _inner(query: str) -> str:
    """The bulk query written inline in the mutation (``query: \"\"\"...\"\"\"``)."""
    match = re.search(r'"""(.*?)"""', query, re.S)
    return match.group(1) if match else ""


def _filters(bulk: str) -> dict[str, tuple[str, str]]:
    """The search filter of the bulk query's root connection: ``{field: (op, value)}``;
    an upper bound (``<=``, ``<``) is keyed ``field<``."""
    match = re.search(r'query:\s*"((?:[^"\\]|\\.)*)"', bulk)
    found: dict[str, tuple[str, str]] = {}
    for name, op, value in _FILTER.findall(match.group(1) if match else ""):
        if name in ("AND", "OR"):
            continue
        found[name + ("<" if op.startswith("<") else "")] = (op or ":", value)
    return found


def _bounds(
    low: tuple[str, str] | None, high: tuple[str, str] | None
) -> tuple[datetime | None, datetime | None]:
    def moment(bound: tuple[str, str] | None) -> datetime | None:
        if bound is None:
            return None
        value = datetime.fromisoformat(bound[1].replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    return moment(low), moment(high)


def _day(bound: tuple[str, str] | None) -> date | None:
    return date.fromisoformat(bound[1][:10]) if bound else None


def _error(message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message}
    if code:
        error["extensions"] = {"code": code}
    return {"errors": [error]}
