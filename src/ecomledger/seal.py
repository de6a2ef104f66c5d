"""The seal of a closed fiscal year: a hash chain over its entries, and its verification.

Why: closed books must not change (PCG art. 911-4: a validated entry is intangible). Plain
text can always be edited, so the closing records what the year held: each entry's
canonical form is hashed and chained to the previous hash, in ``seals/<YYYY>.json``.
:func:`verify` recomputes the chain from the files and names the first entry that changed,
appeared or disappeared (its file and line); ``ecomledger check`` runs it for every sealed
year, and an import dated in a sealed year is refused (:func:`refuse_closed`).

What is sealed: every transaction, balance, pad, note, document and custom directive *written*
in the books (read with Beancount's parser: no booking, no plugins, so entries the plugins
compute and a plugin upgrade never break a seal) dated within the fiscal year, whichever
file holds it. ``open`` directives are left out: an import may open an account later.
The canonical form ignores layout: numbers compare by value (``12.30`` = ``12.3``), metadata
by key, and an entry moved to another file or line keeps its hash. Entries are chained in
(date, canonical form) order, so the seal does not depend on the order of files either.
"""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.parser import parser

from ecomledger import ledger
from ecomledger.errors import UserError
from ecomledger.periods import Period

SEALS_DIR = "seals"
SEALED_TYPES = (data.Transaction, data.Balance, data.Pad, data.Note, data.Document, data.Custom)
_HIDDEN_META = ("filename", "lineno")


def seal_path(books: Path, year: int) -> Path:
    """Where the seal of fiscal year ``year`` lives."""
    return books / SEALS_DIR / f"{year}.json"


