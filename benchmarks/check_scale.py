"""Check at scale: ``ecomledger check`` beside ``bean-check`` on 10,000- and 100,000-order years.

Usage::

    .venv/bin/python benchmarks/check_scale.py [--orders 10000 100000] [--work DIR]
                                               [--repeat 1] [--only bare,plugins,check]

For each size, makes a year of books that pass check (benchmarks/make_books.py: the demo
books, the stock the orders sell, N Shopify orders through ``ecomledger import``), or reuses
``DIR/orders-N`` when it is there; writes ``bench-bare.beancount`` beside ``main.beancount``
(the same file with its ``plugin`` lines removed, as benchmarks/plugins_overhead.py compares);
then runs, each as a fresh process with Beancount's pickle cache deleted before it (cache
off):

* ``bare``: ``bean-check --no-cache bench-bare.beancount`` (Beancount alone);
* ``plugins``: ``bean-check --no-cache main.beancount`` (Beancount with ecomledger's plugins);
* ``check``: ``ecomledger --books DIR check``;
* ``check-day``: ``ecomledger check`` on the same orders imported with ``granularity = "day"``
  (made in ``DIR/orders-N-day`` when the summary module exists);
* ``report``: ``ecomledger report pnl --period YYYY --format csv`` (``report-day``: on the
  ``day`` books).

Each run's wall time, CPU time (user + system, from the child's own rusage: it does not
count the time other jobs hold the cores, so it is the figure to compare on a shared
machine) and peak resident memory (the child's ``ru_maxrss``, read with ``os.wait4``) are
printed, every run, and the ratios of the best runs. Targets (issue 14): ``check`` at most
``plugins`` + 5 % in CPU time and memory and at most 1.25x ``bare`` in CPU time; peak memory
at most 1.2x bean-check's; ``check-day`` under 2 s wall at 100,000 orders. Exit 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BARE = "bench-bare.beancount"
PICKLES = (".main.beancount.picklecache", f".{BARE}.picklecache")


@dataclass(frozen=True)
class Run:
    """One timed process."""

    kind: str
    wall: float
    cpu: float
    peak_mb: float
    code: int
    last_line: str


def run(kind: str, argv: list[str], books: Path) -> Run:
    """Run ``argv`` in a fresh process with the pickle caches deleted; time and measure it."""
    for name in PICKLES:
        (books / name).unlink(missing_ok=True)
    for derived in (books / ".ecomledger").glob("*.picklecache"):
        derived.unlink()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=books)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        out.seek(0)
        lines = out.read().decode("utf-8", "replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    last = lines[-1] if lines else ""
    return Run(kind, wall, cpu, usage.ru_maxrss / 1024, proc.returncode, last[:110])


def make(books: Path, orders: int, granularity: str = "order") -> None:
    """Make ``books`` (N orders that pass check) unless they are there already."""
    if books.exists():
        return
    start = time.perf_counter()
    argv = [sys.executable, str(REPO / "benchmarks" / "make_books.py"), str(books)]
    argv += ["--orders", str(orders)]
    if granularity != "order":
        argv = [sys.executable, __file__, "--make-summary", str(books), str(orders), granularity]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    print(f"made {books} ({orders} orders, {granularity}) in {time.perf_counter() - start:.0f} s")


def make_summary_books(books: Path, orders: int, granularity: str) -> None:
    """make_books.py's books with the demo shop in ``granularity`` (one line of its toml)."""
    sys.path[:0] = [str(REPO / "tools"), str(REPO / "benchmarks")]
    from import_orders import generate, stock_purchases
    from make_demo_orders import envelope

    from ecomledger.config import load_config
    from ecomledger.ingest import import_files

    shutil.copytree(REPO / "examples" / "demo-shop", books)
    for item in (books / "inbox").iterdir():
        item.unlink()
    toml = books / "ecomledger.toml"
    text = toml.read_text(encoding="utf-8")
    line = f'granularity = "{granularity}"\n'
    toml.write_text(text.replace('name = "demo-shop"\n', 'name = "demo-shop"\n' + line, 1))
    made = generate(orders)
    (books / "ledger" / "2026" / "purchases.beancount").write_text(stock_purchases(made))
    payload = books / "orders.json"
    payload.write_text(json.dumps(envelope("orders", [{"orders": made}])))
    import_files(books, load_config(toml), [payload], archive=False)
    payload.unlink()


