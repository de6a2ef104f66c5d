"""One place for each setting: main.beancount follows ecomledger.toml (issue 12 item 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bean_check(books: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "beancount.scripts.check", str(books / "main.beancount")],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_setting_changed_once_reaches_every_plugin_and_the_title(cli, demo_books: Path) -> None:
    config = demo_books / "ecomledger.toml"
    _edit(config, 'name = "Demo Boutique SAS"', 'name = "Boutique Renommée SAS"')
    _edit(config, "oss_opt_in = true ", "oss_opt_in = false")
    _edit(
        config, 'invoice_pattern = "F-{year}-{seq:06d}"', 'invoice_pattern = "FA{year}-{seq:05d}"'
    )
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[stock]\nmethod = "CUMP"\n', encoding="utf-8"
    )
    first = cli("--books", str(demo_books), "check")
    assert first.code == 1
    assert "main.beancount now follows ecomledger.toml" in first.out
    main = (demo_books / "main.beancount").read_text(encoding="utf-8")
    assert 'option "title" "Boutique Renommée SAS"' in main
    assert 'plugin "ecomledger.plugins.vat"\n' in main
    assert "'method': 'CUMP'" in main
    assert "'invoice': 'FA{year}-{seq:05d}'" in main
    second = cli("--books", str(demo_books), "check")
    assert "now follows" not in second.out
    assert second.code == 0, second.out
    # bean-check reads the same plugin lines: it agrees with check.
    assert _bean_check(demo_books).returncode == 0


def test_options_a_user_gave_a_plugin_are_kept(cli, demo_books: Path) -> None:
    main = demo_books / "main.beancount"
    _edit(
        main,
        'plugin "ecomledger.plugins.inventory"',
        "plugin \"ecomledger.plugins.inventory\" \"{'skus': {'MUG-01': 'CUMP'}}\"",
    )
    config = demo_books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[stock]\nmethod = "CUMP"\n', encoding="utf-8"
    )
    cli("--books", str(demo_books), "check")
    text = main.read_text(encoding="utf-8")
    assert "'skus': {'MUG-01': 'CUMP'}" in text and "'method': 'CUMP'" in text


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            '[[banks]]\nname = "savings"\nformat = "qontoo"\naccount = "Assets:Bank:Savings"\n',
            "banks[1] ('savings') has format 'qontoo', which no importer reads",
        ),
    ],
)
def test_check_validates_the_configuration_against_what_exists(
    cli, demo_books: Path, section: str, message: str
) -> None:
    config = demo_books / "ecomledger.toml"
    text = config.read_text(encoding="utf-8") + "\n" + section
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index('format = "qontoo"') + 1
    result = cli("--books", str(demo_books), "check")
    assert result.code == 1
    assert f"ecomledger.toml:{line}: {message}" in result.out


def test_a_new_company_name_retitles_the_books_without_an_error(cli, tmp_path: Path) -> None:
    books = tmp_path / "fresh"
    assert cli("init", str(books)).code == 0
    _edit(books / "ecomledger.toml", 'name = "My Shop SAS"', 'name = "Atelier Test SARL"')
    result = cli("--books", str(books), "check")
    assert result.code == 0, result.out
    assert 'note: main.beancount:4: the books\' title is "My Shop SAS"' in result.out
    assert 'option "title" "Atelier Test SARL"' in (books / "main.beancount").read_text()
