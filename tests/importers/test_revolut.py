from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.errors import InputError
from ecomledger.importers import revolut

CASES = [
    # file, importer currency, lines (amount + fee lines), sum of amounts
    ("banana_business1_20222609.csv", "CHF", 12, "1316.95"),
    ("banana_business2_20222410.csv", "CHF", 10, "-17.32"),
    ("banana_business3_20240724.csv", "EUR", 4, "-168.48"),
    ("banana_business3_20251016.csv", "EUR", 2, "-3071.95"),
    ("enobase_fixture_revolut_business.csv", "EUR", 6, "320.00"),
]


@pytest.mark.parametrize(("name", "currency", "count", "total"), CASES)
def test_samples_import(samples, name, currency, count, total):
    path = str(samples / "revolut_business" / name)
    imp = revolut.Importer("main", "Assets:Bank:Revolut", currency)
    assert imp.identify(path)
    statement = imp.parse(path)
    assert len(statement.lines) == count
    assert sum(line.amount for line in statement.lines) == Decimal(total)
    keys = [e.meta.get("source_id") for e in imp.extract(path, [])]
    assert len(set(keys)) == len(keys)
    assert keys == [e.meta.get("source_id") for e in imp.extract(path, [])]


def test_balance_column_chains_with_amount_plus_fee(samples):
    """2022 file: the first balance 1284.05 after -20.00, the last 2621.00."""
    path = str(samples / "revolut_business" / "banana_business1_20222609.csv")
    statement = revolut.Importer("main", "Assets:Bank:Revolut", "CHF").parse(path)
    assert Decimal("1304.05") + sum(line.amount for line in statement.lines) == Decimal("2621.00")
    assert any("fingerprint" in f for f in statement.findings)  # one ID on every row


def test_scrambled_currency_kept_in_account_currency(samples):
    path = str(samples / "revolut_business" / "banana_business2_20222410.csv")
    statement = revolut.Importer("main", "Assets:Bank:Revolut", "CHF").parse(path)
    assert {line.currency for line in statement.lines} == {"CHF"}
    assert statement.lines[0].extra["currency_in_file"] == "PRA"
    assert len(statement.findings) == 1


def test_expenses_export_is_not_a_statement(samples):
    path = str(samples / "revolut_business" / "banana_business_exp1_EUR_20240131.csv")
    imp = revolut.Importer("main", "Assets:Bank:Revolut")
    assert not imp.identify(path)
    assert "expenses" in imp.sniff(path).reason
    with pytest.raises(InputError, match="expenses export"):
        imp.parse(path)


def test_bad_date_names_the_line(write):
    header = "Date started (UTC),Date completed (UTC),ID,Type,Description,Amount,Payment currency\n"
    path = write("r.csv", header + "2022-01-01,31/02/2022,x,TOPUP,Top,1.00,EUR\n")
    with pytest.raises(InputError) as err:
        revolut.Importer("main", "Assets:Bank:Revolut").parse(path)
    assert err.value.lineno == 2
