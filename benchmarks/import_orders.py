"""Import throughput: 100,000 Shopify orders from a recorded payload into fresh books.

Usage: python benchmarks/import_orders.py [N] [--repeat R]   (defaults 100000, 3)

Generates N orders in Shopify's REST shape (the envelope ``ecomledger fetch`` writes), then,
R times, copies the demo books and times ``ecomledger.ingest.import_files`` end to end in a
fresh Python process, as ``ecomledger import`` runs: read, parse, book, dedupe against the
books, number, write; then a second import of the same file (everything is a duplicate).
Prints orders per second (wall and CPU) of every run and the best first import (noise on a
shared machine only ever adds time, so the fastest run is the most reproducible estimate,
as :mod:`timeit` advises), and the importing process's peak resident memory, which the
generator's own memory does not inflate. Target: at least 5,000 orders/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from fresh_imports import best_of  # noqa: E402
from make_demo_orders import ORDERS, envelope  # noqa: E402

TARGET = 5_000


YEAR_END = dt.date(2026, 12, 31)


def generate(count: int) -> list[dict[str, object]]:
    """Repeat the demo's paid orders with new ids and dates across the year.

    Every date of an order moves with it: a refund comes three days after its order (never
    after the year end), so the books the benchmarks measure pass ``check``.
    """
    paid = [o for o in ORDERS if o["financial_status"] in ("paid", "partially_refunded")]
    out = []
    for n in range(count):
        order = json.loads(json.dumps(paid[n % len(paid)]))
        order["id"] = 1_000_000 + n
        order["name"] = f"#{100000 + n}"
        day = dt.date(2026, 1, 1) + dt.timedelta(days=n * 365 // count)
        when = f"{day.isoformat()}T10:00:00+01:00"
        for key in ("created_at", "processed_at", "updated_at"):
            order[key] = when
        for fulfillment in order.get("fulfillments", []):
            fulfillment["created_at"] = when
        later = min(day + dt.timedelta(days=3), YEAR_END)
        for refund in order.get("refunds", []):
            refund["id"] = 5_000_000 + n
            refund["order_id"] = order["id"]
            refund["created_at"] = refund["processed_at"] = f"{later.isoformat()}T16:00:00+01:00"
        out.append(order)
    return out


def stock_purchases(orders: list[dict[str, object]]) -> str:
    """Monthly purchases of exactly the units each month's orders sell, on the 1st.

    Without them every sale of the demo's stocked SKUs beyond the demo's one purchase is an
    oversell, and check would measure books full of errors.
    """
    needed: dict[tuple[int, str], int] = {}
    for order in orders:
        month = int(str(order["processed_at"])[5:7])
        for line in order["line_items"]:  # type: ignore[attr-defined]
            if not line.get("sku"):
                continue
            key = (month, str(line["sku"]))
            needed[key] = needed.get(key, 0) + int(line["quantity"])
    cost = {"MUG-01": "4.20", "TSHIRT-01": "7.50", "BOOK-01": "9.00"}
    out = []
    for month in sorted({m for m, _ in needed}):
        skus = [(sku, qty) for (m, sku), qty in sorted(needed.items()) if m == month]
        lines = [
            f"  Assets:Stock  {qty} {sku} {{{cost.get(sku, '5.00')} EUR}}" for sku, qty in skus
        ]
        out.append(
            f'2026-{month:02d}-01 * "Grossiste" "Stock purchase 2026-{month:02d}"\n'
            + "\n".join(lines)
            + "\n  Liabilities:Suppliers\n"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="whole imports to run, best kept")
    args = parser.parse_args()
    count = args.count
    work = Path(tempfile.mkdtemp(prefix="ecomledger-bench-"))
    try:
        payload = work / "orders.json"
        t0 = time.perf_counter()
        orders = generate(count)
        payload.write_text(json.dumps(envelope("orders", [{"orders": orders}])))
        (work / "purchases.beancount").write_text(stock_purchases(orders))
        size = payload.stat().st_size / 1e6
        print(f"generated {count} orders ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        best_of(work, payload, count, "orders", args.repeat, TARGET)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