def write_bare(books: Path) -> None:
    """``main.beancount`` without its ``plugin`` lines, beside it (so includes resolve)."""
    text = (books / "main.beancount").read_text(encoding="utf-8")
    bare = re.sub(r"^plugin\s.*$", "", text, flags=re.M)
    (books / BARE).write_text(bare, encoding="utf-8")


def has_granularity() -> bool:
    """Whether the summary-granularity import exists in this tree."""
    return (REPO / "src" / "ecomledger" / "summary.py").is_file()


def commands(books: Path, day_books: Path | None) -> dict[str, tuple[list[str], Path]]:
    """Each kind of run: its command line and the books it runs in."""
    check = [str(BIN / "bean-check"), "--no-cache"]
    ecom = [str(BIN / "ecomledger"), "--books"]
    found = {
        "bare": ([*check, BARE], books),
        "plugins": ([*check, "main.beancount"], books),
        "check": ([*ecom, str(books), "check"], books),
        "report": (
            [*ecom, str(books), "report", "pnl", "--period", "2026", "--format", "csv"],
            books,
        ),
    }
    if day_books is not None:
        found["check-day"] = ([*ecom, str(day_books), "check"], day_books)
        found["report-day"] = ([*ecom, str(day_books), *found["report"][0][3:]], day_books)
    return found


def verdicts(best: dict[str, Run], orders: int) -> list[tuple[str, float, float, str]]:
    """(what, measured, target, unit) for each target this size can be judged on."""
    out = []
    for base, cpu_target, peak_target in (("plugins", 1.05, 1.05), ("bare", 1.25, 1.2)):
        if {"check", base} <= best.keys():
            check, other = best["check"], best[base]
            out.append((f"check CPU / {base} CPU", check.cpu / other.cpu, cpu_target, "x"))
            out.append(
                (f"check peak / {base} peak", check.peak_mb / other.peak_mb, peak_target, "x")
            )
    if "check-day" in best and orders >= 100_000:
        out.append(("check-day wall", best["check-day"].wall, 2.0, "s"))
    return out


def main() -> int:
    """Make the books, run every kind of check, print every run and the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, help="where the books are made and kept")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind, best kept")
    parser.add_argument("--only", default="", help="comma-separated kinds to run")
    parser.add_argument("--make-summary", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_summary:
        folder, count, granularity = args.make_summary
        make_summary_books(Path(folder), int(count), granularity)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="ecomledger-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    only = {k for k in args.only.split(",") if k}
    missed = 0
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for orders in args.orders:
        books = work / f"orders-{orders}"
        make(books, orders)
        write_bare(books)
        day_books = None
        if has_granularity() and (not only or only & {"check-day", "report-day"}):
            day_books = work / f"orders-{orders}-day"
            make(day_books, orders, "day")
        runs: list[Run] = []
        for _ in range(max(args.repeat, 1)):
            for kind, (argv, folder) in commands(books, day_books).items():
                if only and kind not in only:
                    continue
                result = run(kind, argv, folder)
                runs.append(result)
                print(
                    f"{orders:>7} {kind:10s} wall {result.wall:7.2f} s  CPU {result.cpu:7.2f} s"
                    f"  peak {result.peak_mb:7.1f} MB  exit {result.code}  | {result.last_line}",
                    flush=True,
                )
        best: dict[str, Run] = {}
        for result in runs:
            if result.kind not in best or result.cpu < best[result.kind].cpu:
                best[result.kind] = result
        for what, measured, target, unit in verdicts(best, orders):
            ok = measured <= target
            missed += not ok
            print(
                f"{orders:>7} {what:28s} {measured:6.2f}{unit} "
                f"(target <= {target}{unit}) {'ok' if ok else 'MISSED'}"
            )
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
