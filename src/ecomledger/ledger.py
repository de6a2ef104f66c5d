"""Ledger I/O: the only module that reads or writes the books' Beancount files.

Three jobs, each kept cheap and safe:

* **Index** (:func:`scan`): dedupe needs the ids already booked, not a booked ledger. A full
  load (booking and plugins) costs most of a millisecond per order, so imports read the
  files with Beancount's parser only (no booking, no plugins) and keep, per ``source_id``,
  where it is and the amount it moved.
* **Write** (:func:`write_plan`): new entries are appended to ``ledger/YYYY/<source>.beancount``
  through a :class:`ecomledger.journal.Batch`: every file of the run is staged, then all are
  renamed into place under a journal, so a crash leaves the books as before or (once the
  next run has replayed the journal) as after, never half-written. Output is deterministic:
  the same input gives byte-identical files.
* **Lock** (:func:`books_lock`): an advisory lock on ``.ecomledger.lock`` stops two runs
  writing the same books at once; the operating system releases it if a run dies, and the
  next run to take it finishes what the dead one left (:func:`ecomledger.journal.recover`).
* **Load** (:func:`load`): Beancount's loader with every plugin, never from a stale cache.

The amount an entry "moved" is its first posting: importers always put the source's own
figure there (the order total on the clearing account, the bank line on the bank, the payout
on transfers). A user may recategorise the other postings by hand; a re-import only
conflicts when the money itself differs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import glob
import os
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser, printer
from beancount.utils.misc_utils import escape_string

from ecomledger import journal
from ecomledger import years as year_files
from ecomledger.codes import is_account, is_commodity
from ecomledger.errors import UserError
from ecomledger.journal import LOCK_FILE as LOCK_FILE
from ecomledger.journal import books_lock as books_lock
from ecomledger.money import as_minor_units, exponent, minor_units_writer, plain

MAIN_FILE = "main.beancount"
TRANSFERS = "Assets:Transfers"
CUSTOMERS = "Assets:Customers"
ACCOUNTS_FILE = "accounts.beancount"


@dataclass(frozen=True)
class Location:
    """Where an entry lives: a file and a 1-based line."""

    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


# What the index keeps of a booked entry: (filename, lineno, number, currency, invoice),
# the number as Beancount text ("" when the first posting is left to interpolation). Plain
# tuples of str and int because the index is pickled on every import: they pickle ten times
# faster than dataclasses or NamedTuples holding Decimals (0.05 s against 0.6 s for 100,000).
BookedRow = tuple[str, int, str, str, str]


@dataclass(frozen=True)
class Booked:
    """What the index knows of an entry already in the books."""

    location: Location
    amount: tuple[Decimal, str] | None
    invoice: str = ""

    @classmethod
    def from_row(cls, row: BookedRow) -> Booked:
        """Expand an index row (see :data:`BookedRow`)."""
        filename, lineno, number, currency, invoice = row
        amount = (Decimal(number), currency) if number else None
        return cls(Location(filename, lineno), amount, invoice)


def booked_row(entry: data.Transaction, filename: str, lineno: int) -> BookedRow:
    """What the index keeps of a transaction found at ``filename:lineno``."""
    amount = moved_amount(entry)
    number, currency = (str(amount[0]), amount[1]) if amount else ("", "")
    return filename, lineno, number, currency, str((entry.meta or {}).get("invoice", ""))


def same_amount(row: BookedRow, amount: tuple[Decimal, str] | None) -> bool:
    """Whether a booked row moved ``amount`` (numerically: 12.3 equals 12.30)."""
    if amount is None:
        return not row[2]
    number, currency = amount
    if row[3] != currency or not row[2]:
        return False
    return row[2] == str(number) or Decimal(row[2]) == number


@dataclass(frozen=True)
class PayoutRef:
    """A payout in the books, waiting for (or matched with) its bank line."""

    payout_id: str
    date: dt.date
    amount: Decimal
    currency: str
    location: Location


@dataclass(frozen=True)
class Receivable:
    """An invoice paid outside any processor (bank transfer), waiting for its bank line."""

    invoice: str
    order_number: str
    amount: Decimal
    currency: str


@dataclass
class LedgerIndex:
    """The ids, document numbers and accounts already in the books."""

    ids: dict[str, BookedRow] = field(default_factory=dict)
    numbers: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    balances: set[tuple[dt.date, str, str]] = field(default_factory=set)
    payouts: dict[str, PayoutRef] = field(default_factory=dict)
    settled_payouts: set[str] = field(default_factory=set)
    receivables: dict[str, Receivable] = field(default_factory=dict)
    settled_invoices: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    # Each file's own contribution, as scanned: what remember_written extends and saves.
    fragments: dict[str, _Fragment] = field(default_factory=dict, repr=False, compare=False)

    def merge(self, other: LedgerIndex) -> None:
        """Add what ``other`` (one file's index) knows."""
        self.ids.update(other.ids)
        self.numbers |= other.numbers
        self.accounts |= other.accounts
        self.balances |= other.balances
        self.payouts.update(other.payouts)
        self.settled_payouts |= other.settled_payouts
        self.receivables.update(other.receivables)
        self.settled_invoices |= other.settled_invoices

    def add(self, entry: data.Directive, filename: str = "", lineno: int = 0) -> None:
        """Record one parsed or new entry (at ``filename:lineno`` when given, else its meta)."""
        if isinstance(entry, data.Open):
            self.accounts.add(entry.account)
            return
        if isinstance(entry, data.Balance):
            self.balances.add((entry.date, entry.account, str(entry.amount.currency)))
            return
        if not isinstance(entry, data.Transaction):
            return
        meta = entry.meta or {}
        for key in ("invoice", "credit_note"):
            if key in meta:
                self.numbers.add(str(meta[key]))
        filename = filename or str(meta.get("filename", "?"))
        lineno = lineno or int(meta.get("lineno", 0))
        self._add_settlement(entry, filename, lineno)
        source_id = meta.get("source_id")
        if source_id:
            self.ids[str(source_id)] = booked_row(entry, filename, lineno)

    def _add_summary_receivables(self, entry: data.Transaction) -> None:
        """A customer's summary entry owes one invoice per ``Assets:Customers`` posting."""
        for posting in entry.postings:
            pmeta = posting.meta or {}
            units = posting.units
            if posting.account != CUSTOMERS or "invoice" not in pmeta:
                continue
            if not isinstance(units, Amount) or units.number is None:
                continue
            invoice = str(pmeta["invoice"])
            order_number = str(pmeta.get("order_number", ""))
            self.receivables[invoice] = Receivable(
                invoice, order_number, units.number, str(units.currency)
            )

    def _add_settlement(self, entry: data.Transaction, filename: str, lineno: int) -> None:
        """Track payouts and transfer-paid invoices, and the bank lines that settle them."""
        meta = entry.meta or {}
        first = entry.postings[0] if entry.postings else None
        units = first.units if first is not None else None
        if first is None or not isinstance(units, Amount) or units.number is None:
            return  # a hand-written posting left for Beancount to interpolate
        number, currency = units.number, str(units.currency)
        if "payout_id" in meta and first.account == TRANSFERS:
            payout_id = str(meta["payout_id"])
            location = Location(filename, lineno)
            self.payouts[payout_id] = PayoutRef(payout_id, entry.date, number, currency, location)
        elif "payout_id" in meta:
            self.settled_payouts.add(str(meta["payout_id"]))
        if "invoice" in meta and first.account == CUSTOMERS:
            invoice = str(meta["invoice"])
            self.receivables[invoice] = Receivable(
                invoice, str(meta.get("order_number", "")), number, currency
            )
        elif "invoice_range" in meta and first.account == CUSTOMERS:
            self._add_summary_receivables(entry)
        if "settles" in meta:
            self.settled_invoices.add(str(meta["settles"]))


def moved_amount(entry: data.Transaction) -> tuple[Decimal, str] | None:
    """Return the amount of the entry's first posting: the money the source says moved."""
    units = entry.postings[0].units if entry.postings else None
    if not isinstance(units, Amount) or not isinstance(units.number, Decimal):
        return None  # left for Beancount to interpolate (parsed, not booked)
    return units.number, str(units.currency)


INDEX_CACHE = ".ecomledger/index.pickle"
_CACHE_VERSION = 2


@dataclass
class _Fragment:
    """What one ledger file contributes to the index, and the files it includes."""

    size: int
    mtime_ns: int
    includes: list[str]
    index: LedgerIndex


def _parse_fragment(path: Path) -> _Fragment:
    stat = path.stat()
    entries, _errors, options = parser.parse_file(str(path))
    index = LedgerIndex()
    for entry in entries:
        index.add(entry)
    return _Fragment(stat.st_size, stat.st_mtime_ns, list(options.get("include", [])), index)


def _load_cache(path: Path) -> dict[str, _Fragment]:
    try:
        with open(path, "rb") as handle:
            version, fragments = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return {}
    return fragments if version == _CACHE_VERSION else {}


def scan(books: Path) -> LedgerIndex:
    """Index the books' ids, document numbers and open accounts (parse only, no booking).

    Each file's contribution is cached in ``.ecomledger/index.pickle`` with the file's size
    and modification time; a file that changed (or a cache that cannot be read) is parsed
    again, so the cache can only make a scan faster, never different.
    """
    cache_path = books / INDEX_CACHE
    cached = _load_cache(cache_path)
    fresh: dict[str, _Fragment] = {}
    index = LedgerIndex()
    pending, seen = [(books / MAIN_FILE).resolve()], set()
    while pending:
        path = pending.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        key = str(path)
        stat = path.stat()
        fragment = cached.get(key)
        if fragment is None or (fragment.size, fragment.mtime_ns) != (
            stat.st_size,
            stat.st_mtime_ns,
        ):
            fragment = _parse_fragment(path)
        fresh[key] = fragment
        index.fragments[key] = fragment
        index.files.append(key)
        index.merge(fragment.index)
        for pattern in fragment.includes:
            full = pattern if os.path.isabs(pattern) else str(path.parent / pattern)
            pending.extend(Path(p).resolve() for p in sorted(glob.glob(full), reverse=True))
    if fresh.keys() != cached.keys() or any(fresh[k] is not cached.get(k) for k in fresh):
        _save_cache(cache_path, fresh)
    return index


def _save_cache(path: Path, fragments: dict[str, _Fragment]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".index.", dir=path.parent)
    except OSError:
        return  # a cache that cannot be written only costs speed next time
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump((_CACHE_VERSION, fragments), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def load(
    books: Path, *, cache: bool = True, years: Iterable[int] | None = None
) -> tuple[list[data.Directive], list[object], dict[str, object]]:
    """Load the books through Beancount's loader, with booking and every plugin.

    A run killed mid-write is finished first (unless a run is writing right now), and
    Beancount's pickle cache is dropped when it may be stale (see :func:`drop_stale_cache`).
    ``cache=False`` loads as ``bean-check --no-cache`` does: the pickle cache is neither
    read nor written (writing it costs a fifth of a load's time and doubles its peak
    memory, for a cache that the next import makes stale anyway). ``years`` loads only
    those fiscal years (see :mod:`ecomledger.years`); None loads every year.
    """
    journal.recover_if_idle(books)
    main = year_files.main_for(books, books / MAIN_FILE, years)
    drop_stale_cache(main)
    if cache:
        entries, errors, options = loader.load_file(str(main))
    else:
        entries, errors, options = loader._load([(str(main.resolve()), True)], None, None, None)
    return entries, list(errors), options


_INCLUDE = re.compile(r'^include\s+"([^"]+)"', re.MULTILINE)


def drop_stale_cache(main: Path) -> None:
    """Delete Beancount's pickle cache of ``main`` when a file may have appeared since.

    The loader trusts its cache while the files it read last time are unchanged, so a new
    file that an include glob (``ledger/*/*.beancount``) now matches goes unseen and
    ``check`` would answer about the old books. Creating a file changes the modification
    time of its folder: the cache is dropped when a folder that one of main's include
    globs lists is not older than the cache.
    """
    cache = main.parent / loader.PICKLE_CACHE_FILENAME.format(filename=main.name)
    try:
        written = cache.stat().st_mtime_ns
        text = main.read_text(encoding="utf-8")
    except OSError:
        return
    for pattern in _INCLUDE.findall(text):
        for folder in _listed_folders(main.parent, pattern):
            with contextlib.suppress(OSError):
                if folder.stat().st_mtime_ns >= written:
                    cache.unlink(missing_ok=True)
                    return


def _listed_folders(base: Path, pattern: str) -> list[Path]:
    """The folders a glob reads to expand ``pattern`` (relative to ``base``)."""
    parts = Path(pattern).parts
    folders: list[Path] = []
    for depth in range(len(parts)):
        if not glob.has_magic(parts[depth]):
            continue
        prefix = os.path.join(str(base), *parts[:depth])
        matches = glob.glob(prefix) if glob.has_magic(prefix) else [prefix]
        folders.extend(Path(m) for m in matches if os.path.isdir(m))
    return folders


def render(entries: Iterable[data.Directive]) -> str:
    """Print entries as Beancount text, one blank line between them, deterministically.

    Transactions, opens and balances (all that imports write) use :func:`render_entry`,
    several times faster than Beancount's printer on large imports; anything else goes
    through the printer.
    """
    return "".join(render_entry(entry) + "\n" for entry in entries)


def _quote(text: str) -> str:
    return '"' + (escape_string(text) if '"' in text or "\\" in text else text) + '"'


def _value(value: object) -> str | None:
    """Render a metadata value as Beancount reads it back (None: not printable)."""
    kind = type(value)
    if kind is str:
        return _quote(value)  # type: ignore[arg-type]
    if kind is dt.date:
        return str(value)
    if kind is Decimal:  # the common numbers (rates, quantities), as below without a call
        if not value.is_finite():  # type: ignore[attr-defined]
            return None
        text = str(value)
        return text if "E" not in text else format(value, "f")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Decimal):  # never 1E-7, which Beancount cannot read back
        return plain(value) if value.is_finite() else None
    if isinstance(value, dt.date):
        return str(value)
    return None


_HIDDEN = frozenset(("filename", "lineno"))


def _meta_lines(meta: data.Meta | None, indent: str) -> list[str]:
    if not meta:
        return []
    lines = []
    for key, value in meta.items():
        if key in _HIDDEN or key[0] == "_":
            continue
        if type(value) is str and '"' not in value and "\\" not in value:
            lines.append(f'{indent}{key}: "{value}"')  # most values: plain strings
            continue
        text = _value(value)
        if text is not None:
            lines.append(f"{indent}{key}: {text}")
    return lines


def render_entry(entry: data.Directive) -> str:
    """Render one entry as Beancount text ending with a newline."""
    if type(entry) is data.Transaction and _plain_postings(entry):
        return _render_transaction(entry)
    if isinstance(entry, data.Open):
        _syntax(entry.account, *(entry.currencies or ()))
        currencies = " " + ",".join(entry.currencies) if entry.currencies else ""
        head = f"{entry.date} open {entry.account}{currencies}"
        return "\n".join([head, *_meta_lines(entry.meta, "  ")]) + "\n"
    if isinstance(entry, data.Balance):
        number, currency = entry.amount.number, entry.amount.currency
        _syntax(entry.account, currency)
        amount = f"{as_minor_units(number, currency)} {currency}" if number is not None else ""
        head = f"{entry.date} balance {entry.account}  {amount}"
        return "\n".join([head, *_meta_lines(entry.meta, "  ")]) + "\n"
    if isinstance(entry, data.Pad):
        head = f"{entry.date} pad {entry.account} {entry.source_account}"
        return "\n".join([head, *_meta_lines(entry.meta, "  ")]) + "\n"
    return str(printer.format_entry(entry))


_WRITABLE: set[str] = set()  # account and currency names already checked


def _syntax(*names: str) -> None:
    """Refuse to write an account or currency Beancount would not read back as one token.

    Booking checks every value a payload can put there (:func:`ecomledger.booking.
    check_order`); this is the last guard, so that no path can write a directive into the
    books through a name (``EUR\n2026-01-01 open Assets:X``).
    """
    for name in names:
        if name in _WRITABLE:
            continue
        if not (is_account(name) or is_commodity(name)):
            raise UserError(
                f"refusing to write {name!r} into the books: it is neither a Beancount "
                "account nor a currency; nothing was written"
            )
        _WRITABLE.add(name)


_WRITERS: dict[str, tuple[Callable[[Decimal], str], bool]] = {}


def _amount_writer(currency: str) -> tuple[Callable[[Decimal], str], bool]:
    """The currency's :func:`~ecomledger.money.minor_units_writer`, and whether it has
    two decimals (most do: ``str()`` of an exact amount is then already its text)."""
    found = _WRITERS.get(currency)
    if found is None:
        found = _WRITERS[currency] = (minor_units_writer(currency), exponent(currency) == 2)
    return found


def _plain_postings(txn: data.Transaction) -> bool:
    """Whether every posting is a plain amount (no cost, no price): what imports write."""
    for posting in txn.postings:
        if posting.cost is not None or posting.price is not None or posting.units is None:
            return False
    return True


def _render_transaction(txn: data.Transaction) -> str:
    """Render a transaction of plain postings, amounts aligned on the decimal column.

    The hot path of every import (one call per entry written), hence the plain loops.
    """
    head = f"{txn.date} {txn.flag}"
    if txn.payee is not None:
        head += f' "{escape_string(txn.payee)}"'
    head += f' "{escape_string(txn.narration or "")}"'
    if txn.tags:
        head += "".join(f" #{tag}" for tag in sorted(txn.tags))
    if txn.links:
        head += "".join(f" ^{link}" for link in sorted(txn.links))
    lines = [head]
    if txn.meta:
        lines += _meta_lines(txn.meta, "  ")
    postings = txn.postings
    units = [p.units for p in postings]  # never None: see _plain_postings
    numbers: list[str] = []
    currency: str | None = None
    exact: Callable[[Decimal], str] = str  # the currency's writer, from the first posting on
    cents = False
    for posting, unit in zip(postings, units, strict=True):
        if unit.currency is not currency:  # type: ignore[union-attr]
            currency = unit.currency  # type: ignore[union-attr]
            if currency not in _WRITABLE:
                _syntax(currency)
            exact, cents = _amount_writer(currency)
        if posting.account not in _WRITABLE:
            _syntax(posting.account)
        text = str(unit.number)  # type: ignore[union-attr]
        if not cents or text[-3:-2] != ".":  # "12.50" in EUR is already as_minor_units's
            text = exact(unit.number)  # type: ignore[union-attr,arg-type]
        numbers.append(text)
    width = max(map(len, [p.account for p in postings]), default=0)
    digits = max(map(len, numbers), default=0)
    for posting, number, unit in zip(postings, numbers, units, strict=True):
        flag = f"{posting.flag} " if posting.flag else ""
        currency = unit.currency  # type: ignore[union-attr]
        lines.append(f"  {flag}{posting.account:<{width}}  {number:>{digits}} {currency}")
        if posting.meta:
            lines += _meta_lines(posting.meta, "    ")
    return "\n".join(lines) + "\n"


def atomic_write(path: Path, text: str | Iterable[str]) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves either the old or the new file.

    ``text`` may be given in pieces, written one after the other: a year of entries is
    then never copied into one string of hundreds of megabytes. The file keeps its mode (a
    new one gets the umask's). For several files that must change together, use a
    :class:`ecomledger.journal.Batch`, as :func:`write_plan` does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = journal.mode_for(path)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as tmp:
            os.fchmod(tmp.fileno(), mode)
            tmp.writelines([text] if isinstance(text, str) else text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


Placed = dict[Path, list[tuple[data.Directive, int]]]


def write_plan(
    batch: journal.Batch, plan: dict[Path, list[data.Directive]], header: str = ""
) -> Placed:
    """Stage each file's new text (old text + new entries); say where each entry will start.

    Nothing is in place until ``batch.commit()``, which renames every file of the run
    together (see :mod:`ecomledger.journal`). A file that does not exist yet starts with
    ``header``; files are staged in path order.
    """
    placed: Placed = {}
    for path in sorted(plan):
        entries = plan[path]
        if not entries:
            continue
        old = path.read_text(encoding="utf-8") if path.exists() else header
        if old and not old.endswith("\n"):
            old += "\n"
        base = old + ("\n" if old.strip() else "")
        line = base.count("\n") + 1
        pieces, where = [base], []
        for entry in entries:
            text = render_entry(entry)
            where.append((entry, line))
            if len(pieces) > 1:
                pieces.append("\n")  # a blank line between entries
            pieces.append(text)
            line += text.count("\n") + 1
        batch.replace(path, pieces)
        placed[path] = where
    return placed


def remember_written(books: Path, placed: Placed, index: LedgerIndex) -> None:
    """Add what was just written to the index cache, so the next scan need not parse it.

    Called under the books' lock right after :func:`write_plan`, with the ``index`` that
    the import's own :func:`scan` returned: its fragments are the cache as it stands, so
    it is extended in memory and saved once, not read back from disk.
    """
    if not placed:
        return
    for path, items in placed.items():
        key = str(path.resolve())
        fragment = index.fragments.get(key) or _Fragment(0, 0, [], LedgerIndex())
        for entry, lineno in items:
            fragment.index.add(entry, key, lineno)
        stat = path.stat()
        fragment.size, fragment.mtime_ns = stat.st_size, stat.st_mtime_ns
        index.fragments[key] = fragment
    _save_cache(books / INDEX_CACHE, index.fragments)


def ledger_file(books: Path, fiscal_year: int, source: str) -> Path:
    """Return the file that holds ``source``'s entries for ``fiscal_year``."""
    name = source.replace(":", "-").replace("/", "-")
    return books / "ledger" / str(fiscal_year) / f"{name}.beancount"


def format_error(error: object, books: Path) -> tuple[str, int, str]:
    """Return (file relative to the books, line, message) of a Beancount error."""
    source = getattr(error, "source", None) or {}
    filename = str(source.get("filename", "")) if isinstance(source, dict) else ""
    lineno = int(source.get("lineno", 0) or 0) if isinstance(source, dict) else 0
    filename = _relative_to(filename, str(books))
    message = str(getattr(error, "message", error)).strip()
    from ecomledger.explain import explain  # Beancount's terse messages, said with the fix

    return filename, lineno, explain(message)


@functools.lru_cache(maxsize=256)
def _relative_to(filename: str, books: str) -> str:
    """``filename`` relative to the books when it is inside them (cached: books with
    thousands of errors name the same few files, and resolving is a system call each)."""
    with contextlib.suppress(ValueError):
        return str(Path(filename).resolve().relative_to(Path(books).resolve()))
    return filename
