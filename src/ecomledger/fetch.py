"""Fetch orders and payouts from a shop or processor into immutable payload files.

``fetch`` talks HTTP and writes what the platform sent; it knows no Beancount (DESIGN §2).
The importers read these files, so a manual export and an API fetch go down the same path,
and every importer can be tested offline against recorded payloads.

Guarantees:

- All pages are collected in memory first; a fetch that fails on any page raises
  `FetchError` and writes nothing (no payload file, no cursor change).
- The payload files and the state (cursor) are written together under the books' lock, as
  one :class:`ecomledger.journal.Batch`: after a crash there are both or neither. A payload
  file is never overwritten: a second fetch in the same second gets a ``-2`` suffix.
- Nothing fetched is lost before it reaches the books: the files of a fetch stay listed as
  *pending* in the state until the import that books them removes them from the list in
  its own journal (:func:`mark_imported`). ``ecomledger fetch`` imports a source's pending
  files before fetching it again, so a crash, Ctrl-C or a lock refusing the import between
  the fetch and its import loses no order, although the cursor has moved past them.
- Secrets never live in files: the configuration names environment variables.

Payload file
============

Path: ``<books>/documents/<platform>/<name>/<YYYY-MM-DDTHHMMSSZ>-<kind>.json`` (UTC fetch
time), one file per kind and fetch, e.g. ``documents/shopify/demo/20250401T...``. Kinds:

==============  ======================================================================
shopify         ``orders`` (refunds embedded; related: ``bulk_transactions`` under
                ``"all"``: the JSONL lines of a GraphQL bulk export of the orders'
                payments, as one array; ``transactions`` per order id, for the orders
                paid partly by gift card that the export missed, or all of them with
                ``bulk = false``), ``payouts`` (related: ``bulk_balance_transactions``
                under ``"all"``, likewise; ``balance_transactions`` per payout id)
woocommerce     ``orders`` (related: ``refunds`` per order id, the bodies of
                ``orders/<id>/refunds`` for the orders whose summary lists refunds)
prestashop      ``orders`` (related: ``addresses`` per delivery address id, each a
                one-address body ``{"addresses": [...]}`` cut from the batched answer;
                ``countries`` under ``"all"``: the id → ``iso_code`` list;
                ``order_slips`` under ``"all"``: the credit slip pages of the window;
                ``order_details`` per order row id the slips name, one-row bodies with
                ``product_quantity_reinjected``)
magento         ``orders`` (related: ``creditmemos`` under ``"all"``: the credit memo
                search pages, present even when empty)
bigcommerce     ``orders`` (each with its consignments and line items embedded; files of
                earlier fetches: related ``products``, ``shipping_addresses``,
                ``coupons`` per order id)
square          ``orders``
wix             ``orders``
stripe          ``balance_transactions``, ``payouts``
qonto           ``transactions`` (a bank's ``[[banks]]`` entry with ``api = "qonto"``;
                ``documents/qonto/<bank name>/``), likewise ``revolut``, ``gocardless``
==============  ======================================================================

Envelope (read it with ``json.load(f, parse_float=Decimal)``)::

    {
      "format": "ecomledger.fetch/1",
      "platform": "shopify",                  # platform key, as in ecomledger.toml
      "shop": "demo",                         # the shop/processor name in ecomledger.toml
      "kind": "orders",
      "fetched_at": "2025-04-01T10:00:00Z",   # UTC, when the fetch started
      "since": "2025-03-01T00:00:00Z",        # lower bound used (inclusive) or null
      "until": null,                          # upper bound used (inclusive) or null
      "cursor": "2025-03-31T02:01:09Z",       # resume point after this fetch, or null
      "count": 120,                           # distinct objects (by id) in "pages"
      "pages": [ <body>, <body>, ... ],       # each list response body, verbatim
      "related": {                            # sub-resources fetched per parent id
        "balance_transactions": {"<payout id>": [ <body>, ... ]}
        # or, on Shopify orders: "transactions": {"<order id>": [ <body> ]}
        # or, on WooCommerce orders: "refunds": {"<order id>": [ <body> ]}
        # or, on PrestaShop orders: "addresses": {"<address id>": [ <body> ]},
        #                           "countries": {"all": [ <body> ]},
        #                           "order_slips": {"all": [ <body>, ... ]},
        #                           "order_details": {"<row id>": [ <body> ]}
        # or, on Magento orders: "creditmemos": {"all": [ <body>, ... ]}
      }
    }

``pages`` holds the bodies exactly as the platform sent them (same numbers, same
strings: money stays ``"12.90"``, ``12.9`` or ``1290`` as the platform wrote it), in fetch
order. Where the list lives inside a body is the platform's: ``{"orders": [...]}``
(Shopify, PrestaShop, Square, Wix), a bare array (WooCommerce, BigCommerce), ``{"items":
[...]}`` (Magento), ``{"data": [...]}`` (Stripe), ``{"payouts": [...]}`` and
``{"transactions": [...]}`` (Shopify Payments). A page that only repeated objects already
seen is dropped; objects can still appear twice across pages when the platform's list
shifted during the fetch (or across files, since bounds are inclusive): importers dedupe
by id and keep the last occurrence (lists are fetched oldest update first where the
platform allows it). An empty PrestaShop page is ``[]``; an empty BigCommerce page (HTTP
204) is ``null`` and is not stored.

State file ``<books>/.ecomledger/fetch-state.json``::

    {"version": 1,
     "sources": {"shopify/demo": {"orders": {"cursor": "...", "fetched_at": "...",
                                             "file": "documents/shopify/demo/...json"}}},
     "pending": {"shopify/demo": ["documents/shopify/demo/...-orders.json", ...]}}
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecomledger import journal
from ecomledger.clients.base import Client, Credentials, Document, FetchResult, iso_z
from ecomledger.http import FetchError, Http

__all__ = [
    "ENVELOPE_FORMAT",
    "PLATFORMS",
    "FetchReport",
    "SourceConfig",
    "bank_source",
    "fetch_source",
    "load_state",
    "make_client",
    "mark_imported",
    "pending_files",
    "resolve_credentials",
]

ENVELOPE_FORMAT = "ecomledger.fetch/1"
STATE_FILE = Path(".ecomledger") / "fetch-state.json"

#: platform key -> (module, class). Imported lazily: a fetch loads only its own client.
PLATFORMS: dict[str, tuple[str, str]] = {
    "shopify": ("ecomledger.clients.shopify", "ShopifyClient"),
    "woocommerce": ("ecomledger.clients.woocommerce", "WooCommerceClient"),
    "prestashop": ("ecomledger.clients.prestashop", "PrestaShopClient"),
    "magento": ("ecomledger.clients.magento", "MagentoClient"),
    "bigcommerce": ("ecomledger.clients.bigcommerce", "BigCommerceClient"),
    "square": ("ecomledger.clients.square", "SquareClient"),
    "wix": ("ecomledger.clients.wix", "WixClient"),
    "stripe": ("ecomledger.clients.stripe", "StripeClient"),
    "qonto": ("ecomledger.clients.qonto", "QontoClient"),
    "revolut": ("ecomledger.clients.revolut", "RevolutClient"),
    "gocardless": ("ecomledger.clients.gocardless", "GoCardlessClient"),
}

#: The banks' APIs (``api`` of a ``[[banks]]`` entry): a key of `PLATFORMS` each.
BANK_APIS = ("qonto", "revolut", "gocardless")


@dataclass(frozen=True)
class SourceConfig:
    """What a fetch needs to know about one shop or processor.

    Deliberately small, so it adapts to the pydantic config (`from_config` reads any object
    with these attribute names). Credentials are environment variable *names*.

    Attributes:
        name: the shop's name in ecomledger.toml (also the documents sub-folder).
        platform: a key of `PLATFORMS`.
        url: the base URL (``https://shop.myshopify.com``, ``https://api.stripe.com``...).
        token_env: variable holding the token / API key.
        key_env, secret_env: variables holding a key pair (WooCommerce ck/cs); for Wix,
            ``key_env`` may hold the site id instead of ``options["site_id"]``.
        options: platform extras passed to the client constructor (``page_size``,
            ``location_ids``, ``site_id``, ``api_version``...).
    """

    name: str
    platform: str
    url: str
    token_env: str | None = None
    key_env: str | None = None
    secret_env: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, entry: Any) -> SourceConfig:
        """Build from a config entry (pydantic model, dataclass or mapping)."""

        def get(name: str, default: Any = None) -> Any:
            if isinstance(entry, Mapping):
                return entry.get(name, default)
            return getattr(entry, name, default)

        return cls(
            name=str(get("name")),
            platform=str(get("platform")).lower(),
            url=str(get("url")),
            token_env=get("token_env"),
            key_env=get("key_env"),
            secret_env=get("secret_env"),
            options=dict(get("options") or {}),
        )

    @property
    def key(self) -> str:
        """``platform/name``: the key of this source in the state file."""
        return f"{self.platform}/{self.name}"


def bank_source(bank: Any) -> SourceConfig:
    """The fetch of a ``[[banks]]`` entry that has an ``api``: its account goes in the
    options (Qonto: the ``iban``, unless ``options.bank_account_id`` names the account;
    Revolut and GoCardless: the ``account_id``)."""
    options = dict(getattr(bank, "options", None) or {})
    if bank.api == "qonto" and bank.iban and "bank_account_id" not in options:
        options["iban"] = bank.iban
    elif bank.api in ("revolut", "gocardless") and bank.account_id:
        options["account_id"] = bank.account_id
    return SourceConfig(
        name=bank.name,
        platform=bank.api,
        url=bank.url,
        token_env=bank.token_env or None,
        key_env=bank.key_env or None,
        secret_env=bank.secret_env or None,
        options=options,
    )


@dataclass
class FetchReport:
    """What one fetch wrote: files (relative to the books), counts and cursors by kind."""

    source: str
    files: list[Path]
    counts: dict[str, int]
    cursors: dict[str, str | None]
    requests: int = 0


def resolve_credentials(
    source: SourceConfig, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Read the credentials named by ``source`` from the environment.

    Raises:
        FetchError: a named variable is unset or empty, or none is named at all.
    """
    env = os.environ if environ is None else environ
    values: dict[str, str | None] = {}
    for attr, field_name in (("token", "token_env"), ("key", "key_env"), ("secret", "secret_env")):
        var = getattr(source, field_name)
        if var is None:
            values[attr] = None
            continue
        value = env.get(var, "")
        if not value:
            raise FetchError(
                f"The environment variable {var} (the {field_name} of {source.name!r} in "
                f"ecomledger.toml) is not set; export it before running the fetch.",
                shop=source.name,
            )
        values[attr] = value
    if not any(values.values()):
        raise FetchError(
            f"No credentials are configured for {source.name!r}; set token_env (or key_env "
            "and secret_env) for it in ecomledger.toml.",
            shop=source.name,
        )
    return Credentials(**values)


def make_client(source: SourceConfig, credentials: Credentials, http: Http) -> Client:
    """Instantiate the client for ``source.platform``."""
    try:
        module_name, class_name = PLATFORMS[source.platform]
    except KeyError:
        known = ", ".join(sorted(PLATFORMS))
        raise FetchError(
            f"The platform {source.platform!r} of {source.name!r} is not one ecomledger can "
            f"fetch from; use one of {known} in ecomledger.toml.",
            shop=source.name,
        ) from None
    cls = getattr(importlib.import_module(module_name), class_name)
    options = dict(source.options)
    if source.platform == "wix" and "site_id" not in options and credentials.key:
        options["site_id"] = credentials.key
    check_options(source, cls, options)
    client: Client = cls(source.url, credentials, http, **options)
    return client


def check_options(source: SourceConfig, cls: type, options: Mapping[str, Any]) -> None:
    """Refuse an ``options`` key the platform's client does not take, or of the wrong type.

    The options are passed to the client's constructor as keywords: a misspelt one would
    otherwise end the fetch in a Python ``TypeError`` instead of a sentence.

    Raises:
        FetchError: naming the shop, the option and the options the client knows.
    """
    params = {
        name: param
        for name, param in inspect.signature(cls).parameters.items()
        if param.kind is inspect.Parameter.KEYWORD_ONLY
    }
    for key, value in options.items():
        param = params.get(key)
        if param is None:
            known = ", ".join(sorted(params)) or "none"
            raise FetchError(
                f"ecomledger.toml: options.{key} of {source.name!r} is not an option of the "
                f"{source.platform} client; remove it or use one of: {known}.",
                shop=source.name,
            )
        default = param.default
        wanted = type(default) if default not in (None, inspect.Parameter.empty) else None
        if wanted is tuple:
            wanted = list
        if wanted is not None and (type(value) is not wanted and not isinstance(value, tuple)):
            raise FetchError(
                f"ecomledger.toml: options.{key} of {source.name!r} must be "
                f"{_TYPE_WORDS.get(wanted, wanted.__name__)}, not {type(value).__name__}.",
                shop=source.name,
            )


_TYPE_WORDS = {int: "a whole number", str: "text", bool: "true or false", list: "a list"}


def load_state(books: Path) -> dict[str, Any]:
    """The fetch state (``{"version": 1, "sources": {}}`` when there is none yet)."""
    path = books / STATE_FILE
    if not path.exists():
        return {"version": 1, "sources": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise FetchError(
            f"The fetch state file {path} is not valid JSON; delete it to fetch everything "
            "again (the importers skip what is already in the ledger).",
        ) from exc
    state.setdefault("sources", {})
    return dict(state)


def pending_files(books: Path, source: SourceConfig) -> list[Path]:
    """Payload files of ``source`` fetched but not yet imported (relative to the books)."""
    listed = load_state(books).get("pending", {}).get(source.key, [])
    return [Path(name) for name in listed]


def mark_imported(batch: journal.Batch, books: Path, files: Iterable[Path]) -> None:
    """Take ``files`` off the pending lists, in ``batch``: with the import that books them.

    Call under the books' lock (the import's ``before_commit``).
    """
    done = {_relative(books, f) for f in files}
    state = load_state(books)
    lists = state.get("pending", {})
    kept = {key: [f for f in names if f not in done] for key, names in lists.items()}
    kept = {key: names for key, names in kept.items() if names}
    if kept == lists:
        return
    if kept:
        state["pending"] = kept
    else:
        state.pop("pending", None)
    batch.replace(books / STATE_FILE, _state_text(state))


def _relative(books: Path, path: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(books / path), os.path.abspath(books))).as_posix()


def _state_text(state: Mapping[str, Any]) -> str:
    return json.dumps(state, indent=2, sort_keys=True) + "\n"


def fetch_source(
    books: Path,
    source: SourceConfig,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    http: Http | None = None,
    environ: Mapping[str, str] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    watch: Callable[[Http], object] | None = None,
) -> FetchReport:
    """Fetch one source completely, then write its payload files, cursor and pending list.

    The three land together, under the books' lock: the files stay *pending* until an import
    books them (:func:`mark_imported`), so a cursor that moved never hides an order.

    Args:
        books: the books folder.
        source: which shop or processor.
        since: fetch from here (inclusive); default: resume from the stored cursor, or
            everything on the first fetch.
        until: fetch up to here (inclusive); default: no upper bound.
        http: the HTTP layer to use (tests inject a fast-sleeping one); default: a new one.
        environ: where credentials are looked up (default ``os.environ``).
        now: the clock for ``fetched_at`` and file names.
        watch: given the HTTP layer before the first request (progress on a terminal:
            ``ecomledger.progress.FetchMeter.watch``).

    Raises:
        FetchError: nothing was written.
        BooksLockedError: another run is writing the books; nothing was written.
    """
    credentials = resolve_credentials(source, environ)
    started = now().astimezone(UTC).replace(microsecond=0)
    state = load_state(books)
    cursors = {
        kind: entry["cursor"]
        for kind, entry in state["sources"].get(source.key, {}).items()
        if entry.get("cursor")
    }
    own_http = http is None
    layer = http or Http(source.name, auth_hint=_auth_hint(source))
    if watch is not None:
        watch(layer)
    try:
        client = make_client(source, credentials, layer)
        result = client.fetch(since, until, cursors=cursors)
    finally:
        if own_http:
            layer.close()
    journal.kill_point("fetch-fetched")
    texts = _documents(source, result, started, since, until, cursors)
    with journal.books_lock(books):
        batch = journal.Batch(books)
        files = _write_documents(batch, books, source, result, texts, started)
        state = load_state(books)  # again, under the lock: the import may have changed it
        entry = state["sources"].setdefault(source.key, {})
        for doc, path in zip(result.documents, files, strict=True):
            previous = entry.get(doc.kind, {}).get("cursor")
            entry[doc.kind] = {
                "cursor": doc.cursor or previous,
                "fetched_at": iso_z(started),
                "file": path.as_posix(),
            }
        if files:
            waiting = state.setdefault("pending", {}).setdefault(source.key, [])
            waiting.extend(p.as_posix() for p in files if p.as_posix() not in waiting)
        batch.replace(books / STATE_FILE, _state_text(state))
        batch.commit()
    return FetchReport(
        source=source.key,
        files=files,
        counts={d.kind: d.count for d in result.documents},
        cursors={d.kind: d.cursor for d in result.documents},
        requests=layer.requests,
    )


def _auth_hint(source: SourceConfig) -> str:
    names = [n for n in (source.token_env, source.key_env, source.secret_env) if n]
    return (
        f"check the credentials in {' and '.join(names)} (the variables named for "
        f"{source.name!r} in ecomledger.toml)"
    )


def envelope(
    source: SourceConfig,
    doc: Document,
    fetched_at: datetime,
    since: datetime | None,
    until: datetime | None,
) -> str:
    """The payload file text for ``doc``: header fields, then the verbatim page bodies."""
    header = {
        "format": ENVELOPE_FORMAT,
        "platform": source.platform,
        "shop": source.name,
        "kind": doc.kind,
        "fetched_at": iso_z(fetched_at),
        "since": iso_z(since) if since else None,
        "until": iso_z(until) if until else None,
        "cursor": doc.cursor,
        "count": doc.count,
    }
    head = json.dumps(header, indent=2)
    assert head.endswith("\n}")
    bodies = [p.text.strip() for p in doc.pages if p.text.strip()]
    pages = "[\n    " + ",\n    ".join(bodies) + "\n  ]" if bodies else "[]"
    groups = []
    for name, parents in doc.related.items():
        members = []
        for parent, parent_pages in parents.items():
            texts = [p.text.strip() for p in parent_pages if p.text.strip()]
            members.append(f"      {json.dumps(str(parent))}: [" + ", ".join(texts) + "]")
        inner = "{\n" + ",\n".join(members) + "\n    }" if members else "{}"
        groups.append(f"    {json.dumps(name)}: {inner}")
    related = "{\n" + ",\n".join(groups) + "\n  }" if groups else "{}"
    return f'{head[:-2]},\n  "pages": {pages},\n  "related": {related}\n}}\n'


def _documents(
    source: SourceConfig,
    result: FetchResult,
    fetched_at: datetime,
    since: datetime | None,
    until: datetime | None,
    cursors: Mapping[str, str],
) -> list[str]:
    """The payload text of every document, each checked to read back as JSON."""
    texts = []
    for doc in result.documents:
        text = envelope(source, doc, fetched_at, since or _since_of(doc.kind, cursors), until)
        json.loads(text)  # never store a file the importers could not read
        texts.append(text)
    return texts


def _write_documents(
    batch: journal.Batch,
    books: Path,
    source: SourceConfig,
    result: FetchResult,
    texts: list[str],
    fetched_at: datetime,
) -> list[Path]:
    """Stage every document under a name no file has yet (never overwrite evidence)."""
    folder = books / "documents" / source.platform / source.name
    stamp = fetched_at.strftime("%Y-%m-%dT%H%M%SZ")
    written: list[Path] = []
    for doc, text in zip(result.documents, texts, strict=True):
        target = _unique(folder, f"{stamp}-{doc.kind}")
        batch.replace(target, text)
        written.append(target.relative_to(books))
    return written


def _since_of(kind: str, cursors: Mapping[str, str]) -> datetime | None:
    value = cursors.get(kind)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _unique(folder: Path, stem: str) -> Path:
    """The first ``stem.json``, ``stem-2.json``... that does not exist yet."""
    for n in range(1, 1000):
        target = folder / (f"{stem}.json" if n == 1 else f"{stem}-{n}.json")
        if not target.exists():
            return target
    raise FetchError(f"Too many payload files named {stem} in {folder}; remove stale ones.")
