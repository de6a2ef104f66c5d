"""Errors a user can act on.

Two kinds, as in Beancount and Fava: problems *in the books* are values (a NamedTuple with
the entry's meta, see ``ecomledger.plugins``); problems with *what the user gave us* (a
command-line argument, a configuration file, an input file) are exceptions derived from
:class:`UserError`, whose message is one sentence naming the file, line or field and the
fix. The command line turns a UserError into that sentence and exit code 2, never a
traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad usage, configuration or input; the message says what and how to fix it."""

    exit_code = 2


class ConfigError(UserError):
    """ecomledger.toml is missing, malformed or inconsistent."""


class InputError(UserError):
    """An input file cannot be read as the format it claims to be.

    Args:
        filename: the file, as the user named it.
        lineno: 1-based line (or record) number, 0 when the whole file is at fault.
        message: what is wrong and what to do, without the location.
    """

    def __init__(self, filename: str, lineno: int, message: str) -> None:
        self.filename = filename
        self.lineno = lineno
        self.message = message
        where = f"{filename}:{lineno}" if lineno else filename
        super().__init__(f"{where}: {message}")


class ConflictError(UserError):
    """An imported record already in the books comes back with different amounts."""


class BooksLockedError(UserError):
    """Another ecomledger run is writing the same books."""
