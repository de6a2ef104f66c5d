"""The codes a payload may hand us that end up as Beancount syntax, and their grammars.

A currency is written bare after every number, a country becomes an account component
(``Liabilities:VAT:Collected:DE:19``): text from a shop or a bank that reaches either is
Beancount *syntax*, not a string Beancount quotes. ``"EUR\\n2026-01-01 open Assets:X"`` as a
currency would add a directive to the books. So every such value is checked against the
closed list it must belong to (ISO 4217, ISO 3166-1) or against Beancount's own grammar
before anything is written; see :func:`ecomledger.booking.check_record`.
"""

from __future__ import annotations

import re

_CURRENCIES = """
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

#: ISO 4217 codes, current and the historic ones old statements still carry.
ISO_4217: frozenset[str] = frozenset(_CURRENCIES.split())

_COUNTRIES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    XK
"""

#: ISO 3166-1 alpha-2 codes, plus ``XK`` (Kosovo), which shops use for lack of an ISO code.
ISO_3166: frozenset[str] = frozenset(_COUNTRIES.split())

#: Beancount's account grammar (ASCII subset: what ecomledger writes).
ACCOUNT = re.compile(r"(?:Assets|Liabilities|Equity|Income|Expenses)(?::[A-Z0-9][A-Za-z0-9-]*)+")

#: Beancount's commodity grammar.
COMMODITY = re.compile(r"[A-Z][A-Z0-9'._-]{0,22}[A-Z0-9]|[A-Z]")


def is_currency(code: str) -> bool:
    """Return True when ``code`` is an ISO 4217 code (upper case, current or historic)."""
    return code in ISO_4217


def is_country(code: str) -> bool:
    """Return True when ``code`` is an ISO 3166-1 alpha-2 code (upper case)."""
    return code in ISO_3166


def is_account(name: str) -> bool:
    """Return True when ``name`` is an account Beancount reads back as one token."""
    return ACCOUNT.fullmatch(name) is not None


def is_commodity(name: str) -> bool:
    """Return True when ``name`` is a commodity Beancount reads back as one token."""
    return COMMODITY.fullmatch(name) is not None
