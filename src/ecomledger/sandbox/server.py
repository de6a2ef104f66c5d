"""A deterministic sandbox shop server on 127.0.0.1, speaking every platform's dialect.

Why a real server and not mocks: the clients' hard parts are on the wire (Link headers,
page cursors, 429 with fractional ``Retry-After``, a body cut short, a connection dropped
mid-fetch). Tests run the real httpx stack against this server over loopback, and
``ecomledger sandbox`` runs the same server for demos.

It serves, at each platform's real paths and with its real pagination and filters (the
refund resources render the dataset's own refunds, so they always agree with the orders):

=============  ==========================================================================
Shopify        ``/admin/api/2025-01/orders.json``, ``orders/<id>/transactions.json``,
               ``shopify_payments/payouts.json``,
               ``shopify_payments/balance/transactions.json`` (Link ``page_info``,
               leaky-bucket throttle with ``X-Shopify-Shop-Api-Call-Limit`` and 429);
               ``graphql.json`` bulk operations and their JSONL at ``/shopify-bulk/``
               (`ecomledger.sandbox.shopify_graphql`, GraphQL cost throttle)
WooCommerce    ``/wp-json/wc/v3/orders`` and ``orders/<id>/refunds`` (page/per_page,
               ``X-WP-Total(Pages)``)
PrestaShop     ``/api/orders`` (``limit=offset,count``, ``filter[date_upd]``, ``filter[id]``),
               ``/api/order_slip`` (``filter[date_add]``, ``filter[id_order]``),
               ``/api/addresses`` and ``/api/order_details`` (``filter[id]=[1|2]``),
               ``/api/countries`` (``display``)
Magento        ``/rest/V1/orders`` and ``/rest/V1/creditmemos`` (``searchCriteria`` on
               ``updated_at``/``created_at``, ``in`` on ``entity_id``/``order_id``,
               ``total_count``)
BigCommerce    ``/stores/<hash>/v2/orders`` (``include=consignments.line_items``:
               `ecomledger.sandbox.bigcommerce`) and ``/orders/<id>/products|
               shipping_addresses|coupons`` (page/limit, 204 when empty, quota headers)
Square         ``/v2/locations``, ``POST /v2/orders/search`` (cursor in body)
Wix            ``POST /ecom/v1/orders/search`` (``cursorPaging``)
Stripe         ``/v1/balance_transactions``, ``/v1/payouts`` (``starting_after``)
Qonto          ``/v2/transactions`` (page/per_page, ``meta``): `ecomledger.sandbox.qonto`
Revolut Bus.   ``/api/1.0/transactions`` (``from``, ``to``): `ecomledger.sandbox.revolut`
GoCardless     ``/api/v2/token/new/``, ``/api/v2/accounts/<id>/transactions/``:
               `ecomledger.sandbox.gocardless` (the banks: one module per dialect)
=============  ==========================================================================

Faults (`Faults`) are switchable at construction and at run time: a storm of 429s, a run
of 500/503s, slow answers, truncated JSON, a page served twice, a connection closed
without an answer. ``after`` lets the first requests through so a fault can hit mid-fetch.
"""

from __future__ import annotations

import base64
import json
import operator
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import ecomledger.sandbox.bigcommerce as bigcommerce
import ecomledger.sandbox.gocardless as gocardless
import ecomledger.sandbox.qonto as qonto
import ecomledger.sandbox.revolut as revolut
import ecomledger.sandbox.shopify_graphql as shopify_graphql
from ecomledger.sandbox import dialects
from ecomledger.sandbox.data import Dataset, Order, generate

__all__ = [
    "LOCATION_ID",
    "SITE_ID",
    "SQUARE_VERSION",
    "STORE_HASH",
    "TOKEN",
    "WOO_KEY",
    "WOO_SECRET",
    "Faults",
    "SandboxServer",
    "serve",
]

#: The one token every bearer/header-token platform accepts (also PrestaShop's ws_key).
TOKEN = "sandbox-token"
WOO_KEY = "ck_sandbox"
WOO_SECRET = "cs_sandbox"
STORE_HASH = "sbx42"
LOCATION_ID = "LSANDBOX01"
SITE_ID = "sandbox-site"
SQUARE_VERSION = "2025-01-23"

_PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Faults:
    """Faults to inject; each counter is consumed as requests hit it.

    Attributes:
        rate_limit: the next N requests answer 429 with ``Retry-After: retry_after``.
        retry_after: the ``Retry-After`` value sent with those 429s (may be fractional).
        server_error: the next N requests answer ``server_error_status``.
        server_error_status: 500 or 503 (or any 5xx).
        slow: the next N requests wait ``slow_seconds`` before answering.
        slow_seconds: the delay (set it above the client's timeout to force a timeout).
        truncate: the next N successful responses have their JSON body cut in half.
        disconnect: the next N requests get the connection closed without an answer.
        repeat_page: the Nth list request (counted from when the faults were set, N >= 2)
            is answered with the previous list response again, headers and cursor included.
        after: let this many requests through untouched before any fault applies.
    """

    rate_limit: int = 0
    retry_after: str = "0.5"
    server_error: int = 0
    server_error_status: int = 503
    slow: int = 0
    slow_seconds: float = 2.0
    truncate: int = 0
    disconnect: int = 0
    repeat_page: int = 0
    after: int = 0

    @classmethod
    def parse(cls, specs: list[str]) -> Faults:
        """Faults from ``NAME=VALUE`` settings (``rate_limit=3``, ``retry_after=1.5``), as
        ``ecomledger sandbox --fault`` takes them; ``NAME`` alone means ``NAME=1``.

        Raises:
            ValueError: one sentence naming the setting and what is expected.
        """
        known = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for spec in specs:
            name, _, text = spec.partition("=")
            name = name.strip().replace("-", "_")
            if name not in known:
                raise ValueError(
                    f"--fault {spec!r}: no fault is named {name!r}; known: {', '.join(known)}"
                )
            kind = {"int": int, "float": float}.get(str(known[name]), str)
            try:
                value = kind((text or "1").strip())
            except ValueError:
                what = {int: "a whole number", float: "a number"}.get(kind, "text")
                raise ValueError(f"--fault {spec!r}: {name} takes {what}, e.g. {name}=2") from None
            if isinstance(value, int | float) and value < 0:
                raise ValueError(f"--fault {spec!r}: {name} cannot be negative")
            values[name] = value
        return cls(**values)


