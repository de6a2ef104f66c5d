"""Summary granularity: a day's (or a payout's) orders of a shop as one centralised entry.

Why: at 100,000 orders a year, one entry per order makes every load of the books (check,
reports, Fava) book and validate 100,000 transactions. French rules allow a daily summary
of sales (écriture centralisatrice) as long as each invoice stays available: here, per shop
``granularity = "day"`` (or ``"payout"``) in ecomledger.toml makes the import book, per day
(and payout), one entry whose postings are summed per account, VAT rate, country and SKU,
carrying ``invoice_range`` (the invoices it covers, consecutive) and ``document`` (the
evidence file listing every order with its lines, :mod:`ecomledger.evidence`).

Credit notes (refunds) are centralised the same way, apart from the orders: one entry per
day carrying ``credit_note_range`` and ``credits`` (the invoices they credit, in credit-note
order), with their own evidence file. A credit note that corrects an EU distance sale
(``EU-B2C``, or VAT collected for another country) stays its own entry: the OSS return
reports it against the quarter of the invoice it credits.

B2B orders (``customer_vat``) and orders paid by bank transfer (first posting on
``Assets:Customers``) are centralised per customer: the entry's payee is the customer, it
carries the orders' ``customer_vat``, ``vat_mention`` and ``country`` (so the VAT plugin
checks the reverse charge as for one order), and it keeps one ``Assets:Customers`` posting
per invoice, with ``invoice`` and ``order_number`` posting metadata, so that the bank line
paying an invoice still settles it and the receivables stay per invoice. A customer's only
order of the day stays its own entry.

What stays one entry per order, whatever the granularity: credit notes of B2B or
transfer-paid orders, orders shipped after the day they were paid (the deposits plugin
follows each), and entries with a cost or a price.

The plugins accept these entries as they are: the VAT plugin checks each (account, rate,
country) with its tolerance times the number of invoices, the numbering plugin counts every
number of the range, the inventory plugin moves stock per SKU from each posting's ``sku``
and ``qty`` (summed per SKU: the FIFO or average cost of N units sold on one day is the same
as that of the N sales). Mixing granularities within a fiscal year is refused; switching
for a new year is one line of ecomledger.toml.

Two calls from the import (:mod:`ecomledger.ingest`): :func:`remember` after the index scan
(orders already centralised count as booked, so a re-import is a duplicate, not a second
sale), and :func:`summarise` after numbering.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger import evidence, ledger
from ecomledger.config import Config
from ecomledger.errors import UserError
from ecomledger.numbering import series_regex

CUSTOMERS = ledger.CUSTOMERS
Keys = dict[int, tuple[str, str, str, str, str]]  # id -> (kind, source, payout, currency, party)
SUMMARY = ":summary:"
INVOICE, CREDIT_NOTE = "invoice", "credit_note"
#: The metadata of a summary entry naming the numbers it covers, per kind of document.
RANGE_KEY = {INVOICE: "invoice_range", CREDIT_NOTE: "credit_note_range"}
#: What a customer's own summary entry carries from its orders (all equal within it).
PARTY_KEYS = ("customer_vat", "vat_mention", "country")
ZERO = Decimal(0)


def evidence_path(books: Path, source: str, day: dt.date, first_invoice: str, fy: int) -> Path:
    """Where the evidence of a summary entry lives (derived from its source and first invoice)."""
    folder = source.replace(":", "-").replace("/", "-")
    name = f"{day.isoformat()}_{first_invoice.replace('/', '-')}.jsonl"
    return books / evidence.SUMMARIES_DIR / folder / str(fy) / name


def summary_id(source: str, day: dt.date, first_invoice: str) -> str:
    """The ``source_id`` of a summary entry."""
    return f"{source}{SUMMARY}{day.isoformat()}:{first_invoice}"


def _path_of_id(books: Path, source_id: str, row: ledger.BookedRow) -> Path:
    """The evidence file of a summary entry already in the books (its index row)."""
    source, _, rest = source_id.partition(SUMMARY)
    day, _, first = rest.partition(":")
    year = Path(row[0]).parent.name
    return evidence_path(books, source, dt.date.fromisoformat(day), first, int(year))


def remember(books: Path, index: ledger.LedgerIndex) -> None:
    """Add the orders of every summary entry in the books to the import index.

    Reads the first line of each evidence file only. An evidence file that no summary
    entry names (left by an import killed before its commit) is ignored.
    """
    for source_id, row in list(index.ids.items()):
        if SUMMARY not in source_id:
            continue
        path = _path_of_id(books, source_id, row)
        head = evidence.header(path)
        for order_id, number, currency, invoice in head.get("ids", []):
            index.ids[order_id] = (str(path), 0, number, currency, invoice)
            index.numbers.add(invoice)


def _kind(entry: data.Directive, patterns: Mapping[str, re.Pattern[str]], home: str) -> str | None:
    """``"invoice"`` or ``"credit_note"`` when an entry may be centralised, else None.

    See the module docstring for what may not.
    """
    if not isinstance(entry, data.Transaction) or not entry.postings:
        return None
    meta = entry.meta
    kind = CREDIT_NOTE if "credit_note" in meta else INVOICE
    number = meta.get(kind)
    if not isinstance(number, str) or not patterns[kind].match(number):
        return None
    if kind == CREDIT_NOTE and (
        not meta.get("credits") or _party(entry) or not _domestic_or_export(entry, home)
    ):
        return None  # a credit note naming no invoice stays alone, for the plugin to say so
    shipped = meta.get("shipped")
    if shipped is not None and (not isinstance(shipped, dt.date) or shipped > entry.date):
        return None
    plain = all(
        p.cost is None and p.price is None and p.units is not None and p.units.number is not None
        for p in entry.postings
    )
    return kind if plain else None


def _party(entry: data.Transaction) -> str:
    """The customer a B2B or transfer-paid order is centralised with ('' for the others)."""
    meta = entry.meta
    if "customer_vat" not in meta and entry.postings[0].account != CUSTOMERS:
        return ""
    return "\x1f".join([entry.payee or "", *(str(meta.get(key, "")) for key in PARTY_KEYS)])


def _domestic_or_export(entry: data.Transaction, home: str) -> bool:
    """Whether a credit note corrects no EU distance sale (no EU-B2C line, no foreign VAT)."""
    foreign_vat = f"Liabilities:VAT:Collected:{home}:"
    for posting in entry.postings:
        account = posting.account
        if account.endswith(":EU-B2C"):
            return False
        if account.startswith("Liabilities:VAT:Collected:") and not account.startswith(foreign_vat):
            return False
    return True


def summarise(
    books: Path, config: Config, entries: list[data.Directive], index: ledger.LedgerIndex
) -> list[data.Directive]:
    """Centralise the new orders of shops in ``day``/``payout`` granularity.

    ``entries`` are the import's new entries, numbered. Returns them with each group of
    orders replaced by its summary entry; writes each summary's evidence file (atomically;
    the file counts only once the books name it).

    Raises:
        UserError: a shop's granularity differs from the one its fiscal year started with.
    """
    modes = {shop.name: shop.granularity for shop in config.shops}
    _refuse_mixing(config, entries, index, modes)
    if all(mode == "order" for mode in modes.values()):
        return entries
    patterns = {
        INVOICE: series_regex(config.invoices.invoice_pattern),
        CREDIT_NOTE: series_regex(config.invoices.credit_note_pattern),
    }
    home = config.company.country
    keyed: Keys = {}
    for entry in entries:
        mode = modes.get(str((entry.meta or {}).get("shop", "")), "order")
        found = _kind(entry, patterns, home) if mode != "order" else None
        if found is not None:
            payout = str(entry.meta.get("payout_id", "")) if mode == "payout" else ""
            currency = entry.postings[0].units.currency  # type: ignore[union-attr]
            origin = str(entry.meta.get("source", ""))
            keyed[id(entry)] = (found, origin, payout, currency, _party(entry))  # type: ignore[arg-type]
    if not keyed:
        return entries
    for series, pattern in patterns.items():
        entries = _renumber(entries, keyed, pattern, index, series)
    groups: dict[tuple[object, ...], list[data.Transaction]] = defaultdict(list)
    for entry in entries:
        key = keyed.get(id(entry))
        if key is not None:
            groups[(entry.date, *key)].append(entry)  # type: ignore[arg-type]
    replaced: dict[int, data.Transaction] = {}
    for (day, kind, source, _payout, _currency, party), orders in groups.items():
        for run in _runs(orders, patterns[str(kind)], str(kind)):
            if party and len(run) == 1:
                continue  # a customer's only order of the day: its own entry is simpler
            summary = _summary_entry(
                books,
                config,
                day,  # type: ignore[arg-type]
                str(source),
                run,
                str(kind),
            )
            replaced[id(run[0])] = summary
            for order in run[1:]:
                replaced[id(order)] = None  # type: ignore[assignment]
    out: list[data.Directive] = []
    for entry in entries:
        if id(entry) in replaced:
            summary = replaced[id(entry)]
            if summary is not None:
                out.append(summary)
        else:
            out.append(entry)
    return out


def _refuse_mixing(
    config: Config,
    entries: list[data.Directive],
    index: ledger.LedgerIndex,
    modes: Mapping[str, str],
) -> None:
    """One granularity per shop per fiscal year: refuse an import that would mix two."""
    years: dict[tuple[str, int], str] = {}
    for entry in entries:
        meta = entry.meta or {}
        shop, source = meta.get("shop"), meta.get("source")
        if shop is None or source is None or "invoice" not in meta:
            continue
        years[(str(source), config.company.fiscal_year(entry.date))] = str(shop)
    if not years:
        return
    booked: dict[tuple[str, int], set[str]] = defaultdict(set)
    wanted = {source for source, _ in years}
    for source_id, row in index.ids.items():
        source, _, rest = (
            source_id.rpartition(":order:") if ":order:" in source_id else ("", "", "")
        )
        kind = "order"
        if not source:
            source, _, rest = source_id.partition(SUMMARY)
            kind = "summary"
            if not rest:
                continue
        if source not in wanted or "/ledger/" not in row[0]:
            continue  # orders remembered from evidence live under documents/
        folder = Path(row[0]).parent.name
        if folder.isdigit():
            booked[(source, int(folder))].add(kind)
    for (source, year), shop in sorted(years.items()):
        mode = modes.get(shop, "order")
        kinds = booked.get((source, year), set())
        if mode == "order" and "summary" in kinds:
            raise UserError(
                f'ecomledger.toml: shop {shop!r} has granularity = "order" but fiscal year '
                f"{year} already holds its daily summary entries; a year keeps one "
                f"granularity: set it back to the year's for {year} and switch at the "
                "start of the next fiscal year"
            )
        if mode != "order" and kinds == {"order"}:
            raise UserError(
                f'ecomledger.toml: shop {shop!r} has granularity = "{mode}" but fiscal year '
                f"{year} already holds its orders one entry each; a year keeps one "
                f'granularity: set it back to "order" for {year} and switch at the start of '
                "the next fiscal year"
            )


def _seq(number: str, pattern: re.Pattern[str]) -> int:
    match = pattern.match(number)
    return int(match.group("seq")) if match else -1


def _renumber(
    entries: list[data.Directive],
    keyed: Keys,
    pattern: re.Pattern[str],
    index: ledger.LedgerIndex,
    kind: str,
) -> list[data.Directive]:
    """Give each day's summarised orders (or credit notes: ``kind``) consecutive numbers,
    group by group.

    Numbering runs in (date, order id) order, so a day's new invoices hold one block of
    numbers; a B2B order or another shop's order sits among them. Within each day the
    block is dealt again: orders kept as their own entry first, then each group, so every
    group's numbers are consecutive (a range). The numbers stay chronological and gap-free.
    Credit notes of this import naming a renumbered invoice follow it. ``keyed`` (by
    ``id``) is updated for the entries that had to be rebuilt.
    """
    blocks: dict[dt.date, list[data.Transaction]] = defaultdict(list)
    for entry in entries:
        meta = (entry.meta or {}) if isinstance(entry, data.Transaction) else {}
        number = meta.get(kind)
        if kind == INVOICE and "credit_note" in meta:
            continue
        if isinstance(number, str) and pattern.match(number) and number not in index.numbers:
            blocks[entry.date].append(entry)  # type: ignore[arg-type]
    renamed: dict[str, str] = {}
    for items in blocks.values():
        numbers = sorted((str(e.meta[kind]) for e in items), key=lambda n: _seq(n, pattern))
        alone = [e for e in items if id(e) not in keyed]
        grouped = sorted(
            (e for e in items if id(e) in keyed), key=lambda e: tuple(map(str, keyed[id(e)]))
        )
        for entry, number in zip([*alone, *grouped], numbers, strict=True):
            old = str(entry.meta[kind])
            if old != number:
                renamed[old] = number
    if not renamed:
        return entries
    out: list[data.Directive] = []
    for entry in entries:
        if isinstance(entry, data.Transaction):
            new = _renamed(entry, renamed, kind)
            if new is not entry and id(entry) in keyed:
                keyed[id(new)] = keyed.pop(id(entry))
            entry = new
        out.append(entry)
    return out


def _renamed(entry: data.Transaction, renamed: dict[str, str], kind: str) -> data.Transaction:
    """``entry`` with its number (invoice or credit note: ``kind``) renumbered, and for an
    invoice the ``credits`` of the credit notes naming it."""
    meta = entry.meta
    narration = entry.narration or ""
    for key in (kind, "credits") if kind == INVOICE else (kind,):
        old = meta.get(key)
        if key == INVOICE and "credit_note" in meta:
            continue
        if isinstance(old, str) and old in renamed:
            meta[key] = renamed[old]
            narration = narration.replace(old, renamed[old], 1)
    return entry if narration == (entry.narration or "") else entry._replace(narration=narration)


def _runs(
    orders: list[data.Transaction], pattern: re.Pattern[str], kind: str
) -> list[list[data.Transaction]]:
    """The orders split into runs of consecutive numbers (one range each)."""
    ordered = sorted(orders, key=lambda e: _seq(str(e.meta[kind]), pattern))
    runs: list[list[data.Transaction]] = []
    for entry in ordered:
        seq = _seq(str(entry.meta[kind]), pattern)
        if runs and _seq(str(runs[-1][-1].meta[kind]), pattern) == seq - 1:
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return runs


PostingKey = tuple[str, str, str, str, str, str]  # account, currency, rate, country, sku, restock


def _summary_entry(
    books: Path,
    config: Config,
    day: dt.date,
    source: str,
    orders: list[data.Transaction],
    kind: str = INVOICE,
) -> data.Transaction:
    """One entry for ``orders`` (consecutive invoices, or credit notes, of one day), and its
    evidence file."""
    sums: dict[PostingKey, Decimal] = defaultdict(Decimal)
    qty: dict[PostingKey, Decimal] = defaultdict(Decimal)
    rates: dict[PostingKey, object] = {}
    first_accounts: list[str] = []
    receivables: list[data.Posting] = []  # one per invoice: a bank line settles each
    for order in orders:
        country = str(order.meta.get("country", ""))
        for position, posting in enumerate(order.postings):
            units = posting.units
            assert units is not None and units.number is not None  # _kind
            pmeta = posting.meta or {}
            if posting.account == CUSTOMERS:
                owed = {"invoice": order.meta[kind], "order_number": order.meta.get("order_number")}
                receivables.append(
                    posting._replace(meta={k: v for k, v in owed.items() if v is not None})
                )
                continue
            if posting.account.startswith("Income:"):
                rate = pmeta.get("vat_rate")
                key = (
                    posting.account,
                    units.currency,
                    str(rate),
                    str(pmeta.get("country", country)),
                    str(pmeta.get("sku", "")),
                    "restock" if pmeta.get("restock") is True else "",
                )
                rates[key] = rate
                if "qty" in pmeta:
                    qty[key] += Decimal(str(pmeta["qty"]))
            else:
                key = (posting.account, units.currency, "", "", "", "")
                if position == 0 and posting.account not in first_accounts:
                    first_accounts.append(posting.account)
            sums[key] += units.number
    first, last = str(orders[0].meta[kind]), str(orders[-1].meta[kind])
    fy = config.company.fiscal_year(day)
    path = evidence_path(books, source, day, first, fy)
    meta = data.new_metadata(str(ledger.ledger_file(books, fy, source)), 0)
    head = orders[0].meta
    party = bool(_party(orders[0]))
    meta.update(
        {
            "source": source,
            "source_id": summary_id(source, day, first),
            "shop": head.get("shop", ""),
            "channel": head.get("channel", ""),
            RANGE_KEY[kind]: f"{first}..{last}",
        }
    )
    if kind == CREDIT_NOTE:
        meta["credits"] = " ".join(str(o.meta.get("credits", "")) for o in orders)
        meta["credit_notes"] = Decimal(len(orders))
    else:
        meta["orders"] = Decimal(len(orders))
    if party:
        meta.update({key: head[key] for key in PARTY_KEYS if key in head})
    meta[evidence.DOCUMENT_KEY] = str(path.relative_to(books))
    postings = receivables + [
        _posting(key, sums[key], rates.get(key), qty.get(key))
        for key in sorted(sums, key=lambda k: _order(k, first_accounts))
        if sums[key] or key in qty
    ]
    what = "credit note(s), credit notes" if kind == CREDIT_NOTE else "order(s), invoices"
    narration = f"Summary of {len(orders)} {what} {first}..{last}"
    entry = data.Transaction(
        meta,
        day,
        "*",
        (orders[0].payee or "") if party else str(head.get("shop", "")),
        narration,
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings,
    )
    header = {
        "summary": meta["source_id"],
        "date": day.isoformat(),
        RANGE_KEY[kind]: meta[RANGE_KEY[kind]],
        "count": len(orders),
        "ids": [
            [
                str(o.meta["source_id"]),
                str(o.postings[0].units.number),  # type: ignore[union-attr]
                o.postings[0].units.currency,  # type: ignore[union-attr]
                str(o.meta[kind]),
            ]
            for o in orders
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    ledger.atomic_write(path, evidence.evidence_text(header, orders))
    return entry


def _order(key: PostingKey, first_accounts: list[str]) -> tuple[int, PostingKey]:
    """Payment accounts first (the entry's first posting is the money that moved)."""
    account = key[0]
    if account in first_accounts:
        return (0, key)
    return (1 if account.startswith("Income:") else 2, key)


def _posting(
    key: PostingKey, number: Decimal, rate: object, quantity: Decimal | None
) -> data.Posting:
    account, currency, _rate, country, sku, restock = key
    meta: data.Meta | None = None
    if account.startswith("Income:"):
        meta = {}
        if rate is not None:
            meta["vat_rate"] = rate
        if country:
            meta["country"] = country
        if sku:
            meta["sku"] = sku
            if quantity is not None:
                meta["qty"] = quantity
            if restock:
                meta["restock"] = True
    return data.Posting(account, Amount(number, currency), None, None, None, meta)


def summaries(entries: Iterable[data.Directive], kind: str = INVOICE) -> list[data.Transaction]:
    """The summary entries among ``entries`` (of orders, or of credit notes: ``kind``)."""
    key = RANGE_KEY[kind]
    return [
        e
        for e in entries
        if isinstance(e, data.Transaction) and evidence.DOCUMENT_KEY in e.meta and key in e.meta
    ]
