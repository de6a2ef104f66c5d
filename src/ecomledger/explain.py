"""Beancount's and Python's terse error messages, said as one sentence with the fix.

Beancount reports a hand-written ``10,00 EUR`` as ``ValueError: Invalid number format:
'10,00'`` and ``2026-02-30`` as ``ValueError: day is out of range for month``: accurate,
but written for a programmer. ``ecomledger check`` (and every command that prints the
books' errors) passes each message through :func:`explain`, which keeps the location (the
caller prints ``file:line:``) and says what is wrong and what to write instead. A message
no rule knows is returned unchanged, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

_RULES: tuple[_Rule, ...] = (
    (
        re.compile(r"^(?:ValueError: )?Invalid number format: '(?P<n>[^']*)'"),
        lambda m: (
            f"{m['n']!r} is not a number Beancount can read; write amounts with a dot before "
            "the cents and no thousands separator or spaces, e.g. "
            f"{_dotted(m['n'])!r}"
        ),
    ),
    (
        re.compile(
            r"^(?:ValueError: )?(?:day is out of range for month|month must be in 1\.\.12|"
            r"year \d+ is out of range)"
        ),
        lambda m: (
            "this date does not exist in the calendar (such as 2026-02-30 or 2026-13-01); "
            "write a real day as YYYY-MM-DD"
        ),
    ),
    (
        re.compile(r"^Invalid reference to unknown account '(?P<a>[^']*)'"),
        lambda m: (
            f"the account {m['a']} is used but never opened; add '2000-01-01 open {m['a']}' "
            "to accounts.beancount, or correct its spelling"
        ),
    ),
    (
        re.compile(r"^Transaction does not balance: (?P<r>.*)"),
        lambda m: (
            f"this transaction does not balance: its postings leave {m['r'].strip('()')} "
            "instead of adding up to zero; correct an amount or add the missing posting"
        ),
    ),
    (
        re.compile(r"^Balance failed for '(?P<a>[^']*)': (?P<d>.*)"),
        lambda m: (
            f"the balance asserted for {m['a']} does not match the books ({m['d']}); book "
            "the missing movement before this date or correct the asserted amount"
        ),
    ),
    (
        re.compile(r"^Invalid token: '(?P<t>[^']*)'"),
        lambda m: (
            f"Beancount cannot read {m['t']!r} here; account names start with a capital "
            "(Assets:Bank:Qonto), amounts are written 10.00 EUR and text is in double "
            "quotes: fix this line"
        ),
    ),
    (
        re.compile(r"^syntax error, (?P<d>.*)"),
        lambda m: (
            f"Beancount cannot parse this line ({m['d']}); postings are indented under "
            "their transaction and text is in double quotes: fix this line"
        ),
    ),
)


def _dotted(number: str) -> str:
    """``1 234,50`` → ``1234.50``: the number as Beancount wants it, as far as we can tell."""
    digits = re.sub(r"[\s'\u00a0\u202f]", "", number)
    if "," in digits and "." in digits:
        if digits.rfind(",") > digits.rfind("."):
            digits = digits.replace(".", "").replace(",", ".")
        else:
            digits = digits.replace(",", "")
    elif "," in digits:
        digits = digits.replace(",", ".")
    return digits


def explain(message: str) -> str:
    """``message`` in plain words with the fix, or unchanged when no rule knows it."""
    for pattern, say in _RULES:
        match = pattern.match(message)
        if match:
            return say(match)
    return message
