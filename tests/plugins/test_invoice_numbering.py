"""Tests of ecomledger.plugins.invoice_numbering through the real loader."""

from __future__ import annotations

from decimal import Decimal

from ecomledger.plugins.invoice_numbering import compile_series, parse_number

PLUGIN = 'plugin "ecomledger.plugins.invoice_numbering"\n'


def sale(date: str, number: str, shop: str = "main", amount: str = "100.00") -> str:
    vat = (Decimal(amount) * Decimal("0.2")).quantize(Decimal("0.01"))
    total = Decimal(amount) + vat
    return f"""
{date} * "Order"
  invoice: "{number}"
  shop: "{shop}"
  Assets:Clearing:Stripe  {total} EUR
  Income:Sales:Goods:France  -{amount} EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -{vat} EUR
"""


def credit(date: str, number: str, credits: str | None, amount: str) -> str:
    vat = (Decimal(amount) * Decimal("0.2")).quantize(Decimal("0.01"))
    total = Decimal(amount) + vat
    credits_line = f'  credits: "{credits}"\n' if credits else ""
    return f"""
{date} * "Refund"
  credit_note: "{number}"
{credits_line}  Assets:Clearing:Stripe  -{total} EUR
  Income:Sales:Goods:France  {amount} EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  {vat} EUR
"""


def run(ledger, body: str, plugin: str = PLUGIN) -> list[str]:
    _, errors, _ = ledger(plugin, body)
    return [error.message for error in errors]


def test_continuous_series_is_clean(ledger):
    body = "".join(sale(f"2026-01-0{day}", f"F-2026-00000{day}") for day in range(1, 6)) + credit(
        "2026-01-09", "AV-2026-000001", "F-2026-000002", "50.00"
    )
    assert run(ledger, body) == []


def test_gap_names_missing_numbers(ledger):
    body = (
        sale("2026-01-01", "F-2026-000001")
        + sale("2026-01-02", "F-2026-000002")
        + sale("2026-01-03", "F-2026-000003")
        + sale("2026-01-04", "F-2026-000007")
        + sale("2026-01-05", "F-2026-000009")
    )
    _, errors, _ = ledger(PLUGIN, body)
    found = [error.message for error in errors]
    assert len(found) == 2
    assert found[0].startswith(
        "Invoice F-2026-000004 to F-2026-000006 are missing between F-2026-000003 ("
    )
    assert "and F-2026-000007 (" in found[0]
    assert found[1].startswith("Invoice F-2026-000008 is missing between F-2026-000007")
    assert errors[0].entry.date.isoformat() == "2026-01-04"
    assert errors[0].source["lineno"] > 0


def test_duplicate_across_two_shops_names_both_locations(ledger):
    body = (
        sale("2026-01-01", "F-2026-000001", shop="shopify")
        + sale("2026-01-02", "F-2026-000002", shop="shopify")
        + sale("2026-01-02", "F-2026-000002", shop="woocommerce")
    )
    _, errors, _ = ledger(PLUGIN, body)
    assert len(errors) == 1
    message = errors[0].message
    assert message.startswith("Invoice number F-2026-000002 is used twice: at <string>:")
    first, second = (int(part.split(":")[1].split(" ")[0]) for part in message.split("at ")[1:])
    assert first != second


def test_out_of_order_date(ledger):
    body = (
        sale("2026-01-01", "F-2026-000001")
        + sale("2026-01-05", "F-2026-000002")
        + sale("2026-01-03", "F-2026-000003")
    )
    found = run(ledger, body)
    assert len(found) == 1
    assert found[0].startswith(
        "Invoice F-2026-000003 dated 2026-01-03 is dated before its predecessor "
        "F-2026-000002 dated 2026-01-05 (<string>:"
    )


