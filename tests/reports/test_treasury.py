"""Cash position, cash-flow statement and forecast on the demo books, through the real loader."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from ecomledger.books import load_books
from ecomledger.config import load_config
from ecomledger.demo import run_demo
from ecomledger.forecast_plan import load_plan
from ecomledger.periods import parse_period
from ecomledger.reports import cash, forecast
from ecomledger.treasury import pool_kind

#: A second bank account paying hosting every month: a recurring charge to find.
SAVINGS = """
2025-11-01 open Assets:Bank:Savings EUR
  pcg: "5122"
  label: "Banque Savings"

2025-11-02 * "Demo Boutique SAS" "Transfer to savings"
  Assets:Bank:Savings  500.00 EUR
  Equity:Capital  -500.00 EUR
"""


def hosting(day: str) -> str:
    return f"""
{day} * "OVH SAS" "Hebergement"
  Assets:Bank:Savings  -11.99 EUR
  Expenses:Software  9.99 EUR
  Assets:VAT:Deductible  2.00 EUR
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    books = tmp_path_factory.mktemp("treasury") / "books"
    assert run_demo(books).errors == []
    return books


def with_entries(demo: Path, tmp_path: Path, text: str, plan: str = "") -> Path:
    books = tmp_path / "books"
    shutil.copytree(demo, books, ignore=shutil.ignore_patterns("*.picklecache"))
    manual = books / "ledger" / "2026" / "manual.beancount"
    manual.write_text(manual.read_text(encoding="utf-8") + text, encoding="utf-8")
    if plan:
        (books / "forecast.toml").write_text(plan, encoding="utf-8")
    return books


def loaded(books: Path):
    return load_books(books, load_config(books / "ecomledger.toml"))


def balances_by_kind(books: Path, day: dt.date) -> dict[str, Decimal]:
    """Sum the cash accounts' postings up to ``day`` straight from Beancount's entries."""
    entries, errors, _ = loader.load_file(str(books / "main.beancount"))
    assert errors == []
    out = {"bank": Decimal(0), "processor": Decimal(0), "transit": Decimal(0)}
    prefixes = {
        "Assets:Bank:": "bank",
        "Assets:Clearing:": "processor",
        "Assets:Transfers": "transit",
    }
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= day:
            for posting in entry.postings:
                for prefix, kind in prefixes.items():
                    if posting.account.startswith(prefix):
                        out[kind] += posting.units.number
    return out


def test_the_cash_position_is_the_sum_of_bank_clearing_and_transit(demo: Path) -> None:
    books = loaded(demo)
    report = cash.compute(books, parse_period("2026-03"))
    for position in (report.positions[4], report.closing):
        expected = balances_by_kind(demo, position.date)
        assert position.bank == expected["bank"]
        assert position.processor == expected["processor"]
        assert position.transit == expected["transit"]
        assert position.total == sum(expected.values())
    assert report.closing.bank == Decimal("11309.28")
    assert {pool_kind(books, a) for a in report.accounts} == {"bank", "processor", "transit"}


def test_the_statement_reconciles_opening_to_closing(demo: Path) -> None:
    report = cash.compute(loaded(demo), parse_period("2026-03"))
    lines = {line.category: line.net for line in report.statement}
    net = sum(lines.values(), Decimal(0))
    assert report.opening.total + net + report.exchange_difference == report.closing.total
    assert report.exchange_difference == 0
    assert lines["financing"] == Decimal("5000.00")  # the capital contribution
    assert lines["refunds"] == Decimal("-15.00")  # AV-2026-000001
    assert lines["suppliers"] == Decimal("-60.59")  # OVH 11.99 + La Poste 48.60
    assert "payouts" not in lines  # a payout only moves cash inside the pool


def test_the_demos_recurring_charges_are_found_and_projected(demo: Path) -> None:
    result = forecast.compute(loaded(demo), load_plan(demo, "EUR"), weeks=13)
    found = {r.payee: r for r in result.recurring}
    assert set(found) == {"OVH SAS", "Qonto"}, result.recurring
    ovh, qonto = found["OVH SAS"], found["Qonto"]
    assert (ovh.occurrences, ovh.interval_days, ovh.amount) == (3, 30, Decimal("-11.99"))
    assert ovh.next_dates == [dt.date(2026, 4, 9), dt.date(2026, 5, 9), dt.date(2026, 6, 9)]
    # the bank's subscription falls on each month's last day (Dec 31, Jan 31, Feb 28)
    assert qonto.next_dates[:3] == [
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
    ]
    charged = [e for e in result.events if e.source == "recurring"]
    assert sum(e.amount for e in charged) == 3 * Decimal("-11.99") + len(
        qonto.next_dates
    ) * Decimal("-9.00")


