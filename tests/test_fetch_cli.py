"""`ecomledger fetch` over real HTTP against the sandbox: complete, idempotent, or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomledger import fetch
from ecomledger.http import Http
from ecomledger.sandbox import TOKEN, SandboxServer
from ecomledger.sandbox.server import Faults

from .conftest import snapshot


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=3, orders=30, bucket_capacity=1_000_000) as server:
        yield server


def point_at(books: Path, url: str) -> None:
    config = books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("http://127.0.0.1:8765", url),
        encoding="utf-8",
    )


def test_fetch_imports_then_adds_nothing(cli, demo_books: Path, sandbox, monkeypatch) -> None:
    point_at(demo_books, sandbox.url)
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", TOKEN)
    first = cli("--books", str(demo_books), "fetch", "sandbox-shop")
    assert first.code == 0, first.err
    assert "shopify/sandbox-shop:" in first.out and " new entries" in first.out
    assert list((demo_books / "documents" / "shopify" / "sandbox-shop").glob("*-orders.json"))
    ledger_before = snapshot(demo_books / "ledger")
    again = cli("--books", str(demo_books), "fetch", "sandbox-shop", "--since", "2025-01-01")
    assert again.code == 0, again.err
    assert ", 0 new entries" in again.out
    assert snapshot(demo_books / "ledger") == ledger_before


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        (Faults(truncate=1), "sandbox-shop"),
        (Faults(server_error=50, server_error_status=503), "503"),
        (Faults(rate_limit=50, retry_after="0"), "429"),
    ],
)
def test_a_failing_fetch_leaves_the_books_byte_identical(
    cli, demo_books: Path, sandbox, monkeypatch, faults: Faults, expected: str
) -> None:
    point_at(demo_books, sandbox.url)
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", TOKEN)
    real = fetch.fetch_source

    def no_waiting(books: Path, source: fetch.SourceConfig, **kwargs: object) -> object:
        layer = Http(source.name, sleep=lambda _seconds: None)
        return real(books, source, http=layer, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("ecomledger.cli.fetch.fetch_source", no_waiting)
    sandbox.set_faults(faults)
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "fetch", "sandbox-shop")
    assert result.code == 2, result.out + result.err
    assert expected in result.err and "Traceback" not in result.err
    assert snapshot(demo_books) == before


def test_a_missing_token_is_one_sentence(cli, demo_books: Path, monkeypatch) -> None:
    monkeypatch.delenv("DEMO_SANDBOX_TOKEN", raising=False)
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "fetch", "sandbox-shop")
    assert result.code == 2
    assert "DEMO_SANDBOX_TOKEN" in result.err and "is not set" in result.err
    assert snapshot(demo_books) == before


def test_unknown_shop_is_named(cli, demo_books: Path) -> None:
    result = cli("--books", str(demo_books), "fetch", "nope")
    assert result.code == 2 and "no shop or fetchable processor named 'nope'" in result.err