def test_sequence_restarts_each_year_and_must_start_at_one(ledger):
    body = (
        sale("2025-12-30", "F-2025-000041")
        + sale("2025-12-31", "F-2025-000042")
        + sale("2026-01-01", "F-2026-000001")
        + sale("2026-01-02", "F-2026-000002")
        + sale("2027-01-02", "F-2027-000003")
    )
    found = run(ledger, body)
    assert found == [
        "Invoice F-2027-000001 to F-2027-000002 are missing before F-2027-000003, "
        "the first number of 2027"
    ]


def test_number_not_matching_pattern(ledger):
    body = sale("2026-01-01", "F-2026-000001") + sale("2026-01-02", "F2026-2")
    assert run(ledger, body) == [
        "Invoice number 'F2026-2' does not match the series pattern 'F-{year}-{seq:06d}'"
    ]


def test_invoice_range_counts_every_number(ledger):
    summary = """
2026-01-02 * "Daily summary"
  invoice_range: "F-2026-000002..F-2026-000041"
  Assets:Clearing:Stripe  1200.00 EUR
  Income:Sales:Goods:France  -1000.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -200.00 EUR
"""
    body = sale("2026-01-01", "F-2026-000001") + summary + sale("2026-01-03", "F-2026-000042")
    assert run(ledger, body) == []
    gap = sale("2026-01-01", "F-2026-000001") + summary + sale("2026-01-03", "F-2026-000043")
    assert run(ledger, gap)[0].startswith("Invoice F-2026-000042 is missing between F-2026-000041")
    clash = sale("2026-01-01", "F-2026-000001") + summary + sale("2026-01-03", "F-2026-000041")
    assert run(ledger, clash)[0].startswith("Invoice number F-2026-000041 is used twice")


def test_credit_note_exceeding_its_invoice(ledger):
    body = (
        sale("2026-01-01", "F-2026-000001", amount="100.00")
        + credit("2026-01-05", "AV-2026-000001", "F-2026-000001", "60.00")
        + credit("2026-01-06", "AV-2026-000002", "F-2026-000001", "50.00")
    )
    assert run(ledger, body) == [
        "Credit note AV-2026-000002 brings the total credited on invoice F-2026-000001 "
        "to 132.00 EUR TTC, more than the invoice's 120.00 EUR TTC (total of its "
        "Income:Sales:* and Liabilities:VAT:Collected:* postings)"
    ]


def test_credit_note_must_name_a_known_invoice(ledger):
    body = (
        sale("2026-01-01", "F-2026-000001")
        + credit("2026-01-05", "AV-2026-000001", None, "10.00")
        + credit("2026-01-06", "AV-2026-000002", "F-2026-000099", "10.00")
    )
    assert run(ledger, body) == [
        "Credit note AV-2026-000001 must name the invoice it credits in a 'credits' metadata",
        "Credit note AV-2026-000002 credits F-2026-000099, which is not an invoice of these books",
    ]


def test_custom_series_without_year(ledger):
    plugin = "plugin \"ecomledger.plugins.invoice_numbering\" \"{'invoice': 'WEB{seq:05d}'}\"\n"
    body = sale("2026-01-01", "WEB00001") + sale("2027-01-01", "WEB00003")
    assert run(ledger, body, plugin) == [
        "Invoice WEB00002 is missing between WEB00001 (<string>:25) and WEB00003 (<string>:33)"
    ]


def test_bad_config_is_an_error_not_a_crash(ledger):
    plugin = 'plugin "ecomledger.plugins.invoice_numbering" "__import__(\'os\')"\n'
    found = run(ledger, sale("2026-01-01", "F-2026-000001"), plugin)
    assert found == [
        "Invalid configuration for ecomledger.plugins.invoice_numbering: expected a dict "
        "of patterns, got \"__import__('os')\"; using the default series"
    ]


def test_parse_number_requires_exact_padding():
    series = compile_series("invoice", "F-{year}-{seq:06d}")
    assert parse_number(series, "F-2026-000042") == (2026, 42)
    assert parse_number(series, "F-2026-42") is None


