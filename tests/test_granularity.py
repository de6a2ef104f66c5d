"""Shop granularity: order, day and payout books give the same figures; evidence lists orders."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import convert, data

from ecomledger import demo, evidence, ledger, summary
from ecomledger.config import load_config
from ecomledger.errors import UserError
from ecomledger.ingest import import_files

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "demo-shop"


def set_granularity(books: Path, mode: str) -> None:
    """Set ``granularity`` on every shop of ecomledger.toml (the one line a user adds)."""
    path = books / "ecomledger.toml"
    text = re.sub(r'^granularity = ".*"\n', "", path.read_text("utf-8"), flags=re.M)
    text = re.sub(
        r'^(\[\[shops\]\]\nname = "[^"]+"\n)', rf'\1granularity = "{mode}"\n', text, flags=re.M
    )
    path.write_text(text, "utf-8")


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo (sandbox orders and the inbox) imported in each granularity."""
    made: dict[str, Path] = {}
    original = demo.copy_demo_books
    for mode in ("order", "day", "payout"):
        target = tmp_path_factory.mktemp(mode) / "books"

        def copy(path: Path, mode: str = mode) -> None:
            original(path)
            set_granularity(path, mode)

        demo.copy_demo_books = copy  # type: ignore[assignment]
        try:
            result = demo.run_demo(target)
        finally:
            demo.copy_demo_books = original  # type: ignore[assignment]
        assert result.errors == [], result.errors
        made[mode] = target
    return made


def figures(books: Path) -> dict[str, Decimal]:
    """Revenue per account, VAT per rate and country, stock value and cost of goods sold."""
    entries, errors, _ = ledger.load(books, cache=False)
    assert errors == []
    out: dict[str, Decimal] = {}
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            account = posting.account
            if account.startswith(("Income:", "Liabilities:VAT:", "Assets:Stock", "Expenses:")):
                weight = convert.get_weight(posting).number
                out[account] = out.get(account, Decimal(0)) + weight
    return {k: v for k, v in out.items() if v}


def test_each_granularity_gives_the_same_revenue_vat_and_stock(demos: dict[str, Path]) -> None:
    order = figures(demos["order"])
    assert any(k.startswith("Liabilities:VAT:Collected:DE") for k in order)  # OSS in the demo
    assert order.get("Assets:Stock")  # stock moved per SKU in every mode
    for mode in ("day", "payout"):
        assert figures(demos[mode]) == order, mode
    day_entries, _, _ = ledger.load(demos["day"], cache=False)
    order_entries, _, _ = ledger.load(demos["order"], cache=False)
    assert summary.summaries(day_entries)
    assert summary.summaries(day_entries, summary.CREDIT_NOTE)  # refunds centralised too
    assert len(day_entries) < len(order_entries)


def test_a_summary_entry_lists_its_invoices_from_the_evidence(demos: dict[str, Path]) -> None:
    books = demos["day"]
    entries, _, _ = ledger.load(books, cache=False)
    order_entries, _, _ = ledger.load(demos["order"], cache=False)
    by_number = {
        e.meta["invoice"]: e
        for e in order_entries
        if isinstance(e, data.Transaction) and "invoice" in e.meta
    }
    listed = []
    for entry in summary.summaries(entries):
        first, last = str(entry.meta["invoice_range"]).split("..")
        invoices = evidence.invoices(books, entry)
        assert (invoices[0].number, invoices[-1].number) == (first, last)
        assert len(invoices) == int(entry.meta["orders"])
        total = sum(i.total for i in invoices)
        assert total == entry.postings[0].units.number  # the money that moved, order by order
        for order in evidence.orders(books, entry):
            assert order.date == entry.date and order.postings
        listed += [i.number for i in invoices]
    # Every invoice of the order books exists once: as its own entry or in a summary's evidence.
    own = [
        e.meta["invoice"]
        for e in entries
        if isinstance(e, data.Transaction) and "invoice" in e.meta
    ]
    assert sorted(listed + own) == sorted(by_number)
    with pytest.raises(UserError, match="not a summary entry"):
        plain = (e for e in entries if isinstance(e, data.Transaction))
        evidence.orders(books, next(e for e in plain if "invoice_range" not in e.meta))


def test_reimporting_summarised_orders_finds_them_booked(
    demos: dict[str, Path], tmp_path: Path
) -> None:
    books = tmp_path / "books"
    shutil.copytree(demos["day"], books, ignore=shutil.ignore_patterns("*.picklecache"))
    before = {p: p.read_bytes() for p in (books / "ledger").rglob("*.beancount")}
    archived = sorted((books / "documents" / "shopify").rglob("*orders*.json"))
    assert archived
    result = import_files(books, load_config(books / "ecomledger.toml"), archived, archive=False)
    assert result.added == [] and result.duplicates > 0
    assert {p: p.read_bytes() for p in (books / "ledger").rglob("*.beancount")} == before


def _next_year_orders(books: Path, tmp_path: Path) -> Path:
    """The demo inbox's orders again, a year later, with new ids."""
    text = (EXAMPLES / "inbox" / "shopify-orders.json").read_text("utf-8")
    text = text.replace('"2026-', '"2027-')
    payload = json.loads(text)
    for page in payload["pages"]:
        for order in page["orders"]:
            order["id"] += 100_000
            order["name"] = order["name"] + "-27"
            for refund in order.get("refunds", []):
                refund["id"] += 100_000
                refund["order_id"] = order["id"]
    path = tmp_path / "shopify-orders-2027.json"
    path.write_text(json.dumps(payload), "utf-8")
    return path


