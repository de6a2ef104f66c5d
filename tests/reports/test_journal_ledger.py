"""Journal and grand livre on the demo books: balanced, numbered, and agreeing with the
trial balance account by account."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest

from ecomledger.books import Books
from ecomledger.periods import parse_period
from ecomledger.reports import general_ledger, journal, trial_balance
from ecomledger.reports.model import ReportRequest

ZERO = Decimal(0)


def request(text: str, **options: str) -> ReportRequest:
    return ReportRequest(parse_period(text), options=options)


@pytest.mark.parametrize("text", ["2026", "2026-03", "2025"])
def test_journal_is_balanced_entry_by_entry(demo_loaded: Books, text: str) -> None:
    book = journal.compute(demo_loaded, request(text))
    assert book.entries
    assert book.debit == book.credit > 0
    for entry in book.entries:
        assert sum((line.debit for line in entry.lines), ZERO) == sum(
            (line.credit for line in entry.lines), ZERO
        ), entry.number
    dates = [entry.date for entry in book.entries]
    assert dates == sorted(dates)
    assert len(book.entries) == sum(1 for _ in demo_loaded.transactions(parse_period(text)))


def test_entry_numbers_run_on_per_journal_through_the_year(demo_loaded: Books) -> None:
    year = journal.compute(demo_loaded, request("2026"))
    numbers: dict[str, list[int]] = defaultdict(list)
    for entry in year.entries:
        match = re.fullmatch(r"([A-Z]+\d?)(\d{6})", entry.number)
        assert match and match.group(1) == entry.journal
        numbers[entry.journal].append(int(match.group(2)))
    assert {"VT", "OD"} <= set(numbers)
    assert any(code.startswith("BQ") for code in numbers)
    for sequence in numbers.values():
        assert sequence == list(range(1, len(sequence) + 1))
    # a month shows the numbers the year gave its entries
    by_key = {(e.date, e.label, e.piece): e.number for e in year.entries}
    for entry in journal.compute(demo_loaded, request("2026-03")).entries:
        assert by_key[(entry.date, entry.label, entry.piece)] == entry.number


def test_sales_entries_carry_their_invoice(demo_loaded: Books) -> None:
    book = journal.compute(demo_loaded, request("2026", journal="vt"))
    assert book.entries and all(e.journal == "VT" for e in book.entries)
    assert all(re.fullmatch(r"(F|AV)-2026-\d{6}", e.piece) for e in book.entries), [
        e.piece for e in book.entries
    ]


@pytest.mark.parametrize("text", ["2026", "2026-Q1", "2025"])
def test_general_ledger_agrees_with_the_trial_balance(demo_loaded: Books, text: str) -> None:
    ledger = general_ledger.compute(demo_loaded, request(text))
    balance = trial_balance.compute(demo_loaded, request(text))
    trial = {line.account: line for line in balance.lines if line.account}
    assert {a.account for a in ledger.accounts} == set(trial)
    for account in ledger.accounts:
        line = trial[account.account]
        assert (account.opening, account.debit, account.credit, account.closing) == (
            line.opening,
            line.debit,
            line.credit,
            line.closing,
        ), account.account
        running = account.opening
        for posting in account.postings:
            running += posting.debit - posting.credit
            assert posting.balance == running
    assert ledger.debit == ledger.credit == balance.debit


def test_general_ledger_selects_accounts(demo_loaded: Books) -> None:
    by_number = general_ledger.compute(demo_loaded, request("2026", account="445"))
    assert by_number.accounts
    assert all(a.pcg.startswith("445") for a in by_number.accounts)
    by_name = general_ledger.compute(demo_loaded, request("2026", account="Assets:Bank"))
    assert [a.account for a in by_name.accounts] == ["Assets:Bank:Qonto"]
