"""ecomledger.toml: the company, its shops, processors, banks, invoice series and VAT options.

Parsed into frozen pydantic models so that every mistake is caught once, at start-up, and
told as one sentence naming the key path and the fix (``ecomledger.toml: company.siren:
'12345678' is not a valid SIREN (9 digits with a Luhn check digit); copy it from the
Kbis``). Secrets never live in the file: a shop names the *environment variable* that holds
its token (``token_env = "SHOPIFY_TOKEN"``), and a literal secret is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.fr import siren as fr_siren

from ecomledger.errors import ConfigError
from ecomledger.importers.generic_csv import CsvLayout

CONFIG_NAME = "ecomledger.toml"

_ACCOUNT = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")
_SECRET_KEYS = re.compile(r"(token|secret|password|passwd|api_?key|ws_key|consumer_key)$", re.I)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise ValueError(
            f"{value!r} is not a Beancount account name; write it like 'Assets:Bank:Qonto'"
        )
    return value


#: Prefixes of the tokens and keys the supported platforms (and common tools) issue.
_TOKEN_PREFIXES = re.compile(
    r"^(?:shp(?:at|ca|pa|ss)_|[sprk]k_(?:live|test)_|whsec_|(?:ck|cs)_[0-9a-f]{20}|"
    r"gh[pousr]_|github_pat_|glpat|xox[abpr]|AKIA|ASIA|EAAA|sq0|AIza|eyJ)"
)
_VOWELS = frozenset("AEIOUYaeiouy")


def looks_like_secret(value: str) -> bool:
    """Whether a value written where a *name* belongs is more likely a token or a key.

    Environment variable names are words joined by underscores (``SHOPIFY_TOKEN``).
    Secrets are long runs without separators: a word starting with a known token prefix
    (``shpat_``, ``sk_live_``, ``ck_`` + hex...), or a word of 16 characters or more
    mixing letters and digits, or mixing cases, or of 20 letters that read as random
    (a ``ZQ88PRJX...`` PrestaShop key, which the identifier grammar alone lets through).
    """
    if len(value) > 64:
        return True
    for word in re.split(r"[^A-Za-z0-9]+", value):
        if _TOKEN_PREFIXES.match(word):
            return True
        if len(word) < 16:
            continue
        digits = sum(ch.isdigit() for ch in word)
        letters = len(word) - digits
        if digits >= 3 and letters >= 3:
            return True
        if any(ch.islower() for ch in word) and any(ch.isupper() for ch in word):
            return True
        if len(word) >= 20 and _random_letters(word, letters):
            return True
    return False


def _random_letters(word: str, letters: int) -> bool:
    """Letters drawn at random rather than words: few vowels, five consonants in a row,
    or more distinct letters than words of that length have (entropy over 3.7 bits)."""
    if sum(ch in _VOWELS for ch in word) < 0.28 * letters:
        return True
    if re.search(r"[^AEIOUYaeiouy0-9]{5}", word):
        return True
    counts = [word.count(ch) for ch in set(word)]
    return -sum(c / len(word) * math.log2(c / len(word)) for c in counts) > 3.7


def _check_env(value: str) -> str:
    """An environment variable's *name*; never repeats the value, which may be a secret."""
    if not value:
        return value
    if looks_like_secret(value):
        raise ValueError(
            "the value looks like a secret (a token or key), not a variable's name; secrets "
            "never live in this file: revoke it if the file was shared, put it in an "
            "environment variable and write the variable's name here (e.g. 'SHOPIFY_TOKEN')"
        )
    if not _ENV_NAME.match(value):
        shown = f"{value!r}" if len(value) <= 24 else "the value"  # short, and no secret
        raise ValueError(
            f"{shown} is not an environment variable name (letters, digits and _, not "
            "starting with a digit); name the variable that holds the secret (e.g. "
            "'SHOPIFY_TOKEN'), never the secret itself"
        )
    return value


_SECRET_QUERY = re.compile(
    r"(?:^|&)[^=&]*(?:token|secret|password|passwd|api_?key|ws_key|consumer_key|sig)[^=&]*=",
    re.I,
)


def _check_url(value: str) -> str:
    """A shop's or processor's base URL, without credentials in it.

    ``https://key:secret@shop.example`` or ``?consumer_secret=...`` would put a secret in
    the configuration and in every error that names the URL; both are refused, and the
    message does not repeat the URL.
    """
    if not value:
        return value
    try:
        parts = urlsplit(value)
        userinfo = "@" in parts.netloc or parts.username is not None
    except ValueError as exc:
        raise ValueError("the value is not a URL; write it like 'https://shop.example'") from exc
    if userinfo:
        raise ValueError(
            "the URL carries a user name or password (before '@'); remove them, put the "
            "secret in an environment variable and name it in token_env (or key_env and "
            "secret_env)"
        )
    if _SECRET_QUERY.search(parts.query):
        raise ValueError(
            "the URL's query carries a key or token; remove it, put the secret in an "
            "environment variable and name it in token_env (or key_env and secret_env)"
        )
    return value


