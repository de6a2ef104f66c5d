"""``ecomledger demo [DIR]``: run the main job end to end on the built-in demo shop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecomledger.cli._common import console
from ecomledger.demo import run_demo

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
    console.print(
        f"  import: {len(result.files)} file(s), {len(result.added)} entries added, "
        f"{result.duplicates} already in the books"
    )
    for finding in result.findings:
        console.print(f"  [yellow]finding:[/] {finding}", soft_wrap=True)
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
    raise typer.Exit(1 if summary.errors else 0)
