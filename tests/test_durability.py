"""Nothing a user gave is lost, nothing is half-written, no answer comes from a stale cache.

Issue 16 items 1-4 and issue 12 items 4 and 8: the fetch cursor and the import land
together; ``check`` sees a ledger file an import (or a hand) just created; an inbox file
whose name the archive already holds with other bytes is archived under another name; the
renames of one import are applied through a journal that the next run finishes; a bad file
no longer blocks the good ones; rewritten files keep their permissions.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from beancount import loader

from ecomledger import ledger
from ecomledger.config import load_config
from ecomledger.ingest import import_files, inbox_files
from ecomledger.sandbox import TOKEN, SandboxServer

from .conftest import snapshot

ORDERS = "inbox/shopify-orders.json"
PAYOUTS = "inbox/shopify-payouts.json"
STATEMENT = "inbox/qonto-2026-03.csv"


def books_files(books: Path) -> dict[str, bytes]:
    """The Beancount files: what the books say, whatever the payload files are called."""
    return {
        str(p.relative_to(books)): p.read_bytes()
        for p in sorted(books.rglob("*.beancount"))
        if ".ecomledger" not in p.parts
    }


# --- 1. fetch: the cursor never runs ahead of the books -----------------------------------


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=3, orders=30, bucket_capacity=1_000_000) as server:
        yield server


def fetch_books(demo_books: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = demo_books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", url),
        encoding="utf-8",
    )
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", TOKEN)
    return demo_books


@pytest.fixture
def reference(
    cli, demo_books: Path, tmp_path: Path, sandbox: SandboxServer, monkeypatch
) -> dict[str, bytes]:
    """The books after one uninterrupted fetch."""
    books = tmp_path / "reference"
    shutil.copytree(demo_books, books)
    fetch_books(books, sandbox.url, monkeypatch)
    result = cli("--books", str(books), "fetch", "sandbox-shop")
    assert result.code == 0, result.err
    return books_files(books)


def test_a_fetch_whose_import_the_lock_refuses_loses_nothing(
    cli, demo_books: Path, sandbox: SandboxServer, monkeypatch, reference: dict[str, bytes]
) -> None:
    books = fetch_books(demo_books, sandbox.url, monkeypatch)
    real = import_files

    def locked_out(*args: object, **kwargs: object) -> object:
        with ledger.books_lock(books):  # another run holds the books while we import
            return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("ecomledger.cli.fetch.import_files", locked_out)
    refused = cli("--books", str(books), "fetch", "sandbox-shop")
    assert refused.code == 2 and "another ecomledger run is writing" in refused.err
    monkeypatch.undo()
    fetch_books(books, sandbox.url, monkeypatch)
    again = cli("--books", str(books), "fetch", "sandbox-shop")
    assert again.code == 0, again.err
    assert books_files(books) == reference
    assert "file(s) fetched earlier" in again.out
    assert "pending" not in json.loads((books / ".ecomledger/fetch-state.json").read_text())
    assert "next 'ecomledger fetch' imports them first" in refused.err


def test_ctrl_c_between_the_fetch_and_its_import_loses_nothing(
    cli, demo_books: Path, sandbox: SandboxServer, monkeypatch, reference: dict[str, bytes]
) -> None:
    books = fetch_books(demo_books, sandbox.url, monkeypatch)

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("ecomledger.cli.fetch.import_files", interrupted)
    assert cli("--books", str(books), "fetch", "sandbox-shop").code == 130  # "aborted"
    monkeypatch.undo()
    fetch_books(books, sandbox.url, monkeypatch)
    again = cli("--books", str(books), "fetch", "sandbox-shop")
    assert again.code == 0, again.err
    assert books_files(books) == reference


def test_importing_a_pending_payload_by_hand_clears_it(
    cli, demo_books: Path, sandbox: SandboxServer, monkeypatch
) -> None:
    books = fetch_books(demo_books, sandbox.url, monkeypatch)
    monkeypatch.setattr(
        "ecomledger.cli.fetch.import_files", lambda *a, **k: (_ for _ in ()).throw(SystemExit(3))
    )
    assert cli("--books", str(books), "fetch", "sandbox-shop").code == 3
    state = json.loads((books / ".ecomledger/fetch-state.json").read_text())
    files = state["pending"]["shopify/sandbox-shop"]
    assert len(files) == 2
    result = cli("--books", str(books), "import", *(str(books / f) for f in files))
    assert result.code == 0, result.err
    assert "pending" not in json.loads((books / ".ecomledger/fetch-state.json").read_text())


# --- 2. check never answers from a stale cache --------------------------------------------


def prime_pickle_cache(books: Path) -> Path:
    """Have Beancount's own caching loader write its cache, whatever the load took."""
    main = str(books / ledger.MAIN_FILE)
    cache = books / loader.PICKLE_CACHE_FILENAME.format(filename=ledger.MAIN_FILE)
    cached = loader.pickle_cache_function(lambda _: str(cache), 0.0, loader._uncached_load_file)
    cached(main, None, None, None)
    assert cache.exists()
    return cache


