"""One small HTTP layer shared by every platform client.

Shop platforms fail in the same few ways: they rate-limit (429, sometimes with a fractional
``Retry-After``), they have bad minutes (5xx, dropped connections, timeouts), and they
sometimes send a body that is not JSON at all (a proxy error page, a truncated stream).
Handling that once, here, keeps each client down to "which URL, which parameters, where is
the next page", and gives the user one kind of failure to read: `FetchError`, whose message
is a single sentence naming the shop, the URL path, the HTTP status (or network error) and
what to do next.

Money must never pass through a float, so every body is parsed with
``json.loads(..., parse_float=Decimal)``; integer minor units (Stripe, Square) stay ``int``.
The raw body text is kept next to the parsed value, because `ecomledger.fetch` stores the
bytes the platform sent, not our re-serialisation of them.

Sleeping goes through an injectable callable so tests run at full speed (or advance a fake
clock shared with the sandbox server).
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from ecomledger.errors import UserError

__all__ = [
    "FetchError",
    "Http",
    "Response",
    "RetryPolicy",
    "SleepFn",
    "paginate_cursor",
    "paginate_links",
    "paginate_numbered",
    "parse_link_header",
    "parse_retry_after",
]

SleepFn = Callable[[float], None]

#: Statuses worth retrying: throttling and the server's own trouble. Any other 4xx is our
#: mistake or the user's configuration, and retrying it only delays the message.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

_CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"

#: A fixed-window quota (BigCommerce): requests left in the window, milliseconds until it
#: resets, and, on a 429, the whole seconds until then.
_QUOTA_LEFT_HEADER = "X-Rate-Limit-Requests-Left"
_QUOTA_RESET_HEADER = "X-Rate-Limit-Time-Reset-Ms"
_QUOTA_RETRY_HEADER = "X-Retry-After"


class FetchError(UserError):
    """A fetch gave up; the message is one sentence saying what failed and what to do.

    Attributes:
        shop: the configured shop or processor name.
        path: the URL path of the failing request (never the query: it may hold keys).
        status: the last HTTP status, or None for a network error or timeout.
    """

    def __init__(
        self,
        message: str,
        *,
        shop: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.shop = shop
        self.path = path
        self.status = status


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up.

    Attributes:
        max_retries: retries after the first attempt (so ``max_retries + 1`` requests).
        base_delay: first backoff delay in seconds; doubles on each retry.
        max_delay: ceiling for one backoff delay (before jitter).
        max_total_wait: cap on the sum of all waits for one request; a ``Retry-After`` that
            would exceed it makes us give up at once rather than hang a CI job.
        jitter: fraction of each backoff delay that is randomised, so that several
            fetches that failed together do not retry in lockstep.
    """

    max_retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_total_wait: float = 120.0
    jitter: float = 0.5


@dataclass(frozen=True)
class Response:
    """A successful response: status, headers, the raw body text and the parsed JSON.

    ``data`` is None for an empty body (HTTP 204, or an empty 200).
    """

    status: int
    headers: httpx.Headers
    url: httpx.URL
    text: str
    data: Any


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds, fractional or not, or
    an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


_LINK_RE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_REL_RE = re.compile(r';\s*rel\s*=\s*"?([^";,]+)"?')


def parse_link_header(value: str | None) -> dict[str, str]:
    """Map each ``rel`` of an RFC 8288 ``Link`` header to its URL (``{"next": url, ...}``)."""
    links: dict[str, str] = {}
    if not value:
        return links
    for match in _LINK_RE.finditer(value):
        url, params = match.group(1), match.group(2)
        for rel_match in _REL_RE.finditer(params):
            for rel in rel_match.group(1).split():
                links.setdefault(rel.lower(), url)
    return links


def _hint_for_status(status: int) -> str:
    if status in (401, 403):
        return "check the API token or keys in the environment variables named in ecomledger.toml"
    if status == 404:
        return "check the shop URL in ecomledger.toml"
    if status == 429:
        return "the platform is rate-limiting us; wait a few minutes and run the fetch again"
    if status >= 500:
        return "the platform is having trouble; run the fetch again later"
    return "check the shop settings in ecomledger.toml and run the fetch again"


