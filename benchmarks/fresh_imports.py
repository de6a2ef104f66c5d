"""Time whole ``ecomledger import`` runs, each in a fresh process on fresh demo books.

Shared by ``import_orders.py`` and ``bank_import.py``. A fresh process is what a user runs,
and its peak memory is then the importer's own, not the benchmark generator's. Each run
imports the file twice (the second adds nothing); the best first import of ``repeat`` runs
is the verdict, as :mod:`timeit` advises: noise on a shared machine only ever adds time.

Run by the benchmarks as a child: ``python fresh_imports.py BOOKS FILE COUNT UNIT``.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEMO_BOOKS = Path(__file__).resolve().parents[1] / "examples" / "demo-shop"


def import_twice(books: Path, path: Path, count: int, unit: str) -> None:
    """The child's work: import ``path`` twice; the last line gives the first's seconds."""
    from ecomledger.config import load_config
    from ecomledger.ingest import import_files

    config = load_config(books / "ecomledger.toml")
    first: tuple[float, float] | None = None
    for label in ("first import", "re-import"):
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_files(books, config, [path], archive=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        first = first or (wall, cpu)
        print(
            f"{label:<13} {len(result.added):>7} added {result.duplicates:>7} dupes  "
            f"wall {wall:6.2f} s {count / wall:>8,.0f} {unit}/s  "
            f"cpu {cpu:6.2f} s {count / cpu:>8,.0f} {unit}/s",
            flush=True,
        )
    assert first is not None
    print(f"RESULT {first[0]} {first[1]}")


def best_of(work: Path, path: Path, count: int, unit: str, repeat: int, target: int) -> None:
    """Run :func:`import_twice` ``repeat`` times in fresh processes; print every run, the
    importing process's peak memory and the best first import against ``target``."""
    runs: list[tuple[float, float]] = []
    for n in range(max(repeat, 1)):
        books = work / f"books-{n}"
        shutil.copytree(DEMO_BOOKS, books)
        for item in (books / "inbox").iterdir():
            item.unlink()
        purchases = work / "purchases.beancount"
        if purchases.exists():  # the stock the generated orders sell (import_orders.py)
            shutil.copy(purchases, books / "ledger" / "2026" / "purchases.beancount")
        child = [sys.executable, __file__, str(books), str(path), str(count), unit]
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                wall, cpu = (float(x) for x in line.split()[1:])
                runs.append((wall, cpu))
            else:
                print(line)
        shutil.rmtree(books)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the importing process: {peak:,.0f} MiB (resident)")
    print(f"first imports, {unit}/s (wall):", [round(count / wall) for wall, _ in runs])
    wall, cpu = min(runs)
    print(
        f"best of {len(runs)}: {count / wall:,.0f} {unit}/s wall, {count / cpu:,.0f} {unit}/s "
        f"cpu  (target: at least {target:,} {unit}/s)"
    )


if __name__ == "__main__":
    import_twice(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
