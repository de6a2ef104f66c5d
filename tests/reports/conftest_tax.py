"""Helpers for the VAT, sales, KPI, receivables and stock report tests (imported explicitly).

Books are written as text into a folder and loaded through ``load_books`` (Beancount's
loader with ecomledger's plugins), so a test ledger is checked exactly like real books: a
test whose ledger breaks a VAT or numbering rule fails at loading, not silently.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from ecomledger.books import Books, load_books
from ecomledger.config import parse_config
from ecomledger.periods import Period, parse_period
from ecomledger.reports.model import ReportRequest

CONFIG = parse_config(
    {
        "company": {
            "name": "Test Boutique SAS",
            "siren": "732829320",
            "address": {"street": "1 rue du Test", "postcode": "75001", "city": "Paris"},
        }
    }
)

PLUGINS = """\
option "operating_currency" "EUR"
plugin "ecomledger.plugins.invoice_numbering"
plugin "ecomledger.plugins.vat" "{'oss_opt_in': True}"
plugin "ecomledger.plugins.inventory" "{inventory}"
"""

ACCOUNTS = """
2020-01-01 open Assets:Bank:Qonto
2020-01-01 open Assets:Clearing:Stripe
2020-01-01 open Assets:Customers
2020-01-01 open Assets:Stock
2020-01-01 open Assets:VAT:Deductible
2020-01-01 open Assets:VAT:Credit
2020-01-01 open Liabilities:VAT:Payable
2020-01-01 open Liabilities:VAT:Collected:FR:20
2020-01-01 open Liabilities:VAT:Collected:FR:5-5
2020-01-01 open Liabilities:VAT:Collected:DE:19
2020-01-01 open Liabilities:VAT:Collected:DE:7
2020-01-01 open Liabilities:VAT:Collected:ES:21
2020-01-01 open Liabilities:VAT:IntraEU
2020-01-01 open Liabilities:Suppliers
2020-01-01 open Income:Sales:Goods:France
2020-01-01 open Income:Sales:Goods:EU-B2C
2020-01-01 open Income:Sales:Goods:EU-B2B
2020-01-01 open Income:Sales:Goods:Export
2020-01-01 open Income:Sales:Shipping
2020-01-01 open Expenses:StockVariation
2020-01-01 open Expenses:Fees:Stripe
2020-01-01 open Equity:Opening-Balances
"""


def books_from(folder: Path, body: str, inventory: str = "{'method': 'FIFO'}") -> Books:
    """Write ``body`` (after the plugins and accounts) as main.beancount and load it."""
    folder.mkdir(parents=True, exist_ok=True)
    text = PLUGINS.replace("{inventory}", inventory) + ACCOUNTS + textwrap.dedent(body)
    (folder / "main.beancount").write_text(text, encoding="utf-8")
    return load_books(folder, CONFIG)


def request(period: str, *, detail: bool = False, **options: str) -> ReportRequest:
    """A report request as the command line would build it."""
    return ReportRequest(parse_period(period), detail=detail, options=dict(options))


def account_sum(books: Books, prefix: str, period: Period | None = None) -> Decimal:
    """Sum every posting on accounts starting with ``prefix`` (within ``period``)."""
    total = Decimal(0)
    for entry in books.entries:
        if not isinstance(entry, data.Transaction):
            continue
        if period is not None and entry.date not in period:
            continue
        for posting in entry.postings:
            if posting.account.startswith(prefix) and posting.units is not None:
                total += posting.units.number or 0
    return total


def months_of(books: Books) -> list[Period]:
    """Every calendar month holding a transaction of the books."""
    months = sorted({(e.date.year, e.date.month) for e in books.transactions()})
    return [parse_period(f"{y}-{m:02d}") for y, m in months]


@pytest.fixture
def demo(demo_loaded: Books) -> Books:
    """The demo shop's books as ``ecomledger demo`` builds them (tests/reports/conftest.py
    builds and loads them once per session; reports only read them)."""
    return demo_loaded


def day(text: str) -> dt.date:
    """A date from ISO text."""
    return dt.date.fromisoformat(text)


#: A quarter of a small shop. January: a stock purchase (100.00 deductible VAT, a credit).
#: February: sales in France at 20 % and 5.5 %, to Germany (OSS), to a Belgian business
#: (B2B), to the US (export), Stripe fees self-assessed (IE), a credit note of 22.50 at 20 %
#: and the Belgian customer's transfer.
SHOP = """
2026-01-05 * "Atelier Lyon" "Stock purchase"
  Assets:Stock              100 MUG {5.00 EUR}
  Assets:VAT:Deductible  100.00 EUR
  Liabilities:Suppliers -600.00 EUR

