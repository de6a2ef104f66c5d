"""Shopify bulk operations: the sub-resources of a fetch in one export instead of a request
each.

Shopify's REST order does not embed its transactions, and a payout does not embed its
balance transactions; asking for them one order or one payout at a time spends the REST
leaky bucket (2 requests/s) on hundreds of requests a year. Shopify recommends bulk
operations of the GraphQL Admin API for exports of many objects: ``bulkOperationRunQuery``
starts the export, ``node(id:)`` says when it is ``COMPLETED``, and the result is one JSONL
file at a signed ``url``. They are not bound by the REST rate limit; the mutation and the
polls cost a few points of the separate GraphQL cost bucket (``extensions.cost``).

Two bulk queries are run (one at a time, as API versions before 2026-01 require):

- `ORDER_TRANSACTIONS`: the payments of every order updated since the fetch's lower
  bound (``Order.transactions`` is a list, so each order is one JSONL line);
- `BALANCE_TRANSACTIONS`: the Shopify Payments balance transactions of the payouts dated
  in the fetched payouts' range (one line each, ``associatedPayout`` names the payout).

The JSONL is kept as the platform sent it: its lines, verbatim, joined into one JSON array
(`jsonl_page`), so the payload file stays JSON and the importer reads it offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecomledger.clients.base import Page
from ecomledger.http import Http

__all__ = [
    "BALANCE_TRANSACTIONS",
    "ORDER_TRANSACTIONS",
    "BulkRefused",
    "jsonl_page",
    "run_bulk_query",
]

#: The payments of each order (``transactions`` is a list field: no extra connection).
ORDER_TRANSACTIONS = """{
  orders(query: "%(filter)s", sortKey: UPDATED_AT) {
    edges { node {
      id
      updatedAt
      transactions {
        id kind status gateway processedAt
        amountSet { shopMoney { amount currencyCode } }
      }
    } }
  }
}"""

#: The balance transactions of the payouts in a date range.
BALANCE_TRANSACTIONS = """{
  shopifyPaymentsAccount {
    balanceTransactions(query: "%(filter)s") {
      edges { node {
        id type test transactionDate sourceId sourceType sourceOrderTransactionId
        amount { amount currencyCode }
        fee { amount currencyCode }
        net { amount currencyCode }
        associatedOrder { id }
        associatedPayout { id status }
      } }
    }
  }
}"""

_RUN = """mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

_POLL = """query BulkOperationStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}"""

#: Seconds before each poll: the first at once (a small export may be done already), then
#: longer and longer, up to a poll every 15 s.
POLL_DELAYS = (0.0, 1.0, 2.0, 4.0, 8.0, 15.0)
#: Give up on an export still running after this many seconds (Shopify allows 10 days;
#: a fetch that waits that long is better run again later).
MAX_WAIT = 3600.0


class BulkRefused(Exception):
    """Shopify did not start the bulk operation (``userErrors``: a missing scope, another
    export of this app still running). The client then asks the REST API instead."""


def run_bulk_query(http: Http, graphql_url: str, headers: Mapping[str, str], query: str) -> Page:
    """Run one bulk query to completion and return its result as one `Page`.

    Raises:
        BulkRefused: the mutation answered ``userErrors``.
        FetchError: the operation failed, expired or was cancelled, or ran too long.
    """
    started = _graphql(http, graphql_url, headers, _RUN, {"query": query})
    run = (started.get("data") or {}).get("bulkOperationRunQuery") or {}
    if run.get("userErrors") or not run.get("bulkOperation"):
        messages = "; ".join(str(e.get("message")) for e in run.get("userErrors") or [])
        raise BulkRefused(messages or "no bulk operation was started")
    gid = str(run["bulkOperation"]["id"])
    waited = 0.0
    for attempt in range(10_000):
        delay = POLL_DELAYS[min(attempt, len(POLL_DELAYS) - 1)]
        if waited + delay > MAX_WAIT:
            break
        if delay:
            http.pause(delay)
            waited += delay
        status = _graphql(http, graphql_url, headers, _POLL, {"id": gid})
        node = (status.get("data") or {}).get("node") or {}
        state = str(node.get("status") or "")
        if state == "COMPLETED":
            url = node.get("url")
            return jsonl_page(http, str(url)) if url else Page("[]", [])
        if state in ("FAILED", "CANCELED", "CANCELLED", "EXPIRED"):
            raise http.error(
                "POST",
                graphql_url,
                f"reported the bulk export {gid} {state} ({node.get('errorCode') or 'no code'})",
                "nothing was saved; run the fetch again later",
            )
    raise http.error(
        "POST",
        graphql_url,
        f"was still running the bulk export {gid} after {waited:g}s",
        "nothing was saved; run the fetch again later",
    )


def jsonl_page(http: Http, url: str) -> Page:
    """The JSONL result at ``url`` as one `Page`: its lines verbatim, joined into a JSON
    array, read as every API answer is (a garbled export is one sentence, nothing saved)."""
    text = _download(http, url)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = "[" + ",".join(lines) + "]"
    return Page(joined, http.decode_json("GET", url, joined))


def _graphql(
    http: Http, url: str, headers: Mapping[str, str], query: str, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """POST one GraphQL request, waiting out Shopify's cost throttle (HTTP 200 with a
    ``THROTTLED`` error, the points missing restoring at ``restoreRate`` a second)."""
    for _ in range(20):
        resp = http.post(
            url, json_body={"query": query, "variables": dict(variables)}, headers=headers
        )
        body = resp.data if isinstance(resp.data, dict) else {}
        errors = body.get("errors") or []
        if not errors:
            return body
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            cost = (body.get("extensions") or {}).get("cost") or {}
            status = cost.get("throttleStatus") or {}
            missing = float(cost.get("requestedQueryCost", 1)) - float(
                status.get("currentlyAvailable", 0)
            )
            http.pause(max(missing, 1.0) / float(status.get("restoreRate") or 50.0))
            continue
        message = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))
        raise http.error(
            "POST", url, f"answered GraphQL errors ({message})", "check the API scopes"
        )
    raise http.error(
        "POST", url, "kept answering THROTTLED", "wait a few minutes and run the fetch again"
    )


def _download(http: Http, url: str) -> str:
    """GET the JSONL result (a signed URL: no access token), retrying transient failures
    with the shared retry budget; the text is kept as is (one JSON value a line)."""
    return http.get(url, headers={"Accept": "application/jsonl, */*"}, parse_json=False).text
