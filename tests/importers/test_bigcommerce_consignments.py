"""BigCommerce's line items and shipping addresses, embedded or apart, book the same.

Fetches now ask ``GET /v2/orders?include=consignments.line_items``, and each order carries
its line items and shipping address in its consignments. Books fetched before hold the
same data as per-order sub-resources (``related``: products, shipping addresses, coupons).
Both payloads, and the legacy array shape of consignments, must import to the same
entries, over real HTTP against the sandbox and the real importer and loader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from beancount.parser import printer

from ecomledger import fetch, ingest, ledger
from ecomledger.clients import bigcommerce as client_module
from ecomledger.clients.base import FetchResult, PageLog
from ecomledger.config import load_config
from ecomledger.errors import UserError
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import STORE_HASH, SandboxServer

from .test_platforms import _config_text, make_books

NAME = "sandbox-bigcommerce"


class SubResourceClient(client_module.BigCommerceClient):
    """The client as it fetched before ``include``: the list, then each order's products,
    shipping addresses and coupons (what the payload files of earlier fetches hold)."""

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        log = self._pages(
            f"{self.base}/orders",
            {"sort": "date_modified:asc"},
            PageLog(client_module._rows, cursor_of=client_module._modified),
        )
        related: dict[str, dict[str, Any]] = {}
        for name in ("products", "shipping_addresses", "coupons"):
            related[name] = {
                str(oid): self._pages(
                    f"{self.base}/orders/{oid}/{name}", {}, PageLog(client_module._rows)
                ).pages
                for oid in log.ids
            }
        doc = log.resumable("orders")
        doc.related = related
        return FetchResult(self.platform, [doc])


@pytest.fixture(scope="module")
def sandbox() -> Any:
    with SandboxServer(seed=11, orders=60) as srv:
        yield srv


def _books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, url: str) -> Path:
    books = make_books(tmp_path / name, monkeypatch)
    (books / "ecomledger.toml").write_text(_config_text(url))
    return books


def _fetch(books: Path, srv: SandboxServer) -> Path:
    source = fetch.SourceConfig(
        NAME,
        "bigcommerce",
        f"{srv.url}/stores/{STORE_HASH}",
        token_env="BC_TOKEN",
        options={"page_size": 25},
    )
    with Http(NAME, sleep=lambda _s: None, retry=RetryPolicy(base_delay=0.0)) as layer:
        (name,) = fetch.fetch_source(books, source, http=layer).files
    return books / name


def _booked(books: Path, payload: Path) -> list[str]:
    """The entries the payload books, as text (without where they were read from)."""
    result = ingest.import_files(books, load_config(books / "ecomledger.toml"), [payload])
    assert result.added
    entries, errors, _ = ledger.load(books)
    assert errors == []
    texts = []
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.meta.get("source", "").startswith(
            "bigcommerce"
        ):
            meta = {k: v for k, v in entry.meta.items() if k not in ("filename", "lineno")}
            texts.append(printer.format_entry(entry._replace(meta=meta)))
    return texts


def test_consignments_and_sub_resources_book_the_same_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    embedded_books = _books(tmp_path, monkeypatch, "embedded", sandbox.url)
    embedded = _fetch(embedded_books, sandbox)
    envelope = json.loads(embedded.read_text())
    assert envelope["related"] == {}
    assert all("consignments" in o for page in envelope["pages"] for o in page)

    with monkeypatch.context() as patch:
        patch.setattr(client_module, "BigCommerceClient", SubResourceClient)
        apart_books = _books(tmp_path, monkeypatch, "apart", sandbox.url)
        apart = _fetch(apart_books, sandbox)
    assert set(json.loads(apart.read_text())["related"]) == {
        "products",
        "shipping_addresses",
        "coupons",
    }

    # the legacy shape: the consignments object wrapped in an array
    legacy_books = _books(tmp_path, monkeypatch, "legacy", sandbox.url)
    legacy = legacy_books / "documents" / "legacy-orders.json"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    for page in envelope["pages"]:
        for order in page:
            order["consignments"] = [order["consignments"]]
    legacy.write_text(json.dumps(envelope))

    expected = _booked(apart_books, apart)
    assert len(expected) >= 60  # an invoice per order, credit notes for the refunds
    assert _booked(embedded_books, embedded) == expected
    assert _booked(legacy_books, legacy) == expected


def test_an_order_without_its_line_items_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: SandboxServer
) -> None:
    """Without consignments nor related products (a hand-saved list page, a list asked
    without ``include``), the orders would be booked without their lines: refused, saying
    which order and what to do."""
    books = _books(tmp_path, monkeypatch, "bare", sandbox.url)
    payload = _fetch(books, sandbox)
    envelope = json.loads(payload.read_text())
    order = envelope["pages"][0][0]
    del order["consignments"]
    payload.write_text(json.dumps(envelope))
    with pytest.raises(UserError) as info:
        ingest.import_files(books, load_config(books / "ecomledger.toml"), [payload])
    assert f"order {order['id']} comes without its products" in str(info.value)
    assert "ecomledger fetch" in str(info.value)

    # line items listed as links (include=consignments alone) are refused too
    order["consignments"] = {"shipping": [{"line_items": [{"url": "u", "resource": "r"}]}]}
    payload.write_text(json.dumps(envelope))
    with pytest.raises(UserError, match="lists its line items as links"):
        ingest.import_files(books, load_config(books / "ecomledger.toml"), [payload])
