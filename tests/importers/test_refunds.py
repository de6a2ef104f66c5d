"""Refunds line by line, over real HTTP: WooCommerce refunds, PrestaShop credit slips and
Magento credit memos fetched from the sandbox, imported, and compared with the sandbox's own
refunds: every line's SKU, quantity, amount and restock flag, the VAT per rate, refunded
shipping and the money returned, to the cent and with nothing left to rounding.

Also: a payload saved before refunds were fetched still imports (the old summary path), and
the refunds it booked are not booked again from the detailed file; a refund missing a field
is one sentence naming the file and the field, and the books stay as they were.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data

from ecomledger import ingest, ledger
from ecomledger.config import load_config
from ecomledger.errors import InputError
from ecomledger.importers.magento import _uncovered
from ecomledger.model import Refund
from ecomledger.money import ZERO
from ecomledger.sandbox import SandboxServer
from ecomledger.sandbox.data import Refund as SandboxRefund

from .test_platforms import SOURCES, _fetch, make_books

PLATFORMS = ("woocommerce", "prestashop", "magento")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    # enough orders for partial and full refunds, with and without shipping and restock
    with SandboxServer(seed=11, orders=90, bucket_capacity=1_000_000) as srv:
        yield srv


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_books(tmp_path, monkeypatch)


def _refund_id(platform: str, refund: SandboxRefund) -> str:
    return str(refund.id % (100_000 if platform == "prestashop" else 10_000_000))


def _rate(account: str) -> Decimal:
    return Decimal(account.rsplit(":", 1)[1].replace("-", "."))


def _import(books: Path, files: list[Path]) -> ingest.ImportResult:
    return ingest.import_files(books, load_config(books / "ecomledger.toml"), files, archive=False)


def _credit_notes(books: Path, platform: str) -> dict[str, data.Transaction]:
    entries, errors, _ = ledger.load(books)
    assert [getattr(e, "message", e) for e in errors] == []
    source = f"{platform}:{SOURCES[platform][0]}"
    return {
        str(e.meta["refund_id"]): e
        for e in entries
        if isinstance(e, data.Transaction)
        and e.meta.get("source") == source
        and "credit_note" in e.meta
    }


def _number(posting: data.Posting) -> Decimal:
    assert posting.units is not None and posting.units.number is not None
    return posting.units.number


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_refund_is_booked_line_by_line(
    books: Path, sandbox: SandboxServer, platform: str
) -> None:
    files = _fetch(books, sandbox, platform)
    _import(books, files)
    notes = _credit_notes(books, platform)
    refunds = [r for o in sandbox.data.orders for r in o.refunds]
    assert len(refunds) >= 10
    assert sorted(notes) == sorted(_refund_id(platform, r) for r in refunds)
    seen = {"restock": 0, "kept": 0, "shipping": 0, "partial": 0}
    for refund in refunds:
        note = notes[_refund_id(platform, refund)]
        assert note.flag == "*" and "discrepancy" not in note.meta
        assert _number(note.postings[0]) == -refund.amount  # the money returned
        assert not [p for p in note.postings if p.account == "Expenses:Rounding"]
        goods = sorted(
            (
                str(p.meta["sku"]),
                -p.meta["qty"],
                _number(p),
                Decimal(str(p.meta["vat_rate"])),
                bool(p.meta.get("restock")),
            )
            for p in note.postings
            if p.account.startswith("Income:Sales:Goods:")
        )
        expected = sorted(
            (
                rl.line.product.sku,
                Decimal(rl.quantity),
                rl.subtotal - rl.tax,
                rl.line.rate,
                rl.restock,
            )
            for rl in refund.lines
        )
        assert goods == expected
        shipping = sum(
            (_number(p) for p in note.postings if p.account == "Income:Sales:Shipping"), ZERO
        )
        assert shipping == refund.shipping - refund.shipping_tax
        vat: dict[Decimal, Decimal] = {}
        for p in note.postings:
            if p.account.startswith("Liabilities:VAT:Collected:"):
                vat[_rate(p.account)] = vat.get(_rate(p.account), ZERO) + _number(p)
        wanted: dict[Decimal, Decimal] = {}
        for rl in refund.lines:
            if rl.tax:
                wanted[rl.line.rate] = wanted.get(rl.line.rate, ZERO) + rl.tax
        order = next(o for o in sandbox.data.orders if refund in o.refunds)
        if refund.shipping_tax:
            rate = order.shipping_rate
            wanted[rate] = wanted.get(rate, ZERO) + refund.shipping_tax
        assert vat == wanted
        seen["restock"] += any(rl.restock for rl in refund.lines)
        seen["kept"] += any(not rl.restock for rl in refund.lines)
        seen["shipping"] += bool(refund.shipping)
        seen["partial"] += refund.amount < order.total_price
    assert all(seen.values()), seen  # every case was exercised

    # fetching again adds nothing
    again = _fetch(books, sandbox, platform)
    assert not _import(books, again).added
    assert not _import(books, files).added


def _without(path: Path, *keys: str) -> Path:
    """The payload as it was saved before refunds were fetched (no such related keys)."""
    document = json.loads(path.read_text())
    for key in keys:
        document["related"].pop(key, None)
    old = path.with_name("old-" + path.name)
    old.write_text(json.dumps(document))
    return old


@pytest.mark.parametrize(
    ("platform", "keys"),
    [
        ("woocommerce", ("refunds",)),
        ("magento", ("creditmemos",)),
        ("prestashop", ("order_slips", "order_details")),
    ],
)
def test_old_payloads_still_import_and_nothing_is_booked_twice(
    books: Path, sandbox: SandboxServer, platform: str, keys: tuple[str, ...]
) -> None:
    (fetched,) = _fetch(books, sandbox, platform)
    old = _without(fetched, *keys)
    first = _import(books, [old])
    refunds = [r for o in sandbox.data.orders for r in o.refunds]
    before = _credit_notes(books, platform)
    if platform == "prestashop":
        assert not before  # slips were never in the order: invoices only, as before
    else:
        # the summaries: same money back, pro rata
        assert -sum((_number(n.postings[0]) for n in before.values()), ZERO) == sum(
            (r.amount for r in refunds), ZERO
        )
    assert first.added
    second = _import(books, [fetched])
    after = _credit_notes(books, platform)
    if platform == "prestashop":
        assert len(second.added) == len(refunds) == len(after)
    else:
        assert not second.added  # covered by the refunds booked from the summaries
        assert after.keys() == before.keys()


def test_a_later_memo_is_booked_beside_an_old_refunded_sum() -> None:
    def memo(refund_id: str, total: str) -> Refund:
        return Refund(
            source="magento:s",
            refund_id=refund_id,
            order_id="1",
            processed_at="2025-01-01T00:00:00Z",
            currency="EUR",
            total=Decimal(total),
        )

    a, b = memo("10", "10.00"), memo("11", "5.00")
    # the books hold "1-refunded" for 10.00 (memo a, booked from the order's sum)
    assert _uncovered([a, b], Decimal("15.00"), Decimal("10.00")) == [b]
    assert _uncovered([b], Decimal("15.00"), Decimal("10.00")) == [b]  # a was in an older file
    assert _uncovered([a], Decimal("10.00"), Decimal("10.00")) == []
    assert _uncovered([a, b], Decimal("15.00"), None) == [a, b]


def _break(platform: str, document: dict[str, Any]) -> str:
    """Remove or spoil one field of the first refund; the field's name."""
    related = document["related"]
    if platform == "woocommerce":
        refund = next(iter(related["refunds"].values()))[0][0]
        del refund["amount"]
        return "amount"
    if platform == "magento":
        memo = related["creditmemos"]["all"][0]["items"][0]
        memo["base_grand_total"] = "lots"
        return "base_grand_total"
    slip = related["order_slips"]["all"][0]["order_slips"][0]
    del slip["associations"]["order_slip_details"][0]["amount_tax_incl"]
    return "amount_tax_incl"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_refund_missing_a_field_is_one_sentence(
    books: Path, sandbox: SandboxServer, platform: str
) -> None:
    (fetched,) = _fetch(books, sandbox, platform)
    document = json.loads(fetched.read_text())
    field = _break(platform, document)
    fetched.write_text(json.dumps(document))
    before = sorted((p, p.read_bytes()) for p in (books / "ledger").rglob("*.beancount"))
    with pytest.raises(InputError) as info:
        _import(books, [fetched])
    message = str(info.value)
    assert fetched.name in message and field in message and "\n" not in message
    assert sorted((p, p.read_bytes()) for p in (books / "ledger").rglob("*.beancount")) == before


def test_a_refund_paid_back_by_hand_is_owed_to_the_customer(
    books: Path, sandbox: SandboxServer
) -> None:
    """WooCommerce's ``refunded_payment: false``: the merchant paid it back outside the
    processor (cash, a transfer), so the credit note leaves the processor's clearing
    account alone and is owed on Assets:Customers until the bank line that pays it."""
    (fetched,) = _fetch(books, sandbox, "woocommerce")
    document = json.loads(fetched.read_text())
    order_id, bodies = next(iter(document["related"]["refunds"].items()))
    refund = bodies[0][0]
    refund["refunded_payment"] = False
    fetched.write_text(json.dumps(document))
    _import(books, [fetched])
    notes = _credit_notes(books, "woocommerce")
    manual = [n for rid, n in notes.items() if rid == str(refund["id"])]
    assert len(manual) == 1, order_id
    assert manual[0].postings[0].account == "Assets:Customers"
    assert _number(manual[0].postings[0]) == -Decimal(str(refund["amount"]))
    others = [n for n in notes.values() if n is not manual[0]]
    assert others and all(n.postings[0].account != "Assets:Customers" for n in others)
