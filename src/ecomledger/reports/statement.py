"""The compte de résultat and the bilan share one shape: lines of accounts, section totals.

:func:`build_statement` sends each account's balance to its line through the PCG tables of
:mod:`ecomledger.reports.pcg` and adds up lines, sections and results, for the period and
the comparative period at once; :func:`statement_view` lays it out as a table (with the
accounts behind each line under ``--detail``). The figures keep the statement's reading
sign: produits and passif count credits as positive, charges and actif debits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ecomledger.books import Books
from ecomledger.money import ZERO
from ecomledger.periods import Period
from ecomledger.reports import pcg
from ecomledger.reports.model import Column, Row, RowStyle, Table


@dataclass
class AccountAmount:
    """One account behind a line: its PCG number and label, its amount (and comparative)."""

    account: str
    pcg: str
    label: str
    amount: Decimal
    compare: Decimal | None = None


@dataclass
class StatementLine:
    """A line of the statement with the accounts behind it."""

    key: str
    label: str
    section: str
    amount: Decimal
    compare: Decimal | None = None
    accounts: list[AccountAmount] = field(default_factory=list)


@dataclass
class Total:
    """A section total or a result line."""

    key: str
    label: str
    amount: Decimal
    compare: Decimal | None = None


@dataclass
class Statement:
    """A statement over a period, with its comparative period if asked for."""

    period: Period
    compare_period: Period | None
    lines: list[StatementLine]
    sections: list[Total]
    results: list[Total]

    def line(self, key: str) -> StatementLine:
        """Return the line called ``key``."""
        return next(line for line in self.lines if line.key == key)

    def total(self, key: str) -> Total:
        """Return the section total or result called ``key``."""
        return next(t for t in (*self.sections, *self.results) if t.key == key)


#: An account's balance (debit positive) for the period and for the comparative period.
Balances = Mapping[str, Decimal]


def build_statement(
    books: Books,
    period: Period,
    compare_period: Period | None,
    balances: Balances,
    compare_balances: Balances | None,
    *,
    sections: tuple[pcg.Section, ...],
    lines: tuple[pcg.Line, ...],
    rules: tuple[pcg.Rule, ...],
    results: tuple[pcg.Result, ...] = (),
    extra: Callable[[str], list[AccountAmount]] | None = None,
) -> Statement:
    """Assign every account to its line and add the statement up.

    ``extra(line_key)`` returns amounts that are no account of the books (the bilan's
    result of the period), already in the statement's reading sign.
    """
    signs = {section.key: section.sign for section in sections}
    line_section = {line.key: line.section for line in lines}
    behind: dict[str, dict[str, AccountAmount]] = {line.key: {} for line in lines}
    for which, source in (("amount", balances), ("compare", compare_balances or {})):
        for account, balance in source.items():
            if not balance:
                continue
            number, label = books.pcg(account)
            key = pcg.classify(number, balance, rules)
            shown = -signs[line_section[key]] * balance
            item = behind[key].get(account)
            if item is None:
                item = behind[key][account] = AccountAmount(account, number, label, ZERO)
                if compare_balances is not None:
                    item.compare = ZERO
            if which == "amount":
                item.amount += shown
            else:
                item.compare = (item.compare or ZERO) + shown
    out_lines = []
    for line in lines:
        accounts = sorted(behind[line.key].values(), key=lambda a: (a.pcg, a.account))
        if extra is not None:
            accounts = [*extra(line.key), *accounts]
        amount = sum((a.amount for a in accounts), ZERO)
        compare = (
            sum((a.compare or ZERO for a in accounts), ZERO)
            if compare_balances is not None
            else None
        )
        if line.always or amount or compare:
            out_lines.append(
                StatementLine(line.key, line.label, line.section, amount, compare, accounts)
            )
    totals = [
        _section_total(section, out_lines, compare_balances is not None) for section in sections
    ]
    by_key = {total.key: total for total in totals}
    out_results = [_result(result, by_key) for result in results]
    return Statement(period, compare_period, out_lines, totals, out_results)


def _section_total(section: pcg.Section, lines: list[StatementLine], compared: bool) -> Total:
    mine = [line for line in lines if line.section == section.key]
    amount = sum((line.amount for line in mine), ZERO)
    compare = sum((line.compare or ZERO for line in mine), ZERO) if compared else None
    return Total(section.key, f"Total {section.label.lower()}", amount, compare)


def _result(result: pcg.Result, totals: dict[str, Total]) -> Total:
    amount = sum((totals[k].amount for k in result.plus), ZERO) - sum(
        (totals[k].amount for k in result.minus), ZERO
    )
    compare = None
    if any(totals[k].compare is not None for k in (*result.plus, *result.minus)):
        compare = sum((totals[k].compare or ZERO for k in result.plus), ZERO) - sum(
            (totals[k].compare or ZERO for k in result.minus), ZERO
        )
    return Total(result.key, result.label, amount, compare)


def period_title(period: Period) -> str:
    """A column title for a period: ``2026-01-01 → 2026-12-31``."""
    return f"{period.start.isoformat()} → {period.end.isoformat()}"


def statement_table(
    statement: Statement,
    sections: tuple[pcg.Section, ...],
    *,
    name: str,
    title: str,
    detail: bool,
    results: tuple[pcg.Result, ...] = (),
    groups: tuple[tuple[str, tuple[str, ...]], ...] = (),
    amount_title: str | None = None,
    compare_title: str | None = None,
) -> Table:
    """Lay a statement out: per section a heading, its lines (and accounts), its total.

    ``groups`` adds a grand total after the last section of each group (``Total actif``),
    as (label, section keys); ``results`` says which section each result line follows.
    """
    compared = statement.compare_period is not None
    columns = (
        [Column("line", "Poste"), Column("pcg", "PCG")] if detail else [Column("line", "Poste")]
    )
    columns.append(Column("amount", amount_title or period_title(statement.period), "money"))
    if compared and statement.compare_period is not None:
        columns.append(
            Column("compare", compare_title or period_title(statement.compare_period), "money")
        )
    table = Table(name, title, tuple(columns))

    def row(
        label: str,
        pcg_number: str | None,
        amount: Decimal | None,
        compare: Decimal | None,
        style: RowStyle,
    ) -> Row:
        cells: list[object] = [label]
        if detail:
            cells.append(pcg_number)
        cells.append(amount)
        if compared:
            cells.append(compare)
        return Row(tuple(cells), style)

    after = {spec.key: spec.after for spec in results}
    results_after: dict[str, list[Total]] = {}
    for result in statement.results:
        results_after.setdefault(after.get(result.key, ""), []).append(result)
    totals = {total.key: total for total in statement.sections}
    for section in sections:
        mine = [line for line in statement.lines if line.section == section.key]
        total = totals[section.key]
        if mine or total.amount or total.compare:
            table.rows.append(row(section.label, None, None, None, "heading"))
            for line in mine:
                table.rows.append(row(line.label, None, line.amount, line.compare, ""))
                if detail:
                    for account in line.accounts:
                        table.rows.append(
                            row(
                                _detail_label(account),
                                account.pcg,
                                account.amount,
                                account.compare,
                                "detail",
                            )
                        )
            table.rows.append(row(total.label, None, total.amount, total.compare, "subtotal"))
        for result in results_after.get(section.key, []):
            table.rows.append(row(result.label, None, result.amount, result.compare, "total"))
        for label, keys in groups:
            if section.key == keys[-1]:
                amount = sum((totals[k].amount for k in keys), ZERO)
                compare = sum((totals[k].compare or ZERO for k in keys), ZERO) if compared else None
                table.rows.append(row(label, None, amount, compare, "total"))
    return table


def _detail_label(account: AccountAmount) -> str:
    """An account under its line: ``Label (Account:Name)``; a computed amount has no name."""
    return f"{account.label} ({account.account})" if account.account else account.label
