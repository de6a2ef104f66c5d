"""The FEC (Fichier des Écritures Comptables): the 18 fields, and the export of a fiscal year.

Why: a French company keeping its books on a computer hands the tax auditor this file
(LPF art. A47 A-1); a rejected FEC costs a fine. :data:`FIELDS` is the one description of
the 18 fields that both the export here and the checker (:mod:`ecomledger.exports.fec_check`)
read, and that :func:`description` prints for the auditor.

Choices (documented in the README, "FEC"):

* file ``<SIREN>FEC<fiscal year end>.txt``, ISO-8859-15, tab-separated, CRLF line ends, the
  header line first, amounts with two decimals and a decimal comma;
* journals: ``AN`` opening balances (à-nouveaux), ``VT`` sales (invoices and credit
  notes), ``BQ1``, ``BQ2``… one per bank account (in the order they were opened), ``OD``
  everything else (payouts, fees, cost of goods, purchases, closing entries);
* ``EcritureNum``: the journal code and a six-digit sequence per journal (``VT-000001``),
  continuous, in date order;
* accounts: the PCG number and label of each account's ``open`` (:meth:`Books.pcg`); when
  several accounts share a number (one 467 per processor, one 445718 per OSS country), each
  gets a two-digit suffix in the order they were opened (``46701``, ``46702``); a number
  shorter than three digits is completed with zeros (37 → ``370``, 58 → ``580``);
* auxiliary accounts: lines on 411 (customers) and 401 (suppliers) carry ``CompAuxNum`` /
  ``CompAuxLib`` built from the customer or supplier name (a customer's transfer that
  ``settles`` an invoice takes that invoice's customer);
* ``ValidDate``: the date the year was closed and sealed (``ecomledger close``), else the
  entry's own date;
* the opening entry: when the books hold earlier years, the balances brought forward at
  the first day are computed as ``close`` computes them (one ``AN`` entry);
* stock lots are valued at their cost in EUR; a posting converted at a price carries the
  foreign amount in ``Montantdevise`` / ``Idevise``, as does an order's ``presentment``;
* each line is rounded to the cent; if the rounded lines of an entry do not balance, the
  residual cent goes on its largest line, so every entry balances.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from beancount.core import convert, data
from beancount.core.amount import Amount

from ecomledger import close as closing
from ecomledger import ledger
from ecomledger.books import Books
from ecomledger.errors import UserError
from ecomledger.money import round_money

ENCODING = "iso-8859-15"
SEPARATOR = "\t"
NEWLINE = "\r\n"
CENT = Decimal("0.01")
ZERO = Decimal(0)


class Field(NamedTuple):
    """One of the 18 fields: name, kind (text, date, amount) and whether it is mandatory."""

    name: str
    kind: str
    mandatory: bool
    meaning: str


FIELDS: tuple[Field, ...] = (
    Field("JournalCode", "text", True, "Code du journal (AN, VT, BQ1…, OD)"),
    Field("JournalLib", "text", True, "Libellé du journal"),
    Field("EcritureNum", "text", True, "Numéro de l'écriture, continu par journal"),
    Field("EcritureDate", "date", True, "Date de comptabilisation"),
    Field("CompteNum", "text", True, "Numéro de compte (PCG)"),
    Field("CompteLib", "text", True, "Libellé du compte"),
    Field("CompAuxNum", "text", False, "Numéro de compte auxiliaire (client, fournisseur)"),
    Field("CompAuxLib", "text", False, "Libellé du compte auxiliaire"),
    Field("PieceRef", "text", True, "Référence de la pièce justificative"),
    Field("PieceDate", "date", True, "Date de la pièce justificative"),
    Field("EcritureLib", "text", True, "Libellé de l'écriture"),
    Field("Debit", "amount", True, "Montant au débit"),
    Field("Credit", "amount", True, "Montant au crédit"),
    Field("EcritureLet", "text", False, "Lettrage"),
    Field("DateLet", "date", False, "Date de lettrage"),
    Field("ValidDate", "date", True, "Date de validation de l'écriture"),
    Field("Montantdevise", "amount", False, "Montant en devise"),
    Field("Idevise", "text", False, "Code ISO 4217 de la devise"),
)
NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
HEADER = SEPARATOR.join(NAMES)

OPENING, SALES, MISC = "AN", "VT", "OD"
JOURNAL_LABELS = {OPENING: "À nouveaux", SALES: "Ventes", MISC: "Opérations diverses"}
BANK_PREFIX = "Assets:Bank:"
OPENING_ACCOUNT = "Equity:Opening-Balances"
_UNSAFE = re.compile(r"[\t|\r\n]+")


def file_name(siren: str, year_end: dt.date) -> str:
    """Return the legal file name: ``<SIREN>FEC<AAAAMMJJ>.txt``."""
    return f"{siren}FEC{year_end:%Y%m%d}.txt"


def clean(text: str) -> str:
    """Make free text safe for the file: no separators or line breaks, ISO-8859-15 only.

    A character ISO-8859-15 lacks loses its accent (``ř`` → ``r``), else becomes ``?``.
    """
    text = _UNSAFE.sub(" ", text).strip()
    try:
        text.encode(ENCODING)
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            out.append(base if base and base.isascii() else "?")
    return "".join(out)


def amount_text(value: Decimal) -> str:
    """``1234.5`` → ``1234,50``: two decimals, a decimal comma, no thousands separator."""
    return f"{round_money(value):f}".replace(".", ",")


def date_text(day: dt.date | None) -> str:
    """A date as ``AAAAMMJJ`` (empty for None)."""
    return "" if day is None else f"{day:%Y%m%d}"


@dataclass(frozen=True)
class AccountMap:
    """The FEC number and label of every account, unique per number."""

    numbers: dict[str, tuple[str, str]]

    @classmethod
    def of(cls, books: Books) -> AccountMap:
        """Number the books' accounts: their PCG number, suffixed where several share one."""
        opens = sorted(books.opens().values(), key=lambda o: (o.date, o.account))
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for entry in opens:
            number, label = books.pcg(entry.account)
            groups[number.ljust(3, "0")].append((entry.account, label))
        taken = set(groups)
        numbers: dict[str, tuple[str, str]] = {}
        for number, members in groups.items():
            if len(members) == 1:
                numbers[members[0][0]] = (number, members[0][1])
                continue
            suffix = 0
            for account, label in members:
                suffix += 1
                while f"{number}{suffix:02d}" in taken:
                    suffix += 1
                numbers[account] = (f"{number}{suffix:02d}", label)
        return cls(numbers)

    def get(self, account: str) -> tuple[str, str]:
        """Return (number, label) of an account (its family's PCG number if never opened)."""
        found = self.numbers.get(account)
        if found is None:
            from ecomledger.accounts import pcg_for

            known = {name: (number, label) for name, number, label in closing.RESULT_OPENS}
            number, label = known.get(account) or pcg_for(account)
            found = (number.ljust(3, "0"), label)
        return found


