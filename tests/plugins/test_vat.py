"""Tests of ecomledger.plugins.vat and ecomledger.vat_rates through the real loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ecomledger.vat_rates import EU_COUNTRIES, rates_for, standard_rate, vat_prefix

PLUGIN = 'plugin "ecomledger.plugins.vat"\n'
OPT_IN = 'plugin "ecomledger.plugins.vat" "{\'oss_opt_in\': True}"\n'


def order(
    day: str,
    number: str,
    base: str,
    vat: str,
    account: str = "Income:Sales:Goods:France",
    rate: str = "20",
    vat_account: str = "Liabilities:VAT:Collected:FR:20",
    meta: str = 'country: "FR"',
) -> str:
    total = Decimal(base) + Decimal(vat)
    vat_line = f"  {vat_account}  -{vat} EUR\n" if vat_account else ""
    return f"""
{day} * "Order"
  invoice: "{number}"
  {meta}
  Assets:Clearing:Stripe  {total} EUR
  {account}  -{base} EUR
    vat_rate: {rate}
{vat_line}"""


def b2c(day: str, number: str, base: str, vat: str, rate: str, vat_account: str) -> str:
    return order(
        day, number, base, vat, "Income:Sales:Goods:EU-B2C", rate, vat_account, 'country: "DE"'
    )


def run(ledger, body: str, plugin: str = PLUGIN) -> list[str]:
    _, errors, _ = ledger(plugin, body)
    return [error.message for error in errors]


def test_domestic_sale_is_clean(ledger):
    assert run(ledger, order("2026-03-02", "F-2026-000001", "100.00", "20.00")) == []


def test_domestic_vat_amount_mismatch(ledger):
    _, errors, _ = ledger(PLUGIN, order("2026-03-02", "F-2026-000042", "100.00", "19.00"))
    assert [error.message for error in errors] == [
        "Invoice F-2026-000042: VAT at 20% on base 100.00 EUR should be 20.00 EUR, "
        "found 19.00 EUR on Liabilities:VAT:Collected:FR:20"
    ]
    assert errors[0].source["filename"] == "<string>"
    assert errors[0].entry.meta["invoice"] == "F-2026-000042"


def test_tolerance_is_one_cent_per_rate(ledger):
    assert run(ledger, order("2026-03-02", "F-2026-000001", "100.00", "19.99")) == []
    plugin = "plugin \"ecomledger.plugins.vat\" \"{'tolerance': '0'}\"\n"
    assert len(run(ledger, order("2026-03-02", "F-2026-000001", "100.00", "19.99"), plugin)) == 1


def test_domestic_rate_not_french(ledger):
    body = order(
        "2026-03-02",
        "F-2026-000001",
        "100.00",
        "19.00",
        rate="19",
        vat_account="Liabilities:VAT:Collected:DE:19",
    )
    assert run(ledger, body) == [
        "Invoice F-2026-000001: Income:Sales:Goods:France is taxed at 19%, not a FR rate on "
        "2026-03-02; valid: 2.1%, 5.5%, 10%, 20%"
    ]


def test_oss_threshold_crossed_mid_year(ledger):
    below = b2c(
        "2026-02-01", "F-2026-000001", "6000.00", "1200.00", "20", "Liabilities:VAT:Collected:FR:20"
    ) + b2c(
        "2026-04-01", "F-2026-000002", "3000.00", "600.00", "20", "Liabilities:VAT:Collected:FR:20"
    )
    # The sale that crosses EUR 10,000 is itself taxed at the German rate.
    crossing = b2c(
        "2026-06-01", "F-2026-000003", "2000.00", "380.00", "19", "Liabilities:VAT:Collected:DE:19"
    )
    after = b2c(
        "2026-07-01", "F-2026-000004", "100.00", "7.00", "7", "Liabilities:VAT:Collected:DE:7"
    )
    assert run(ledger, below + crossing + after) == []

    french = b2c(
        "2026-06-01", "F-2026-000003", "2000.00", "400.00", "20", "Liabilities:VAT:Collected:FR:20"
    )
    assert run(ledger, below + french) == [
        "Invoice F-2026-000003: Income:Sales:Goods:EU-B2C is taxed at 20%, not a DE rate on "
        "2026-06-01 (EU-wide distance sales 11000.00 EUR in 2026, over the EUR 10000 "
        "threshold: destination VAT applies); valid: 7%, 19%"
    ]


def test_oss_below_threshold_requires_french_vat(ledger):
    body = b2c(
        "2026-02-01", "F-2026-000001", "100.00", "19.00", "19", "Liabilities:VAT:Collected:DE:19"
    )
    assert run(ledger, body) == [
        "Invoice F-2026-000001: Income:Sales:Goods:EU-B2C is taxed at 19%, not a FR rate on "
        "2026-02-01 (EU-wide distance sales 100.00 EUR in 2026, under the EUR 10000 "
        "threshold: French VAT applies); valid: 2.1%, 5.5%, 10%, 20%"
    ]
    assert run(ledger, body, OPT_IN) == []


def test_threshold_passed_last_year_applies_from_january(ledger):
    last_year = b2c(
        "2025-11-01",
        "F-2025-000001",
        "10500.00",
        "2100.00",
        "20",
        "Liabilities:VAT:Collected:FR:20",
    )
    # 2025: 10,500 taxed in FR is wrong only from the crossing sale itself.
    january = b2c(
        "2026-01-05", "F-2026-000001", "50.00", "9.50", "19", "Liabilities:VAT:Collected:DE:19"
    )
    found = run(ledger, last_year + january)
    assert len(found) == 1
    assert found[0].startswith(
        "Invoice F-2025-000001: Income:Sales:Goods:EU-B2C is taxed at 20%, not a DE rate"
    )


def test_credit_note_follows_its_invoice_treatment(ledger):
    below = b2c(
        "2026-02-01", "F-2026-000001", "9000.00", "1800.00", "20", "Liabilities:VAT:Collected:FR:20"
    )
    crossing = b2c(
        "2026-03-01", "F-2026-000002", "2000.00", "380.00", "19", "Liabilities:VAT:Collected:DE:19"
    )
    refund = """
