"""Report cost beside the load: every report on a generated 100,000-order year.

Generates the plugins benchmark's realistic year of books (:mod:`plugins_overhead`:
numbered invoices with VAT, OSS, B2B, exports, credit notes with returns, stock lots, fees,
payouts), loads it the way every report does (Beancount's loader with the four ecomledger
plugins, cache off, :func:`ecomledger.books.load_books`), then builds each registered report
over the whole year, once as its ``ReportView`` and once rendered to CSV (the text format
that holds every line; a table on a terminal or an xlsx of a 500,000-line journal is a
different question). VAT and OSS returns, which cover a quarter, run on the last quarter.

Usage::

    .venv/bin/python benchmarks/reports.py [--orders 100000] [--only pnl,journal]

Prints, per report, CPU and wall seconds and their share of the load's (target: a report
adds at most 20 % to the load, i.e. build + CSV <= 0.20 x load), the rows it produced, and
the process's peak resident memory after the load and after each report (peak RSS only
ever grows: a report's own peak is the growth it causes). Then checks the statements on
these books (debits = credits, the bilan balances, its résultat is the compte de
résultat's) and renders them in every format. Exit status 1 when a report misses the
target on CPU time or a check fails.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path

from beancount import loader

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from plugins_overhead import generate  # noqa: E402

from ecomledger.books import Books, load_books  # noqa: E402
from ecomledger.config import parse_config  # noqa: E402
from ecomledger.errors import UserError  # noqa: E402
from ecomledger.reports import available  # noqa: E402
from ecomledger.reports.model import ReportRequest, ReportView  # noqa: E402
from ecomledger.reports.runner import build_report, last_quarter, render_report  # noqa: E402

TARGET = 0.20

CONFIG = parse_config(
    {
        "company": {
            "name": "Benchmark SAS",
            "siren": "732829320",
            "address": {"street": "1 rue du Test", "postcode": "75001", "city": "Paris"},
        }
    }
)


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def load(folder: Path) -> tuple[Books, float, float]:
    """Load the generated books as a report does; return them and the CPU and wall seconds."""
    gc.collect()
    cpu, wall = clocks()
    books = load_books(folder, CONFIG)  # refused if the generated books fail check
    cpu_end, wall_end = clocks()
    return books, cpu_end - cpu, wall_end - wall


def run_report(books: Books, name: str) -> tuple[ReportView, bytes]:
    """Build a report over the whole books (a quarter for the returns) and render its CSV."""
    try:
        _, view = build_report(books, name)
    except UserError:
        _, view = build_report(books, name, period=last_quarter(books))
    return view, render_report(view, "csv")


def best_run(books: Books, name: str, repeat: int) -> tuple[float, float, ReportView, bytes]:
    """The best CPU and wall seconds of ``repeat`` runs, and the last run's output."""
    cpus, walls = [], []
    for _ in range(max(repeat, 1)):
        gc.collect()
        cpu, wall = clocks()
        view, content = run_report(books, name)
        cpu_end, wall_end = clocks()
        cpus.append(cpu_end - cpu)
        walls.append(wall_end - wall)
    return min(cpus), min(walls), view, content


def verify(books: Books) -> bool:
    """The statements' invariants on these books, and every format of every statement.

    Debits equal credits, the bilan balances and shows the compte de résultat's result;
    the three statements render in all five formats, the journal and grand livre of the
    last month too (a whole year's 400,000 lines as HTML is no page anyone reads).
    """
    from ecomledger.render import FORMATS
    from ecomledger.reports import balance_sheet, pnl, trial_balance
    from ecomledger.reports.runner import default_period

    year = ReportRequest(default_period(books), compare="previous", detail=True)
    balance = trial_balance.compute(books, year)
    bilan = balance_sheet.compute(books, year)
    actif, passif = balance_sheet.totals(bilan)
    result = pnl.compute(books, year).total("resultat").amount
    shown = bilan.line("resultat").amount
    ok = balance.debit == balance.credit and actif == passif and result == shown
    print(
        f"check: debits {balance.debit} = credits {balance.credit}; actif {actif} = passif "
        f"{passif}; résultat {result} = bilan's {shown}: {'ok' if ok else 'WRONG'}"
    )
    span = books.date_range()
    last = span.end if span is not None else year.period.end  # the last month with entries
    month = f"{last.year}-{last.month:02d}"
    for name in ("trial-balance", "pnl", "balance-sheet", "journal", "general-ledger"):
        period = month if name in ("journal", "general-ledger") else None
        cpu, _ = clocks()
        _, view = build_report(books, name, period=period, compare="previous", detail=True)
        sizes = [len(render_report(view, fmt)) for fmt in FORMATS]
        spent = clocks()[0] - cpu
        listed = ", ".join(
            f"{fmt} {size / 1e3:.0f} kB" for fmt, size in zip(FORMATS, sizes, strict=True)
        )
        print(
            f"  {name:16s} {period or 'year':8s} all {len(FORMATS)} formats in {spent:5.2f} s "
            f"CPU ({listed})"
        )
    return ok


def main() -> int:
    """Generate, load, run every report; print the figures; exit 1 over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--only", help="comma-separated report names")
    parser.add_argument(
        "--repeat", type=int, default=2, help="load and run each report N times, keep the best"
    )
    args = parser.parse_args()
    loader.initialize(use_cache=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        generate(folder, args.orders)
        print(f"generated {args.orders} orders in {time.perf_counter() - start:.1f} s")
        load_cpu = load_wall = float("inf")
        books: Books | None = None
        for _ in range(max(args.repeat, 1)):
            books = None  # free the previous load before the next one
            books, cpu, wall = load(folder)
            load_cpu, load_wall = min(load_cpu, cpu), min(load_wall, wall)
        assert books is not None
    transactions = sum(1 for _ in books.transactions())
    print(
        f"load with plugins: {load_cpu:6.2f} s CPU  {load_wall:6.2f} s wall  "
        f"({len(books.entries)} entries, {transactions} transactions, "
        f"{len(books.errors)} errors); peak RSS {peak_mb():.0f} MB"
    )
    only = set(args.only.split(",")) if args.only else None
    print(
        f"{'report':16s} {'CPU s':>7s} {'wall s':>7s} {'% load':>7s} {'rows':>8s} {'peak MB':>8s}"
    )
    worst = 0.0
    for module in available():
        if only is not None and module.NAME not in only:
            continue
        try:
            used, wall_used, view, content = best_run(books, module.NAME, args.repeat)
        except UserError as exc:
            print(f"{module.NAME:16s} not built: {exc}")
            continue
        share = used / load_cpu
        worst = max(worst, share)
        rows = sum(len(table.rows) for table in view.tables)
        print(
            f"{module.NAME:16s} {used:7.2f} {wall_used:7.2f} {share * 100:6.1f}% "
            f"{rows:8d} {peak_mb():8.0f}   ({len(content) / 1e6:.1f} MB of CSV)"
        )
        del view, content
    print(f"worst report: {worst * 100:.1f} % of the load (target <= {TARGET * 100:.0f} %)")
    ok = verify(books)
    return 0 if worst <= TARGET and ok else 1


if __name__ == "__main__":
    sys.exit(main())
