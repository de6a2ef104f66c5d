"""From what a user typed (or clicked in Fava) to a rendered report: shared by both.

The command line and the Fava extension resolve the period, the comparison and the
report's own options the same way here, so ``--period 2026`` means the same year in the
terminal and in Fava.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Literal, cast

from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.periods import Period, parse_period
from ecomledger.reports import available, find, options_of
from ecomledger.reports.balances import fiscal_year_of
from ecomledger.reports.model import ReportRequest, ReportView

COMPARES = ("previous", "last-year")


def default_period(books: Books) -> Period:
    """The fiscal year holding the books' last transaction.

    Raises:
        UserError: the books hold no transaction at all.
    """
    covered = books.date_range()
    if covered is None:
        raise UserError(
            f"{books.path}: the books hold no transactions yet; import orders or bank "
            "statements first ('ecomledger import')"
        )
    return fiscal_year_of(books, covered.end)


def resolve_period(books: Books, text: str | None, module: ModuleType | None = None) -> Period:
    """Read ``--period``: a bare year is the fiscal year ending in it; else periods.py.

    Without one, a report module's own ``default_period(books)`` if it has one (a VAT
    return covers a month or a quarter), else :func:`default_period`.
    """
    if text is None or not text.strip():
        own = getattr(module, "default_period", None)
        return own(books) if callable(own) else default_period(books)
    value = text.strip()
    if re.fullmatch(r"\d{4}", value):
        return books.fiscal_year(int(value))
    return parse_period(value)


def last_quarter(books: Books) -> str:
    """The calendar quarter of the books' last transaction, as ``--period`` spells it."""
    covered = books.date_range()
    day = covered.end if covered else default_period(books).end
    return f"{day.year}-Q{(day.month + 2) // 3}"


def period_label(period: Period) -> str:
    """A short name for a period in file names: ``2026``, ``2026-Q1``, ``2026-03``."""
    start, end = period.start, period.end
    after = end + dt.timedelta(days=1)
    if start.day == 1 and after.day == 1:
        months = (after.year - start.year) * 12 + after.month - start.month
        if months == 12 and start.month == 1:
            return str(start.year)
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{(start.month + 2) // 3}"
        if months == 1:
            return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}_{end.isoformat()}"


def parse_options(module: ModuleType, items: list[str]) -> dict[str, str]:
    """Read ``--option key=value`` items against the report's own options.

    Raises:
        UserError: an item is not ``key=value`` or names no option of this report.
    """
    known = options_of(module)
    options: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--option {item!r} is not key=value; write e.g. --option by=month")
        if key not in known:
            listed = ", ".join(known) if known else "none"
            raise UserError(
                f"the {module.NAME} report has no option {key!r}; its options are: {listed}"
            )
        options[key] = value.strip()
    return options


def make_request(
    books: Books,
    module: ModuleType,
    *,
    period: str | None = None,
    compare: str | None = None,
    detail: bool = False,
    options: list[str] | None = None,
) -> ReportRequest:
    """Build the request, refusing an unknown comparison or option."""
    if compare is not None and compare not in COMPARES:
        raise UserError(f"--compare {compare!r} is not a comparison; choose previous or last-year")
    which = cast(Literal["previous", "last-year"] | None, compare)
    return ReportRequest(
        period=resolve_period(books, period, module),
        compare=which,
        detail=detail,
        options=parse_options(module, options or []),
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a report builds or renders.

    A report creates hundreds of thousands of small objects (rows, cells) and no cycles;
    each of the collector's passes meanwhile walks the millions of objects of the loaded
    books. Pausing it halves a journal's time on 100,000 orders.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_report(view: ReportView, fmt: str) -> bytes:
    """Render ``view`` in ``fmt`` (see :mod:`ecomledger.render`), the collector paused."""
    from ecomledger.render import render

    with gc_paused():
        return render(view, fmt)


def build_report(
    books: Books,
    name: str,
    *,
    period: str | None = None,
    compare: str | None = None,
    detail: bool = False,
    options: list[str] | None = None,
) -> tuple[ReportRequest, ReportView]:
    """Find the report, build it, and note when the books it reads have errors."""
    module = find(name)
    request = make_request(
        books, module, period=period, compare=compare, detail=detail, options=options
    )
    with gc_paused():
        view: ReportView = module.build(books, request)
    if books.errors:
        view.notes.append(
            f"Built with --force over books with {len(books.errors)} error(s): "
            "run 'ecomledger check' before relying on these figures."
        )
    return request, view


def default_output(books_dir: Path, name: str, period: Period, extension: str) -> Path:
    """Where a document goes without ``--output``: ``reports/<name>-<period>.<ext>``."""
    return books_dir / "reports" / f"{name}-{period_label(period)}.{extension}"


def write_output(path: Path, content: bytes) -> None:
    """Write a report file whole (a temporary file renamed over it), or say why not.

    Raises:
        UserError: the folder is missing or not writable, or the path is a folder.
    """
    if path.is_dir():
        raise UserError(f"--output {path} is a folder; give a file name such as {path}/report.html")
    if not path.parent.is_dir():
        raise UserError(
            f"--output {path}: the folder {path.parent} does not exist; create it or choose "
            "another path"
        )
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(content)
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise UserError(
            f"cannot write {path} ({exc.strerror or exc}); choose another --output"
        ) from exc


def write_html_reports(books: Books) -> tuple[list[Path], list[str]]:
    """Write every report as HTML under the books' ``reports/``, with an ``index.html``.

    What ``ecomledger demo`` leaves for a new user to open. A report that cannot be built
    over these books (a return that needs a quarter, say) is listed with its reason rather
    than stopping the others.

    Returns:
        The pages written (the index first) and one sentence per report left out.
    """
    from ecomledger.render.html import render_index

    folder = books.path / "reports"
    folder.mkdir(exist_ok=True)
    written: list[tuple[str, str, Path]] = []
    skipped: list[str] = []
    for module in available():
        try:
            request, view = build_report(books, module.NAME)
        except UserError as exc:
            try:  # a return that needs a quarter: the last quarter of the books
                request, view = build_report(books, module.NAME, period=last_quarter(books))
            except UserError:
                skipped.append(f"{module.NAME}: {exc}")
                continue
        path = default_output(books.path, module.NAME, request.period, "html")
        write_output(path, render_report(view, "html"))
        written.append((view.title, module.SUMMARY, path))
    index = folder / "index.html"
    write_output(index, render_index(books.config.company.name, written).encode("utf-8"))
    return [index, *(path for _, _, path in written)], skipped
