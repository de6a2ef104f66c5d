"""Which bank formats exist, and which one a file is in.

The CLI and the configuration name formats by these keys (``[banks.main] format =
"qonto"``). :func:`identify_format` lets ``ecomledger import`` pick a format for a file
dropped in ``inbox/`` without configuration, and :func:`explain_unidentified` gives the
one-sentence error when none matches, listing what each format looked for, so the user
knows whether to re-export the file or describe it as a generic CSV.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping

from ecomledger.importers._bank import BankImporter, Sniff


class _Formats(Mapping[str, type[BankImporter]]):
    """Format name → importer class, each module imported on first use.

    The OFX parser alone takes most of a second to import; a run that reads only a Qonto
    CSV should not pay for it.
    """

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names
        self._loaded: dict[str, type[BankImporter]] = {}

    def __getitem__(self, name: str) -> type[BankImporter]:
        if name not in self._loaded:
            module = importlib.import_module(f"ecomledger.importers.{self._names[name]}")
            self._loaded[name] = module.Importer
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


#: Format name → importer class. Order matters for :func:`identify_format`: the most
#: specific signatures first, the guessed Shine layout and the generic CSV last.
BANK_FORMATS: Mapping[str, type[BankImporter]] = _Formats(
    {
        "camt053": "camt053",
        "ofx": "ofx",
        "mt940": "mt940",
        "cfonb120": "cfonb120",
        "qonto": "qonto",
        "revolut": "revolut",
        "shine": "shine",
        "csv": "generic_csv",
    }
)


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