class Http:
    """A retrying, throttling JSON client for one shop.

    Args:
        shop: the configured shop or processor name, used in every error message.
        timeout: seconds for connect/read/write of one request.
        retry: the retry budget.
        sleep: called for every wait (backoff, ``Retry-After``, pre-emptive throttling).
        rng: source of jitter; pass a seeded ``random.Random`` for reproducible waits.
        throttle_threshold: when Shopify's call-limit header shows the bucket fuller than
            this fraction, wait before the next request instead of running into a 429.
        leak_rate: requests per second the platform's bucket drains (Shopify standard: 2).
        auth_hint: what to say on 401/403 (e.g. which environment variable to check).
        transport: an httpx transport (tests, proxies); None for the default.
    """

    def __init__(
        self,
        shop: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: SleepFn = time.sleep,
        rng: random.Random | None = None,
        throttle_threshold: float = 0.8,
        leak_rate: float = 2.0,
        auth_hint: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.shop = shop
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.throttle_threshold = throttle_threshold
        self.leak_rate = leak_rate
        self.auth_hint = auth_hint
        self.requests = 0
        self.waited = 0.0
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "ecomledger-fetch"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors ---------------------------------------------------------------------------

    def error(
        self, method: str, url: httpx.URL | str, problem: str, hint: str, status: int | None = None
    ) -> FetchError:
        """Build the one-sentence `FetchError` for a request to ``url``."""
        path = httpx.URL(str(url)).path
        message = f"Fetching from {self.shop!r} failed: {method} {path} {problem}; {hint}."
        return FetchError(message, shop=self.shop, path=path, status=status)

    def _status_error(self, method: str, resp: httpx.Response, attempts: int) -> FetchError:
        status = resp.status_code
        reason = resp.reason_phrase or ""
        problem = f"answered HTTP {status} {reason}".rstrip()
        if attempts > 1:
            problem += f" after {attempts} attempts"
        hint = _hint_for_status(status)
        if status in (401, 403) and self.auth_hint:
            hint = self.auth_hint
        return self.error(method, resp.request.url, problem, hint, status)

    # -- requests -------------------------------------------------------------------------

    def get(self, url: str, **kwargs: Any) -> Response:
        """GET ``url``; see `request`."""
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """POST ``url``; see `request`."""
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        parse_json: bool = True,
    ) -> Response:
        """Send one request, retrying transient failures, and parse the JSON body
        (``parse_json=False``: keep the text only, for a body that is not one JSON value,
        such as a bulk export's JSON Lines).

        Raises:
            FetchError: on a non-retryable status, on a body that is not valid JSON, or
                when the retry budget (count or total wait) is spent.
        """
        policy = self.retry
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            retry_after: float | None = None
            status: int | None = None
            try:
                self.requests += 1
                resp = self._client.request(
                    method, url, params=params, json=json_body, headers=headers, auth=auth
                )
            except httpx.TimeoutException:
                problem = f"timed out after {self.timeout:g}s"
                hint = "check the network and the shop URL, then run the fetch again"
            except httpx.TransportError as exc:
                problem = f"failed with a network error ({type(exc).__name__}: {exc})"
                hint = "check the network and the shop URL, then run the fetch again"
            else:
                status = resp.status_code
                if status not in RETRY_STATUSES:
                    if status >= 300:
                        raise self._status_error(method, resp, attempt)
                    self._throttle(resp)
                    self._await_quota(resp)
                    if not parse_json:
                        return Response(status, resp.headers, resp.request.url, resp.text, None)
                    return self._parse(method, resp)
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if retry_after is None and status == 429:
                    retry_after = _quota_reset(resp.headers)
                problem = f"answered HTTP {status} {resp.reason_phrase}".rstrip()
                hint = _hint_for_status(status)

            if attempt > policy.max_retries:
                raise self.error(method, url, f"{problem} after {attempt} attempts", hint, status)
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if waited + delay > policy.max_total_wait:
                raise self.error(
                    method,
                    url,
                    f"{problem} and asked us to wait longer than the retry budget allows "
                    f"({policy.max_total_wait:g}s)",
                    hint,
                    status,
                )
            self._wait(delay)
            waited += delay

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: ``base * 2**(attempt-1)``, capped, and a
        ``jitter`` fraction of it drawn at random."""
        policy = self.retry
        delay = min(policy.max_delay, policy.base_delay * (2 ** (attempt - 1)))
        spread = delay * policy.jitter
        return delay - spread + self.rng.uniform(0, spread)

    def pause(self, seconds: float) -> None:
        """Wait as a platform asked outside HTTP statuses (Shopify GraphQL's cost throttle,
        a bulk export still running): counted in ``waited``, and on the benchmarks'
        virtual clock like every other wait."""
        self._wait(seconds)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def _throttle(self, resp: httpx.Response) -> None:
        """Slow down before Shopify has to say 429: when the bucket is more than
        ``throttle_threshold`` full, wait for it to drain back to the threshold."""
        value = resp.headers.get(_CALL_LIMIT_HEADER)
        if not value or "/" not in value:
            return
        used_text, _, capacity_text = value.partition("/")
        try:
            used, capacity = float(used_text), float(capacity_text)
        except ValueError:
            return
        if capacity <= 0 or used / capacity <= self.throttle_threshold:
            return
        excess = used - self.throttle_threshold * capacity
        self._wait(excess / self.leak_rate)

    def _await_quota(self, resp: httpx.Response) -> None:
        """Wait out a spent fixed-window quota (BigCommerce's ``X-Rate-Limit-*`` headers)
        instead of running into its 429: the window's requests are used at full speed,
        then the next request waits for the window to reset."""
        left = resp.headers.get(_QUOTA_LEFT_HEADER)
        if left is None:
            return
        try:
            spent = float(left) <= 0
        except ValueError:
            return
        reset = _quota_reset(resp.headers) if spent else None
        if reset and math.isfinite(reset):
            self._wait(reset)

    def _parse(self, method: str, resp: httpx.Response) -> Response:
        data = self.decode_json(method, resp.request.url, resp.text, resp.status_code)
        return Response(resp.status_code, resp.headers, resp.request.url, resp.text, data)

    def decode_json(self, method: str, url: Any, text: str, status: int = 200) -> Any:
        """``text`` as JSON (decimals as `Decimal`, NaN refused; None when blank).

        Raises:
            FetchError: one sentence naming the request, when the text is not valid JSON.
        """
        if not text.strip():
            return None
        try:
            return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
        except ValueError as exc:
            raise self.error(
                method,
                url,
                f"answered HTTP {status} with a body that is not valid JSON "
                f"(truncated or garbled at character {getattr(exc, 'pos', '?')})",
                "nothing was saved; run the fetch again, and report it to the platform "
                "if it keeps happening",
                status,
            ) from exc


def _quota_reset(headers: httpx.Headers) -> float | None:
    """Seconds until a fixed-window quota resets (``X-Rate-Limit-Time-Reset-Ms``, else
    ``X-Retry-After``); None when neither header is readable."""
    try:
        seconds = float(headers[_QUOTA_RESET_HEADER]) / 1000
    except (KeyError, ValueError):
        return parse_retry_after(headers.get(_QUOTA_RETRY_HEADER))
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a shop may send")


# -- pagination ---------------------------------------------------------------------------

AcceptFn = Callable[[Response], bool]
"""Called with each page; returns False when the page only repeats what was already seen."""


def _accept_all(_: Response) -> bool:
    return True


def paginate_links(
    http: Http,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    accept: AcceptFn = _accept_all,
    max_pages: int = 100_000,
) -> Iterator[Response]:
    """Follow ``Link: <...>; rel="next"`` headers (Shopify, WordPress).

    Filters go on the first request only; every later URL is followed exactly as given,
    because Shopify rejects filters next to ``page_info``. A repeated page (``accept``
    returns False) is skipped; a server that keeps pointing at the same URL is an error.
    """
    next_url: str | None = url
    next_params = params
    visits: dict[str, int] = {}
    pages = 0
    while next_url is not None:
        visits[next_url] = visits.get(next_url, 0) + 1
        if visits[next_url] > 3 or pages >= max_pages:
            raise http.error(
                "GET",
                next_url,
                "keeps sending the same next page",
                "the platform's pagination is looping; run the fetch again later",
            )
        resp = http.get(next_url, params=next_params, headers=headers, auth=auth)
        pages += 1
        if accept(resp):
            yield resp
        next_url = parse_link_header(resp.headers.get("Link")).get("next")
        next_params = None


def paginate_numbered(
    http: Http,
    url: str,
    *,
    page_params: Callable[[int], Mapping[str, Any]],
    is_last: Callable[[Response, int], bool],
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    accept: AcceptFn = _accept_all,
    max_repeats: int = 2,
    max_pages: int = 100_000,
) -> Iterator[Response]:
    """Walk numbered pages (page/per_page, offset/limit, currentPage) from index 0.

    ``page_params(i)`` gives the query for page index ``i``; ``is_last(resp, i)`` says when
    to stop (X-WP-TotalPages reached, a short or empty page, total_count covered). When a
    page only repeats the previous one (``accept`` returns False) the same index is asked
    again, up to ``max_repeats`` times, instead of skipping ahead and silently losing a page.
    """
    index = 0
    repeats = 0
    while True:
        if index >= max_pages:
            raise http.error(
                method,
                url,
                f"returned more than {max_pages} pages",
                "narrow the fetch with --since and run it again",
            )
        resp = http.request(method, url, params=page_params(index), headers=headers, auth=auth)
        if not accept(resp):
            repeats += 1
            if repeats > max_repeats:
                raise http.error(
                    method,
                    url,
                    f"kept serving an already-seen page (page index {index})",
                    "the platform's pagination is unstable; run the fetch again later",
                )
            continue
        repeats = 0
        yield resp
        if is_last(resp, index):
            return
        index += 1


def paginate_cursor(
    http: Http,
    url: str,
    *,
    request: Callable[[str | None], tuple[Mapping[str, Any] | None, Any]],
    next_cursor: Callable[[Response], str | None],
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    accept: AcceptFn = _accept_all,
    max_pages: int = 100_000,
) -> Iterator[Response]:
    """Walk pages whose next cursor is in the body (Stripe, Square, Wix).

    ``request(cursor)`` returns ``(params, json_body)`` for the page after ``cursor``
    (None for the first page); ``next_cursor(resp)`` reads the cursor for the page after
    this one, None on the last page.
    """
    cursor: str | None = None
    visits: dict[str | None, int] = {}
    pages = 0
    while True:
        visits[cursor] = visits.get(cursor, 0) + 1
        if visits[cursor] > 3 or pages >= max_pages:
            raise http.error(
                method,
                url,
                "keeps sending the same next cursor",
                "the platform's pagination is looping; run the fetch again later",
            )
        params, body = request(cursor)
        resp = http.request(method, url, params=params, json_body=body, headers=headers, auth=auth)
        pages += 1
        if accept(resp):
            yield resp
        cursor = next_cursor(resp)
        if not cursor:
            return
