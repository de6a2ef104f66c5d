from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import cfonb120


def importer() -> cfonb120.Importer:
    return cfonb120.Importer("main", "Assets:Bank:BNP")


def test_sample_reconciles(samples):
    path = str(samples / "cfonb120" / "oca_cfonb_classic.cfo")
    statement = importer().parse(path)
    assert len(statement.lines) == 13
    assert sum(line.amount for line in statement.lines) == Decimal("14273.90")
    opening, closing = statement.balances
    assert opening.amount == Decimal("1017311.89") and str(opening.date) == "2024-01-13"
    assert closing.amount == Decimal("1031585.79") and str(closing.date) == "2024-01-14"
    assert statement.findings == []
    keys = [e.meta.get("source_id") for e in importer().extract(path, [])]
    assert keys == [e.meta.get("source_id") for e in importer().extract(path, [])]


def test_file_without_line_breaks(samples, write):
    text = (samples / "cfonb120" / "oca_cfonb_classic.cfo").read_text()
    path = write("flat.cfo", "".join(text.splitlines()))
    assert len(importer().parse(path).lines) == 13


def test_overpunch():
    assert cfonb120.overpunch("0000010173118I", 2, "f", 1) == Decimal("1017311.89")
    assert cfonb120.overpunch("0000000000150}", 2, "f", 1) == Decimal("-15.00")
    assert cfonb120.overpunch("0000000000001J", 2, "f", 1) == Decimal("-0.11")


def test_bad_amount_and_record_name_the_record(samples, write):
    lines = (samples / "cfonb120" / "oca_cfonb_classic.cfo").read_text().splitlines()
    bad_amount = lines[:]
    bad_amount[1] = bad_amount[1][:90] + "00000000000X1Z" + bad_amount[1][104:]
    with pytest.raises(InputError) as err:
        importer().parse(write("a.cfo", "\n".join(bad_amount)))
    assert err.value.lineno == 2 and "not a CFONB amount" in err.value.message
    bad_code = lines[:]
    bad_code[2] = "09" + bad_code[2][2:]
    with pytest.raises(InputError) as err:
        importer().parse(write("b.cfo", "\n".join(bad_code)))
    assert err.value.lineno == 3


def test_unbalanced_section_keeps_lines_and_drops_closing(samples, write):
    lines = (samples / "cfonb120" / "oca_cfonb_classic.cfo").read_text().splitlines()
    lines[-1] = lines[-1][:90] + "0000010315858I" + lines[-1][104:]
    statement = importer().parse(write("c.cfo", "\n".join(lines)))
    assert len(statement.lines) == 13 and len(statement.balances) == 1
    assert "1,031,585.89 EUR; its balance assertion is left out" in statement.findings[0]
