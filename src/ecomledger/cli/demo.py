"""``ecomledger demo [DIR]``: run the main job end to end on the built-in demo shop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecomledger.cli._common import console, styled
from ecomledger.demo import render_demo_invoices, run_demo

app = typer.Typer()


@app.command("demo")
def demo_command(
    directory: Annotated[Path, typer.Argument(help="Where to put the demo books.")] = Path(
        "ecomledger-demo"
    ),
) -> None:
    """Copy the demo shop's books, import its orders, payouts and bank statement, check."""
    summary = run_demo(directory)
    result = summary.imported
    action = "Created" if summary.fresh else "Re-imported into"
    console.print(f"{action} demo books in {summary.books}")
    fetched = ", ".join(f"{n} {kind}" for kind, n in summary.fetched.items())
    console.print(
        f"  fetch: {fetched or 'nothing new'} from the sandbox shop (sandbox-shop, served on "
        f"127.0.0.1) in {summary.fetch_requests} requests",
        soft_wrap=True,
    )
    console.print(
        f"  import: {len(result.files)} file(s) (the inbox and the fetch), "
        f"{len(result.added)} entries added, {result.duplicates} already in the books",
        soft_wrap=True,
    )
    for finding in result.findings:
        console.print(" ", styled("finding:", "yellow"), finding, soft_wrap=True)
    if summary.first_day is not None and summary.last_day is not None:
        console.print(
            f"  figures for {summary.first_day}..{summary.last_day} (every transaction in "
            "the books):"
        )
    console.print(
        f"  invoices: {summary.invoices}, credit notes: {summary.credit_notes}\n"
        f"  revenue (excl. VAT): {summary.revenue:.2f} EUR\n"
        f"  VAT collected: {summary.vat_collected:.2f} EUR\n"
        f"  bank balance: {summary.bank_balance:.2f} EUR\n"
        f"  processor balances not yet paid out: {summary.clearing_balance:.2f} EUR"
    )
    report = summary.reconciliation
    if report is not None:
        state = "needs attention" if report.needs_attention else "everything reconciles"
        console.print(
            f"  reconcile: {len(report.matched)} payouts matched, {len(report.unpaid)} not yet "
            f"in the bank, {len(report.unmatched_bank)} bank lines in suspense: {state}"
        )
    for filename, lineno, message in summary.errors:
        console.print(f"{filename}:{lineno}: {message}", soft_wrap=True)
    status = "no errors" if not summary.errors else f"{len(summary.errors)} error(s)"
    console.print(f"  check: {status}")
    if summary.reports:
        console.print(
            f"  reports: {len(summary.reports) - 1} HTML pages in {summary.reports[0].parent}; "
            f"open {summary.reports[0]}",
            soft_wrap=True,
        )
    for reason in summary.reports_skipped:
        console.print(f"  report left out: {reason}", soft_wrap=True, markup=False)
    if not summary.errors:
        _invoices(summary.books)
    raise typer.Exit(1 if summary.errors else 0)


def _invoices(books: Path) -> None:
    """Render the demo's invoices (Factur-X PDFs) and say where they are."""
    report = render_demo_invoices(books)
    folders = ", ".join(str(folder) for folder in report.folders)
    console.print(
        f"  invoices: {len(report.outcomes)} Factur-X PDFs (EN 16931, validated) in {folders} "
        f"({len(report.of('written'))} written now); 'ecomledger invoice render --lang en' "
        "for English",
        soft_wrap=True,
        markup=False,
    )
