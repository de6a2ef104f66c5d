"""CAMT.053 (ISO 20022 bank-to-customer statement), versions .02 to .08.

Parsed with lxml without depending on the namespace (``{*}`` wildcards): the namespace
changes with every version while the elements we read do not.

Choices:

- Only ``BOOK`` entries are movements (``Sts`` text up to .07, ``Sts/Cd`` from .08);
  ``PDNG`` and ``INFO`` ones have not moved the booked balance.
- The sign comes from ``CdtDbtInd`` alone: a reversal (``RvslInd``) is already booked in
  the direction it moves the balance; it is flagged ``reversal: "true"`` in metadata.
- The date is ``BookgDt`` (``Dt``, or the date part of ``DtTm`` as the bank wrote it: the
  bank's day is the day its balances follow).
- A batch entry (one ``Ntry`` with several ``TxDtls``) is posted **once**, for the entry's
  amount, which is what moved the balance; its detail count goes to metadata. Payee and
  remittance text come from the details when there is exactly one.
- ``bank_ref`` is the entry's ``AcctSvcrRef`` (else ``NtryRef``): the bank's own key.
  ``EndToEndId`` is the payer's reference, neither unique nor always present, so it goes to
  metadata only.
- ``OPBD`` (else ``PRCD``) and ``CLBD`` balances become assertions after the statement is
  checked against its own entries (see :func:`ecomledger.importers._bank.reconcile`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

from lxml import etree
from lxml.etree import _Element

from ecomledger.errors import InputError
from ecomledger.importers._bank import (
    BankImporter,
    Sniff,
    StatedBalances,
    Statement,
    number_occurrences,
    reconcile,
)
from ecomledger.importers._currency import is_currency
from ecomledger.importers._text import read_head
from ecomledger.model import BankLine

#: An ``xs:date``: the day, optionally followed by a time-zone offset that does not move it.
_XS_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")


def _text(node: _Element | None, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def _texts(node: _Element, path: str) -> list[str]:
    return [(e.text or "").strip() for e in node.findall(path) if (e.text or "").strip()]


_XS_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # ISO 20022 amounts: unsigned decimals


class Importer(BankImporter):
    """CAMT.053 statement → bank lines and balance assertions."""

    format = "camt053"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """An XML document in a ``camt.053`` namespace, or with ``BkToCstmrStmt``."""
        head = read_head(filepath, 2048)
        if "camt.053" in head or "<BkToCstmrStmt" in head:
            return Sniff(True)
        return Sniff(False, "not an XML document with a camt.053 namespace")

    def parse(self, filepath: str) -> Statement:
        """Read every ``Stmt`` of the document."""
        root = self._root(filepath)
        stmts = root.findall("{*}BkToCstmrStmt/{*}Stmt")
        if not stmts:
            raise InputError(filepath, 0, "has no BkToCstmrStmt/Stmt: not a camt.053 statement")
        self.check_accounts(filepath, {self._account_id(s) for s in stmts})
        statement = Statement()
        lines: list[BankLine] = []
        for n, stmt in enumerate(stmts, 1):
            stmt_lines = [
                self._line(filepath, stmt, ntry, statement)
                for ntry in stmt.findall("{*}Ntry")
                if self._booked(ntry)
            ]
            stated = self._stated(filepath, stmt, n, stmt_lines, statement.findings)
            statement.balances += reconcile(self, filepath, stated, stmt_lines, statement.findings)
            lines += stmt_lines
        statement.lines = number_occurrences(lines)
        return statement

    @staticmethod
    def _root(filepath: str) -> _Element:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        try:
            return etree.parse(filepath, parser).getroot()
        except etree.XMLSyntaxError as exc:
            lineno = exc.lineno or 0
            raise InputError(filepath, lineno, f"is not well-formed XML: {exc.msg}") from exc
        except OSError as exc:
            raise InputError(filepath, 0, f"cannot be read: {exc}") from exc

    @staticmethod
    def _account_id(stmt: _Element) -> str:
        return _text(stmt, "{*}Acct/{*}Id/{*}IBAN") or _text(stmt, "{*}Acct/{*}Id/{*}Othr/{*}Id")

    @staticmethod
    def _booked(ntry: _Element) -> bool:
        status = _text(ntry, "{*}Sts/{*}Cd") or _text(ntry, "{*}Sts")
        return status.upper() == "BOOK"

    def _amount(self, filepath: str, node: _Element) -> tuple[Decimal, str]:
        amt = node.find("{*}Amt")
        if amt is None:
            raise InputError(filepath, node.sourceline or 0, "an entry or balance has no Amt")
        text = (amt.text or "").strip()
        if not _XS_AMOUNT.fullmatch(text):  # Decimal() would take NaN, 5e3, -Infinity
            raise InputError(
                filepath,
                amt.sourceline or 0,
                f"Amt {amt.text!r} is not an amount (digits, a decimal point, no sign)",
            )
        value = Decimal(text)
        if _text(node, "{*}CdtDbtInd") == "DBIT":
            value = -value
        return value, amt.get("Ccy", "")

    def _date(self, filepath: str, node: _Element | None, what: str) -> dt.date:
        """The day a ``Dt`` (``xs:date``) or ``DtTm`` names, as the bank wrote it.

        ``xs:date`` may carry a time-zone offset (``2017-04-01+02:00``, ``2017-04-01Z``):
        the schema says it is still that date, so the offset is dropped, not applied.
        """
        day = _text(node, "{*}Dt")
        match = _XS_DATE.match(day)
        text = match.group(1) if match else day or _text(node, "{*}DtTm")[:10]
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            line = node.sourceline if node is not None else 0
            raise InputError(filepath, line or 0, f"{what} {text!r} is not a date") from exc

    def _stated(
        self, filepath: str, stmt: _Element, n: int, lines: list[BankLine], findings: list[str]
    ) -> StatedBalances:
        """The statement's opening and closing balances, in the currency its lines are
        booked in.

        A code that is not ISO 4217 (an anonymiser's ``PRA``) is not a currency the books
        hold: the balances are then checked and asserted in the currency the statement's
        lines were booked in (the account's, see ``currency_of``), never in that code.
        """
        found: dict[str, tuple[Decimal, dt.date, int]] = {}
        currency = _text(stmt, "{*}Acct/{*}Ccy")
        for bal in stmt.findall("{*}Bal"):
            code = _text(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd")
            amount, ccy = self._amount(filepath, bal)
            currency = currency or ccy
            found.setdefault(code, (amount, self._date(filepath, bal.find("{*}Dt"), "date"),
                                    bal.sourceline or 0))  # fmt: skip
        opening = found.get("OPBD") or found.get("PRCD")
        closing = found.get("CLBD")
        ident = _text(stmt, "{*}Id")
        return StatedBalances(
            label=f"statement {n} ({ident}) of {os.path.basename(filepath)}",
            account=self.account_for(self._account_id(stmt)),
            currency=self._booked_currency(currency, filepath, stmt, lines, findings),
            opening=opening[0] if opening else None,
            opening_lineno=opening[2] if opening else 0,
            closing=closing[0] if closing else None,
            closing_date=closing[1] if closing else None,
            closing_lineno=closing[2] if closing else 0,
        )

    def _booked_currency(
        self, code: str, filepath: str, stmt: _Element, lines: list[BankLine], findings: list[str]
    ) -> str:
        booked = {line.currency for line in lines}
        if not is_currency(code.strip().upper()) and len(booked) == 1:
            return booked.pop()
        return self.currency_of(code, filepath, stmt.sourceline or 0, findings)[0]

    def _line(
        self, filepath: str, stmt: _Element, ntry: _Element, statement: Statement
    ) -> BankLine:
        lineno = ntry.sourceline or 0
        amount, code = self._amount(filepath, ntry)
        currency, extra = self.currency_of(code, filepath, lineno, statement.findings)
        details = ntry.findall("{*}NtryDtls/{*}TxDtls")
        payee, narration = self._describe(ntry, details, amount)
        if _text(ntry, "{*}RvslInd").lower() == "true":
            extra["reversal"] = "true"
        if len(details) > 1:
            extra["batch_count"] = str(len(details))
        elif details:
            extra["end_to_end_id"] = _text(details[0], "{*}Refs/{*}EndToEndId")
            extra["mandate"] = _text(details[0], "{*}Refs/{*}MndtId")
        domain = "/".join(
            _texts(ntry, "{*}BkTxCd/{*}Domn/{*}Cd")
            + _texts(ntry, "{*}BkTxCd/{*}Domn/{*}Fmly/{*}Cd")
            + _texts(ntry, "{*}BkTxCd/{*}Domn/{*}Fmly/{*}SubFmlyCd")
        )
        extra["bank_tx_code"] = domain
        value_date = ntry.find("{*}ValDt")
        if value_date is not None:
            extra["value_date"] = self._date(filepath, value_date, "value date").isoformat()
        return self.line(
            filepath,
            lineno,
            date=self._date(filepath, ntry.find("{*}BookgDt"), "booking date"),
            amount=amount,
            currency=currency,
            payee=payee,
            narration=narration,
            bank_ref=_text(ntry, "{*}AcctSvcrRef") or _text(ntry, "{*}NtryRef"),
            account=self.account_for(self._account_id(stmt)),
            extra=extra,
        )

    @staticmethod
    def _describe(ntry: _Element, details: list[_Element], amount: Decimal) -> tuple[str, str]:
        """Payee is the other party (creditor of a debit, debtor of a credit)."""
        other = "{*}RltdPties/{*}Cdtr" if amount < 0 else "{*}RltdPties/{*}Dbtr"
        entry_info = _text(ntry, "{*}AddtlNtryInf")
        if len(details) != 1:
            names = {
                _text(d, other + "/{*}Nm") or _text(d, other + "/{*}Pty/{*}Nm") for d in details
            }
            payee = names.pop() if len(names) == 1 else ""
            batch = f"batch of {len(details)} transactions" if details else ""
            return payee, entry_info or batch
        tx = details[0]
        payee = _text(tx, other + "/{*}Nm") or _text(tx, other + "/{*}Pty/{*}Nm")
        remittance = " ".join(
            _texts(tx, "{*}RmtInf/{*}Ustrd") + _texts(tx, "{*}RmtInf/{*}Strd/{*}CdtrRefInf/{*}Ref")
        )
        narration = remittance or _text(tx, "{*}AddtlTxInf") or entry_info
        return payee, narration
