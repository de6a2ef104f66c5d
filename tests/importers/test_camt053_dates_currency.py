"""CAMT.053: ``xs:date`` values with a time-zone offset, and statements whose currency code
is not ISO 4217 (an anonymiser's scramble): the balances follow the lines' currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ecomledger.importers import camt053

STATEMENT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>1</MsgId><CreDtTm>2017-04-02T08:00:00+02:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id>
<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>{ccy}</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">100.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-03-31{tz}</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">110.50</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2017-04-01{tz}</Dt></Dt></Bal>
<Ntry><Amt Ccy="{ccy}">10.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2017-04-01{tz}</Dt></BookgDt><ValDt><Dt>2017-04-01{vtz}</Dt></ValDt>
<AcctSvcrRef>REF-1</AcctSvcrRef><AddtlNtryInf>Virement client</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def importer() -> camt053.Importer:
    return camt053.Importer("main", "Assets:Bank:Camt", currency="EUR")


def test_an_xs_date_with_an_offset_is_that_date(write) -> None:
    statement = importer().parse(write("tz.xml", STATEMENT.format(ccy="EUR", tz="+02:00", vtz="Z")))
    (line,) = statement.lines
    assert line.date == dt.date(2017, 4, 1)
    assert line.extra["value_date"] == "2017-04-01"
    assert [(b.date, b.amount) for b in statement.balances] == [
        (dt.date(2017, 4, 1), Decimal("100.00")),
        (dt.date(2017, 4, 2), Decimal("110.50")),
    ]
    assert statement.findings == []


def test_a_scrambled_currency_reconciles_in_the_lines_currency(write) -> None:
    path = write("pra.xml", STATEMENT.format(ccy="PRA", tz="", vtz=""))
    statement = importer().parse(path)
    (line,) = statement.lines
    assert line.currency == "EUR" and line.extra["currency_in_file"] == "PRA"
    assert {b.currency for b in statement.balances} == {"EUR"}
    assert len(statement.balances) == 2  # opening + 10.50 = closing, in EUR: both kept
    assert len(statement.findings) == 1 and "'PRA' is not an ISO 4217" in statement.findings[0]
    entries = importer().extract(path, [])
    held = {p.units.currency for e in entries for p in getattr(e, "postings", [])}
    asserted = {e.amount.currency for e in entries if hasattr(e, "amount")}
    assert asserted <= held == {"EUR"}