@dataclass
class Line:
    """One FEC line before formatting: an entry's posting in EUR."""

    account: str
    amount: Decimal  # positive: debit
    aux: tuple[str, str] = ("", "")
    foreign: tuple[Decimal, str] | None = None


@dataclass
class Entry:
    """One FEC entry: the lines of one transaction and what every line repeats."""

    journal: str
    date: dt.date
    piece_ref: str
    label: str
    lines: list[Line]
    valid: dt.date


def aux_code(prefix: str, name: str) -> str:
    """A stable auxiliary account number from a name: ``C`` + its letters and digits."""
    base = unicodedata.normalize("NFKD", name)
    slug = "".join(c for c in base if c.isascii() and c.isalnum()).upper()
    return prefix + (slug[:16] or "DIVERS")


def _presentment(meta: dict[str, object]) -> tuple[Decimal, str] | None:
    value = meta.get("presentment")
    if not isinstance(value, str):
        return None
    parts = value.split()
    if len(parts) != 2 or not re.fullmatch(r"[A-Z]{3}", parts[1]):
        return None
    try:
        return Decimal(parts[0]), parts[1]
    except ArithmeticError:
        return None


def _where(entry: data.Directive) -> str:
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', 0)}"


def _weight(entry: data.Transaction, posting: data.Posting, currency: str) -> Decimal:
    """The posting's weight in the books' currency (stock lots at cost)."""
    weight = convert.get_weight(posting)
    if not isinstance(weight, Amount) or weight.number is None:
        raise UserError(f"{_where(entry)}: a posting on {posting.account} has no amount")
    if weight.currency != currency:
        raise UserError(
            f"{_where(entry)}: the posting on {posting.account} is in {weight.currency} "
            f"without a price or cost in {currency}; add '@ <rate> {currency}' to it"
        )
    return weight.number


