"""The sandbox generates realistic shops: whatever the seed, with the company configured as
its data implies, ``ecomledger fetch`` then ``ecomledger check`` finds no error.

Over real HTTP, into books made by ``ecomledger init``: a shop opted in to the OSS
(destination VAT from the first euro) in books that say so, and a shop that is not (French
VAT until its EU distance sales pass EUR 10,000) in books as ``init`` writes them. Before,
seed 1 gave 51 errors in default books, a refunded gift card was a credit note larger than
its invoice, and VAT rounded line by line was a cent off base x rate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from ecomledger import ledger
from ecomledger.money import ZERO
from ecomledger.sandbox import TOKEN, SandboxServer
from ecomledger.sandbox.data import generate
from ecomledger.scaffold import available_plugins, init_books, main_beancount

SHOP = """
[[shops]]
name = "sandbox"
platform = "shopify"
url = "{url}"
token_env = "SANDBOX_TOKEN"
processor = "shopify-payments"
options = {{ page_size = 250 }}

[[processors]]
name = "shopify-payments"
kind = "shopify_payments"
account = "Assets:Clearing:ShopifyPayments"
fees_account = "Expenses:Fees:ShopifyPayments"
country = "IE"
gateways = ["shopify_payments"]
"""


def books_for(tmp_path: Path, url: str, oss_opt_in: bool) -> Path:
    """Books as ``ecomledger init`` makes them, with the sandbox shop and its VAT regime."""
    books = tmp_path / "books"
    init_books(books, year=2025)
    config = books / "ecomledger.toml"
    text = config.read_text(encoding="utf-8") + SHOP.format(url=url)
    if oss_opt_in:
        text = text.replace("oss_opt_in = false", "oss_opt_in = true")
        (books / "main.beancount").write_text(
            main_beancount("My Shop SAS", "EUR", available_plugins(), oss_opt_in=True),
            encoding="utf-8",
        )
    config.write_text(text, encoding="utf-8")
    return books


def fetch_then_check(
    cli: Callable[..., object],
    tmp_path: Path,
    seed: int,
    orders: int,
    oss_opt_in: bool,
    **options: bool,
) -> str:
    with SandboxServer(
        seed=seed, orders=orders, oss_opt_in=oss_opt_in, bucket_capacity=1_000_000, **options
    ) as server:
        books = books_for(tmp_path, server.url, oss_opt_in)
        fetched = cli("--books", str(books), "fetch")
    assert fetched.code == 0, fetched.out + fetched.err  # type: ignore[attr-defined]
    checked = cli("--books", str(books), "check")
    assert checked.code == 0, checked.out  # type: ignore[attr-defined]
    return str(checked.out)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("oss_opt_in", [True, False], ids=["oss", "threshold"])
def test_every_seed_checks_clean(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, oss_opt_in: bool
) -> None:
    monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
    assert "no errors" in fetch_then_check(cli, tmp_path, seed, 60, oss_opt_in)


def test_a_shop_past_the_oss_threshold_with_every_payout_component_checks_clean(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enough orders for the EU distance sales to pass EUR 10,000 within the quarter (the
    sales before at French VAT, from the one that passes it at destination), and payouts
    with adjustments, disputes (some won), reserved funds and a failed payout retried:
    once every payout is paid, the clearing account is at zero and so is the reserve."""
    monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
    data = generate(4, 400, settled=True, payout_events=True, oss_opt_in=False)
    assert {p.status for p in data.payouts} == {"paid", "failed"}  # or this proves less
    kinds = {t.type for p in data.payouts for t in p.transactions}
    assert {"adjustment", "dispute", "reserve", "payout_failure"} <= kinds
    out = fetch_then_check(
        cli, tmp_path, 4, 400, oss_opt_in=False, settled=True, payout_events=True
    )
    assert "no errors" in out
    books = tmp_path / "books"
    text = (books / "ledger" / "2025" / "shopify-sandbox.beancount").read_text()
    assert re.search(r"Liabilities:VAT:Collected:(DE|IT|ES|BE|NL):", text)  # once passed
    assert "Income:Sales:Goods:EU-B2C" in text and "Liabilities:VAT:Collected:FR:20" in text
    entries, errors, _ = ledger.load(books)
    assert errors == []
    balances: dict[str, Decimal] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", []):
            balances[posting.account] = balances.get(posting.account, ZERO) + posting.units.number
    assert balances["Assets:Clearing:ShopifyPayments"] == 0
    assert balances["Assets:Clearing:ShopifyPayments:Reserved"] == 0
    assert balances["Expenses:Chargebacks"] > 0  # the disputes lost
    assert balances["Expenses:Fees:ShopifyPayments:Adjustments"] < 0  # fees given back


def test_the_sandbox_command_switches_its_faults_from_the_command_line(cli) -> None:
    """``ecomledger sandbox --fault server_error=1`` serves one 500, then answers; a fault
    it does not know is one sentence and exit 2."""
    import subprocess
    import sys

    import httpx

    bad = cli("sandbox", "--port", "0", "--fault", "bogus=1")
    assert bad.code == 2 and "no fault is named 'bogus'" in bad.err
    assert cli("sandbox", "--fault", "truncate=1", "--no-faults").code == 2
    command = [sys.executable, "-m", "ecomledger", "sandbox", "--port", "0", "--orders", "5"]
    server = subprocess.Popen(
        [*command, "--fault", "server_error=1", "--fault", "server_error_status=500"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert "faults: server_error=1 server_error_status=500" in banner, banner
        url = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert url is not None, banner
        headers = {"Authorization": f"Bearer {TOKEN}"}
        first = httpx.get(url.group(0) + "/v1/payouts", headers=headers, timeout=5)
        second = httpx.get(url.group(0) + "/v1/payouts", headers=headers, timeout=5)
        assert (first.status_code, second.status_code) == (500, 200)
    finally:
        server.terminate()
        server.wait(timeout=10)
