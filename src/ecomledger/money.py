"""Money arithmetic shared by importers, booking and plugins.

Amounts are ``Decimal`` from the moment they leave a file: a float near an amount is a bug.
This module is the one place that knows how many decimals a currency has, how to read a
locale-formatted amount (``1 234,56``, ``"104,13"``, ``-1.234,56``) and how to round VAT.
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


_AMOUNT_CHARS = re.compile(r"[^0-9,.\-+]")
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # 1234.56: the common case, parsed at once


def parse_amount(text: str, decimal_mark: str | None = None) -> Decimal:
    """Parse an amount as written in a statement or export.

    Accepts thousands separators (space, no-break space, apostrophe, the other mark),
    a leading or trailing sign, parentheses for negatives and surrounding currency symbols.
    With ``decimal_mark`` None it is guessed: the last of ``.``/``,`` is the decimal mark
    unless it is a lone comma followed by three digits (``1,234``); pass the mark detected
    for the whole file to be certain.

    Raises:
        ValueError: the text is not an amount; the message quotes it.
    """
    raw = text.strip()
    if decimal_mark != "," and _PLAIN_AMOUNT.fullmatch(raw):
        value = Decimal(raw)
        return value if value else value.copy_abs()  # "-0.00" is 0.00, as below
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = _AMOUNT_CHARS.sub("", raw)
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    if cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if cleaned.startswith("-"):
        negative, cleaned = True, cleaned[1:]
    if not cleaned or not any(ch.isdigit() for ch in cleaned):
        raise ValueError(f"{text!r} is not an amount")
    mark = decimal_mark or _guess_decimal_mark(cleaned)
    thousands = "," if mark == "." else "."
    cleaned = cleaned.replace(thousands, "")
    if mark == ",":
        cleaned = cleaned.replace(",", ".")
    if cleaned.count(".") > 1:
        raise ValueError(f"{text!r} is not an amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    return -value if negative else value


def _guess_decimal_mark(digits: str) -> str:
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot == -1 and last_comma == -1:
        return "."
    if last_dot > last_comma:
        return "."
    if last_dot != -1:  # both present, comma last: 1.234,56
        return ","
    return "." if len(digits) - last_comma - 1 == 3 else ","


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
