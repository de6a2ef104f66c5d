"""Bank categorisation rules (``rules.toml``): the common case declared, not coded.

Rules are tried in order; the first that matches a bank line replaces its suspense posting::

    [[rules]]
    match = "(?i)ovh|o2switch"     # regular expression on "payee narration"
    account = "Expenses:Software"  # where the line goes
    vat_rate = 20                  # split deductible (or collected) VAT out of the amount
    bank = "Assets:Bank:Qonto"     # only lines of this bank account (optional)
    direction = "debit"            # "debit", "credit" or "any" (default)
    amount_min = "0"               # bounds on the absolute amount (optional)
    amount_max = "500"
    tags = ["hosting"]
    narration = "Hosting OVH"      # rewrite the narration (optional)

A line no rule matches stays on ``Assets:Suspense`` flagged ``!``: visible in ``check``'s
review list, in ``reconcile`` and in Fava. The file is validated up front and every mistake
is one sentence naming the rule and the key.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

from beancount.core import data
from beancount.core.amount import Amount
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ecomledger.booking import SUSPENSE, vat_account
from ecomledger.errors import ConfigError
from ecomledger.money import percent, round_money

RULES_NAME = "rules.toml"
DEDUCTIBLE_VAT = "Assets:VAT:Deductible"
_ACCOUNT = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class Rule(BaseModel):
    """One categorisation rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    match: str
    account: str
    vat_rate: Decimal | None = None
    bank: str = ""
    direction: Literal["debit", "credit", "any"] = "any"
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    tags: tuple[str, ...] = ()
    narration: str = ""

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a regular expression ({exc})") from exc
        return value

    @field_validator("account", "bank")
    @classmethod
    def _account(cls, value: str) -> str:
        if value and not _ACCOUNT.match(value):
            raise ValueError(f"{value!r} is not an account name like 'Expenses:Software'")
        return value

    def applies(self, account: str, number: Decimal, text: str) -> bool:
        """Whether this rule applies to a bank line, given what every rule looks at, worked
        out once per line: its bank account, signed amount and :func:`label`."""
        if self.bank and account != self.bank:
            return False
        if self.direction == "debit" and number >= 0:
            return False
        if self.direction == "credit" and number <= 0:
            return False
        if self.amount_min is not None and abs(number) < self.amount_min:
            return False
        if self.amount_max is not None and abs(number) > self.amount_max:
            return False
        return _compiled(self.match).search(text) is not None


