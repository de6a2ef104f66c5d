"""OFX bank and credit-card statements, 1.x (SGML) and 2.x (XML), read with ofxtools.

ofxtools' parser handles the header, the charset and the unclosed SGML tags and gives an
element tree. Its typed model (``convert()``) is *not* used: it enforces the spec's field
lengths and refuses real files (the ``checking.ofx`` sample has a 10-character BANKID),
so the few fields we need are read from the tree directly.

Choices:

- ``FITID`` is the ``bank_ref`` (the spec's unique id; a bank that changes it between
  downloads produces duplicates the user will see as new lines, not silent losses).
- The date is the calendar date written in ``DTPOSTED`` (``YYYYMMDD…``), the bank's day,
  which its ``LEDGERBAL`` follows; a time zone suffix does not move it.
- ``TRNAMT`` is signed; a decimal comma (seen in some banks' exports) is accepted.
- Payee is ``NAME``; narration is ``MEMO`` (or ``NAME`` when there is no memo).
- ``LEDGERBAL`` becomes a closing assertion the day after ``DTASOF``. OFX states no opening
  balance, so the statement cannot be checked against itself.
- Several ``STMTRS``/``CCSTMTRS`` per file are supported, one bank account each.
"""

from __future__ import annotations

import datetime as dt
import os
import warnings
from decimal import Decimal
from xml.etree.ElementTree import Element

from ofxtools.Parser import OFXTree

from ecomledger.errors import InputError
from ecomledger.importers._bank import (
    BankImporter,
    Sniff,
    StatedBalances,
    Statement,
    amount_field,
    number_occurrences,
    reconcile,
)
from ecomledger.importers._text import read_head
from ecomledger.model import BankLine


def _text(node: Element, path: str) -> str:
    return (node.findtext(path) or "").strip()


def _ofx_date(text: str, filepath: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError as exc:
        raise InputError(filepath, 0, f"{what} {text!r} is not an OFX date") from exc


class Importer(BankImporter):
    """OFX statement → bank lines and a closing balance assertion."""

    format = "ofx"

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Has an ``OFXHEADER`` (1.x) or ``<?OFX`` (2.x) header and an ``<OFX>`` root."""
        head = read_head(filepath, 2048).lstrip("\ufeff \r\n")
        if head.startswith("OFXHEADER") or "<?OFX" in head or head.startswith("<OFX>"):
            return Sniff(True)
        return Sniff(False, "no OFXHEADER or <?OFX header")

    def parse(self, filepath: str) -> Statement:
        """Read every statement of the file."""
        root = self._root(filepath)
        stmts = root.findall(".//STMTRS") + root.findall(".//CCSTMTRS")
        if not stmts:
            raise InputError(filepath, 0, "has no STMTRS or CCSTMTRS: not an OFX statement")
        self.check_accounts(filepath, {_text(s, ".//ACCTID") for s in stmts})
        statement = Statement()
        lines: list[BankLine] = []
        for n, stmt in enumerate(stmts, 1):
            account = self.account_for(_text(stmt, ".//ACCTID"))
            currency, _ = self.currency_of(_text(stmt, "CURDEF"), filepath, 0, statement.findings)
            stmt_lines = [
                self._line(filepath, account, currency, trn, statement)
                for trn in stmt.findall("BANKTRANLIST/STMTTRN")
            ]
            stated = StatedBalances(
                label=f"statement {n} of {os.path.basename(filepath)}",
                account=account,
                currency=currency,
                closing=self._balance(filepath, stmt),
                closing_date=self._balance_date(filepath, stmt),
            )
            statement.balances += reconcile(self, filepath, stated, stmt_lines, statement.findings)
            lines += stmt_lines
        statement.lines = number_occurrences(lines)
        return statement

    @staticmethod
    def _root(filepath: str) -> Element:
        tree = OFXTree()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # private tags such as <INTU.BID>
                tree.parse(filepath)
        except Exception as exc:  # ofxtools raises a family of unrelated errors
            raise InputError(filepath, 0, f"cannot be read as OFX: {exc}") from exc
        root = tree.getroot()
        if root is None:
            raise InputError(filepath, 0, "is empty")
        return root

    @staticmethod
    def _balance(filepath: str, stmt: Element) -> Decimal | None:
        text = _text(stmt, "LEDGERBAL/BALAMT")
        return amount_field(text, filepath, 0, "LEDGERBAL", None) if text else None

    @staticmethod
    def _balance_date(filepath: str, stmt: Element) -> dt.date | None:
        text = _text(stmt, "LEDGERBAL/DTASOF")
        return _ofx_date(text, filepath, "LEDGERBAL DTASOF") if text else None

    def _line(
        self, filepath: str, account: str, currency: str, trn: Element, statement: Statement
    ) -> BankLine:
        fitid = _text(trn, "FITID")
        where = f"transaction {fitid}" if fitid else "a transaction"
        amount = amount_field(_text(trn, "TRNAMT"), filepath, 0, f"TRNAMT of {where}", None)
        code = _text(trn, "CURRENCY/CURSYM") or _text(trn, "ORIGCURRENCY/CURSYM")
        line_currency, extra = (
            self.currency_of(code, filepath, 0, statement.findings) if code else (currency, {})
        )
        name, memo = _text(trn, "NAME"), _text(trn, "MEMO")
        extra.update({"ofx_type": _text(trn, "TRNTYPE"), "check_number": _text(trn, "CHECKNUM")})
        return self.line(
            filepath,
            0,
            date=_ofx_date(_text(trn, "DTPOSTED"), filepath, f"DTPOSTED of {where}"),
            amount=amount,
            currency=line_currency,
            payee=name,
            narration=memo or name,
            bank_ref=fitid,
            account=account,
            extra=extra,
        )