2026-02-03 * "Marie Curie" "Invoice F-2026-000001"
  invoice: "F-2026-000001"
  country: "FR"
  shop: "main"
  channel: "shopify"
  Assets:Clearing:Stripe            132.00 EUR
  Income:Sales:Goods:France        -100.00 EUR
    vat_rate: 20
    sku: "MUG"
    qty: 4
  Income:Sales:Shipping             -10.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20   -22.00 EUR

2026-02-04 * "Jean Moulin" "Invoice F-2026-000002"
  invoice: "F-2026-000002"
  country: "FR"
  shop: "main"
  channel: "shopify"
  Assets:Clearing:Stripe             52.75 EUR
  Income:Sales:Goods:France         -50.00 EUR
    vat_rate: 5.5
    sku: "BOOK"
    qty: 2
  Liabilities:VAT:Collected:FR:5-5   -2.75 EUR

2026-02-05 * "Anna Schmidt" "Invoice F-2026-000003"
  invoice: "F-2026-000003"
  country: "DE"
  shop: "main"
  channel: "shopify"
  Assets:Clearing:Stripe            95.20 EUR
  Income:Sales:Goods:EU-B2C        -80.00 EUR
    vat_rate: 19
    sku: "MUG"
    qty: 2
  Liabilities:VAT:Collected:DE:19  -15.20 EUR

2026-02-06 * "Boutique Claes SPRL" "Invoice F-2026-000004"
  invoice: "F-2026-000004"
  country: "BE"
  shop: "pro"
  channel: "b2b"
  customer_vat: "BE0477472701"
  vat_mention: "Autoliquidation - Exonération de TVA, article 262 ter I du CGI"
  Assets:Customers            300.00 EUR
  Income:Sales:Goods:EU-B2B  -300.00 EUR
    vat_rate: 0
    sku: "MUG"
    qty: 20

2026-02-07 * "John Smith" "Invoice F-2026-000005"
  invoice: "F-2026-000005"
  country: "US"
  shop: "main"
  channel: "shopify"
  vat_mention: "Exonération de TVA, article 262 I du CGI"
  Assets:Clearing:Stripe       60.00 EUR
  Income:Sales:Goods:Export   -60.00 EUR
    vat_rate: 0
    sku: "BOOK"
    qty: 3

2026-02-10 * "Stripe" "Fees February"
  supplier_country: "IE"
  Expenses:Fees:Stripe        10.00 EUR
  Liabilities:VAT:IntraEU     -2.00 EUR
  Assets:VAT:Deductible        2.00 EUR
  Assets:Clearing:Stripe     -10.00 EUR

2026-02-12 * "Marie Curie" "Credit note AV-2026-000001"
  credit_note: "AV-2026-000001"
  credits: "F-2026-000001"
  country: "FR"
  shop: "main"
  channel: "shopify"
  Assets:Clearing:Stripe           -27.00 EUR
  Income:Sales:Goods:France         22.50 EUR
    vat_rate: 20
    sku: "MUG"
    qty: -1
  Liabilities:VAT:Collected:FR:20    4.50 EUR

2026-02-20 * "Boutique Claes SPRL" "Virement"
  settles: "F-2026-000004"
  Assets:Bank:Qonto     300.00 EUR
  Assets:Customers     -300.00 EUR
"""
