"""The books' importers for beangulp's own command line and Fava's import page.

``ecomledger init`` writes an ``import.py`` beside ``main.beancount``::

    from ecomledger.beangulp_config import importers_for, run
    CONFIG = importers_for(__file__)          # Fava: option "import-config" "import.py"
    if __name__ == "__main__":
        run(CONFIG)                           # python import.py extract inbox/ ...

so the very importers ``ecomledger import`` uses (built from ``ecomledger.toml``) also serve
``bean-extract``-style workflows and Fava's upload-and-import page.
"""

from __future__ import annotations

from pathlib import Path

import beangulp

from ecomledger.config import CONFIG_NAME, load_config
from ecomledger.ingest import all_importers


def importers_for(anchor: str | Path) -> list[beangulp.Importer]:
    """The importers configured by the ``ecomledger.toml`` beside ``anchor`` (a file or folder)."""
    folder = Path(anchor)
    if folder.is_file():
        folder = folder.parent
    return all_importers(load_config(folder / CONFIG_NAME))


def run(importers: list[beangulp.Importer]) -> None:
    """Run beangulp's command line (identify, extract, archive) over ``importers``."""
    beangulp.Ingest(importers)()
