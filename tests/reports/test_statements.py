"""Trial balance, compte de résultat and bilan on the demo books and on small hand-made books.

Each figure is checked against an independent sum of the postings (by account name, not
through the PCG tables the reports use), so a wrong mapping or sign fails here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data
from beancount.core.convert import get_weight

from ecomledger.books import Books, load_books
from ecomledger.config import CONFIG_NAME, load_config
from ecomledger.periods import Period, parse_period
from ecomledger.reports import balance_sheet, pcg, pnl, trial_balance
from ecomledger.reports.balances import compare_period
from ecomledger.reports.model import ReportRequest
from ecomledger.scaffold import init_books

ZERO = Decimal(0)
PERIODS = ("2026", "2026-Q1", "2026-03", "2025", "2025-07-01..2026-03-15")


def request(text: str, compare: str | None = None, detail: bool = False) -> ReportRequest:
    return ReportRequest(parse_period(text), compare=compare, detail=detail)  # type: ignore[arg-type]


def posting_sum(books: Books, period: Period, *prefixes: str) -> Decimal:
    """Debits minus credits of the accounts starting with ``prefixes`` within ``period``."""
    total = ZERO
    for entry in books.transactions(period):
        for posting in entry.postings:
            if posting.account.startswith(prefixes):
                weight = get_weight(posting)
                assert weight.currency == "EUR"
                total += weight.number
    return total


@pytest.mark.parametrize("text", PERIODS)
def test_trial_balance_debits_equal_credits(demo_loaded: Books, text: str) -> None:
    balance = trial_balance.compute(demo_loaded, request(text, compare="previous"))
    assert balance.debit == balance.credit > 0
    assert balance.opening == ZERO
    assert balance.closing == ZERO
    for line in balance.lines:
        assert line.closing == line.opening + line.debit - line.credit
    bank = next(line for line in balance.lines if line.account == "Assets:Bank:Qonto")
    assert bank.pcg == "512"
    everything = Period(dt.date(2000, 1, 1), parse_period(text).end)
    assert bank.closing == posting_sum(demo_loaded, everything, "Assets:Bank:Qonto")


def test_trial_balance_moves_earlier_results_to_one_line(demo_loaded: Books) -> None:
    # the demo holds 2025 sales: in 2026 their produits open at zero, their result on line 11
    balance = trial_balance.compute(demo_loaded, request("2026"))
    earlier = next(line for line in balance.lines if line.account == "")
    result_2025 = -posting_sum(demo_loaded, parse_period("2025"), "Income:", "Expenses:")
    assert earlier.opening == -result_2025 != ZERO
    sales = next(line for line in balance.lines if line.account == "Income:Sales:Goods:France")
    assert sales.opening == ZERO


@pytest.mark.parametrize("text", PERIODS)
def test_pnl_lines_equal_the_accounts_behind_them(demo_loaded: Books, text: str) -> None:
    period = parse_period(text)
    statement = pnl.compute(demo_loaded, request(text))
    goods = -posting_sum(demo_loaded, period, "Income:Sales:Goods:", "Income:Sales:Discounts")
    assert statement.line("ventes_marchandises").amount == goods
    shipping = -posting_sum(demo_loaded, period, "Income:Sales:Shipping")
    assert statement.line("production_vendue").amount == shipping
    cogs = posting_sum(demo_loaded, period, "Expenses:StockVariation")
    assert statement.line("variation_marchandises").amount == cogs
    result = -posting_sum(demo_loaded, period, "Income:", "Expenses:")
    assert statement.total("resultat").amount == result
    for line in statement.lines:
        assert line.amount == sum((a.amount for a in line.accounts), ZERO)


def test_the_demo_year_has_sales_costs_and_a_result(demo_loaded: Books) -> None:
    statement = pnl.compute(demo_loaded, request("2026"))
    assert statement.line("ventes_marchandises").amount > 0
    assert statement.line("variation_marchandises").amount > 0
    assert statement.line("charges_externes").amount > 0
    assert statement.total("resultat").amount != ZERO


@pytest.mark.parametrize("text", PERIODS)
@pytest.mark.parametrize("compare", [None, "previous", "last-year"])
def test_bilan_balances_and_shows_the_pnl_result(
    demo_loaded: Books, text: str, compare: str | None
) -> None:
    ask = request(text, compare=compare)
    bilan = balance_sheet.compute(demo_loaded, ask)
    actif, passif = balance_sheet.totals(bilan)
    assert actif == passif > 0
    result = pnl.compute(demo_loaded, ask).total("resultat")
    assert bilan.line("resultat").accounts[0].amount == result.amount
    if compare:
        assert bilan.line("resultat").accounts[0].compare == result.compare
        actif_before = sum((bilan.total(k).compare or ZERO for k in pcg.ACTIF), ZERO)
        passif_before = sum((bilan.total(k).compare or ZERO for k in pcg.PASSIF), ZERO)
        assert actif_before == passif_before


def test_bilan_lines_hold_the_right_accounts(demo_loaded: Books) -> None:
    period = parse_period("2026")
    everything = Period(dt.date(2000, 1, 1), period.end)
    bilan = balance_sheet.compute(demo_loaded, request("2026", detail=True))
    assert bilan.line("stocks_marchandises").amount == posting_sum(
        demo_loaded, everything, "Assets:Stock"
    )
    assert bilan.line("disponibilites").amount == posting_sum(
        demo_loaded, everything, "Assets:Bank:", "Assets:Transfers"
    )
    assert bilan.line("fournisseurs").amount == -posting_sum(
        demo_loaded, everything, "Liabilities:Suppliers"
    )
    vat = -posting_sum(demo_loaded, everything, "Liabilities:VAT:")
    assert bilan.line("fiscales_sociales").amount == vat > 0


def test_the_detail_lists_every_account_once(demo_loaded: Books) -> None:
    view = balance_sheet.build(demo_loaded, request("2026", detail=True))
    names = [row.cells[0] for row in view.tables[0].rows if row.style == "detail"]
    assert any("(Assets:Bank:Qonto)" in str(name) for name in names)
    assert len(names) == len(set(names))
    # the computed lines (the period's result, earlier results) have no account to name
    assert "Résultat de la période (compte de résultat)" in names
    assert not [name for name in names if str(name).endswith("()")]
    plain = balance_sheet.build(demo_loaded, request("2026"))
    assert not [row for row in plain.tables[0].rows if row.style == "detail"]


# --- the PCG tables ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "balance", "line"),
    [
        ("401", Decimal("-10"), "fournisseurs"),
        ("401", Decimal("10"), "autres_creances"),  # a supplier owing us is a receivable
        ("4091", Decimal("10"), "avances_versees"),
        ("411", Decimal("10"), "clients"),
        ("4191", Decimal("-10"), "avances_recues"),
        ("445711", Decimal("-10"), "fiscales_sociales"),
        ("44566", Decimal("10"), "autres_creances"),
        ("467", Decimal("-10"), "autres_dettes"),
        ("467", Decimal("10"), "autres_creances"),
        ("512", Decimal("10"), "disponibilites"),
        ("512", Decimal("-10"), "emprunts"),  # an overdraft is a financial debt
        ("37", Decimal("10"), "stocks_marchandises"),
        ("101", Decimal("-10"), "capital"),
        ("164", Decimal("-10"), "emprunts"),
        ("218", Decimal("10"), "immobilisations_corporelles"),
        ("801", Decimal("10"), "autres_creances"),
    ],
)
def test_balance_rules(number: str, balance: Decimal, line: str) -> None:
    assert pcg.classify(number, balance, pcg.BALANCE_RULES) == line


@pytest.mark.parametrize(
    ("number", "line"),
    [
        ("70701", "ventes_marchandises"),
        ("709", "ventes_marchandises"),
        ("7091", "production_vendue"),
        ("7085", "production_vendue"),
        ("6037", "variation_marchandises"),
        ("607", "achats_marchandises"),
        ("6031", "variation_matieres"),
        ("627", "charges_externes"),
        ("6222", "charges_externes"),
        ("635", "impots_taxes"),
        ("641", "salaires"),
        ("645", "charges_sociales"),
        ("6811", "dotations_exploitation"),
        ("658", "autres_charges"),
        ("661", "charges_financieres"),
        ("686", "charges_financieres"),
        ("671", "charges_exceptionnelles"),
        ("695", "impots_benefices"),
        ("758", "autres_produits"),
        ("768", "produits_financiers"),
        ("775", "produits_exceptionnels"),
    ],
)
def test_pnl_rules(number: str, line: str) -> None:
    assert pcg.classify(number, Decimal(1), pcg.PNL_RULES) == line


def test_every_rule_names_a_line() -> None:
    for rules, lines in ((pcg.PNL_RULES, pcg.PNL_LINES), (pcg.BALANCE_RULES, pcg.BALANCE_LINES)):
        keys = {line.key for line in lines}
        assert {rule.line for rule in rules} <= keys


@pytest.mark.parametrize(
    ("text", "compare", "expected"),
    [
        ("2026", "previous", "2025"),
        ("2026", "last-year", "2025"),
        ("2026-Q1", "previous", "2025-Q4"),
        ("2026-Q1", "last-year", "2025-Q1"),
        ("2026-03", "previous", "2026-02"),
        ("2024-02", "last-year", "2023-02"),
        ("2026-01-11..2026-01-20", "previous", "2026-01-01..2026-01-10"),
    ],
)
def test_compare_periods(text: str, compare: str, expected: str) -> None:
    assert compare_period(parse_period(text), compare) == parse_period(expected)


# --- hand-made books: an overdraft and a supplier paid in advance --------------------------


@pytest.fixture
def small_books(tmp_path: Path) -> Books:
    init_books(tmp_path / "b", year=2026)
    manual = tmp_path / "b" / "ledger" / "2026" / "manual.beancount"
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + """
2026-01-01 open Assets:Bank:Qonto
  pcg: "512"
  label: "Banque Qonto"

