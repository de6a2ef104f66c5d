"""Dated VAT rates of France and the 27 EU member states (pure data and lookups).

Why: the VAT plugin, the booking code and the OSS/CA3 reports all need to know which rates
are legal in a country on a given day, and rates change (Estonia 24 % from 2025-07-01,
Romania 21 % from 2025-08-01, ...). Keeping one dated table here, rather than constants in
each module, makes a rate change a one-line data edit with its date.

Each country has a list of periods; a period runs from its start date until the next
period's start. The table covers 2021-07-01 (start of the EU e-commerce package, OSS)
onwards; an earlier date gets the earliest period known. Rates are percents as
``Decimal`` (``Decimal("5.5")``). Only the rates that apply in the mainland are listed
(no Corsica, DOM, Azores/Madeira, Greek islands, parking rates). Sources:
``spec/compliance-fr-eu.md`` §4.5 (European Commission TEDB is the authority).

Example::

    >>> from datetime import date
    >>> sorted(rates_for("EE", date(2025, 6, 30)))
    [Decimal('9'), Decimal('13'), Decimal('22')]
    >>> standard_rate("EE", date(2025, 7, 1))
    Decimal('24')
"""

from __future__ import annotations

import bisect
from datetime import date
from decimal import Decimal
from typing import NamedTuple


class RatePeriod(NamedTuple):
    """The rates of one country from ``start`` until the next period starts."""

    start: date
    standard: Decimal
    reduced: frozenset[Decimal]

    @property
    def rates(self) -> frozenset[Decimal]:
        """The standard rate and every reduced rate."""
        return self.reduced | {self.standard}


TABLE_START = date(2021, 7, 1)


def _period(start: date, standard: str, *reduced: str) -> RatePeriod:
    return RatePeriod(start, Decimal(standard), frozenset(Decimal(rate) for rate in reduced))


def _constant(standard: str, *reduced: str) -> tuple[RatePeriod, ...]:
    return (_period(TABLE_START, standard, *reduced),)


# ISO 3166 alpha-2 codes (Greece is GR here; its VAT prefix is EL, see vat_prefix()).
RATES: dict[str, tuple[RatePeriod, ...]] = {
    "AT": _constant("20", "10", "13"),
    "BE": _constant("21", "6", "12"),  # 2026-03-01: items move 6 -> 12, rate set unchanged
    "BG": _constant("20", "9"),
    "HR": _constant("25", "5", "13"),
    "CY": (
        _period(TABLE_START, "19", "5", "9"),
        _period(date(2023, 7, 21), "19", "3", "5", "9"),
    ),
    "CZ": (
        _period(TABLE_START, "21", "10", "15"),
        _period(date(2024, 1, 1), "21", "12"),
    ),
    "DK": _constant("25"),
    "EE": (
        _period(TABLE_START, "20", "5", "9"),
        _period(date(2024, 1, 1), "22", "5", "9"),
        _period(date(2025, 1, 1), "22", "9", "13"),
        _period(date(2025, 7, 1), "24", "9", "13"),
    ),
    "FI": (
        _period(TABLE_START, "24", "10", "14"),
        _period(date(2024, 9, 1), "25.5", "10", "14"),
        _period(date(2026, 1, 1), "25.5", "10", "13.5"),
    ),
    "FR": _constant("20", "2.1", "5.5", "10"),
    "DE": _constant("19", "7"),
    "GR": _constant("24", "6", "13"),
    "HU": _constant("27", "5", "18"),
    "IE": _constant("23", "4.8", "9", "13.5"),
    "IT": _constant("22", "4", "5", "10"),
    "LV": _constant("21", "5", "12"),
    "LT": (
        _period(TABLE_START, "21", "5", "9"),
        _period(date(2026, 1, 1), "21", "5", "12"),
    ),
    "LU": (
        _period(TABLE_START, "17", "3", "8", "14"),
        _period(date(2023, 1, 1), "16", "3", "7", "13"),
        _period(date(2024, 1, 1), "17", "3", "8", "14"),
    ),
    "MT": _constant("18", "5", "7"),
    "NL": _constant("21", "9"),  # 2026-01-01: accommodation 9 -> 21, rate set unchanged
    "PL": _constant("23", "5", "8"),
    "PT": _constant("23", "6", "13"),
    "RO": (
        _period(TABLE_START, "19", "5", "9"),
        _period(date(2025, 8, 1), "21", "11"),
    ),
    "SK": (
        _period(TABLE_START, "20", "10"),
        _period(date(2023, 1, 1), "20", "5", "10"),
        _period(date(2025, 1, 1), "23", "5", "19"),
    ),
    "SI": _constant("22", "5", "9.5"),
    "ES": _constant("21", "4", "10"),
    "SE": _constant("25", "6", "12"),  # 2026-04-01..2027-12-31: food 12 -> 6, set unchanged
}

EU_COUNTRIES: frozenset[str] = frozenset(RATES)
_ALIASES = {"EL": "GR"}
_STARTS = {country: [period.start for period in periods] for country, periods in RATES.items()}


def normalise_country(country: str) -> str:
    """Return the ISO code of a country given as ISO code or VAT prefix (EL -> GR)."""
    code = country.strip().upper()
    return _ALIASES.get(code, code)


def vat_prefix(country: str) -> str:
    """Return the VAT-number prefix of an EU country (GR -> EL, others unchanged)."""
    code = normalise_country(country)
    return "EL" if code == "GR" else code


def is_eu(country: str) -> bool:
    """Tell whether a country (ISO code or VAT prefix) is an EU member state."""
    return normalise_country(country) in EU_COUNTRIES


def period_for(country: str, when: date) -> RatePeriod | None:
    """Return the rate period in force in a country on a date, None if not in the EU."""
    code = normalise_country(country)
    periods = RATES.get(code)
    if periods is None:
        return None
    index = bisect.bisect_right(_STARTS[code], when) - 1
    return periods[max(index, 0)]


def rates_for(country: str, when: date) -> frozenset[Decimal]:
    """Return every rate (standard and reduced) valid in a country on a date.

    Unknown and non-EU countries get an empty set.
    """
    period = period_for(country, when)
    return period.rates if period is not None else frozenset()


def standard_rate(country: str, when: date) -> Decimal | None:
    """Return the standard rate of a country on a date, None if not in the EU."""
    period = period_for(country, when)
    return period.standard if period is not None else None
