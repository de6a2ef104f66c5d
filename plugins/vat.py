"""Check the VAT of sales, credit notes and EU processor fees against the rules of trade.

Why: the VAT an importer books comes from the shop's own tax settings, which are often
wrong (a French rate on a German consumer after the OSS threshold, VAT on a B2B sale to a
company with a valid VAT number, a missing reverse-charge mention). Only the whole books
know the EU-wide distance-sales total and the dates of rate changes, so the check runs as a
plugin over every loaded ledger, in ``bean-check``, ``ecomledger check`` and Fava alike.

Configuration (a Python or JSON literal; these are the defaults)::

    plugin "ecomledger.plugins.vat" "{'oss_opt_in': False, 'tolerance': '0.01',
                                      'home_country': 'FR', 'threshold': '10000'}"

Rules, for every transaction carrying ``invoice``, ``credit_note``, ``invoice_range`` or
``credit_note_range`` metadata (one order, one credit note, or a daily summary entry of
orders or of credit notes; the rules read postings and
their metadata, never assume one order per transaction):

* each ``Income:Sales:*`` posting carries ``vat_rate`` (percent); its country is its own
  ``country`` metadata, else the transaction's;
* ``Income:Sales:Goods:France``: taxed at a French rate valid on the entry's date;
* ``Income:Sales:Goods:EU-B2C`` (country in the EU, not FR): taxed at a rate of the
  destination country once the EU-wide threshold is passed, else at a French rate (unless
  ``oss_opt_in``). The threshold counts the net amounts (credit notes deducted) of all
  ``Income:Sales:Goods:EU-B2C`` postings in EUR per calendar year; it is passed for the
  whole year when the previous year's total exceeded it, and from the posting that makes the
  current year's total exceed it (that sale itself is taxed at destination). A credit note
  follows the treatment of the invoice named in ``credits`` (the current one if unknown);
* ``Income:Sales:Goods:EU-B2B``: 0 %, a ``customer_vat`` valid for python-stdnum whose
  prefix is the delivery country's (``EL`` for GR) and a ``vat_mention`` naming the reverse
  charge ("Autoliquidation" or "Exonération de TVA, article 262 ter I du CGI");
* ``Income:Sales:Goods:Export``: a non-EU ``country`` and 0 %;
* other ``Income:Sales:*`` postings (shipping, discounts) follow their country: home ->
  domestic, EU with ``customer_vat`` -> B2B, EU -> B2C, else export;
* per VAT account ``Liabilities:VAT:Collected:<CC>:<rate>`` of the entry, the VAT must equal
  the sum of the bases taxed at that rate in that country times the rate, rounded half-up
  to the cent, within ``tolerance`` (default 0.01 EUR) per rate per entry, times the number
  of invoices of a summary entry (each order was rounded on its own);
* fees (``Expenses:Fees:*``, ``Expenses:Commissions:*``) in a transaction whose
  ``supplier_country`` is an EU country other than FR are self-assessed at the French
  standard rate: a ``Liabilities:VAT:IntraEU`` credit and an ``Assets:VAT:Deductible``
  debit of fee x 20 %, within the same tolerance.

Example. Before::

    2026-03-02 * "Order #1042"
      invoice: "F-2026-000042"
      country: "FR"
      Assets:Clearing:Stripe            119.00 EUR
      Income:Sales:Goods:France        -100.00 EUR
        vat_rate: 20
      Liabilities:VAT:Collected:FR:20   -19.00 EUR

After: the entries are unchanged and ``bean-check`` prints::

    main.beancount:12: Invoice F-2026-000042: VAT at 20% on base 100.00 EUR should be
    20.00 EUR, found 19.00 EUR on Liabilities:VAT:Collected:FR:20
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from beancount.core import data
from stdnum.eu import vat as eu_vat

from ecomledger.memory import paused_gc
from ecomledger.plugins._errors import PluginError, parse_config
from ecomledger.vat_rates import is_eu, normalise_country, rates_for, standard_rate, vat_prefix

__plugins__ = ("check_vat",)

PLUGIN = "ecomledger.plugins.vat"
DEFAULTS: dict[str, Any] = {
    "oss_opt_in": False,
    "tolerance": "0.01",
    "home_country": "FR",
    "threshold": "10000",
}
SALES = "Income:Sales:"
COLLECTED = "Liabilities:VAT:Collected:"
GOODS_FR = "Income:Sales:Goods:France"
GOODS_B2C = "Income:Sales:Goods:EU-B2C"
GOODS_B2B = "Income:Sales:Goods:EU-B2B"
GOODS_EXPORT = "Income:Sales:Goods:Export"
FEE_PREFIXES = ("Expenses:Fees:", "Expenses:Commissions:")
INTRA_EU = "Liabilities:VAT:IntraEU"
DEDUCTIBLE = "Assets:VAT:Deductible"
REVERSE_CHARGE_WORDS = ("autoliquidation", "262 ter")
CENT = Decimal("0.01")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

DOMESTIC, B2C, B2B, EXPORT = "domestic", "B2C", "B2B", "export"
FIXED_REGIMES = {GOODS_FR: DOMESTIC, GOODS_B2C: B2C, GOODS_B2B: B2B, GOODS_EXPORT: EXPORT}


class VatError(PluginError):
    """A sale, credit note or fee whose VAT breaks a rule (see the module docstring)."""


@dataclass(frozen=True)
class Settings:
    """The plugin's configuration, typed."""

    oss_opt_in: bool
    tolerance: Decimal
    home: str
    threshold: Decimal


