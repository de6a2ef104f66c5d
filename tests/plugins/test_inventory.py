"""Tests of ecomledger.plugins.inventory and ecomledger.stock through the real loader."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data, realization

from ecomledger.stock import stock_valuation

FIFO = 'plugin "ecomledger.plugins.inventory"\n'
CUMP = "plugin \"ecomledger.plugins.inventory\" \"{'method': 'CUMP'}\"\n"
D = Decimal


def purchase(day: str, qty: int, cost: str, sku: str = "TSHIRT-BLUE") -> str:
    return f"""
{day} * "Purchase"
  Assets:Stock  {qty} {sku} {{{cost} EUR}}
  Liabilities:Suppliers
"""


def sale(day: str, number: str, qty: int, sku: str = "TSHIRT-BLUE") -> str:
    base = D(50) * qty
    return f"""
{day} * "Order"
  invoice: "{number}"
  Assets:Clearing:Stripe  {base * D("1.2")} EUR
  Income:Sales:Goods:France  -{base} EUR
    sku: "{sku}"
    qty: {qty}
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -{base * D("0.2")} EUR
"""


def refund(day: str, number: str, credits: str, qty: int, restock: bool = True) -> str:
    base = D(50) * qty
    flag = "TRUE" if restock else "FALSE"
    return f"""
{day} * "Return"
  credit_note: "{number}"
  credits: "{credits}"
  Assets:Clearing:Stripe  -{base * D("1.2")} EUR
  Income:Sales:Goods:France  {base} EUR
    sku: "TSHIRT-BLUE"
    qty: -{qty}
    restock: {flag}
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  {base * D("0.2")} EUR
"""


def stock_entry(entries, day: str, sku: str = "TSHIRT-BLUE", kind: str = "sale"):
    """The inventory plugin's entry of a day, SKU and kind, or None."""
    found = [
        e
        for e in entries
        if isinstance(e, data.Transaction)
        and str(e.date) == day
        and e.meta.get("sku") == sku
        and e.postings
        and all(p.meta and p.meta.get("stock_move") == kind for p in e.postings)
    ]
    assert len(found) <= 1
    return found[0] if found else None


def moved(entries, day: str, sku: str = "TSHIRT-BLUE", kind: str = "sale") -> list:
    """(account, units, unit cost) of the postings of the plugin's entry of a day and SKU."""
    entry = stock_entry(entries, day, sku, kind)
    if entry is None:
        return []
    return [(p.account, p.units.number, p.cost.number if p.cost else None) for p in entry.postings]


def stock_moves_in(entries) -> list:
    """Every posting marked stock_move, wherever it is."""
    return [
        p
        for e in entries
        if isinstance(e, data.Transaction)
        for p in e.postings
        if p.meta and "stock_move" in p.meta
    ]


def stock_balance(entries) -> dict:
    real = realization.realize(entries)
    inventory = realization.get(real, "Assets:Stock").balance
    return {(pos.units.currency, pos.cost.number): pos.units.number for pos in inventory}


def invoices(entries) -> dict[str, data.Transaction]:
    return {
        e.meta["invoice"]: e
        for e in entries
        if isinstance(e, data.Transaction) and "invoice" in e.meta
    }


