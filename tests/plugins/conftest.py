"""Helpers for the plugin tests: ledgers as text, loaded through the real loader."""

from __future__ import annotations

import textwrap

import pytest
from beancount import loader

ACCOUNTS = """
2020-01-01 open Assets:Clearing:Stripe
2020-01-01 open Assets:Bank:Qonto
2020-01-01 open Assets:Stock
2020-01-01 open Assets:VAT:Deductible
2020-01-01 open Liabilities:VAT:Collected:FR:20
2020-01-01 open Liabilities:VAT:Collected:FR:5-5
2020-01-01 open Liabilities:VAT:Collected:DE:19
2020-01-01 open Liabilities:VAT:Collected:DE:7
2020-01-01 open Liabilities:VAT:Collected:EE:24
2020-01-01 open Liabilities:VAT:Collected:EE:22
2020-01-01 open Liabilities:VAT:IntraEU
2020-01-01 open Liabilities:Customers:Deposits
2020-01-01 open Liabilities:Suppliers
2020-01-01 open Income:Sales:Goods:France
2020-01-01 open Income:Sales:Goods:EU-B2C
2020-01-01 open Income:Sales:Goods:EU-B2B
2020-01-01 open Income:Sales:Goods:Export
2020-01-01 open Income:Sales:Shipping
2020-01-01 open Expenses:StockVariation
2020-01-01 open Expenses:Fees:Stripe
2020-01-01 open Expenses:Commissions:Amazon
"""


def load(plugin_lines: str, body: str) -> tuple[list, list, dict]:
    """Load a ledger made of plugin lines, the standard accounts and a body."""
    text = textwrap.dedent(plugin_lines) + ACCOUNTS + textwrap.dedent(body)
    return loader.load_string(text)


def messages(errors: list) -> list[str]:
    """The messages of errors, for assertions."""
    return [error.message for error in errors]


@pytest.fixture
def ledger():
    """The `load` helper as a fixture."""
    return load
