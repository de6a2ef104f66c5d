"""Shared pieces of the ecomledger plugins: typed errors, safe config parsing, locations.

Why: every plugin reports problems the same way Beancount does, as values
``(source, message, entry)`` where ``source`` is the entry's metadata, so that
``bean-check``, ``ecomledger check`` and Fava all print ``file:line: message`` followed
by the offending entry. Plugins never raise on bad books and never print.

Configuration strings come from the ledger (``plugin "ecomledger.plugins.vat" "{...}"``)
and are parsed with :func:`ast.literal_eval` (Python literals) or JSON, never ``eval``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from beancount.core import data


class PluginError(NamedTuple):
    """A problem found by an ecomledger plugin, located at an entry of the books."""

    source: data.Meta
    message: str
    entry: data.Directive | None


class ConfigError(PluginError):
    """The plugin's configuration string could not be read."""


def parse_config(
    config_str: str | None, defaults: Mapping[str, Any], plugin: str
) -> tuple[dict[str, Any], list[PluginError]]:
    """Merge a plugin's config string over its defaults.

    Args:
      config_str: The string after the plugin name in the ledger, or None.
      defaults: The default settings; unknown keys in the config are an error.
      plugin: The plugin's module name, used as the error's source file.

    Returns:
      The settings and a list of configuration errors (the defaults stand for any bad
      part of the config).
    """
    settings = dict(defaults)
    if config_str is None or not config_str.strip():
        return settings, []
    source = data.new_metadata(f"<{plugin}>", 0)
    try:
        value = ast.literal_eval(config_str)
    except (ValueError, SyntaxError):
        try:
            value = json.loads(config_str)
        except ValueError:
            message = f"Invalid configuration for {plugin}: {config_str!r} is not a literal"
            return settings, [ConfigError(source, message, None)]
    if not isinstance(value, dict):
        message = f"Invalid configuration for {plugin}: expected a dict, got {config_str!r}"
        return settings, [ConfigError(source, message, None)]
    errors: list[PluginError] = []
    for key, item in value.items():
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            message = f"Unknown configuration key {key!r} for {plugin} (known: {known})"
            errors.append(ConfigError(source, message, None))
            continue
        settings[key] = item
    return settings, errors


def location(meta: data.Meta | None) -> str:
    """Return ``file:line`` for an entry's metadata (for messages naming two places)."""
    if not meta:
        return "<unknown>"
    return f"{meta.get('filename', '<unknown>')}:{meta.get('lineno', 0)}"
