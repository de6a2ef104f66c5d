"""Settings written in two places must agree: ecomledger.toml and main.beancount.

Plugins are pure and cannot read ecomledger.toml, so the options they need are written into
their ``plugin`` lines by ``ecomledger init``. If a user later edits one side only, the
books would be checked under other rules than the ones configured; ``ecomledger check``
says so.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ecomledger.config import Config

_VAT_PLUGIN = re.compile(r'^plugin\s+"ecomledger\.plugins\.vat"(?:\s+"(?P<config>[^"]*)")?', re.M)


def plugin_mismatches(config: Config, main: Path) -> list[tuple[str, int, str]]:
    """Return (file, line, message) for each plugin option that disagrees with the config."""
    text = main.read_text(encoding="utf-8")
    match = _VAT_PLUGIN.search(text)
    if match is None:
        return []
    lineno = text.count("\n", 0, match.start()) + 1
    try:
        options = ast.literal_eval(match.group("config") or "{}")
    except (ValueError, SyntaxError):
        return [(main.name, lineno, "the vat plugin's configuration is not a Python literal")]
    running = bool(options.get("oss_opt_in", False)) if isinstance(options, dict) else False
    if running == config.vat.oss_opt_in:
        return []
    wanted = "{'oss_opt_in': True}" if config.vat.oss_opt_in else "no configuration"
    return [
        (
            main.name,
            lineno,
            f"the vat plugin runs with oss_opt_in={running} but ecomledger.toml says [vat] "
            f"oss_opt_in = {str(config.vat.oss_opt_in).lower()}; give the plugin line {wanted}",
        )
    ]
