"""Every configuration mistake is one sentence naming the key path and the fix, exit code 2."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ecomledger.config import Config, find_books, load_config, parse_config
from ecomledger.errors import ConfigError

from .conftest import EXAMPLES, snapshot


def demo_raw() -> dict:
    return tomllib.loads((EXAMPLES / "ecomledger.toml").read_text(encoding="utf-8"))


def test_the_demo_configuration_is_valid() -> None:
    config = load_config(EXAMPLES / "ecomledger.toml")
    assert isinstance(config, Config)
    assert config.company.siren == "732829320"
    assert config.shop("demo-shop").processor == "shopify-payments"


def mutate(path: tuple, value: object) -> dict:
    raw = demo_raw()
    node = raw
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("company", "sirn"), "732829320", "company.sirn is not a known key"),
        (("company", "siren"), "732829321", "company.siren: '732829321' is not a valid SIREN"),
        (
            ("company", "vat_number"),
            "FR00732829320",
            "company.vat_number: 'FR00732829320' is not a valid EU VAT",
        ),
        (("company",), KeyError, "company is missing; add it"),
        (
            ("company", "timezone"),
            "Europe/Parsi",
            "company.timezone: 'Europe/Parsi' is not a known time zone",
        ),
        (("company", "currency"), "euro", "company.currency: 'euro' is not an ISO 4217"),
        (
            ("company", "fiscal_year_start"),
            "13-01",
            "company.fiscal_year_start: '13-01' is not a month and day",
        ),
        (
            ("shops", 0, "token"),
            "shpat_123",
            "shops[0].token holds a secret; secrets never live in this file",
        ),
        (
            ("shops", 0, "token_env"),
            "shpat abc!",
            "shops[0].token_env: 'shpat abc!' is not an environment variable name",
        ),
        (("shops", 0, "platform"), "shopifi", "shops[0].platform"),
        (
            ("shops", 0, "processor"),
            "stripe",
            "shops[0].processor names 'stripe', which is not a configured processor",
        ),
        (
            ("banks", 0, "account"),
            "Bank:Qonto",
            "banks[0].account: 'Bank:Qonto' is not a Beancount account name",
        ),
        (("invoices", "invoice_pattern"), "F {year}", "has no {seq} field"),
        (("invoices", "invoice_pattern"), "FACTURE N° {seq}", "at most 35 letters"),
    ],
)
def test_each_mistake_gets_its_sentence(path: tuple, value: object, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(mutate(path, value), "books/ecomledger.toml")
    message = str(info.value)
    assert message.startswith("books/ecomledger.toml: ")
    assert expected in message
    assert "\n" not in message


def test_a_secret_anywhere_is_refused() -> None:
    raw = demo_raw()
    raw["processors"][0]["api_key"] = "sk_live_x"
    with pytest.raises(ConfigError, match=r"processors\[0\]\.api_key holds a secret.*api_key_env"):
        parse_config(raw)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ecomledger.toml"
    path.write_text("[company\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(path)


def test_fiscal_year_is_named_by_the_year_it_ends(tmp_path: Path) -> None:
    import datetime as dt

    config = parse_config(mutate(("company", "fiscal_year_start"), "07-01"))
    assert config.company.fiscal_year(dt.date(2026, 6, 30)) == 2026
    assert config.company.fiscal_year(dt.date(2026, 7, 1)) == 2027


def test_books_are_found_upward(tmp_path: Path) -> None:
    (tmp_path / "ecomledger.toml").write_text("", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_books(None, None, deep) == tmp_path
    with pytest.raises(ConfigError, match=r"no ecomledger\.toml in"):
        find_books(None, None, Path("/"))
    with pytest.raises(ConfigError, match=r"ECOMLEDGER_BOOKS points to"):
        find_books(None, str(deep), deep)


def test_cli_reports_a_config_mistake_with_exit_2(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('siren = "732829320"', 'siren = "123"'),
        encoding="utf-8",
    )
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "import")
    assert result.code == 2
    assert "company.siren: '123' is not a valid SIREN" in result.err
    assert "Traceback" not in result.err
    assert snapshot(demo_books) == before
