"""``ecomledger fetch``, ``ecomledger sync`` and ``ecomledger sandbox``."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ecomledger import journal, ledger
from ecomledger.cli._common import books_and_config, console, err_console, styled
from ecomledger.config import Config
from ecomledger.errors import UserError
from ecomledger.fetch import (
    SourceConfig,
    bank_source,
    fetch_source,
    mark_imported,
    pending_files,
)
from ecomledger.ingest import ImportResult, import_files, inbox_files
from ecomledger.progress import FetchMeter, shown_in, summarise

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
    found.extend(bank_source(bank) for bank in config.banks if bank.api)  # Qonto, Revolut...
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
    are already in the books, and a re-run fetches only what is new. Files fetched but not
    imported yet (a crash, Ctrl-C or the lock refused the import) are imported before the
    source is fetched again; a file the import refuses stays pending and is named in the
    result's ``refused``.
    """
    lines: list[str] = []
    total = ImportResult()
    chosen = sources(config, names)
    journal.recover_if_idle(books)  # finish a killed run before reading what is pending
    if not chosen:
        raise UserError(
            "ecomledger.toml configures no shop or fetchable processor; add a [[shops]] entry"
        )
    show = sys.stderr.isatty()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=err_console,
        disable=not show,
        transient=True,
    ) as progress:
        for source in chosen:
            task = progress.add_task(f"importing {source.key}'s pending files", total=None)
            waiting = [books / f for f in pending_files(books, source) if (books / f).is_file()]
            if waiting:
                result = _import_fetched(books, config, waiting, total)
                lines.append(
                    f"{source.key}: {len(waiting)} file(s) fetched earlier, "
                    f"{len(result.added)} new entries"
                )
            progress.update(task, description=f"fetching {source.key}")
            meter = FetchMeter(source.key, on_change=shown_in(progress, task))
            report = fetch_source(books, source, since=since, until=until, watch=meter.watch)
            progress.update(task, description=f"importing {source.key}")
            result = _import_fetched(books, config, [books / f for f in report.files], total)
            progress.remove_task(task)
            counts = ", ".join(f"{n} {kind}" for kind, n in report.counts.items())
            lines.append(
                f"{source.key}: {counts} in {report.requests} requests "
                f"({meter.rate:.1f}/s), {len(result.added)} new entries, "
                f"{result.duplicates} already in the books"
            )
    return lines, total


def _import_fetched(
    books: Path, config: Config, files: list[Path], total: ImportResult
) -> ImportResult:
    """Import fetched payloads (each all or nothing) and take them off the pending list."""

    def done(batch: journal.Batch, accepted: list[Path]) -> None:
        mark_imported(batch, books, accepted)

    try:
        result = import_files(books, config, files, partial=True, before_commit=done)
    except UserError as exc:
        raise UserError(
            f"{exc} (the fetched files stay in documents/ and the next 'ecomledger fetch' "
            f"imports them first; or import them with 'ecomledger import "
            f"{' '.join(str(f.relative_to(books)) for f in files)}')"
        ) from exc
    total.added.extend(result.added)
    total.duplicates += result.duplicates
    total.findings.extend(result.findings)
    total.refused.extend(result.refused)
    return result


def print_refused(refused: Sequence[tuple[Path, UserError]]) -> None:
    """Name each fetched file the import refused, and what happens to it."""
    for path, error in refused:
        err_console.print(
            f"refused: {error} ({path.name} stays in documents/ and the next 'ecomledger "
            "fetch' tries it again; fix the cause, or delete the file to give it up)",
            soft_wrap=True,
        )


@app.command("fetch")
def fetch_command(
    ctx: typer.Context,
    shops: Annotated[
        list[str] | None, typer.Argument(help="Shops or processors (default: all).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Fetch from this day, written YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS+01:00); "
            "default: since the last fetch.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help="Fetch up to this day, written YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS+01:00).",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every finding, not one per kind.")
    ] = False,
) -> None:
    """Download what changed from each shop and processor, keep it in documents/, import it."""
    books, config = books_and_config(ctx)
    start, end = _moment(since, "--since"), _moment(until, "--until")
    if start is not None and end is not None and end < start:
        raise UserError(
            f"--until {until} is before --since {since}; give the earlier day to --since"
        )
    lines, result = fetch_and_import(books, config, shops or [], start, end)
    for line in lines:
        console.print(line)
    for finding in summarise(result.findings, verbose):
        console.print(styled("finding:", "yellow"), finding, soft_wrap=True)
    print_refused(result.refused)
    if result.refused:
        raise typer.Exit(2)


@app.command("sync")
def sync_command(ctx: typer.Context) -> None:
    """Fetch every source, import the inbox, then check the books: one summary."""
    books, config = books_and_config(ctx)
    lines, fetched = fetch_and_import(books, config, [], None, None)
    waiting = inbox_files(books)
    imported = import_files(books, config, waiting, partial=True) if waiting else ImportResult()
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
    print_refused(fetched.refused)
    for _path, error in imported.refused:
        err_console.print(f"refused: {error} (left in inbox/)", soft_wrap=True)
    raise typer.Exit(2 if fetched.refused or imported.refused else 1 if errors else 0)


@app.command("sandbox")
def sandbox_command(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generated shop.")] = 1,
    orders: Annotated[int, typer.Option("--orders", help="Number of orders.")] = 60,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            metavar="NAME=N",
            help="Inject a fault, repeatable: rate_limit=3 (429s), server_error=2 (5xx), "
            "slow=1, truncate=1, disconnect=1, repeat_page=2, after=10 (let 10 requests "
            "through first); retry_after, server_error_status and slow_seconds tune them.",
        ),
    ] = None,
    no_faults: Annotated[
        bool, typer.Option("--no-faults", help="Serve without any fault (the default).")
    ] = False,
    oss_opt_in: Annotated[
        bool,
        typer.Option(
            "--oss-opt-in/--no-oss-opt-in",
            help="Charge EU consumers their country's VAT from the first euro (books with "
            "[vat] oss_opt_in = true), or French VAT until the EUR 10,000 threshold "
            "(oss_opt_in = false, as `ecomledger init` writes).",
        ),
    ] = True,
    payout_events: Annotated[
        bool,
        typer.Option(
            "--payout-events",
            help="Shopify Payments payouts also carry adjustments, disputes, reserved funds "
            "and a failed payout retried.",
        ),
    ] = False,
) -> None:
    """Serve the sandbox shop (every platform's dialect) on 127.0.0.1 until Ctrl-C."""
    from ecomledger.sandbox.server import Faults, serve

    if fault and no_faults:
        raise UserError("--fault and --no-faults contradict each other: give one of them")
    try:
        faults = Faults.parse(fault or [])
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    regime = "true" if oss_opt_in else "false"
    serve(
        "127.0.0.1",
        port,
        seed,
        orders=orders,
        faults=faults,
        oss_opt_in=oss_opt_in,
        payout_events=payout_events,
        ready=lambda url: console.print(
            f"sandbox shop on {url} (Ctrl-C to stop); its VAT needs [vat] oss_opt_in = "
            f"{regime} in ecomledger.toml; faults: {_faults_text(faults)}",
            markup=False,
            soft_wrap=True,
        ),
    )


def _faults_text(faults: object) -> str:
    """The faults that are on, as ``--fault`` spells them (``none`` when none is)."""
    from dataclasses import fields

    from ecomledger.sandbox.server import Faults

    default = Faults()
    on = [
        f"{f.name}={getattr(faults, f.name)}"
        for f in fields(Faults)
        if getattr(faults, f.name) != getattr(default, f.name)
    ]
    return " ".join(on) or "none"
