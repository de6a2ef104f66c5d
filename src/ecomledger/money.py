"""Money arithmetic shared by importers, booking and plugins.

Amounts are ``Decimal`` from the moment they leave a file: a float near an amount is a bug.
This module is the one place that knows how many decimals a currency has, how to read a
locale-formatted amount (``1 234,56``, ``"104,13"``, ``-1.234,56``) and how to round VAT.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, Inexact, InvalidOperation

from ecomledger.codes import ISO_4217

ZERO = Decimal("0")
CENT = Decimal("0.01")

#: ISO 4217 currencies whose minor unit is not two decimals.
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def exponent(currency: str) -> int:
    """Return the number of decimals of ``currency`` (2 unless ISO 4217 says otherwise)."""
    return _EXPONENTS.get(currency.upper(), 2)


@functools.lru_cache(maxsize=64)
def quantum(currency: str) -> Decimal:
    """Return the smallest unit of ``currency`` as a Decimal (``0.01`` for EUR)."""
    return Decimal(1).scaleb(-exponent(currency))


def round_money(amount: Decimal, currency: str = "EUR") -> Decimal:
    """Round ``amount`` half-up to the currency's minor unit, as invoices and VAT do."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def from_minor(units: int | str | Decimal, currency: str) -> Decimal:
    """Convert integer minor units (Stripe, Square) to a Decimal amount in major units."""
    return (Decimal(units).scaleb(-exponent(currency))).quantize(quantum(currency))


_PLAIN_DOT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # 1234.56: the common case, parsed at once
_PLAIN_COMMA = re.compile(r"-?[0-9]+(?:,[0-9]+)?")  # 1234,56: the same in comma notation
_MINUS = "-\u2212"  # ASCII hyphen-minus and the typographic minus sign
_GROUPING = " '\u00a0\u202f\u2019"  # space, apostrophe, no-break spaces, right quote


@functools.lru_cache(maxsize=4)
def _body(mark: str) -> re.Pattern[str]:
    """Digits in groups of three (one separator kind throughout), then the decimal part."""
    other = "," if mark == "." else "."
    sep = "[" + re.escape(other + _GROUPING) + "]"
    dec = re.escape(mark)
    return re.compile(
        rf"(?:[0-9]{{1,3}}(?P<sep>{sep})[0-9]{{3}}(?:(?P=sep)[0-9]{{3}})*|[0-9]+)"
        rf"(?:{dec}[0-9]+)?|{dec}[0-9]+"
    )


def parse_amount(text: str, decimal_mark: str | None = None) -> Decimal:
    """Parse an amount as written in a statement or export, exactly or not at all.

    Accepted: digits, thousands separators in groups of three (the other mark, a space, a
    no-break space or an apostrophe, one kind per value), the decimal mark and decimals;
    one sign, leading or trailing, or parentheses for a negative; one currency symbol or
    ISO code before or after. Anything else (``12abc``, ``5e3``, ``--5``, ``1.234,5x``,
    ``1,2,3``) is refused rather than read as the characters that look like a number:
    dropping what is not understood is how ``1.234,5x`` becomes 1.2345 in the books.

    With ``decimal_mark`` None the mark is guessed from the value alone: the last of
    ``.``/``,`` when both appear, a mark that repeats is a thousands separator, and a lone
    comma followed by three digits (``1,234``) is one too. Pass the mark detected for the
    whole file to be certain: then ``1234.56`` in a comma file is refused, not read as
    123456.

    Raises:
        ValueError: the text is not an amount in that notation; the message quotes it.
    """
    raw = text.strip()
    if decimal_mark == ",":
        if _PLAIN_COMMA.fullmatch(raw):
            value = Decimal(raw.replace(",", "."))
            return value if value else value.copy_abs()
    elif _PLAIN_DOT.fullmatch(raw):
        value = Decimal(raw)
        return value if value else value.copy_abs()  # "-0.00" is 0.00, as below
    negative, body = _unwrap(raw, text)
    mark = decimal_mark or _guess_decimal_mark(body)
    if not _body(mark).fullmatch(body):
        raise ValueError(
            f"{text!r} is not an amount (digits with {mark!r} as the decimal mark, "
            "one sign, nothing else)"
        )
    digits = "".join(ch for ch in body if ch.isdigit() or ch == mark).replace(mark, ".")
    value = Decimal(digits)
    if not value:
        return value
    return -value if negative else value


def _unwrap(raw: str, text: str) -> tuple[bool, str]:
    """Split off what may surround the number: parentheses, one sign, one currency."""
    refused = ValueError(f"{text!r} is not an amount")
    negative = parens = raw.startswith("(") and raw.endswith(")")
    if parens:
        raw = raw[1:-1].strip()
    raw, currencies = _peel_currency(raw)
    signs = 0
    if not raw:
        raise refused
    if raw[0] in _MINUS or raw[0] == "+":
        signs, negative = 1, negative or raw[0] != "+"
        raw = raw[1:].lstrip()
    elif raw[-1] in _MINUS or raw[-1] == "+":
        signs, negative = 1, negative or raw[-1] != "+"
        raw = raw[:-1].rstrip()
    raw, more = _peel_currency(raw)
    if currencies + more > 1 or (signs and parens):
        raise refused
    if not raw or raw[0] not in "0123456789.," or not raw[-1].isdigit():
        raise refused
    return negative, raw


def _peel_currency(raw: str) -> tuple[str, int]:
    """Remove one currency symbol or ISO code from either end; return the rest and a count."""
    count = 0
    if raw and unicodedata.category(raw[0]) == "Sc":
        raw, count = raw[1:].lstrip(), count + 1
    elif raw[:3] in ISO_4217 and not raw[3:4].isalpha():
        raw, count = raw[3:].lstrip(), count + 1
    if raw and unicodedata.category(raw[-1]) == "Sc":
        raw, count = raw[:-1].rstrip(), count + 1
    elif raw[-3:] in ISO_4217 and not raw[-4:-3].isalpha():
        raw, count = raw[:-3].rstrip(), count + 1
    return raw, count


