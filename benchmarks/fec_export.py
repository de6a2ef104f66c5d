"""FEC export throughput: the FEC of a generated 100,000-order year.

Usage: python benchmarks/fec_export.py [N] [--repeat R]   (defaults 100000, 2)

Generates N Shopify orders across 2026 (the generator of ``import_orders.py``, with the
monthly stock purchases that keep the books free of oversells), imports them into a copy of
the demo books, then, R times, in a fresh Python process as ``ecomledger export fec`` runs:
loads the books (Beancount with every plugin) and writes the FEC. Prints the load time, the
export time and its lines per second, and the process's peak resident memory before and
after the export (the export's own share is the difference). The FEC is then checked with
``ecomledger fec check``'s checker, whose own speed is printed too.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(REPO / "benchmarks"))


def peak_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(books: Path, out: Path) -> None:
    """The measured run: load the books, write the FEC, check it."""
    from ecomledger.books import load_books
    from ecomledger.config import load_config
    from ecomledger.exports import fec, fec_check

    t0 = time.perf_counter()
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    load_s = time.perf_counter() - t0
    before = peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    path, lines = fec.write(loaded, 2026, out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = peak_mb()
    t0 = time.perf_counter()
    report = fec_check.check_file(path)
    check_s = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "load_s": load_s,
                "lines": lines,
                "export_wall_s": wall,
                "export_cpu_s": cpu,
                "peak_before_mb": before,
                "peak_after_mb": after,
                "size_mb": path.stat().st_size / 1e6,
                "check_s": check_s,
                "check_errors": len(report.errors),
            }
        )
    )


def prepare(work: Path, count: int) -> Path:
    """Demo books holding ``count`` generated orders of 2026."""
    from import_orders import generate, stock_purchases
    from make_demo_orders import envelope

    books = work / "books"
    shutil.copytree(REPO / "examples" / "demo-shop", books)
    for item in (books / "inbox").iterdir():
        item.unlink()
    orders = generate(count)
    payload = work / "orders.json"
    payload.write_text(json.dumps(envelope("orders", [{"orders": orders}])))
    (books / "ledger" / "2026" / "purchases.beancount").write_text(stock_purchases(orders))
    code = (
        "import sys; from pathlib import Path; from ecomledger.config import load_config;"
        "from ecomledger.ingest import import_files;"
        "b = Path(sys.argv[1]); import_files(b, load_config(b / 'ecomledger.toml'),"
        " [Path(sys.argv[2])], archive=False)"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(books), str(payload)], check=True)
    print(f"imported {count} orders in {time.perf_counter() - t0:.1f} s", flush=True)
    return books


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="ecomledger-fec-bench-"))
    try:
        books = prepare(work, args.count)
        best = None
        for n in range(max(args.repeat, 1)):
            out = work / f"out-{n}"
            run = subprocess.run(
                [sys.executable, __file__, "--child", str(books), str(out)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1])
            rate = result["lines"] / result["export_wall_s"]
            print(
                f"run {n + 1}: load {result['load_s']:.1f} s; FEC {result['lines']:,} lines "
                f"({result['size_mb']:.1f} MB) in {result['export_wall_s']:.2f} s wall, "
                f"{result['export_cpu_s']:.2f} s CPU = {rate:,.0f} lines/s; peak memory "
                f"{result['peak_before_mb']:.0f} MB after loading, "
                f"{result['peak_after_mb']:.0f} MB after the export; "
                f"fec check {result['check_s']:.1f} s, {result['check_errors']} error(s)",
                flush=True,
            )
            best = rate if best is None else max(best, rate)
        print(f"best: {best:,.0f} lines/s")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
