"""``ecomledger demo``: the main job, end to end, on the built-in demo shop.

It copies ``examples/demo-shop`` (complete books with an inbox of Shopify orders, Shopify
Payments payouts and a Qonto statement), starts the sandbox shop server on 127.0.0.1 and
then runs exactly what a user runs: ``fetch`` of the second shop (``sandbox-shop``) over
HTTP, ``import`` of the inbox, ``check`` and ``reconcile``. The sandbox bank's statement of
its payouts goes into the inbox first, so every payout meets its bank line. Run again on the
same folder, it fetches again (incrementally) and re-imports the archived documents: nothing
is added twice.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from beancount.core import data

from ecomledger import ledger
from ecomledger.config import CONFIG_NAME, Config, load_config
from ecomledger.fetch import SourceConfig, fetch_source
from ecomledger.ingest import DOCUMENTS, ImportResult, import_files, inbox_files
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.reconcile import ReconcileReport, reconcile

if TYPE_CHECKING:
    from ecomledger.invoices.render import RenderReport


@dataclass
class DemoSummary:
    """What the demo did and what the books now say."""

    books: Path
    fresh: bool
    imported: ImportResult
    errors: list[tuple[str, int, str]] = field(default_factory=list)
    revenue: Decimal = ZERO
    vat_collected: Decimal = ZERO
    bank_balance: Decimal = ZERO
    clearing_balance: Decimal = ZERO
    invoices: int = 0
    credit_notes: int = 0
    reconciliation: ReconcileReport | None = None
    #: the HTML reports written under reports/ (index first), and those left out and why
    reports: list[Path] = field(default_factory=list)
    reports_skipped: list[str] = field(default_factory=list)
    #: the first and last day of the transactions the figures add up (all the books')
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    #: what the fetch from the sandbox shop brought: ``{"orders": 60, "payouts": 4}``
    fetched: dict[str, int] = field(default_factory=dict)
    fetch_requests: int = 0


def copy_demo_books(target: Path) -> None:
    """Copy the demo shop's books into ``target`` (which must not hold books)."""
    source = resources.files("ecomledger.examples").joinpath("demo-shop")
    with resources.as_file(source) as folder:
        shutil.copytree(folder, target, dirs_exist_ok=True, ignore=_ignore)


def _ignore(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n in ("__pycache__",) or n.endswith(".picklecache")]


SANDBOX_SHOP = "sandbox-shop"
SANDBOX_SEED = 7
SANDBOX_ORDERS = 60


def run_demo(target: Path) -> DemoSummary:
    """Create (or reuse) the demo books in ``target``, fetch, import, check and summarise."""
    from ecomledger.sandbox import TOKEN, SandboxServer
    from ecomledger.sandbox.bank import qonto_statement

    fresh = not (target / CONFIG_NAME).exists()
    if fresh:
        copy_demo_books(target)
    config = load_config(target / CONFIG_NAME)
    shop = config.shop(SANDBOX_SHOP)
    with SandboxServer(seed=SANDBOX_SEED, orders=SANDBOX_ORDERS, settled=True) as server:
        if fresh:
            statement = target / "inbox" / "qonto-sandbox-payouts.csv"
            statement.write_text(qonto_statement(server.data), encoding="utf-8")
        source = SourceConfig(
            name=shop.name,
            platform=shop.platform,
            url=server.url,
            token_env=shop.token_env,
            options=dict(shop.options),
        )
        report = fetch_source(target, source, environ={shop.token_env: TOKEN})
    fetched = [target / f for f in report.files]
    files = inbox_files(target) + fetched if fresh else _archived(target)
    result = import_files(target, config, files)
    entries, errors, _ = ledger.load(target)
    summary = DemoSummary(books=target, fresh=fresh, imported=result)
    summary.fetched, summary.fetch_requests = dict(report.counts), report.requests
    summary.errors = [ledger.format_error(error, target) for error in errors]
    summary.reconciliation = reconcile(entries, Period(dt.date.min, dt.date.max))
    _totals(entries, summary)
    if not errors:
        _write_reports(target, config, entries, summary)
    return summary


def _write_reports(
    target: Path, config: Config, entries: list[data.Directive], summary: DemoSummary
) -> None:
    """Write every report as HTML under reports/ (what a new user opens next)."""
    from ecomledger.books import Books
    from ecomledger.reports.runner import write_html_reports

    books = Books(path=target, config=config, entries=entries, errors=[], options={})
    summary.reports, summary.reports_skipped = write_html_reports(books)


def render_demo_invoices(target: Path) -> RenderReport:
    """Render the demo's invoices and credit notes as Factur-X PDFs under invoices/<year>/.

    Kept out of :func:`run_demo` (the command calls it) because laying out some seventy PDFs
    takes seconds that the tests built on the demo books do not need.
    """
    from ecomledger.books import load_books
    from ecomledger.invoices.render import render

    return render(load_books(target, load_config(target / CONFIG_NAME)))


def _archived(books: Path) -> list[Path]:
    folder = books / DOCUMENTS
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def _totals(entries: list[data.Directive], summary: DemoSummary) -> None:
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        if summary.first_day is None or entry.date < summary.first_day:
            summary.first_day = entry.date
        if summary.last_day is None or entry.date > summary.last_day:
            summary.last_day = entry.date
        if "invoice" in entry.meta:
            summary.invoices += 1
        if "credit_note" in entry.meta:
            summary.credit_notes += 1
        for posting in entry.postings:
            number = posting.units.number if posting.units else None
            if number is None:
                continue
            if posting.account.startswith("Income:Sales:"):
                summary.revenue -= number
            elif posting.account.startswith("Liabilities:VAT:Collected:"):
                summary.vat_collected -= number
            elif posting.account.startswith("Assets:Bank:"):
                summary.bank_balance += number
            elif posting.account.startswith("Assets:Clearing:"):
                summary.clearing_balance += number