class Address(_Model):
    """The company's postal address as invoices print it."""

    street: str
    postcode: str
    city: str
    country: str = "FR"


class Company(_Model):
    """The legal entity whose books these are."""

    name: str = Field(min_length=1)
    siren: str
    vat_number: str = ""
    address: Address
    country: str = "FR"
    currency: str = "EUR"
    timezone: str = "Europe/Paris"
    fiscal_year_start: str = "01-01"  # MM-DD
    # What invoices print (Code de commerce R123-237, L441-9); checked when rendering needs
    # them (see ecomledger.invoices.document.seller_problem), so books without invoices
    # need not state them.
    legal_form: str = ""  # "SAS", "SARL", "EURL"...
    share_capital: str = ""  # "10000" or "10000.00", in the company's currency
    rcs_city: str = ""  # the registry's city: "Paris" prints "RCS Paris 732 829 320"
    payment_days: int = Field(default=30, ge=0, le=60)  # B2B due date = issue + N days
    late_payment_rate: str = ""  # yearly percent, e.g. "12.15" (at least 3x legal interest)
    email: str = ""  # the seller's electronic address on Factur-X (BT-34)
    iban: str = ""  # printed for B2B invoices left to pay by transfer
    bic: str = ""
    logo: str = ""  # image path, relative to the books' folder
    footer: str = ""  # one free line at the bottom of every invoice

    @field_validator("share_capital", "late_payment_rate")
    @classmethod
    def _decimal_text(cls, value: str) -> str:
        if value and not re.fullmatch(r"\d+(\.\d{1,2})?", value.strip()):
            raise ValueError(
                f"{value!r} is not an amount like '10000' or '12.15' (digits, a dot, at "
                "most 2 decimals, no currency or % sign)"
            )
        return value.strip()

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        if not value:
            return value
        compact = iban.compact(value)
        if not iban.is_valid(compact):
            raise ValueError(f"{value!r} is not a valid IBAN (checksum fails); copy it from a RIB")
        return compact

    @field_validator("siren")
    @classmethod
    def _siren(cls, value: str) -> str:
        compact = fr_siren.compact(value)
        if not fr_siren.is_valid(compact):
            raise ValueError(
                f"{value!r} is not a valid SIREN (9 digits with a Luhn check digit); "
                "copy it from the company's Kbis or INSEE notice"
            )
        return compact

    @field_validator("vat_number")
    @classmethod
    def _vat(cls, value: str) -> str:
        if not value:
            return value
        compact = eu_vat.compact(value)
        if not eu_vat.is_valid(compact):
            raise ValueError(
                f"{value!r} is not a valid EU VAT number (checksum fails); a French one is "
                "FR + 2-digit key + SIREN, e.g. FR40303265045"
            )
        return compact

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is not a known time zone; use an IANA name like 'Europe/Paris'"
            ) from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code like 'EUR'")
        return value

    @field_validator("fiscal_year_start")
    @classmethod
    def _fiscal_start(cls, value: str) -> str:
        try:
            dt.date.fromisoformat(f"2001-{value}")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a month and day like '01-01' or '07-01'") from exc
        return value

    def fiscal_year(self, day: dt.date) -> int:
        """Return the fiscal year ``day`` belongs to, named by the year it ends in."""
        month, mday = (int(part) for part in self.fiscal_year_start.split("-"))
        if (month, mday) == (1, 1):
            return day.year
        return day.year + 1 if (day.month, day.day) >= (month, mday) else day.year


Platform = Literal[
    "shopify",
    "woocommerce",
    "prestashop",
    "magento",
    "bigcommerce",
    "square",
    "wix",
    "amazon",
]