@dataclass
class _Reply:
    status: int
    body: Any = None  # JSON-able value, or a str already serialised, or None (no body)
    headers: dict[str, str] = field(default_factory=dict)
    listing: bool = False
    content_type: str = "application/json; charset=utf-8"

    def text(self) -> str:
        if self.body is None:
            return ""
        if isinstance(self.body, str):
            return self.body
        return dialects.dumps(self.body)


class _ClientError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _encode(state: Mapping[str, Any]) -> str:
    raw = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
    except ValueError as exc:
        raise _ClientError(400, {"errors": "Invalid page_info or cursor."}) from exc
    if not isinstance(state, dict):
        raise _ClientError(400, {"errors": "Invalid page_info or cursor."})
    return state


def _parse_time(value: str, *, naive_tz: ZoneInfo | None = None) -> datetime:
    """ISO 8601 (``Z``, offset or naive), ``YYYY-MM-DD HH:MM:SS`` or RFC 2822."""
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError) as exc:
            raise _ClientError(400, {"error": f"Invalid date: {value!r}"}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz or UTC)
    return moment.astimezone(UTC)


class _Bucket:
    """Shopify's leaky bucket: ``capacity`` calls, draining ``leak_rate`` per second."""

    def __init__(self, capacity: int, leak_rate: float, clock: Callable[[], float]) -> None:
        self.capacity = capacity
        self.leak_rate = leak_rate
        self.clock = clock
        self.level = 0.0
        self.last = clock()
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, float, str]:
        """(allowed, retry_after seconds, call-limit header value)."""
        with self.lock:
            now = self.clock()
            self.level = max(0.0, self.level - (now - self.last) * self.leak_rate)
            self.last = now
            if self.level + 1 > self.capacity:
                wait = (self.level + 1 - self.capacity) / self.leak_rate
                return False, wait, f"{self.capacity}/{self.capacity}"
            self.level += 1
            used = min(self.capacity, int(self.level + 0.999))
            return True, 0.0, f"{used}/{self.capacity}"


#: Where each throttled platform's API lives (Shopify has its own bucket: ``_Bucket``).
_THROTTLED_PATHS = {
    "woocommerce": "/wp-json/",
    "prestashop": "/api/",
    "magento": "/rest/",
    "bigcommerce": "/stores/",
    "square": "/v2/",
    "wix": "/ecom/v1/",
    "stripe": "/v1/",
}