def test_a_second_bank_paying_the_same_payee_is_one_more_occurrence(
    demo: Path, tmp_path: Path
) -> None:
    text = SAVINGS + hosting("2025-12-09")
    books = with_entries(demo, tmp_path, text)
    result = forecast.compute(loaded(books), load_plan(books, "EUR"), weeks=13)
    (ovh,) = [r for r in result.recurring if r.payee == "OVH SAS"]
    assert ovh.occurrences == 4  # 2025-12-09 on the savings account, then Jan, Feb, Mar on Qonto


def test_the_first_week_holds_the_payouts_already_due(demo: Path, tmp_path: Path) -> None:
    text = """
2026-03-15 * "Shopify Payments" "Balance not yet paid out"
  Assets:Clearing:ShopifyPayments  250.00 EUR
  Equity:Capital  -250.00 EUR
"""
    books = with_entries(demo, tmp_path, text)
    result = forecast.compute(loaded(books), load_plan(books, "EUR"), weeks=4)
    due = [e for e in result.events if e.source == "due"]
    assert [(e.date, e.amount) for e in due] == [(dt.date(2026, 3, 18), Decimal("250.00"))]
    assert result.weeks[0].by_category["payouts"] >= Decimal("250.00")
    assert result.opening == Decimal("11309.28")


def test_a_floor_breach_is_dated(demo: Path, tmp_path: Path) -> None:
    plan = """
floor = "8000.00"

[[planned]]
date = "2026-04-10"
amount = "-5000.00"
category = "suppliers"
label = "Spring stock order"
"""
    books = with_entries(demo, tmp_path, "", plan)
    result = forecast.compute(loaded(books), load_plan(books, "EUR"), weeks=13)
    assert [(a.kind, a.date) for a in result.alerts] == [("floor", dt.date(2026, 4, 10))]
    assert "Spring stock order" in result.alerts[0].message


def test_variance_against_the_last_saved_forecast(demo: Path, tmp_path: Path) -> None:
    plan = """
[[planned]]
date = "2026-03-12"
amount = "-1000.00"
category = "suppliers"
label = "Packaging"
"""
    books = with_entries(demo, tmp_path, "", plan)
    early = forecast.compute(loaded(books), load_plan(books, "EUR"), 4, as_of=dt.date(2026, 3, 1))
    saved = forecast.save(early, books)
    assert json.loads(saved.read_text())["as_of"] == "2026-03-01"
    now = forecast.compute(loaded(books), load_plan(books, "EUR"), 4)
    suppliers = [v for v in now.variance if v.category == "suppliers"]
    assert [(v.week_start, v.planned, v.actual) for v in suppliers] == [
        (dt.date(2026, 3, 9), Decimal("-1000.00"), Decimal("-60.59"))
    ]
    assert [a.kind for a in now.alerts] == ["variance"]


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        ('flor = "100"\n', "flor: unknown key"),
        ('floor = "12,5"\n', "floor: '12,5' is not an amount"),
        ('floor = "100 USD"\n', "floor is in USD but the books are kept in EUR"),
        (
            '[[planned]]\ndate = "2026-04-01"\namount = "-10"\ncategory = "rent"\n',
            "'rent' is not a category",
        ),
    ],
)
def test_a_bad_forecast_file_is_one_sentence(
    demo: Path, tmp_path: Path, plan: str, words: str
) -> None:
    from ecomledger.errors import ConfigError

    books = with_entries(demo, tmp_path, "", plan)
    with pytest.raises(ConfigError) as caught:
        load_plan(books, "EUR")
    assert words in str(caught.value)
    assert str(caught.value).startswith("forecast.toml: ")


