"""PayPal: top-ups of the balance are transfers in every language, never sales; pending
balance holds, placed and removed, are not movements."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.importers import paypal
from ecomledger.importers._processor import Kind

from .conftest import assert_loads

CLEARING = "Assets:Clearing:PayPal"
HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"Transaction ID","Reference Txn ID","Invoice Number","Item Title","Balance Impact"\n'
)
ROW = (
    '"01/02/2026","10:00:00","CET","","{type}","Completed","EUR","{amount}","0.00",'
    '"{amount}","{tid}","","","","{impact}"\n'
)


@pytest.mark.parametrize(
    "type_text",
    [
        "Funds Added From a Bank Account",
        "Bank Deposit to PP Account",
        "Débit sur carte bancaire",
        "Approvisionnement pour virement électronique",
        "Fondos añadidos desde una cuenta bancaria",
    ],
)
def test_a_top_up_is_a_transfer_not_a_sale(write, type_text: str) -> None:
    assert paypal.classify(type_text, Decimal("50.00")) is Kind.TRANSFER
    body = ROW.format(type=type_text, amount="50.00", tid="T1", impact="Credit")
    (entry,) = importer().extract(write("topup.csv", HEADER + body), [])
    accounts = {p.account for p in entry.postings}
    assert "Assets:Transfers" in accounts
    assert not any(a.startswith(("Income:", "Assets:Customers")) for a in accounts)
    assert_loads([entry])


def test_pending_balance_holds_are_not_movements(write) -> None:
    body = (
        ROW.format(type="Express Checkout Payment", amount="20.00", tid="P1", impact="Credit")
        + ROW.format(type="Pending Balance Payment", amount="-20.00", tid="H1", impact="Debit")
        + ROW.format(type="Pending Balance Payment", amount="20.00", tid="H2", impact="Credit")
    )
    entries = importer().extract(write("holds.csv", HEADER + body), [])
    assert [e.meta.get("source_id", "").rsplit(":", 1)[-1] for e in entries] == ["P1"]


def importer() -> paypal.Importer:
    return paypal.Importer("main", CLEARING, "Expenses:Fees:PayPal", "EUR", False)
