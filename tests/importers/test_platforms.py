"""Every platform end to end, over real HTTP: sandbox → client → payload files → import.

For each platform a small sandbox shop is fetched with the real client into a copy of the
demo books, the payload files are imported, and the books are loaded with every plugin
(VAT, numbering, inventory, deposits). The receivables booked must equal what the raw
payload says the customers paid (total minus refunds, minus gift cards where the platform
shows them), to the cent; importing again, or fetching again and importing, adds nothing.

The books copy is adjusted for a 2025 sandbox: accounts opened in 2024, stock bought for
the sandbox's SKUs, and the VAT plugin told the shop opted in to OSS (the sandbox charges
destination VAT to EU consumers from the first euro, as an opted-in shop does).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data

from ecomledger import fetch, ingest, ledger
from ecomledger.config import load_config
from ecomledger.http import Http, RetryPolicy
from ecomledger.importers import stripe_json
from ecomledger.importers._orders import OrderImporter
from ecomledger.importers.shopify import pages_of
from ecomledger.model import Order
from ecomledger.money import ZERO, from_minor
from ecomledger.sandbox import (
    LOCATION_ID,
    SITE_ID,
    STORE_HASH,
    TOKEN,
    WOO_KEY,
    WOO_SECRET,
    SandboxServer,
    dialects,
)
from ecomledger.sandbox.data import _CATALOGUE

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-shop"
ORDERS = 40
PAGE = 10

COMPANY = """
[company]
name = "Demo Boutique SAS"
siren = "732829320"
vat_number = "FR44732829320"
country = "FR"
currency = "EUR"
timezone = "Europe/Paris"

[company.address]
street = "12 rue des Artisans"
postcode = "75011"
city = "Paris"
country = "FR"

[[processors]]
name = "stripe"
kind = "stripe"
account = "Assets:Clearing:Stripe"
fees_account = "Expenses:Fees:Stripe"
country = "IE"
token_env = "STRIPE_KEY"

[[processors]]
name = "shopify-payments"
kind = "shopify_payments"
account = "Assets:Clearing:ShopifyPayments"
fees_account = "Expenses:Fees:ShopifyPayments"
country = "FR"
"""

#: platform → (shop name, url suffix, token/key/secret variables, client options)
SOURCES: dict[str, tuple[str, str, dict[str, str], dict[str, Any]]] = {
    "shopify": ("sandbox-shopify", "", {"token_env": "SHOPIFY_TOKEN"}, {}),
    "woocommerce": (
        "sandbox-woo",
        "",
        {"key_env": "WOO_KEY", "secret_env": "WOO_SECRET"},
        {},
    ),
    "prestashop": ("sandbox-presta", "", {"token_env": "PRESTA_KEY"}, {}),
    "magento": ("sandbox-magento", "", {"token_env": "MAGENTO_TOKEN"}, {}),
    "bigcommerce": (
        "sandbox-bigcommerce",
        f"/stores/{STORE_HASH}",
        {"token_env": "BC_TOKEN"},
        {},
    ),
    "square": (
        "sandbox-square",
        "",
        {"token_env": "SQUARE_TOKEN"},
        {"location_ids": [LOCATION_ID]},
    ),
    "wix": ("sandbox-wix", "", {"token_env": "WIX_KEY"}, {"site_id": SITE_ID}),
    "stripe": ("stripe", "", {"token_env": "STRIPE_KEY"}, {"page_size": 5}),
}
PROCESSOR = {"shopify": "shopify-payments", "woocommerce": "stripe", "magento": "stripe"}
SECRETS = {
    "SHOPIFY_TOKEN": TOKEN,
    "WOO_KEY": WOO_KEY,
    "WOO_SECRET": WOO_SECRET,
    "PRESTA_KEY": TOKEN,
    "MAGENTO_TOKEN": TOKEN,
    "BC_TOKEN": TOKEN,
    "SQUARE_TOKEN": TOKEN,
    "WIX_KEY": TOKEN,
    "STRIPE_KEY": TOKEN,
}


def _config_text(url: str) -> str:
    shops = []
    for platform, (name, _suffix, env, _options) in SOURCES.items():
        if platform == "stripe":
            continue
        lines = [
            "[[shops]]",
            f'name = "{name}"',
            f'platform = "{platform}"',
            f'url = "{url}"',
        ]
        lines += [f'{key} = "{value}"' for key, value in env.items()]
        if platform in PROCESSOR:
            lines.append(f'processor = "{PROCESSOR[platform]}"')
        shops.append("\n".join(lines))
    return COMPANY + "\n" + "\n\n".join(shops) + "\n"


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo books ready for 2025 sandbox orders (see the module docstring)."""
    return make_books(tmp_path, monkeypatch)


