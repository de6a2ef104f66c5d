"""`ecomledger fetch` for banks with an API (Qonto, Revolut Business, GoCardless Bank Account
Data), over real HTTP against the sandbox bank: the same entries as the bank's CSV export
of the same lines, in either order, nothing twice, and one sentence when the API fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from beancount.core import data

from ecomledger import fetch, ledger
from ecomledger.http import Http, RetryPolicy
from ecomledger.sandbox import TOKEN, SandboxServer
from ecomledger.sandbox import gocardless as sandbox_gocardless
from ecomledger.sandbox import qonto as sandbox_qonto
from ecomledger.sandbox import revolut as sandbox_revolut
from ecomledger.sandbox.bank import qonto_statement
from ecomledger.sandbox.bank_api import IBAN, statement_lines
from ecomledger.sandbox.server import Faults

from .conftest import CliResult, snapshot

OLD_BANK = """[[banks]]
name = "main"
format = "qonto"
account = "Assets:Bank:Qonto"
currency = "EUR"
"""

ENV = {
    "QONTO_LOGIN": sandbox_qonto.LOGIN,
    "QONTO_SECRET": TOKEN,
    "REVOLUT_TOKEN": TOKEN,
    "GC_SECRET_ID": sandbox_gocardless.SECRET_ID,
    "GC_SECRET_KEY": TOKEN,
}


def bank_config(url: str) -> str:
    """The three banks, each fetched from the sandbox; secrets only named."""
    return f'''[[banks]]
name = "main"
format = "qonto"
account = "Assets:Bank:Qonto"
currency = "EUR"
iban = "{IBAN}"
api = "qonto"
url = "{url}"
key_env = "QONTO_LOGIN"
secret_env = "QONTO_SECRET"
options = {{ page_size = 5 }}

[[banks]]
name = "rev"
format = "revolut"
account = "Assets:Bank:Revolut"
currency = "EUR"
api = "revolut"
url = "{url}"
token_env = "REVOLUT_TOKEN"
account_id = "{sandbox_revolut.ACCOUNT_ID}"
options = {{ page_size = 4 }}

[[banks]]
name = "linked"
format = "gocardless"
account = "Assets:Bank:Linked"
currency = "EUR"
api = "gocardless"
url = "{url}"
key_env = "GC_SECRET_ID"
secret_env = "GC_SECRET_KEY"
account_id = "{sandbox_gocardless.ACCOUNT_ID}"
'''


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(seed=3, orders=30, settled=True) as server:
        yield server


@pytest.fixture
def srv(sandbox: SandboxServer) -> Iterator[SandboxServer]:
    sandbox.set_faults()
    sandbox.log.clear()
    yield sandbox
    sandbox.set_faults()


@pytest.fixture
def make_books(
    tmp_path: Path, srv: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], Path]:
    """A copy of the demo books whose banks are fetched from the sandbox."""
    import shutil

    from .conftest import EXAMPLES

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    def build(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("*.picklecache"))
        config = target / "ecomledger.toml"
        text = config.read_text(encoding="utf-8")
        assert OLD_BANK in text
        config.write_text(text.replace(OLD_BANK, bank_config(srv.url)), encoding="utf-8")
        return target

    return build


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Fetches retry per the HTTP layer's policy, sleeping in a list instead of the clock."""
    waits: list[float] = []
    real = fetch.fetch_source

    def fast(books: Path, source: fetch.SourceConfig, **kwargs: Any) -> object:
        layer = Http(source.name, sleep=waits.append, retry=RetryPolicy(max_total_wait=30))
        return real(books, source, http=layer, **kwargs)

    monkeypatch.setattr("ecomledger.cli.fetch.fetch_source", fast)
    return waits


def bank_entries(books: Path, source: str) -> set[tuple[object, ...]]:
    """What the books say about ``source``'s lines: date, payee, narration, postings, key."""
    entries, errors, _ = ledger.load(books)
    assert not errors, errors
    return {
        (
            e.date,
            e.payee,
            e.narration,
            tuple((p.account, p.units) for p in e.postings),
            e.meta["source_id"],
        )
        for e in entries
        if isinstance(e, data.Transaction) and e.meta.get("source") == source
    }


