"""Ledger writes are atomic, idempotent, deterministic, locked and refuse conflicts."""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader

from ecomledger import ledger
from ecomledger.config import load_config
from ecomledger.errors import BooksLockedError, ConflictError, InputError
from ecomledger.ingest import import_files

from .conftest import snapshot

ORDERS = "inbox/shopify-orders.json"
PAYOUTS = "inbox/shopify-payouts.json"


def shop_files(books: Path) -> list[Path]:
    return [books / ORDERS, books / PAYOUTS]


def load_errors(books: Path) -> list:
    _, errors, _ = loader.load_file(str(books / "main.beancount"))
    return errors


def test_import_books_every_paid_order_and_is_idempotent(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    kept = [shutil.copy(p, demo_books / p.name) for p in shop_files(demo_books)]
    result = import_files(demo_books, config, shop_files(demo_books))
    # 7 paid orders of 9 (one pending, one voided), 1 credit note, 2 paid payouts
    assert len(result.added) == 10
    assert load_errors(demo_books) == []
    assert not (demo_books / ORDERS).exists(), "imported inbox files are archived"
    assert (demo_books / "documents/shopify/demo-shop/shopify-orders.json").exists()
    before = snapshot(demo_books)
    again = import_files(demo_books, config, [Path(p) for p in kept])
    assert again.added == [] and again.duplicates == 10
    after = snapshot(demo_books)
    assert {
        k: v for k, v in after.items() if k not in ("shopify-orders.json", "shopify-payouts.json")
    } == {
        k: v for k, v in before.items() if k not in ("shopify-orders.json", "shopify-payouts.json")
    }


def test_output_is_byte_identical_for_the_same_input(tmp_path: Path, demo_books: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(demo_books, other)
    for books in (demo_books, other):
        import_files(books, load_config(books / "ecomledger.toml"), shop_files(books))
    name = "ledger/2026/shopify-demo-shop.beancount"
    assert (demo_books / name).read_bytes() == (other / name).read_bytes()
    assert (demo_books / "accounts.beancount").read_bytes() == (
        other / "accounts.beancount"
    ).read_bytes()


def test_numbers_continue_from_the_books(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    orders = json.loads((demo_books / ORDERS).read_text(encoding="utf-8"))
    first, rest = dict(orders), dict(orders)
    first["pages"] = [{"orders": orders["pages"][0]["orders"][:2]}]
    rest["pages"] = [{"orders": orders["pages"][0]["orders"][2:]}]
    (demo_books / "a.json").write_text(json.dumps(first), encoding="utf-8")
    (demo_books / "b.json").write_text(json.dumps(rest), encoding="utf-8")
    import_files(demo_books, config, [demo_books / "a.json"])
    result = import_files(demo_books, config, [demo_books / "b.json"])
    numbers = [e.meta.get("invoice") for e in result.added if "invoice" in e.meta]
    assert numbers == [
        "F-2026-000003",
        "F-2026-000004",
        "F-2026-000005",
        "F-2026-000006",
        "F-2026-000007",
    ]
    credit = next(e for e in result.added if "credit_note" in e.meta)
    assert credit.meta["credits"] == "F-2026-000006"


def test_a_crash_during_the_write_leaves_the_ledger_unchanged(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, [demo_books / ORDERS])
    before = snapshot(demo_books)

    def crash(src: str, dst: str) -> None:
        raise OSError("simulated power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated power cut"):
        import_files(demo_books, config, [demo_books / PAYOUTS], archive=False)
    monkeypatch.undo()
    assert snapshot(demo_books) == before, "no temporary file left, no file changed"
    assert load_errors(demo_books) == []


def test_a_conflicting_re_import_is_refused_naming_both_locations(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    changed = json.loads((demo_books / ORDERS).read_text(encoding="utf-8"))
    import_files(demo_books, config, [demo_books / ORDERS])
    order = changed["pages"][0]["orders"][0]
    order["total_price"] = "39.90"
    order["total_price_set"]["shop_money"]["amount"] = "39.90"
    edited = demo_books / "edited.json"
    edited.write_text(json.dumps(changed), encoding="utf-8")
    before = snapshot(demo_books)
    with pytest.raises(ConflictError) as info:
        import_files(demo_books, config, [edited])
    message = str(info.value)
    assert "shopify:demo-shop:order:7001 is already in the books at " in message
    assert "ledger/2026/shopify-demo-shop.beancount:3 for 34.90 EUR" in message
    assert f"{edited} now says 39.90 EUR" in message
    assert snapshot(demo_books) == before


def test_garbage_json_is_refused_and_the_books_are_untouched(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    broken = demo_books / "inbox" / "truncated.json"
    broken.write_text(
        '{"format": "ecomledger.fetch/1", "platform": "shopify", "pages": [{"orders": [{"id": 1',
        encoding="utf-8",
    )
    before = snapshot(demo_books)
    with pytest.raises(InputError, match=r"truncated.json:1: is not valid JSON"):
        import_files(demo_books, config, [broken])
    assert snapshot(demo_books) == before


def test_two_runs_cannot_write_the_same_books(demo_books: Path) -> None:
    config = load_config(demo_books / "ecomledger.toml")
    with (
        ledger.books_lock(demo_books),
        pytest.raises(BooksLockedError, match="another ecomledger run is writing"),
    ):
        import_files(demo_books, config, [demo_books / ORDERS])
    import_files(demo_books, config, [demo_books / ORDERS])  # released afterwards


def test_rendered_entries_read_back_identically() -> None:
    import datetime as dt
    from decimal import Decimal

    from beancount.core import data
    from beancount.core.amount import Amount
    from beancount.parser import parser

    meta = {
        "filename": "x",
        "lineno": 1,
        "note": 'a "quoted" \\ text',
        "when": dt.date(2026, 1, 2),
        "ok": True,
        "rate": Decimal("5.5"),
    }
    txn = data.Transaction(
        meta,
        dt.date(2026, 1, 3),
        "!",
        'Café "Le Zinc"',
        "Lunch",
        frozenset({"food"}),
        frozenset(),
        [
            data.Posting(
                "Assets:Bank:Qonto",
                Amount(Decimal("-12.50"), "EUR"),
                None,
                None,
                None,
                {"qty": Decimal("2")},
            ),
            data.Posting("Expenses:Meals", Amount(Decimal("12.50"), "EUR"), None, None, None, None),
        ],
    )
    text = ledger.render([txn])
    parsed, errors, _ = parser.parse_string(text)
    assert errors == []
    back = parsed[0]
    assert back.payee == txn.payee and back.flag == "!" and back.tags == {"food"}
    assert {k: back.meta[k] for k in ("note", "when", "ok", "rate")} == {
        k: meta[k] for k in ("note", "when", "ok", "rate")
    }
    assert back.postings[0].meta["qty"] == Decimal("2")
    assert [p.units for p in back.postings] == [p.units for p in txn.postings]


def test_a_zero_amount_renders_as_an_amount() -> None:
    """Beancount's Amount is falsy at zero; the renderer must still print 0.00 EUR."""
    import datetime as dt
    from decimal import Decimal

    from beancount.parser import parser

    from ecomledger.booking import book_bank_line
    from ecomledger.model import BankLine

    line = BankLine(
        source="q:m",
        account="Assets:Bank:Q",
        date=dt.date(2026, 1, 1),
        amount=Decimal("0.00"),
        currency="EUR",
        payee="Card check",
    )
    text = ledger.render([book_bank_line(line)])
    assert "Assets:Bank:Q    0.00 EUR" in text
    parsed, errors, _ = parser.parse_string(text)
    assert errors == [] and ledger.moved_amount(parsed[0]) == (Decimal("0.00"), "EUR")


def test_the_index_cache_agrees_with_a_fresh_parse(demo_books: Path) -> None:
    """What an import remembers of its own writes is exactly what parsing the files gives."""
    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, [demo_books / ORDERS])
    import_files(demo_books, config, [demo_books / PAYOUTS])
    cached = ledger.scan(demo_books)
    (demo_books / ledger.INDEX_CACHE).unlink()
    fresh = ledger.scan(demo_books)
    assert cached.ids == fresh.ids
    assert cached.numbers == fresh.numbers and cached.accounts == fresh.accounts
    assert cached.payouts == fresh.payouts


def test_a_booked_row_compares_amounts_by_value() -> None:
    """Dedupe sees 12.3 and 12.30 as the same money, and any other figure as a conflict."""
    row = ("ledger/2026/shop.beancount", 12, "12.30", "EUR", "F-2026-000001")
    assert ledger.same_amount(row, (Decimal("12.3"), "EUR"))
    assert ledger.same_amount(row, (Decimal("12.30"), "EUR"))
    assert not ledger.same_amount(row, (Decimal("12.31"), "EUR"))
    assert not ledger.same_amount(row, (Decimal("12.30"), "USD"))
    assert not ledger.same_amount(row, None)
    booked = ledger.Booked.from_row(row)
    assert str(booked.location) == "ledger/2026/shop.beancount:12"
    assert booked.amount == (Decimal("12.30"), "EUR") and booked.invoice == "F-2026-000001"


def test_a_reimport_skips_booked_orders_before_booking_them(
    demo_books: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records the index already holds with the same money are not booked again at all:
    re-importing a file of 100,000 orders must cost a parse, not a booking."""
    from ecomledger.importers import _orders

    config = load_config(demo_books / "ecomledger.toml")
    import_files(demo_books, config, shop_files(demo_books), archive=False)
    booked: list[str] = []
    real = _orders.book_order
    monkeypatch.setattr(
        _orders, "book_order", lambda o, *a: booked.append(o.order_id) or real(o, *a)
    )
    again = import_files(demo_books, config, shop_files(demo_books), archive=False)
    assert again.added == [] and again.duplicates == 10
    assert booked == []
