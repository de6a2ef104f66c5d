"""Shine (French neobank) CSV export: a documented best guess, through the generic CSV.

No Shine export, sample or format description could be found (see the research notes in
``spec/formats.md`` §5). Rather than invent a dedicated parser for a format nobody has
seen, Shine is the generic CSV importer with a *guessed* default layout: ``;``-separated,
decimal comma, ``dd/mm/yyyy`` dates, columns ``Date``, ``Libellé``, ``Débit``, ``Crédit``
(the layout French banks' web exports commonly use). ``identify`` only accepts a file
whose header has those columns, so a different real layout is refused, not misread.

When a real Shine export shows different columns, pass ``layout=CsvLayout(...)`` (or set
``[banks.<name>.layout]`` in ecomledger.toml) and please send an anonymised sample so the
default can be corrected.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecomledger.importers import generic_csv
from ecomledger.importers._bank import Sniff
from ecomledger.importers.generic_csv import CsvColumns, CsvLayout

#: The guessed layout (unverified: no Shine export has been seen).
SHINE_LAYOUT = CsvLayout(
    columns=CsvColumns(date="Date", debit="Débit", credit="Crédit", narration="Libellé"),
    date_format=["%d/%m/%Y", "%d/%m/%Y %H:%M", "%Y-%m-%d"],
    decimal_mark=",",
    separator=";",
    sign="debit_credit",
)


class Importer(generic_csv.Importer):
    """Shine CSV export with the guessed layout unless ``layout`` is given."""

    format = "shine"

    def __init__(
        self,
        name: str,
        account: str,
        currency: str = "EUR",
        *,
        layout: CsvLayout | None = None,
        accounts: Mapping[str, str] | None = None,
        timezone: str = "Europe/Paris",
    ) -> None:
        super().__init__(
            name,
            account,
            currency,
            layout=layout or SHINE_LAYOUT,
            accounts=accounts,
            timezone=timezone,
        )

    @classmethod
    def sniff(cls, filepath: str) -> Sniff:
        """Matches the guessed layout's header (``Date;Libellé;Débit;Crédit``)."""
        return cls("shine", "Assets:Bank:Shine").sniff_layout(filepath)