def make_books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The books of the ``books`` fixture (other sandbox tests build theirs with it)."""
    root = tmp_path / "books"
    shutil.copytree(DEMO, root)
    # The demo books already open their chart in 2000 and opt in to OSS, as the sandbox
    # (which charges destination VAT from the first euro) needs.
    assert "'oss_opt_in': True" in (root / "main.beancount").read_text()
    stock = "\n".join(f"  Assets:Stock  1000 {sku} {{1.00 EUR}}" for sku, *_ in _CATALOGUE)
    (root / "ledger" / "2024").mkdir(parents=True)
    (root / "ledger" / "2024" / "stock.beancount").write_text(
        f'2024-12-01 * "Supplier" "Sandbox stock"\n{stock}\n  Liabilities:Suppliers\n'
    )
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return root


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11, orders=ORDERS, bucket_capacity=1_000_000) as srv:
        yield srv


def _fetch(books: Path, srv: SandboxServer, platform: str) -> list[Path]:
    name, suffix, env, options = SOURCES[platform]
    if not (books / "ecomledger.toml").read_text().count("sandbox-woo"):
        (books / "ecomledger.toml").write_text(_config_text(srv.url))
    source = fetch.SourceConfig(
        name, platform, srv.url + suffix, options={"page_size": PAGE} | options, **env
    )
    layer = Http(name, sleep=lambda _s: None, retry=RetryPolicy(base_delay=0.0))
    with layer:
        report = fetch.fetch_source(books, source, http=layer)
    return [books / f for f in report.files]


def _payloads(files: list[Path]) -> list[dict[str, Any]]:
    return [json.loads((f).read_text(), parse_float=Decimal) for f in files]


def _items(page: Any) -> list[dict[str, Any]]:
    if isinstance(page, list):
        return page
    if not isinstance(page, dict):
        return []
    return page.get("orders") or page.get("items") or page.get("data") or []


def _raw_orders(files: list[Path], key: str = "id") -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for doc in _payloads(files):
        if doc["kind"] == "orders":
            for page in pages_of(doc):
                for order in _items(page):
                    latest[str(order[key])] = order
    return list(latest.values())


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


# -- what the customers paid, according to each platform's raw payload -----------------


def _shopify_gift_cards(files: list[Path]) -> dict[str, Decimal]:
    """Σ gift-card payments per order id, from the transactions saved beside the orders."""
    paid: dict[str, Decimal] = {}
    for doc in _payloads(files):
        for order_id, bodies in (doc.get("related") or {}).get("transactions", {}).items():
            paid[order_id] = sum(
                (
                    _money(t["amount"])
                    for body in bodies
                    for t in body["transactions"]
                    if t["gateway"] == "gift_card"
                    and t["status"] == "success"
                    and t["kind"] in ("sale", "capture")
                ),
                ZERO,
            )
        # the bulk export (GraphQL spelling): every order of the window, one line each
        for bodies in (doc.get("related") or {}).get("bulk_transactions", {}).values():
            for line in (line for body in bodies for line in body):
                paid[line["id"].rsplit("/", 1)[-1]] = sum(
                    (
                        _money(t["amountSet"]["shopMoney"]["amount"])
                        for t in line["transactions"]
                        if t["gateway"] == "gift_card"
                        and t["status"] == "SUCCESS"
                        and t["kind"] in ("SALE", "CAPTURE")
                    ),
                    ZERO,
                )
    return paid


def _shopify(files: list[Path]) -> Decimal:
    paid = ("paid", "partially_refunded", "refunded", "partially_paid")
    gift_cards = _shopify_gift_cards(files)
    return sum(
        (
            _money(o["total_price"])
            - gift_cards.get(str(o["id"]), ZERO)
            - sum(
                (_money(t["amount"]) for r in o["refunds"] for t in r["transactions"]),
                ZERO,
            )
            for o in _raw_orders(files)
            if o["financial_status"] in paid
        ),
        ZERO,
    )


def _woocommerce(files: list[Path]) -> Decimal:
    return sum(
        (
            _money(o["total"]) + sum((_money(r["total"]) for r in o["refunds"]), ZERO)
            for o in _raw_orders(files)
            if o["status"] in ("processing", "completed", "refunded")
        ),
        ZERO,
    )


def _magento(files: list[Path]) -> Decimal:
    return sum(
        (
            _money(o["base_grand_total"]) - _money(o.get("base_total_refunded"))
            for o in _raw_orders(files, "entity_id")
            if o["state"] in ("processing", "complete", "closed")
        ),
        ZERO,
    )


def _wix(files: list[Path]) -> Decimal:
    return sum(
        (
            _money(o["priceSummary"]["total"]["amount"])
            - _money(o["balanceSummary"]["refunded"]["amount"])
            for o in _raw_orders(files)
            if o["paymentStatus"] in ("PAID", "PARTIALLY_REFUNDED", "FULLY_REFUNDED")
        ),
        ZERO,
    )


def _bigcommerce(files: list[Path]) -> Decimal:
    return sum(
        (
            _money(o["total_inc_tax"])
            - _money(o["refunded_amount"])
            - _money(o["gift_certificate_amount"])
            for o in _raw_orders(files)
            if o["status_id"] in (2, 3, 4, 8, 9, 10, 11, 14)
        ),
        ZERO,
    )


def _square(files: list[Path]) -> Decimal:
    def minor(node: dict[str, Any]) -> Decimal:
        return from_minor(node["amount"], node["currency"])

    return sum(
        (
            minor(o["total_money"])
            - sum((minor(r["amount_money"]) for r in o["refunds"]), ZERO)
            - sum(
                (minor(t["amount_money"]) for t in o["tenders"] if t["type"] == "SQUARE_GIFT_CARD"),
                ZERO,
            )
            for o in _raw_orders(files)
            if o["state"] == "COMPLETED"
        ),
        ZERO,
    )


def _prestashop(files: list[Path]) -> Decimal:
    # refunds are credit slips (/api/order_slip), saved beside the orders
    slips = {
        str(slip["id"]): slip
        for doc in _payloads(files)
        for body in (doc.get("related") or {}).get("order_slips", {}).get("all", [])
        if body
        for slip in body["order_slips"]
    }
    return sum(
        (
            _money(o["total_paid_tax_incl"])
            for o in _raw_orders(files)
            if o["valid"] == "1" and o["current_state"] not in ("6", "8")
        ),
        ZERO,
    ) - sum((_money(slip["amount"]) for slip in slips.values()), ZERO)


EXPECTED: dict[str, Callable[[list[Path]], Decimal]] = {
    "prestashop": _prestashop,
    "square": _square,
    "bigcommerce": _bigcommerce,
    "wix": _wix,
    "magento": _magento,
    "shopify": _shopify,
    "woocommerce": _woocommerce,
}


def _booked(entries: list[data.Directive], source: str) -> Decimal:
    """Σ first postings of the source's invoices and credit notes (credit notes negative)."""
    total = ZERO
    for entry in entries:
        if not isinstance(entry, data.Transaction) or entry.meta.get("source") != source:
            continue
        if "invoice" in entry.meta or "credit_note" in entry.meta:
            total += _number(entry.postings[0])
    return total


