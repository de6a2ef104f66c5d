"""Our own checker of a FEC file, after the DGFiP rules (compliance spec §1.4-1.5).

Why: the DGFiP's own tester (Test Compta Demat) is a Perl/Tk desktop program that does not
check entry balance or numbering; a FEC rejected at an audit costs a fine. This reads any
FEC (ours or another program's) and names every problem by line and rule. It shares the
field description with the export (:data:`ecomledger.exports.fec.FIELDS`).

Rules (each finding names one): ``file-name``, ``encoding``, ``header``, ``field-count``,
``empty-line``, ``mandatory``, ``date``, ``date-range``, ``amount``, ``debit-credit``,
``account``, ``account-label``, ``aux``, ``entry-date``, ``balance``, ``global-balance``,
``numbering``, ``contiguous``, ``valid-date-order``; warnings ``currency``, ``valid-date``,
``negative``. Errors make ``fec check`` exit 1; warnings are printed only.

A file that cannot be read as a FEC at all (no tab or pipe in its header) is refused in one
sentence (exit 2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ecomledger.errors import InputError
from ecomledger.exports.fec import ENCODING, FIELDS, NAMES

#: The PCG's chapters (two first digits) an account number may start with (classes 1-8).
PCG_CHAPTERS = frozenset(
    " ".join(
        (
            "10 11 12 13 14 15 16 17 18",
            "20 21 22 23 25 26 27 28 29",
            "31 32 33 34 35 36 37 38 39",
            "40 41 42 43 44 45 46 47 48 49",
            "50 51 52 53 54 58 59",
            "60 61 62 63 64 65 66 67 68 69",
            "70 71 72 73 74 75 76 77 78 79",
            "80 88 89",
        )
    ).split()
)
_NAME = re.compile(r"^(?P<siren>\d{9})FEC(?P<date>\d{8})(\.(txt|csv))?$", re.IGNORECASE)
_AMOUNT = re.compile(r"^[+-]?\d+(,\d{1,2})?$")
_MANDATORY = {f.name for f in FIELDS if f.mandatory}
_DATES = [f.name for f in FIELDS if f.kind == "date"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Finding:
    """One problem: the line (0 for the file), the rule, the severity and what is wrong."""

    line: int
    rule: str
    message: str
    severity: str = "error"


@dataclass
class Report:
    """Everything ``fec check`` found, and the file's totals."""

    file: str
    lines: int = 0
    entries: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that make the file fail."""
        return [f for f in self.findings if f.severity == "error"]

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "file": self.file,
            "lines": self.lines,
            "entries": self.entries,
            "debit": f"{self.debit:.2f}",
            "credit": f"{self.credit:.2f}",
            "errors": len(self.errors),
            "findings": [asdict(f) for f in self.findings],
        }


def luhn(number: str) -> bool:
    """The Luhn check a SIREN passes."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def parse_date(text: str) -> dt.date | None:
    """``AAAAMMJJ`` → date, or None."""
    if not re.fullmatch(r"\d{8}", text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def parse_amount(text: str) -> Decimal | None:
    """``1234,56`` → Decimal, or None when not the FEC's number format."""
    if not _AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _amount_problem(text: str) -> str:
    if re.fullmatch(r"[+-]?\d+\.\d+", text):
        return "has a decimal point; the FEC writes a decimal comma (1234,56)"
    if re.search(r"\d[ .\u00a0']\d{3}", text):
        return "has a thousands separator; write the number without it (1234,56)"
    if re.fullmatch(r"[+-]?\d+,\d{3,}", text):
        return "has more than two decimals"
    return "is not a number"


def _decode(raw: bytes, report: Report) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        report.findings.append(
            Finding(
                1,
                "encoding",
                "the file starts with a UTF-8 byte order mark; save it without one "
                f"(the rules allow ASCII or {ENCODING.upper()})",
            )
        )
        raw = raw[3:]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        try:
            text = raw.decode("utf-8")
            report.findings.append(
                Finding(
                    0,
                    "encoding",
                    f"the file is UTF-8, which the rules do not list; {ENCODING.upper()} is",
                    "warning",
                )
            )
        except UnicodeDecodeError:
            text = raw.decode(ENCODING)
    return text


def _separator(path: Path, header: str) -> str:
    if "\t" in header:
        return "\t"
    if "|" in header:
        return "|"
    sep = ";" if ";" in header else "," if "," in header else "none"
    raise InputError(
        str(path),
        1,
        f"the header separates its fields with {sep!r}, not a tab or a pipe as a FEC must "
        "(A47 A-1); export the file again with tab-separated fields",
    )


def check_name(name: str, report: Report) -> dt.date | None:
    """The file-name rule: ``<SIREN>FEC<AAAAMMJJ>``; return the fiscal year end."""
    match = _NAME.match(name)
    if match is None:
        report.findings.append(
            Finding(
                0,
                "file-name",
                f"{name!r} is not named <SIREN>FEC<AAAAMMJJ>.txt (e.g. 732829320FEC20261231.txt)",
            )
        )
        return None
    if not luhn(match["siren"]):
        report.findings.append(
            Finding(0, "file-name", f"the SIREN {match['siren']} fails its Luhn check")
        )
    end = parse_date(match["date"])
    if end is None:
        report.findings.append(
            Finding(0, "file-name", f"{match['date']} in the name is not a date AAAAMMJJ")
        )
    return end


@dataclass
class _Entry:
    journal: str
    number: str
    first_line: int
    dates: set[str] = field(default_factory=set)
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def check_file(path: Path) -> Report:
    """Check a FEC file; every finding names its line and rule.

    Raises:
        InputError: the file cannot be read, or its header has no tab or pipe separator.
    """
    report = Report(file=str(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), 0, f"cannot be read ({exc.strerror}); check the path") from exc
    if not raw.strip():
        raise InputError(str(path), 0, "is empty; a FEC starts with its header line")
    year_end = check_name(path.name, report)
    text = _decode(raw, report)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    endings = {line.endswith("\r") for line in lines}
    if len(endings) > 1:
        report.findings.append(
            Finding(0, "encoding", "the lines end with CR LF and LF mixed; use one of them")
        )
    lines = [line.rstrip("\r") for line in lines]
    sep = _separator(path, lines[0])
    columns = _check_header(lines[0].split(sep), report)
    if columns is None:
        return report
    _check_lines(lines[1:], sep, columns, year_end, report)
    return report


def _check_header(names: list[str], report: Report) -> dict[str, int] | None:
    if names and names[-1] == "":
        names = names[:-1]  # a trailing separator is tolerated
    amounts_variant = [n for n in NAMES if n not in ("Debit", "Credit")]
    got = [n.strip() for n in names]
    if got[: len(NAMES)] == list(NAMES):
        return {name: i for i, name in enumerate(got)}
    lowered = [n.lower() for n in got]
    if (
        "montant" in lowered
        and "sens" in lowered
        and all(n.lower() in lowered for n in amounts_variant)
    ):
        return {name: lowered.index(name.lower()) for name in [*amounts_variant, "Montant", "Sens"]}
    missing = [n for n in NAMES if n not in got]
    if missing:
        message = f"the header lacks {', '.join(missing)}; the 18 fields are {', '.join(NAMES)}"
    else:
        message = f"the header's fields are not in the order of the rules: {', '.join(NAMES)}"
    report.findings.append(Finding(1, "header", message))
    return None


def _check_lines(
    lines: list[str],
    sep: str,
    columns: dict[str, int],
    year_end: dt.date | None,
    report: Report,
) -> None:
    width = max(columns.values()) + 1
    labels: dict[str, tuple[str, int]] = {}
    entries: dict[tuple[str, str], _Entry] = {}
    order: list[tuple[str, str]] = []
    last_key: tuple[str, str] | None = None
    last_valid: tuple[dt.date, int] | None = None
    add = report.findings.append
    for offset, line in enumerate(lines):
        lineno = offset + 2
        if not line.strip():
            add(Finding(lineno, "empty-line", "the line is empty; remove it"))
            continue
        values = line.split(sep)
        if len(values) == width + 1 and values[-1] == "":
            values.pop()
        if len(values) != width:
            add(
                Finding(
                    lineno,
                    "field-count",
                    f"{len(values)} fields where the header has {width} (a missing, extra or "
                    "truncated field)",
                )
            )
            continue
        report.lines += 1
        row = {name: values[i].strip() for name, i in columns.items()}
        for name in _MANDATORY:
            if name in row and row[name] == "":
                add(Finding(lineno, "mandatory", f"{name} is empty; it is mandatory"))
        dates = {}
        for name in _DATES:
            value = row.get(name, "")
            if value == "":
                continue
            day = parse_date(value)
            if day is None:
                add(Finding(lineno, "date", f"{name} {value!r} is not a date AAAAMMJJ"))
            elif not 1900 <= day.year <= 2099:
                add(Finding(lineno, "date", f"{name} {value} is outside 1900-2099"))
            dates[name] = day
        debit, credit = _amounts(row, lineno, report)
        report.debit += debit
        report.credit += credit
        _check_account(row, lineno, labels, report)
        entry_day = dates.get("EcritureDate")
        if year_end is not None and entry_day is not None:
            start = dt.date(year_end.year - 1, year_end.month, year_end.day)
            if entry_day > year_end:
                add(
                    Finding(
                        lineno,
                        "date-range",
                        f"EcritureDate {entry_day:%Y%m%d} is after the fiscal year end "
                        f"{year_end:%Y%m%d} in the file name",
                    )
                )
            elif entry_day <= start:
                add(
                    Finding(
                        lineno,
                        "date-range",
                        f"EcritureDate {entry_day:%Y%m%d} is more than a year before the "
                        f"fiscal year end {year_end:%Y%m%d}",
                        "warning",
                    )
                )
        valid = dates.get("ValidDate")
        if valid is not None:
            if entry_day is not None and valid < entry_day:
                add(Finding(lineno, "valid-date", "ValidDate is before EcritureDate", "warning"))
            if last_valid is not None and valid < last_valid[0]:
                add(
                    Finding(
                        lineno,
                        "valid-date-order",
                        f"ValidDate {valid:%Y%m%d} comes after line {last_valid[1]}'s "
                        f"{last_valid[0]:%Y%m%d}: the file must follow the order of validation",
                    )
                )
            last_valid = (valid, lineno)
        _check_currency(row, lineno, report)
        key = (row.get("JournalCode", ""), row.get("EcritureNum", ""))
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = _Entry(key[0], key[1], lineno)
            order.append(key)
        elif key != last_key:
            add(
                Finding(
                    lineno,
                    "contiguous",
                    f"entry {key[0]} {key[1]} started at line {entry.first_line} and resumes "
                    "here: an entry's lines must follow one another",
                )
            )
        last_key = key
        entry.dates.add(row.get("EcritureDate", ""))
        entry.debit += debit
        entry.credit += credit
    report.entries = len(entries)
    _check_entries(entries, order, report)


def _amounts(row: dict[str, str], lineno: int, report: Report) -> tuple[Decimal, Decimal]:
    if "Montant" in row:
        amount = parse_amount(row["Montant"])
        if amount is None:
            problem = _amount_problem(row["Montant"])
            report.findings.append(Finding(lineno, "amount", f"Montant {problem}"))
            return ZERO, ZERO
        sens = row.get("Sens", "").upper()
        if sens in ("D", "+1", "1"):
            return amount, ZERO
        if sens in ("C", "-1"):
            return ZERO, amount
        report.findings.append(Finding(lineno, "amount", f"Sens {sens!r} is not D or C"))
        return ZERO, ZERO
    found = []
    for name in ("Debit", "Credit"):
        value = parse_amount(row[name])
        if value is None:
            problem = _amount_problem(row[name])
            report.findings.append(Finding(lineno, "amount", f"{name} {row[name]!r} {problem}"))
            value = ZERO
        elif value < 0:
            report.findings.append(Finding(lineno, "negative", f"{name} is negative", "warning"))
        found.append(value)
    debit, credit = found
    if debit and credit:
        report.findings.append(
            Finding(lineno, "debit-credit", "both Debit and Credit are set; give only one")
        )
    elif not debit and not credit:
        report.findings.append(
            Finding(lineno, "debit-credit", "both Debit and Credit are zero; drop the line")
        )
    return debit, credit


def _check_account(
    row: dict[str, str], lineno: int, labels: dict[str, tuple[str, int]], report: Report
) -> None:
    number, label = row.get("CompteNum", ""), row.get("CompteLib", "")
    add = report.findings.append
    if number and not re.match(r"^\d{3}", number):
        add(Finding(lineno, "account", f"CompteNum {number!r} does not start with 3 digits"))
    elif number and (number[:2] not in PCG_CHAPTERS or number.startswith("0")):
        add(
            Finding(
                lineno,
                "account",
                f"CompteNum {number} is not an account of the PCG (no chapter {number[:2]} "
                "in classes 1 to 8)",
            )
        )
    if number and label:
        seen = labels.get(number)
        if seen is None:
            labels[number] = (label, lineno)
        elif seen[0] != label:
            add(
                Finding(
                    lineno,
                    "account-label",
                    f"CompteNum {number} is labelled {label!r} here and {seen[0]!r} at line "
                    f"{seen[1]}: one account, one label",
                )
            )
    if row.get("CompAuxNum") and not row.get("CompAuxLib"):
        add(Finding(lineno, "aux", "CompAuxNum is set without CompAuxLib"))


def _check_currency(row: dict[str, str], lineno: int, report: Report) -> None:
    amount, currency = row.get("Montantdevise", ""), row.get("Idevise", "")
    if bool(amount) != bool(currency):
        report.findings.append(
            Finding(lineno, "currency", "Montantdevise and Idevise go together", "warning")
        )
    if currency and not re.fullmatch(r"[A-Z]{3}", currency):
        report.findings.append(
            Finding(lineno, "currency", f"Idevise {currency!r} is not ISO 4217", "warning")
        )
    if amount and parse_amount(amount) is None:
        report.findings.append(
            Finding(lineno, "amount", f"Montantdevise {amount!r} {_amount_problem(amount)}")
        )


def _sequence(number: str) -> int | None:
    match = re.search(r"(\d+)$", number)
    return int(match.group(1)) if match else None


def _check_entries(
    entries: dict[tuple[str, str], _Entry], order: list[tuple[str, str]], report: Report
) -> None:
    add = report.findings.append
    for key in order:
        entry = entries[key]
        if entry.debit != entry.credit:
            add(
                Finding(
                    entry.first_line,
                    "balance",
                    f"entry {entry.journal} {entry.number} does not balance: debit "
                    f"{entry.debit:.2f}, credit {entry.credit:.2f}",
                )
            )
        if len(entry.dates) > 1:
            add(
                Finding(
                    entry.first_line,
                    "entry-date",
                    f"entry {entry.journal} {entry.number} has several EcritureDate values",
                )
            )
    if report.debit != report.credit:
        add(
            Finding(
                0,
                "global-balance",
                f"the file's debits {report.debit:.2f} and credits {report.credit:.2f} differ",
            )
        )
    numbers = [(_sequence(key[1]), key) for key in order]
    everywhere = [n for n, _ in numbers]
    if all(n is not None for n in everywhere) and sorted(everywhere) == list(  # type: ignore[type-var]
        range(1, len(everywhere) + 1)
    ):
        return  # one continuous sequence across the file
    by_journal: dict[str, list[tuple[int | None, tuple[str, str]]]] = defaultdict(list)
    for number, key in numbers:
        by_journal[key[0]].append((number, key))
    for journal, items in by_journal.items():
        expected = 1
        for number, key in items:
            entry = entries[key]
            if number is None:
                add(
                    Finding(
                        entry.first_line,
                        "numbering",
                        f"EcritureNum {key[1]!r} does not end with a sequence number",
                    )
                )
                continue
            if number != expected:
                if number > expected:
                    missing = (
                        f"{expected}" if number == expected + 1 else f"{expected}-{number - 1}"
                    )
                    why = f"number(s) {missing} missing in journal {journal}"
                else:
                    why = f"it does not follow {expected - 1} in journal {journal}"
                add(
                    Finding(
                        entry.first_line,
                        "numbering",
                        f"EcritureNum {key[1]} breaks the continuous sequence: {why}",
                    )
                )
            expected = number + 1