def test_a_credit_note_dated_before_its_invoice_names_both(ledger):
    body = sale("2026-03-10", "F-2026-000001") + credit(
        "2026-03-02", "AV-2026-000001", "F-2026-000001", "50.00"
    )
    messages = run(ledger, body)
    assert len(messages) == 1
    assert "AV-2026-000001 is dated 2026-03-02, before invoice F-2026-000001" in messages[0]
    assert "(2026-03-10, " in messages[0]


def test_a_credit_note_on_its_invoice_day_is_fine(ledger):
    body = sale("2026-03-10", "F-2026-000001") + credit(
        "2026-03-10", "AV-2026-000001", "F-2026-000001", "50.00"
    )
    assert run(ledger, body) == []


def credit_summary(date: str, first: str, last: str, credits: str) -> str:
    return f"""
{date} * "Daily summary of credit notes"
  credit_note_range: "{first}..{last}"
  credits: "{credits}"
  Assets:Clearing:Stripe  -24.00 EUR
  Income:Sales:Goods:France  20.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  4.00 EUR
"""


def test_credit_note_range_counts_every_number_and_checks_what_it_credits(ledger):
    invoices = (
        sale("2026-01-01", "F-2026-000001")
        + """
2026-01-03 * "Daily summary"
  invoice_range: "F-2026-000002..F-2026-000003"
  Assets:Clearing:Stripe  240.00 EUR
  Income:Sales:Goods:France  -200.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -40.00 EUR
"""
    )
    good = credit_summary(
        "2026-01-04", "AV-2026-000001", "AV-2026-000002", "F-2026-000001 F-2026-000003"
    )
    assert run(ledger, invoices + good) == []
    after = credit("2026-01-05", "AV-2026-000004", "F-2026-000001", "10.00")
    assert run(ledger, invoices + good + after)[0].startswith(
        "Credit note AV-2026-000003 is missing between AV-2026-000002"
    )
    # The second credit note of the day credits an invoice of a later summary entry.
    early = credit_summary(
        "2026-01-02", "AV-2026-000001", "AV-2026-000002", "F-2026-000001 F-2026-000003"
    )
    assert run(ledger, invoices + early) == [
        "Credit note AV-2026-000002 is dated 2026-01-02, before invoice F-2026-000003 it "
        "credits (2026-01-03, <string>:33); a refund cannot precede its order: date the credit "
        "note on or after the invoice"
    ]
    unknown = credit_summary(
        "2026-01-04", "AV-2026-000001", "AV-2026-000002", "F-2026-000001 F-2026-000009"
    )
    assert run(ledger, invoices + unknown) == [
        "Credit note AV-2026-000002 credits F-2026-000009, which is not an invoice of these books"
    ]
    short = credit_summary("2026-01-04", "AV-2026-000001", "AV-2026-000002", "F-2026-000001")
    assert run(ledger, invoices + short)[0].startswith(
        "Summary AV-2026-000001..AV-2026-000002 must list in 'credits' the invoice each of its 2"
    )


def test_a_number_inside_a_range_is_used_twice_and_the_series_goes_on(ledger):
    summary = """
2026-01-02 * "Daily summary"
  invoice_range: "F-2026-000002..F-2026-000041"
  Assets:Clearing:Stripe  1200.00 EUR
  Income:Sales:Goods:France  -1000.00 EUR
    vat_rate: 20
  Liabilities:VAT:Collected:FR:20  -200.00 EUR
"""
    body = (
        sale("2026-01-01", "F-2026-000001")
        + summary
        + sale("2026-01-02", "F-2026-000007")
        + sale("2026-01-03", "F-2026-000042")
    )
    errors = run(ledger, body)
    assert len(errors) == 1 and errors[0].startswith("Invoice number F-2026-000007 is used twice")
    late = sale("2026-01-01", "F-2026-000001") + summary + sale("2026-01-01", "F-2026-000042")
    assert run(ledger, late)[0].startswith(
        "Invoice F-2026-000042 dated 2026-01-01 is dated before its predecessor F-2026-000041"
    )
