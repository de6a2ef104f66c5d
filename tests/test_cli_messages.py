"""Messages print what they mean: text from data and from our messages is never console
markup, emoji codes or terminal escapes (issue 12 item 1, issue 16 item 10)."""

from __future__ import annotations

import json
from pathlib import Path


def test_account_names_in_errors_print_literally(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    assert cli("init", str(books)).code == 0
    config = books / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[banks]]\nname = "qonto"\nformat = "qonto"\n'
        + 'account = "Assets:Bank:Qonto:[[processors]]"\n',
        encoding="utf-8",
    )
    result = cli("--books", str(books), "check")
    assert result.code == 2
    assert "Assets:Bank:Qonto:[[processors]]" in result.err
    assert "🏦" not in result.err


def test_check_prints_account_names_literally(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    cli("init", str(books))
    manual = next((books / "ledger").glob("*/manual.beancount"))
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + '\n2026-01-05 * "Unbalanced [bold]"\n'
        + "  Assets:Bank:Qonto  10.00 EUR\n  Assets:Suspense  -9.00 EUR\n",
        encoding="utf-8",
    )
    result = cli("--books", str(books), "check")
    assert result.code == 1
    assert "🏦" not in result.out


def test_text_from_a_shop_prints_literally_and_escapes_are_neutralised(
    cli, demo_books: Path
) -> None:
    orders = demo_books / "inbox" / "shopify-orders.json"
    document = json.loads(orders.read_text(encoding="utf-8"))
    order = document["pages"][0]["orders"][0]
    order["name"] = "#1001[/bold][link=https://evil.example]x\x1b]8;;https://evil\x07\x1b[2J"
    order["financial_status"] = "pending"  # a finding that quotes the order's name
    orders.write_text(json.dumps(document), encoding="utf-8")
    result = cli("--books", str(demo_books), "import")
    assert result.code == 0, result.err
    assert "#1001[/bold][link=https://evil.example]x" in result.out
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "\\x1b]8;;https://evil\\x07\\x1b[2J" in result.out


def test_neutralise_keeps_layout_and_shows_controls() -> None:
    from ecomledger.cli._common import neutralise

    assert neutralise("a\tb\nc") == "a\tb\nc"
    assert neutralise("x\x1b[31my\x9b\u202e") == "x\\x1b[31my\\x9b\\u202e"


def test_beancount_and_python_errors_say_what_is_wrong_and_the_fix(cli, tmp_path: Path) -> None:
    books = tmp_path / "books"
    cli("init", str(books))
    manual = next((books / "ledger").glob("*/manual.beancount"))
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + '\n2026-01-05 * "Comma"\n  Assets:Transfers  10,00 EUR\n  Assets:Suspense\n'
        + '\n2026-02-30 * "No such day"\n  Assets:Transfers  10.00 EUR\n  Assets:Suspense\n',
        encoding="utf-8",
    )
    result = cli("--books", str(books), "check")
    assert result.code == 1
    where = f"ledger/{manual.parent.name}/manual.beancount"
    assert "ValueError" not in result.out
    assert f"{where}:4: '10,00' is not a number" in result.out
    assert "'10.00'" in result.out
    assert f"{where}:7: this date does not exist in the calendar" in result.out
    assert "YYYY-MM-DD" in result.out


def test_text_built_from_data_in_a_table_is_neutralised_too() -> None:
    import io

    from rich.table import Table
    from rich.text import Text

    from ecomledger.cli._common import PlainConsole

    out = io.StringIO()
    console = PlainConsole(file=out, force_terminal=True, width=80)
    table = Table()
    table.add_column("product")
    table.add_row(Text("Mug \x1b]8;;https://evil\x07[bold]Eiffel"))
    console.print(table, "a :bank: b")
    printed = out.getvalue()
    assert "Mug \\x1b]8;;https://evil" in printed  # shown, not obeyed
    assert "\x1b]" not in printed and "\x07" not in printed
    assert ":bank:" in printed
