"""What every platform client returns, and the bookkeeping they share.

A client turns "orders since X" into HTTP requests and hands back the raw page bodies,
untouched, grouped by kind (orders, payouts, balance transactions...). It knows no
Beancount and no domain model: the importers read what `ecomledger.fetch` writes.

A client collects *every* page before returning, so a fetch that dies on page 7 raises
`FetchError` and nothing partial ever reaches the documents folder or the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from ecomledger.http import Http, Response, paginate_cursor

__all__ = [
    "Client",
    "Credentials",
    "Document",
    "FetchResult",
    "Page",
    "as_utc",
    "iso_z",
]


@dataclass(frozen=True)
class Credentials:
    """Secrets resolved from environment variables at run time, never read from files.

    ``token`` is the bearer/access token or API key; ``key``/``secret`` are a pair
    (WooCommerce consumer key and secret). The repr hides the values.
    """

    token: str | None = None
    key: str | None = None
    secret: str | None = None

    def __repr__(self) -> str:
        shown = {n: "***" for n in ("token", "key", "secret") if getattr(self, n)}
        return f"Credentials({shown})"


@dataclass(frozen=True)
class Page:
    """One response body: the text exactly as sent, and its parsed value."""

    text: str
    data: Any

    @classmethod
    def of(cls, resp: Response) -> Page:
        """Keep the raw text and parsed body of ``resp``."""
        return cls(resp.text, resp.data)


@dataclass
class Document:
    """Everything one fetch got for one kind of object.

    Attributes:
        kind: ``orders``, ``payouts``, ``balance_transactions``...
        pages: the list pages in the order they were fetched, repeats dropped.
        related: per-parent sub-resources, ``{name: {parent_id: [pages]}}`` (Shopify
            balance transactions per payout, BigCommerce products per order).
        cursor: where the next incremental fetch of this kind should start (opaque to
            everyone but the client), or None when nothing was seen.
        count: how many distinct objects the pages hold.
    """

    kind: str
    pages: list[Page] = field(default_factory=list)
    related: dict[str, dict[str, list[Page]]] = field(default_factory=dict)
    cursor: str | None = None
    count: int = 0


@dataclass
class FetchResult:
    """A complete fetch: one `Document` per kind."""

    platform: str
    documents: list[Document]

    def document(self, kind: str) -> Document:
        """The document of ``kind`` (KeyError when the client does not fetch it)."""
        for doc in self.documents:
            if doc.kind == kind:
                return doc
        raise KeyError(kind)


class Client(Protocol):
    """The shape of every platform client."""

    platform: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]

    def fetch(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        cursors: Mapping[str, str] | None = None,
    ) -> FetchResult:
        """Fetch every page of every kind; ``since`` overrides the stored ``cursors``."""
        ...


class PageLog:
    """Collects the pages of one kind, dropping pages that only repeat seen objects.

    Pagination over a changing list (or a flaky proxy) can serve the same page twice. A
    page whose every id was already seen is dropped; the paginators then move on (cursor
    and Link pagination) or re-ask the same page (numbered pagination).
    """

    def __init__(
        self,
        items: Callable[[Any], list[dict[str, Any]]],
        id_key: str = "id",
        cursor_of: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self._items = items
        self._id_key = id_key
        self._cursor_of = cursor_of
        self.pages: list[Page] = []
        self.ids: list[Any] = []
        self._seen: set[Any] = set()
        self.cursor: Any = None

    def items_of(self, resp: Response) -> list[dict[str, Any]]:
        """The objects on a page (empty for an empty body)."""
        if resp.data is None:
            return []
        return self._items(resp.data)

    def accept(self, resp: Response) -> bool:
        """Record the page; False when it is a repeat of objects already seen."""
        if resp.data is None:  # HTTP 204 / empty body: nothing to keep
            return True
        items = self.items_of(resp)
        ids = [item.get(self._id_key) for item in items]
        if ids and all(i in self._seen for i in ids):
            return False
        for item, item_id in zip(items, ids, strict=True):
            if item_id not in self._seen:
                self._seen.add(item_id)
                self.ids.append(item_id)
            if self._cursor_of is not None:
                value = self._cursor_of(item)
                if value is not None and (self.cursor is None or value > self.cursor):
                    self.cursor = value
        self.pages.append(Page.of(resp))
        return True

    def consume(self, responses: Iterable[Response]) -> PageLog:
        """Drain a paginator (pages are recorded through `accept`)."""
        for _ in responses:
            pass
        return self

    def document(self, kind: str, cursor: str | None = None) -> Document:
        """The collected pages as a `Document`."""
        return Document(kind=kind, pages=self.pages, cursor=cursor, count=len(self.ids))

    def resumable(self, kind: str) -> Document:
        """The collected pages as a `Document` whose cursor is the latest ``cursor_of`` seen
        (ISO UTC), or None when no page dated anything: the next fetch resumes from it."""
        return self.document(kind, iso_z(self.cursor) if self.cursor is not None else None)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_z(moment: datetime) -> str:
    """``2025-01-31T12:00:00Z``: the UTC form every platform accepts."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_window(
    start: datetime | None, until: datetime | None, after: str, before: str
) -> dict[str, str]:
    """The bounds of a JSON search filter as ``{after: start, before: until}`` in ISO UTC;
    a missing bound is left out, so an empty window means "no date filter"."""
    window: dict[str, str] = {}
    if start is not None:
        window[after] = iso_z(start)
    if until is not None:
        window[before] = iso_z(until)
    return window