2026-04-01 * "Refund"
  credit_note: "AV-2026-000001"
  credits: "F-2026-000001"
  country: "DE"
  Assets:Clearing:Stripe  -120.00 EUR
  Income:Sales:Goods:EU-B2C  100.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  20.00 EUR
"""
    assert run(ledger, below + crossing + refund) == []


def test_b2b_with_valid_number_and_mention(ledger):
    meta = 'country: "DE"\n  customer_vat: "DE136695976"\n  vat_mention: "Autoliquidation"'
    body = order(
        "2026-03-02", "F-2026-000001", "500.00", "0", "Income:Sales:Goods:EU-B2B", "0", "", meta
    )
    assert run(ledger, body) == []
    greek = (
        'country: "GR"\n  customer_vat: "EL094259216"\n'
        '  vat_mention: "Exonération de TVA, article 262 ter I du CGI"'
    )
    body = order(
        "2026-03-02", "F-2026-000001", "500.00", "0", "Income:Sales:Goods:EU-B2B", "0", "", greek
    )
    assert run(ledger, body) == []


def test_b2b_with_invalid_vat_number(ledger):
    meta = 'country: "DE"\n  customer_vat: "DE136695977"\n  vat_mention: "Autoliquidation"'
    body = order(
        "2026-03-02", "F-2026-000001", "500.00", "0", "Income:Sales:Goods:EU-B2B", "0", "", meta
    )
    assert run(ledger, body) == [
        "Invoice F-2026-000001: customer_vat 'DE136695977' is not a valid EU VAT number"
    ]


def test_b2b_number_of_another_country_and_no_mention(ledger):
    meta = 'country: "DE"\n  customer_vat: "BE0776091951"'
    body = order(
        "2026-03-02", "F-2026-000001", "500.00", "0", "Income:Sales:Goods:EU-B2B", "0", "", meta
    )
    assert run(ledger, body) == [
        "Invoice F-2026-000001: customer_vat 'BE0776091951' is registered in BE, not in the "
        "delivery country DE (prefix DE)",
        "Invoice F-2026-000001: an intra-EU B2B sale needs a vat_mention of the exemption or "
        "reverse charge ('Exonération de TVA, article 262 ter I du CGI' or 'Autoliquidation'), "
        "found ''",
    ]


def test_b2b_with_vat_charged(ledger):
    meta = 'country: "DE"\n  customer_vat: "DE136695976"\n  vat_mention: "Autoliquidation"'
    body = order(
        "2026-03-02",
        "F-2026-000001",
        "100.00",
        "20.00",
        "Income:Sales:Goods:EU-B2B",
        "20",
        "Liabilities:VAT:Collected:FR:20",
        meta,
    )
    assert run(ledger, body) == [
        "Invoice F-2026-000001: Income:Sales:Goods:EU-B2B must be at 0% VAT (exempt intra-EU "
        "supply, art. 262 ter I CGI), found 20%"
    ]


def test_export_is_zero_rated(ledger):
    body = order(
        "2026-03-02",
        "F-2026-000001",
        "80.00",
        "0",
        "Income:Sales:Goods:Export",
        "0",
        "",
        'country: "US"',
    )
    assert run(ledger, body) == []
    taxed = order(
        "2026-03-02",
        "F-2026-000001",
        "80.00",
        "16.00",
        "Income:Sales:Goods:Export",
        "20",
        "Liabilities:VAT:Collected:FR:20",
        'country: "US"',
    )
    assert run(ledger, taxed) == [
        "Invoice F-2026-000001: Income:Sales:Goods:Export must be at 0% VAT (export, "
        "art. 262 I CGI), found 20%"
    ]
    in_eu = order(
        "2026-03-02",
        "F-2026-000001",
        "80.00",
        "0",
        "Income:Sales:Goods:Export",
        "0",
        "",
        'country: "DE"',
    )
    assert run(ledger, in_eu) == [
        "Invoice F-2026-000001: Income:Sales:Goods:Export is for exports outside the EU but "
        "the country is DE"
    ]


def test_summary_entry_with_several_countries_and_shipping(ledger):
    body = """
