"""Categorisation rules and payout reconciliation, through the real import and loader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger import ledger
from ecomledger.booking import book_bank_line
from ecomledger.config import load_config
from ecomledger.errors import ConfigError
from ecomledger.ingest import import_files, inbox_files
from ecomledger.model import BankLine
from ecomledger.periods import parse_period
from ecomledger.reconcile import reconcile
from ecomledger.rules import Rule, categorise, load_rules, suggest_rules

D = Decimal


def line(amount: str, payee: str, narration: str = "", day: int = 9) -> BankLine:
    return BankLine(
        source="qonto:main",
        account="Assets:Bank:Qonto",
        date=dt.date(2026, 3, day),
        amount=D(amount),
        currency="EUR",
        payee=payee,
        narration=narration,
        bank_ref=f"{payee}{amount}{day}",
    )


def test_first_matching_rule_wins_and_splits_vat() -> None:
    rules = (
        Rule(match="(?i)ovh", account="Expenses:Software", vat_rate=D(20), direction="debit"),
        Rule(match="(?i)ovh", account="Expenses:Other"),
    )
    txn = categorise(book_bank_line(line("-11.99", "OVH SAS")), rules)
    assert txn.flag == "*"
    postings = {p.account: p.units.number for p in txn.postings}
    assert postings == {
        "Assets:Bank:Qonto": D("-11.99"),
        "Expenses:Software": D("9.99"),
        "Assets:VAT:Deductible": D("2.00"),
    }


def test_unmatched_lines_stay_in_suspense_flagged() -> None:
    rules = (Rule(match="(?i)ovh", account="Expenses:Software", direction="credit"),)
    txn = categorise(book_bank_line(line("-11.99", "OVH SAS")), rules)
    assert txn.flag == "!" and txn.postings[1].account == "Assets:Suspense"


def test_amount_bounds_and_bank_filters() -> None:
    rules = (
        Rule(match=".", account="Expenses:BankFees", amount_max=D("10"), bank="Assets:Bank:Qonto"),
    )
    assert categorise(book_bank_line(line("-9.00", "X")), rules).flag == "*"
    assert categorise(book_bank_line(line("-19.00", "X")), rules).flag == "!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[[rules]]\nmatch = "(ovh"\naccount = "Expenses:X"\n',
            "rules[0].match: '(ovh' is not a regular expression",
        ),
        (
            '[[rules]]\nmatch = "ovh"\naccount = "expenses"\n',
            "rules[0].account: 'expenses' is not an account name",
        ),
        ('[[rules]]\nmatch = "ovh"\n', "rules[0].account is missing"),
        (
            '[[rules]]\nmatch = "ovh"\naccount = "Expenses:X"\ncolour = 1\n',
            "rules[0].colour is not a known key",
        ),
        ("[[rules]\n", "is not valid UTF-8 TOML"),
    ],
)
def test_rule_file_mistakes_are_one_sentence(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    assert expected in str(info.value)


def test_suggest_learns_from_earlier_bookings() -> None:
    done = categorise(
        book_bank_line(line("-20.00", "Printer Co", day=2)),
        (Rule(match="Printer", account="Expenses:Supplies"),),
    )
    waiting = book_bank_line(line("-25.00", "Printer Co", day=20))
    unknown = book_bank_line(line("-5.00", "Mystery", day=21))
    suggestions = suggest_rules([done, waiting, unknown], ())
    assert [(s.match, s.account) for s in suggestions] == [
        ("(?i)^Printer\\ Co", "Expenses:Supplies")
    ]


def test_demo_payouts_reconcile_and_clearing_accounts_end_at_zero(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, inbox_files(demo_books))
    entries, errors, _ = ledger.load(demo_books)
    assert errors == []
    report = reconcile(entries, parse_period("2026-03"))
    assert [row["payout_id"] for row in report.matched] == ["301", "302"]
    assert report.unpaid == [] and report.unmatched_bank == []
    assert report.residuals == {
        "Assets:Clearing:ShopifyPayments": D("0.00"),
        "Assets:Transfers": D("0.00"),
    }
    assert not report.needs_attention


def test_a_payout_without_its_bank_line_needs_attention(cli, demo_books: Path) -> None:
    statement = demo_books / "inbox" / "qonto-2026-03.csv"
    rows = statement.read_text(encoding="utf-8").splitlines()
    statement.write_text(
        "\n".join(r for r in rows if "PAYOUT 302" not in r) + "\n", encoding="utf-8"
    )
    assert cli("--books", str(demo_books), "import").code == 0
    result = cli("--books", str(demo_books), "reconcile", "--format", "json")
    assert result.code == 1
    assert '"payout_id": "302"' in result.out
    assert '"Assets:Transfers": "57.36"' in result.out


def test_periods() -> None:
    assert str(parse_period("2026-Q1")) == "2026-01-01..2026-03-31"
    assert str(parse_period("2024-02")) == "2024-02-01..2024-02-29"
    assert str(parse_period("2026-01-01..2026-06-30")) == "2026-01-01..2026-06-30"
    with pytest.raises(Exception, match="is not a period"):
        parse_period("Q1-2026")
