"""Memory habits of the bulk paths (imports of 100,000 rows, plugins over a year of books).

Two habits, each measured on the benchmarks under ``benchmarks/``:

* :func:`paused_gc`: these paths allocate hundreds of thousands of small, long-lived
  objects and no reference cycles of note. With the cyclic collector on, every burst of
  allocations makes it rescan all of them, which costs more than the work itself.
  Reference counting still frees every temporary at once.
* :func:`consume`: a list of parsed rows or raw payload objects that is turned, item by
  item, into entries is emptied as it goes, so the memory of each item is reused for the
  next entries instead of new pages being asked of the system.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def paused_gc(*, freeze_survivors: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, then restore it.

    Args:
        freeze_survivors: move every object alive at the end out of the collector's sight
            (:func:`gc.freeze`) before re-enabling it, which would otherwise start with a
            full pass over millions of objects. For a whole import, not for a library call.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze_survivors:
                gc.freeze()
            gc.enable()


def consume(items: list[T]) -> Iterator[T]:
    """Yield the items of ``items`` in order, removing each from the list as it goes."""
    items.reverse()
    while items:
        yield items.pop()
