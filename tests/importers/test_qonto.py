from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import qonto

HEADER = (
    "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
    "Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
    "VAT amount,Initiator\n"
)
ROW = "settled,2026-01-10 08:00:00,,{amount},EUR,Shop,card,{ref},,,,,,Admin\n"


def importer() -> qonto.Importer:
    return qonto.Importer("main", "Assets:Bank:Qonto")


def test_sample_refuses_the_row_with_15_fields(samples):
    path = samples / "qonto" / "enobase_fixture_qonto_en.csv"
    assert importer().identify(str(path))
    with pytest.raises(InputError) as err:
        importer().extract(str(path), [])
    assert err.value.lineno == 5 and "15 fields" in err.value.message


def test_sample_without_the_bad_row_imports(samples, write):
    lines = (samples / "qonto" / "enobase_fixture_qonto_en.csv").read_text().splitlines()
    del lines[4]  # the malformed row, refused above
    path = write("qonto.csv", "\n".join(lines) + "\n")
    statement = importer().parse(path)
    assert len(statement.lines) == 4  # the pending row is skipped
    assert sum(line.amount for line in statement.lines) == Decimal("3640.00")
    assert "pending" in statement.findings[0]
    first = [e.meta.get("source_id") for e in importer().extract(path, [])]
    assert first == [e.meta.get("source_id") for e in importer().extract(path, [])]
    assert first[0] == "qonto:main:tx:qt_001"


def test_identical_rows_both_survive_and_reexport_keeps_keys(write):
    twins = ROW.format(amount="-9.90", ref="") * 2
    other = "settled,2026-01-11 08:00:00,,-1.00,EUR,Other,card,,,,,,,Admin\n"
    keys = {e.meta.get("source_id") for e in importer().extract(write("a.csv", HEADER + twins), [])}
    assert len(keys) == 2
    reexport = write("b.csv", HEADER + other + twins)
    assert keys <= {e.meta.get("source_id") for e in importer().extract(reexport, [])}


@pytest.mark.parametrize(
    ("body", "lineno", "words"),
    [
        (ROW.format(amount="-1.00", ref="a") + ROW.format(amount="2,00,x", ref="b"), 3, "fields"),
        ("settled,10/01/2026,,-1.00,EUR,Shop,card,c,,,,,,Admin\n", 2, "not a date"),
        (ROW.format(amount="abc", ref="d"), 2, "not an amount"),
    ],
)
def test_malformed_rows_name_file_and_line(write, body, lineno, words):
    path = write("bad.csv", HEADER + body)
    with pytest.raises(InputError) as err:
        importer().parse(path)
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (HEADER + ROW.format(amount="-1.00", ref="é")).encode() + b"settled,\xff\xfe\n"
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().parse(path)
    assert err.value.lineno == 3 and "UTF-8" in err.value.message


def test_binary_file_is_refused(write):
    with pytest.raises(InputError, match="binary"):
        importer().parse(write("bad.csv", b"PK\x03\x04\x00\x00"))