class SandboxServer:
    """The sandbox, run in a background thread; use it as a context manager.

    Args:
        seed: drives every random draw; the same seed serves the same shop history.
        faults: faults active from the start (`set_faults` changes them at run time).
        orders: how many orders to generate.
        settled, oss_opt_in, payout_events: passed to
            :func:`~ecomledger.sandbox.data.generate`.
        host, port: where to listen (port 0: an ephemeral port).
        clock: monotonic clock for the Shopify bucket; tests share a fake one with the
            client's sleep so throttling is exercised without real waiting.
        bucket_capacity, leak_rate: Shopify's call limit (40 calls, 2 per second).
        throttles: other platforms' published rate limits, ``{platform: (burst, per
            second)}``; over it a request answers 429 with ``Retry-After``. BigCommerce's
            (``{"bigcommerce": (150, 5.0)}``) is a fixed window of 150 requests per 30 s
            whose ``X-Rate-Limit-*`` headers every answer carries. Default: none.
    """

    def __init__(
        self,
        seed: int = 1,
        faults: Faults | None = None,
        *,
        orders: int = 120,
        settled: bool = False,
        oss_opt_in: bool = True,
        payout_events: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        bucket_capacity: int = 40,
        leak_rate: float = 2.0,
        throttles: Mapping[str, tuple[int, float]] | None = None,
    ) -> None:
        self.seed = seed
        self.data: Dataset = generate(
            seed, orders, settled=settled, oss_opt_in=oss_opt_in, payout_events=payout_events
        )
        self.host = host
        self.port = port
        self.bucket = _Bucket(bucket_capacity, leak_rate, clock)
        self.graphql = shopify_graphql.GraphqlAdmin(self.data, clock)  # Shopify bulk ops
        self.throttles = {
            _THROTTLED_PATHS[name]: _Bucket(burst, rate, clock)
            for name, (burst, rate) in (throttles or {}).items()
            if name != "bigcommerce"  # a fixed window with its own headers: QuotaWindow
        }
        bc_quota = (throttles or {}).get("bigcommerce")
        self.bigcommerce_quota = (
            bigcommerce.QuotaWindow(bc_quota[0], bc_quota[0] / bc_quota[1], clock)
            if bc_quota
            else None
        )
        self.log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._seen = 0
        self._listings = 0
        self._last_listing: dict[str, _Reply] = {}
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._cache: dict[str, Any] = {}

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, with the actual port once started."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread."""
        self._httpd = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="ecomledger-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (slow answers in flight are cut short)."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ---------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The faults still pending."""
        with self._lock:
            return self._faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self.set_faults(value)

    def set_faults(self, faults: Faults | None = None, **changes: Any) -> None:
        """Replace the faults (or change some fields) and restart their counters."""
        with self._lock:
            base = faults if faults is not None else Faults()
            self._faults = replace(base, **changes)
            self._seen = 0
            self._listings = 0

    def _take(self, name: str) -> bool:
        """Consume one unit of fault ``name`` if it is due (the lock is held)."""
        if self._seen <= self._faults.after:
            return False
        count = getattr(self._faults, name)
        if count > 0:
            self._faults = replace(self._faults, **{name: count - 1})
            return True
        return False

    # -- dispatch -------------------------------------------------------------------------

    def respond(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[str, _Reply | None, float]:
        """Decide the answer to one request: (action, reply, delay before answering).

        ``action`` is ``"reply"``, ``"truncate"`` or ``"disconnect"``.
        """
        parts = urlsplit(target)
        with self._lock:
            self._seen += 1
            if self._take("disconnect"):
                return "disconnect", None, 0.0
            if self._take("rate_limit"):
                reply = _Reply(
                    429,
                    {
                        "errors": "Exceeded 2 calls per second for api client. "
                        "Reduce request rates to resume uninterrupted service."
                    },
                    {"Retry-After": self._faults.retry_after},
                )
                return "reply", reply, 0.0
            if self._take("server_error"):
                status = self._faults.server_error_status
                return "reply", _Reply(status, {"errors": HTTPStatus(status).phrase}), 0.0
            delay = self._faults.slow_seconds if self._take("slow") else 0.0
        throttled = self._throttled(parts.path)
        if throttled is not None:
            return "reply", throttled, delay
        try:
            reply = self._route(method, parts.path, parse_qs(parts.query), headers, body)
        except _ClientError as exc:
            reply = _Reply(exc.status, exc.body)
        action = "reply"
        with self._lock:
            if reply.listing and reply.status == 200:
                self._listings += 1
                previous = self._last_listing.get(parts.path)
                if (
                    self._faults.repeat_page
                    and self._listings == self._faults.repeat_page
                    and previous is not None
                ):
                    self._faults = replace(self._faults, repeat_page=0)
                    reply = previous
                self._last_listing[parts.path] = reply
            if reply.status < 300 and reply.body is not None and self._take("truncate"):
                action = "truncate"
        return action, reply, delay

    def _throttled(self, path: str) -> _Reply | None:
        """The 429 of a platform over its published rate (``throttles``), else None."""
        for prefix, bucket in self.throttles.items():
            if path.startswith(prefix):
                allowed, wait, _ = bucket.take()
                if allowed:
                    return None
                body = {"errors": "Too many requests; retry after the delay given."}
                return _Reply(429, body, {"Retry-After": f"{wait:.3f}"})
        return None

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> _Reply:
        q = {k: v[0] for k, v in query.items()}
        if path.startswith(shopify_graphql.DOWNLOADS) or (
            path.startswith("/admin/api/") and path.endswith("/graphql.json")
        ):
            return self._shopify_graphql(method, path, headers, body)
        if path.startswith("/admin/api/"):
            return self._shopify(method, path, q, headers)
        if path.startswith("/wp-json/wc/v3/"):
            return self._woo(method, path, q, headers)
        if path.rstrip("/") == "/v2/transactions":  # banks: before PrestaShop's and Square's
            return self._bank(*qonto.handle(self.data, TOKEN, method, path, q, headers))
        if path.startswith("/api/1.0/"):
            return self._bank(*revolut.handle(self.data, TOKEN, method, path, q, headers))
        if path.startswith("/api/v2/"):
            return self._bank(*gocardless.handle(self.data, TOKEN, method, path, q, headers, body))
        if path.startswith("/api/"):
            return self._presta(method, path, q, headers)
        if path.startswith("/rest/V1/"):
            return self._magento(method, path, q, headers)
        if path.startswith("/stores/"):
            return self._bigcommerce(method, path, q, headers)
        if path.startswith("/v2/"):
            return self._square(method, path, headers, body)
        if path.startswith("/ecom/v1/"):
            return self._wix(method, path, headers, body)
        if path.startswith("/v1/"):
            return self._stripe(method, path, q, headers)
        raise _ClientError(404, {"errors": "Not Found"})

    @staticmethod
    def _bank(status: int, body: Any, headers: dict[str, str]) -> _Reply:
        """A bank dialect's answer (:mod:`ecomledger.sandbox.bank_api`) as a reply."""
        return _Reply(status, body, headers, listing=status == 200)

    def _render(self, key: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build()
            return self._cache[key]

    def _orders_by(
        self, attr: str, since: datetime | None, until: datetime | None, descending: bool = False
    ) -> list[Order]:
        rows = [
            o
            for o in self.data.orders
            if (since is None or getattr(o, attr) >= since)
            and (until is None or getattr(o, attr) <= until)
        ]
        rows.sort(key=lambda o: (getattr(o, attr), o.id), reverse=descending)
        return rows

    # -- Shopify --------------------------------------------------------------------------

    def _shopify(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        if headers.get("x-shopify-access-token") != TOKEN:
            raise _ClientError(
                401,
                {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
            )
        allowed, wait, level = self.bucket.take()
        if not allowed:
            return _Reply(
                429,
                {"errors": "Exceeded 2 calls per second for api client."},
                {"Retry-After": f"{wait:.2f}", "X-Shopify-Shop-Api-Call-Limit": level},
            )
        m = re.fullmatch(r"/admin/api/(\d{4}-\d{2})/(.+)\.json", path)
        if method != "GET" or m is None:
            raise _ClientError(404, {"errors": "Not Found"})
        resource = m.group(2)
        reply_headers = {
            "X-Shopify-Shop-Api-Call-Limit": level,
            "X-Shopify-API-Version": m.group(1),
        }
        sub = re.fullmatch(r"orders/(\d+)/transactions", resource)
        if sub is not None:
            return _Reply(200, self._shopify_order_txns(int(sub.group(1))), reply_headers)
        limit = int(q.get("limit", "50"))
        if not 1 <= limit <= 250:
            raise _ClientError(400, {"errors": {"limit": "must be between 1 and 250"}})
        if "page_info" in q:
            extra = sorted(set(q) - {"page_info", "limit", "fields"})
            if extra:
                raise _ClientError(
                    400,
                    {
                        "errors": {
                            "page_info": [f"{extra[0]} cannot be passed when page_info is present"]
                        }
                    },
                )
            state = _decode(q["page_info"])
            filters, offset = dict(state["f"]), int(state["o"])
        else:
            filters, offset = {k: v for k, v in q.items() if k != "limit"}, 0
        if resource == "orders":
            items = self._shopify_orders(filters)
            key = "orders"
        elif resource == "shopify_payments/payouts":
            items = self._shopify_payouts(filters)
            key = "payouts"
        elif resource == "shopify_payments/balance/transactions":
            items = self._shopify_txns(filters)
            key = "transactions"
        else:
            raise _ClientError(404, {"errors": "Not Found"})
        page = items[offset : offset + limit]
        links = []
        base = f"{self.url}{path}"
        if offset > 0:
            prev = _encode({"f": filters, "o": max(0, offset - limit)})
            links.append(
                f'<{base}?{urlencode({"limit": limit, "page_info": prev})}>; rel="previous"'
            )
        if offset + limit < len(items):
            nxt = _encode({"f": filters, "o": offset + limit})
            links.append(f'<{base}?{urlencode({"limit": limit, "page_info": nxt})}>; rel="next"')
        if links:
            reply_headers["Link"] = ", ".join(links)
        return _Reply(200, {key: page}, reply_headers, listing=True)

    def _shopify_orders(self, f: Mapping[str, str]) -> list[dict[str, Any]]:
        """The orders one set of filters lists, built once: every page of a fetch carries
        the same filters (in ``page_info``), and sorting the whole shop again for each
        page made the sandbox, not the rate limit, the bottleneck of large fetches."""
        key = "shopify-rows:" + json.dumps(sorted(f.items()))
        with self._lock:
            rows = self._cache.get(key)
        if rows is None:
            rows = self._shopify_order_rows(f)
            with self._lock:
                self._cache[key] = rows
        return list(rows)

    def _shopify_order_rows(self, f: Mapping[str, str]) -> list[dict[str, Any]]:
        since = _parse_time(f["updated_at_min"]) if "updated_at_min" in f else None
        until = _parse_time(f["updated_at_max"]) if "updated_at_max" in f else None
        order = f.get("order", "created_at desc").split()
        attr = {
            "updated_at": "updated_at",
            "created_at": "created_at",
            "processed_at": "created_at",
        }.get(order[0], "created_at")
        rows = self._orders_by("updated_at", since, until)
        if "created_at_min" in f:
            rows = [o for o in rows if o.created_at >= _parse_time(f["created_at_min"])]
        status = f.get("status", "open")
        if status == "open":
            rows = [o for o in rows if o.cancelled_at is None]
        elif status == "cancelled":
            rows = [o for o in rows if o.cancelled_at is not None]
        rows.sort(
            key=lambda o: (getattr(o, attr), o.id),
            reverse=len(order) > 1 and order[1].lower() == "desc",
        )
        rendered = self._render(
            "shopify-orders", lambda: {o.id: dialects.shopify_order(o) for o in self.data.orders}
        )
        return [rendered[o.id] for o in rows]

    def _shopify_order_txns(self, order_id: int) -> dict[str, Any]:
        """``orders/<id>/transactions.json``: one body, not paginated, as Shopify sends it.

        The orders list does not embed transactions, so this is the only place a client
        learns how much of an order a gift card paid.
        """
        order = next((o for o in self.data.orders if o.id == order_id), None)
        if order is None:
            raise _ClientError(404, {"errors": "Not Found"})
        return dialects.shopify_order_transactions(order)

    def _shopify_payouts(self, f: Mapping[str, str]) -> list[dict[str, Any]]:
        low = date.fromisoformat(f["date_min"]) if "date_min" in f else None
        high = date.fromisoformat(f["date_max"]) if "date_max" in f else None
        rows = [
            p
            for p in self.data.payouts
            if (low is None or p.date >= low)
            and (high is None or p.date <= high)
            and f.get("status", p.status) == p.status
        ]
        rows.sort(key=lambda p: (p.date, p.id), reverse=True)
        return [dialects.shopify_payout(p) for p in rows]

    def _shopify_txns(self, f: Mapping[str, str]) -> list[dict[str, Any]]:
        wanted = f.get("payout_id")
        return [
            dialects.shopify_balance_txn(t, p)
            for p in self.data.payouts
            if wanted is None or str(p.id) == wanted
            for t in p.transactions
        ]

    def _shopify_graphql(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> _Reply:
        """The GraphQL endpoint's bulk operations and their JSONL results
        (:mod:`ecomledger.sandbox.shopify_graphql`); a result URL is signed: no token."""
        if path.startswith(shopify_graphql.DOWNLOADS):
            status, text = self.graphql.download(path)
            if text is None:
                raise _ClientError(404, {"errors": "Not Found"})
            return _Reply(status, text, content_type="application/jsonl")
        if headers.get("x-shopify-access-token") != TOKEN:
            raise _ClientError(
                401,
                {
                    "errors": "[API] Invalid API key or access token "
                    "(unrecognized login or wrong password)"
                },
            )
        status, reply, extra = self.graphql.handle(method, body, self.url)
        return _Reply(status, reply, extra)

    # -- WooCommerce ----------------------------------------------------------------------

    def _woo(self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]) -> _Reply:
        if _basic(headers) != (WOO_KEY, WOO_SECRET) and (
            q.get("consumer_key"),
            q.get("consumer_secret"),
        ) != (WOO_KEY, WOO_SECRET):
            raise _ClientError(
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
            )
        sub = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)/refunds/?", path)
        if method == "GET" and sub is not None:
            return self._woo_refunds(int(sub.group(1)), path, q)
        if method != "GET" or path.rstrip("/") != "/wp-json/wc/v3/orders":
            raise _ClientError(404, _WOO_NO_ROUTE)
        per_page, page = _woo_paging(q)
        tz = None if q.get("dates_are_gmt") == "true" else _PARIS
        since = _parse_time(q["modified_after"], naive_tz=tz) if "modified_after" in q else None
        until = _parse_time(q["modified_before"], naive_tz=tz) if "modified_before" in q else None
        orderby = {"modified": "updated_at", "date": "created_at", "id": "id"}.get(
            q.get("orderby", "date"), "created_at"
        )
        rows = self._orders_by("updated_at", since, until)
        rows.sort(
            key=lambda o: (getattr(o, orderby), o.id), reverse=q.get("order", "desc") == "desc"
        )
        status = q.get("status", "any")
        rendered = self._render(
            "woo", lambda: {o.id: dialects.woo_order(o) for o in self.data.orders}
        )
        items = [rendered[o.id] for o in rows]
        if status not in ("any", ""):
            wanted = set(status.split(","))
            items = [i for i in items if i["status"] in wanted]
        return self._woo_page(items, path, q, per_page, page)

    def _woo_page(
        self, items: list[dict[str, Any]], path: str, q: dict[str, str], per_page: int, page: int
    ) -> _Reply:
        """One page of a WooCommerce list, with ``X-WP-Total(Pages)`` and ``Link``; a page
        past the last is the 400 WooCommerce answers."""
        total = len(items)
        pages = max(1, -(-total // per_page)) if total else 0
        if total and page > pages:
            raise _ClientError(
                400,
                {
                    "code": "woocommerce_rest_invalid_page_number",
                    "message": "The page number requested is larger than "
                    "the number of pages available.",
                    "data": {"status": 400},
                },
            )
        chunk = items[(page - 1) * per_page : page * per_page]
        base = f"{self.url}{path}"
        links = []
        keep = {k: v for k, v in q.items() if k not in ("page", "consumer_key", "consumer_secret")}
        if page < pages:
            links.append(f'<{base}?{urlencode({**keep, "page": page + 1})}>; rel="next"')
        if page > 1:
            links.append(f'<{base}?{urlencode({**keep, "page": page - 1})}>; rel="prev"')
        hdrs = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            hdrs["Link"] = ", ".join(links)
        return _Reply(200, chunk, hdrs, listing=True)

    def _woo_refunds(self, order_id: int, path: str, q: dict[str, str]) -> _Reply:
        """``/orders/<id>/refunds``: the order's refunds in full, newest first (WooCommerce's
        default order), paged like every WooCommerce list; an unknown order is a 404."""
        order = next((o for o in self.data.orders if o.id % 10_000_000 == order_id), None)
        if order is None:
            raise _ClientError(
                404,
                {
                    "code": "woocommerce_rest_shop_order_invalid_id",
                    "message": "Invalid order ID.",
                    "data": {"status": 404},
                },
            )
        per_page, page = _woo_paging(q)
        refunds = sorted(order.refunds, key=lambda r: (r.created_at, r.id))
        if q.get("order", "desc") == "desc":
            refunds.reverse()
        rendered = self._render(
            f"woo-refunds-{order.id}",
            lambda: {dialects.woo_refund_id(r): dialects.woo_refund(order, r) for r in refunds},
        )
        items = [rendered[dialects.woo_refund_id(r)] for r in refunds]
        return self._woo_page(items, path, q, per_page, page)

    # -- PrestaShop -----------------------------------------------------------------------

    def _presta(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        creds = _basic(headers)
        if (creds is None or creds[0] != TOKEN) and q.get("ws_key") != TOKEN:
            reply = _Reply(
                401,
                "",
                {
                    "WWW-Authenticate": 'Basic realm="Welcome to PrestaShop '
                    "Webservice, please enter the authentication key as the "
                    'login. No password required."'
                },
            )
            reply.content_type = "text/plain"
            return reply
        resource = path.rstrip("/").removeprefix("/api/")
        if method != "GET" or resource not in _PRESTA_RESOURCES:
            raise _ClientError(404, {"errors": [{"code": 22, "message": "Resource not found"}]})
        if q.get("output_format") != "JSON":
            return _Reply(
                200,
                '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop/>\n',
                content_type="text/xml; charset=utf-8",
            )
        if resource == "addresses":
            return self._presta_addresses(q)
        if resource == "countries":
            countries = [dialects.presta_country(code) for code in dialects.PRESTA_COUNTRY_IDS]
            return _presta_list("countries", countries, q)
        if resource == "order_details":
            return self._presta_order_details(q)
        if resource == "order_slip":
            return self._presta_slips(q)
        since, until = _presta_window(q, "date_upd")
        rows = self._orders_by("updated_at", since, until)
        if "filter[id]" in q:
            wanted = _presta_ids(q["filter[id]"])
            rows = [o for o in rows if o.id % 100_000 in wanted]
        sort = q.get("sort", "[id_ASC]").strip("[]")
        if sort.startswith("id_"):
            rows.sort(key=lambda o: o.id % 100_000, reverse=sort.endswith("DESC"))
        elif sort.endswith("DESC"):
            rows.reverse()
        chunk = _presta_limit(rows, q)
        if not chunk:
            return _Reply(200, [], listing=True)  # PrestaShop's empty answer is a bare []
        if q.get("display") == "full":
            rendered = self._render(
                "presta", lambda: {o.id: dialects.presta_order(o) for o in self.data.orders}
            )
            return _Reply(200, {"orders": [rendered[o.id] for o in chunk]}, listing=True)
        return _Reply(200, {"orders": [{"id": o.id % 100_000} for o in chunk]}, listing=True)

    def _presta_slips(self, q: dict[str, str]) -> _Reply:
        """``/api/order_slip``: credit slips filtered on ``date_add`` (shop-local, with
        ``date=1``) or ``id_order``, sorted, paged by ``limit=offset,count`` like orders."""
        since, until = _presta_window(q, "date_add")
        slips = sorted(
            (
                (refund, order)
                for order in self.data.orders
                for refund in order.refunds
                if (since is None or refund.created_at >= since)
                and (until is None or refund.created_at <= until)
            ),
            key=lambda pair: (pair[0].created_at, dialects.presta_slip_id(pair[0])),
        )
        if "filter[id_order]" in q:
            wanted = _presta_ids(q["filter[id_order]"])
            slips = [(r, o) for r, o in slips if o.id % 100_000 in wanted]
        sort = q.get("sort", "[id_ASC]").strip("[]")
        if sort.startswith("id_"):
            slips.sort(key=lambda pair: dialects.presta_slip_id(pair[0]))
        if sort.endswith("DESC"):
            slips.reverse()
        chunk = _presta_limit(slips, q)
        if not chunk:
            return _Reply(200, [], listing=True)
        rendered = self._render(
            "presta-slips",
            lambda: {
                r.id: dialects.presta_order_slip(o, r) for o in self.data.orders for r in o.refunds
            },
        )
        rows = [rendered[r.id] for r, _ in chunk]
        if q.get("display") != "full":
            rows = [{"id": row["id"]} for row in rows]
        return _Reply(200, {"order_slips": rows}, listing=True)

    def _presta_order_details(self, q: dict[str, str]) -> _Reply:
        """``/api/order_details``: order rows selected by ``filter[id]=[1|2|3]``."""
        details = self._render(
            "presta-details",
            lambda: {
                dialects.presta_row_id(li): dialects.presta_order_detail(o, li)
                for o in self.data.orders
                for li in o.lines
            },
        )
        rows = [details[i] for i in sorted(details)]
        if "filter[id]" in q:
            wanted = _presta_ids(q["filter[id]"])
            rows = [row for row in rows if row["id"] in wanted]
        return _presta_list("order_details", rows, q)

    def _presta_addresses(self, q: dict[str, str]) -> _Reply:
        """``/api/addresses``: one address per customer (their orders' delivery address),
        selected by ``filter[id]=[1|2|3]``, as the client asks for a batch of them."""
        addresses = self._render(
            "presta-addresses",
            lambda: {
                dialects.presta_address_id(c): dialects.presta_address(c)
                for c in self.data.customers
            },
        )
        rows = [addresses[i] for i in sorted(addresses)]
        if "filter[id]" in q:
            wanted = _presta_ids(q["filter[id]"])
            rows = [row for row in rows if row["id"] in wanted]
        return _presta_list("addresses", rows, q)

    # -- Magento --------------------------------------------------------------------------

    def _magento(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            raise _ClientError(
                401,
                {
                    "message": "The consumer isn't authorized to access %resources.",
                    "parameters": {"resources": "Magento_Sales::actions_view"},
                },
            )
        resource = path.rstrip("/").removeprefix("/rest/V1/")
        if method != "GET" or resource not in ("orders", "creditmemos"):
            raise _ClientError(404, {"message": "Request does not match any route."})
        groups: dict[tuple[str, str], dict[str, str]] = {}
        for key, value in q.items():
            m = re.fullmatch(
                r"searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]"
                r"\[(field|value|condition_type)\]",
                key,
            )
            if m:
                groups.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = value
        if resource == "creditmemos":
            memos = self._render(
                "magento-memos",
                lambda: [
                    (r.created_at, r.id, dialects.magento_creditmemo(o, r))
                    for o in self.data.orders
                    for r in o.refunds
                ],
            )
            rows = [
                _MagentoRow(
                    {"created_at": at, "updated_at": at, "order_id": body["order_id"]}, rid, body
                )
                for at, rid, body in memos
            ]
        else:
            rendered = self._render(
                "magento", lambda: {o.id: dialects.magento_order(o) for o in self.data.orders}
            )
            rows = [
                _MagentoRow(
                    {
                        "updated_at": o.updated_at,
                        "created_at": o.created_at,
                        "entity_id": o.id % 10_000_000,
                    },
                    o.id,
                    rendered[o.id],
                )
                for o in self._orders_by("updated_at", None, None)
            ]
        rows.sort(key=lambda row: (row.fields.get("updated_at"), row.key))
        known = rows[0].fields if rows else {}
        for flt in groups.values():
            name = flt.get("field", "")
            if name not in known:
                continue  # a field the sandbox does not filter on selects everything
            cond = flt.get("condition_type", "eq")
            value = flt.get("value", "")
            if name.endswith("_at"):
                bounds: list[Any] = [_parse_time(v) for v in value.split(",")]
            else:
                bounds = [int(v) for v in value.split(",") if v.strip()]
            if cond == "in":
                rows = [row for row in rows if row.fields[name] in bounds]
            else:
                compare = _COMPARE.get(cond, operator.eq)
                rows = [row for row in rows if compare(row.fields[name], bounds[0])]
        if q.get("searchCriteria[sortOrders][0][direction]", "ASC").upper() == "DESC":
            rows.reverse()
        total = len(rows)
        size = int(q.get("searchCriteria[pageSize]", "0")) or max(total, 1)
        current = int(q.get("searchCriteria[currentPage]", "1"))
        last = max(1, -(-total // size))
        current = min(max(current, 1), last)  # Magento's trap: past the end, the last page
        chunk = rows[(current - 1) * size : current * size]
        criteria = {
            "filter_groups": [{"filters": [f]} for f in groups.values()],
            "page_size": size,
            "current_page": current,
        }
        return _Reply(
            200,
            {
                "items": [row.body for row in chunk],
                "search_criteria": criteria,
                "total_count": total,
            },
            listing=True,
        )

    # -- BigCommerce ----------------------------------------------------------------------

    def _bigcommerce(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        """Every answer counts against the quota and says what is left of it."""
        quota: dict[str, str] = {}
        if self.bigcommerce_quota is not None:
            allowed, quota = self.bigcommerce_quota.take()
            if not allowed:
                body = [{"status": 429, "message": "Too many requests."}]
                return _Reply(429, body, quota)
        try:
            reply = self._bigcommerce_answer(method, path, q, headers)
        except _ClientError as exc:
            reply = _Reply(exc.status, exc.body)
        reply.headers.update(quota)
        return reply

    def _bigcommerce_answer(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        m = re.fullmatch(r"/stores/([^/]+)/v2/orders(?:/(\d+)/(\w+))?/?", path)
        if m is None or m.group(1) != STORE_HASH or method != "GET":
            raise _ClientError(
                404, [{"status": 404, "message": "The requested resource was not found."}]
            )
        if headers.get("x-auth-token") != TOKEN:
            raise _ClientError(401, [{"status": 401, "message": "You are not authorized."}])
        limit = int(q.get("limit", "50"))
        page = int(q.get("page", "1"))
        if not 1 <= limit <= 250:
            raise _ClientError(400, [{"status": 400, "message": "limit must be 1-250"}])
        base = f"{self.url}/stores/{STORE_HASH}"
        if m.group(2):
            order = next((o for o in self.data.orders if o.id % 1_000_000 == int(m.group(2))), None)
            if order is None:
                raise _ClientError(404, [{"status": 404, "message": "Order not found."}])
            try:
                items = dialects.bigcommerce_sub(order, m.group(3))
            except KeyError as exc:
                raise _ClientError(404, [{"status": 404, "message": "Not found."}]) from exc
            chunk = items[(page - 1) * limit : page * limit]
        else:
            try:
                wanted, as_object = bigcommerce.includes_of(q)
            except bigcommerce.QueryError as exc:
                raise _ClientError(400, [{"status": 400, "message": str(exc)}]) from exc
            since = _parse_time(q["min_date_modified"]) if "min_date_modified" in q else None
            until = _parse_time(q["max_date_modified"]) if "max_date_modified" in q else None
            sort = q.get("sort", "id:asc")
            rows = self._render(  # every page of a fetch asks the same list: sort it once
                f"bigcommerce-orders:{since}:{until}:{sort}",
                lambda: self._bigcommerce_rows(since, until, sort),
            )
            shown = rows[(page - 1) * limit : page * limit]  # render only the page asked
            chunk = [bigcommerce.list_order(o, base, wanted, as_object) for o in shown]
        if not chunk:
            return _Reply(204, None, listing=True)
        return _Reply(200, bigcommerce.encode(chunk), listing=True)

    def _bigcommerce_rows(
        self, since: datetime | None, until: datetime | None, sort: str
    ) -> list[Order]:
        """The orders modified in [since, until] in the list's ``sort`` order."""
        rows = self._orders_by("updated_at", since, until)
        attr = {"date_modified": "updated_at", "date_created": "created_at"}.get(sort.split(":")[0])
        if attr:
            rows.sort(key=lambda o: (getattr(o, attr), o.id), reverse=sort.endswith(":desc"))
        else:
            rows.sort(key=lambda o: o.id % 1_000_000, reverse=sort.endswith(":desc"))
        return rows

    # -- Square ---------------------------------------------------------------------------

    def _square(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            raise _ClientError(
                401,
                {
                    "errors": [
                        {
                            "category": "AUTHENTICATION_ERROR",
                            "code": "UNAUTHORIZED",
                            "detail": "This request could not be authorized.",
                        }
                    ]
                },
            )
        if not headers.get("square-version"):
            raise _ClientError(
                400,
                {
                    "errors": [
                        {
                            "category": "INVALID_REQUEST_ERROR",
                            "code": "INVALID_VALUE",
                            "detail": "Square-Version is required.",
                        }
                    ]
                },
            )
        if path == "/v2/locations" and method == "GET":
            return _Reply(
                200,
                {
                    "locations": [
                        {
                            "id": LOCATION_ID,
                            "name": "Sandbox Lyon",
                            "country": "FR",
                            "currency": "EUR",
                            "status": "ACTIVE",
                            "timezone": "Europe/Paris",
                        }
                    ]
                },
            )
        if path != "/v2/orders/search" or method != "POST":
            raise _ClientError(
                404,
                {
                    "errors": [
                        {
                            "category": "INVALID_REQUEST_ERROR",
                            "code": "NOT_FOUND",
                            "detail": "Not found",
                        }
                    ]
                },
            )
        req = _json_body(body)
        query = req.get("query") or {}
        limit = int(req.get("limit") or 500)
        qkey = _encode({"l": req.get("location_ids"), "q": query})
        offset = 0
        if req.get("cursor"):
            state = _decode(req["cursor"])
            if state.get("k") != qkey:
                raise _ClientError(
                    400,
                    {
                        "errors": [
                            {
                                "category": "INVALID_REQUEST_ERROR",
                                "code": "INVALID_CURSOR",
                                "detail": "The cursor does not match the query.",
                            }
                        ]
                    },
                )
            offset = int(state["o"])
        if LOCATION_ID not in (req.get("location_ids") or []):
            return _Reply(200, {}, listing=True)
        flt = (query.get("filter") or {}).get("date_time_filter") or {}
        sort = query.get("sort") or {"sort_field": "CREATED_AT", "sort_order": "DESC"}
        field_name = next(iter(flt), None)
        if field_name and sort.get("sort_field", "").lower() != field_name:
            raise _ClientError(
                400,
                {
                    "errors": [
                        {
                            "category": "INVALID_REQUEST_ERROR",
                            "code": "INVALID_SORT_ORDER",
                            "detail": "sort_field must match the date_time_filter field.",
                        }
                    ]
                },
            )
        attr = {
            "updated_at": "updated_at",
            "created_at": "created_at",
            "closed_at": "created_at",
        }.get(field_name or "created_at", "created_at")
        rng = flt.get(field_name or "", {})
        since = _parse_time(rng["start_at"]) if rng.get("start_at") else None
        until = _parse_time(rng["end_at"]) if rng.get("end_at") else None
        sort_attr = {"UPDATED_AT": "updated_at"}.get(sort.get("sort_field", ""), "created_at")
        rows = self._orders_by(attr, since, until)
        rows.sort(
            key=lambda o: (getattr(o, sort_attr), o.id),
            reverse=sort.get("sort_order", "DESC") == "DESC",
        )
        chunk = rows[offset : offset + limit]
        out: dict[str, Any] = {}
        if chunk:
            out["orders"] = [dialects.square_order(o, LOCATION_ID) for o in chunk]
        if offset + limit < len(rows):
            out["cursor"] = _encode({"k": qkey, "o": offset + limit})
        return _Reply(200, out, listing=True)

    # -- Wix ------------------------------------------------------------------------------

    def _wix(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Reply:
        if headers.get("authorization") != TOKEN or headers.get("wix-site-id") != SITE_ID:
            raise _ClientError(401, {"message": "UNAUTHENTICATED", "details": {}})
        if path != "/ecom/v1/orders/search" or method != "POST":
            raise _ClientError(404, {"message": "Not Found"})
        search = _json_body(body).get("search") or {}
        paging = search.get("cursorPaging") or {}
        limit = int(paging.get("limit") or 100)
        if paging.get("cursor"):
            if search.get("filter") or search.get("sort"):
                raise _ClientError(
                    400,
                    {"message": "filter and sort cannot be passed with a cursor", "details": {}},
                )
            state = _decode(paging["cursor"])
            search = state["s"]
            offset = int(state["o"])
        else:
            offset = 0
        flt = (search.get("filter") or {}).get("updatedDate") or {}
        since = _parse_time(flt["$gte"]) if "$gte" in flt else None
        until = _parse_time(flt["$lte"]) if "$lte" in flt else None
        sort = (search.get("sort") or [{"fieldName": "createdDate", "order": "DESC"}])[0]
        attr = "updated_at" if sort.get("fieldName") == "updatedDate" else "created_at"
        rows = self._orders_by("updated_at", since, until)
        rows.sort(key=lambda o: (getattr(o, attr), o.id), reverse=sort.get("order") == "DESC")
        chunk = rows[offset : offset + limit]
        has_next = offset + limit < len(rows)
        cursors = {"next": _encode({"s": search, "o": offset + limit}) if has_next else None}
        return _Reply(
            200,
            {
                "orders": [dialects.wix_order(o) for o in chunk],
                "metadata": {"count": len(chunk), "cursors": cursors, "hasNext": has_next},
            },
            listing=True,
        )

    # -- Stripe ---------------------------------------------------------------------------

    def _stripe(
        self, method: str, path: str, q: dict[str, str], headers: Mapping[str, str]
    ) -> _Reply:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            raise _ClientError(
                401,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided.",
                    }
                },
            )
        if method != "GET":
            raise _ClientError(
                404,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Unrecognized request URL.",
                    }
                },
            )
        if path == "/v1/balance_transactions":
            key, build = "stripe-txns", dialects.stripe_balance_txns
        elif path == "/v1/payouts":
            key, build = "stripe-payouts", dialects.stripe_payouts
        else:
            raise _ClientError(
                404,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Unrecognized request URL.",
                    }
                },
            )
        limit = int(q.get("limit", "10"))
        if not 1 <= limit <= 100:
            raise _ClientError(
                400,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "param": "limit",
                        "message": "limit must be 1-100",
                    }
                },
            )
        bounds = tuple(
            (op, int(q[f"created[{op}]"])) for op in _STRIPE_CREATED if f"created[{op}]" in q
        )
        objects = self._render(key, lambda: build(self.data))
        rows, position = self._render(  # every page of a fetch asks the same list: sort it once
            f"{key}:{bounds}", lambda: _stripe_listing(objects, bounds)
        )
        start = 0
        if "starting_after" in q:
            if q["starting_after"] not in position:
                raise _ClientError(
                    400,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "resource_missing",
                            "param": "starting_after",
                            "message": "No such object.",
                        }
                    },
                )
            start = position[q["starting_after"]] + 1
        chunk = rows[start : start + limit]
        return _Reply(
            200,
            {"object": "list", "data": chunk, "has_more": start + limit < len(rows), "url": path},
            listing=True,
        )


#: Stripe's ``created[...]`` filters, in the order they apply.
_STRIPE_CREATED: dict[str, Callable[[Any, Any], Any]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}


def _stripe_listing(
    objects: list[dict[str, Any]], bounds: tuple[tuple[str, int], ...]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The objects created within ``bounds``, newest first, and each id's position.

    Built once per list and filter: sorting all objects again and scanning their ids for
    ``starting_after`` on every page made the sandbox, not Stripe's rate limit, the
    bottleneck of large fetches. The first position of an id wins, as a scan would find it.
    """
    rows = objects
    for op, bound in bounds:
        test = _STRIPE_CREATED[op]
        rows = [r for r in rows if test(r["created"], bound)]
    rows = sorted(rows, key=lambda r: (r["created"], r["id"]), reverse=True)
    position: dict[str, int] = {}
    for i, row in enumerate(rows):
        position.setdefault(row["id"], i)
    return rows, position


@dataclass(frozen=True)
class _MagentoRow:
    """One object a Magento search can return: the fields its filters may name, a sort
    tie-breaker, and the rendered body."""

    fields: dict[str, Any]
    key: int
    body: dict[str, Any]


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "gteq": operator.ge,
    "gt": operator.gt,
    "lteq": operator.le,
    "lt": operator.lt,
    "eq": operator.eq,
}


_WOO_NO_ROUTE = {
    "code": "rest_no_route",
    "message": "No route was found matching the URL and request method.",
    "data": {"status": 404},
}


def _woo_paging(q: Mapping[str, str]) -> tuple[int, int]:
    """``per_page`` (1-100, default 10) and ``page`` of a WooCommerce list request."""
    per_page = int(q.get("per_page", "10"))
    page = int(q.get("page", "1"))
    if not 1 <= per_page <= 100:
        raise _ClientError(
            400,
            {
                "code": "rest_invalid_param",
                "message": "Invalid parameter(s): per_page",
                "data": {"status": 400},
            },
        )
    return per_page, page


_PRESTA_RESOURCES = frozenset({"orders", "addresses", "countries", "order_slip", "order_details"})


def _presta_window(q: Mapping[str, str], field: str) -> tuple[datetime | None, datetime | None]:
    """The bounds of ``filter[<field>]=[low,high]`` (shop-local), which needs ``date=1``."""
    key = f"filter[{field}]"
    if key not in q:
        return None, None
    if q.get("date") != "1":
        raise _ClientError(
            400,
            {
                "errors": [
                    {"code": 31, "message": "The 'date' parameter must be 1 to filter on dates"}
                ]
            },
        )
    bounds = q[key].strip("[]").split(",")
    since = _parse_time(bounds[0], naive_tz=_PARIS) if bounds[0] else None
    until = None
    if len(bounds) > 1 and bounds[1]:
        until = _parse_time(bounds[1], naive_tz=_PARIS)
    return since, until


def _presta_limit(rows: list[Any], q: Mapping[str, str]) -> list[Any]:
    """The rows ``limit=count`` or ``limit=offset,count`` selects (all without it)."""
    offset, count = 0, len(rows)
    if "limit" in q:
        pieces = q["limit"].split(",")
        if len(pieces) == 2:
            offset, count = int(pieces[0]), int(pieces[1])
        else:
            count = int(pieces[0])
    return rows[offset : offset + count]


def _presta_ids(value: str) -> set[int]:
    """The ids a PrestaShop ``filter[id]`` selects: ``[1|2|3]`` (any of) or ``[1,10]``
    (an interval); anything else is the 400 PrestaShop answers."""
    inner = value.strip()
    try:
        if not (inner.startswith("[") and inner.endswith("]")):
            raise ValueError(value)
        inner = inner[1:-1]
        if "," in inner:
            low, high = (int(part) for part in inner.split(","))
            return set(range(low, high + 1))
        return {int(part) for part in inner.split("|") if part}
    except ValueError as exc:
        raise _ClientError(
            400, {"errors": [{"code": 32, "message": f"Invalid filter value: {value}"}]}
        ) from exc


def _presta_list(name: str, rows: list[dict[str, Any]], q: Mapping[str, str]) -> _Reply:
    """A PrestaShop list answer: ``display=full``, ``display=[a,b]`` or ids only, and the
    bare ``[]`` PrestaShop sends instead of an empty list."""
    if not rows:
        return _Reply(200, [])
    display = q.get("display", "")
    if display == "full":
        return _Reply(200, {name: rows})
    fields = [f for f in display.strip("[]").split(",") if f] if display else ["id"]
    unknown = [f for f in fields if f not in rows[0]]
    if unknown:
        message = f'Unable to display this field "{unknown[0]}"'
        raise _ClientError(400, {"errors": [{"code": 35, "message": message}]})
    return _Reply(200, {name: [{f: row[f] for f in fields} for row in rows]})


def _basic(headers: Mapping[str, str]) -> tuple[str, str] | None:
    value = headers.get("authorization", "")
    if not value.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError as exc:
        raise _ClientError(400, {"errors": [{"detail": "Malformed JSON body."}]}) from exc
    if not isinstance(value, dict):
        raise _ClientError(400, {"errors": [{"detail": "The body must be a JSON object."}]})
    return value


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], app: SandboxServer
    ) -> None:
        self.app = app
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, the truncation fault) are expected; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are recorded in `SandboxServer.log`, not printed."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        app = self.server.app
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        action, reply, delay = app.respond(method, self.path, headers, body)
        if delay and app._stop.wait(delay):
            self.close_connection = True
            return
        if action == "disconnect" or reply is None:
            app.log.append((method, self.path, 0))
            self.close_connection = True
            return
        data = reply.text().encode()
        if action == "truncate":
            data = data[: max(1, len(data) // 2)]
        app.log.append((method, self.path, reply.status))
        try:
            self.send_response(reply.status)
            if data or reply.status != 204:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 1,
    *,
    orders: int = 60,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    faults: Faults | None = None,
    oss_opt_in: bool = True,
    payout_events: bool = False,
) -> None:
    """Run the sandbox in the foreground until interrupted (``ecomledger sandbox``).

    ``ready`` is called with the base URL once the port is bound; setting ``stop`` (or
    Ctrl-C) shuts the server down. ``faults`` are active from the first request.
    """
    server = SandboxServer(
        seed=seed,
        faults=faults,
        orders=orders,
        host=host,
        port=port,
        oss_opt_in=oss_opt_in,
        payout_events=payout_events,
    )
    server.start()
    if ready is not None:
        ready(server.url)
    stop = stop or threading.Event()
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
