from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import camt053

CASES = [
    # file, lines, sum, balances kept, findings
    ("oca_test-camt053.xml", 3, "-12.99", 1, 1),
    ("oca_test-camt053-txdtls.xml", 1, "3483.00", 2, 0),
    ("banana_ubs_camt053v04_filename_says_camt054.xml", 4, "-261.75", 2, 0),
]


def importer() -> camt053.Importer:
    return camt053.Importer("main", "Assets:Bank:Camt")


@pytest.mark.parametrize(("name", "count", "total", "balances", "findings"), CASES)
def test_samples(samples, name, count, total, balances, findings):
    path = str(samples / "camt053" / name)
    assert importer().identify(path)
    statement = importer().parse(path)
    assert len(statement.lines) == count
    assert sum(line.amount for line in statement.lines) == Decimal(total)
    assert len(statement.balances) == balances and len(statement.findings) == findings
    keys = [e.meta.get("source_id") for e in importer().extract(path, [])]
    assert keys == [e.meta.get("source_id") for e in importer().extract(path, [])]


def test_unreconciled_statement_is_one_sentence(samples):
    statement = importer().parse(str(samples / "camt053" / "oca_test-camt053.xml"))
    assert statement.findings == [
        "statement 1 (1234Test/1) of oca_test-camt053.xml: opening 15,568.27 EUR + lines "
        "-12.99 EUR = 15,555.28 EUR but the statement says closing 15,121.12 EUR; its "
        "balance assertion is left out"
    ]


def test_batch_posted_once_and_closing_next_day(samples):
    statement = importer().parse(str(samples / "camt053" / "oca_test-camt053-txdtls.xml"))
    (line,) = statement.lines
    assert line.extra["batch_count"] == "2"
    assert str(statement.balances[-1].date) == "2017-03-24"


def test_malformed_xml_names_the_line(write):
    path = write("bad.xml", '<Document xmlns="urn:camt.053.001.02">\n<BkToCstmrStmt>\n</Oops>')
    with pytest.raises(InputError) as err:
        importer().parse(path)
    assert err.value.lineno == 3


def test_bad_amount_names_the_line(write):
    path = write(
        "bad.xml",
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>\n'
        "<Stmt><Ntry><Amt Ccy='EUR'>1O.00</Amt><Sts>BOOK</Sts></Ntry></Stmt>\n"
        "</BkToCstmrStmt></Document>",
    )
    with pytest.raises(InputError) as err:
        importer().parse(path)
    assert err.value.lineno == 2 and "not an amount" in err.value.message