def test_switching_granularity_within_a_year_is_refused_and_for_a_new_year_works(
    demos: dict[str, Path], tmp_path: Path, cli: Callable
) -> None:
    books = tmp_path / "books"
    shutil.copytree(demos["order"], books, ignore=shutil.ignore_patterns("*.picklecache"))
    set_granularity(books, "day")
    config = load_config(books / "ecomledger.toml")
    same_year = json.loads((EXAMPLES / "inbox" / "shopify-orders.json").read_text("utf-8"))
    for page in same_year["pages"]:
        for order in page["orders"]:
            order["id"] += 200_000
            order["name"] += "-b"
            order.pop("refunds", None)
    path = tmp_path / "more-2026.json"
    path.write_text(json.dumps(same_year), "utf-8")
    with pytest.raises(UserError, match=r'granularity = "day" but fiscal year 2026 already'):
        import_files(books, config, [path], archive=False)
    result = import_files(books, config, [_next_year_orders(books, tmp_path)], archive=False)
    assert summary.summaries(result.added)
    checked = cli("--books", str(books), "check", "--all-years")
    assert checked.code == 0, checked.out


def test_a_summarised_invoice_still_renders(demos: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (reads the PDF back)")
    import subprocess

    from ecomledger.books import load_books
    from ecomledger.invoices.render import render

    books = tmp_path / "books"
    shutil.copytree(demos["day"], books, ignore=shutil.ignore_patterns("*.picklecache"))
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    entry = summary.summaries(loaded.entries)[0]
    invoice = evidence.invoices(books, entry)[0]
    report = render(loaded, [invoice.number])
    [pdf] = [o.path for o in report.outcomes]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert invoice.number in text and invoice.customer in text
    order = evidence.orders(books, entry)[0]
    description = order.postings[1].meta.get("description") if order.postings[1].meta else None
    if description:
        assert str(description) in text


def test_a_summarised_credit_note_still_renders_and_names_its_invoice(
    demos: dict[str, Path], tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (reads the PDF back)")
    import subprocess

    from ecomledger.books import load_books
    from ecomledger.invoices.render import render

    books = tmp_path / "books"
    shutil.copytree(demos["day"], books, ignore=shutil.ignore_patterns("*.picklecache"))
    loaded = load_books(books, load_config(books / "ecomledger.toml"))
    entry = summary.summaries(loaded.entries, summary.CREDIT_NOTE)[0]
    [note, *_] = evidence.invoices(books, entry)
    credited = str(evidence.orders(books, entry)[0].meta["credits"])
    assert credited in str(entry.meta["credits"]).split()
    report = render(loaded, [note.number])
    [pdf] = [o.path for o in report.outcomes]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert note.number in text and credited in text


def test_a_customers_orders_of_a_day_share_one_entry_and_each_invoice_is_settled_alone(
    demos: dict[str, Path], tmp_path: Path, cli: Callable
) -> None:
    books = tmp_path / "books"
    shutil.copytree(demos["day"], books, ignore=shutil.ignore_patterns("*.picklecache"))
    config = load_config(books / "ecomledger.toml")
    payload = json.loads((EXAMPLES / "inbox" / "shopify-orders.json").read_text("utf-8"))
    [b2b] = [o for o in payload["pages"][0]["orders"] if o["name"] == "#1004"]  # paid by transfer
    orders = []
    for n in (1, 2):
        order = json.loads(json.dumps(b2b).replace('"2026-03-04', '"2026-04-15'))
        order.update(id=b2b["id"] + 300_000 + n, name=f"#1004-{n}", total_price="27.50")
        order["total_price_set"]["shop_money"]["amount"] = "27.50"
        order["line_items"][0]["quantity"] = 1
        orders.append(order)
    payload["pages"] = [{"orders": orders}]
    path = tmp_path / "b2b-orders.json"
    path.write_text(json.dumps(payload), "utf-8")
    added = import_files(books, config, [path], archive=False).added
    [entry] = summary.summaries(added)
    assert entry.payee == "Boutique Claes SPRL" and entry.meta["customer_vat"] == "BE0477472701"
    owed = [p for p in entry.postings if p.account == "Assets:Customers"]
    assert [p.units.number for p in owed] == [Decimal("27.50")] * 2
    invoices = {p.meta["order_number"]: p.meta["invoice"] for p in owed}
    assert set(invoices) == {"#1004-1", "#1004-2"}

    bank = tmp_path / "qonto-2026-04.csv"
    header = (EXAMPLES / "inbox" / "qonto-2026-03.csv").read_text("utf-8").splitlines()[0]
    line = (
        "settled,2026-04-20 10:00:00,2026-04-20 10:00:00,27.50,EUR,P CLAES,transfer,"
        "qonto-tx-9001,FR7616958000013001542911136,Paiement commande #1004-2,,,,"
    )
    bank.write_text(f"{header}\n{line}\n", "utf-8")
    [paid] = [
        e
        for e in import_files(books, config, [bank], archive=False).added
        if isinstance(e, data.Transaction)
    ]
    assert paid.meta.get("settles") == invoices["#1004-2"]
    assert cli("--books", str(books), "check").code == 0
    report = cli(
        "--books", str(books), "report", "receivables", "--period", "2026", "--format", "json"
    )
    assert report.code == 0, report.out
    assert invoices["#1004-1"] in report.out and invoices["#1004-2"] not in report.out
    # The FEC names the customer of the invoice settled, not the bank's counterparty label.
    fec = cli("--books", str(books), "export", "fec", "--year", "2026", "--output", str(tmp_path))
    assert fec.code == 0, fec.out
    [text] = [p.read_text("iso-8859-15") for p in tmp_path.glob("*FEC2026[0-9][0-9][0-9][0-9].txt")]
    [settled] = [row for row in text.splitlines() if "qonto-tx-9001" in row and "\t411" in row]
    assert "\tCBOUTIQUECLAESSPR\tBoutique Claes SPRL\t" in settled, settled