def run_ok(cli: Callable[..., CliResult], books: Path, *args: str) -> str:
    result = cli("--books", str(books), *args)
    assert result.code == 0, result.out + result.err
    return result.out


# -- the same lines, fetched or exported -------------------------------------------------


def test_qonto_fetch_and_csv_book_the_same_entries_in_either_order(
    cli, make_books, srv: SandboxServer, tmp_path: Path
) -> None:
    csv = tmp_path / "qonto-export.csv"
    csv.write_text(qonto_statement(srv.data), encoding="utf-8")
    count = len(statement_lines(srv.data))
    assert count >= 5  # several pages of 5

    fetched = make_books("fetched")
    out = run_ok(cli, fetched, "fetch", "main")
    assert f"qonto/main: {count} transactions" in out and f", {count} new entries" in out
    assert list((fetched / "documents" / "qonto" / "main").glob("*-transactions.json"))
    exported = make_books("exported")
    run_ok(cli, exported, "import", str(csv))
    by_fetch, by_csv = bank_entries(fetched, "qonto:main"), bank_entries(exported, "qonto:main")
    assert len(by_fetch) == count
    assert by_fetch == by_csv
    assert all(key.startswith("qonto:main:tx:sandbox-payout-") for *_, key in by_fetch)

    # then the other one: nothing new either way
    before = snapshot(fetched / "ledger")
    out = run_ok(cli, fetched, "import", str(csv))
    assert f"0 new entries, {count} already in the books" in out
    assert snapshot(fetched / "ledger") == before
    before = snapshot(exported / "ledger")
    out = run_ok(cli, exported, "fetch", "main")
    assert f", 0 new entries, {count} already in the books" in out
    assert snapshot(exported / "ledger") == before


def test_fetching_qonto_again_adds_nothing(cli, make_books, srv: SandboxServer) -> None:
    books = make_books("books")
    run_ok(cli, books, "fetch", "main")
    before = snapshot(books / "ledger")
    srv.log.clear()
    out = run_ok(cli, books, "fetch", "main")  # resumes from the cursor (updated_at)
    assert ", 0 new entries" in out
    assert any("updated_at_from=" in path for _, path, _ in srv.log)
    out = run_ok(cli, books, "fetch", "main", "--since", "2020-01-01")  # everything again
    assert ", 0 new entries" in out
    assert snapshot(books / "ledger") == before


def test_revolut_fetch_and_csv_book_the_same_entries(
    cli, make_books, srv: SandboxServer, tmp_path: Path
) -> None:
    csv = tmp_path / "revolut-export.csv"
    csv.write_text(sandbox_revolut.revolut_statement(srv.data), encoding="utf-8")
    count = len(statement_lines(srv.data))

    fetched = make_books("fetched")
    out = run_ok(cli, fetched, "fetch", "rev")
    # the pending card payment is fetched (so the cursor waits for it) but not booked
    assert f"revolut/rev: {count + 1} transactions" in out and f", {count} new entries" in out
    exported = make_books("exported")
    run_ok(cli, exported, "import", str(csv))
    by_fetch, by_csv = bank_entries(fetched, "revolut:rev"), bank_entries(exported, "revolut:rev")
    assert len(by_fetch) == count and by_fetch == by_csv

    before = snapshot(fetched / "ledger")
    out = run_ok(cli, fetched, "import", str(csv))
    assert f"0 new entries, {count} already in the books" in out
    out = run_ok(cli, fetched, "fetch", "rev")
    assert ", 0 new entries" in out
    assert snapshot(fetched / "ledger") == before
    out = run_ok(cli, exported, "fetch", "rev")
    assert ", 0 new entries" in out


