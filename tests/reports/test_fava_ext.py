"""The reports inside a real Fava server on 127.0.0.1, and ``init`` declaring the extension."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomledger.scaffold import init_books

EXTENSION_LINE = '2000-01-01 custom "fava-extension" "ecomledger.fava_ext"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str, str]:
    """Status, final URL and body of a GET (redirects followed)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode("utf-8", "replace")


@pytest.fixture
def fava(demo_copy: Path) -> Iterator[str]:
    """A Fava server over a copy of the demo books; yields the books' base URL."""
    program = Path(sys.executable).with_name("fava")
    if not program.exists():
        program = Path(shutil.which("fava") or "fava")
    port = free_port()
    process = subprocess.Popen(
        [
            str(program),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            str(demo_copy / "main.beancount"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        root = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 90
        while True:
            try:
                status, url, _ = get(root)
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"fava did not start: {output[-2000:]}")
                time.sleep(0.3)
        assert status == 200
        yield url.rsplit("/", 2)[0]  # http://127.0.0.1:PORT/<bfile>
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_demo_declares_the_extension(built_demo: Path) -> None:
    assert EXTENSION_LINE in (built_demo / "main.beancount").read_text(encoding="utf-8")


def test_init_declares_the_extension(tmp_path: Path) -> None:
    init_books(tmp_path / "b", year=2026)
    assert EXTENSION_LINE in (tmp_path / "b" / "main.beancount").read_text(encoding="utf-8")


def test_fava_serves_the_reports(fava: str) -> None:
    page = f"{fava}/extension/EcomledgerReports/"
    status, _, body = get(page)
    assert status == 200
    assert 'data-report="pnl"' in body  # the default report
    assert "Compte de résultat" in body
    assert 'class="ecl-error"' not in body
    for name, marker in (
        ("balance-sheet", 'data-chart="structure"'),
        ("trial-balance", "Balance générale"),
        ("journal", "VT000001"),
        ("general-ledger", "Solde d&#39;ouverture"),
    ):
        status, _, body = get(f"{page}?report={name}&period=2026&compare=previous")
        assert status == 200, name
        assert f'data-report="{name}"' in body and marker in body, name
        assert 'class="ecl-error"' not in body, name
    # every report of the registry is one link away
    assert "?report=pnl" in body and "?report=general-ledger" in body


def test_a_bad_period_in_fava_is_one_sentence(fava: str) -> None:
    status, _, body = get(f"{fava}/extension/EcomledgerReports/?report=pnl&period=2019")
    assert status == 200
    assert 'class="ecl-error"' in body
    assert "has no entries" in body
