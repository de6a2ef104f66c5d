"""The command line as a user meets it: init, check, import, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from beancount import loader

from .conftest import snapshot


def test_init_creates_books_that_pass_bean_check(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    result = cli("init", str(books))
    assert result.code == 0, result.err
    for name in (
        "ecomledger.toml",
        "main.beancount",
        "accounts.beancount",
        "rules.toml",
        ".gitignore",
        "inbox",
        "documents",
        "ledger",
    ):
        assert (books / name).exists(), name
    entries, errors, _ = loader.load_file(str(books / "main.beancount"))
    assert errors == []
    opens = [e for e in entries if e.__class__.__name__ == "Open"]
    assert opens and all("pcg" in e.meta for e in opens)
    assert cli("--books", str(books), "check").code == 0


def test_init_refuses_to_overwrite_books(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    assert cli("init", str(books)).code == 0
    before = snapshot(books)
    result = cli("init", str(books))
    assert result.code == 2
    assert "already holds books" in result.err
    assert snapshot(books) == before


def test_check_prints_errors_as_file_line_and_exits_1(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    cli("init", str(books))
    manual = next((books / "ledger").glob("*/manual.beancount"))
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + '\n2026-01-05 * "Unbalanced"\n'
        + "  Assets:Transfers  10.00 EUR\n  Assets:Suspense  -9.00 EUR\n",
        encoding="utf-8",
    )
    result = cli("--books", str(books), "check")
    assert result.code == 1
    assert f"ledger/{manual.parent.name}/manual.beancount:3: " in result.out
    result = cli("--books", str(books), "check", "--format", "json")
    assert result.code == 1
    payload = json.loads(result.out)
    assert payload["errors"][0]["line"] == 3
    assert "does not balance" in payload["errors"][0]["message"]


def test_books_are_found_from_the_environment(cli, tmp_path: Path, monkeypatch) -> None:
    books = tmp_path / "books"
    cli("init", str(books))
    monkeypatch.setenv("ECOMLEDGER_BOOKS", str(books))
    assert cli("check").code == 0
    monkeypatch.setenv("ECOMLEDGER_BOOKS", str(tmp_path))
    result = cli("check")
    assert result.code == 2 and "ECOMLEDGER_BOOKS points to" in result.err


def test_import_of_an_unknown_file_is_one_sentence_and_exit_2(cli, demo_books: Path) -> None:
    stray = demo_books / "notes.txt"
    stray.write_text("hello", encoding="utf-8")
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "import", str(stray))
    assert result.code == 2
    assert (
        "notes.txt: no configured importer recognises this file (tried: shopify:demo-shop"
        in result.err
    )
    assert snapshot(demo_books) == before


def test_usage_errors_exit_2(cli) -> None:
    result = cli("check", "--format", "yaml")
    assert result.code == 2


def test_demo_runs_end_to_end_and_a_second_run_adds_nothing(cli, tmp_path: Path) -> None:
    books = tmp_path / "demo"
    first = cli("demo", str(books))
    assert first.code == 0, first.out + first.err
    assert "entries added" in first.out and "check: no errors" in first.out
    _, errors, _ = loader.load_file(str(books / "main.beancount"))
    assert errors == []
    before = snapshot(books / "ledger")
    second = cli("demo", str(books))
    assert second.code == 0, second.out + second.err
    assert ", 0 entries added" in second.out
    assert snapshot(books / "ledger") == before


def test_demo_books_are_what_init_creates(tmp_path: Path) -> None:
    """The demo's scaffolding files stay in step with `ecomledger init`."""
    from ecomledger.scaffold import PLUGINS, accounts_beancount, main_beancount

    from .conftest import EXAMPLES

    main = (EXAMPLES / "main.beancount").read_text(encoding="utf-8")
    assert main == main_beancount("Demo Boutique SAS", "EUR", PLUGINS, oss_opt_in=True)

    accounts = (EXAMPLES / "accounts.beancount").read_text(encoding="utf-8")
    assert accounts.startswith(accounts_beancount())


def test_check_reports_an_oss_option_out_of_step(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("oss_opt_in = true ", "oss_opt_in = false"),
        encoding="utf-8",
    )
    result = cli("--books", str(demo_books), "check")
    assert result.code == 1
    assert "main.beancount:9: the vat plugin runs with oss_opt_in=True" in result.out