def test_revolut_cursor_waits_for_a_pending_transaction(
    cli, make_books, srv: SandboxServer
) -> None:
    books = make_books("books")
    run_ok(cli, books, "fetch", "rev")
    state = fetch.load_state(books)["sources"]["revolut/rev"]["transactions"]
    pending = [t for t in sandbox_revolut.transactions(srv.data) if t["state"] == "pending"]
    assert len(pending) == 1
    assert state["cursor"] == pending[0]["created_at"][:19] + "Z"
    latest = max(t["created_at"] for t in sandbox_revolut.transactions(srv.data))
    assert state["cursor"] < latest  # not the latest creation: the pending one comes again


def test_gocardless_fetch_books_its_lines_once(cli, make_books, srv: SandboxServer) -> None:
    books = make_books("books")
    count = len(statement_lines(srv.data))
    out = run_ok(cli, books, "fetch", "linked")
    assert f"gocardless/linked: {count} transactions" in out and f", {count} new entries" in out
    booked = bank_entries(books, "gocardless:linked")
    assert len(booked) == count
    assert {key for *_, key in booked} == {
        f"gocardless:linked:tx:{line.id}" for line in statement_lines(srv.data)
    }
    assert not any("OFFICE SUPPLIES" in str(entry) for entry in booked)  # pending
    payload = next((books / "documents" / "gocardless" / "linked").glob("*.json"))
    assert TOKEN not in payload.read_text(encoding="utf-8")  # no secret, no access token
    assert sandbox_gocardless.ACCESS not in payload.read_text(encoding="utf-8")
    before = snapshot(books / "ledger")
    out = run_ok(cli, books, "fetch", "linked")
    assert ", 0 new entries" in out
    assert snapshot(books / "ledger") == before


# -- a bank API that fails: one sentence, exit 2, the books byte-identical --------------


@pytest.mark.parametrize(
    ("bank", "variable"),
    [("main", "QONTO_SECRET"), ("rev", "REVOLUT_TOKEN"), ("linked", "GC_SECRET_KEY")],
)
def test_a_401_names_the_bank_and_the_variables(
    cli, make_books, srv: SandboxServer, monkeypatch, bank: str, variable: str
) -> None:
    books = make_books("books")
    monkeypatch.setenv(variable, "revoked-or-mistyped")
    before = snapshot(books)
    result = cli("--books", str(books), "fetch", bank)
    assert result.code == 2, result.out + result.err
    message = " ".join(result.err.split())
    assert f"'{bank}'" in message and "401" in message and variable in message
    assert "Traceback" not in result.err and message.count(". ") == 0
    assert snapshot(books) == before
    assert len(srv.log) == 1  # a 401 is never retried


@pytest.mark.parametrize("bank", ["main", "rev", "linked"])
def test_a_429_is_retried_then_refused(
    cli, make_books, srv: SandboxServer, no_waiting: list[float], bank: str
) -> None:
    books = make_books("books")
    srv.set_faults(Faults(rate_limit=50, retry_after="0.25"))
    before = snapshot(books)
    result = cli("--books", str(books), "fetch", bank)
    assert result.code == 2, result.out + result.err
    message = " ".join(result.err.split())
    assert f"'{bank}'" in message and "429" in message and "run the fetch again" in message
    assert no_waiting == [0.25] * 5  # RetryPolicy: 5 retries, each after Retry-After
    assert len(srv.log) == 6
    assert snapshot(books) == before


def test_a_429_storm_that_passes_is_fetched(
    cli, make_books, srv: SandboxServer, no_waiting: list[float]
) -> None:
    books = make_books("books")
    srv.set_faults(Faults(rate_limit=2, retry_after="0.25", after=1))
    out = run_ok(cli, books, "fetch", "main")
    assert "new entries" in out and no_waiting == [0.25, 0.25]


@pytest.mark.parametrize("bank", ["main", "rev", "linked"])
def test_a_garbled_answer_is_refused(
    cli, make_books, srv: SandboxServer, no_waiting: list[float], bank: str
) -> None:
    books = make_books("books")
    srv.set_faults(Faults(truncate=5))
    before = snapshot(books)
    result = cli("--books", str(books), "fetch", bank)
    assert result.code == 2, result.out + result.err
    message = " ".join(result.err.split())
    assert f"'{bank}'" in message and "not valid JSON" in message and "nothing was saved" in message
    assert snapshot(books) == before