def _number(posting: data.Posting) -> Decimal:
    assert posting.units is not None and posting.units.number is not None
    return posting.units.number


def _errors(books: Path) -> list[str]:
    _entries, errors, _options = ledger.load(books)
    return [getattr(e, "message", str(e)) for e in errors]


@pytest.mark.parametrize("platform", sorted(EXPECTED))
def test_fetch_import_receivables(books: Path, sandbox: SandboxServer, platform: str) -> None:
    files = _fetch(books, sandbox, platform)
    for doc in _payloads(files):
        if doc["kind"] == "orders":
            assert len(doc["pages"]) >= 3
    config = load_config(books / "ecomledger.toml")
    result = ingest.import_files(books, config, files, archive=False)
    assert result.added
    assert _errors(books) == []
    entries, _, _ = ledger.load(books)
    name = SOURCES[platform][0]
    assert _booked(entries, f"{platform}:{name}") == EXPECTED[platform](files)
    assert not ingest.import_files(books, config, files, archive=False).added
    again = _fetch(books, sandbox, platform)
    assert not ingest.import_files(books, config, again, archive=False).added
    assert _errors(books) == []


def test_stripe_payouts(books: Path, sandbox: SandboxServer) -> None:
    files = _fetch(books, sandbox, "stripe")
    for doc in _payloads(files):
        assert len(doc["pages"]) >= 3
    config = load_config(books / "ecomledger.toml")
    result = ingest.import_files(books, config, files, archive=False)
    payouts = [e for e in result.added if isinstance(e, data.Transaction)]
    raw = [
        p
        for doc in _payloads(files)
        if doc["kind"] == "payouts"
        for page in doc["pages"]
        for p in page["data"]
        if p["status"] == "paid"
    ]
    assert len(payouts) == len(raw) > 0
    txns = [
        t for doc in _payloads(files) if doc["kind"] == "balance_transactions"
        for page in doc["pages"] for t in page["data"]
    ]  # fmt: skip
    fees = {p.meta["payout_id"]: _number(p.postings[1]) for p in payouts}
    by_payout = stripe_json.settle(txns)
    for payout in raw:
        assert fees[payout["id"]] == sum((t.fee for t in by_payout[payout["id"]]), ZERO)
        transfer = next(p for p in payouts if p.meta["payout_id"] == payout["id"]).postings[0]
        assert _number(transfer) == from_minor(payout["amount"], "EUR")
    assert _errors(books) == []
    assert not ingest.import_files(books, config, files, archive=False).added