class Shop(_Model):
    """A shop whose orders become invoices."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    platform: Platform
    url: str = ""
    token_env: str = ""
    key_env: str = ""
    secret_env: str = ""
    processor: str = ""  # the configured processor that takes this shop's payments
    clearing_account: str = ""
    # client extras: page_size, site_id, bulk... (bool first: true stays true, not 1)
    options: dict[str, bool | str | int | list[str]] = {}
    # "order": one entry per order; "day"/"payout": one summary entry per day (and payout)
    # with the orders in an evidence file under documents/ (ecomledger.summary).
    granularity: Literal["order", "day", "payout"] = "order"

    @field_validator("token_env", "key_env", "secret_env")
    @classmethod
    def _env(cls, value: str) -> str:
        return _check_env(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("clearing_account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value) if value else value


class Processor(_Model):
    """A payment processor or marketplace balance that pays out to a bank."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["shopify_payments", "stripe", "paypal", "sumup", "amazon", "ebay", "other"]
    account: str
    fees_account: str
    country: str = "FR"  # where it is established (EU fees are reverse-charged)
    token_env: str = ""
    url: str = ""  # API base URL for processors that are fetched (Stripe)
    options: dict[str, str | int | list[str]] = {}
    gateways: tuple[str, ...] = ()  # order gateway names it handles
    # Whether the shops' orders already book its sales (then its statements book only fees
    # and payouts); default: true when a shop names this processor.
    sales_from_orders: bool | None = None

    @field_validator("account", "fees_account")
    @classmethod
    def _accounts(cls, value: str) -> str:
        return _check_account(value)

    @field_validator("token_env")
    @classmethod
    def _env(cls, value: str) -> str:
        return _check_env(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)


class Bank(_Model):
    """A bank account whose statements are imported."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    format: str
    account: str
    currency: str = "EUR"
    iban: str = ""
    layout: CsvLayout | None = None  # for format = "csv" (see importers/generic_csv.py)
    accounts: dict[str, str] = {}  # statement account id (IBAN, :25:) → Beancount account
    # `ecomledger fetch` for banks with an API (see clients/qonto.py, revolut.py, gocardless.py)
    api: Literal["", "qonto", "revolut", "gocardless"] = ""
    url: str = ""  # the API's base URL; default: the bank's production URL
    token_env: str = ""
    key_env: str = ""
    secret_env: str = ""
    account_id: str = ""  # Revolut account id, GoCardless linked account id
    options: dict[str, str | int | list[str]] = {}  # client extras: page_size, bank_account_id

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        return _check_account(value)

    @field_validator("token_env", "key_env", "secret_env")
    @classmethod
    def _env(cls, value: str) -> str:
        return _check_env(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @model_validator(mode="after")
    def _api_settings(self) -> Bank:
        """A bank fetched through an API names the variables its secrets are in."""
        if not self.api:
            if self.url or self.token_env or self.key_env or self.secret_env:
                raise ValueError(
                    "url and the *_env settings serve a bank fetched through its API; add "
                    'api = "qonto", "revolut" or "gocardless", or remove them'
                )
            return self
        pair = bool(self.key_env and self.secret_env)
        if self.api == "qonto" and not (pair or self.token_env):
            raise ValueError(
                'api = "qonto" needs key_env (the variable holding the organization slug) '
                "and secret_env (the one holding the API secret key)"
            )
        if self.api == "qonto" and not (self.iban or self.options.get("bank_account_id")):
            raise ValueError(
                'api = "qonto" needs the account\'s iban (or options.bank_account_id) to '
                "know which account to fetch"
            )
        if self.api == "revolut" and not self.token_env:
            raise ValueError(
                'api = "revolut" needs token_env (the variable holding the access token)'
            )
        if self.api == "gocardless" and not (pair and self.account_id):
            raise ValueError(
                'api = "gocardless" needs key_env and secret_env (the variables holding the '
                "secret id and secret key) and account_id (the linked account's id)"
            )
        return self


class Invoices(_Model):
    """Numbering series for invoices and credit notes."""

    invoice_pattern: str = "F-{year}-{seq:06d}"
    credit_note_pattern: str = "AV-{year}-{seq:06d}"

    @field_validator("invoice_pattern", "credit_note_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        if "{seq" not in value:
            raise ValueError(f"{value!r} has no {{seq}} field; write e.g. 'F-{{year}}-{{seq:06d}}'")
        try:
            sample = value.format(year=2026, seq=1)
        except (KeyError, ValueError, IndexError) as exc:
            raise ValueError(
                f"{value!r} may only use {{year}} and {{seq}} (e.g. 'F-{{year}}-{{seq:06d}}')"
            ) from exc
        if not re.fullmatch(r"[A-Za-z0-9+\-_/]{1,35}", sample):
            raise ValueError(
                f"{value!r} gives {sample!r}: invoice numbers are at most 35 letters, digits "
                "and + - _ / (no spaces) for e-invoicing"
            )
        return value


class Vat(_Model):
    """VAT options."""

    oss_opt_in: bool = False  # tax EU distance sales at destination from the first euro
    rounding_tolerance: str = "0.01"


class Stock(_Model):
    """How sold goods are costed (the inventory plugin follows it)."""

    method: Literal["FIFO", "CUMP"] = "FIFO"  # CUMP: weighted average (coût unitaire moyen)


class Treasury(_Model):
    """Cash-flow categories per account prefix, over the defaults of ecomledger.treasury."""

    categories: dict[str, str] = {}

    @field_validator("categories")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        from ecomledger.treasury import CATEGORIES

        for prefix, category in value.items():
            if category not in CATEGORIES:
                raise ValueError(
                    f"{prefix!r} = {category!r}: not a category; use one of "
                    + ", ".join(CATEGORIES)
                )
        return value


class Config(_Model):
    """The whole ecomledger.toml."""

    company: Company
    shops: tuple[Shop, ...] = ()
    processors: tuple[Processor, ...] = ()
    banks: tuple[Bank, ...] = ()
    invoices: Invoices = Invoices()
    vat: Vat = Vat()
    treasury: Treasury = Treasury()
    stock: Stock = Stock()

    def shop(self, name: str) -> Shop:
        """Return the shop called ``name``."""
        for shop in self.shops:
            if shop.name == name:
                return shop
        known = ", ".join(s.name for s in self.shops) or "none"
        raise ConfigError(f"{CONFIG_NAME}: no shop is named {name!r} (configured: {known})")

    def processor(self, name: str) -> Processor | None:
        """Return the processor called ``name``, if configured."""
        return next((p for p in self.processors if p.name == name), None)

    @model_validator(mode="after")
    def _csv_layout(self) -> Config:
        for index, bank in enumerate(self.banks):
            if bank.format == "csv" and bank.layout is None:
                raise ValueError(
                    f"banks[{index}] has format 'csv' but no [banks.layout]; describe its "
                    "columns (see the README)"
                )
        return self

    def bank(self, name: str) -> Bank | None:
        """Return the bank called ``name``, if configured."""
        return next((b for b in self.banks if b.name == name), None)


def load_config(path: Path) -> Config:
    """Read and validate ``path``.

    Raises:
        ConfigError: one sentence naming the file, the key path and the fix.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: not found; run 'ecomledger init' to create books, or pass --books DIR"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: is not UTF-8 text; save it as UTF-8") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: is not valid TOML ({exc}); fix the syntax there") from exc
    return parse_config(raw, str(path))


