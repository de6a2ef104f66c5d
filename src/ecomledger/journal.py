"""Durable writes: what one run changes in the books lands whole, or not at all.

One ``import`` may replace several ledger files, archive its inputs in ``documents/`` and
take them out of the inbox; one ``fetch`` adds payload files and moves its cursor. Each
file alone is replaced atomically by a rename, but a run killed between two renames would
leave half of its work written. A :class:`Batch` makes the whole set atomic:

1. every new file's full text is *staged* in ``.ecomledger/staging/`` and fsynced;
2. the *journal* ``.ecomledger/journal.json`` lists the renames to do; it is itself
   written atomically, and from that moment the run is decided;
3. the renames are applied in order and each folder touched is fsynced;
4. the journal is removed, and the staging folder is empty again.

:func:`recover` runs each time a run takes the books' lock (:func:`books_lock`), and when
``check`` or a report loads the books while nobody holds it: it finishes a journal that a
killed run left (every step is idempotent, a rename whose staged file is gone is done) and
deletes staged files that no journal names (a run killed before step 2 changed nothing
else). Whatever the moment of a kill, the books are as before the run or as after it.

New files take the permissions the umask gives (``0o666 & ~umask``); a replaced file keeps
its own.

Kill points, for tests: with ``ECOMLEDGER_KILL_AT=<point>`` (or ``<point>:<n>``) in the
environment, the process sends itself SIGKILL the first (n-th) time it reaches the point
named by :func:`kill_point`: here ``staged`` (all staged, no journal yet), ``journal``
(journal written, nothing renamed), ``renamed`` (after each rename) and ``applied`` (all
renamed, journal still there); the import names ``import-booked`` (before staging), the
fetch ``fetch-fetched`` (everything received, nothing written).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import filecmp
import itertools
import json
import os
import shutil
import signal
from collections.abc import Iterable, Iterator
from pathlib import Path

from ecomledger.errors import BooksLockedError, UserError

LOCK_FILE = ".ecomledger.lock"
STATE_DIR = ".ecomledger"
STAGING = f"{STATE_DIR}/staging"
JOURNAL = f"{STATE_DIR}/journal.json"
_VERSION = 1
#: Beancount's pickle cache of main.beancount (its loader's default name). Deleted whenever
#: a run replaces a ``.beancount`` file: the loader checks only the files it read last
#: time, so a new file that the include glob matches would otherwise go unseen.
PICKLE_CACHE = ".main.beancount.picklecache"
KILL_ENV = "ECOMLEDGER_KILL_AT"

_hits: dict[str, int] = {}
_staged = itertools.count(1)  # staged names stay unique across the batches of one process


def kill_point(name: str) -> None:
    """SIGKILL this process here when ``ECOMLEDGER_KILL_AT`` names ``name`` (tests only)."""
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def new_file_mode() -> int:
    """The mode a new file gets from the umask, as ``open()`` would give it."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


class Batch:
    """The writes of one run, staged first, applied together by :meth:`commit`.

    ``replace`` stages a file's new text, ``move`` takes a file into the books' evidence
    (out of the inbox) and ``copy`` adds a copy of a file from outside. Paths must lie
    inside the books.
    """

    def __init__(self, books: Path) -> None:
        self.books = books
        self.ops: list[tuple[str, str, str]] = []
        self.targets: set[Path] = set()
        self._staging = books / STAGING
        self._mode = new_file_mode()

    def _rel(self, path: Path) -> str:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(self.books))

    def _stage_path(self) -> Path:
        self._staging.mkdir(parents=True, exist_ok=True)
        return self._staging / f"{os.getpid()}-{next(_staged)}.tmp"

    def replace(self, path: Path, text: str | Iterable[str]) -> None:
        """Stage ``text`` (or its pieces, written one after the other) as ``path``'s content."""
        staged = self._stage_path()
        mode = mode_for(path, self._mode)
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            os.fchmod(out.fileno(), mode)
            out.writelines([text] if isinstance(text, str) else text)
            out.flush()
            os.fsync(out.fileno())
        self._add("replace", staged, path)

    def copy(self, source: Path, path: Path) -> None:
        """Stage a copy of ``source`` (kept where it is) as the new file ``path``."""
        staged = self._stage_path()
        shutil.copy2(source, staged)
        _fsync_file(staged)
        self._add("replace", staged, path)

    def move(self, source: Path, path: Path) -> None:
        """Take ``source`` into the books as ``path`` (absent, or already the same bytes)."""
        if not path.exists() and not _same_device(source, self.books):
            self.copy(source, path)  # another file system: copy first, the move then removes
        self._add("move", source, path)

    def _add(self, kind: str, source: Path, path: Path) -> None:
        self.ops.append((kind, self._rel(source), self._rel(path)))
        self.targets.add(Path(os.path.abspath(path)))

    def commit(self) -> None:
        """Write the journal, apply every operation, then forget the journal."""
        if not self.ops:
            return
        try:
            _fsync_dir(self._staging)
            kill_point("staged")
            _write_journal(self.books, self.ops)
        except BaseException:
            for kind, source, _ in self.ops:
                if kind == "replace":
                    (self.books / source).unlink(missing_ok=True)
            raise
        kill_point("journal")
        _apply(self.books, self.ops)
        kill_point("applied")
        _forget_journal(self.books)


