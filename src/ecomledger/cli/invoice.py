"""``ecomledger invoice render|show``: invoices and credit notes from the books."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ecomledger.books import load_books
from ecomledger.cli._common import books_and_config, console
from ecomledger.invoices import labels
from ecomledger.invoices.document import Document, build_document, index_entries
from ecomledger.invoices.render import render, select
from ecomledger.periods import parse_period

app = typer.Typer(help="Invoices and credit notes from the books: PDF with Factur-X.")


@app.command("render")
def render_command(
    ctx: typer.Context,
    numbers: Annotated[
        list[str] | None, typer.Argument(help="Invoice or credit-note numbers (default: all).")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="Only documents dated in 2026, 2026-Q1, 2026-03, A..B.")
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the documents: fr or en.")] = "fr",
    output: Annotated[
        Path | None,
        typer.Option(help="Folder for the PDFs (default: invoices/<fiscal year>/ in the books)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace documents already rendered that would now differ.")
    ] = False,
) -> None:
    """Render each document as a Factur-X PDF (EN 16931), validated offline before writing."""
    if lang not in labels.LANGS:
        raise typer.BadParameter(f"--lang {lang!r}: choose fr or en")
    books_path, config = books_and_config(ctx)
    books = load_books(books_path, config)
    report = render(
        books,
        numbers or (),
        parse_period(period) if period else None,
        lang,
        output,
        force=force,
    )
    written, same = report.of("written"), report.of("unchanged")
    for folder in report.folders:
        console.print(f"Invoices in {folder}", markup=False)
    console.print(
        f"  {len(written)} written, {len(same)} unchanged, "
        f"{len(report.of('changed')) + len(report.of('differs'))} kept as issued",
        markup=False,
    )
    for outcome in written:
        console.print(f"  wrote {outcome.path.name}", markup=False)
    for outcome in report.outcomes:
        if outcome.status in ("changed", "differs"):
            console.print(f"  kept: {outcome.message}", markup=False, soft_wrap=True)
    raise typer.Exit(1 if report.needs_attention else 0)


@app.command("show")
def show_command(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The invoice or credit-note number.")],
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show a document as the books hold it."""
    if format not in ("table", "json"):
        raise typer.BadParameter(f"--format {format!r}: choose table or json")
    books_path, config = books_and_config(ctx)
    books = load_books(books_path, config)
    (entry,) = select(books, [number])
    index = index_entries(books.entries)
    company = config.company
    document = build_document(entry, company, company.fiscal_year(entry.date), index, books.path)
    if format == "json":
        typer.echo(json.dumps(as_json(document), indent=2, ensure_ascii=False))
        return
    _print_table(document)


def as_json(document: Document) -> dict[str, Any]:
    """The document as JSON-ready data (amounts as strings, never floats)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    fields = {
        f.name: getattr(document, f.name)
        for f in dataclasses.fields(document)
        if f.name != "company"
    }
    fields["seller"] = dataclasses.asdict(document.seller)
    fields["buyer"] = dataclasses.asdict(document.buyer)
    for key in ("lines", "allowances", "vat_groups"):
        fields[key] = [dataclasses.asdict(item) for item in getattr(document, key)]
    return {k: plain(v) for k, v in fields.items()} | {"b2b": document.b2b}


def _print_table(doc: Document) -> None:
    kind = "Credit note" if doc.kind == "credit_note" else "Invoice"
    console.print(f"{kind} {doc.number}  ({doc.source})", markup=False)
    console.print(
        f"  issued {doc.issue_date}, delivered {doc.delivery_date}, customer {doc.buyer.name}"
        f" ({doc.buyer.country or '?'}"
        + (f", VAT {doc.buyer.vat_number}" if doc.buyer.vat_number else "")
        + ")",
        markup=False,
    )
    if doc.credits:
        console.print(f"  credits invoice {doc.credits}", markup=False)
    if doc.vat_mention:
        console.print(f"  mention: {doc.vat_mention}", markup=False)
    table = Table(show_edge=False)
    for name, justify in (
        ("Description", "left"),
        ("Qty", "right"),
        ("Unit price excl. VAT", "right"),
        ("VAT %", "right"),
        ("Excl. VAT", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for line in doc.lines:
        table.add_row(
            Text(line.description or line.kind),
            str(line.quantity),
            str(line.unit_price),
            str(line.vat_rate),
            f"{line.net:.2f}",
        )
    for allowance in doc.allowances:
        table.add_row("Discount", "", "", str(allowance.vat_rate), f"-{allowance.amount:.2f}")
    console.print(table, markup=False)
    for group in doc.vat_groups:
        console.print(
            f"  VAT {group.rate} % ({group.category}): base {group.base:.2f}, VAT {group.vat:.2f}",
            markup=False,
        )
    console.print(
        f"  total excl. VAT {doc.net_total:.2f}, VAT {doc.vat_total:.2f}, incl. VAT "
        f"{doc.gross_total:.2f} {doc.currency}; paid {doc.paid:.2f}, due {doc.due:.2f}",
        markup=False,
    )