def test_every_entry_names_its_source(books: Path, sandbox: SandboxServer) -> None:
    files = [f for platform in ("woocommerce", "stripe") for f in _fetch(books, sandbox, platform)]
    config = load_config(books / "ecomledger.toml")
    added = ingest.import_files(books, config, files, archive=False).added
    transactions = [e for e in added if isinstance(e, data.Transaction)]
    assert transactions
    for entry in transactions:
        assert entry.meta.get("source") and entry.meta.get("source_id")
        if "invoice" in entry.meta or "credit_note" in entry.meta:
            assert entry.meta.get("order_id")


def test_importers_recognise_only_their_own_files(books: Path, sandbox: SandboxServer) -> None:
    files = {p: _fetch(books, sandbox, p) for p in SOURCES}
    config = load_config(books / "ecomledger.toml")
    importers = [i for i in ingest.all_importers(config) if isinstance(i, OrderImporter)]
    for platform, paths in files.items():
        for path in paths:
            owners = [i.platform for i in importers if i.identify(str(path))]
            assert owners == [platform], path


def test_prestashop_countries_come_from_the_delivery_addresses(
    books: Path, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A fetched file places each order at its delivery address; a hand-saved orders body,
    which has no addresses, books home sales and says their country is unknown."""
    (fetched,) = _fetch(books, sandbox, "prestashop")
    config = load_config(books / "ecomledger.toml")
    (importer,) = [
        i for i in ingest.all_importers(config) if getattr(i, "platform", "") == "prestashop"
    ]
    assert isinstance(importer, OrderImporter)
    expected = {dialects.presta_address_id(o.customer): o.customer for o in sandbox.data.orders}
    orders = [r for r in importer.records(str(fetched)) if isinstance(r, Order)]
    raw = {str(o["id"]): o for o in _raw_orders([fetched])}
    for order in orders:
        customer = expected[int(raw[order.order_id]["id_address_delivery"])]
        assert order.customer.country == customer.country
        assert order.customer.vat_number == (customer.vat_number or "")
    assert {o.customer.country for o in orders} > {"FR"}
    assert not any("delivery country" in f for f in importer.findings[str(fetched)])

    envelope = json.loads(fetched.read_text())
    hand = tmp_path / "orders.json"
    hand.write_text(json.dumps(envelope["pages"][0]))
    assert importer.identify(str(hand))
    saved = [r for r in importer.records(str(hand)) if isinstance(r, Order)]
    assert saved and all(o.customer.country == "" and not o.tax_country for o in saved)
    (finding,) = [f for f in importer.findings[str(hand)] if "delivery country" in f]
    assert finding.startswith(f"delivery country unknown for {len(saved)} order(s)")
    assert "booked as FR sales" in finding
