"""``ecomledger fetch``, ``ecomledger sync`` and ``ecomledger sandbox``."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ecomledger import ledger
from ecomledger.cli._common import books_and_config, console, err_console
from ecomledger.config import Config
from ecomledger.errors import UserError
from ecomledger.fetch import SourceConfig, fetch_source
from ecomledger.ingest import ImportResult, import_files, inbox_files

app = typer.Typer()

#: Processor kinds that have an API client.
FETCHABLE_PROCESSORS = {"stripe": "https://api.stripe.com"}


def _moment(text: str | None, option: str) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(
            f"{option} {text!r} is not a date; write 2026-03-01 or 2026-03-01T12:00:00+01:00"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def sources(config: Config, names: Sequence[str]) -> list[SourceConfig]:
    """The shops and fetchable processors to fetch, restricted to ``names`` when given."""
    found = [SourceConfig.from_config(shop) for shop in config.shops]
    for processor in config.processors:
        if processor.kind in FETCHABLE_PROCESSORS:
            found.append(
                SourceConfig(
                    name=processor.name,
                    platform=processor.kind,
                    url=processor.url or FETCHABLE_PROCESSORS[processor.kind],
                    token_env=processor.token_env or None,
                    options=dict(processor.options),
                )
            )
    if names:
        known = {s.name for s in found}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UserError(
                f"ecomledger.toml has no shop or fetchable processor named {unknown[0]!r} "
                f"(configured: {', '.join(sorted(known)) or 'none'})"
            )
        found = [s for s in found if s.name in names]
    return [
        SourceConfig(
            name=s.name,
            platform=s.platform,
            url=s.url,
            token_env=s.token_env or None,
            key_env=s.key_env or None,
            secret_env=s.secret_env or None,
            options=s.options,
        )
        for s in found
    ]


def fetch_and_import(
    books: Path,
    config: Config,
    names: Sequence[str],
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> tuple[list[str], ImportResult]:
    """Fetch each source completely, then import what it wrote, source by source.

    A source that fails raises before anything of it is written; sources fetched before it
    are already in the books, and a re-run fetches only what is new.
    """
    lines: list[str] = []
    total = ImportResult()
    chosen = sources(config, names)
    if not chosen:
        raise UserError(
            "ecomledger.toml configures no shop or fetchable processor; add a [[shops]] entry"
        )
    show = sys.stderr.isatty()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show,
        transient=True,
    ) as progress:
        for source in chosen:
            task = progress.add_task(f"fetching {source.key}", total=None)
            report = fetch_source(books, source, since=since, until=until)
            progress.update(task, description=f"importing {source.key}")
            files = [books / f for f in report.files]
            try:
                result = import_files(books, config, files)
            except UserError as exc:
                raise UserError(
                    f"{exc} (the fetched files stay in documents/: import them with "
                    f"'ecomledger import {' '.join(str(f) for f in report.files)}')"
                ) from exc
            progress.remove_task(task)
            counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
            lines.append(
                f"{source.key}: {counts} in {report.requests} requests, "
                f"{len(result.added)} new entries, {result.duplicates} already in the books"
            )
            total.added.extend(result.added)
            total.duplicates += result.duplicates
            total.findings.extend(result.findings)
    return lines, total


@app.command("fetch")
def fetch_command(
    ctx: typer.Context,
    shops: Annotated[
        list[str] | None, typer.Argument(help="Shops or processors (default: all).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Fetch from this date (default: since the last fetch)."),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Fetch up to this date.")] = None,
) -> None:
    """Download what changed from each shop and processor, keep it in documents/, import it."""
    books, config = books_and_config(ctx)
    lines, result = fetch_and_import(
        books, config, shops or [], _moment(since, "--since"), _moment(until, "--until")
    )
    for line in lines:
        console.print(line)
    for finding in result.findings:
        console.print(f"[yellow]finding:[/] {finding}", soft_wrap=True)


@app.command("sync")
def sync_command(ctx: typer.Context) -> None:
    """Fetch every source, import the inbox, then check the books: one summary."""
    books, config = books_and_config(ctx)
    lines, _ = fetch_and_import(books, config, [], None, None)
    waiting = inbox_files(books)
    imported = import_files(books, config, waiting) if waiting else ImportResult()
    entries, errors, _ = ledger.load(books)
    for line in lines:
        console.print(line)
    console.print(
        f"inbox: {len(waiting)} file(s), {len(imported.added)} new entries; "
        f"books: {len(entries)} entries, {len(errors)} error(s)"
    )
    for error in errors:
        filename, lineno, message = ledger.format_error(error, books)
        console.print(f"{filename}:{lineno}: {message}", soft_wrap=True)
    raise typer.Exit(1 if errors else 0)


@app.command("sandbox")
def sandbox_command(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated shop.")] = 1,
    orders: Annotated[int, typer.Option("--orders", help="Number of orders.")] = 60,
) -> None:
    """Serve the sandbox shop (every platform's dialect) on 127.0.0.1 until Ctrl-C."""
    from ecomledger.sandbox.server import serve

    serve(
        "127.0.0.1",
        port,
        seed,
        orders=orders,
        ready=lambda url: console.print(f"sandbox shop on {url} (Ctrl-C to stop)"),
    )