def _balanced_cents(lines: list[Line]) -> list[Line]:
    """Round each line to the cent; put any residual cent on the largest line."""
    kept = []
    for line in lines:
        line.amount = round_money(line.amount)
        if line.amount != ZERO:
            kept.append(line)
    residual = sum((line.amount for line in kept), ZERO)
    if residual and kept:
        largest = max(kept, key=lambda line: abs(line.amount))
        largest.amount -= residual
    return [line for line in kept if line.amount != ZERO]


class Journals:
    """Which journal an entry goes to (see the module docstring)."""

    def __init__(self, books: Books) -> None:
        banks = sorted(
            (o for o in books.opens().values() if o.account.startswith(BANK_PREFIX)),
            key=lambda o: (o.date, o.account),
        )
        self.banks = {o.account: f"BQ{n}" for n, o in enumerate(banks, 1)}
        self.labels = dict(JOURNAL_LABELS)
        for account, code in self.banks.items():
            self.labels[code] = clean(f"Banque {account.removeprefix(BANK_PREFIX)}")

    def of(self, entry: data.Transaction) -> str:
        """Return the journal code of a transaction."""
        meta = entry.meta or {}
        if closing.OPENING_KEY in meta:
            return OPENING
        accounts = [p.account for p in entry.postings]
        if OPENING_ACCOUNT in accounts:
            return OPENING
        if (
            "invoice" in meta
            or "credit_note" in meta
            or "invoice_range" in meta
            or "credit_note_range" in meta
        ):
            return SALES
        for account in accounts:
            if account in self.banks:
                return self.banks[account]
        return MISC


def _piece_ref(entry: data.Transaction) -> str:
    meta = entry.meta or {}
    for key in (
        "invoice",
        "credit_note",
        "invoice_range",
        "credit_note_range",
        "supplier_invoice",
        "payout_id",
    ):
        if meta.get(key):
            return str(meta[key])
    for key in ("bank_ref", "source_id", "deposit_for"):
        if meta.get(key):
            return str(meta[key])
    if closing.OPENING_KEY in meta:
        return f"AN-{meta[closing.OPENING_KEY]}"
    filename = Path(str(meta.get("filename", "ledger"))).stem
    return f"{filename}:{meta.get('lineno', 0)}"


