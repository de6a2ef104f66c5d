"""What the importers of bank API payloads share (Qonto, Revolut Business, GoCardless).

``ecomledger fetch`` saves what a bank's API answered in a fetch envelope (see
:mod:`ecomledger.fetch`); an importer here turns its transactions into the same
:class:`~ecomledger.model.BankLine` records as the bank's CSV importer, through the same
:class:`~ecomledger.importers._bank.BankImporter` machinery. What makes a fetch and a CSV
import of the same lines meet in the books is the dedupe key: an API importer has the
*same format name* as the CSV importer of its bank (``qonto``, ``revolut``), hence the same
``source`` (``qonto:<bank name>``), and it takes the ``bank_ref`` from the id the CSV
prints (Qonto's ``transaction_id`` is the export's *Transaction ID*, Revolut's ``id`` its
*ID*), so both give ``qonto:<bank name>:tx:<id>``.

A payload names the bank it was fetched for (the envelope's ``shop``): with two banks on
one API, each importer takes only its own files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from ecomledger.errors import InputError
from ecomledger.importers._bank import BankImporter, Sniff, Statement, number_occurrences
from ecomledger.importers._payload import envelope_platform, load_json, pages_of
from ecomledger.model import BankLine

_SHOP = re.compile(r'"shop"\s*:\s*"([^"]*)"')


class Malformed(ValueError):
    """A transaction lacks a field or holds a value of the wrong kind (message: which)."""


class ApiBankImporter(BankImporter):
    """A bank importer reading the transactions of ``platform``'s fetch envelopes.

    Subclasses set ``platform`` and ``format`` and implement :meth:`transactions` (where
    the list lives in a page body) and :meth:`lines` (one transaction → bank lines).
    """

    platform: ClassVar[str] = ""
    #: The key that identifies a transaction in the payload (repeats are dropped by it).
    id_key: ClassVar[str] = "id"

    @property
    def name(self) -> str:
        """``<source>:api`` (``qonto:main:api``): unique beside the CSV importer of the same
        bank, whose ``source`` it shares (Fava refuses two importers of one name)."""
        return f"{self.source}:api"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """A fetch envelope whose platform is this bank API's."""
        if not filepath.lower().endswith(".json"):
            return Sniff(False, "not a .json fetch payload")
        found = envelope_platform(filepath)
        if found != cls.platform:
            return Sniff(False, f"not a {cls.platform} fetch payload")
        return Sniff(True)

    def identify(self, filepath: str) -> bool:
        """This API's payload, fetched for this bank (or naming no bank)."""
        if not self.sniff(filepath).ok:
            return False
        shop = _envelope_shop(filepath)
        return shop is None or shop == self.config_name

    def parse(self, filepath: str) -> Statement:
        """Read every transaction of the payload, each once (the last copy wins)."""
        document = load_json(filepath)
        statement = Statement()
        latest: dict[str, tuple[int, dict[str, Any]]] = {}
        number = 0
        for page in pages_of(document):
            try:
                rows = self.transactions(page)
            except Malformed as exc:
                raise InputError(filepath, 0, f"{exc}; fetch it again") from exc
            for row in rows:
                number += 1
                key = str(row.get(self.id_key) or f"#{number}")
                latest.pop(key, None)
                latest[key] = (number, row)
        lines: list[BankLine] = []
        for number, row in latest.values():
            try:
                lines.extend(self.lines(filepath, number, row, statement))
            except Malformed as exc:
                ident = row.get(self.id_key) or f"number {number}"
                raise InputError(
                    filepath, 0, f"transaction {ident}: {exc}; fetch it again"
                ) from exc
        lines.sort(key=lambda line: line.date)
        statement.lines = number_occurrences(lines)
        return statement

    # -- what an API implements --------------------------------------------------------

    def transactions(self, page: Any) -> list[dict[str, Any]]:
        """The transactions of one page body.

        Raises:
            Malformed: the body is not this API's list.
        """
        raise NotImplementedError

    def lines(
        self, filepath: str, number: int, row: dict[str, Any], statement: Statement
    ) -> Iterator[BankLine]:
        """The bank lines of one transaction (none when it has not moved money yet).

        Raises:
            Malformed: a field is missing or wrong.
        """
        raise NotImplementedError


def _envelope_shop(filepath: str) -> str | None:
    try:
        with open(filepath, encoding="utf-8-sig") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    match = _SHOP.search(head.split('"pages"', 1)[0])
    return match.group(1) if match else None


def decimal_of(value: Any, field: str) -> Decimal:
    """A money value sent as a JSON number or a decimal string (never through a float)."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise Malformed(f"{field} is {value!r}, not an amount")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Malformed(f"{field} is {value!r}, not an amount") from None
    if not number.is_finite():
        raise Malformed(f"{field} is {value!r}, not an amount")
    return number


def moment_of(value: Any, field: str) -> dt.datetime:
    """An ISO 8601 time (``Z`` or an offset; naive means UTC)."""
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{field} is {value!r}, not an ISO date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def day_of(value: Any, field: str) -> dt.date:
    """An ISO date (``2025-03-02``)."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Malformed(f"{field} is {value!r}, not a date written YYYY-MM-DD") from None


def text_of(value: Any) -> str:
    """A free-text field, empty when absent or null."""
    return "" if value is None else str(value)