def parse_config(raw: dict[str, Any], where: str = CONFIG_NAME) -> Config:
    """Validate an already-parsed TOML document; see :func:`load_config`."""
    _refuse_secrets(raw, where, ())
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, where)) from exc
    _check_references(config, where)
    return config


def _refuse_secrets(node: object, where: str, path: tuple[str | int, ...]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and _SECRET_KEYS.search(key) and isinstance(value, str):
                dotted = _dotted((*path, key))
                raise ConfigError(
                    f"{where}: {dotted} holds a secret; secrets never live in this file: put "
                    f'it in an environment variable and write {key}_env = "VARIABLE_NAME"'
                )
            _refuse_secrets(value, where, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _refuse_secrets(item, where, (*path, index))


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _explain(exc: ValidationError, where: str) -> str:
    """Turn pydantic's report into one sentence about the first problem."""
    error = exc.errors()[0]
    loc = _dotted(tuple(error["loc"]))
    kind = error["type"]
    if kind == "missing":
        return f"{where}: {loc} is missing; add it (see the commented example in 'ecomledger init')"
    if kind == "extra_forbidden":
        return f"{where}: {loc} is not a known key; check its spelling or remove it"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {loc}: {message}"


def _check_references(config: Config, where: str) -> None:
    names = {p.name for p in config.processors}
    for index, shop in enumerate(config.shops):
        if shop.processor and shop.processor not in names:
            raise ConfigError(
                f"{where}: shops[{index}].processor names {shop.processor!r}, which is not "
                f"a configured processor; add a [[processors]] entry named so"
            )


def find_books(explicit: Path | None, env: str | None, cwd: Path) -> Path:
    """Find the books: ``--books``, else ``ECOMLEDGER_BOOKS``, else the nearest config upward."""
    if explicit is not None:
        return _require_books(explicit, "--books")
    if env:
        return _require_books(Path(env), "ECOMLEDGER_BOOKS")
    for folder in (cwd, *cwd.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} in {cwd} or any folder above it; run 'ecomledger init DIR' "
        "to create books, or pass --books DIR"
    )


def _require_books(folder: Path, origin: str) -> Path:
    if not (folder / CONFIG_NAME).is_file():
        raise ConfigError(
            f"{origin} points to {folder}, which has no {CONFIG_NAME}; "
            "run 'ecomledger init' there first"
        )
    return folder