def test_check_sees_a_ledger_file_created_after_beancount_cached_the_books(
    cli, demo_books: Path
) -> None:
    import_files(demo_books, load_config(demo_books / "ecomledger.toml"), [demo_books / ORDERS])
    cache = prime_pickle_cache(demo_books)
    first = cli("--books", str(demo_books), "check")
    assert first.code == 0 and "no errors" in first.out, first.out
    os.utime(cache)  # the cache is newer than every folder
    assert pickle.loads(cache.read_bytes())[1] == []
    extra = demo_books / "ledger" / "2027" / "manual.beancount"
    extra.parent.mkdir()
    extra.write_text(
        '2027-01-05 * "Unbalanced"\n  Assets:Transfers  10.00 EUR\n  Equity:Capital  -9.00 EUR\n',
        encoding="utf-8",
    )
    result = cli("--books", str(demo_books), "check")
    assert result.code == 1, result.out
    assert "ledger/2027/manual.beancount:1:" in result.out


def test_an_import_drops_beancounts_cache(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, [demo_books / ORDERS])
    cache = prime_pickle_cache(demo_books)
    import_files(demo_books, config, [demo_books / STATEMENT])  # a new ledger file
    assert (demo_books / "ledger/2026/qonto-main.beancount").exists()
    assert not cache.exists(), "bean-check would answer about the books before the import"
    _, _errors, options = loader.load_file(str(demo_books / ledger.MAIN_FILE))
    assert str(demo_books / "ledger/2026/qonto-main.beancount") in options["include"]


# --- 3. evidence is never deleted ---------------------------------------------------------


