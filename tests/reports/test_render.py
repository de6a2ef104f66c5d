"""Renderers: CSV, JSON, xlsx (read back with openpyxl), text and HTML (opened in Chromium)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import lxml.html
import openpyxl
import pytest
from PIL import Image

from ecomledger.books import Books
from ecomledger.periods import parse_period
from ecomledger.render import render
from ecomledger.render.charts import PALETTE
from ecomledger.reports import balance_sheet, find, pnl, trial_balance
from ecomledger.reports.model import (
    Chart,
    Column,
    ReportRequest,
    ReportView,
    Row,
    Series,
    Table,
)
from ecomledger.reports.runner import write_html_reports

YEAR = ReportRequest(parse_period("2026"), compare="previous", detail=True)
MINE = ("trial-balance", "pnl", "balance-sheet", "journal", "general-ledger")


def view_of(books: Books, name: str) -> ReportView:
    view: ReportView = find(name).build(books, YEAR)
    return view


def test_csv_has_plain_numbers_and_the_totals(demo_loaded: Books) -> None:
    text = render(view_of(demo_loaded, "trial-balance"), "csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    total = next(row for row in rows if row["label"] == "Total")
    assert total["debit"] == total["credit"]
    assert Decimal(total["debit"]) > 0
    assert all("," not in row["debit"] for row in rows)  # no thousands separator
    assert rows[0]["closing"].count(".") == 1 and len(rows[0]["closing"].split(".")[1]) == 2


def test_csv_of_several_tables_names_each(demo_loaded: Books) -> None:
    text = render(view_of(demo_loaded, "journal"), "csv").decode()
    blocks = text.split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["journals", "journal"]


def test_json_carries_the_report_data_with_exact_amounts(demo_loaded: Books) -> None:
    document = json.loads(render(view_of(demo_loaded, "balance-sheet"), "json"))
    assert document["report"] == "balance-sheet"
    data = document["data"]
    assert data["period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    result = next(line for line in data["lines"] if line["key"] == "resultat")
    statement = pnl.compute(demo_loaded, YEAR)
    assert Decimal(result["amount"]) == statement.total("resultat").amount
    assert isinstance(result["amount"], str)


@pytest.mark.parametrize("name", MINE)
def test_xlsx_opens_with_numeric_cells(demo_loaded: Books, tmp_path: Path, name: str) -> None:
    view = view_of(demo_loaded, name)
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(render(view, "xlsx"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [table.name for table in view.tables]
    for table in view.tables:
        sheet = book[table.name]
        assert [c.value for c in sheet[1]] == [c.title for c in table.columns]
        money = [i for i, c in enumerate(table.columns) if c.kind == "money"]
        numbers = [
            row[i].value
            for row in sheet.iter_rows(min_row=2)
            for i in money
            if row[i].value is not None
        ]
        assert numbers and all(isinstance(v, int | float) for v in numbers)
        formats = {row[money[0]].number_format for row in sheet.iter_rows(min_row=2)}
        assert "#,##0.00" in formats


def test_trial_balance_xlsx_adds_up(demo_loaded: Books, tmp_path: Path) -> None:
    path = tmp_path / "tb.xlsx"
    path.write_bytes(render(view_of(demo_loaded, "trial-balance"), "xlsx"))
    sheet = openpyxl.load_workbook(path)["trial_balance"]
    header = [c.value for c in sheet[1]]
    debit, label = header.index("Débit"), header.index("Intitulé")
    accounts = [row for row in sheet.iter_rows(min_row=2) if row[0].value]  # a PCG number
    total = next(row for row in sheet.iter_rows(min_row=2) if row[label].value == "Total")
    assert round(sum(row[debit].value for row in accounts), 2) == total[debit].value


def literal_view() -> ReportView:
    text = "[bold red]Not markup[/] <script>alert(1)</script> & co"
    table = Table("t", text, (Column("a", "A"), Column("n", "N", "money")))
    table.rows.append(Row((text, Decimal("-1234.5"))))
    chart = Chart("c", text, "bar", [text, "b"], [Series(text, [Decimal(3), Decimal(-2)])])
    return ReportView("x", text, text, [table], [chart], [text])


def test_text_from_the_books_is_printed_literally() -> None:
    view = literal_view()
    table = render(view, "table").decode()
    assert "[bold red]Not markup[/]" in table
    assert "-1,234.50" in table
    page = render(view, "html").decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- HTML in a real browser ----------------------------------------------------------------


def chromium() -> str:
    program = shutil.which("chromium") or shutil.which("chromium-browser")
    if program is None:
        pytest.skip("chromium is not installed (Debian package 'chromium')")
    return program


def browser(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def pages(
    built_demo: Path, demo_loaded: Books, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Every report's HTML page, written as ``ecomledger demo`` writes them."""
    folder = tmp_path_factory.mktemp("pages")
    books = Books(folder, demo_loaded.config, demo_loaded.entries, [], demo_loaded.options)
    written, skipped = write_html_reports(books)
    assert not skipped
    return {
        path.name.rsplit("-", 1)[0] if path.name != "index.html" else "index": path
        for path in written
    }