2026-03-02 * "Daily summary"
  invoice_range: "F-2026-000001..F-2026-000003"
  Assets:Clearing:Stripe  186.01 EUR
  Income:Sales:Goods:France  -100.00 EUR
    vat_rate: 20
  Income:Sales:Shipping  -10.00 EUR
    vat_rate: 20
    country: "FR"
  Income:Sales:Goods:Export  -50.00 EUR
    vat_rate: 0
    country: "CH"
  Liabilities:VAT:Collected:FR:20  -21.99 EUR
  Income:Sales:Goods:France  -4.02 EUR
    vat_rate: 5.5
  Liabilities:VAT:Collected:FR:5-5  0.00 EUR
"""
    # 3 invoices: tolerance 0.03 per rate. FR:20 is 0.01 short (ok); FR:5.5 is 0.22 short.
    assert run(ledger, body) == [
        "Summary F-2026-000001..F-2026-000003: VAT at 5.5% on base 4.02 EUR should be "
        "0.22 EUR, found 0.00 EUR on Liabilities:VAT:Collected:FR:5-5"
    ]


def test_estonia_rate_change(ledger):
    def sale(day: str, rate: str, vat: str) -> str:
        return order(
            day,
            "F-2025-000001",
            "100.00",
            vat,
            "Income:Sales:Goods:EU-B2C",
            rate,
            f"Liabilities:VAT:Collected:EE:{rate}",
            'country: "EE"',
        )

    assert run(ledger, sale("2025-06-30", "22", "22.00"), OPT_IN) == []
    assert run(ledger, sale("2025-07-01", "22", "22.00"), OPT_IN) == [
        "Invoice F-2025-000001: Income:Sales:Goods:EU-B2C is taxed at 22%, not a EE rate on "
        "2025-07-01; valid: 9%, 13%, 24%"
    ]


def test_missing_vat_rate(ledger):
    body = """
