"""``ecomledger report`` as a user runs it: listing, formats, outputs and every bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ecomledger.scaffold import init_books

Run = Callable[..., Any]  # the ``cli`` fixture of tests/conftest.py


def books_part(folder: Path) -> dict[str, bytes]:
    """The books' files, caches and reports/ excluded (reports are outputs, not books)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not p.name.endswith((".picklecache", ".lock", "index.pickle"))
        and p.relative_to(folder).parts[0] != "reports"
    }


def test_report_alone_lists_the_reports(cli: Run) -> None:
    result = cli("report")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    names = [line.split()[0] for line in lines]
    for name in ("trial-balance", "pnl", "balance-sheet", "journal", "general-ledger"):
        assert name in names
    assert len(lines) == len(names)


@pytest.mark.parametrize(
    "name", ["trial-balance", "pnl", "balance-sheet", "journal", "general-ledger"]
)
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_each_report_prints_in_each_text_format(
    cli: Run, demo_copy: Path, name: str, fmt: str
) -> None:
    before = books_part(demo_copy)
    result = cli(
        "--books",
        str(demo_copy),
        "report",
        name,
        "--format",
        fmt,
        "--compare",
        "previous",
        "--detail",
    )
    assert result.code == 0, result.err
    assert result.out.strip()
    if fmt == "json":
        assert json.loads(result.out)["report"] == name
    assert books_part(demo_copy) == before


def test_documents_go_to_reports_without_output(cli: Run, demo_copy: Path) -> None:
    before = books_part(demo_copy)
    for fmt in ("xlsx", "html"):
        result = cli(
            "--books", str(demo_copy), "report", "pnl", "--period", "2026-Q1", "--format", fmt
        )
        assert result.code == 0, result.err
        target = demo_copy / "reports" / f"pnl-2026-Q1.{fmt}"
        assert f"Wrote {target}" in result.out.replace("\n", "")
        assert target.stat().st_size > 1000
    assert openpyxl.load_workbook(demo_copy / "reports" / "pnl-2026-Q1.xlsx").sheetnames == ["pnl"]
    assert books_part(demo_copy) == before


def test_output_names_the_file(cli: Run, demo_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "tb.csv"
    result = cli(
        "--books",
        str(demo_copy),
        "report",
        "trial-balance",
        "--format",
        "csv",
        "--output",
        str(target),
    )
    assert result.code == 0, result.err
    assert target.read_text(encoding="utf-8").startswith("pcg,label,account,")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope"], "there is no report 'nope'; choose one of: trial-balance, pnl"),
        (["report", "pnl", "--period", "2026-13"], "--period '2026-13' is not a period"),
        (
            ["report", "pnl", "--format", "pdf"],
            "--format 'pdf' is not a format; choose one of: table",
        ),
        (["report", "pnl", "--period", "2019"], "the period 2019-01-01..2019-12-31 has no entries"),
        (["report", "pnl", "--compare", "yesterday"], "choose previous or last-year"),
        (
            ["report", "journal", "--option", "colour=red"],
            "has no option 'colour'; its options are: journal",
        ),
        (["report", "journal", "--option", "journal"], "is not key=value"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    cli: Run, demo_copy: Path, args: list[str], message: str
) -> None:
    before = books_part(demo_copy)
    result = cli("--books", str(demo_copy), *args)
    assert result.code == 2, result.out
    assert message in result.err.replace("\n", " ")
    assert "Traceback" not in result.err
    assert books_part(demo_copy) == before


def test_an_unwritable_output_is_refused(cli: Run, demo_copy: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "pnl.html"
    result = cli(
        "--books", str(demo_copy), "report", "pnl", "--format", "html", "--output", str(missing)
    )
    assert result.code == 2
    assert "does not exist; create it or choose another path" in result.err.replace("\n", " ")
    folder = cli(
        "--books", str(demo_copy), "report", "pnl", "--format", "html", "--output", str(tmp_path)
    )
    assert folder.code == 2
    assert "is a folder" in folder.err


def test_books_with_errors_stop_the_report_unless_forced(cli: Run, demo_copy: Path) -> None:
    manual = demo_copy / "ledger" / "2026" / "manual.beancount"
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + '\n2026-03-20 * "Oops" "Does not balance"\n  Assets:Bank:Qonto  10.00 EUR\n'
        "  Expenses:Software  -9.00 EUR\n",
        encoding="utf-8",
    )
    refused = cli("--books", str(demo_copy), "report", "pnl")
    assert refused.code == 2
    err = refused.err.replace("\n", " ")
    assert "the books have 1 error(s), the first at ledger/2026/manual.beancount:" in err
    assert "--force" in err
    forced = cli("--books", str(demo_copy), "report", "pnl", "--force")
    assert forced.code == 0, forced.err
    assert "Built with --force over books with 1 error(s)" in forced.out.replace("\n", " ")


def test_a_bare_year_is_the_fiscal_year(cli: Run, tmp_path: Path) -> None:
    init_books(tmp_path / "b", year=2026)
    config = tmp_path / "b" / "ecomledger.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            'fiscal_year_start = "01-01"', 'fiscal_year_start = "07-01"'
        ),
        encoding="utf-8",
    )
    main = tmp_path / "b" / "main.beancount"
    main.write_text(
        main.read_text(encoding="utf-8").replace(
            'plugin "ecomledger.plugins.deposits"',
            "plugin \"ecomledger.plugins.deposits\" \"{'fiscal_year_end': '06-30'}\"",
        ),
        encoding="utf-8",
    )
    manual = tmp_path / "b" / "ledger" / "2026" / "manual.beancount"
    manual.write_text(
        '2025-08-01 * "Founder" "Capital"\n  Assets:Transfers  100.00 EUR\n  Equity:Capital\n',
        encoding="utf-8",
    )
    result = cli(
        "--books",
        str(tmp_path / "b"),
        "report",
        "trial-balance",
        "--period",
        "2026",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["data"]["period"] == {"start": "2025-07-01", "end": "2026-06-30"}
    default = cli("--books", str(tmp_path / "b"), "report", "trial-balance", "--format", "json")
    assert json.loads(default.out)["data"]["period"]["start"] == "2025-07-01"


def test_demo_writes_the_html_reports_and_says_where(cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = cli("demo", str(folder))
    assert result.code == 0, result.err
    out = result.out.replace("\n", "")
    assert f"HTML pages in {folder / 'reports'}; open {folder / 'reports' / 'index.html'}" in out
    for name in ("trial-balance", "pnl", "balance-sheet", "journal", "general-ledger"):
        page = folder / "reports" / f"{name}-2026.html"
        assert page.stat().st_size > 1000, name
    assert "report left out" not in out
