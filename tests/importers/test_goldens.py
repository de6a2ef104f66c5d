"""Golden files: each hand-written input in data/<format>/ has its expected entries beside
it (``<file>.beancount``). ECOMLEDGER_UPDATE_GOLDEN=1 rewrites them; review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecomledger.importers.generic_csv import CsvColumns, CsvLayout
from ecomledger.importers.registry import BANK_FORMATS

from .conftest import DATA, check_golden, render

SAVINGS_LAYOUT = CsvLayout(
    columns=CsvColumns(
        date="Date opération",
        debit="Débit",
        credit="Crédit",
        payee="Libellé",
        narration=["Détail"],
        balance="Solde",
    ),
    date_format="%d/%m/%Y",
    skip_rows=1,
    sign="debit_credit",
)

INPUTS = sorted(p for p in DATA.glob("*/*") if p.suffix != ".beancount")


def make_importer(fmt: str):
    cls = BANK_FORMATS[fmt]
    if fmt == "csv":
        return cls("savings", "Assets:Bank:Savings", layout=SAVINGS_LAYOUT)  # type: ignore[call-arg]
    return cls("main", f"Assets:Bank:{fmt.capitalize()}")


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(path: Path) -> None:
    importer = make_importer(path.parent.name)
    assert importer.identify(str(path))
    entries = importer.extract(str(path), [])
    header = f";; Account: {importer.account(str(path))}\n;; Source: {importer.source}\n\n"
    check_golden(path.with_name(path.name + ".beancount"), header + render(entries))