2026-01-05 * "Founder" "Capital"
  Assets:Bank:Qonto   100.00 EUR
  Equity:Capital     -100.00 EUR

2026-01-10 * "Supplier" "Advance on an order, paid from the bank"
  Liabilities:Suppliers   300.00 EUR
  Assets:Bank:Qonto      -300.00 EUR

2026-01-20 * "OVH" "Hosting"
  Expenses:Software     50.00 EUR
  Assets:Bank:Qonto    -50.00 EUR
""",
        encoding="utf-8",
    )
    folder = tmp_path / "b"
    return load_books(folder, load_config(folder / CONFIG_NAME))


def test_an_overdraft_and_a_supplier_advance_change_sides(small_books: Books) -> None:
    bilan = balance_sheet.compute(small_books, request("2026-01"))
    assert bilan.line("emprunts").amount == Decimal("250.00")  # the bank is overdrawn
    assert bilan.line("autres_creances").amount == Decimal("300.00")  # the supplier owes us
    assert bilan.line("disponibilites").amount == ZERO
    assert bilan.line("resultat").amount == Decimal("-50.00")
    assert balance_sheet.totals(bilan) == (Decimal("300.00"), Decimal("300.00"))


def test_entries_of_another_type_do_not_count(small_books: Books) -> None:
    # custom, open and note entries carry no amounts: the trial balance ignores them
    assert any(isinstance(e, data.Custom) for e in small_books.entries)
    balance = trial_balance.compute(small_books, request("2026"))
    assert balance.debit == balance.credit == Decimal("450.00")
