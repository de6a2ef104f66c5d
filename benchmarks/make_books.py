"""Make a year of generated books that pass ``check``, for the benchmarks of check and outputs.

Usage: python benchmarks/make_books.py DIR [--orders N]   (default 100000)

Copies the demo books to DIR, adds the stock the year's orders sell (monthly purchases) and
imports N generated Shopify orders (import_orders.py's generator: refunds after their
orders, in the same year) with ``ecomledger import``'s own code. Prints how long the import
took and the number of entries. Check the result with ``ecomledger --books DIR check``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "benchmarks"))

from import_orders import generate, stock_purchases  # noqa: E402
from make_demo_orders import envelope  # noqa: E402


def make_books(books: Path, count: int) -> None:
    """Create ``books`` holding ``count`` generated orders of 2026 and their stock."""
    from ecomledger.config import load_config
    from ecomledger.ingest import import_files

    shutil.copytree(REPO / "examples" / "demo-shop", books)
    for item in (books / "inbox").iterdir():
        item.unlink()
    orders = generate(count)
    (books / "ledger" / "2026" / "purchases.beancount").write_text(stock_purchases(orders))
    payload = books / "orders.json"
    payload.write_text(json.dumps(envelope("orders", [{"orders": orders}])))
    import_files(books, load_config(books / "ecomledger.toml"), [payload], archive=False)
    payload.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    if args.directory.exists():
        sys.exit(f"{args.directory} exists; give a new folder")
    start = time.perf_counter()
    make_books(args.directory, args.orders)
    print(f"{args.orders} orders into {args.directory} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
