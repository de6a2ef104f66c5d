"""ISO 4217 currency codes, to tell a real currency from an anonymiser's scramble.

Real exports carry real codes; the third-party samples we test against carry scrambled ones
(``PRA``, ``NAE``, ``SED``) and lower-case ones (``chf``). A code outside this list is not a
currency Beancount books should learn from a bank file, so the importers treat it
deliberately (:func:`read_currency`, behind ``currency_of`` of the bank and processor
importers). Historic codes that old statements still carry (``DEM``, ``FRF``) are included.
"""

from __future__ import annotations

import os

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS
    INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
    PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
    SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW
    UZS VED VES VND VUV WST XAF XAG XAU XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG
    ZWL
    ATS BEF DEM ESP FIM FRF GRD IEP ITL LUF NLG PTE
"""

ISO_4217: frozenset[str] = frozenset(_CODES.split())


def is_currency(code: str) -> bool:
    """Return True when ``code`` is an ISO 4217 code (upper case, current or historic)."""
    return code in ISO_4217


def read_currency(
    code: str,
    fallback: str,
    filepath: str,
    lineno: int,
    findings: list[str],
    booked_as: str,
) -> tuple[str, dict[str, str]]:
    """Normalise a currency code read from a file; return the currency and metadata to book.

    A lower-case code is upper-cased (``chf``), an empty one is ``fallback``. A code that is
    not ISO 4217 (an anonymiser's ``PRA``) is not trusted: its entries are booked in
    ``fallback`` with the code read kept in ``currency_in_file``, and the file gets one
    finding per such code, on its first line, rather than one per entry. ``booked_as``
    says in that finding what is booked in ``fallback`` and why that currency
    (``"lines ..., the account's currency"``).
    """
    stripped = code.strip()
    upper = stripped.upper()
    if not upper:
        return fallback, {}
    if is_currency(upper):
        return upper, {}
    prefix = f"{os.path.basename(filepath)}: {stripped!r} is not an ISO 4217 currency"
    if not any(finding.startswith(prefix) for finding in findings):
        findings.append(
            f"{prefix} (first on line {lineno}); its {booked_as}, with the code read kept "
            "in currency_in_file"
        )
    return fallback, {"currency_in_file": stripped}