@pytest.mark.parametrize(
    ("bank", "module", "body"),
    [
        ("main", sandbox_qonto, {"transactions": "none today", "meta": {}}),
        ("rev", sandbox_revolut, {"message": "maintenance"}),
        ("linked", sandbox_gocardless, {"transactions": {"booked": {"id": 1}}}),
    ],
)
def test_json_of_another_shape_is_refused(
    cli, make_books, monkeypatch, bank: str, module: Any, body: Any
) -> None:
    real = module.handle

    def garbage(*args: Any) -> Any:
        status, answer, headers = real(*args)
        if status == 200 and "token/new" not in str(args):
            return 200, body, headers
        return status, answer, headers

    monkeypatch.setattr(module, "handle", garbage)
    books = make_books("books")
    before = snapshot(books)
    result = cli("--books", str(books), "fetch", bank)
    assert result.code == 2, result.out + result.err
    message = " ".join(result.err.split())
    assert f"'{bank}'" in message and "check the" in message and "ecomledger.toml" in message
    assert "Traceback" not in result.err
    assert snapshot(books) == before


def test_a_missing_secret_variable_is_one_sentence(cli, make_books, monkeypatch) -> None:
    books = make_books("books")
    monkeypatch.delenv("QONTO_SECRET")
    before = snapshot(books)
    result = cli("--books", str(books), "fetch", "main")
    assert result.code == 2
    assert "QONTO_SECRET" in result.err and "is not set" in result.err
    assert snapshot(books) == before


# -- the payload importers on hand-written answers -----------------------------------------


def envelope(tmp_path: Path, platform: str, bank: str, pages: list[Any]) -> Path:
    """A fetch payload file as ``ecomledger fetch`` writes it."""
    from ecomledger.sandbox.dialects import dumps

    header = (
        f'{{"format": "ecomledger.fetch/1", "platform": "{platform}", "shop": "{bank}", '
        f'"kind": "transactions", "fetched_at": "2025-04-01T10:00:00Z", "since": null, '
        f'"until": null, "cursor": null, "count": 0, "pages": [{", ".join(map(dumps, pages))}], '
        '"related": {}}'
    )
    path = tmp_path / f"{platform}-{bank}-transactions.json"
    path.write_text(header, encoding="utf-8")
    return path


def qonto_row(**changes: Any) -> dict[str, Any]:
    from decimal import Decimal

    row: dict[str, Any] = {
        "id": "7b1f0e36-0000-4000-8000-000000000001",
        "transaction_id": "acme-1-transaction-42",
        "amount": Decimal("120.00"),
        "side": "debit",
        "currency": "EUR",
        "label": "OVH SAS",
        "reference": "FACT-2025-118",
        "note": "hosting",
        "operation_type": "transfer",
        "status": "completed",
        "settled_at": "2025-03-31T22:30:00.000Z",
        "updated_at": "2025-04-01T08:00:00.000Z",
        "vat_amount": Decimal("20.00"),
        "vat_rate": Decimal("20.0"),
        "attachment_ids": ["a1", "a2"],
        "transfer": {"counterparty_account_number": "FR7630004000031234567890143"},
    }
    row.update(changes)
    return row


