"""Shopify admin orders CSV export. No sample exists: the files are hand-made from the
documented export columns (one row per line item, order fields on the first row)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecomledger.booking import SaleContext
from ecomledger.errors import ConfigError, InputError
from ecomledger.importers import processors, shopify_csv

from .conftest import assert_balanced_and_loads, total

CLEARING = "Assets:Clearing:ShopifyPayments"
COLUMNS = shopify_csv.COLUMNS


def line(**values: str) -> str:
    cells = [values.get(c.replace(" ", "_").lower(), "") for c in COLUMNS]
    return ",".join(f'"{c}"' if "," in c else c for c in cells) + "\n"


HEADER = ",".join(COLUMNS) + "\n"
FIRST = {
    "name": "#1001",
    "email": "marie@example.fr",
    "financial_status": "paid",
    "paid_at": "2026-03-01 23:30:00 +0000",
    "currency": "EUR",
    "subtotal": "54.00",
    "shipping": "6.00",
    "taxes": "10.00",
    "total": "60.00",
    "discount_amount": "6.00",
    "shipping_method": "Colissimo",
    "lineitem_quantity": "2",
    "lineitem_name": "Mug",
    "lineitem_price": "20.00",
    "lineitem_sku": "MUG-01",
    "lineitem_taxable": "true",
    "shipping_name": "Marie Curie",
    "shipping_country": "FR",
    "payment_method": "Shopify Payments",
    "id": "450789469",
    "tax_1_name": "FR TVA 20%",
    "tax_1_value": "10.00",
}
SECOND = {
    "name": "#1001",
    "lineitem_quantity": "1",
    "lineitem_name": "Poster",
    "lineitem_price": "20.00",
    "lineitem_sku": "POS-01",
    "lineitem_taxable": "true",
}


def importer() -> shopify_csv.Importer:
    return shopify_csv.Importer(SaleContext("demo", "shopify", CLEARING))


@pytest.fixture
def export(write) -> str:
    pending = dict(FIRST, name="#1002", id="2", financial_status="pending")
    return write("orders_export.csv", HEADER + line(**FIRST) + line(**SECOND) + line(**pending))


def test_paid_orders_become_invoices_with_tax_inclusive_vat(export):
    imp = importer()
    assert imp.identify(export)
    entries = imp.book(export)
    assert len(entries) == 1  # the pending order books nothing
    assert_balanced_and_loads(entries)
    (invoice,) = entries
    assert invoice.meta["order_id"] == "450789469" and invoice.meta["order_number"] == "#1001"
    assert invoice.date.isoformat() == "2026-03-02"  # 23:30 UTC is the next day in Paris
    assert invoice.flag == "*"
    assert total(entries, CLEARING) == Decimal("60.00")
    assert total(entries, "Liabilities:VAT:Collected:FR:20") == Decimal("-10.00")
    sales = [p for p in invoice.postings if p.account == "Income:Sales:Goods:France"]
    assert [p.meta["sku"] for p in sales] == ["MUG-01", "POS-01"]
    assert all(p.meta["vat_rate"] == 20 for p in sales)


def test_extract_numbers_invoices_and_is_stable(export):
    first = importer().extract(export, [])
    assert first[0].meta["invoice"] == "F-2026-000001"
    keys = [e.meta["source_id"] for e in first]
    assert keys == ["shopify:demo:order:450789469"]
    assert keys == [e.meta["source_id"] for e in importer().extract(export, [])]
    assert importer().extract(export, first) == []  # already in the books


def test_refunds_are_a_finding_not_a_guess(write):
    refunded = dict(FIRST, financial_status="partially_refunded", refunded_amount="20.00")
    path = write("o.csv", HEADER + line(**refunded) + line(**SECOND))
    imp = importer()
    assert len(imp.book(path)) == 1
    assert "refunded 20.00 EUR" in imp.findings[path][0]


def test_tax_exclusive_order(write):
    exclusive = dict(FIRST, subtotal="54.00", shipping="6.00", taxes="12.00", total="72.00")
    entries = importer().book(write("o.csv", HEADER + line(**exclusive) + line(**SECOND)))
    assert_balanced_and_loads(entries)
    assert total(entries, "Liabilities:VAT:Collected:FR:20") == Decimal("-12.00")


def test_several_vat_rates_are_refused(write):
    mixed = dict(FIRST, tax_2_name="FR TVA 5.5%", tax_2_value="1.00")
    path = write("o.csv", HEADER + line(**mixed) + line(**SECOND))
    with pytest.raises(InputError) as err:
        importer().book(path)
    assert err.value.lineno == 2 and "several rates (5.5%, 20%)" in err.value.message


@pytest.mark.parametrize(
    ("rows", "lineno", "words"),
    [
        (line(**FIRST) + "#1001,x\n", 3, "fields"),
        (line(**dict(FIRST, paid_at="yesterday")), 2, "not a date"),
        (line(**dict(FIRST, total="sixty")), 2, "not an amount"),
        (line(**dict(FIRST, lineitem_quantity="two")), 2, "not a number"),
    ],
)
def test_malformed_rows_name_file_and_line(write, rows, lineno, words):
    path = write("bad.csv", HEADER + rows)
    with pytest.raises(InputError) as err:
        importer().book(path)
    assert err.value.filename == path and err.value.lineno == lineno
    assert words in err.value.message


def test_undecodable_bytes_name_the_line(write):
    raw = (HEADER + line(**dict(FIRST, shipping_name="Éloïse"))).encode() + b"#1001,\xff\n"
    path = write("bad.csv", raw)
    with pytest.raises(InputError) as err:
        importer().book(path)
    assert err.value.filename == path and err.value.lineno == 3


def test_registry_builds_every_kind():
    """processors.build makes each kind's importer (shopify_csv: an order importer)."""
    for kind, cls in processors.PROCESSOR_FORMATS.items():
        imp = processors.build(kind, "main", "Assets:Clearing:X", "Expenses:Fees:X")
        assert isinstance(imp, cls) and imp.name == f"{kind}:main"
    with pytest.raises(ConfigError, match="no file importer"):
        processors.build("venmo", "main", "Assets:Clearing:X", "Expenses:Fees:X")
