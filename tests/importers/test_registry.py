from __future__ import annotations

import pytest

from ecomledger.importers.registry import BANK_FORMATS, explain_unidentified, identify_format

EXPECTED = {
    "qonto/enobase_fixture_qonto_en.csv": "qonto",
    "revolut_business/banana_business3_20251016.csv": "revolut",
    "revolut_business/banana_business_exp1_EUR_20240131.csv": None,
    "camt053/oca_test-camt053.xml": "camt053",
    "cfonb120/oca_cfonb_classic.cfo": "cfonb120",
    "mt940/jejik_abnamro.sta": "mt940",
    "mt940/jejik_ing.sta": "mt940",
    "ofx/ofxparse_suncorp.ofx": "ofx",
    "ofx/ofxparse_checking.ofx": "ofx",
}


def test_formats():
    assert set(BANK_FORMATS) == {
        "qonto", "shine", "revolut", "camt053", "cfonb120", "mt940", "ofx", "csv"
    }  # fmt: skip


@pytest.mark.parametrize(("name", "fmt"), EXPECTED.items())
def test_identify_samples(samples, name, fmt):
    assert identify_format(str(samples / name)) == fmt


def test_explain(samples):
    message = explain_unidentified(str(samples / "stripe" / "banana_all_transactions_20231004.csv"))
    assert message.startswith("banana_all_transactions_20231004.csv is in no known bank format")
    assert "qonto:" in message and "ecomledger.toml" in message
    assert "\n" not in message
