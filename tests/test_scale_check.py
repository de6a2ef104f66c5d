"""``ecomledger check`` at the cost of ``bean-check --no-cache``: no pickle cache written,
the collector restored; and the benchmark's own arithmetic."""

from __future__ import annotations

import gc
import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from beancount import loader

from ecomledger import ledger

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "demo-shop"
CACHE = loader.PICKLE_CACHE_FILENAME.format(filename=ledger.MAIN_FILE)


@pytest.fixture
def books(tmp_path: Path) -> Path:
    target = tmp_path / "books"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("*.picklecache"))
    return target


def test_check_writes_no_pickle_cache_and_restores_the_collector(
    books: Path, cli: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Beancount writes its cache only after a load slower than its threshold: make every
    # load "slow", so that a cached load would write it.
    monkeypatch.setattr(loader, "PICKLE_CACHE_THRESHOLD", 0.0)
    loader.initialize(True)
    try:
        ledger.load(books)  # the cached path (reports, Fava) still writes it
        assert (books / CACHE).exists()
        (books / CACHE).unlink()
        assert gc.isenabled()
        result = cli("--books", str(books), "check")
        assert result.code == 0, result.out
        assert not (books / CACHE).exists()
        assert gc.isenabled()
    finally:
        monkeypatch.undo()
        loader.initialize(True)


def test_check_answers_about_the_files_not_a_stale_cache(books: Path, cli: Callable) -> None:
    ledger.load(books)  # leaves whatever cache Beancount keeps
    manual = books / "ledger" / "2026" / "manual.beancount"
    manual.write_text(manual.read_text("utf-8") + '\n2026-03-05 * "x"\n  Assets:Nowhere  1 EUR\n')
    result = cli("--books", str(books), "check")
    assert result.code == 1
    assert "Assets:Nowhere" in result.out


def _bench() -> object:
    spec = importlib.util.spec_from_file_location(
        "check_scale", REPO / "benchmarks" / "check_scale.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_scale"] = module
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_strips_plugins_and_judges_ratios(books: Path) -> None:
    bench = _bench()
    bench.write_bare(books)  # type: ignore[attr-defined]
    bare = (books / bench.BARE).read_text("utf-8")  # type: ignore[attr-defined]
    assert "plugin " not in bare and 'include "ledger/*/*.beancount"' in bare
    run = bench.Run  # type: ignore[attr-defined]
    best = {
        "bare": run("bare", 10.0, 10.0, 100.0, 0, ""),
        "plugins": run("plugins", 11.0, 11.0, 104.0, 0, ""),
        "check": run("check", 12.0, 12.0, 110.0, 0, ""),
    }
    judged = {
        what: (round(value, 3), target) for what, value, target, _ in bench.verdicts(best, 10_000)
    }  # type: ignore[attr-defined]
    assert judged["check CPU / plugins CPU"] == (round(12 / 11, 3), 1.05)
    assert judged["check peak / bare peak"] == (1.1, 1.2)
    # A real run of a tiny command: wall, CPU and peak memory are measured per process.
    measured = bench.run("true", ["/bin/sh", "-c", "echo done"], books)  # type: ignore[attr-defined]
    assert measured.code == 0 and measured.last_line == "done" and measured.peak_mb > 0