def test_qonto_amounts_are_signed_by_side_and_keep_the_vat(tmp_path: Path) -> None:
    from decimal import Decimal

    from ecomledger.importers.qonto_api import Importer

    pending = qonto_row(id="p", transaction_id="acme-1-transaction-43", status="pending")
    credit = qonto_row(
        id="c", transaction_id="acme-1-transaction-44", side="credit", vat_amount=None,
        vat_rate=None, attachment_ids=[],
    )  # fmt: skip
    path = envelope(tmp_path, "qonto", "main", [{"transactions": [qonto_row(), pending, credit]}])
    importer = Importer("main", "Assets:Bank:Qonto")
    assert importer.identify(str(path))
    assert not Importer("other", "Assets:Bank:Other").identify(str(path))  # another bank's
    entries = importer.extract(str(path), [])
    assert [(e.postings[0].units.number, e.meta["source_id"]) for e in entries] == [
        (Decimal("-120.00"), "qonto:main:tx:acme-1-transaction-42"),
        (Decimal("120.00"), "qonto:main:tx:acme-1-transaction-44"),
    ]
    debit = entries[0]
    assert debit.date.isoformat() == "2025-04-01"  # 22:30 UTC is the next day in Paris
    assert debit.payee == "OVH SAS" and debit.narration == "FACT-2025-118; hosting"
    assert debit.meta["vat_amount"] == "20.00" and debit.meta["vat_rate"] == "20.0"
    assert debit.meta["attachments"] == "2"
    assert "vat_amount" not in entries[1].meta and "attachments" not in entries[1].meta
    assert any("acme-1-transaction-43" in f for f in importer.findings[str(path)])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"side": None}, "side is None, neither 'credit' nor 'debit'"),
        ({"amount": "douze"}, "amount is 'douze', not an amount"),
        ({"settled_at": "yesterday"}, "settled_at is 'yesterday'"),
        ({"amount": "12.345"}, "decimals"),
    ],
)
def test_a_qonto_transaction_that_makes_no_sense_is_refused(
    tmp_path: Path, change: dict[str, Any], words: str
) -> None:
    from ecomledger.errors import InputError
    from ecomledger.importers.qonto_api import Importer

    path = envelope(tmp_path, "qonto", "main", [{"transactions": [qonto_row(**change)]}])
    with pytest.raises(InputError) as info:
        Importer("main", "Assets:Bank:Qonto").extract(str(path), [])
    assert words in str(info.value) and path.name in str(info.value)


def test_revolut_legs_fees_and_exchanges_key_like_the_csv(tmp_path: Path) -> None:
    from decimal import Decimal

    from ecomledger.importers.revolut_api import Importer

    card = {
        "id": "tx-card", "type": "card_payment", "state": "completed",
        "created_at": "2025-03-03T09:00:00.000Z", "completed_at": "2025-03-04T10:00:00.000Z",
        "reference": "",
        "legs": [{"leg_id": "l1", "account_id": "eur", "amount": Decimal("-54.26"),
                  "fee": Decimal("0.22"), "currency": "EUR", "description": "AWS"}],
    }  # fmt: skip
    exchange = {
        "id": "tx-fx", "type": "exchange", "state": "completed",
        "created_at": "2025-03-05T09:00:00.000Z", "completed_at": "2025-03-05T09:00:01.000Z",
        "reference": "To USD",
        "legs": [
            {"leg_id": "l2", "account_id": "eur", "amount": Decimal("-100.00"),
             "currency": "EUR", "description": "Exchanged to USD"},
            {"leg_id": "l3", "account_id": "usd", "amount": Decimal("108.12"),
             "currency": "USD", "description": "Exchanged from EUR"},
        ],
    }  # fmt: skip
    declined = {**card, "id": "tx-declined", "state": "declined"}
    path = envelope(tmp_path, "revolut", "rev", [[exchange, declined, card]])
    importer = Importer("rev", "Assets:Bank:Revolut", accounts={"usd": "Assets:Bank:RevolutUSD"})
    entries = importer.extract(str(path), [])
    got = [
        (e.meta["source_id"], e.postings[0].account, e.postings[0].units.number) for e in entries
    ]
    assert got == [
        ("revolut:rev:tx:tx-card", "Assets:Bank:Revolut", Decimal("-54.26")),
        ("revolut:rev:tx:tx-card:fee", "Assets:Bank:Revolut", Decimal("-0.22")),
        ("revolut:rev:tx:tx-fx", "Assets:Bank:Revolut", Decimal("-100.00")),
        ("revolut:rev:tx:tx-fx/USD", "Assets:Bank:RevolutUSD", Decimal("108.12")),
    ]
    assert entries[1].payee == "Revolut" and entries[1].meta["revolut_type"] == "FEE"
    # only the configured account's legs
    one = Importer("rev", "Assets:Bank:Revolut", account_id="usd").extract(str(path), [])
    assert [e.meta["source_id"] for e in one] == ["revolut:rev:tx:tx-fx/USD"]