def _text(value: object) -> str:
    """A value as the canonical form writes it (numbers by value)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "(" + ",".join(_text(v) for v in value) + ")"
    if isinstance(value, frozenset | set):
        return "{" + ",".join(sorted(_text(v) for v in value)) + "}"
    if isinstance(value, dict):
        return _meta(value)
    if isinstance(value, type):
        return value.__name__  # beancount's MISSING
    return json.dumps(str(value), ensure_ascii=False)


def _meta(meta: dict[str, object] | None) -> str:
    if not meta:
        return "{}"
    keys = sorted(k for k in meta if k not in _HIDDEN_META and not k.startswith("__"))
    return "{" + ",".join(f"{k}={_text(meta[k])}" for k in keys) + "}"


def canonical(entry: data.Directive) -> str:
    """One line that says everything an entry holds, and nothing of its layout."""
    fields = [type(entry).__name__, entry.date.isoformat(), _meta(entry.meta)]
    for name in entry._fields:
        if name in ("meta", "date", "postings"):
            continue
        fields.append(f"{name}={_text(getattr(entry, name))}")
    for posting in getattr(entry, "postings", None) or ():
        parts = [posting.account, _text(posting.units), _text(posting.cost)]
        parts += [_text(posting.price), _text(posting.flag), _meta(posting.meta)]
        fields.append("posting(" + ";".join(parts) + ")")
    return "|".join(fields)


def parsed_files(books: Path) -> Iterator[tuple[Path, list[data.Directive]]]:
    """Every file of the books (main.beancount and its includes) and its parsed entries."""
    pending, seen = [(books / ledger.MAIN_FILE).resolve()], set()
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        entries, _, options = parser.parse_file(str(path))
        yield path, entries
        for pattern in options.get("include", []):
            full = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
            pending.extend(Path(p).resolve() for p in sorted(glob.glob(full), reverse=True))


@dataclass(frozen=True)
class Item:
    """A sealed entry: its date, hash and where it was (file relative to the books, line)."""

    date: dt.date
    digest: str
    where: str


Parsed = list[tuple[Path, list[data.Directive]]]


def items(books: Path, period: Period, parsed: Parsed | None = None) -> list[Item]:
    """The period's entries as the files hold them now, in chain order.

    ``parsed`` (from :func:`parsed_files`) lets several seals share one parse of the books.
    """
    found: list[tuple[dt.date, str, str]] = []
    root = books.resolve()
    for path, entries in parsed if parsed is not None else parsed_files(books):
        relative = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        for entry in entries:
            if isinstance(entry, SEALED_TYPES) and period.start <= entry.date <= period.end:
                where = f"{relative}:{entry.meta.get('lineno', 0)}"
                found.append((entry.date, canonical(entry), where))
    found.sort(key=lambda item: (item[0], item[1]))
    return [
        Item(day, hashlib.sha256(text.encode("utf-8")).hexdigest()[:20], where)
        for day, text, where in found
    ]


def chain(digests: Iterable[str]) -> str:
    """The head of the hash chain: each hash is sha256(previous hash + entry hash)."""
    head = hashlib.sha256(b"ecomledger-seal-v1").hexdigest()
    for digest in digests:
        head = hashlib.sha256((head + digest).encode("ascii")).hexdigest()
    return head


def write_seal(books: Path, year: int, period: Period, closed_on: dt.date) -> Path:
    """Seal fiscal year ``year`` as the files hold it now; return the seal file."""
    sealed = items(books, period)
    head = {
        "year": year,
        "period": [period.start.isoformat(), period.end.isoformat()],
        "closed_on": closed_on.isoformat(),
        "algorithm": "sha256 chain over the canonical form of each entry (ecomledger.seal)",
        "count": len(sealed),
        "head": chain(i.digest for i in sealed),
    }
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [']
    rows = [json.dumps([i.date.isoformat(), i.digest, i.where]) for i in sealed]
    lines.append(",\n".join(rows))
    lines.append("]}\n")
    path = seal_path(books, year)
    ledger.atomic_write(path, "\n".join(lines))
    return path


@dataclass(frozen=True)
class Seal:
    """A seal as read from its file."""

    year: int
    period: Period
    closed_on: dt.date
    head: str
    entries: list[Item]
    path: Path


def read_seal(path: Path) -> Seal:
    """Read a seal file, or say it is damaged."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        start, end = (dt.date.fromisoformat(d) for d in raw["period"])
        return Seal(
            year=int(raw["year"]),
            period=Period(start, end),
            closed_on=dt.date.fromisoformat(raw["closed_on"]),
            head=str(raw["head"]),
            entries=[Item(dt.date.fromisoformat(d), h, w) for d, h, w in raw["entries"]],
            path=path,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(
            f"{path}: the seal cannot be read ({exc}); restore it from your backup or git"
        ) from exc


def seals(books: Path) -> list[Seal]:
    """Every seal of the books, oldest year first."""
    folder = books / SEALS_DIR
    if not folder.is_dir():
        return []
    return sorted((read_seal(p) for p in folder.glob("*.json")), key=lambda s: s.year)


def sealed_on(books: Path, year: int) -> dt.date | None:
    """The day fiscal year ``year`` was closed, or None if it is open."""
    path = seal_path(books, year)
    return read_seal(path).closed_on if path.is_file() else None


@dataclass(frozen=True)
class Finding:
    """The first difference between a seal and the books."""

    where: str
    message: str


def verify(books: Path, seal: Seal, parsed: Parsed | None = None) -> Finding | None:
    """Recompute a seal; name the first entry that changed, appeared or disappeared."""
    now = items(books, seal.period, parsed)
    if chain(i.digest for i in now) == seal.head and len(now) == len(seal.entries):
        return None
    if chain(i.digest for i in seal.entries) != seal.head:
        return Finding(
            str(seal.path.relative_to(books)) if seal.path.is_relative_to(books) else "",
            f"the seal of {seal.year} itself was edited (its chain does not add up); "
            "restore it from your backup or git",
        )
    old_digests = {i.digest for i in seal.entries}
    new_digests = {i.digest for i in now}
    for index in range(max(len(now), len(seal.entries))):
        new = now[index] if index < len(now) else None
        old = seal.entries[index] if index < len(seal.entries) else None
        if new is not None and old is not None and new.digest == old.digest:
            continue
        closed = f"fiscal year {seal.year}, closed on {seal.closed_on}"
        if new is not None and new.digest not in old_digests:
            if old is not None and old.digest not in new_digests and old.date == new.date:
                return Finding(
                    new.where, f"this entry of {closed}, changed (sealed at {old.where})"
                )
            return Finding(new.where, f"this entry appeared in {closed}")
        if old is not None:
            return Finding(old.where, f"the entry sealed here disappeared from {closed}")
    return Finding("", f"the entries of fiscal year {seal.year} are no longer in sealed order")


def problems(books: Path) -> list[tuple[str, int, str]]:
    """(file, line, message) for each sealed year whose entries changed (for ``check``)."""
    found: list[tuple[str, int, str]] = []
    closed = seals(books)
    parsed = list(parsed_files(books)) if closed else []
    for seal in closed:
        finding = verify(books, seal, parsed)
        if finding is not None:
            filename, _, line = finding.where.rpartition(":")
            if not filename or not line.isdigit():
                filename, line = finding.where, "0"
            found.append((filename, int(line), f"seal broken: {finding.message}"))
    return found


def refuse_closed(books: Path, entries: Iterable[data.Directive]) -> None:
    """Refuse entries dated in a closed (sealed) fiscal year, in one sentence.

    Raises:
        UserError: the first such entry, its source and the closed year.
    """
    closed = seals(books)
    if not closed:
        return
    for entry in _dated(entries):
        for seal in closed:
            if entry.date in seal.period:
                meta = entry.meta or {}
                what = meta.get("source_id") or f"{meta.get('filename', '?')}"
                raise UserError(
                    f"{what}: the entry dated {entry.date} falls in fiscal year {seal.year}, "
                    f"closed and sealed on {seal.closed_on}; closed years cannot change: book "
                    "it (or its correction) in an open year instead"
                )


def _dated(entries: Iterable[data.Directive]) -> Iterator[data.Directive]:
    for entry in entries:
        if isinstance(entry, SEALED_TYPES):
            yield entry