class _Customers:
    """The customer (auxiliary account) of each invoice, for the payments that settle it."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self.by_invoice: dict[str, str] = {}
        for entry in entries:
            if not isinstance(entry, data.Transaction) or not entry.payee:
                continue
            if "invoice" in entry.meta:
                self.by_invoice[str(entry.meta["invoice"])] = entry.payee
            elif "invoice_range" in entry.meta:  # a customer's summary: one posting an invoice
                for posting in entry.postings:
                    owed = (posting.meta or {}).get("invoice")
                    if owed is not None:
                        self.by_invoice[str(owed)] = entry.payee

    def aux(self, entry: data.Transaction, number: str) -> tuple[str, str]:
        """The auxiliary account of a 411 or 401 line, else ("", "")."""
        if number.startswith("411"):
            settles = entry.meta.get("settles")
            name = self.by_invoice.get(str(settles)) if settles else None
            name = name or entry.payee or "Clients divers"
            return aux_code("C", name), clean(name)
        if number.startswith("401"):
            name = entry.payee or "Fournisseurs divers"
            return aux_code("F", name), clean(name)
        return "", ""


def _entry_of(
    txn: data.Transaction,
    journal: str,
    accounts: AccountMap,
    customers: _Customers,
    currency: str,
    valid: dt.date | None,
) -> Entry:
    lines = []
    presentment = _presentment(txn.meta or {})
    for index, posting in enumerate(txn.postings):
        amount = _weight(txn, posting, currency)
        foreign = None
        if posting.price is not None and posting.units is not None:
            units = posting.units
            if units.currency != currency and units.number is not None:
                foreign = (abs(units.number), str(units.currency))
        elif index == 0 and presentment is not None and presentment[1] != currency:
            foreign = presentment
        number, _label = accounts.get(posting.account)
        lines.append(Line(posting.account, amount, customers.aux(txn, number), foreign))
    label = txn.narration or txn.payee or "Ecriture"
    if txn.payee and txn.narration and txn.payee not in txn.narration:
        label = f"{txn.payee} - {txn.narration}"
    return Entry(
        journal=journal,
        date=txn.date,
        piece_ref=_piece_ref(txn),
        label=label,
        lines=_balanced_cents(lines),
        valid=valid or txn.date,
    )


def _opening_entry(books: Books, start: dt.date, valid: dt.date | None) -> Entry | None:
    """The balances brought forward at ``start``, when the books hold earlier entries."""
    opening = closing.opening_balances(books, start)
    if opening is None:
        return None
    lines = [Line(account, amount) for account, amount in opening.weights()]
    return Entry(
        journal=OPENING,
        date=start,
        piece_ref=f"AN-{start.year}",
        label=f"À nouveaux au {start:%d/%m/%Y}",
        lines=_balanced_cents(lines),
        valid=valid or start,
    )


def check_exportable(books: Books, year: int) -> None:
    """Refuse books with errors: deposits left unbooked say ``close`` is the fix."""
    if not books.errors:
        return
    period = books.fiscal_year(year)
    for error in books.errors:
        message = str(getattr(error, "message", error))
        if type(error).__name__ == "DepositError" and str(period.end) in message:
            filename, lineno, _ = ledger.format_error(error, books.path)
            raise UserError(
                f"{filename}:{lineno}: the deposits plugin reports orders paid and not "
                f"shipped at {period.end} that are not booked to 4191; run "
                f"'ecomledger close {year}' to book them, then export again"
            )
    filename, lineno, message = ledger.format_error(books.errors[0], books.path)
    raise UserError(
        f"the books have {len(books.errors)} error(s), the first at {filename}:{lineno}: "
        f"{message}; run 'ecomledger check' and fix them before exporting"
    )


def entries(books: Books, year: int) -> Iterator[Entry]:
    """The FEC entries of fiscal year ``year``, in date order, opening entry first.

    A generator: a year of 100,000 orders is never held twice in memory. The books come
    sorted by date, and the validation date is either each entry's date or the one day the
    year was sealed, so the books' order is the order of validation.

    Raises:
        UserError: the year has no entries (before the first entry is yielded).
    """
    period = books.fiscal_year(year)
    txns = list(books.transactions(period))
    if not txns:
        raise UserError(
            f"fiscal year {year} ({period}) has no entries in {books.path}; "
            "give a year the books hold"
        )
    return _entries(books, year, txns)


def _entries(books: Books, year: int, txns: list[data.Transaction]) -> Iterator[Entry]:
    period = books.fiscal_year(year)
    sealed = closing.sealed_on(books.path, year)
    journals = Journals(books)
    accounts = AccountMap.of(books)
    customers = _Customers(books.entries)
    openings = [t for t in txns if closing.OPENING_KEY in t.meta]
    if not openings:
        opening = _opening_entry(books, period.start, sealed)
        if opening is not None:
            yield opening
    for txn in openings + [t for t in txns if closing.OPENING_KEY not in t.meta]:
        journal = journals.of(txn)
        entry = _entry_of(txn, journal, accounts, customers, books.currency, sealed)
        if entry.lines:
            yield entry


def rows(books: Books, year: int) -> Iterator[tuple[str, ...]]:
    """The 18 fields of every line of the year's FEC, header excluded."""
    journals = Journals(books)
    accounts = AccountMap.of(books)
    counters: dict[str, int] = defaultdict(int)
    for entry in entries(books, year):
        counters[entry.journal] += 1
        number = f"{entry.journal}-{counters[entry.journal]:06d}"
        common = (entry.journal, journals.labels.get(entry.journal, entry.journal), number)
        day, valid = date_text(entry.date), date_text(entry.valid)
        piece, label = clean(entry.piece_ref), clean(entry.label) or "Ecriture"
        for line in entry.lines:
            compte, compte_lib = accounts.get(line.account)
            debit = amount_text(line.amount) if line.amount > 0 else "0,00"
            credit = amount_text(-line.amount) if line.amount < 0 else "0,00"
            foreign = ("", "")
            if line.foreign is not None:
                foreign = (amount_text(line.foreign[0]), line.foreign[1])
            yield (
                *common,
                day,
                compte,
                clean(compte_lib),
                line.aux[0],
                line.aux[1],
                piece,
                day,
                label,
                debit,
                credit,
                "",
                "",
                valid,
                *foreign,
            )


