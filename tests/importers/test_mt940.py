from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import mt940


def importer(path=None) -> mt940.Importer:
    accounts = {}
    if path is not None:
        ids = sorted({m.strip() for m in re.findall(r":25:(.*)", Path(path).read_text())})
        accounts = {ident: f"Assets:Bank:A{n}" for n, ident in enumerate(ids)}
    return mt940.Importer("main", "Assets:Bank:Mt940", accounts=accounts)


def test_ing_does_not_reconcile(samples):
    statement = importer().parse(str(samples / "mt940" / "jejik_ing.sta"))
    assert len(statement.lines) == 7
    assert sum(line.amount for line in statement.lines) == Decimal("-45.59")
    assert statement.findings == [
        "statement 1 of jejik_ing.sta: opening 0.00 EUR + lines -45.59 EUR = -45.59 EUR but "
        "the statement says closing 3.47 EUR; its balance assertion is left out"
    ]
    assert len(statement.balances) == 1  # the opening only


def test_abnamro_two_statements_neither_reconciles(samples):
    statement = importer().parse(str(samples / "mt940" / "jejik_abnamro.sta"))
    assert len(statement.lines) == 10
    assert [f.split(":")[0] for f in statement.findings] == [
        "statement 1 of jejik_abnamro.sta",
        "statement 2 of jejik_abnamro.sta",
    ]


def test_rc_is_a_debit_and_every_statement_reconciles(samples):
    path = str(samples / "mt940" / "betterplace_sepa_mt9401.sta")
    statement = importer(path).parse(path)
    assert len(statement.lines) == 97
    assert sum(line.amount for line in statement.lines) == Decimal("-9269135.90")
    assert statement.findings == []
    reversals = [line for line in statement.lines if line.extra.get("reversal")]
    assert reversals and all(line.amount < 0 for line in reversals)


def test_several_accounts_need_a_mapping(samples):
    with pytest.raises(InputError, match="3 bank accounts"):
        importer().parse(str(samples / "mt940" / "cmxl_mt940.sta"))


def test_cmxl_closing_dated_before_lines_is_left_out(samples):
    path = str(samples / "mt940" / "cmxl_mt940.sta")
    statement = importer(path).parse(path)
    assert len(statement.lines) == 16
    assert all("before its last line" in f for f in statement.findings)
    keys = [e.meta.get("source_id") for e in importer(path).extract(path, [])]
    assert keys == [e.meta.get("source_id") for e in importer(path).extract(path, [])]


def test_unknown_mark_names_the_statement(write):
    path = write(
        "bad.sta", ":20:X\n:25:1\n:28C:1\n:60F:C260101EUR1,00\n:61:260102Q1,00NTRFNONREF\n"
    )
    with pytest.raises(InputError):
        importer().parse(path)
