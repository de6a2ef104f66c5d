"""``ecomledger init``: create a merchant's books, ready for ``bean-check`` as created.

The layout (DESIGN §4)::

    ecomledger.toml  main.beancount  accounts.beancount  rules.toml  .gitignore
    ledger/<fiscal year>/manual.beancount   inbox/  documents/  reports/  invoices/

``main.beancount`` includes ``ledger/*/*.beancount``, so every fiscal year's folder is
picked up without editing it, and a closed year's folder can be loaded on its own.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from ecomledger.accounts import CHART
from ecomledger.errors import UserError

#: The plugins every book runs, in order (inventory needs the sales booked first).
PLUGINS: tuple[str, ...] = (
    "ecomledger.plugins.invoice_numbering",
    "ecomledger.plugins.vat",
    "ecomledger.plugins.inventory",
    "ecomledger.plugins.deposits",
)

FOLDERS = ("inbox", "documents", "reports", "invoices")

#: The Fava extension serving the reports (``ecomledger.fava_ext``).
FAVA_EXTENSION = "ecomledger.fava_ext"


def available_plugins() -> tuple[str, ...]:
    """The plugins of :data:`PLUGINS` this installation ships."""
    import importlib.util

    return tuple(name for name in PLUGINS if importlib.util.find_spec(name) is not None)


def main_beancount(
    company: str, currency: str, plugins: tuple[str, ...], *, oss_opt_in: bool = False
) -> str:
    """Return the text of ``main.beancount``.

    The VAT plugin cannot read ecomledger.toml (plugins are pure), so the OSS option of
    ``[vat]`` is written into its configuration string here.
    """
    lines = [
        f";; {company}: books kept with ecomledger (Beancount v3).",
        ";; Imported entries live in ledger/<fiscal year>/, one file per source.",
        "",
        f'option "title" "{company}"',
        f'option "operating_currency" "{currency}"',
        'option "booking_method" "FIFO"',
        "",
        *(_plugin_line(name, oss_opt_in) for name in plugins),
        "",
        'include "accounts.beancount"',
        'include "ledger/*/*.beancount"',
        "",
        ";; Fava: the import page uses the same importers as 'ecomledger import'.",
        '2000-01-01 custom "fava-option" "import-config" "import.py"',
        '2000-01-01 custom "fava-option" "import-dirs" "inbox"',
        ";; Fava: ecomledger's reports (the same as 'ecomledger report') on a Reports page.",
        f'2000-01-01 custom "fava-extension" "{FAVA_EXTENSION}"',
        "",
    ]
    return "\n".join(lines)


#: The chart is opened early so that history from before the books were created imports.
CHART_OPENED = dt.date(2000, 1, 1)


def _plugin_line(name: str, oss_opt_in: bool) -> str:
    if name.endswith(".vat") and oss_opt_in:
        return f'plugin "{name}" "{{\'oss_opt_in\': True}}"'
    return f'plugin "{name}"'


def accounts_beancount(start: dt.date = CHART_OPENED) -> str:
    """Return the chart of accounts, every account with its PCG number."""
    out = [";; Chart of accounts (PCG). ecomledger appends accounts it needs below.", ""]
    # No currency constraints: processors and banks hold foreign currencies (a CHF PayPal
    # balance moves through Assets:Transfers), and stock holds one commodity per SKU.
    for item in CHART:
        out.append(f"{start.isoformat()} open {item.account}")
        out.append(f'  pcg: "{item.pcg}"')
        out.append(f'  label: "{item.label}"')
    return "\n".join(out) + "\n"


def _template(name: str) -> str:
    return resources.files("ecomledger").joinpath("scaffold", name).read_text(encoding="utf-8")


def init_books(
    target: Path,
    *,
    company_name: str = "My Shop SAS",
    siren: str = "732829320",
    vat_number: str = "FR44732829320",
    street: str = "1 rue de la Paix",
    postcode: str = "75002",
    city: str = "Paris",
    year: int | None = None,
    currency: str = "EUR",
) -> list[Path]:
    """Create books in ``target``; refuse if books (or any ecomledger file) are there.

    Returns:
        The files created, in creation order.
    """
    year = year or dt.date.today().year
    existing = [
        name
        for name in ("ecomledger.toml", "main.beancount", "accounts.beancount", "ledger")
        if (target / name).exists()
    ]
    if existing:
        raise UserError(
            f"{target}: already holds books ({', '.join(existing)}); ecomledger init never "
            "overwrites them: choose an empty folder"
        )
    files = {
        "ecomledger.toml": _template("ecomledger.toml").format(
            company_name=company_name,
            siren=siren,
            vat_number=vat_number,
            street=street,
            postcode=postcode,
            city=city,
        ),
        "main.beancount": main_beancount(company_name, currency, available_plugins()),
        "accounts.beancount": accounts_beancount(),
        "rules.toml": _template("rules.toml"),
        "import.py": _template("import.py"),
        ".gitignore": _template("gitignore"),
        f"ledger/{year}/manual.beancount": (
            f";; Entries for fiscal year {year} written by hand (opening balances, "
            "purchases, adjustments).\n"
        ),
    }
    created = []
    target.mkdir(parents=True, exist_ok=True)
    for folder in FOLDERS:
        (target / folder).mkdir(exist_ok=True)
        keep = target / folder / ".gitkeep"
        keep.touch()
    for name, text in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        created.append(path)
    return created
