"""Amounts and dates are exactly what the file says, or the file is refused naming the line.

Issue 16, items 5-7: ``1.234,5x``, ``12abc``, ``5e3`` and ``--5`` were read as the characters
that looked like a number; MT940's package dropped a malformed ``:61:`` line and moved 31
February to the 28th; a bank amount with more decimals than its currency was booked as given.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import camt053, mt940, ofx, paypal, qonto
from ecomledger.money import parse_amount

GARBAGE = ["1.234,5x", "12abc", "5e3", "--5", "1,2,3", "+-5", "1E-7", "NaN", "Infinity", "12."]


@pytest.mark.parametrize("text", GARBAGE)
@pytest.mark.parametrize("mark", [None, ".", ","])
def test_the_strict_parser_refuses_what_is_not_a_number(text: str, mark: str | None) -> None:
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount(text, mark)


@pytest.mark.parametrize(
    ("text", "mark", "expected"),
    [
        ("1.234,56", ",", "1234.56"),
        ("1 234 567,8", ",", "1234567.8"),
        ("CHF 1'234.50", ".", "1234.50"),
        ("-€12.50", None, "-12.50"),
        ("12,50 EUR", ",", "12.50"),
        ("(3,50)", ",", "-3.50"),
        ("\u22123.50", ".", "-3.50"),
        ("1.234.567", None, "1234567"),
    ],
)
def test_the_strict_parser_reads_every_real_notation(text: str, mark: str | None, expected: str):
    assert parse_amount(text, mark) == Decimal(expected)


def test_a_dot_amount_in_a_comma_file_is_refused_not_multiplied() -> None:
    """Thousands dots are dropped in comma notation: ``1234.56`` was read as 123456."""
    with pytest.raises(ValueError, match="is not an amount"):
        parse_amount("1234.56", ",")


QONTO_HEADER = (
    "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
    "Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
    "VAT amount,Initiator\n"
)
QONTO_ROW = "settled,2026-01-10 08:00:00,,{amount},EUR,Shop,card,{ref},,,,,,Admin\n"


@pytest.mark.parametrize("bad", ['"1.234,5x"', "12abc", "5e3", "--5"])
def test_qonto_refuses_a_mangled_amount_naming_line_and_column(write, bad: str) -> None:
    body = QONTO_ROW.format(amount="-9.90", ref="a") + QONTO_ROW.format(amount=bad, ref="b")
    path = write("qonto.csv", QONTO_HEADER + body)
    with pytest.raises(InputError) as err:
        qonto.Importer("main", "Assets:Bank:Qonto").extract(path, [])
    assert err.value.lineno == 3
    assert "'Total amount (incl. VAT)'" in err.value.message
    assert bad.strip('"') in err.value.message


PAYPAL_HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"Transaction ID","Reference Txn ID","Invoice Number","Item Title","Balance Impact"\n'
)


@pytest.mark.parametrize("bad", ["1.234,5x", "12abc", "5e3", "--5"])
def test_paypal_refuses_a_mangled_amount_naming_line_and_column(write, bad: str) -> None:
    body = (
        '"12/31/2025","10:00:00","PST","Ann","Express Checkout Payment","Completed","EUR",'
        f'"{bad}","-3.20","96.80","T1","","1001","Mug","Credit"\n'
    )
    path = write("Download.CSV", PAYPAL_HEADER + body)
    imp = paypal.Importer("main", "Assets:Clearing:PayPal", "Expenses:Fees:PayPal", "EUR", False)
    with pytest.raises(InputError) as err:
        imp.extract(path, [])
    assert err.value.lineno == 2
    assert "Gross" in err.value.message and bad in err.value.message


def _ofx(amount: str) -> str:
    return (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKTRANLIST>"
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260101<TRNAMT>{amount}<FITID>X1</STMTTRN>"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )


@pytest.mark.parametrize("bad", ["1.234,5x", "12abc", "5e3", "--5"])
def test_ofx_refuses_a_mangled_amount_naming_the_transaction(write, bad: str) -> None:
    path = write("bad.ofx", _ofx(bad))
    with pytest.raises(InputError, match=r"TRNAMT of transaction X1.*is not an amount"):
        ofx.Importer("main", "Assets:Bank:Ofx").parse(path)


def test_ofx_still_reads_a_plain_amount(write) -> None:
    statement = ofx.Importer("main", "Assets:Bank:Ofx").parse(write("ok.ofx", _ofx("-12.50")))
    assert [line.amount for line in statement.lines] == [Decimal("-12.50")]


def test_camt053_refuses_an_amount_in_exponent_notation(write) -> None:
    xml = (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-31T00:00:00</CreDtTm>"
        "</GrpHdr><Stmt><Id>S</Id><CreDtTm>2026-01-31T00:00:00</CreDtTm><Acct><Id><IBAN>"
        "FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Ntry><Amt Ccy="EUR">5E3</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-01-10</Dt></BookgDt><ValDt><Dt>2026-01-10</Dt></ValDt>"
        "</Ntry></Stmt></BkToCstmrStmt></Document>\n"
    )
    path = write("s.xml", xml)
    with pytest.raises(InputError, match=r"s\.xml:1: Amt '5E3' is not an amount"):
        camt053.Importer("main", "Assets:Bank:Camt").parse(path)


MT940 = (
    ":20:STARTUMS\n:25:12345678/0001234567\n:28C:00001/001\n:60F:C260227EUR1000,00\n"
    ":61:2602270227C100,00NTRFNONREF//REF1\n:86:first line\n"
    "{line}\n:86:second line\n:62F:C260228EUR1105,00\n-\n"
)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (":61:2602270227C100.00NTRFNONREF//REF2", "cannot be read"),  # read as 100 before
        (":61:2602270227C1,0,0NTRF", "cannot be read"),  # a traceback before
        (" :61:2602280228C5,00NTRFNONREF//REF2", "looks like a ':61:'"),  # glued before
        ("61:2602280228C5,00NTRFNONREF//REF2", "looks like a ':61:'"),  # glued before
        (":61:2602310228C5,00NTRFNONREF//REF2", "260231 is not a day"),  # the 28th before
        (":61:2602280231C5,00NTRFNONREF//REF2", "0231 is not a day"),  # entry date
    ],
)
def test_mt940_refuses_a_malformed_statement_line_naming_it(write, line: str, words: str):
    path = write("s.sta", MT940.format(line=line))
    with pytest.raises(InputError) as err:
        mt940.Importer("main", "Assets:Bank:Mt940").parse(path)
    assert err.value.lineno == 7
    assert words in err.value.message


def test_mt940_refuses_an_impossible_balance_date(write) -> None:
    text = MT940.format(line=":61:2602280228C5,00NTRFNONREF//REF2").replace("C260228", "C260230")
    with pytest.raises(InputError) as err:
        mt940.Importer("main", "Assets:Bank:Mt940").parse(write("s.sta", text))
    assert err.value.lineno == 9 and "260230 is not a day" in err.value.message


def test_mt940_well_formed_lines_keep_their_amounts_and_text(write) -> None:
    path = write("s.sta", MT940.format(line=":61:2602280228C5,00NTRFNONREF//REF2"))
    statement = mt940.Importer("main", "Assets:Bank:Mt940").parse(path)
    assert [(line.amount, line.narration) for line in statement.lines] == [
        (Decimal("100.00"), "first line"),
        (Decimal("5.00"), "second line"),
    ]
    assert statement.findings == []


@pytest.mark.parametrize(("amount", "currency"), [("10.005", "EUR"), ("1500.50", "JPY")])
def test_a_bank_amount_finer_than_its_currency_is_refused(write, amount, currency) -> None:
    body = QONTO_ROW.format(amount=amount, ref="a").replace(",EUR,", f",{currency},")
    path = write("qonto.csv", QONTO_HEADER + body)
    with pytest.raises(InputError) as err:
        qonto.Importer("main", "Assets:Bank:Qonto", currency).extract(path, [])
    assert err.value.lineno == 2
    assert f"{amount} {currency} has more decimals than {currency} has" in err.value.message
