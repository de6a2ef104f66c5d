"""``ecomledger import``: files in, new entries appended, nothing twice, nothing half-written.

The pipeline, in order, with nothing written until every step has succeeded::

    identify each file ▶ book its records ▶ dedupe by source_id against the books' index
    ▶ refuse conflicts ▶ number invoices and credit notes ▶ open missing accounts
    ▶ append per ledger/YYYY/<source>.beancount ▶ archive the files in documents/

Each file is all or nothing. By default a bad file stops the run before the first write,
so the books stay byte-identical; with ``partial=True`` (the command line) a refused file
is set aside, named in :attr:`ImportResult.refused` and left in the inbox, and the others
are imported. The ledger files, the archive copies and the inbox removals of one run are
applied together through a journal (:mod:`ecomledger.journal`): a crash leaves the books
as before the run or, once the next run has taken the lock, as after it. An archived file
is never overwritten: a different file of the same name is kept as ``name-2.ext``.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import beangulp
from beancount.core import data

from ecomledger import journal, ledger, seal, summary
from ecomledger.accounts import open_entry
from ecomledger.booking import SaleContext
from ecomledger.config import Config, Shop
from ecomledger.errors import ConflictError, InputError, UserError
from ecomledger.identify_hints import note_foreign_currency
from ecomledger.importers._orders import OrderImporter, PayoutContext
from ecomledger.memory import paused_gc
from ecomledger.numbering import Series, assign_numbers
from ecomledger.reconcile import match_bank_lines
from ecomledger.rules import RULES_NAME, apply_rules, load_rules

INBOX = "inbox"
DOCUMENTS = "documents"


@dataclass
class ImportResult:
    """What one import did."""

    files: list[Path] = field(default_factory=list)
    added: list[data.Directive] = field(default_factory=list)
    duplicates: int = 0
    opened: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    #: Files set aside whole (``partial=True``), with the reason; still where they were.
    refused: list[tuple[Path, UserError]] = field(default_factory=list)

    @property
    def accepted(self) -> list[Path]:
        """The files imported (every file given but the refused ones)."""
        refused = {path for path, _ in self.refused}
        return [path for path in self.files if path not in refused]


def order_importer(config: Config, shop: Shop) -> OrderImporter:
    """Build the importer of ``shop`` from the configuration."""
    from ecomledger.importers.platforms import ORDER_IMPORTERS

    cls = ORDER_IMPORTERS.get(shop.platform)
    if cls is None:
        raise UserError(
            f"ecomledger.toml: shop {shop.name!r} uses platform {shop.platform!r}, which has "
            f"no importer yet; supported: {', '.join(sorted(ORDER_IMPORTERS))}"
        )
    processor = config.processor(shop.processor) if shop.processor else None
    clearing = shop.clearing_account or (
        processor.account if processor else f"Assets:Clearing:{_camel(shop.name)}"
    )
    sale = SaleContext(
        shop=shop.name,
        channel=shop.platform,
        clearing_account=clearing,
        timezone=config.company.timezone,
        home_country=config.company.country,
    )
    payouts = (
        PayoutContext(processor.name, processor.account, processor.fees_account, processor.gateways)
        if processor
        else None
    )
    return cls(
        sale,
        payouts,
        config.invoices.invoice_pattern,
        config.invoices.credit_note_pattern,
    )


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def bank_importers(config: Config) -> list[beangulp.Importer]:
    """Build one importer per configured bank (when the bank importers are installed)."""
    from ecomledger.importers import bank_apis, registry

    importers: list[beangulp.Importer] = []
    for bank in config.banks:
        if bank.api:  # its fetched payloads; the statements of its format below
            importers.append(bank_apis.build(bank, config.company.timezone))
            if bank.format == bank.api and bank.format not in registry.BANK_FORMATS:
                continue  # fetched only (GoCardless has no statement file of its own)
        cls = registry.BANK_FORMATS.get(bank.format)
        if cls is None:
            known = ", ".join(sorted(registry.BANK_FORMATS))
            raise UserError(
                f"ecomledger.toml: bank {bank.name!r} has format {bank.format!r}; "
                f"use one of {known}"
            )
        options: dict[str, object] = {"layout": bank.layout} if bank.layout else {}
        importers.append(
            cls(
                bank.name,
                bank.account,
                bank.currency,
                accounts=bank.accounts,
                timezone=config.company.timezone,
                **options,
            )
        )
    return importers


def processor_importers(config: Config) -> list[beangulp.Importer]:
    """Statement importers of the processors and marketplaces (PayPal, Stripe CSV, SumUp,
    Amazon settlements, eBay), and the Shopify CSV export of each Shopify shop."""
    from ecomledger.importers import processors
    from ecomledger.importers.platforms import PROCESSOR_IMPORTERS

    importers: list[beangulp.Importer] = []
    for processor in config.processors:
        api = PROCESSOR_IMPORTERS.get(processor.kind)
        if api is not None:  # payloads that `ecomledger fetch` saves (Stripe JSON)
            sale = SaleContext(
                shop=processor.name,
                channel=processor.kind,
                clearing_account=processor.account,
                timezone=config.company.timezone,
                home_country=config.company.country,
            )
            payout = PayoutContext(processor.name, processor.account, processor.fees_account)
            importers.append(api(sale, payout))
        if processor.kind not in processors.PROCESSOR_FORMATS:
            continue
        from_orders = processor.sales_from_orders
        if from_orders is None:
            from_orders = any(shop.processor == processor.name for shop in config.shops)
        options: dict[str, object] = {}
        if processor.kind == "amazon":  # commissions invoiced from Luxembourg: reverse charge
            options["supplier_country"] = processor.country
        importers.append(
            processors.build(
                processor.kind,
                processor.name,
                processor.account,
                processor.fees_account,
                config.company.currency,
                from_orders,
                config.company.timezone,
                **options,
            )
        )
    for shop in config.shops:
        if shop.platform == "shopify":
            importer = order_importer(config, shop)
            importers.append(
                processors.build(
                    "shopify_csv",
                    shop.name,
                    importer.sale.clearing_account,
                    importer.payouts.fees_account,
                    config.company.currency,
                    timezone=config.company.timezone,
                )
            )
    return importers


def all_importers(config: Config) -> list[beangulp.Importer]:
    """Every importer the configuration asks for: shops, processors, then banks."""
    return (
        [order_importer(config, shop) for shop in config.shops]
        + processor_importers(config)
        + bank_importers(config)
    )


def identify(importers: Sequence[beangulp.Importer], path: Path) -> beangulp.Importer:
    """Return the one importer that recognises ``path``, or say which were tried."""
    for importer in importers:
        if importer.identify(str(path)) and (
            not isinstance(importer, OrderImporter) or importer.owns(str(path))
        ):
            return importer
    from ecomledger.identify_hints import unrecognised  # what the file is, and the fix

    shops = [(i.sale.channel, i.sale.shop) for i in importers if isinstance(i, OrderImporter)]
    hint = unrecognised(path, shops)
    if hint:
        raise InputError(str(path), 0, hint)
    tried = "; ".join(_why_not(importer, path) for importer in importers) or "none configured"
    raise InputError(
        str(path),
        0,
        f"no configured importer recognises this file (tried: {tried}); check that its "
        "shop or bank is in ecomledger.toml and that the file is an unmodified export",
    )


def _why_not(importer: beangulp.Importer, path: Path) -> str:
    """``name`` and, for bank formats, why the file is not theirs."""
    sniff = getattr(importer, "sniff", None)
    if sniff is None:
        return str(importer.name)
    try:
        reason = str(sniff(str(path)).reason)
    except Exception:  # a sniffer must never hide the real error
        reason = ""
    return f"{importer.name} ({reason})" if reason else str(importer.name)


def inbox_files(books: Path) -> list[Path]:
    """Every file waiting in ``inbox/``, in name order (hidden files skipped)."""
    inbox = books / INBOX
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith("."))


#: Called under the lock just before the run's writes are committed, with the batch and the
#: files imported, to add writes that must land with them (fetch's state).
BeforeCommit = Callable[[journal.Batch, list[Path]], None]


def import_files(
    books: Path,
    config: Config,
    files: Sequence[Path],
    *,
    archive: bool = True,
    partial: bool = False,
    before_commit: BeforeCommit | None = None,
    progress: Callable[[Path], None] | None = None,
) -> ImportResult:
    """Import ``files`` into the books; see the module docstring for the steps.

    Raises:
        UserError: a file cannot be imported (only without ``partial``; nothing written).
    """
    importers = all_importers(config)
    result = ImportResult(files=list(files))
    with ledger.books_lock(books), paused_gc(freeze_survivors=True):
        index = ledger.scan(books)
        summary.remember(books, index)  # orders in daily summaries count as booked
        booked: list[tuple[beangulp.Importer, Path, list[data.Directive]]] = []
        seen: dict[str, data.Directive] = {}
        new: list[data.Directive] = []
        for path in files:
            if progress is not None:  # a bar on a terminal (ecomledger.progress.file_bar)
                progress(path)
            try:
                importer, entries, skipped = _book_file(importers, path, index)
                note_foreign_currency(importer, path, entries, config.company.currency)
                new += _dedupe(entries, index, result, seen, skipped)
            except UserError as exc:
                if not partial:
                    raise
                result.refused.append((path, exc))
                continue
            booked.append((importer, path, entries))
        new += _opening_pads(new, index)
        numbered = _number(new, index, config)
        numbered = summary.summarise(books, config, numbered, index)  # granularity day/payout
        numbered = match_bank_lines(numbered, index)
        numbered = apply_rules(numbered, load_rules(books / RULES_NAME), config.company.country)
        seal.refuse_closed(books, numbered)  # closed years are sealed: nothing new in them
        opens = _opens(numbered, index, config)
        result.added = numbered
        result.opened = [o.account for o in opens]
        result.findings = [
            f"{e.meta.get('filename')}: {e.meta['source_id']}: {e.meta['discrepancy']}"
            for e in numbered
            if isinstance(e, data.Transaction) and "discrepancy" in e.meta
        ]
        for importer, path, _ in booked:
            result.findings.extend(getattr(importer, "findings", {}).get(str(path), []))
        plan = _plan(books, config, numbered)
        if opens:
            plan.setdefault(books / ledger.ACCOUNTS_FILE, []).extend(opens)
        journal.kill_point("import-booked")
        batch = journal.Batch(books)
        placed = ledger.write_plan(batch, plan, header=_HEADER)
        if archive:
            for importer, path, _ in booked:
                _archive(batch, books, importer, path)
        if before_commit is not None:
            before_commit(batch, [path for _, path, _ in booked])
        batch.commit()
        ledger.remember_written(books, placed, index)
        result.written = list(placed)
    return result


def _book_file(
    importers: Sequence[beangulp.Importer], path: Path, index: ledger.LedgerIndex
) -> tuple[beangulp.Importer, list[data.Directive], int]:
    """Identify and book one file: its importer, its entries, the records skipped as booked."""
    if not path.is_file():
        from ecomledger.identify_hints import missing  # a folder, or nothing there

        raise InputError(str(path), 0, missing(path))
    importer = identify(importers, path)
    skipped = 0
    if isinstance(importer, OrderImporter):
        entries = importer.book(str(path), index.ids)
        skipped = importer.skipped.get(str(path), 0)
    else:
        entries = list(importer.extract(str(path), []))
    _tag_balances(entries, str(getattr(importer, "source", importer.name)))
    return importer, entries, skipped


_HEADER = ";; Written by ecomledger import: append-only; edit by hand with care.\n"


def _dedupe(
    entries: list[data.Directive],
    index: ledger.LedgerIndex,
    result: ImportResult,
    seen: dict[str, data.Directive],
    skipped: int = 0,
) -> list[data.Directive]:
    """Keep one file's entries whose source_id is new (neither booked nor ``seen`` earlier
    in this import); refuse the file if one comes back with other amounts.

    Nothing is recorded (``seen``, balances, counts) unless the whole file is accepted.
    """
    fresh: list[data.Directive] = []
    own: dict[str, data.Directive] = {}
    balances: set[tuple[dt.date, str, str]] = set()
    duplicates = skipped
    for entry in entries:
        if isinstance(entry, data.Balance):
            key = (entry.date, entry.account, entry.amount.currency)
            if key in index.balances or key in balances:
                duplicates += 1
                continue
            balances.add(key)
            fresh.append(entry)
            continue
        source_id = str((entry.meta or {}).get("source_id", ""))
        if not source_id or not isinstance(entry, data.Transaction):
            fresh.append(entry)
            continue
        amount = ledger.moved_amount(entry)
        booked = index.ids.get(source_id)
        if booked is not None:
            if not ledger.same_amount(booked, amount):
                raise ConflictError(
                    _conflict(source_id, ledger.Booked.from_row(booked), amount, entry)
                )
            duplicates += 1
            continue
        first = seen.get(source_id) or own.get(source_id)
        if first is not None:
            if ledger.moved_amount(first) != amount:  # type: ignore[arg-type]
                raise ConflictError(
                    f"{entry.meta.get('filename')}: {source_id} appears twice in this import "
                    f"with different amounts ({_fmt(ledger.moved_amount(first))} in "  # type: ignore[arg-type]
                    f"{first.meta.get('filename')}, {_fmt(amount)} here); import the newer "
                    "file alone"
                )
            duplicates += 1
            continue
        own[source_id] = entry
        fresh.append(entry)
    seen.update(own)
    index.balances |= balances
    result.duplicates += duplicates
    return fresh


def _fmt(amount: tuple[object, str] | None) -> str:
    return "no amount" if amount is None else f"{amount[0]} {amount[1]}"


def _conflict(
    source_id: str, booked: ledger.Booked, amount: tuple[object, str] | None, entry: data.Directive
) -> str:
    where = entry.meta.get("filename", "the input")
    line = entry.meta.get("lineno", 0)
    new_location = f"{where}:{line}" if line else str(where)
    return (
        f"{source_id} is already in the books at {booked.location} for "
        f"{_fmt(booked.amount)}, but {new_location} now says {_fmt(amount)}; nothing was "
        "written: if the source changed, book the difference by hand (or as a refund) "
        "rather than re-importing"
    )


def _number(
    entries: list[data.Directive], index: ledger.LedgerIndex, config: Config
) -> list[data.Directive]:
    invoices = Series(config.invoices.invoice_pattern)
    credit_notes = Series(config.invoices.credit_note_pattern)
    for number in index.numbers:
        invoices.observe(number)
        credit_notes.observe(number)
    invoice_of_order = {sid: row[4] for sid, row in index.ids.items() if row[4]}
    return assign_numbers(entries, invoices, credit_notes, invoice_of_order)


OPENING_BALANCES = "Equity:Opening-Balances"


def _tag_balances(entries: list[data.Directive], source: str) -> None:
    """Give a statement's balance assertions the source of its lines (same ledger file)."""
    for entry in entries:
        if isinstance(entry, data.Balance) and "source" not in entry.meta:
            entry.meta["source"] = source


