"""The chart of accounts of a French e-commerce company, each account with its PCG number.

``ecomledger init`` writes :data:`CHART` to ``accounts.beancount``. Accounts that depend on
the data (one VAT account per country and rate, one clearing account per processor, one bank
account per bank) are opened when an import first needs them, with the PCG number
:func:`pcg_for` derives from the account's family, so the FEC export can always map an
account to its PCG number.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from beancount.core import data


class ChartAccount(NamedTuple):
    """An account of the chart: its name, PCG number and PCG label."""

    account: str
    pcg: str
    label: str


CHART: tuple[ChartAccount, ...] = (
    ChartAccount("Assets:Stock", "37", "Stocks de marchandises"),
    ChartAccount("Assets:Customers", "411", "Clients"),
    ChartAccount("Assets:Suspense", "471", "Opérations en attente de classement"),
    ChartAccount("Assets:Transfers", "58", "Virements internes"),
    ChartAccount("Assets:VAT:Deductible", "44566", "TVA sur autres biens et services"),
    ChartAccount("Assets:VAT:Credit", "44567", "Crédit de TVA à reporter"),
    ChartAccount("Liabilities:Suppliers", "401", "Fournisseurs"),
    ChartAccount("Liabilities:Customers:Deposits", "4191", "Clients - avances reçues"),
    ChartAccount("Liabilities:GiftCards", "4198", "Cartes cadeaux à utiliser"),
    ChartAccount("Liabilities:VAT:IntraEU", "4452", "TVA due intracommunautaire"),
    ChartAccount("Liabilities:VAT:Payable", "44551", "TVA à décaisser"),
    ChartAccount("Liabilities:VAT:Collected:FR:20", "445711", "TVA collectée 20 %"),
    ChartAccount("Liabilities:VAT:Collected:FR:10", "445712", "TVA collectée 10 %"),
    ChartAccount("Liabilities:VAT:Collected:FR:5-5", "445713", "TVA collectée 5,5 %"),
    ChartAccount("Liabilities:VAT:Collected:FR:2-1", "445714", "TVA collectée 2,1 %"),
    ChartAccount("Equity:Capital", "101", "Capital"),
    ChartAccount("Equity:Opening-Balances", "110", "Report à nouveau"),
    ChartAccount("Income:Sales:Goods:France", "70701", "Ventes de marchandises France"),
    ChartAccount("Income:Sales:Goods:EU-B2C", "70702", "Ventes à distance UE (OSS)"),
    ChartAccount("Income:Sales:Goods:EU-B2B", "70703", "Livraisons intracommunautaires"),
    ChartAccount("Income:Sales:Goods:Export", "70704", "Ventes à l'export"),
    ChartAccount("Income:Sales:Shipping", "7085", "Ports et frais accessoires facturés"),
    ChartAccount("Income:Sales:Discounts", "709", "Rabais, remises et ristournes accordés"),
    ChartAccount("Expenses:Purchases:Goods", "607", "Achats de marchandises"),
    ChartAccount("Expenses:StockVariation", "6037", "Variation des stocks de marchandises"),
    ChartAccount("Expenses:Advertising", "6231", "Annonces et insertions"),
    ChartAccount("Expenses:Shipping", "6242", "Transports sur ventes"),
    ChartAccount("Expenses:Software", "6135", "Locations et abonnements logiciels"),
    ChartAccount("Expenses:BankFees", "627", "Services bancaires et assimilés"),
    ChartAccount("Expenses:Rounding", "658", "Charges diverses de gestion courante"),
)

#: Families of accounts opened on demand: (prefix, PCG number root, label).
_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("Liabilities:VAT:Collected:", "445718", "TVA collectée OSS"),
    ("Assets:Clearing:", "467", "Prestataire de paiement"),
    ("Liabilities:SalesTax:", "447", "Taxe sur les ventes étrangère"),
    ("Assets:Bank:", "512", "Banque"),
    ("Expenses:Fees:", "627", "Frais de paiement"),
    ("Expenses:Chargebacks", "654", "Pertes sur créances (rétrofacturations)"),
    ("Expenses:Commissions:", "6222", "Commissions sur ventes"),
    ("Income:Sales:Goods:", "707", "Ventes de marchandises"),
    ("Liabilities:Suppliers:", "401", "Fournisseur"),
    ("Assets:Customers:", "411", "Client"),
    ("Expenses:", "628", "Charges diverses"),
    ("Income:", "758", "Produits divers"),
)

_BY_NAME = {item.account: item for item in CHART}


def pcg_for(account: str) -> tuple[str, str]:
    """Return the PCG number and label of ``account``, from the chart or its family."""
    if account in _BY_NAME:
        item = _BY_NAME[account]
        return item.pcg, item.label
    if account.startswith("Liabilities:VAT:Collected:FR:"):
        return "445710", "TVA collectée"
    for prefix, pcg, label in _FAMILIES:
        if account.startswith(prefix):
            return pcg, f"{label} {account.removeprefix(prefix)}"
    return "471", "Compte à classer"


def open_entry(account: str, date: dt.date, filename: str = "<ecomledger>") -> data.Open:
    """Return an ``open`` directive for ``account`` carrying its PCG number."""
    pcg, label = pcg_for(account)
    meta = data.new_metadata(filename, 0)
    meta["pcg"] = pcg
    meta["label"] = label
    return data.Open(meta, date, account, [], None)
