"""kill -9 at any moment of an import or a fetch, then a re-run: the books of an
uninterrupted run, byte for byte, and nothing left behind.

Each case runs ``ecomledger`` in a real subprocess with ``ECOMLEDGER_KILL_AT=<point>[:<n>]``
(see :mod:`ecomledger.journal`): the process sends itself SIGKILL the n-th time it reaches
the named point, so the kill lands at the same place on every run; the re-run happens in the
test's process. The fetch talks HTTP to the sandbox over 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomledger.journal import JOURNAL, KILL_ENV, STAGING
from ecomledger.sandbox import TOKEN, SandboxServer

from .conftest import snapshot

#: Kill points of an import of the demo inbox (3 files: 3 ledger files, accounts, 3 moves).
IMPORT_POINTS = ["import-booked", "staged", "journal", "renamed:1", "renamed:4", "applied"]
#: Kill points of a fetch: the fetch's own batch (2 payloads and the state, renames 1-3),
#: then the import of what it fetched (its journal is the run's second).
FETCH_POINTS = ["fetch-fetched", "journal:1", "renamed:2", "applied:1", "journal:2", "renamed:5"]


def run(books: Path, *args: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEMO_SANDBOX_TOKEN": TOKEN, "COLUMNS": "200"}
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "ecomledger", "--books", str(books), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def killed(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == -signal.SIGKILL


def nothing_left_behind(books: Path) -> None:
    assert not (books / JOURNAL).exists()
    staging = books / STAGING
    assert not staging.exists() or list(staging.iterdir()) == []
    assert list(books.rglob("*.tmp")) == []


@pytest.fixture(scope="module")
def import_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    from .conftest import EXAMPLES

    books = tmp_path_factory.mktemp("reference") / "books"
    shutil.copytree(EXAMPLES, books, ignore=shutil.ignore_patterns("*.picklecache"))
    assert run(books, "import").returncode == 0
    return snapshot(books)


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_kill_during_an_import(
    cli, demo_books: Path, import_reference: dict[str, bytes], point: str
) -> None:
    first = run(demo_books, "import", kill_at=point)
    assert killed(first), (first.returncode, first.stderr)
    again = cli("--books", str(demo_books), "import")  # the re-run, in this process
    assert again.code == 0, again.err
    assert snapshot(demo_books) == import_reference
    nothing_left_behind(demo_books)


def test_kill_during_the_recovery_of_a_killed_import(
    cli, demo_books: Path, import_reference: dict[str, bytes]
) -> None:
    """Replaying the journal is itself killed: the next run replays it again."""
    assert killed(run(demo_books, "import", kill_at="renamed:2"))
    assert (demo_books / JOURNAL).exists()
    replay = run(demo_books, "import", kill_at="renamed:1")  # killed inside the replay
    assert killed(replay), (replay.returncode, replay.stderr)
    again = cli("--books", str(demo_books), "import")
    assert again.code == 0, again.err
    assert snapshot(demo_books) == import_reference
    nothing_left_behind(demo_books)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=3, orders=30, bucket_capacity=1_000_000) as server:
        yield server


def fetch_books(source: Path, target: Path, url: str) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.picklecache"))
    config = target / "ecomledger.toml"
    text = config.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", url)
    config.write_text(text, encoding="utf-8")
    for item in (target / "inbox").iterdir():  # the fetch alone
        if item.name != ".gitkeep":
            item.unlink()
    return target


def beancount_files(books: Path) -> dict[str, bytes]:
    return {str(p.relative_to(books)): p.read_bytes() for p in sorted(books.rglob("*.beancount"))}


@pytest.fixture(scope="module")
def fetch_reference(
    tmp_path_factory: pytest.TempPathFactory, sandbox: SandboxServer
) -> dict[str, bytes]:
    from .conftest import EXAMPLES

    books = fetch_books(EXAMPLES, tmp_path_factory.mktemp("fetched") / "books", sandbox.url)
    result = run(books, "fetch", "sandbox-shop")
    assert result.returncode == 0, result.stderr
    return beancount_files(books)


@pytest.mark.parametrize("point", FETCH_POINTS)
def test_kill_during_a_fetch(
    cli,
    monkeypatch: pytest.MonkeyPatch,
    demo_books: Path,
    tmp_path: Path,
    sandbox: SandboxServer,
    fetch_reference: dict[str, bytes],
    point: str,
) -> None:
    books = fetch_books(demo_books, tmp_path / "fetching", sandbox.url)
    first = run(books, "fetch", "sandbox-shop", kill_at=point)
    assert killed(first), (first.returncode, first.stderr)
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", TOKEN)
    again = cli("--books", str(books), "fetch", "sandbox-shop")  # the re-run, in this process
    assert again.code == 0, again.err
    assert beancount_files(books) == fetch_reference
    assert '"pending"' not in (books / ".ecomledger/fetch-state.json").read_text()
    nothing_left_behind(books)