def _opening_pads(entries: list[data.Directive], index: ledger.LedgerIndex) -> list[data.Pad]:
    """Bring forward the opening balance of a bank account the books have never seen.

    The first statement of an account states a balance the books cannot know; a ``pad``
    from ``Equity:Opening-Balances`` the day before its first assertion fills it, so the
    statement's assertions hold from the first import. Later statements get no pad: a
    difference there is a real finding.
    """
    first: dict[str, data.Balance] = {}
    for entry in entries:
        if isinstance(entry, data.Balance) and entry.account not in index.accounts:
            known = first.get(entry.account)
            if known is None or entry.date < known.date:
                first[entry.account] = entry
    pads = []
    for account, balance in sorted(first.items()):
        if not balance.amount.number:
            continue  # nothing to bring forward (Beancount rejects an unused pad)
        meta = data.new_metadata(str(balance.meta.get("filename", "<import>")), 0)
        meta["source"] = balance.meta.get("source", "")
        day = balance.date - dt.timedelta(days=1)
        pads.append(data.Pad(meta, day, account, OPENING_BALANCES))
    return pads


def _opens(
    entries: list[data.Directive], index: ledger.LedgerIndex, config: Config
) -> list[data.Open]:
    first_use: dict[str, dt.date] = {}
    for entry in entries:
        accounts = (
            [p.account for p in entry.postings]
            if isinstance(entry, data.Transaction)
            else [entry.account]
            if isinstance(entry, data.Balance)
            else [entry.account, entry.source_account]
            if isinstance(entry, data.Pad)
            else []
        )
        for account in accounts:
            if account not in index.accounts:
                first_use[account] = min(first_use.get(account, entry.date), entry.date)
    opens = []
    for account, day in sorted(first_use.items()):
        start = _fiscal_start(config, day)
        opens.append(open_entry(account, start))
        index.accounts.add(account)
    return opens


