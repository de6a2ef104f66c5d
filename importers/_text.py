"""Read bank text files the way banks actually write them.

Statement files come from many tools and decades: UTF-8 with or without a BOM (Excel adds
one), UTF-16 from "Unicode text" exports, CP1252 from French and Dutch banks, plain Latin-1
from older systems. CSV exports use ``,``, ``;`` or tab, and a decimal point or comma. None
of that is declared in the file, so it is detected here once per file and every importer
reads through these helpers instead of guessing on its own.

Detection rules, in order, and why:

- a BOM wins (it is the only explicit statement a file makes);
- strict UTF-8 next (valid UTF-8 is almost never an accident);
- a file that *contains* valid multi-byte UTF-8 sequences but fails to decode as a whole is
  a damaged UTF-8 file, not CP1252: reading it as CP1252 would silently turn ``é`` into
  ``Ã©`` in every other row, so it is refused naming the line of the first bad byte;
- otherwise CP1252, which is Latin-1 plus printable characters (``€``, curly quotes) in
  0x80-0x9F; when a byte CP1252 leaves undefined appears, the file is Latin-1;
- NUL bytes outside UTF-16 mean a binary file: refused naming the line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ecomledger.errors import InputError

_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
_SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True)
class Text:
    """A decoded file: its text and the encoding it was read with."""

    text: str
    encoding: str


def _lineno_at(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode(raw: bytes, filename: str, encoding: str | None = None) -> Text:
    """Decode ``raw`` with ``encoding``, or detect it (see the module docstring).

    Raises:
        InputError: the bytes are not text in the given or detected encoding; the message
            names the line of the first bad byte.
    """
    if encoding:
        return _decode_as(raw, filename, encoding)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if raw.startswith(bom):
            return _decode_as(raw, filename, name)
    if raw.startswith(codecs.BOM_UTF16_BE):
        return _decode_as(raw, filename, "utf-16")
    nul = raw.find(b"\x00")
    if nul != -1:
        raise InputError(
            filename,
            _lineno_at(raw, nul),
            "contains a NUL byte: this is a binary file, not a text statement; "
            "export the statement again as CSV or text",
        )
    try:
        return Text(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(raw):
            raise InputError(
                filename,
                _lineno_at(raw, exc.start),
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 although the rest of the "
                "file is UTF-8; the file is damaged: export it again",
            ) from exc
    try:
        return Text(raw.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return Text(raw.decode("latin-1"), "latin-1")


def _decode_as(raw: bytes, filename: str, encoding: str) -> Text:
    try:
        return Text(raw.decode(encoding), encoding)
    except LookupError as exc:
        raise InputError(filename, 0, f"unknown encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            filename,
            _lineno_at(raw, exc.start),
            f"byte 0x{raw[exc.start]:02x} cannot be read as {encoding}; "
            "check the encoding configured for this bank",
        ) from exc


def read_text(filepath: str, encoding: str | None = None) -> Text:
    """Read and decode a whole file (see :func:`decode`)."""
    try:
        with open(filepath, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise InputError(filepath, 0, f"cannot be read: {exc.strerror}") from exc
    return decode(raw, filepath, encoding)


def read_head(filepath: str, size: int = 4096) -> str:
    """Return the start of a file as text, for ``identify``; never raises on bad bytes.

    ``identify`` must answer quickly and must not fail on a file that belongs to another
    importer, so this reads a bounded prefix and decodes it leniently.
    """
    try:
        with open(filepath, "rb") as handle:
            raw = handle.read(size)
    except OSError:
        return ""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 4:  # a character cut by the prefix boundary
            return raw[: exc.start].decode("utf-8", errors="replace")
        return raw.decode("cp1252", errors="replace")


def first_line(text: str) -> str:
    """Return the first non-blank line of ``text``."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def detect_separator(header: str) -> str:
    """Return the CSV separator of a header line: the most frequent of ``,`` ``;`` tab.

    Counted outside double quotes, so a quoted ``"Total amount (incl. VAT)"`` or a
    ``"Nom; prénom"`` cannot tip the vote. Ties go to the order ``,`` ``;`` tab.
    """
    outside = re.sub(r'"[^"]*"', "", header)
    counts = [(outside.count(sep), -i, sep) for i, sep in enumerate(_SEPARATORS)]
    best = max(counts)
    return best[2] if best[0] else ","


_MARK_AT_END = re.compile(r"([.,])(\d+)\)?\s*[^\d]*$")


def detect_decimal_mark(values: Sequence[str], default: str = ".") -> str:
    """Return the decimal mark used by a column of amounts (``.`` or ``,``).

    The mark is the last ``.``/``,`` of a value when it is followed by other than three
    digits (``-45,99``, ``1.234,5``); ``1,234`` alone is ambiguous and does not vote.
    The first conclusive value decides; ``default`` applies when none is conclusive
    (callers pass ``,`` for ``;``-separated files, the European convention).
    """
    for value in values:
        match = _MARK_AT_END.search(value.strip())
        if match and len(match.group(2)) != 3:
            return match.group(1)
        if match and ("." in value and "," in value):
            return match.group(1)
    return default


class CsvRow(NamedTuple):
    """One CSV record: its fields and the physical line it starts on (1-based).

    A NamedTuple, not a dataclass: one is built per row of 100,000-line statements, and a
    tuple is built several times faster than a frozen dataclass.
    """

    lineno: int
    fields: list[str]


def iter_csv(text: str, separator: str, skip_rows: int = 0) -> Iterator[CsvRow]:
    """Yield the records of ``text`` as lists (never dicts: headers repeat column names).

    Blank records are skipped. Line numbers are physical lines, so a quoted field that
    spans two lines still lets an error name the line the record starts on.
    """
    stream = io.StringIO(text, newline="")
    for _ in range(skip_rows):
        stream.readline()
    reader = csv.reader(stream, delimiter=separator, quotechar='"')
    previous = skip_rows
    for fields in reader:
        start = previous + 1
        previous = reader.line_num + skip_rows
        if not "".join(fields).strip():
            continue
        yield CsvRow(start, fields)