def test_a_second_file_of_the_same_name_is_archived_under_another_name(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    statement = demo_books / STATEMENT
    first = statement.read_bytes()
    import_files(demo_books, config, [statement])
    lines = first.decode("utf-8").splitlines(keepends=True)
    second = "".join(lines[:2]).replace("qonto-tx-0001", "qonto-tx-9001").encode("utf-8")
    assert second != lines[0].encode()
    statement.write_bytes(second)
    import_files(demo_books, config, [statement])
    assert not statement.exists()
    archive = demo_books / "documents/qonto/main"
    assert (archive / "qonto-2026-03.csv").read_bytes() == first
    assert (archive / "qonto-2026-03-2.csv").read_bytes() == second
    statement.write_bytes(second)  # the same bytes again: already evidence
    import_files(demo_books, config, [statement])
    assert not statement.exists() and not (archive / "qonto-2026-03-3.csv").exists()


# --- 4. nothing half-written across files, nothing left behind ----------------------------


def test_a_crash_between_the_renames_of_one_import_is_finished_by_the_next_load(
    demo_books: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    whole = tmp_path / "whole"
    shutil.copytree(demo_books, whole)
    import_files(whole, config, inbox_files(whole))
    renames: list[str] = []
    real = os.replace

    def power_cut(src: str, dst: str) -> None:
        if str(dst).endswith(".beancount"):
            renames.append(str(dst))
            if len(renames) == 2:
                raise OSError("simulated power cut")
        real(src, dst)

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="simulated power cut"):
        import_files(demo_books, config, inbox_files(demo_books))
    monkeypatch.undo()
    assert len(renames) == 2  # one ledger file renamed, the others not yet
    _entries, errors, _ = ledger.load(demo_books)  # e.g. `ecomledger check`
    assert errors == []
    assert snapshot(demo_books) == snapshot(whole)


def test_what_a_killed_write_left_is_cleaned(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, [demo_books / ORDERS], archive=False)
    before = snapshot(demo_books)
    leftovers = [
        demo_books / "ledger/2026/.shopify-demo-shop.beancount.k1ll3d.tmp",
        demo_books / ".accounts.beancount.x8y9z0.tmp",
        demo_books / ".ecomledger/staging/4242-1.tmp",
        demo_books / ".ecomledger/.index.abcd1234",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half a write", encoding="utf-8")
    import_files(demo_books, config, [demo_books / ORDERS], archive=False)  # all duplicates
    assert [p for p in leftovers if p.exists()] == []
    assert snapshot(demo_books) == before


# --- issue 12 item 4: a bad file no longer blocks the good ones ---------------------------


def test_a_bad_file_no_longer_blocks_the_good_ones(cli, demo_books: Path) -> None:
    bad = demo_books / "inbox" / "broken-orders.json"
    bad.write_text('{"format": "ecomledger.fetch/1", "platform": "shopify", "pages": [', "utf-8")
    stray = demo_books / "inbox" / "notes.txt"
    stray.write_text("hello", encoding="utf-8")
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2
    assert "broken-orders.json:1: is not valid JSON" in result.err
    assert "notes.txt: no configured importer recognises this file" in result.err
    assert "2 file(s) refused" in result.err and "3 other file(s) imported" in result.err
    assert "Imported 3 file(s): 21 new entries" in result.out  # 16 + 5 Dec-Feb bank lines
    assert sorted(p.name for p in inbox_files(demo_books)) == ["broken-orders.json", "notes.txt"]
    assert (demo_books / "documents/qonto/main/qonto-2026-03.csv").exists()
    _, errors, _ = ledger.load(demo_books)
    assert errors == []


def test_a_conflict_refuses_its_file_only(cli, demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    changed = json.loads((demo_books / ORDERS).read_text(encoding="utf-8"))
    import_files(demo_books, config, [demo_books / ORDERS])
    order = changed["pages"][0]["orders"][0]
    order["total_price"] = "39.90"
    order["total_price_set"]["shop_money"]["amount"] = "39.90"
    (demo_books / "inbox" / "edited.json").write_text(json.dumps(changed), encoding="utf-8")
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2
    assert "shopify:demo-shop:order:7001 is already in the books" in result.err
    assert (demo_books / "inbox" / "edited.json").exists()
    assert (demo_books / "ledger/2026/qonto-main.beancount").exists()


# --- issue 12 item 8: files keep their permissions ----------------------------------------


def test_rewritten_files_keep_their_mode_and_new_ones_follow_the_umask(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    accounts = demo_books / ledger.ACCOUNTS_FILE
    accounts.chmod(0o640)
    old = os.umask(0o022)
    try:
        import_files(demo_books, config, [demo_books / ORDERS])
        shop = demo_books / "ledger/2026/shopify-demo-shop.beancount"
        assert oct(shop.stat().st_mode & 0o777) == oct(0o644)
        assert oct(accounts.stat().st_mode & 0o777) == oct(0o640)
        shop.chmod(0o664)
        os.umask(0o077)
        import_files(demo_books, config, [demo_books / PAYOUTS, demo_books / STATEMENT])
        assert oct(shop.stat().st_mode & 0o777) == oct(0o664)
        bank = demo_books / "ledger/2026/qonto-main.beancount"
        assert oct(bank.stat().st_mode & 0o777) == oct(0o600)
    finally:
        os.umask(old)
