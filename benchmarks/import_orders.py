"""Import throughput: 100,000 Shopify orders from a recorded payload into fresh books.

Usage: python benchmarks/import_orders.py [N]   (default 100000)

Generates N orders in Shopify's REST shape (the envelope ``ecomledger fetch`` writes), copies
the demo books, and times ``ecomledger.ingest.import_files`` end to end: parse, book, dedupe
against the books, number, write. Then times a second import of the same file (everything
is a duplicate). Prints orders per second and the peak resident memory. Target: at least
5,000 orders/s.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from make_demo_orders import ORDERS, envelope  # noqa: E402

from ecomledger.config import load_config  # noqa: E402
from ecomledger.ingest import import_files  # noqa: E402


def generate(count: int) -> list[dict[str, object]]:
    """Repeat the demo's paid orders with new ids and dates across the year."""
    paid = [o for o in ORDERS if o["financial_status"] in ("paid", "partially_refunded")]
    out = []
    for n in range(count):
        order = json.loads(json.dumps(paid[n % len(paid)]))
        order["id"] = 1_000_000 + n
        order["name"] = f"#{100000 + n}"
        day = dt.date(2026, 1, 1) + dt.timedelta(days=n * 365 // count)
        order["processed_at"] = f"{day.isoformat()}T10:00:00+01:00"
        for refund in order.get("refunds", []):
            refund["id"] = 5_000_000 + n
            refund["order_id"] = order["id"]
        out.append(order)
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    work = Path(tempfile.mkdtemp(prefix="ecomledger-bench-"))
    books = work / "books"
    shutil.copytree(REPO / "examples" / "demo-shop", books)
    for item in (books / "inbox").iterdir():
        item.unlink()
    payload = books / "orders.json"
    t0 = time.perf_counter()
    orders = envelope("orders", [{"orders": generate(count)}])
    payload.write_text(json.dumps(orders), encoding="utf-8")
    size = payload.stat().st_size / 1e6
    print(f"generated {count} orders ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    config = load_config(books / "ecomledger.toml")
    t0 = time.perf_counter()
    result = import_files(books, config, [payload], archive=False)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = import_files(books, config, [payload], archive=False)
    second = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    added = len(result.added)
    print(f"first import: {added} entries, {first:.1f} s, {count / first:,.0f} orders/s")
    print(f"re-import: {again.duplicates} dupes, {second:.1f} s, {count / second:,.0f} orders/s")
    print(f"peak memory: {peak_mb:,.0f} MB (resident)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
