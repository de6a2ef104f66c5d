"""Progress on long work, summaries that stay on screen (issue 12 item 5)."""

from __future__ import annotations

import os
import pty
import random
import select
import subprocess
import sys
from pathlib import Path

from ecomledger.fetch import SourceConfig, fetch_source
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import TOKEN, WOO_KEY, WOO_SECRET, SandboxServer


def test_fetch_meter_counts_pages_orders_total_and_rate(tmp_path: Path) -> None:
    from ecomledger.progress import FetchMeter

    with SandboxServer(seed=4, orders=230) as srv:
        source = SourceConfig(
            "woo", "woocommerce", srv.url, key_env="K", secret_env="S", options={}
        )
        meter = FetchMeter(source.key)
        http = Http("woo", sleep=lambda _: None, rng=random.Random(0), retry=RetryPolicy())
        with http:
            report = fetch_source(
                tmp_path,
                source,
                http=http,
                environ={"K": WOO_KEY, "S": WOO_SECRET},
                watch=meter.watch,
            )
    assert meter.orders == report.counts["orders"] == 230
    assert meter.total == 230  # X-WP-Total
    assert meter.pages >= 3  # 100 a page
    assert meter.requests == report.requests
    assert "230 of 230 orders" in meter.line() and "requests/s" in meter.line()


def test_many_errors_are_summarised_per_kind_and_verbose_prints_them_all(
    cli, tmp_path: Path
) -> None:
    books = tmp_path / "books"
    cli("init", str(books))
    manual = next((books / "ledger").glob("*/manual.beancount"))
    text = manual.read_text(encoding="utf-8")
    for day in range(1, 16):
        text += (
            f'\n2026-01-{day:02d} * "Unbalanced {day}"\n'
            f"  Assets:Transfers  {day}.00 EUR\n  Assets:Suspense  -0.50 EUR\n"
        )
    text += '\n2026-02-01 * "Unknown"\n  Assets:Nowhere  1.00 EUR\n  Assets:Suspense\n'
    manual.write_text(text, encoding="utf-8")
    short = cli("--books", str(books), "check")
    assert short.code == 1
    lines = short.out.strip().splitlines()
    assert len(lines) <= 5, short.out
    assert any(line.startswith("15 like: ledger/") for line in lines), short.out
    assert "--verbose prints every one" in short.out
    full = cli("--books", str(books), "check", "--verbose")
    assert full.code == 1
    assert full.out.count("does not balance") == 15


def _run_on_a_terminal(args: list[str], cwd: Path) -> str:
    """Run the command line with stderr on a pseudo-terminal; return what it drew there."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecomledger", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    drawn = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    proc.wait(timeout=120)
    os.close(master)
    return drawn.decode("utf-8", "replace")


def test_import_and_check_draw_progress_on_a_terminal_only(cli, demo_books: Path) -> None:
    drawn = _run_on_a_terminal(["--books", str(demo_books), "import"], demo_books)
    assert "importing" in drawn and "/3" in drawn, drawn
    drawn = _run_on_a_terminal(["--books", str(demo_books), "check"], demo_books)
    assert "loading the books" in drawn, drawn
    piped = subprocess.run(
        [sys.executable, "-m", "ecomledger", "--books", str(demo_books), "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "loading the books" not in piped.stderr


def test_fetch_shows_requests_per_second_in_its_summary(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    with SandboxServer(seed=2, orders=40) as srv:
        config.write_text(
            config.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", srv.url),
            encoding="utf-8",
        )
        os.environ["DEMO_SANDBOX_TOKEN"] = TOKEN
        try:
            result = cli("--books", str(demo_books), "fetch", "sandbox-shop")
        finally:
            del os.environ["DEMO_SANDBOX_TOKEN"]
    assert "requests (" in result.out and "/s)" in result.out, result.out + result.err