@dataclass
class DistanceSales:
    """Running EU-wide total of intra-EU B2C distance sales, per calendar year."""

    threshold: Decimal
    totals: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    passed: set[int] = field(default_factory=set)

    def add(self, year: int, base: Decimal) -> None:
        """Count a net amount; a year's threshold, once passed, stays passed."""
        self.totals[year] += base
        if self.totals[year] > self.threshold or self.totals[year - 1] > self.threshold:
            self.passed.add(year)

    def is_passed(self, year: int) -> bool:
        """Tell whether sales of that year are taxed at destination (as of now)."""
        return year in self.passed or self.totals[year - 1] > self.threshold


@dataclass(slots=True)
class Line:
    """One ``Income:Sales:*`` posting, as the rules see it."""

    account: str
    base: Decimal
    rate: Decimal
    country: str | None
    regime: str
    tax_country: str = ""


class Postings(NamedTuple):
    """What the rules read from an entry's postings, in one pass."""

    lines: list[Line]
    found: dict[tuple[str, Decimal], Decimal]  # collected VAT per (country, rate)
    currency: str  # of the last collected-VAT posting, EUR if none


def format_rate(rate: Decimal) -> str:
    """Return a rate as written in messages (``20``, ``5.5``)."""
    return format(rate.normalize(), "f")


def rate_of_account(suffix: str) -> Decimal | None:
    """Return the rate encoded in a VAT account's last component (``5-5`` -> 5.5)."""
    try:
        return Decimal(suffix.replace("-", "."))
    except InvalidOperation:
        return None


@functools.lru_cache(maxsize=1024)
def collected_key(account: str) -> tuple[str, Decimal] | None:
    """Return (country, rate) of a ``Liabilities:VAT:Collected:<CC>:<rate>`` account."""
    parts = account.split(":")
    rate = rate_of_account(parts[-1])
    if rate is None or len(parts) != 5:
        return None
    return parts[3], rate


def vat_account(country: str, rate: Decimal) -> str:
    """Return the collected-VAT account of a country and rate."""
    return f"{COLLECTED}{country}:{format_rate(rate).replace('.', '-')}"