def _fiscal_start(config: Config, day: dt.date) -> dt.date:
    month, mday = (int(p) for p in config.company.fiscal_year_start.split("-"))
    start = dt.date(day.year, month, mday)
    return start if start <= day else dt.date(day.year - 1, month, mday)


def _plan(
    books: Path, config: Config, entries: list[data.Directive]
) -> dict[Path, list[data.Directive]]:
    plan: dict[Path, list[data.Directive]] = {}
    files: dict[tuple[int, str], list[data.Directive]] = {}
    years: dict[dt.date, int] = {}
    for entry in entries:
        source = str((entry.meta or {}).get("source") or _balance_source(entry))
        year = years.get(entry.date)
        if year is None:
            year = years[entry.date] = config.company.fiscal_year(entry.date)
        files.setdefault((year, source), []).append(entry)
    for (year, source), items in files.items():
        plan[ledger.ledger_file(books, year, source)] = items
    return plan


def _balance_source(entry: data.Directive) -> str:
    account = getattr(entry, "account", "statements")
    return "balances-" + account.split(":")[-1].lower()


def _archive(batch: journal.Batch, books: Path, importer: beangulp.Importer, path: Path) -> None:
    """Keep the imported file under documents/<importer>/; take it out of the inbox.

    Evidence is never overwritten nor lost: a file whose name the archive already holds
    with other bytes is kept as ``name-2.ext`` (``-3``...); one already held with the same
    bytes is only taken out of the inbox.
    """
    documents = (books / DOCUMENTS).resolve()
    if path.resolve().is_relative_to(documents):
        return  # already evidence
    target = _archive_name(batch, books / DOCUMENTS / importer.name.replace(":", "/"), path)
    if path.resolve().is_relative_to((books / INBOX).resolve()):
        batch.move(path, target)
    elif not target.exists():
        batch.copy(path, target)


def _archive_name(batch: journal.Batch, folder: Path, path: Path) -> Path:
    """The first free name for ``path`` in ``folder``, or the one already holding its bytes."""
    for n in range(1, 10_000):
        name = path.name if n == 1 else f"{path.stem}-{n}{path.suffix}"
        target = folder / name
        if Path(os.path.abspath(target)) in batch.targets:
            continue  # another file of this run takes that name
        if not target.exists() or filecmp.cmp(path, target, shallow=False):
            return target
    raise InputError(str(path), 0, f"{folder} holds 10,000 files of that name; tidy it up")
