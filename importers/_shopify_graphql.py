"""The GraphQL bulk exports a Shopify fetch saves beside the REST pages, read as REST objects.

``ecomledger fetch`` keeps each bulk operation's JSONL (`ecomledger.clients.shopify_bulk`)
under the envelope's ``related``: ``bulk_transactions`` (orders with their payments) on
the orders file, ``bulk_balance_transactions`` on the payouts file, each ``{"all": [[line,
...]]}``. The importer books from the REST field names, so each line is given the REST
shape of the same object here; nothing else differs, and a file fetched before bulk
operations (REST sub-resources only) imports exactly as it always did.

GraphQL spells things differently: global ids (``gid://shopify/Order/42``, whose last part
is the REST id), upper-case enums (``SALE``, ``SUCCESS``, ``CHARGE``, ``PAID``) and money as
``{"amount": "12.90", "currencyCode": "EUR"}`` (``amountSet.shopMoney`` on an order
transaction). A nested connection's node would be a line of its own with ``__parentId``;
neither query has one, and such lines are skipped.
"""

from __future__ import annotations

from typing import Any

from ecomledger.importers._payload import related_of

__all__ = ["balance_transactions", "order_payments"]


def _tail(gid: Any) -> str:
    return str(gid or "").rsplit("/", 1)[-1]


def _lines(document: Any, name: str) -> list[dict[str, Any]]:
    """The JSONL lines saved under ``related[name]``, top-level objects only."""
    lines: list[dict[str, Any]] = []
    for bodies in related_of(document).get(name, {}).values():
        for body in bodies or []:
            if isinstance(body, list):
                lines.extend(x for x in body if isinstance(x, dict) and "__parentId" not in x)
    return lines


def _amount(money: Any) -> Any:
    return money.get("amount") if isinstance(money, dict) else money


def order_payments(document: Any) -> dict[str, list[dict[str, Any]]]:
    """The transactions of each order in the bulk export, by REST order id, REST-shaped
    (``id``, ``order_id``, ``kind``, ``status``, ``gateway``, ``amount``)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in _lines(document, "bulk_transactions"):
        order_id = _tail(line.get("id"))
        found[order_id] = [
            {
                "id": int(_tail(t.get("id"))) if _tail(t.get("id")).isdigit() else t.get("id"),
                "order_id": int(order_id) if order_id.isdigit() else order_id,
                "kind": str(t.get("kind") or "").lower(),
                "status": str(t.get("status") or "").lower(),
                "gateway": t.get("gateway"),
                "amount": _amount((t.get("amountSet") or {}).get("shopMoney")),
                "processed_at": t.get("processedAt"),
            }
            for t in line.get("transactions") or []
            if isinstance(t, dict)
        ]
    return found


def balance_transactions(document: Any) -> list[dict[str, Any]]:
    """The balance transactions of the bulk export, REST-shaped (``id``, ``type``,
    ``amount``, ``fee``, ``net``, ``payout_id``, ``payout_status``, ``source_order_id``)."""
    found = []
    for line in _lines(document, "bulk_balance_transactions"):
        payout = line.get("associatedPayout") or {}
        order = line.get("associatedOrder") or {}
        found.append(
            {
                "id": _tail(line.get("id")),
                "type": str(line.get("type") or "").lower(),
                "test": line.get("test"),
                "payout_id": _tail(payout.get("id")) or None,
                "payout_status": str(payout.get("status") or "").lower(),
                "currency": (line.get("amount") or {}).get("currencyCode"),
                "amount": _amount(line.get("amount")),
                "fee": _amount(line.get("fee")),
                "net": _amount(line.get("net")),
                "source_id": line.get("sourceId"),
                "source_type": str(line.get("sourceType") or "").lower(),
                "source_order_id": _tail(order.get("id")) or None,
                "source_order_transaction_id": line.get("sourceOrderTransactionId"),
                "processed_at": line.get("transactionDate"),
            }
        )
    return found
