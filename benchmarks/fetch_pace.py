"""Fetch pace: orders per second from the sandbox throttled at each platform's published
rate, against the ceiling that rate and the page size allow.

A fetch should be bound by the platform's rate limit alone: with ``R`` requests a second
and ``P`` orders a page, orders cannot come faster than ``R × P`` a second once the burst
is spent (the *ceiling*). Where a platform also needs requests per order or per payout
(sub-resources), the data itself needs more requests than pages; *rate-bound* compares the
pace with what the requests actually made allow at ``R`` (after the burst ``B``): 100 %
means the fetch waits for nothing but the rate limit. This script
serves ``--orders`` orders from the sandbox, each platform throttled at its published rate
(429 with ``Retry-After`` over it; Shopify's leaky bucket and call-limit header;
BigCommerce's fixed window with its ``X-Rate-Limit-*`` headers), runs
``ecomledger.fetch.fetch_source`` exactly as ``ecomledger fetch`` does, and prints per
platform: pages, requests (list pages, per-order or per-payout sub-resources, 429s), the
seconds taken (and how many of them the sandbox spent answering: it shares the machine),
orders/s, the ceiling and the share of it reached (target: 80 %), the rate-bound share,
and the share of the ceiling reached once the sandbox's own time is set aside, which is
what a fetch from a real platform, whose servers are not on this machine, would see.

Shopify's sub-resources (the payments of orders paid partly by gift card, the balance
transactions of each payout) come from two GraphQL bulk operations, not from a REST
request per order and per payout: they are counted under *sub* (the mutation, the polls
and the JSONL download of each), but not in *rate-bound*, since the REST leaky bucket
does not pay for them (the GraphQL calls spend a few points of Shopify's separate cost
bucket, which the sandbox applies too). The sandbox completes an export at once: Shopify
publishes no export times, so the seconds here leave out the time Shopify's servers
would spend running the two exports, and once the list pages fit in the burst (2,000
orders: 9 pages) the fetch waits for no rate limit at all and the share of the ceiling
measures compute alone.

Waiting for real rate limits takes minutes (Shopify's 2 requests/s), so by default the
sandbox and the client share a *virtual clock*: the client's sleeps advance it instead of
blocking, the sandbox's buckets read it, and the seconds reported are the real compute
time plus the time slept, which is what a run in real time measures. ``--real-time``
sleeps for real.

Published rates (the lowest paid plan, read on the platforms' documentation):

==============  =========================================  ================================
shopify         REST Admin, standard plan: 2/s, bucket 40  shopify.dev .../usage/rate-limits
bigcommerce     Standard and Plus: 150 requests per 30 s   docs.bigcommerce.com rate-limits
wix             200 requests per minute per instance       dev.wix.com .../rate-limits
stripe          100 read requests/s in live mode           docs.stripe.com/rate-limits
square          none published                             (unthrottled here)
woocommerce,    self-hosted: no platform limit             (unthrottled here)
prestashop,
magento
==============  =========================================  ================================

    .venv/bin/python benchmarks/fetch_pace.py [--orders 2000] [--platform shopify ...]
                                              [--seed 3] [--real-time]
"""

from __future__ import annotations

import argparse
import math
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecomledger.fetch import SourceConfig, fetch_source
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import (
    LOCATION_ID,
    SITE_ID,
    STORE_HASH,
    TOKEN,
    WOO_KEY,
    WOO_SECRET,
    SandboxServer,
)

TARGET = 0.80


@dataclass(frozen=True)
class Rate:
    """A published rate limit: ``burst`` requests at once, ``per_second`` sustained."""

    burst: int
    per_second: float
    source: str


#: The published rates (None: the platform publishes none; the sandbox does not throttle).
RATES: dict[str, Rate | None] = {
    "shopify": Rate(40, 2.0, "REST Admin API, standard plan"),
    "bigcommerce": Rate(150, 150 / 30, "Standard/Plus plan: 150 per 30 s"),
    "wix": Rate(200, 200 / 60, "200 per minute per instance"),
    "stripe": Rate(100, 100.0, "live mode, read requests"),
    "square": None,
    "woocommerce": None,
    "prestashop": None,
    "magento": None,
}

#: What each client asks per page by default (``ecomledger.clients``).
PAGE_SIZES = {
    "shopify": 250,
    "woocommerce": 100,
    "prestashop": 100,
    "magento": 300,
    "bigcommerce": 250,
    "square": 500,
    "wix": 100,
    "stripe": 100,
}

#: Requests no platform rate limit applies to (Shopify's bulk exports: GraphQL, JSONL).
UNBOUND = re.compile(r"(/graphql\.json$|^/shopify-bulk/)")

#: The list requests of each platform (the rest are sub-resources of an order or payout).
LISTS = re.compile(
    r"(/orders\.json|/payouts\.json|/wc/v3/orders$|/api/orders$|/V1/orders$|/V1/creditmemos$|"
    r"/v2/orders$|/orders/search$|/ecom/v1/orders/search$|/v1/balance_transactions$|"
    r"/v1/payouts$|/api/order_slip$)"
)


class VirtualClock:
    """Real time plus the time slept: sleeping advances it instead of blocking."""

    def __init__(self) -> None:
        self.slept = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.monotonic() + self.slept

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept += max(0.0, seconds)


def source_for(platform: str, url: str) -> tuple[SourceConfig, dict[str, str]]:
    """The shop as ecomledger.toml would configure it against the sandbox."""
    env = {"TOKEN": TOKEN, "KEY": WOO_KEY, "SECRET": WOO_SECRET}
    options: dict[str, object] = {}
    base = url
    if platform == "bigcommerce":
        base = f"{url}/stores/{STORE_HASH}"
    if platform == "wix":
        options["site_id"] = SITE_ID
    if platform == "square":
        options["location_ids"] = [LOCATION_ID]
    if platform == "woocommerce":
        return SourceConfig("bench", platform, base, key_env="KEY", secret_env="SECRET"), env
    return SourceConfig("bench", platform, base, token_env="TOKEN", options=options), env


