"""ISO 4217 currency codes, to tell a real currency from an anonymiser's scramble.

Real exports carry real codes; the third-party samples we test against carry scrambled ones
(``PRA``, ``NAE``, ``SED``) and lower-case ones (``chf``). A code outside this list is not a
currency Beancount books should learn from a bank file, so the importers treat it
deliberately (:func:`read_currency`, behind ``currency_of`` of the bank and processor
importers). Historic codes that old statements still carry (``DEM``, ``FRF``) are included.
"""

from __future__ import annotations

import os

from ecomledger.codes import ISO_4217, is_currency

__all__ = ["ISO_4217", "is_currency", "read_currency"]


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