def parse_iso(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` or offset; naive means UTC)."""
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def resume_from(
    kind: str,
    since: datetime | None,
    cursors: Mapping[str, str] | None,
    parse: Callable[[str], datetime] = parse_iso,
) -> datetime | None:
    """The lower bound for ``kind``: an explicit ``since`` wins, else the stored cursor.

    Bounds are inclusive everywhere, so the last object of the previous fetch comes back
    once more; the importers dedupe by id, and nothing updated in the same second is lost.
    """
    if since is not None:
        return as_utc(since)
    if cursors and cursors.get(kind):
        return parse(cursors[kind])
    return None


def _listed_orders(body: Any) -> list[dict[str, Any]]:
    return list(body.get("orders") or []) if isinstance(body, dict) else []


def search_orders(
    http: Http,
    url: str,
    *,
    request: Callable[[str | None], tuple[None, dict[str, Any]]],
    next_cursor: Callable[[Response], str | None],
    headers: Mapping[str, str],
    updated: str,
) -> Document:
    """Every page of a ``POST .../orders/search`` paged by a cursor (Square, Wix).

    Both platforms list the orders under ``orders`` and date each by an ISO timestamp
    field (``updated``); the latest one seen is the document's cursor, so the next fetch
    resumes from it. Only the query bodies (``request``) and where the next cursor lies
    (``next_cursor``) differ, and stay with each client.
    """

    def cursor_of(order: dict[str, Any]) -> datetime | None:
        return parse_iso(order[updated]) if order.get(updated) else None

    log = PageLog(_listed_orders, cursor_of=cursor_of)
    log.consume(
        paginate_cursor(
            http,
            url,
            method="POST",
            request=request,
            next_cursor=next_cursor,
            headers=headers,
            accept=log.accept,
        )
    )
    return log.resumable("orders")


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def check_base_url(base_url: str, shop: str, *, allow_plain_http: bool = False) -> str:
    """Validate a configured base URL and return it without a trailing slash.

    Credentials travel in headers on every request, so plain ``http://`` is refused except
    on the loopback interface (the sandbox, a local tunnel), where nothing leaves the host.

    Raises:
        FetchError: the URL is not http(s), or is plain http to a remote host.
    """
    from urllib.parse import urlsplit

    from ecomledger.http import FetchError

    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise FetchError(
            f"The URL {base_url!r} configured for {shop!r} is not an http(s) URL; "
            "fix the url field of this shop in ecomledger.toml.",
            shop=shop,
            path=parts.path or "/",
        )
    if parts.scheme == "http" and host not in _LOOPBACK_HOSTS and not allow_plain_http:
        raise FetchError(
            f"The URL {base_url!r} configured for {shop!r} uses plain http, which would send "
            "the API keys unencrypted; change it to https:// in ecomledger.toml.",
            shop=shop,
            path=parts.path or "/",
        )
    return base_url.rstrip("/")


def require(value: str | None, what: str, http: Http) -> str:
    """A credential that must be present, with a clear error naming it when it is not."""
    if not value:
        from ecomledger.http import FetchError

        raise FetchError(
            f"No {what} was given for {http.shop!r}; set the environment variable named "
            "for it in ecomledger.toml.",
            shop=http.shop,
        )
    return value