def mode_for(path: Path, default: int | None = None) -> int:
    """The mode ``path`` keeps when replaced: its own, or the umask's for a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return new_file_mode() if default is None else default


def _same_device(path: Path, books: Path) -> bool:
    try:
        return path.stat().st_dev == books.stat().st_dev
    except OSError:
        return False


def _write_journal(books: Path, ops: list[tuple[str, str, str]]) -> None:
    folder = books / STATE_DIR
    journal = books / JOURNAL
    tmp = folder / "journal.json.tmp"
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": _VERSION, "ops": [list(op) for op in ops]}, indent=1)
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, journal)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _forget_journal(books: Path) -> None:
    (books / JOURNAL).unlink()
    _fsync_dir(books / STATE_DIR)


def _apply(books: Path, ops: list[tuple[str, str, str]]) -> None:
    """Do each operation that is not done yet (a crash may have stopped any of them)."""
    folders: set[Path] = set()
    for kind, source_rel, target_rel in ops:
        source, target = books / source_rel, books / target_rel
        if kind == "replace":
            if not source.exists():
                continue  # renamed before the crash
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        elif kind == "move":
            if not source.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.link(source, target)
            if not _same_bytes(source, target):
                continue  # never drop a file whose bytes are not kept elsewhere
            source.unlink()
        else:
            raise ValueError(f"{books / JOURNAL}: unknown operation {kind!r}")
        folders.update((source.parent, target.parent))
        kill_point("renamed")
    if any(kind == "replace" and target.endswith(".beancount") for kind, _, target in ops):
        (books / PICKLE_CACHE).unlink(missing_ok=True)  # also when replaying after a kill
    for folder in sorted(folders):
        if folder.is_dir():
            _fsync_dir(folder)


def _same_bytes(one: Path, other: Path) -> bool:
    return os.path.samefile(one, other) or filecmp.cmp(one, other, shallow=False)


def recover(books: Path) -> bool:
    """Finish what a killed run left (call with the books' lock held); True if it did."""
    journal = books / JOURNAL
    did = False
    if journal.exists():
        try:
            payload = json.loads(journal.read_text(encoding="utf-8"))
            ops = [(str(k), str(s), str(t)) for k, s, t in payload["ops"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(
                f"{journal}: the journal of an interrupted run cannot be read ({exc}); it was "
                "edited by hand: restore it, or delete it and the files in "
                f"{books / STAGING} after checking the books with 'ecomledger check'"
            ) from exc
        _apply(books, ops)
        _forget_journal(books)
        did = True
    staging = books / STAGING
    if staging.is_dir():
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
            did = True
    for leftover in _stray_temporaries(books):
        leftover.unlink(missing_ok=True)
        did = True
    return did


def _stray_temporaries(books: Path) -> list[Path]:
    """Temporary files of writes killed before this journal existed (older versions)."""
    state = books / STATE_DIR
    found = list(state.glob(".index.*")) + list(state.glob(".state-*.tmp"))
    found += list(state.glob("journal.json.tmp"))
    found += list(books.glob(".*.beancount.*.tmp"))
    found += list(books.glob("ledger/*/.*.beancount.*.tmp"))
    found += list(books.glob("documents/*/*/.fetch-*.tmp"))
    return found


def pending(books: Path) -> bool:
    """Whether a killed run left work to finish or to clean."""
    staging = books / STAGING
    return (books / JOURNAL).exists() or (staging.is_dir() and any(staging.iterdir()))


@contextlib.contextmanager
def books_lock(books: Path) -> Iterator[None]:
    """Hold the books' write lock for the block, after finishing what a killed run left.

    An advisory lock on ``.ecomledger.lock``: it stops two runs writing the same books at
    once, and the operating system releases it if a run dies.

    Raises:
        BooksLockedError: another run holds it.
    """
    lock_path = books / LOCK_FILE
    with open(lock_path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise BooksLockedError(
                f"{books}: another ecomledger run is writing these books ({lock_path} is "
                "locked); wait for it to finish and run again"
            ) from exc
        try:
            recover(books)
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def recover_if_idle(books: Path) -> None:
    """Before reading the books: finish a killed run's journal unless a run is writing."""
    if not pending(books):
        return
    with contextlib.suppress(BooksLockedError), books_lock(books):
        pass  # taking the lock recovers


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix" or not folder.is_dir():
        return
    _fsync_file(folder)