2026-03-02 * "Order"
  invoice: "F-2026-000001"
  Assets:Clearing:Stripe  120.00 EUR
  Income:Sales:Goods:France  -100.00 EUR
  Liabilities:VAT:Collected:FR:20  -20.00 EUR
"""
    assert run(ledger, body) == [
        "Invoice F-2026-000001: posting on Income:Sales:Goods:France needs a numeric vat_rate "
        "metadata (percent), found None"
    ]


FEES = """
2026-03-31 * "Stripe fees March"
  supplier_country: "IE"
  Expenses:Fees:Stripe  12.50 EUR
  Assets:Clearing:Stripe  -12.50 EUR
{self_assessment}"""


def test_eu_fees_self_assessed(ledger):
    lines = "  Assets:VAT:Deductible  2.50 EUR\n  Liabilities:VAT:IntraEU  -2.50 EUR\n"
    assert run(ledger, FEES.format(self_assessment=lines)) == []


def test_eu_fees_not_self_assessed(ledger):
    assert run(ledger, FEES.format(self_assessment="")) == [
        "Fees of 12.50 EUR from a supplier established in IE must be self-assessed at 20%: "
        "expected a credit of 2.50 EUR on Liabilities:VAT:IntraEU, found 0.00 EUR",
        "Fees of 12.50 EUR from a supplier established in IE must be self-assessed at 20%: "
        "expected a debit of 2.50 EUR on Assets:VAT:Deductible, found 0.00 EUR",
    ]


def test_french_supplier_fees_are_not_checked(ledger):
    body = FEES.format(self_assessment="").replace('"IE"', '"FR"')
    assert run(ledger, body) == []


def test_bad_config_is_reported(ledger):
    plugin = "plugin \"ecomledger.plugins.vat\" \"{'tolerence': '0.01'}\"\n"
    assert run(ledger, order("2026-03-02", "F-2026-000001", "100.00", "20.00"), plugin) == [
        "Unknown configuration key 'tolerence' for ecomledger.plugins.vat (known: "
        "home_country, oss_opt_in, threshold, tolerance)"
    ]


def test_rates_table():
    assert len(EU_COUNTRIES) == 27
    assert standard_rate("EE", date(2025, 6, 30)) == Decimal("22")
    assert standard_rate("EE", date(2025, 7, 1)) == Decimal("24")
    assert standard_rate("SK", date(2024, 12, 31)) == Decimal("20")
    assert standard_rate("SK", date(2025, 1, 1)) == Decimal("23")
    assert standard_rate("FI", date(2024, 8, 31)) == Decimal("24")
    assert rates_for("FI", date(2026, 1, 1)) == {Decimal("25.5"), Decimal("13.5"), Decimal("10")}
    assert rates_for("RO", date(2025, 7, 31)) == {Decimal("19"), Decimal("9"), Decimal("5")}
    assert rates_for("RO", date(2025, 8, 1)) == {Decimal("21"), Decimal("11")}
    assert Decimal("9") not in rates_for("LT", date(2026, 1, 1))
    assert rates_for("EL", date(2026, 1, 1)) == rates_for("GR", date(2026, 1, 1))
    assert vat_prefix("GR") == "EL"
    assert rates_for("US", date(2026, 1, 1)) == set()
    assert rates_for("FR", date(2026, 1, 1)) == {
        Decimal("20"),
        Decimal("10"),
        Decimal("5.5"),
        Decimal("2.1"),
    }
