from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ecomledger.clients.base import Credentials
from ecomledger.clients.prestashop import _json
from ecomledger.sandbox import TOKEN, Faults, SandboxServer
from ecomledger.sandbox.dialects import (
    PRESTA_COUNTRY_IDS,
    presta_address_id,
    presta_row_id,
    presta_slip_id,
)

from .conftest import SINCE

ADDRESS_FIELDS = (
    "id",
    "id_country",
    "company",
    "firstname",
    "lastname",
    "address1",
    "postcode",
    "city",
    "vat_number",
)


def test_pages_until_a_short_page(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("prestashop").check_pages()
    orders = [o for p in result.document("orders").pages for o in p.data["orders"]]
    assert orders[0]["total_paid_tax_incl"].count(".") == 1
    assert len(orders[0]["total_paid_tax_incl"].split(".")[1]) == 6  # "68.200000"
    assert "order_rows" in orders[0]["associations"]
    assert all("output_format=JSON" in path for _, path, _ in srv.log)


def test_incremental_filters_on_date_upd(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract_for("prestashop").check_incremental(SINCE)
    assert any("filter%5Bdate_upd%5D" in path and "date=1" in path for _, path, _ in srv.log)


def test_empty_result_is_a_bare_list(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("prestashop").fetch(since=datetime(2030, 1, 1, tzinfo=UTC))
    doc = result.document("orders")
    assert doc.count == 0 and doc.cursor is None
    assert [p.data for p in doc.pages] == [[]]


def test_faults(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("prestashop").check_all_faults()


def test_wrong_key_is_401(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    contract_for("prestashop").check_auth(Credentials(token="wrong"))


def _query(path: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def test_delivery_addresses_and_countries_are_fetched_in_batches(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("prestashop", address_batch=7).fetch()
    doc = result.document("orders")
    orders = [o for p in doc.pages for o in p.data["orders"]]
    wanted = {o["id_address_delivery"] for o in orders}
    assert set(doc.related["addresses"]) == wanted

    address_calls = [_query(p) for m, p, s in srv.log if "/api/addresses" in p and s == 200]
    assert len(address_calls) == math.ceil(len(wanted) / 7)
    asked: list[str] = []
    for query in address_calls:
        assert query["output_format"] == "JSON" and query["display"] == "full"
        ids = query["filter[id]"].strip("[]").split("|")
        assert 1 <= len(ids) <= 7
        asked += ids
    assert sorted(asked) == sorted(wanted)  # each address asked for once

    country_calls = [_query(p) for m, p, s in srv.log if "/api/countries" in p]
    assert country_calls == [{"output_format": "JSON", "display": "[id,iso_code]"}]
    (countries,) = doc.related["countries"]["all"]
    iso = {str(c["id"]): c["iso_code"] for c in countries.data["countries"]}
    assert set(countries.data["countries"][0]) == {"id", "iso_code"}

    # each saved body is one address, its text the JSON of its data, and the join order →
    # address → country gives the customer's country of the dataset
    by_address = {str(presta_address_id(o.customer)): o.customer for o in srv.data.orders}
    seen = set()
    for address_id, (page,) in doc.related["addresses"].items():
        assert json.loads(page.text) == page.data
        (address,) = page.data["addresses"]
        assert str(address["id"]) == address_id
        assert set(ADDRESS_FIELDS) <= set(address)
        customer = by_address[address_id]
        assert iso[address["id_country"]] == customer.country
        assert address["id_country"] == str(PRESTA_COUNTRY_IDS[customer.country])
        assert address["vat_number"] == (customer.vat_number or "")
        seen.add(customer.country)
    assert len(seen) > 1  # not every customer is French


def test_split_bodies_keep_numbers_digit_for_digit() -> None:
    body = {"addresses": [{"id": 3, "x": Decimal("12.90"), "city": "Köln", "n": None}]}
    assert _json(body) == '{"addresses":[{"id":3,"x":12.90,"city":"Köln","n":null}]}'


def test_no_orders_fetch_no_addresses(contract_for: Callable[..., Any], srv: SandboxServer) -> None:
    result = contract_for("prestashop").fetch(since=datetime(2030, 1, 1, tzinfo=UTC))
    assert result.document("orders").related == {}
    assert not [p for _, p, _ in srv.log if "/api/addresses" in p or "/api/countries" in p]


def test_addresses_survive_transient_faults(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    contract = contract_for("prestashop", page_size=200, address_batch=10)
    clean = contract.fetch().document("orders").related
    # the orders fit one page: every fault below lands on the address and country requests
    srv.set_faults(Faults(server_error=2, server_error_status=503, after=1))
    again = contract.fetch().document("orders").related
    srv.set_faults(Faults(disconnect=1, rate_limit=1, retry_after="0.01", after=3))
    third = contract.fetch().document("orders").related
    texts = {k: [p.text for p in v] for k, v in clean["addresses"].items()}
    for other in (again, third):
        assert {k: [p.text for p in v] for k, v in other["addresses"].items()} == texts
        assert other["countries"]["all"][0].text == clean["countries"]["all"][0].text


def test_address_filter_is_prestashops_any_of(srv: SandboxServer) -> None:
    with httpx.Client(base_url=srv.url, auth=(TOKEN, "")) as client:
        url = "/api/addresses?output_format=JSON&display=full&filter[id]=[999999]"
        assert client.get(url).json() == []  # no match: a bare []
        assert client.get("/api/addresses?output_format=JSON&filter[id]=1|2").status_code == 400
        assert client.get("/api/countries?output_format=JSON&display=[id,nope]").status_code == 400
        bad_key = httpx.get(srv.url + "/api/addresses?output_format=JSON", auth=("wrong", ""))
        assert bad_key.status_code == 401


def _slips(result: Any) -> list[dict[str, Any]]:
    related = result.document("orders").related
    return [
        s for page in related["order_slips"]["all"] if page.data for s in page.data["order_slips"]
    ]


def test_credit_slips_and_their_rows_are_fetched(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("prestashop", page_size=5).fetch()
    related = result.document("orders").related
    slips = _slips(result)
    refunds = {presta_slip_id(r): (o, r) for o in srv.data.orders for r in o.refunds}
    assert len(related["order_slips"]["all"]) >= 3  # paged like the orders
    assert sorted(s["id"] for s in slips) == sorted(refunds)
    slip_calls = [_query(p) for _, p, s in srv.log if "/api/order_slip" in p and s == 200]
    assert all(q["sort"] == "[date_add_ASC]" and q["display"] == "full" for q in slip_calls)
    rows = {str(presta_row_id(rl.line)): rl for _, r in refunds.values() for rl in r.lines}
    assert set(related["order_details"]) == set(rows)
    for row_id, (page,) in related["order_details"].items():
        (row,) = page.data["order_details"]
        assert set(row) == {"id", "id_order", "product_quantity_reinjected"}
        wanted = rows[row_id].quantity if rows[row_id].restock else 0
        assert int(row["product_quantity_reinjected"]) == wanted
    for slip in slips:
        order, refund = refunds[slip["id"]]
        assert slip["id_order"] == str(order.id % 100_000)
        assert Decimal(slip["amount"]) == refund.amount


def test_credit_slips_follow_the_window(
    contract_for: Callable[..., Any], srv: SandboxServer
) -> None:
    result = contract_for("prestashop").fetch(since=SINCE)
    slips = _slips(result)
    wanted = {
        presta_slip_id(r) for o in srv.data.orders for r in o.refunds if r.created_at >= SINCE
    }
    assert wanted and {s["id"] for s in slips} == wanted
    orders = {str(o["id"]) for p in result.document("orders").pages for o in p.data["orders"]}
    assert {s["id_order"] for s in slips} <= orders  # every slip's order is in the file
    calls = [_query(p) for _, p, _ in srv.log if "/api/order_slip" in p]
    assert all(q["date"] == "1" and q["filter[date_add]"].startswith("[") for q in calls)
