"""The evidence of a summary entry: every order it centralises, with its lines.

Why: a shop in ``day`` or ``payout`` granularity (:mod:`ecomledger.summary`) books one entry
per day (and payout) per account, VAT rate and country instead of one per order. The
orders themselves (their invoice numbers, customers, lines, VAT) must stay available: an
invoice is still owed to each customer and an auditor may ask for any of them. They live in
one evidence file per summary entry, ``documents/summaries/<source>/<year>/<date>_<first
invoice>.jsonl``, written with the import and named by the entry's ``document`` metadata.

Format (JSON Lines, so the importer's dedupe reads the first line only):

* line 1, the header: ``summary`` (the entry's ``source_id``), ``date``, ``invoice_range``,
  ``count`` and ``ids``: one ``[source_id, amount, currency, invoice]`` per order (what the
  import index needs to recognise an order already booked);
* then one line per order: the order's own entry as the importer booked it (date, flag,
  payee, narration, metadata and postings with their metadata), values tagged where JSON has
  no type (``{"$d": "12.50"}`` a decimal, ``{"$date": "2026-01-05"}`` a date).

:func:`orders` rebuilds those entries as Beancount transactions, so anything that needs order
detail (an invoice PDF, a customer list) reads them exactly as if the shop were in ``order``
granularity; :func:`invoices` lists them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data
from beancount.core.amount import Amount

from ecomledger.errors import UserError

SUMMARIES_DIR = "documents/summaries"
DOCUMENT_KEY = "document"
#: The metadata naming the documents a summary entry covers: orders' invoices, or refunds'
#: credit notes (:mod:`ecomledger.summary`).
RANGE_KEYS = ("invoice_range", "credit_note_range")


def is_summary(entry: data.Directive) -> bool:
    """Whether ``entry`` is a summary entry (it names its evidence and the range it covers)."""
    meta = entry.meta or {}
    return (
        isinstance(entry, data.Transaction)
        and DOCUMENT_KEY in meta
        and any(key in meta for key in RANGE_KEYS)
    )


_HIDDEN = ("filename", "lineno")


def encode(value: object) -> Any:
    """A metadata value as JSON (decimals and dates tagged)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, int | str):
        return value
    return str(value)


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if "$d" in value:
            return Decimal(value["$d"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
    return value


def _meta_json(meta: data.Meta | None) -> dict[str, Any]:
    return {k: encode(v) for k, v in (meta or {}).items() if k not in _HIDDEN}


def order_record(entry: data.Transaction) -> dict[str, Any]:
    """One order's entry as an evidence line."""
    return {
        "date": entry.date.isoformat(),
        "flag": entry.flag,
        "payee": entry.payee,
        "narration": entry.narration,
        "meta": _meta_json(entry.meta),
        "postings": [
            {
                "account": p.account,
                "units": [str(p.units.number), p.units.currency] if p.units else None,
                "meta": _meta_json(p.meta),
            }
            for p in entry.postings
        ],
    }


def evidence_text(header: dict[str, Any], entries: list[data.Transaction]) -> Iterator[str]:
    """The evidence file's lines: the header, then one line per order."""
    yield json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n"
    for entry in entries:
        yield json.dumps(order_record(entry), ensure_ascii=False, separators=(",", ":")) + "\n"


def path_of(books: Path, entry: data.Transaction) -> Path:
    """The evidence file of a summary entry (its ``document`` metadata).

    Raises:
        UserError: the entry is not a summary entry.
    """
    document = (entry.meta or {}).get(DOCUMENT_KEY)
    if not document or not is_summary(entry):
        where = f"{entry.meta.get('filename', '?')}:{entry.meta.get('lineno', 0)}"
        raise UserError(
            f"{where}: this entry is not a summary entry (no invoice_range and document "
            "metadata); its order detail is the entry itself"
        )
    return books / str(document)


def header(path: Path) -> dict[str, Any]:
    """The first line of an evidence file (the summary and its orders' ids)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return dict(json.loads(handle.readline()))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path}: the evidence of a summary entry cannot be read ({exc}); restore it "
            "from your backup or git (it lists the orders the entry stands for)"
        ) from exc


def read_orders(path: Path) -> list[data.Transaction]:
    """Every order of an evidence file, rebuilt as the transaction the importer booked."""
    out: list[data.Transaction] = []
    try:
        with open(path, encoding="utf-8") as handle:
            handle.readline()
            for lineno, line in enumerate(handle, start=2):
                out.append(_entry(json.loads(line), str(path), lineno))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path}: the evidence of a summary entry cannot be read ({exc}); restore it "
            "from your backup or git (it lists the orders the entry stands for)"
        ) from exc
    return out


def _entry(record: dict[str, Any], filename: str, lineno: int) -> data.Transaction:
    meta = data.new_metadata(filename, lineno)
    meta.update({k: decode(v) for k, v in record["meta"].items()})
    postings = []
    for raw in record["postings"]:
        units = Amount(Decimal(raw["units"][0]), raw["units"][1]) if raw["units"] else None
        pmeta = {k: decode(v) for k, v in raw["meta"].items()} or None
        postings.append(data.Posting(raw["account"], units, None, None, None, pmeta))
    return data.Transaction(
        meta,
        dt.date.fromisoformat(record["date"]),
        record["flag"],
        record["payee"],
        record["narration"],
        data.EMPTY_SET,
        data.EMPTY_SET,
        postings,
    )


def orders(books: Path, entry: data.Transaction) -> list[data.Transaction]:
    """The orders a summary entry stands for, as their own transactions."""
    return read_orders(path_of(books, entry))


@dataclass(frozen=True)
class Invoice:
    """One invoice of a summary entry, as listed from its evidence."""

    number: str
    date: dt.date
    order_number: str
    customer: str
    country: str
    total: Decimal
    currency: str


def invoices(books: Path, entry: data.Transaction) -> list[Invoice]:
    """The invoices (or credit notes) a summary entry covers, in number order."""
    found = []
    for order in orders(books, entry):
        first = order.postings[0].units if order.postings else None
        found.append(
            Invoice(
                number=str(order.meta.get("credit_note") or order.meta.get("invoice", "")),
                date=order.date,
                order_number=str(order.meta.get("order_number", "")),
                customer=order.payee or "",
                country=str(order.meta.get("country", "")),
                total=first.number
                if first is not None and first.number is not None
                else Decimal(0),
                currency=first.currency if first is not None else "",
            )
        )
    return sorted(found, key=lambda invoice: invoice.number)


def with_orders(books: Path, entries: Iterable[data.Directive]) -> Iterator[data.Directive]:
    """``entries`` with each summary entry followed by the orders of its evidence.

    For what needs every invoice as its own transaction (rendering invoices): the orders
    come back exactly as ``order`` granularity would have booked them.
    """
    for entry in entries:
        yield entry
        if is_summary(entry):
            yield from orders(books, entry)  # type: ignore[arg-type]
