"""Which bank formats exist, and which one a file is in.

The CLI and the configuration name formats by these keys (``[banks.main] format =
"qonto"``). :func:`identify_format` lets ``ecomledger import`` pick a format for a file
dropped in ``inbox/`` without configuration, and :func:`explain_unidentified` gives the
one-sentence error when none matches, listing what each format looked for, so the user
knows whether to re-export the file or describe it as a generic CSV.
"""

from __future__ import annotations

import os

from ecomledger.importers import (
    camt053,
    cfonb120,
    generic_csv,
    mt940,
    ofx,
    qonto,
    revolut,
    shine,
)
from ecomledger.importers._bank import BankImporter, Sniff

#: Format name → importer class. Order matters for :func:`identify_format`: the most
#: specific signatures first, the guessed Shine layout and the generic CSV last.
BANK_FORMATS: dict[str, type[BankImporter]] = {
    "camt053": camt053.Importer,
    "ofx": ofx.Importer,
    "mt940": mt940.Importer,
    "cfonb120": cfonb120.Importer,
    "qonto": qonto.Importer,
    "revolut": revolut.Importer,
    "shine": shine.Importer,
    "csv": generic_csv.Importer,
}


def sniff_all(filepath: str) -> dict[str, Sniff]:
    """Ask every format whether ``filepath`` is theirs."""
    return {name: cls.sniff(filepath) for name, cls in BANK_FORMATS.items()}


def identify_format(filepath: str) -> str | None:
    """Return the name of the first format that recognises the file, or None."""
    for name, cls in BANK_FORMATS.items():
        if cls.sniff(filepath).ok:
            return name
    return None


def explain_unidentified(filepath: str) -> str:
    """One sentence saying which formats were tried and why none matched."""
    reasons = "; ".join(f"{name}: {sniff.reason}" for name, sniff in sniff_all(filepath).items())
    return (
        f"{os.path.basename(filepath)} is in no known bank format ({reasons}); export it "
        "again in a supported format or describe its columns as a CSV layout for the bank "
        "in ecomledger.toml"
    )
