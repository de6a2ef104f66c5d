"""Import throughput: 100,000 Shopify orders from a recorded payload into fresh books.

Usage: python benchmarks/import_orders.py [N]   (default 100000)

Generates N orders in Shopify's REST shape (the envelope ``ecomledger fetch`` writes) and
copies the demo books, then times ``ecomledger.ingest.import_files`` end to end in a fresh
Python process, as ``ecomledger import`` runs: read, parse, book, dedupe against the books,
number, write. Then times a second import of the same file (everything is a duplicate).
Prints orders per second (wall and CPU) and the importing process's peak resident memory,
which the generator's own memory does not inflate. Target: at least 5,000 orders/s.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from make_demo_orders import ORDERS, envelope  # noqa: E402

TARGET = 5_000


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


def import_twice(books: Path, payload: Path, count: int) -> None:
    """The measured part, run in its own process: two imports of the same payload."""
    from ecomledger.config import load_config
    from ecomledger.ingest import import_files

    config = load_config(books / "ecomledger.toml")
    for label in ("first import", "re-import"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_files(books, config, [payload], archive=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        what = f"{len(result.added)} entries" if label == "first import" else "0 added"
        print(
            f"{label:<13} {what:>15}, {result.duplicates:>7} dupes  "
            f"wall {wall:5.1f} s {count / wall:>7,.0f} orders/s  "
            f"cpu {cpu:5.1f} s {count / cpu:>7,.0f} orders/s",
            flush=True,
        )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        import_twice(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    work = Path(tempfile.mkdtemp(prefix="ecomledger-bench-"))
    try:
        books = work / "books"
        shutil.copytree(REPO / "examples" / "demo-shop", books)
        for item in (books / "inbox").iterdir():
            item.unlink()
        payload = books / "orders.json"
        t0 = time.perf_counter()
        payload.write_text(json.dumps(envelope("orders", [{"orders": generate(count)}])))
        size = payload.stat().st_size / 1e6
        print(f"generated {count} orders ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        child = [sys.executable, __file__, "--child", str(books), str(payload), str(count)]
        subprocess.run(child, check=True)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of the importing process: {peak_mb:,.0f} MB (resident)")
        print(f"target: at least {TARGET:,} orders/s on the first import")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