class RuleFile(BaseModel):
    """The whole rules.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[Rule, ...] = ()


def load_rules(path: Path) -> tuple[Rule, ...]:
    """Read ``rules.toml`` (none when the file is absent)."""
    if not path.exists():
        return ()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: is not valid UTF-8 TOML ({exc}); fix the syntax") from exc
    try:
        return RuleFile.model_validate(raw).rules
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_explain(exc)}") from exc


def _explain(exc: ValidationError) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    where = ".".join(map(str, loc))
    if len(loc) > 1:
        where = f"rules[{loc[1]}]" + "".join(f".{part}" for part in loc[2:])
    if error["type"] == "extra_forbidden":
        return (
            f"{where} is not a known key; use match, account, vat_rate, bank, direction, "
            "amount_min, amount_max, tags or narration"
        )
    if error["type"] == "missing":
        return f"{where} is missing; every rule needs match and account"
    return f"{where}: " + str(error["msg"]).removeprefix("Value error, ")


def is_bank_line(txn: data.Transaction) -> bool:
    """Whether ``txn`` was imported from a bank statement (its source_id says so)."""
    source_id = str(txn.meta.get("source_id", ""))
    return ":tx:" in source_id or ":row:" in source_id


def label(txn: data.Transaction) -> str:
    """What rules and payout matching read of a bank line: its payee and narration."""
    return f"{txn.payee or ''} {txn.narration or ''}"


def bank_posting(txn: data.Transaction) -> data.Posting | None:
    """The bank-side posting of a bank line still in suspense, if ``txn`` is one."""
    if len(txn.postings) != 2 or txn.postings[1].account != SUSPENSE:
        return None
    return txn.postings[0]


def categorise(
    txn: data.Transaction, rules: Sequence[Rule], home_country: str = "FR"
) -> data.Transaction:
    """Apply the first matching rule to a bank line in suspense; return it unchanged otherwise."""
    bank = bank_posting(txn)
    if bank is None or bank.units is None or bank.units.number is None:
        return txn
    amount = bank.units.number
    rule = _first_rule(rules, bank.account, amount, label(txn))
    if rule is None:
        return txn
    currency = str(bank.units.currency)
    postings = [bank, *_counter_postings(rule, -amount, currency, home_country)]
    meta = {**txn.meta, "rule": rule.match}
    return txn._replace(
        meta=meta,
        flag="*",
        narration=rule.narration or txn.narration,
        tags=frozenset(txn.tags or ()) | frozenset(rule.tags),
        postings=postings,
    )


def _first_rule(rules: Sequence[Rule], account: str, amount: Decimal, text: str) -> Rule | None:
    for rule in rules:
        if rule.applies(account, amount, text):
            return rule
    return None


def _counter_postings(rule: Rule, total: Decimal, currency: str, home: str) -> list[data.Posting]:
    """Split ``total`` (the counter side, opposite sign of the bank line) into net and VAT."""
    if not rule.vat_rate:
        return [data.Posting(rule.account, Amount(total, currency), None, None, None, None)]
    rate = percent(rule.vat_rate)
    vat = round_money(total * rate / (100 + rate), currency)
    net = total - vat
    vat_side = DEDUCTIBLE_VAT if total > 0 else vat_account(home, rate)
    meta = {"vat_rate": rate}
    return [
        data.Posting(rule.account, Amount(net, currency), None, None, None, meta),
        data.Posting(vat_side, Amount(vat, currency), None, None, None, None),
    ]


def apply_rules(
    entries: Iterable[data.Directive], rules: Sequence[Rule], home: str = "FR"
) -> list[data.Directive]:
    """Categorise every bank line in suspense among ``entries``."""
    if not rules:
        return list(entries)
    return [categorise(e, rules, home) if isinstance(e, data.Transaction) else e for e in entries]


def suggest_rules(entries: Iterable[data.Directive], rules: Sequence[Rule]) -> list[Rule]:
    """Propose rules for payees still in suspense, from how their earlier lines were booked.

    A payee whose past bank lines were mostly booked to one account (by hand or otherwise)
    gets a rule sending it there; a payee never categorised gets no suggestion.
    """
    booked: dict[str, Counter[str]] = defaultdict(Counter)
    pending: Counter[str] = Counter()
    for entry in entries:
        if not isinstance(entry, data.Transaction) or not is_bank_line(entry):
            continue
        payee = _payee_key(entry)
        if not payee:
            continue
        if bank_posting(entry) is not None:
            pending[payee] += 1
            continue
        for posting in entry.postings[1:]:
            if not posting.account.startswith(("Assets:Bank:", "Assets:VAT:", "Liabilities:VAT:")):
                booked[payee][posting.account] += 1
                break
    suggestions = []
    for payee in sorted(pending):
        if payee not in booked:
            continue
        account, _ = booked[payee].most_common(1)[0]
        suggestions.append(Rule(match=f"(?i)^{re.escape(payee)}", account=account))
    return suggestions


def _payee_key(txn: data.Transaction) -> str:
    return re.sub(r"\s+", " ", (txn.payee or "").strip())


def format_rules(rules: Iterable[Rule]) -> str:
    """Print rules as rules.toml text."""
    out = []
    for rule in rules:
        out.append("[[rules]]")
        out.append(f"match = {_toml_str(rule.match)}")
        out.append(f"account = {_toml_str(rule.account)}")
        if rule.vat_rate is not None:
            out.append(f"vat_rate = {rule.vat_rate}")
        out.append("")
    return "\n".join(out)


def _toml_str(value: str) -> str:
    return (
        "'" + value + "'"
        if "'" not in value
        else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )
