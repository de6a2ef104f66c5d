"""Progress on long work, and summaries short enough to stay on screen.

A fetch of 20,000 orders takes minutes at a platform's rate limit, an import of a year of
statements or a ``check`` of large books tens of seconds: without a sign of life a user
cannot tell working from hung. On a terminal (stderr is a TTY) these show a live line that
disappears when the work is done; in a pipe, a CI log or a test they show nothing, so the
output stays what scripts read.

- :class:`FetchMeter` watches the HTTP layer of one fetch: pages, orders (of the total,
  where the platform says it: WooCommerce's ``X-WP-Total``, Magento's ``total_count``) and
  requests per second, which is what the platform's rate limit bounds.
- :func:`file_bar` is a bar over the files of an import; :func:`busy` a spinner for work
  with no measurable steps (Beancount loading the books).
- :func:`summarise` groups findings by kind (the message with its numbers, ids and quoted
  values taken out), one line per kind with a count and the first example; ``--verbose``
  prints every line instead.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


def interactive(console: Console | None = None) -> bool:
    """Whether progress should be drawn: stderr is a terminal (and not a dumb one)."""
    if console is not None:
        return bool(console.is_terminal) and not console.is_dumb_terminal
    return sys.stderr.isatty()


# -- fetch --------------------------------------------------------------------------------

#: List keys of the platforms' bodies, in the order they are looked for.
_LIST_KEYS = ("orders", "items", "data", "payouts", "transactions", "refunds", "order_slips")


@dataclass
class FetchMeter:
    """Counts what one source's fetch has received; :meth:`line` says it in words.

    Attach it to an ``ecomledger.http.Http`` with :meth:`watch`; every response the layer
    returns (retries included in ``requests``) passes through :meth:`seen`.
    """

    source: str
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[FetchMeter], None] | None = None
    requests: int = 0
    pages: int = 0
    orders: int = 0
    total: int | None = None
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def watch(self, http: Any) -> Any:
        """Route ``http.request`` through this meter; returns ``http``."""
        original = http.request

        def request(*args: Any, **kwargs: Any) -> Any:
            response = original(*args, **kwargs)
            self.requests = int(getattr(http, "requests", self.requests + 1))
            self.seen(response)
            return response

        http.request = request
        return http

    def seen(self, response: Any) -> None:
        """Count one response: a page of orders adds its orders, and a total if stated."""
        path = str(getattr(getattr(response, "url", None), "path", ""))
        items = _listed(getattr(response, "data", None))
        if items is None:
            return
        self.pages += 1
        if _is_order_list(path):
            self.orders += len(items)
            total = _total(response)
            if total is not None:
                self.total = total
        if self.on_change is not None:
            self.on_change(self)

    @property
    def elapsed(self) -> float:
        """Seconds since the meter started."""
        return max(self.clock() - self.started, 1e-9)

    @property
    def rate(self) -> float:
        """Requests per second so far."""
        return self.requests / self.elapsed

    def line(self) -> str:
        """``shopify/demo: 12 pages, 2,950 of 20,000 orders, 1.9 requests/s``."""
        orders = f"{self.orders:,}" + (f" of {self.total:,}" if self.total else "")
        return (
            f"{self.source}: {self.pages:,} pages, {orders} orders, {self.requests:,} "
            f"requests, {self.rate:.1f} requests/s"
        )


def _listed(body: Any) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in _LIST_KEYS:
            value = body.get(key)
            if isinstance(value, list):
                return value
    return None


_ID_SEGMENT = re.compile(r"/\d+(?:/|$)")


def _is_order_list(path: str) -> bool:
    """An orders list page (not an order's refunds or transactions)."""
    return "orders" in path and not _ID_SEGMENT.search(path.split("orders", 1)[1])


def _total(response: Any) -> int | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("X-WP-Total") if hasattr(headers, "get") else None
    if value is None and isinstance(getattr(response, "data", None), dict):
        value = response.data.get("total_count")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def shown_in(progress: Progress, task: TaskID) -> Callable[[FetchMeter], None]:
    """A meter's ``on_change`` that writes its line as the description of ``task``."""

    def show(meter: FetchMeter) -> None:
        progress.update(task, description=f"fetching {meter.line()}")

    return show


# -- import and check ------------------------------------------------------------------------


@contextmanager
def file_bar(
    console: Console, files: Sequence[Path], show: bool
) -> Iterator[Callable[[Path], None]]:
    """A bar over ``files`` on ``console``; yields ``step(path)``, called as each starts."""
    with Progress(
        TextColumn("importing", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}", markup=False),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("import", total=len(files), name="")
        started = [False]

        def step(path: Path) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, name=path.name)

        yield step


@contextmanager
def busy(console: Console, what: str, show: bool) -> Iterator[None]:
    """A spinner with ``what`` and the time elapsed, for work without countable steps."""
    with Progress(
        SpinnerColumn(),
        TextColumn(what, markup=False),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
        transient=True,
    ) as progress:
        progress.add_task(what, total=None)
        yield


# -- findings ------------------------------------------------------------------------------

#: Below this many lines, every line is printed: a summary would hide more than it saves.
SUMMARY_FROM = 12

_VARIABLE = re.compile(
    r"'[^']*'|\"[^\"]*\"|#?\b[A-Z]{0,6}[-_/]?\d[\w.,:/-]*|\b\d[\d.,]*\b",
)


def kind_of(line: str) -> str:
    """What a finding is about, without the particulars: its words, numbers taken out."""
    text = re.sub(r"^\S+\.\w+(?::\d+)?: ", "", line)  # the file (and line) it names
    text = _VARIABLE.sub("…", text)
    text = re.sub(r"…(?:[\s,…]*…)+", "…", text)
    return " ".join(text.split()[:12])


def summarise(lines: Sequence[str], verbose: bool = False) -> list[str]:
    """The lines to print: all of them when few or ``verbose``, else one per kind.

    A kind's line gives its count and its first occurrence in full, so the summary still
    names one place to look; the last line says how to see them all.
    """
    if verbose or len(lines) < SUMMARY_FROM:
        return list(lines)
    kinds: dict[str, list[str]] = {}
    for line in lines:
        kinds.setdefault(kind_of(line), []).append(line)
    out = []
    for members in sorted(kinds.values(), key=lambda m: -len(m)):
        if len(members) == 1:
            out.append(members[0])
        else:
            out.append(f"{len(members)} like: {members[0]}")
    kinds_text = "1 kind" if len(kinds) == 1 else f"{len(kinds)} kinds"
    out.append(f"({len(lines)} in all, {kinds_text}; --verbose prints every one)")
    return out
