"""Bad input as an attacker or a clumsy user gives it: one sentence, exit 2, books unchanged.

Issue 16, items 7-9 and 11 and its "Tracebacks" paragraph: payload values that reach an
account name, a currency or an amount are checked before anything is written; invoices that
cannot be real are refused or told; secrets are refused in the configuration and never
printed; a payload of the wrong shape, NaN or an unknown client option never ends in a
traceback.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import parser

from ecomledger import ledger
from ecomledger.config import ConfigError, parse_config
from ecomledger.errors import UserError

from .conftest import snapshot

ORDERS = Path(__file__).resolve().parents[1] / "examples/demo-shop/inbox/shopify-orders.json"


def _first_order() -> dict[str, Any]:
    document = json.loads(ORDERS.read_text(encoding="utf-8"))
    return copy.deepcopy(document["pages"][0]["orders"][0])


def _envelope(*orders: Any) -> str:
    document = json.loads(ORDERS.read_text(encoding="utf-8"))
    document["pages"] = [{"orders": list(orders)}]
    document["related"] = {}
    document["count"] = len(orders)
    return json.dumps(document)


def _total(order: dict[str, Any], amount: str) -> dict[str, Any]:
    order["total_price"] = amount
    order["total_price_set"]["shop_money"]["amount"] = amount
    return order


def _price(order: dict[str, Any], amount: str) -> dict[str, Any]:
    line = order["line_items"][0]
    line["price"] = amount
    line["price_set"]["shop_money"]["amount"] = amount
    return order


@pytest.fixture
def books(demo_books: Path) -> Path:
    """The demo books with an empty inbox: each test drops in the one file it tries."""
    for path in (demo_books / "inbox").iterdir():
        path.unlink()
    return demo_books


def _import_refused(cli, books: Path, text: str, *words: str) -> str:
    """Import ``text`` as a Shopify payload; it must be refused, books untouched."""
    path = books / "inbox" / "shopify-orders.json"
    path.write_text(text, encoding="utf-8")
    before = snapshot(books)
    result = cli("--books", str(books), "import", str(path))
    assert result.code == 2, result.out + result.err
    message = result.err + result.out
    assert "Traceback" not in message
    for word in words:
        assert word in message, message
    assert snapshot(books) == before
    return message


# -- 9. nothing from a payload becomes syntax --------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("currency",), "EUR\n2020-01-01 open Assets:Evil", "field currency"),
        (("currency",), "EU R", "field currency"),
        (("shipping_address", "country_code"), "FR:Evil", "field customer.country"),
        (("shipping_address", "country_code"), "DE\n2020-01-01 open Assets:X", "customer.country"),
        (("shipping_address", "country_code"), "ZZ", "not an ISO 3166 country code"),
    ],
)
def test_a_payload_cannot_open_accounts_or_add_directives(cli, books, path, value, field):
    order = _first_order()
    node = order
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    message = _import_refused(cli, books, _envelope(order), field, "order #1001")
    assert "\n2020" not in message  # the value is quoted (repr), never written raw
    assert "Evil" not in (books / "accounts.beancount").read_text(encoding="utf-8")


def _txn(currency: str, account: str = "Assets:Bank:Qonto") -> data.Transaction:
    postings = [
        data.Posting(account, Amount(Decimal("1.00"), currency), None, None, None, None),
        data.Posting("Assets:Suspense", Amount(Decimal("-1.00"), currency), None, None, None, None),
    ]
    meta = data.new_metadata("x", 1)
    return data.Transaction(
        meta, dt.date(2026, 1, 1), "*", None, "n", frozenset(), frozenset(), postings
    )


@pytest.mark.parametrize(
    "entry",
    [
        _txn("EUR\n2026-01-01 open Assets:Evil"),
        _txn("EUR", "Assets:Bank\n2026-01-01 open Assets:Evil"),
        data.Open(
            data.new_metadata("x", 1),
            dt.date(2026, 1, 1),
            "Income:Sales:Goods:FR:Evil X",
            None,
            None,
        ),
    ],
)
def test_the_writer_refuses_a_name_beancount_would_not_read_back(entry) -> None:
    """The last guard, whatever path built the entry."""
    with pytest.raises(UserError, match="refusing to write"):
        ledger.render_entry(entry)


# -- 7. amounts are written exactly, with the currency's minor units ---------------------


def test_amounts_are_written_positionally_and_with_the_currency_units() -> None:
    postings = [
        data.Posting("Assets:Bank:A", Amount(Decimal("1E+3"), "EUR"), None, None, None, None),
        data.Posting("Assets:Bank:B", Amount(Decimal("-1000.0"), "EUR"), None, None, None, None),
        data.Posting("Assets:Bank:C", Amount(Decimal("1500.00"), "JPY"), None, None, None, None),
        data.Posting("Assets:Bank:D", Amount(Decimal("-15E+2"), "JPY"), None, None, None, None),
    ]
    meta = data.new_metadata("x", 1)
    meta.update({"unit_price": Decimal("1E-7"), "big": Decimal("1E+30")})
    txn = data.Transaction(
        meta, dt.date(2026, 1, 1), "*", None, "n", frozenset(), frozenset(), postings
    )
    text = ledger.render_entry(txn)
    assert "E+" not in text and "E-" not in text
    assert "1000.00 EUR" in text and "-1000.00 EUR" in text
    assert "1500 JPY" in text and "-1500 JPY" in text
    assert "unit_price: 0.0000001" in text
    entries, errors, _ = parser.parse_string(text)
    assert errors == []
    (read,) = entries
    assert read.meta["unit_price"] == Decimal("1E-7")
    assert read.meta["big"] == Decimal("1E+30")


@pytest.mark.parametrize(
    ("total", "words"),
    [
        ("1E-7", "field total: 0.0000001 EUR has more decimals than EUR has"),
        ("34.905", "field total: 34.905 EUR has more decimals than EUR has"),
        ("1E+30", "field total: 1000000000000000000000000000000 is beyond"),
    ],
)
def test_an_order_amount_that_cannot_be_written_exactly_is_refused(cli, books, total, words):
    _import_refused(cli, books, _envelope(_total(_first_order(), total)), words)


def test_a_yen_order_with_decimals_is_refused(cli, books) -> None:
    order = _first_order()
    order["currency"] = "JPY"
    _total(order, "1500.50")
    _import_refused(cli, books, _envelope(order), "1500.50 JPY has more decimals than JPY has")


# -- 8. invoices that cannot be real --------------------------------------------------------


def test_a_negative_invoice_is_refused(cli, books) -> None:
    _import_refused(
        cli, books, _envelope(_total(_first_order(), "-34.90")), "an invoice cannot be negative"
    )


def test_a_line_worth_a_fraction_of_a_cent_is_refused(cli, books) -> None:
    _import_refused(
        cli,
        books,
        _envelope(_price(_first_order(), "0.001")),
        "field lines[0].quantity x unit_price: 0.002 EUR has more decimals",
    )


def _zero(order: dict[str, Any]) -> dict[str, Any]:
    _total(order, "0.00")
    _price(order, "0.00")
    for line in order["line_items"]:
        line["tax_lines"] = []
    order["shipping_lines"] = []
    return order


def test_an_order_that_charges_nothing_spends_no_invoice_number(cli, books) -> None:
    free = _zero(_first_order())
    paid = _first_order()
    paid["id"], paid["name"], paid["order_number"] = 7002, "#1002", 1002
    paid["processed_at"] = paid["created_at"] = "2026-03-03T10:00:00+01:00"
    path = books / "inbox" / "shopify-orders.json"
    path.write_text(_envelope(free, paid), encoding="utf-8")
    result = cli("--books", str(books), "import", str(path))
    assert result.code == 0, result.err
    assert "order #1001 charged nothing" in result.out + result.err
    written = "".join(
        p.read_text(encoding="utf-8") for p in (books / "ledger").rglob("shopify-*.beancount")
    )
    assert "order #1001" not in written
    assert '"Invoice F-2026-000001, order #1002"' in written
    assert cli("--books", str(books), "check").code == 0


def test_a_unit_price_below_the_cent_is_booked_flagged(cli, books) -> None:
    order = _first_order()
    order["line_items"][0]["quantity"] = 2
    _price(order, "0.005")  # two at half a cent: one cent, exact, but no real price
    path = books / "inbox" / "shopify-orders.json"
    path.write_text(_envelope(order), encoding="utf-8")
    result = cli("--books", str(books), "import", str(path))
    assert result.code == 0, result.err
    assert "below the smallest unit of EUR" in result.out
    written = "".join(
        p.read_text(encoding="utf-8") for p in (books / "ledger").rglob("shopify-*.beancount")
    )
    assert '! "Marie Curie"' in written and "below the smallest unit" in written


# -- Tracebacks: wrong shapes, NaN, unknown options ---------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (json.dumps({"orders": ["a"]}), "item 1 of a list is 'a', not an object"),
        (_envelope("a"), "item 1 of a list is 'a', not an object"),
        (json.dumps({"orders": {"id": 1}}), "shopify-orders.json"),
    ],
)
def test_a_payload_of_the_wrong_shape_is_one_sentence(cli, books, text, words) -> None:
    _import_refused(cli, books, text, words)


def test_a_string_where_the_lines_are_is_one_sentence(cli, books) -> None:
    order = _first_order()
    order["line_items"] = "abc"
    _import_refused(cli, books, _envelope(order), "shopify-orders.json", "payload")


def test_a_nan_literal_names_the_field_and_line(cli, books) -> None:
    text = _envelope(_first_order()).replace('"total_price": "34.90"', '"total_price": NaN')
    _import_refused(cli, books, text, "shopify-orders.json:1: field total_price is NaN")


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda o: _total(o, "NaN"), "field total_price ('NaN'"),
        (lambda o: _price(o, "12abc"), "field line_items[0].price ('12abc', not a number)"),
        (lambda o: _price(o, "Infinity"), "line_items[0].price"),
    ],
)
def test_a_nan_or_garbage_amount_names_the_field(cli, books, mutate, words) -> None:
    _import_refused(cli, books, _envelope(mutate(_first_order())), "order 7001", words)


def test_an_unknown_client_option_is_one_sentence(cli, demo_books, monkeypatch) -> None:
    toml = demo_books / "ecomledger.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("page_size = 25", "page_sise = 25"), encoding="utf-8")
    monkeypatch.setenv("DEMO_SANDBOX_TOKEN", "sandbox-token")
    before = snapshot(demo_books)
    result = cli("--books", str(demo_books), "fetch", "sandbox-shop")
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err
    assert "options.page_sise of 'sandbox-shop' is not an option" in result.err
    assert snapshot(demo_books) == before


# -- 11. secrets stay out of the configuration and of every message ----------------------

SHOPIFY_TOKEN = "shpat_" + "3f9a0c" * 5 + "d1"
SECRETS = [
    SHOPIFY_TOKEN,
    "sk_live_" + "51HxQk2eZvKYlo2C" * 2,
    "ck_" + "0123456789abcdef0123" * 2,
    "ZQ88PRJX5VWQHCWE4EE7SQ7HPNX00RAJ",  # a PrestaShop webservice key: a valid identifier
    "hbq2lr9d0qy0kxk8yh3sjy7l6nq2eha",  # a BigCommerce access token
    "EAAAEOuLQPDBOmgS1rGlhd1iRmJd0u8nqMbUJxHPFcI2bzTy",  # a Square access token
]


def _demo_raw() -> dict[str, Any]:
    import tomllib

    toml = Path(__file__).resolve().parents[1] / "examples/demo-shop/ecomledger.toml"
    return tomllib.loads(toml.read_text(encoding="utf-8"))


@pytest.mark.parametrize("secret", SECRETS)
def test_a_secret_pasted_as_a_variable_name_is_refused_unprinted(secret: str) -> None:
    raw = _demo_raw()
    raw["shops"][0]["token_env"] = secret
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "books/ecomledger.toml")
    message = str(info.value)
    assert message.startswith("books/ecomledger.toml: shops[0].token_env: ")
    assert "looks like a secret" in message
    assert secret not in message and secret[:12] not in message


@pytest.mark.parametrize(
    "name",
    ["SHOPIFY_TOKEN", "WOOCOMMERCE_CONSUMER_SECRET", "BIGCOMMERCE_ACCESS_TOKEN_FOR_STORE_ABC123",
     "PRESTASHOPWEBSERVICEKEY", "MY_SHOP2_TOKEN", "shop_token"],
)  # fmt: skip
def test_real_variable_names_are_accepted(name: str) -> None:
    raw = _demo_raw()
    raw["shops"][0]["token_env"] = name
    assert parse_config(raw).shops[0].token_env == name


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://admin:hunter2secret@shop.example", "carries a user name or password"),
        ("https://ck_abc:cs_hunter2secret@shop.example/wp-json", "carries a user name"),
        ("https://shop.example/api?consumer_secret=hunter2secret", "query carries a key"),
        ("https://shop.example/api?ws_key=hunter2secret&output=JSON", "query carries a key"),
    ],
)
def test_a_secret_in_a_url_is_refused_unprinted(url: str, words: str) -> None:
    raw = _demo_raw()
    raw["shops"][0]["url"] = url
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "books/ecomledger.toml")
    message = str(info.value)
    assert message.startswith("books/ecomledger.toml: shops[0].url: ") and words in message
    assert "hunter2secret" not in message


def test_the_cli_never_prints_the_secret(cli, demo_books: Path) -> None:
    toml = demo_books / "ecomledger.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"DEMO_SHOPIFY_TOKEN"', f'"{SHOPIFY_TOKEN}"'), encoding="utf-8")
    result = cli("--books", str(demo_books), "check")
    assert result.code == 2
    assert "shops[0].token_env" in result.err
    assert SHOPIFY_TOKEN not in result.out + result.err