# -- the sandbox bank speaks each API as documented ---------------------------------------


def test_the_sandbox_qonto_api_pages_filters_and_refuses(srv: SandboxServer) -> None:
    import httpx

    auth = {"Authorization": f"{sandbox_qonto.LOGIN}:{TOKEN}"}
    url = srv.url + "/v2/transactions"
    lines = statement_lines(srv.data)
    with httpx.Client(headers=auth) as client:
        first = client.get(url, params={"iban": IBAN, "per_page": 2}).json()
        assert first["meta"]["total_count"] == len(lines) and first["meta"]["next_page"] == 2
        assert first["transactions"][0]["settled_at"] >= first["transactions"][1]["settled_at"]
        assert all(t["amount"] > 0 for t in first["transactions"])  # unsigned, with a side
        since = lines[-2].settled_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        newer = client.get(url, params={"iban": IBAN, "settled_at_from": since}).json()
        assert [t["transaction_id"] for t in newer["transactions"]] == [
            lines[-1].id,
            lines[-2].id,
        ]
        assert client.get(url).status_code == 422  # no account named
        assert client.get(url, params={"iban": "FR7630006000011234567890189"}).status_code == 404
        assert client.get(url, params={"iban": IBAN, "per_page": 101}).status_code == 422
    assert (
        httpx.get(url, params={"iban": IBAN}, headers={"Authorization": "x:y"}).status_code == 401
    )


def test_check_accepts_a_bank_that_is_only_fetched(cli, make_books) -> None:
    books = make_books("books")
    run_ok(cli, books, "fetch", "linked")
    result = cli("--books", str(books), "check")
    assert "gocardless" not in result.out + result.err, result.out + result.err
    assert result.code == 0, result.out + result.err


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ('api = "qonto"\niban = "FR76"', 'api = "qonto" needs key_env'),
        ('api = "qonto"\nkey_env = "Q"\nsecret_env = "S"', "iban"),
        ('api = "revolut"', "token_env"),
        ('api = "gocardless"\nkey_env = "A"\nsecret_env = "B"', "account_id"),
        ('api = "monzo"', "'qonto', 'revolut' or 'gocardless'"),
        ('url = "https://thirdparty.qonto.com"', "add api ="),
        ('api = "revolut"\ntoken_env = "eyJhbGciOiJSUzI1NiJ9xQ3vT8kZ2pL"', "looks like a secret"),
    ],
)
def test_bank_api_settings_are_checked(tmp_path: Path, settings: str, words: str) -> None:
    from ecomledger.config import load_config
    from ecomledger.errors import ConfigError

    from .conftest import EXAMPLES

    text = (EXAMPLES / "ecomledger.toml").read_text(encoding="utf-8")
    path = tmp_path / "ecomledger.toml"
    path.write_text(text.replace(OLD_BANK, OLD_BANK + settings + "\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert words in str(info.value) and "banks[0]" in str(info.value)
    assert "eyJhbGciOiJSUzI1NiJ9xQ3vT8kZ2pL" not in str(info.value)


def test_every_importer_has_its_own_name_for_fava(make_books) -> None:
    from ecomledger.config import load_config
    from ecomledger.ingest import all_importers

    importers = all_importers(load_config(make_books("books") / "ecomledger.toml"))
    names = [importer.name for importer in importers]
    assert len(names) == len(set(names))  # Fava refuses duplicate importer names
    assert {"qonto:main", "qonto:main:api", "revolut:rev:api", "gocardless:linked:api"} <= set(
        names
    )
