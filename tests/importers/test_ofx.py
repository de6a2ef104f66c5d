from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import ofx

CASES = [
    ("ofxparse_bank_medium.ofx", 3, "-345.27", "382.34", "2009-05-24", "CAD"),
    ("ofxparse_checking.ofx", 3, "-59.50", "100.99", "2013-05-26", "USD"),
    ("ofxparse_suncorp.ofx", 1, "-16.85", "1234.12", "2013-12-16", "AUD"),
]


@pytest.mark.parametrize(("name", "count", "total", "balance", "date", "ccy"), CASES)
def test_samples(samples, name, count, total, balance, date, ccy):
    path = str(samples / "ofx" / name)
    imp = ofx.Importer("main", "Assets:Bank:Ofx")
    assert imp.identify(path)
    statement = imp.parse(path)
    assert len(statement.lines) == count
    assert sum(line.amount for line in statement.lines) == Decimal(total)
    (closing,) = statement.balances
    assert (closing.amount, str(closing.date), closing.currency) == (Decimal(balance), date, ccy)
    assert all(line.bank_ref for line in statement.lines)  # FITID
    keys = [e.meta.get("source_id") for e in imp.extract(path, [])]
    assert keys == [e.meta.get("source_id") for e in imp.extract(path, [])]


def test_bad_amount_names_the_transaction(write):
    path = write(
        "bad.ofx",
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKTRANLIST>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260101<TRNAMT>abc<FITID>X1</STMTTRN>"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n",
    )
    with pytest.raises(InputError, match="X1"):
        ofx.Importer("main", "Assets:Bank:Ofx").parse(path)
