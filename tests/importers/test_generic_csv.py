from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from ecomledger.errors import InputError
from ecomledger.importers import generic_csv, shine
from ecomledger.importers.generic_csv import CsvColumns, CsvLayout

SIGNED = CsvLayout(
    columns=CsvColumns(date="Date", amount="Amount", payee="Who", narration="What"),
    date_format="%d.%m.%Y",
)


def importer(layout: CsvLayout = SIGNED) -> generic_csv.Importer:
    return generic_csv.Importer("b", "Assets:Bank:B", layout=layout)


def test_signed_and_inverted(write):
    path = write("b.csv", "Date\tWho\tWhat\tAmount\n01.02.2026\tACME\tInvoice 1\t-1.234,50\n")
    assert importer().identify(path)
    assert importer().parse(path).lines[0].amount == Decimal("-1234.50")
    inverted = SIGNED.model_copy(update={"sign": "inverted"})
    assert importer(inverted).parse(path).lines[0].amount == Decimal("1234.50")


def test_layout_is_validated():
    with pytest.raises(ValidationError, match="debit"):
        CsvLayout(columns=CsvColumns(date="D", amount="A"), sign="debit_credit")
    with pytest.raises(ValidationError, match="0-based"):
        CsvLayout(columns=CsvColumns(date="D", amount="A"), has_header=False)


def test_positional_columns_without_header(write):
    layout = CsvLayout(columns=CsvColumns(date=0, amount=2, narration=1), has_header=False)
    path = write("n.csv", "2026-01-02,Fee,-3.00\n2026-01-02,Fee,-3.00\n")
    keys = {e.meta.get("source_id") for e in importer(layout).extract(path, [])}
    assert len(keys) == 2  # identical twins both survive


def test_missing_column_and_bad_date(write):
    with pytest.raises(InputError, match="Amount"):
        importer().parse(write("m.csv", "Date,Who,What\n01.02.2026,A,B\n"))
    with pytest.raises(InputError) as err:
        importer().parse(write("d.csv", "Date,Who,What,Amount\n2026-02-01,A,B,1.00\n"))
    assert err.value.lineno == 2


def test_explicit_encoding_refuses_other_bytes(write):
    layout = SIGNED.model_copy(update={"encoding": "utf-8"})
    path = write("e.csv", "Date,Who,What,Amount\n01.02.2026,Caf\xe9,B,1.00\n", encoding="latin-1")
    with pytest.raises(InputError) as err:
        importer(layout).parse(path)
    assert err.value.lineno == 2
    assert importer().parse(path).lines[0].payee == "Café"  # auto-detection reads CP1252


def test_shine_guessed_layout(write):
    path = write(
        "shine.csv",
        "Date;Libellé;Débit;Crédit\n02/03/2026;Abonnement Shine;7,90;\n03/03/2026;Client;;120,00\n",
        encoding="cp1252",
    )
    imp = shine.Importer("main", "Assets:Bank:Shine")
    assert imp.identify(path) and imp.source == "shine:main"
    assert [line.amount for line in imp.parse(path).lines] == [Decimal("-7.90"), Decimal("120.00")]