@dataclass
class Result:
    platform: str
    orders: int
    requests: int
    lists: int
    related: int
    throttled: int
    seconds: float
    sandbox: float  # of which the sandbox spent building and encoding its answers
    ceiling: float | None
    bound: float | None  # orders/s the requests made allow at the rate (after the burst)

    @property
    def pace(self) -> float:
        return self.orders / self.seconds if self.seconds else math.inf


def ceiling(page: int, rate: Rate | None) -> float | None:
    """Orders/s that the rate and page size allow once the burst is spent (None: no rate)."""
    return None if rate is None else rate.per_second * page


def rate_bound(orders: int, requests: int, rate: Rate | None) -> float | None:
    """Orders/s that ``requests`` successful requests allow at the rate, after the burst."""
    if rate is None:
        return None
    waiting = max(requests - rate.burst, 0) / rate.per_second
    return orders / waiting if waiting else math.inf


def _time_answers(srv: SandboxServer) -> list[float]:
    """Count the seconds the sandbox spends answering (it shares the machine, and on a
    loaded one its time per page can exceed what the rate limit allows)."""
    busy = [0.0]
    respond = srv.respond

    def timed(*args: Any) -> Any:
        started = time.perf_counter()
        action, reply, delay = respond(*args)
        if reply is not None and reply.body is not None and not isinstance(reply.body, str):
            reply.body = reply.text()  # encode here, inside the timing
        busy[0] += time.perf_counter() - started
        return action, reply, delay

    srv.respond = timed  # type: ignore[method-assign]
    return busy


def run(platform: str, orders: int, seed: int, real_time: bool) -> Result:
    rate = RATES[platform]
    clock = VirtualClock()
    now = time.monotonic if real_time else clock.now
    sleep = time.sleep if real_time else clock.sleep
    throttles = {platform: (rate.burst, rate.per_second)} if rate and platform != "shopify" else {}
    bucket = (rate.burst, rate.per_second) if platform == "shopify" and rate else (10**9, 1e9)
    with SandboxServer(
        seed=seed,
        orders=orders,
        clock=now,
        bucket_capacity=int(bucket[0]),
        leak_rate=bucket[1],
        throttles=throttles,
    ) as srv:
        busy = _time_answers(srv)
        source, env = source_for(platform, srv.url)
        http = Http(
            "bench",
            sleep=sleep,
            retry=RetryPolicy(max_retries=8, max_total_wait=600),
            leak_rate=rate.per_second if rate else 2.0,
        )
        with tempfile.TemporaryDirectory() as books, http:
            srv.log.clear()
            started, slept = time.monotonic(), clock.slept
            report = fetch_source(Path(books), source, http=http, environ=env)
            seconds = time.monotonic() - started + (clock.slept - slept)
        statuses = Counter(status for _, _, status in srv.log)
        lists = sum(
            1 for _, path, status in srv.log if status == 200 and LISTS.search(path.split("?")[0])
        )
        unbound = sum(
            1 for _, path, status in srv.log if status == 200 and UNBOUND.search(path.split("?")[0])
        )
    count = report.counts.get("orders", sum(report.counts.values()))
    ok = sum(n for status, n in statuses.items() if status < 300)
    return Result(
        platform,
        count,
        report.requests,
        lists,
        ok - lists,
        statuses.get(429, 0),
        seconds,
        busy[0],
        ceiling(PAGE_SIZES[platform], rate),
        rate_bound(count, ok - unbound, rate),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--platform", action="append", choices=sorted(RATES))
    parser.add_argument("--real-time", action="store_true")
    args = parser.parse_args()
    clock = "real time" if args.real_time else "virtual clock (compute + time slept)"
    print(f"{args.orders:,} sandbox orders, seed {args.seed}, {clock}; target {TARGET:.0%}")
    header = (
        f"{'platform':<12}{'rate':>10}{'page':>6}{'orders':>8}{'requests':>9}{'lists':>7}"
        f"{'sub':>7}{'429':>6}{'seconds':>9}{'sandbox':>9}{'orders/s':>10}{'ceiling':>10}"
        f"{'share':>7}{'rate-bound':>11}{'w/o sandbox':>12}"
    )
    print(header)
    for platform in args.platform or list(RATES):
        result = run(platform, args.orders, args.seed, args.real_time)
        rate = RATES[platform]
        limit = "none" if rate is None else f"{rate.per_second:.3g}/s"
        top, bound = result.ceiling, result.bound
        ceiling_text = "-" if top is None else f"{top:,.0f}"
        share = "-" if not top else f"{result.pace / top:.0%}"
        bound_share = "-" if not bound or math.isinf(bound) else f"{result.pace / bound:.0%}"
        own = result.orders / max(result.seconds - result.sandbox, 1e-9)
        own_share = "-" if not top else f"{min(own, top) / top:.0%}"
        print(
            f"{platform:<12}{limit:>10}{PAGE_SIZES[platform]:>6}{result.orders:>8,}"
            f"{result.requests:>9,}{result.lists:>7,}{result.related:>7,}{result.throttled:>6,}"
            f"{result.seconds:>9.1f}{result.sandbox:>9.1f}{result.pace:>10,.1f}"
            f"{ceiling_text:>10}{share:>7}{bound_share:>11}{own_share:>12}"
        )


if __name__ == "__main__":
    main()