def _guess_decimal_mark(body: str) -> str:
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if dots > 1:
        return ","
    if commas > 1:
        return "."
    if commas:
        return "." if len(body) - body.rfind(",") - 1 == 3 else ","
    return "."


#: Amounts at or beyond this are refused: Decimal arithmetic keeps 28 significant digits,
#: and sums of amounts this large with their cents must stay exact.
_MAX_DIGITS = 15
MAX_AMOUNT = Decimal(10) ** _MAX_DIGITS


@functools.lru_cache(maxsize=64)
def _exact(currency: str) -> tuple[Decimal, Context]:
    """The currency's unit, and a context in which quantizing to it raises unless exact.

    ``amount.quantize(unit, None, context)`` is then the whole test of a finite amount, in
    one call into C: Inexact when a digit beyond the currency's decimals is not zero,
    InvalidOperation for an infinity or for :data:`MAX_AMOUNT` or beyond (the result would
    need more than ``15 + decimals`` digits). A quiet NaN passes through it: test
    ``is_finite()`` first.
    """
    context = Context(prec=_MAX_DIGITS + exponent(currency), traps=[Inexact, InvalidOperation])
    return quantum(currency), context


def money_fits(amounts: Iterable[Decimal | None], currency: str) -> bool:
    """Whether every amount can be booked exactly in ``currency``: True exactly when
    :func:`money_problem` finds nothing to say about any of them (None, an amount the
    record does not state, is skipped).

    The fast path of the checks booking runs on every record: no message is built, and a
    whole order's amounts are tested in a loop of C calls.
    """
    unit, context = _exact(currency)
    try:
        for amount in amounts:
            if amount is None:
                continue
            if not amount.is_finite():
                return False
            amount.quantize(unit, None, context)
    except DecimalException:
        return False
    return True


def money_problem(amount: Decimal, currency: str) -> str:
    """Say why ``amount`` cannot be booked exactly in ``currency`` ("" when it can).

    A book amount is finite, below :data:`MAX_AMOUNT` and a whole number of the currency's
    minor units (``10.005 EUR`` and ``1500.50 JPY`` are not); rounding it silently would
    book money nobody moved, so the caller refuses the record naming the field.
    """
    unit, context = _exact(currency)  # the fast path: see _exact
    if amount.is_finite():
        try:
            amount.quantize(unit, None, context)
            return ""
        except DecimalException:
            pass
    if not amount.is_finite():
        return f"{amount} is not a number"
    if abs(amount) >= MAX_AMOUNT:
        return f"{plain(amount)} is beyond the {plain(MAX_AMOUNT)} ecomledger can add exactly"
    places = exponent(currency)
    if -amount.as_tuple().exponent > places and amount != amount.quantize(quantum(currency)):  # type: ignore[operator]
        unit_text = "no decimals" if not places else f"{places} decimals"
        return f"{plain(amount)} {currency} has more decimals than {currency} has ({unit_text})"
    return ""


def plain(number: Decimal) -> str:
    """Write a number in positional notation, as Beancount reads it (never ``1E-7``)."""
    text = str(number)
    return text if "E" not in text else format(number, "f")


def as_minor_units(number: Decimal, currency: str) -> str:
    """Write an amount with exactly the currency's decimals when that is exact
    (``1500.00 JPY`` → ``1500``, ``12.5 EUR`` → ``12.50``), else positionally as given."""
    return minor_units_writer(currency)(number)


@functools.lru_cache(maxsize=64)
def minor_units_writer(currency: str) -> Callable[[Decimal], str]:
    """:func:`as_minor_units` for one currency, for writers that render many amounts."""
    unit, context = _exact(currency)

    def write(number: Decimal) -> str:
        try:
            # exact and below MAX_AMOUNT: the quantized value, whose exponent (-decimals,
            # 0 at most) str() always writes positionally; a quiet NaN comes back as itself
            return str(number.quantize(unit, None, context))
        except DecimalException:
            return plain(number)

    return write


def vat_from_inclusive(gross: Decimal, rate_percent: Decimal, currency: str = "EUR") -> Decimal:
    """Return the VAT contained in a tax-inclusive ``gross`` at ``rate_percent``."""
    rate = rate_percent / 100
    return round_money(gross * rate / (1 + rate), currency)


def vat_on_net(net: Decimal, rate_percent: Decimal, currency: str = "EUR") -> Decimal:
    """Return the VAT due on a tax-exclusive ``net`` at ``rate_percent``."""
    return round_money(net * rate_percent / 100, currency)


def rate_component(rate_percent: Decimal) -> str:
    """Spell a VAT rate as an account component: ``20`` → ``20``, ``5.5`` → ``5-5``."""
    return format(percent(rate_percent), "f").replace(".", "-")


def percent(rate: Decimal) -> Decimal:
    """Normalise a VAT rate in percent for display and metadata: ``20.00`` → ``20``, ``5.50`` →
    ``5.5`` (never ``2E+1``, which Beancount cannot read back)."""
    normal = rate.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def largest_remainders(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` by ``weights`` to the cent, largest remainders first, so the parts
    add up exactly (the 3.33 + 3.34 + 3.33 that real shops produce)."""
    whole = sum(weights, ZERO)
    if not whole:
        return [ZERO for _ in weights]
    raw = [total * w / whole for w in weights]
    parts = [r.quantize(CENT, rounding="ROUND_DOWN") for r in raw]
    short = int((total - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)
    for i in order[:short]:
        parts[i] += CENT
    return parts