def money(value: Decimal) -> str:
    """Format an amount to the cent."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=1024)
def country_code(value: object) -> str:
    """Cached :func:`ecomledger.vat_rates.normalise_country` of a metadata value."""
    return normalise_country(str(value))


@functools.lru_cache(maxsize=4096)
def valid_rates(country: str, when: date) -> frozenset[Decimal]:
    """Cached :func:`ecomledger.vat_rates.rates_for`."""
    return rates_for(country, when)


@functools.lru_cache(maxsize=65536)
def vat_number_problem(number: str, country: str) -> str | None:
    """Return why a customer VAT number cannot be used for a country, or None if fine."""
    if not eu_vat.is_valid(number):
        return f"customer_vat {number!r} is not a valid EU VAT number"
    prefix = eu_vat.compact(number)[:2].upper()
    expected = vat_prefix(country)
    if prefix != expected:
        return (
            f"customer_vat {number!r} is registered in {prefix}, not in the delivery "
            f"country {country} (prefix {expected})"
        )
    return None


def document_label(entry: data.Transaction) -> str:
    """Name the document of an entry: ``Invoice F-...``, ``Credit note AV-...``."""
    meta = entry.meta
    if "credit_note" in meta:
        return f"Credit note {meta['credit_note']}"
    if "invoice" in meta:
        return f"Invoice {meta['invoice']}"
    return f"Summary {meta.get('invoice_range') or meta.get('credit_note_range')}"


def where(entry: data.Transaction, line: Line) -> str:
    """Name a sales line in messages: ``Invoice F-...: Income:Sales:...``."""
    return f"{document_label(entry)}: {line.account}"


def invoice_count(entry: data.Transaction) -> int:
    """Return how many invoices (or credit notes) an entry stands for (a summary's range
    size, else 1)."""
    value = entry.meta.get("invoice_range") or entry.meta.get("credit_note_range")
    if value is None:
        return 1
    first, _, last = str(value).partition("..")
    start, end = re.search(r"(\d+)$", first), re.search(r"(\d+)$", last)
    if start is None or end is None:
        return 1
    return max(int(end[1]) - int(start[1]) + 1, 1)


def regime_of(account: str, country: str | None, has_vat: bool, home: str) -> str:
    """Return the VAT regime of a sales posting from its account and country."""
    fixed = FIXED_REGIMES.get(account)
    if fixed is not None:
        return fixed
    if country is None or country == home:
        return DOMESTIC
    if is_eu(country):
        return B2B if has_vat else B2C
    return EXPORT


class SaleChecker:
    """Checks sales entries in date order, carrying the distance-sales total along.

    Why the shape: this runs on every order of the books (100,000 a year for a busy shop),
    so the checks append to one error list instead of chaining generators, and the
    document label of messages is only computed when there is a message to write.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.distance = DistanceSales(settings.threshold)
        self.destination_of: dict[str, bool] = {}
        self.kinds: dict[str, tuple[str, Any]] = {}

    def account_kind(self, account: str) -> tuple[str, Any]:
        """Classify an account once: ``(SALES, fixed regime or None)``, ``(COLLECTED,
        (country, rate) or None)`` or ``("", None)``; cached per account string."""
        kind = self.kinds.get(account)
        if kind is None:
            if account.startswith(SALES):
                kind = (SALES, FIXED_REGIMES.get(account))
            elif account.startswith(COLLECTED):
                kind = (COLLECTED, collected_key(account))
            else:
                kind = ("", None)
            self.kinds[account] = kind
        return kind

    def read(self, entry: data.Transaction, errors: list[PluginError]) -> Postings:
        """Read the entry's sales postings and collected VAT in one pass over its postings.

        Sales postings without a usable rate are reported and left out.
        """
        meta = entry.meta
        home = self.settings.home
        lines = []
        found: dict[tuple[str, Decimal], Decimal] = {}
        currency = "EUR"
        for posting in entry.postings:
            units = posting.units
            if units is None:
                continue
            account = posting.account
            kind, detail = self.kinds.get(account) or self.account_kind(account)
            if kind == COLLECTED:
                if detail is not None:
                    found[detail] = found.get(detail, ZERO) - (units.number or ZERO)
                    currency = units.currency
                continue
            if kind != SALES:
                continue
            pmeta = posting.meta or {}
            rate = pmeta.get("vat_rate")
            if type(rate) is not Decimal:
                if not isinstance(rate, int):
                    message = (
                        f"{document_label(entry)}: posting on {account} needs a numeric "
                        f"vat_rate metadata (percent), found {rate!r}"
                    )
                    errors.append(VatError(meta, message, entry))
                    continue
                rate = Decimal(rate)
            country = pmeta.get("country", meta.get("country"))
            country = country_code(country) if country is not None else None
            regime = detail or regime_of(
                account, country, "customer_vat" in pmeta or "customer_vat" in meta, home
            )
            lines.append(Line(account, -(units.number or ZERO), rate, country, regime))
        return Postings(lines, found, currency)

    def destination_for(self, entry: data.Transaction, line: Line) -> bool:
        """Decide whether a B2C line is taxed at destination, counting it if goods."""
        if self.settings.oss_opt_in:
            return True
        year = entry.date.year
        if "credit_note" in entry.meta:
            if line.account == GOODS_B2C:
                self.distance.add(year, line.base)
            credited = self.destination_of.get(str(entry.meta.get("credits")))
            return credited if credited is not None else self.distance.is_passed(year)
        if line.account == GOODS_B2C:
            self.distance.add(year, line.base)
        return self.distance.is_passed(year)

    def check_line(self, entry: data.Transaction, line: Line, errors: list[PluginError]) -> None:
        """Append the errors of one line and set its tax country (empty if exempt)."""
        home = self.settings.home
        country = line.country
        regime = line.regime
        if regime == DOMESTIC:
            if line.account == GOODS_FR and country is not None and country != home:
                message = f"{where(entry, line)} is for domestic sales but the country is {country}"
                errors.append(VatError(entry.meta, message, entry))
            line.tax_country = home
        elif regime == B2C:
            if country is None or country == home or not is_eu(country):
                message = (
                    f"{where(entry, line)} needs a country of the EU other than {home}, "
                    f"found {country}"
                )
                errors.append(VatError(entry.meta, message, entry))
                return
            destination = self.destination_for(entry, line)
            line.tax_country = country if destination else home
        elif line.rate != ZERO:
            reason = (
                "exempt intra-EU supply, art. 262 ter I CGI"
                if regime == B2B
                else "export, art. 262 I CGI"
            )
            message = (
                f"{where(entry, line)} must be at 0% VAT ({reason}), found "
                f"{format_rate(line.rate)}%"
            )
            errors.append(VatError(entry.meta, message, entry))
        if regime == EXPORT and (country is None or is_eu(country)):
            message = (
                f"{where(entry, line)} is for exports outside the EU but the country is {country}"
            )
            errors.append(VatError(entry.meta, message, entry))
        if line.tax_country and line.rate not in valid_rates(line.tax_country, entry.date):
            errors.append(self.rate_error(entry, line))

    def rate_error(self, entry: data.Transaction, line: Line) -> VatError:
        """Return the error of a line whose rate is not valid in its tax country that day."""
        rates = valid_rates(line.tax_country, entry.date)
        valid = ", ".join(f"{format_rate(rate)}%" for rate in sorted(rates))
        why = ""
        if line.regime == B2C:
            year = entry.date.year
            total = self.distance.totals[year]
            if line.tax_country == line.country and not self.settings.oss_opt_in:
                why = (
                    f" (EU-wide distance sales {money(total)} EUR in {year}, over the "
                    f"EUR {self.settings.threshold} threshold: destination VAT applies)"
                )
            elif line.tax_country == self.settings.home:
                why = (
                    f" (EU-wide distance sales {money(total)} EUR in {year}, under the "
                    f"EUR {self.settings.threshold} threshold: French VAT applies)"
                )
        return VatError(
            entry.meta,
            f"{where(entry, line)} is taxed at {format_rate(line.rate)}%, not a "
            f"{line.tax_country} rate on {entry.date}{why}; valid: {valid}",
            entry,
        )

    def check_b2b(self, entry: data.Transaction, lines: list[Line]) -> Iterator[VatError]:
        """Yield the errors of the customer VAT number and mention of a B2B entry."""
        meta = entry.meta
        countries = sorted({line.country or "" for line in lines if line.regime == B2B})
        if not countries:
            return
        label = document_label(entry)
        number = meta.get("customer_vat")
        if number is None:
            yield VatError(
                meta,
                f"{label}: an intra-EU B2B sale needs the customer's VAT number in customer_vat",
                entry,
            )
        else:
            for country in countries:
                problem = vat_number_problem(str(number), country)
                if problem is not None:
                    yield VatError(meta, f"{label}: {problem}", entry)
        mention = str(meta.get("vat_mention", ""))
        if not any(word in mention.lower() for word in REVERSE_CHARGE_WORDS):
            yield VatError(
                meta,
                f"{label}: an intra-EU B2B sale needs a vat_mention of the exemption or "
                "reverse charge ('Exonération de TVA, article 262 ter I du CGI' or "
                f"'Autoliquidation'), found {mention!r}",
                entry,
            )

    def check_amounts(
        self, entry: data.Transaction, read: Postings, errors: list[PluginError]
    ) -> None:
        """Append an error per VAT account whose amount is not base x rate."""
        bases: dict[tuple[str, Decimal], Decimal] = {}
        for line in read.lines:
            if line.tax_country:
                key = (line.tax_country, line.rate)
                bases[key] = bases.get(key, ZERO) + line.base
        found = read.found
        currency = read.currency
        tolerance: Decimal | None = None
        for key, base in bases.items():
            country, rate = key
            amount = found.pop(key, ZERO)
            expected = (base * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            if amount == expected:
                continue
            if tolerance is None:
                tolerance = self.settings.tolerance * invoice_count(entry)
            if abs(amount - expected) > tolerance:
                errors.append(
                    VatError(
                        entry.meta,
                        f"{document_label(entry)}: VAT at {format_rate(rate)}% on base "
                        f"{money(base)} {currency} should be {money(expected)} {currency}, "
                        f"found {money(amount)} {currency} on {vat_account(country, rate)}",
                        entry,
                    )
                )
        if found:
            errors.extend(self.unexpected_vat(entry, found, currency))

    def unexpected_vat(
        self, entry: data.Transaction, found: dict[tuple[str, Decimal], Decimal], currency: str
    ) -> Iterator[VatError]:
        """Yield an error per VAT account with an amount no sales posting is taxed at."""
        for (country, rate), amount in sorted(found.items()):
            if amount != ZERO:
                yield VatError(
                    entry.meta,
                    f"{document_label(entry)}: found {money(amount)} {currency} on "
                    f"{vat_account(country, rate)} but no sales posting of this entry is "
                    f"taxed at {format_rate(rate)}% in {country}",
                    entry,
                )

    def check(self, entry: data.Transaction) -> list[PluginError]:
        """Return the VAT errors of one sales, credit-note or summary entry."""
        errors: list[PluginError] = []
        read = self.read(entry, errors)
        lines = read.lines
        b2b = False
        for line in lines:
            self.check_line(entry, line, errors)
            if line.regime == B2B:
                b2b = True
        meta = entry.meta
        if "invoice" in meta and "credit_note" not in meta:
            b2c = [line.tax_country == line.country for line in lines if line.account == GOODS_B2C]
            if b2c:
                self.destination_of[str(meta["invoice"])] = any(b2c)
        if not errors:
            self.check_amounts(entry, read, errors)
        if b2b:
            errors.extend(self.check_b2b(entry, lines))
        return errors


def check_fees(entry: data.Transaction, settings: Settings) -> Iterator[VatError]:
    """Yield errors if fees from an EU supplier abroad are not self-assessed."""
    supplier = normalise_country(str(entry.meta["supplier_country"]))
    if supplier == settings.home or not is_eu(supplier):
        return
    fees = intra = deductible = ZERO
    currency = "EUR"
    for posting in entry.postings:
        if posting.units is None or posting.units.number is None:
            continue
        account = posting.account
        if account.startswith(FEE_PREFIXES):
            fees += posting.units.number
            currency = posting.units.currency
        elif account == INTRA_EU:
            intra -= posting.units.number
        elif account == DEDUCTIBLE:
            deductible += posting.units.number
    rate = standard_rate(settings.home, entry.date)
    if fees == ZERO or rate is None:
        return
    expected = (fees * rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    head = (
        f"Fees of {money(fees)} {currency} from a supplier established in {supplier} must "
        f"be self-assessed at {format_rate(rate)}%"
    )
    for account, side, value in ((INTRA_EU, "credit", intra), (DEDUCTIBLE, "debit", deductible)):
        if abs(value - expected) > settings.tolerance:
            yield VatError(
                entry.meta,
                f"{head}: expected a {side} of {money(expected)} {currency} on {account}, "
                f"found {money(value)} {currency}",
                entry,
            )


def read_settings(config_str: str | None) -> tuple[Settings, list[PluginError]]:
    """Parse the config string into typed settings (bad values fall back to defaults)."""
    raw, errors = parse_config(config_str, DEFAULTS, PLUGIN)
    try:
        tolerance = Decimal(str(raw["tolerance"]))
        threshold = Decimal(str(raw["threshold"]))
    except InvalidOperation:
        source = data.new_metadata(f"<{PLUGIN}>", 0)
        message = f"Invalid tolerance or threshold in {PLUGIN} config: {config_str!r}"
        errors.append(VatError(source, message, None))
        tolerance, threshold = Decimal(DEFAULTS["tolerance"]), Decimal(DEFAULTS["threshold"])
    home = normalise_country(str(raw["home_country"]))
    return Settings(bool(raw["oss_opt_in"]), tolerance, home, threshold), errors


def check_vat(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[PluginError]]:
    """Check the VAT of every sales document and EU fee; the entries are returned as is.

    Args:
      entries: The booked entries, in date order.
      options_map: The parser's options (unused).
      config_str: Optional settings, see the module docstring.

    Returns:
      The unchanged entries and the VAT errors.
    """
    with paused_gc():
        return _check_vat(entries, options_map, config_str)


def _check_vat(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None
) -> tuple[data.Directives, list[PluginError]]:
    """Do the work of :func:`check_vat`."""
    del options_map
    settings, errors = read_settings(config_str)
    sales = SaleChecker(settings)
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        meta = entry.meta
        if (
            "invoice" in meta
            or "credit_note" in meta
            or "invoice_range" in meta
            or "credit_note_range" in meta
        ):
            errors.extend(sales.check(entry))
        if "supplier_country" in meta:
            errors.extend(check_fees(entry, settings))
    return entries, errors
