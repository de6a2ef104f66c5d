"""Which importer reads which bank API's payloads: the table ``ecomledger.ingest`` uses.

A ``[[banks]]`` entry with ``api = "qonto"`` (``"revolut"``, ``"gocardless"``) gets the
importer of that API's fetched payloads *beside* the importer of its statement ``format``,
so the same bank takes both its fetches and the CSV files dropped in the inbox, and the
two dedupe against each other (see :mod:`ecomledger.importers._bank_api`).
"""

from __future__ import annotations

import importlib
from typing import Any

from ecomledger.importers._bank_api import ApiBankImporter

#: ``api`` → module of its importer (imported on first use).
BANK_API_IMPORTERS = {"qonto": "qonto_api", "revolut": "revolut_api", "gocardless": "gocardless"}


def build(bank: Any, timezone: str) -> ApiBankImporter:
    """The payload importer of ``bank`` (a ``[[banks]]`` entry whose ``api`` is set)."""
    module = importlib.import_module(f"ecomledger.importers.{BANK_API_IMPORTERS[bank.api]}")
    options: dict[str, str] = {}
    if bank.api == "revolut" and bank.account_id:
        options["account_id"] = bank.account_id
    importer: ApiBankImporter = module.Importer(
        bank.name,
        bank.account,
        bank.currency,
        accounts=bank.accounts,
        timezone=timezone,
        **options,
    )
    return importer


__all__ = ["BANK_API_IMPORTERS", "build"]
