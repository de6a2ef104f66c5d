"""One place for each setting: ecomledger.toml, which main.beancount follows.

Plugins are pure and cannot read ecomledger.toml (DESIGN §2), so the options they need
live in their ``plugin`` lines, and the books' title in an ``option`` line, of
main.beancount. Those lines are *derived* from ecomledger.toml:

==========================================  ==============================================
ecomledger.toml                             main.beancount
==========================================  ==============================================
``[company] name``                          ``option "title"``
``[company] currency``                      ``option "operating_currency"`` (when only one)
``[vat] oss_opt_in``, ``rounding_tolerance``  ``plugin "ecomledger.plugins.vat"`` options
``[company] country``                       the vat plugin's ``home_country``
``[invoices] *_pattern``                    ``plugin "ecomledger.plugins.invoice_numbering"``
``[stock] method``                          ``plugin "ecomledger.plugins.inventory"``
``[company] fiscal_year_start``             the deposits plugin's ``fiscal_year_end``
==========================================  ==============================================

:func:`mismatches` says which lines disagree; :func:`follow_config` rewrites just those
lines (keeping any other option a user gave a plugin), so a user changes a setting once, in
ecomledger.toml, runs ``ecomledger check``, and bean-check, Fava and check agree from then
on. :func:`config_problems` checks ecomledger.toml against what this installation has (bank
formats, platforms, processor kinds), so a typo is caught by ``check``, not by the first
import.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecomledger.config import CONFIG_NAME, Config

_PLUGIN_LINE = re.compile(
    r'^plugin\s+"(?P<name>ecomledger\.plugins\.[a-z_]+)"(?:\s+"(?P<config>[^"]*)")?[ \t]*$', re.M
)
_OPTION_LINE = re.compile(
    r'^option\s+"(?P<name>title|operating_currency)"\s+"(?P<value>[^"]*)"', re.M
)

#: Plugin options that ecomledger.toml decides, with the plugins' own defaults (an option
#: at its default is left out of the line, so a fresh book's lines stay bare).
_DEFAULTS: dict[str, dict[str, Any]] = {
    "ecomledger.plugins.vat": {"oss_opt_in": False, "tolerance": "0.01", "home_country": "FR"},
    "ecomledger.plugins.invoice_numbering": {
        "invoice": "F-{year}-{seq:06d}",
        "credit_note": "AV-{year}-{seq:06d}",
    },
    "ecomledger.plugins.inventory": {"method": "FIFO"},
    "ecomledger.plugins.deposits": {"fiscal_year_end": "12-31"},
}

#: Where each plugin option comes from in ecomledger.toml, as the user reads it.
_SOURCES = {
    "oss_opt_in": "[vat] oss_opt_in",
    "tolerance": "[vat] rounding_tolerance",
    "home_country": "[company] country",
    "invoice": "[invoices] invoice_pattern",
    "credit_note": "[invoices] credit_note_pattern",
    "method": "[stock] method",
    "fiscal_year_end": "[company] fiscal_year_start",
}


def wanted_options(config: Config) -> dict[str, dict[str, Any]]:
    """The options each plugin must run with, as ecomledger.toml says."""
    return {
        "ecomledger.plugins.vat": {
            "oss_opt_in": config.vat.oss_opt_in,
            "tolerance": config.vat.rounding_tolerance,
            "home_country": config.company.country,
        },
        "ecomledger.plugins.invoice_numbering": {
            "invoice": config.invoices.invoice_pattern,
            "credit_note": config.invoices.credit_note_pattern,
        },
        "ecomledger.plugins.inventory": {"method": config.stock.method},
        "ecomledger.plugins.deposits": {"fiscal_year_end": _year_end(config)},
    }


def _year_end(config: Config) -> str:
    month, day = (int(p) for p in config.company.fiscal_year_start.split("-"))
    end = dt.date(2001, month, day) - dt.timedelta(days=1)
    return end.strftime("%m-%d")


@dataclass(frozen=True)
class Mismatch:
    """A line of main.beancount that disagrees with ecomledger.toml, and its fix."""

    lineno: int
    message: str
    old: str
    new: str
    #: a plugin line: the books were checked under other rules than the configured ones
    rules: bool = True


def mismatches(config: Config, main: Path) -> list[Mismatch]:
    """Every line of ``main`` that disagrees with ``config``, with the line it should be."""
    text = main.read_text(encoding="utf-8")
    found: list[Mismatch] = []
    wanted = wanted_options(config)
    for match in _PLUGIN_LINE.finditer(text):
        name = match["name"]
        if name not in wanted:
            continue
        lineno = text.count("\n", 0, match.start()) + 1
        try:
            running = ast.literal_eval(match["config"] or "{}")
        except (ValueError, SyntaxError):
            running = None
        if not isinstance(running, dict):
            line = _plugin_line(name, {}, wanted[name])
            found.append(
                Mismatch(
                    lineno,
                    f"the {_short(name)} plugin's configuration is not a Python literal; "
                    f"write it as ecomledger.toml says: {line}",
                    match.group(0),
                    line,
                )
            )
            continue
        differ = [
            key
            for key, value in wanted[name].items()
            if _norm(running.get(key, _DEFAULTS[name][key])) != _norm(value)
        ]
        if differ:
            runs = ", ".join(f"{k}={running.get(k, _DEFAULTS[name][k])!r}" for k in differ)
            says = ", ".join(f"{_SOURCES[k]} = {_toml(k, wanted[name][k], config)}" for k in differ)
            found.append(
                Mismatch(
                    lineno,
                    f"the {_short(name)} plugin runs with {runs} but {CONFIG_NAME} says {says}",
                    match.group(0),
                    _plugin_line(name, running, wanted[name]),
                )
            )
    for match in _OPTION_LINE.finditer(text):
        name, value = match["name"], match["value"]
        if name == "operating_currency" and text.count('option "operating_currency"') != 1:
            continue  # several operating currencies: the user's choice
        expected = config.company.name if name == "title" else config.company.currency
        expected = expected.replace('"', "'")
        if value != expected:
            key = "name" if name == "title" else "currency"
            found.append(
                Mismatch(
                    text.count("\n", 0, match.start()) + 1,
                    f'the books\' {name} is "{value}" but {CONFIG_NAME} says [company] '
                    f'{key} = "{expected}"',
                    match.group(0),
                    f'option "{name}" "{expected}"',
                    rules=False,
                )
            )
    return found


def plugin_mismatches(config: Config, main: Path) -> list[tuple[str, int, str]]:
    """(file, line, message) for each line of ``main`` that disagrees with the config."""
    return [
        (main.name, m.lineno, f"{m.message}; run 'ecomledger check' to make it follow")
        for m in mismatches(config, main)
    ]


Problem = tuple[str, int, str]


def follow_config(config: Config, main: Path) -> tuple[list[Problem], list[Problem]]:
    """Rewrite the lines of ``main`` that disagree with ``config``; say what changed.

    Returns (errors, notes): a plugin line that disagreed means the books were checked
    under other rules than the configured ones, which ``check`` reports as an error (a CI
    gate must notice books committed out of step); a title or operating currency that
    disagreed is only noted.

    Only the ``option "title"``/``"operating_currency"`` line and the ecomledger plugin
    lines are touched, each replaced in place; options the user added to a plugin that
    ecomledger.toml does not decide (the inventory plugin's ``skus``) are kept. The file is
    replaced atomically, with its permissions.
    """
    found = mismatches(config, main)
    if not found:
        return [], []
    lines = main.read_text(encoding="utf-8").split("\n")
    for item in found:
        index = item.lineno - 1
        lines[index] = lines[index].replace(item.old, item.new, 1)
    _replace(main, "\n".join(lines))
    said = [
        (m, (main.name, m.lineno, f"{m.message}; {main.name} now follows {CONFIG_NAME}"))
        for m in found
    ]
    return [p for m, p in said if m.rules], [p for m, p in said if not m.rules]


def _plugin_line(name: str, running: dict[str, Any], wanted: dict[str, Any]) -> str:
    options = dict(running)
    for key, value in wanted.items():
        if _norm(value) == _norm(_DEFAULTS[name][key]):
            options.pop(key, None)
        else:
            options[key] = value
    if not options:
        return f'plugin "{name}"'
    return f'plugin "{name}" "{options!r}"'


def _norm(value: Any) -> Any:
    return value if isinstance(value, bool) else str(value)


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _toml(key: str, value: Any, config: Config) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if key == "fiscal_year_end":
        return f'"{config.company.fiscal_year_start}"'
    return f'"{value}"'


def _replace(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# -- ecomledger.toml against what exists --------------------------------------------------


def config_problems(config: Config, path: Path) -> list[tuple[str, int, str]]:
    """(file, line, message) for each source ecomledger.toml names that cannot work here:
    an unknown bank format, a shop platform without importer, a processor kind that
    neither ``import`` nor ``fetch`` reads."""
    from ecomledger.importers import processors, registry
    from ecomledger.importers.platforms import ORDER_IMPORTERS, PROCESSOR_IMPORTERS

    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    problems: list[tuple[str, int, str]] = []
    for index, bank in enumerate(config.banks):
        fetched_only = bool(bank.api) and bank.format == bank.api  # GoCardless: no file
        if bank.format not in registry.BANK_FORMATS and not fetched_only:
            known = ", ".join(registry.BANK_FORMATS)
            problems.append(
                (
                    CONFIG_NAME,
                    _line_of(text, "format", bank.format),
                    f"banks[{index}] ({bank.name!r}) has format {bank.format!r}, which no "
                    f"importer reads; use one of {known}",
                )
            )
    for index, shop in enumerate(config.shops):
        if shop.platform not in ORDER_IMPORTERS:
            problems.append(
                (
                    CONFIG_NAME,
                    _line_of(text, "platform", shop.platform),
                    f"shops[{index}] ({shop.name!r}) has platform {shop.platform!r}, which "
                    f"no importer reads; use one of {', '.join(ORDER_IMPORTERS)}",
                )
            )
    readable = set(processors.PROCESSOR_FORMATS) | set(PROCESSOR_IMPORTERS) | {"shopify_payments"}
    for index, processor in enumerate(config.processors):
        if processor.kind not in readable and processor.kind != "other":
            problems.append(
                (
                    CONFIG_NAME,
                    _line_of(text, "kind", processor.kind),
                    f"processors[{index}] ({processor.name!r}) has kind {processor.kind!r}, "
                    f"which no importer reads; use one of {', '.join(sorted(readable))}",
                )
            )
    return problems


def _line_of(text: str, key: str, value: str) -> int:
    """The line of ``key = "value"`` in the TOML text (0 when not found)."""
    pattern = re.compile(rf'^\s*{re.escape(key)}\s*=\s*"{re.escape(value)}"', re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0