def test_fifo_sale_spanning_two_lots(ledger):
    body = (
        purchase("2026-01-01", 3, "10.00")
        + purchase("2026-01-02", 5, "12.00")
        + sale("2026-01-05", "F-2026-000001", 4)
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    assert moved(entries, "2026-01-05") == [
        ("Assets:Stock", D(-3), D("10.00")),
        ("Assets:Stock", D(-1), D("12.00")),
        ("Expenses:StockVariation", D("42.00"), None),
    ]
    # The sale itself stays as written; the stock entry carries its location.
    sold = invoices(entries)["F-2026-000001"]
    assert len(sold.postings) == 3
    assert stock_entry(entries, "2026-01-05").meta["lineno"] == sold.meta["lineno"]
    # The reductions name the lots, so Beancount's own inventory reduces them exactly.
    assert stock_balance(entries) == {("TSHIRT-BLUE", D("12.00")): D(4)}
    assert stock_valuation(entries, datetime.date(2026, 1, 31), "FIFO") == {
        "TSHIRT-BLUE": (D(4), D("48.00"))
    }


def test_oversell_names_sku_date_and_shortfall(ledger):
    body = purchase("2026-01-01", 3, "10.00") + sale("2026-01-05", "F-2026-000001", 5)
    entries, errors, _ = ledger(FIFO, body)
    assert [e.message for e in errors] == [
        "Oversell: 5 TSHIRT-BLUE sold on 2026-01-05 but only 3 in stock (shortfall 2)"
    ]
    assert errors[0].source["lineno"] == invoices(entries)["F-2026-000001"].meta["lineno"]
    assert moved(entries, "2026-01-05")[-1] == ("Expenses:StockVariation", D("30.00"), None)


def test_sale_before_any_purchase_is_an_oversell(ledger):
    body = sale("2026-01-01", "F-2026-000001", 1) + purchase("2026-01-02", 3, "10.00")
    _, errors, _ = ledger(FIFO, body)
    assert [e.message for e in errors] == [
        "Oversell: 1 TSHIRT-BLUE sold on 2026-01-01 but only 0 in stock (shortfall 1)"
    ]


def test_unstocked_sku_is_ignored(ledger):
    body = purchase("2026-01-01", 3, "10.00") + sale("2026-01-05", "F-2026-000001", 2, "EBOOK")
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    assert stock_moves_in(entries) == []


def test_cump_after_three_purchases_and_a_return(ledger):
    body = (
        purchase("2026-01-01", 10, "10.00")
        + sale("2026-01-05", "F-2026-000001", 4)  # 4 at 10.00
        + purchase("2026-01-10", 10, "12.00")  # 6 x 10 + 10 x 12 = 180 / 16 = 11.25
        + sale("2026-01-15", "F-2026-000002", 6)  # 6 at 11.25 = 67.50
        + purchase("2026-01-20", 5, "14.10")  # 112.50 + 70.50 = 183.00 / 15 = 12.20
        + refund("2026-01-25", "AV-2026-000001", "F-2026-000002", 2)  # back at 11.25
        + sale("2026-01-28", "F-2026-000003", 3)  # 205.50 / 17 = 12.0882
    )
    entries, errors, _ = ledger(CUMP, body)
    assert errors == []
    assert moved(entries, "2026-01-05")[-1] == ("Expenses:StockVariation", D("40.00"), None)
    assert moved(entries, "2026-01-15") == [
        ("Assets:Stock", D(-6), D("11.2500")),
        ("Expenses:StockVariation", D("67.5000"), None),
    ]
    assert moved(entries, "2026-01-25", kind="restock") == [
        ("Assets:Stock", D(2), D("11.2500")),
        ("Expenses:StockVariation", D("-22.5000"), None),
    ]
    assert moved(entries, "2026-01-28") == [
        ("Assets:Stock", D(-3), D("12.0882")),
        ("Expenses:StockVariation", D("36.2646"), None),
    ]
    valuation = stock_valuation(entries, datetime.date(2026, 1, 31), "CUMP")
    assert valuation == {"TSHIRT-BLUE": (D(14), D("169.2354"))}
    # Same answer from the raw entries (no plugin) and at an earlier date.
    raw, _, _ = ledger("", body)
    assert stock_valuation(raw, datetime.date(2026, 1, 31), "CUMP") == valuation
    assert stock_valuation(raw, datetime.date(2026, 1, 20), "CUMP") == {
        "TSHIRT-BLUE": (D(15), D("183.0000"))
    }
    # The ledger's own Assets:Stock value agrees with the valuation.
    inventory = realization.get(realization.realize(entries), "Assets:Stock").balance
    total = sum(pos.units.number * pos.cost.number for pos in inventory)
    assert total == D("169.2354")


def test_fifo_return_restocks_at_the_cost_it_left_at(ledger):
    body = (
        purchase("2026-01-01", 2, "10.00")
        + purchase("2026-01-02", 2, "12.00")
        + sale("2026-01-05", "F-2026-000001", 3)  # 2 x 10 + 1 x 12
        + refund("2026-01-06", "AV-2026-000001", "F-2026-000001", 2)  # 1 x 12, 1 x 10
        + refund("2026-01-07", "AV-2026-000002", "F-2026-000001", 1, restock=False)
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    assert moved(entries, "2026-01-06", kind="restock") == [
        ("Assets:Stock", D(1), D("12.00")),
        ("Assets:Stock", D(1), D("10.00")),
        ("Expenses:StockVariation", D("-22.00"), None),
    ]
    assert stock_entry(entries, "2026-01-07", kind="restock") is None
    assert stock_valuation(entries, datetime.date(2026, 1, 31), "FIFO") == {
        "TSHIRT-BLUE": (D(3), D("34.00"))
    }


def test_per_sku_override_and_bad_method(ledger):
    plugin = (
        "plugin \"ecomledger.plugins.inventory\" \"{'method': 'FIFO', "
        "'skus': {'MUG': 'CUMP', 'CAP': 'LIFO'}}\"\n"
    )
    body = (
        purchase("2026-01-01", 1, "4.00", "MUG")
        + purchase("2026-01-02", 1, "6.00", "MUG")
        + sale("2026-01-05", "F-2026-000001", 1, "MUG")
    )
    entries, errors, _ = ledger(plugin, body)
    assert [e.message for e in errors] == [
        "Unknown stock method 'LIFO' for SKU CAP in ecomledger.plugins.inventory"
    ]
    assert moved(entries, "2026-01-05", "MUG")[0] == ("Assets:Stock", D(-1), D("5.0000"))


def test_summary_entry_with_several_skus(ledger):
    body = (
        purchase("2026-01-01", 5, "10.00")
        + purchase("2026-01-01", 5, "3.00", "MUG")
        + """
2026-01-05 * "Daily summary"
  invoice_range: "F-2026-000001..F-2026-000003"
  Assets:Clearing:Stripe  240.00 EUR
  Income:Sales:Goods:France  -150.00 EUR
    sku: "TSHIRT-BLUE"
    qty: 3
    vat_rate: 20
  Income:Sales:Goods:France  -50.00 EUR
    sku: "MUG"
    qty: 2
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -40.00 EUR
"""
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    assert stock_valuation(entries, datetime.date(2026, 1, 5), "FIFO") == {
        "MUG": (D(3), D("9.00")),
        "TSHIRT-BLUE": (D(2), D("20.00")),
    }


def test_shared_costs_and_amounts_keep_each_lot_as_written(ledger):
    # The plugin shares Cost and Amount objects between postings; 12.5 and 12.50 are
    # equal numbers but must still print as written in their own lot.
    body = (
        purchase("2026-01-01", 1, "12.5")
        + purchase("2026-01-01", 1, "12.50")
        + sale("2026-01-05", "F-2026-000001", 1)
        + sale("2026-01-06", "F-2026-000002", 1)
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    first, second = moved(entries, "2026-01-05"), moved(entries, "2026-01-06")
    assert [str(cost) for _, _, cost in first] == ["12.5", "None"]
    assert [str(cost) for _, _, cost in second] == ["12.50", "None"]
    assert (str(first[-1][1]), str(second[-1][1])) == ("12.5", "12.50")


def test_two_sales_postings_of_one_sku_then_a_full_return(ledger):
    body = (
        purchase("2026-01-01", 1, "10.00")
        + purchase("2026-01-02", 2, "12.00")
        + """
2026-01-05 * "Order"
  invoice: "F-2026-000001"
  Assets:Clearing:Stripe  180.00 EUR
  Income:Sales:Goods:France  -100.00 EUR
    sku: "TSHIRT-BLUE"
    qty: 2
    vat_rate: 20
  Income:Sales:Goods:France  -50.00 EUR
    sku: "TSHIRT-BLUE"
    qty: 1
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -30.00 EUR
"""
        + refund("2026-01-06", "AV-2026-000001", "F-2026-000001", 3)
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    # Units taken from one lot on one day are summed in one posting (2 + 1 from the 12.00
    # lot), and the stock variation is the day's total cost (22.00 + 12.00).
    assert moved(entries, "2026-01-05") == [
        ("Assets:Stock", D(-1), D("10.00")),
        ("Assets:Stock", D(-2), D("12.00")),
        ("Expenses:StockVariation", D("34.00"), None),
    ]
    # They come back latest cost first, at the costs they left at.
    assert moved(entries, "2026-01-06", kind="restock") == [
        ("Assets:Stock", D(2), D("12.00")),
        ("Assets:Stock", D(1), D("10.00")),
        ("Expenses:StockVariation", D("-34.00"), None),
    ]


def test_one_entry_per_day_and_sku_after_the_days_last_sale(ledger):
    body = (
        purchase("2026-01-01", 2, "10.00")
        + purchase("2026-01-01", 5, "12.00")
        + purchase("2026-01-01", 5, "3.00", "MUG")
        + sale("2026-01-05", "F-2026-000001", 1)
        + sale("2026-01-05", "F-2026-000002", 1, "MUG")
        + sale("2026-01-05", "F-2026-000003", 2)  # 1 x 10.00 + 1 x 12.00
        + """
2026-01-05 * "Payout"
  Assets:Bank:Qonto  1.00 EUR
  Assets:Clearing:Stripe  -1.00 EUR
"""
        + sale("2026-01-06", "F-2026-000004", 1)
    )
    entries, errors, _ = ledger(FIFO, body)
    assert errors == []
    assert moved(entries, "2026-01-05") == [
        ("Assets:Stock", D(-2), D("10.00")),
        ("Assets:Stock", D(-1), D("12.00")),
        ("Expenses:StockVariation", D("32.00"), None),
    ]
    assert moved(entries, "2026-01-05", "MUG") == [
        ("Assets:Stock", D(-1), D("3.00")),
        ("Expenses:StockVariation", D("3.00"), None),
    ]
    assert moved(entries, "2026-01-06") == [
        ("Assets:Stock", D(-1), D("12.00")),
        ("Expenses:StockVariation", D("12.00"), None),
    ]
    # The day's stock entries follow its last sale (before the payout), at its location.
    last = invoices(entries)["F-2026-000003"]
    at = entries.index(last)
    following = [e.narration for e in entries[at + 1 : at + 4]]
    assert following == ["Cost of goods sold: TSHIRT-BLUE", "Cost of goods sold: MUG", "Payout"]
    assert entries[at + 1].meta["lineno"] == last.meta["lineno"]
    assert stock_balance(entries) == {("TSHIRT-BLUE", D("12.00")): D(3), ("MUG", D("3.00")): D(4)}