def write(books: Books, year: int, output: Path) -> tuple[Path, int]:
    """Write the year's FEC to ``output`` (a folder: the legal name inside it).

    Returns the file written and its number of lines (header excluded). The file is
    written beside its destination and renamed, so a failure leaves no half file.
    """
    period = books.fiscal_year(year)
    target = output / file_name(books.config.company.siren, period.end)
    if output.suffix.lower() == ".txt":
        target = output
    count = 0

    def chunks() -> Iterator[bytes]:
        nonlocal count
        yield (HEADER + NEWLINE).encode(ENCODING)
        batch: list[str] = []
        for row in rows(books, year):
            batch.append(SEPARATOR.join(row))
            count += 1
            if len(batch) >= 5000:
                yield (NEWLINE.join(batch) + NEWLINE).encode(ENCODING)
                batch = []
        if batch:
            yield (NEWLINE.join(batch) + NEWLINE).encode(ENCODING)

    atomic_write_bytes(target, chunks())
    return target, count


def atomic_write_bytes(path: Path, chunks: Iterable[bytes]) -> None:
    """Write bytes to ``path`` through a temporary file and a rename."""
    import contextlib
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def description(books: Books, year: int) -> str:
    """The description the FEC must come with (A47 A-1): fields, codes, technical facts."""
    journals = Journals(books)
    lines = [
        f"Fichier des écritures comptables de {books.config.company.name} "
        f"(SIREN {books.config.company.siren}), exercice {books.fiscal_year(year)}",
        "",
        "Caractéristiques techniques: fichier à plat, jeu de caractères ISO-8859-15, "
        "séparateur de zones tabulation, séparateur d'enregistrements CR LF, longueur "
        "variable, première ligne: noms des zones; montants en mode décimal, virgule "
        "décimale, deux décimales, sans séparateur de milliers; dates AAAAMMJJ.",
        "",
        "Zones:",
    ]
    for number, item in enumerate(FIELDS, 1):
        need = "obligatoire" if item.mandatory else "facultative"
        lines.append(f"  {number:2d}. {item.name}: {item.meaning} ({item.kind}, {need})")
    lines += ["", "Journaux:"]
    for code, label in sorted(journals.labels.items()):
        lines.append(f"  {code}: {label}")
    lines += [
        "",
        "EcritureNum: code du journal, un tiret et un numéro à six chiffres, continu par journal.",
        "ValidDate: date de clôture et de scellement de l'exercice (ecomledger close), "
        "à défaut date de l'écriture.",
        "CompAuxNum: C + nom du client (compte 411), F + nom du fournisseur (compte 401).",
    ]
    return "\n".join(lines) + "\n"