def test_a_recurring_charge_is_found_from_its_latest_run() -> None:
    from ecomledger.periods import Period
    from ecomledger.treasury import Flow

    def paid(day: str, amount: str = "-30.00") -> Flow:
        return Flow(dt.date.fromisoformat(day), "suppliers", Decimal(amount), "Shopify", "", "", 0)

    flows = [
        paid("2025-06-02", "-9.00"),  # an old plan, another price, before a pause
        paid("2025-09-30"),
        paid("2025-10-30"),
        paid("2025-11-30"),
        paid("2025-12-30", "-31.00"),
        paid("2026-01-15", "+30.00"),  # a refund is no outflow
    ]
    horizon = Period(dt.date(2026, 1, 16), dt.date(2026, 3, 31))
    (found,) = forecast.find_recurring(flows, horizon)
    assert (found.occurrences, found.interval_days, found.amount) == (4, 30, Decimal("-30.00"))
    assert found.next_dates == [dt.date(2026, 1, 30), dt.date(2026, 2, 28), dt.date(2026, 3, 30)]
    stopped = Period(dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    assert forecast.find_recurring(flows, stopped) == []


def test_categories_follow_ecomledger_toml(demo: Path, tmp_path: Path) -> None:
    books = with_entries(demo, tmp_path, "")
    config = books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[treasury.categories]\n"Expenses:Shipping" = "other"\n',
        encoding="utf-8",
    )
    report = cash.compute(
        loaded(books), parse_period("2026-03"), cash.treasury_categories(loaded(books))
    )
    lines = {line.category: line.net for line in report.statement}
    assert lines["other"] == Decimal("-48.60")  # La Poste, on Expenses:Shipping
    assert lines["suppliers"] == Decimal("-11.99")  # OVH in March


def test_an_unknown_category_in_ecomledger_toml_is_refused(demo: Path, tmp_path: Path) -> None:
    from ecomledger.errors import ConfigError

    books = with_entries(demo, tmp_path, "")
    config = books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[treasury.categories]\n"Expenses:Rent" = "rent"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "treasury.categories" in str(caught.value) and "'rent'" in str(caught.value)


def test_the_cash_and_forecast_commands(demo: Path, tmp_path: Path, cli) -> None:
    plan = 'floor = "11365.00"\n'
    books = with_entries(demo, tmp_path, "", plan)
    shown = cli("--books", str(books), "cash", "--period", "2026-03", "--format", "json")
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    assert data["data"]["closing"]["total"] == "11309.28"
    alert = cli("--books", str(books), "forecast", "--weeks", "4")
    assert alert.code == 1
    assert (
        "alert: 2026-03-16: cash falls to 11309.28 EUR, below the floor of 11365.00 EUR"
        in alert.err
    )
    bad = cli("--books", str(books), "forecast", "--as-of", "2026-02-30")
    assert bad.code == 2 and "--as-of '2026-02-30' is not a date" in bad.err


def test_the_running_months_vat_is_due_on_the_24th(demo: Path) -> None:
    """March's VAT booked so far (collected in France and self-assessed, less deductible) is
    paid on 24 April even when no VAT share can be learned from the months before."""
    entries, _, _ = loader.load_file(str(demo / "main.beancount"))
    due = Decimal(0)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date >= dt.date(2026, 3, 1):
            for posting in entry.postings:
                account = posting.account
                domestic = account.startswith(
                    ("Liabilities:VAT:Collected:FR:", "Liabilities:VAT:IntraEU")
                )
                if domestic or account == "Assets:VAT:Deductible":
                    due -= posting.units.number
    result = forecast.compute(loaded(demo), load_plan(demo, "EUR"), weeks=8)
    vat = [(e.date, e.amount) for e in result.events if e.label.startswith("VAT 2026-03")]
    assert vat == [(dt.date(2026, 4, 24), -due)] and due > 0


def test_a_cash_period_without_entries_is_one_sentence(demo: Path, cli) -> None:
    result = cli("--books", str(demo), "cash", "--period", "2030")
    assert result.code == 2
    assert "the period 2030-01-01..2030-12-31 has no entries" in result.err


def test_the_position_stops_at_the_books_last_entry(demo: Path) -> None:
    report = cash.compute(loaded(demo), parse_period("2026"))
    assert report.positions[0].date == dt.date(2026, 1, 1)
    assert report.positions[-1].date == dt.date(2026, 3, 15)  # not a flat guess to December
    assert report.closing.total == Decimal("11309.28")