def test_the_index_links_every_page(pages: dict[str, Path]) -> None:
    tree = lxml.html.parse(str(pages["index"]))
    links = {a.get("href") for a in tree.iter("a")}
    assert links == {path.name for name, path in pages.items() if name != "index"}


def test_each_page_loads_in_chromium_and_its_charts_draw(
    pages: dict[str, Path], demo_loaded: Books
) -> None:
    charted = 0
    for name, path in pages.items():
        if name == "index":
            continue
        dom = lxml.html.fromstring(browser("--dump-dom", path.as_uri()).stdout)
        assert dom.xpath("//div[@class='ecl-report']"), name
        for svg in dom.xpath("//svg[contains(@class, 'chart')]"):
            marks = svg.xpath(".//*[@class='bar' or @class='line']")
            assert marks, f"{name}: chart {svg.get('data-chart')} has no bars or lines"
            charted += 1
    assert charted >= 2


@pytest.mark.parametrize("name", ["pnl", "balance-sheet"])
def test_statement_charts_are_painted(pages: dict[str, Path], tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    browser(
        "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1200,700", pages[name].as_uri()
    )
    image = Image.open(shot).convert("RGB")
    blue = tuple(int(PALETTE[0][i : i + 2], 16) for i in (1, 3, 5))
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    pixels = sum(count for count, colour in colours if colour == blue)
    assert pixels > 200, f"{name}: the chart's first series is not on screen ({pixels} px)"


def test_views_carry_charts_where_people_look(demo_loaded: Books) -> None:
    assert [c.kind for c in pnl.build(demo_loaded, YEAR).charts] == ["bar"]
    assert [c.kind for c in balance_sheet.build(demo_loaded, YEAR).charts] == ["stacked"]
    assert trial_balance.build(demo_loaded, YEAR).charts == []


@pytest.mark.parametrize("kind", ["bar", "line", "stacked"])
def test_every_chart_kind_draws_marks_for_its_values(kind: str) -> None:
    from ecomledger.render.charts import render_chart

    labels = ["2026-01", "2026-02", "2026-03"]
    series = [
        Series("Ventes", [Decimal("1200"), Decimal("-300"), Decimal("950.5")]),
        Series("Achats", [Decimal("400"), Decimal("0"), Decimal("10")]),
    ]
    svg = lxml.html.fromstring(str(render_chart(Chart("c", "T", kind, labels, series))))  # type: ignore[arg-type]
    marks = svg.xpath(".//*[@class='bar' or @class='line']")
    expected = {"bar": 6, "line": 2, "stacked": 5}[kind]  # a zero segment is not stacked
    assert len(marks) == expected
    if kind == "bar":
        heights = [float(m.get("height")) for m in marks]
        assert max(heights) > 100 and min(heights) >= 0.5
    assert svg.xpath(".//text()[contains(., '2026-02')]")  # the labels are written


def test_a_long_label_chart_lays_bars_out_horizontally() -> None:
    from ecomledger.render.charts import render_chart

    chart = Chart(
        "c",
        "T",
        "bar",
        ["Ventes de marchandises", "Variation de stock"],
        [Series("s", [Decimal(5), Decimal(-2)])],
    )
    svg = lxml.html.fromstring(str(render_chart(chart)))
    bars = svg.xpath(".//rect[@class='bar']")
    assert float(bars[0].get("width")) > float(bars[0].get("height"))


def test_a_long_table_prints_every_row_in_plain_columns() -> None:
    from ecomledger.render.table import RICH_ROWS

    table = Table("t", "Long", (Column("a", "Account"), Column("n", "Amount", "money")))
    table.rows = [Row((f"[b]row {i}[/b]", Decimal(i) / 4)) for i in range(RICH_ROWS + 500)]
    text = render(ReportView("x", "T", "", [table]), "table").decode()
    lines = text.splitlines()
    assert f"[b]row {RICH_ROWS + 499}[/b]" in text  # every row, printed literally
    assert lines[-1].endswith(f"{(RICH_ROWS + 499) / 4:,.2f}")
    widths = {len(line) for line in lines[3:]}
    assert len(widths) == 1  # aligned: the amounts are flush right in one column


def test_a_line_chart_spans_its_values_and_its_labels_do_not_overlap() -> None:
    from ecomledger.render.charts import render_chart

    labels = [f"2026-03-{day:02d}" for day in range(1, 32)]
    values = [Decimal("11000") + Decimal(day * 10) for day in range(1, 32)]
    svg = lxml.html.fromstring(
        str(render_chart(Chart("c", "Cash", "line", labels, [Series("Total", values)])))
    )
    written = [t for t in svg.xpath(".//text/text()") if t.startswith("2026-")]
    assert 4 <= len(written) <= 10  # a date every few days, not 31 on top of each other
    ticks = [t for t in svg.xpath(".//text/text()") if t[0].isdigit() and not t.startswith("2026")]
    assert len(set(ticks)) == 5, ticks  # five distinct axis figures, not "11k" five times
    assert "0" not in ticks  # the axis spans the values, not zero to 11,310
