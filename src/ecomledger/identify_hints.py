"""Why a file no configured source takes, said so the user can act on it at once.

``ecomledger import`` asks each configured shop, processor and bank whether a file is
theirs. When none is, the generic sentence ("no configured importer recognises this file")
leaves a new user guessing; the usual causes are few and can be told apart from the file
itself:

- it is not a data export at all: a PDF statement, an empty download, a folder;
- it is a JSON payload cut short (an interrupted download) or wrapped by the tool that
  saved it (``{"data": ...}``);
- it is a perfectly good export of a kind that is simply not configured yet: a Qonto
  statement in fresh books. Then we say which kind and print the ecomledger.toml block to
  paste, with names and accounts already filled in.

:func:`unrecognised` returns that explanation (or None, and the caller keeps its generic
sentence). :func:`accounts_block` is the ready-to-paste ``accounts`` mapping of a
statement that covers several bank accounts. :func:`note_foreign_currency` states a shop
whose orders are in another currency than the company's books.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ecomledger.config import CONFIG_NAME

#: How much of a file is read to tell what it is (the whole file for JSON: see _json_hint).
_HEAD = 4096


def unrecognised(path: Path, shops: Sequence[tuple[str, str]] = ()) -> str | None:
    """Why no configured importer takes ``path``, with the fix; None when we cannot tell.

    ``shops`` are the configured shops as (platform, name): a payload fetched for a shop
    of a configured platform but under another name is told apart from an unknown kind.
    """
    if path.is_dir():
        return (
            "is a folder, not a file; import the files inside it "
            f"('ecomledger import {path}/*') or move them to inbox/"
        )
    if not path.exists():
        return "does not exist; check the path"
    head = _head(path)
    if not head:
        size = "0 bytes" if path.stat().st_size == 0 else "nothing but blank space"
        return f"is empty ({size}): the download or export did not finish; export it again"
    if head.startswith(b"%PDF"):
        return (
            "is a PDF, which is for reading, not for booking; download the statement's data "
            "export instead (CSV, OFX, CAMT.053 or MT940 from the bank; CSV or JSON from a "
            "shop or processor) and import that"
        )
    json_hint = _json_hint(path, head)
    if json_hint:
        return json_hint
    return _other_kind(path, shops)


def missing(path: Path) -> str:
    """The sentence for a path given to ``import`` that is not a readable file."""
    return unrecognised(path) or "is not a regular file; give the path of an exported file"


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return b""


def _json_hint(path: Path, head: bytes) -> str | None:
    """Truncated or wrapped JSON; None for a valid payload or a file that is not JSON."""
    if not head.startswith((b"{", b"[")):
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc.rstrip()) - 1:
            return (
                f"is JSON cut short (it ends at line {exc.lineno} without closing what it "
                "opened): the download was interrupted; fetch or download it again"
            )
        return (
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "download it again rather than editing it by hand"
        )
    if isinstance(document, dict) and set(document) <= {"data", "meta", "status", "success"}:
        inner = document.get("data")
        if isinstance(inner, dict | list):
            return (
                'wraps its payload in {"data": ...}, as the tool that saved it does; save '
                "the value of data alone (e.g. jq .data "
                f"{path.name} > {path.stem}-data.json) and import that file"
            )
    return None


# -- what kind of source would take it ---------------------------------------------------


def _other_kind(path: Path, shops: Sequence[tuple[str, str]]) -> str | None:
    """An importer of a kind not configured that recognises the file, and its block."""
    for kind, block in _candidates(path, shops):
        return (
            f"is {_a(kind)} {kind}, but {CONFIG_NAME} configures no source that takes it; "
            f"paste this into {CONFIG_NAME}, adjust the names and accounts, and import "
            "again:\n\n"
            f"{block}"
        )
    return None


def _candidates(path: Path, shops: Sequence[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    """(what the file is, ecomledger.toml block) for each kind that recognises ``path``."""
    yield from _bank_candidates(path)
    yield from _shop_candidates(path, shops)
    yield from _processor_candidates(path)


def _bank_candidates(path: Path) -> Iterable[tuple[str, str]]:
    from ecomledger.importers import registry

    for name, cls in registry.BANK_FORMATS.items():
        if name == "csv":  # the generic layout needs a description first
            continue
        try:
            ok = cls.sniff(str(path)).ok
        except Exception:  # a sniffer must never hide the real refusal
            ok = False
        if ok:
            yield f"{_FORMAT_TITLES.get(name, name)} bank statement", bank_block(name)
            return


_FORMAT_TITLES = {
    "camt053": "CAMT.053",
    "ofx": "OFX",
    "mt940": "MT940",
    "cfonb120": "CFONB 120",
    "qonto": "Qonto",
    "revolut": "Revolut Business",
    "shine": "Shine",
}


def bank_block(fmt: str, currency: str = "EUR") -> str:
    """The ``[[banks]]`` entry for a statement in format ``fmt``."""
    return (
        "[[banks]]\n"
        f'name = "{_slug(fmt)}"\n'
        f'format = "{fmt}"\n'
        f'account = "Assets:Bank:{_camel(fmt)}"\n'
        f'currency = "{currency}"\n'
    )


def _shop_candidates(path: Path, shops: Sequence[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    from ecomledger.booking import SaleContext
    from ecomledger.importers._orders import envelope_shop
    from ecomledger.importers.platforms import ORDER_IMPORTERS

    named = envelope_shop(str(path))
    for platform, cls in ORDER_IMPORTERS.items():
        sale = SaleContext(
            shop=named or platform,
            channel=platform,
            clearing_account=f"Assets:Clearing:{_camel(platform)}",
        )
        try:
            ok = cls(sale, None).identify(str(path))
        except Exception:
            ok = False
        if not ok:
            continue
        same = [name for kind, name in shops if kind == platform]
        title = f"{_PLATFORM_TITLES.get(platform, platform)} payload"
        if named and same:
            yield (
                f"{title} file fetched for the shop {named!r}",
                f"# ecomledger.toml names its {platform} shop(s) {', '.join(same)}: rename "
                f'the one this file belongs to name = "{named}", or add:\n'
                + shop_block(platform, named),
            )
        else:
            yield title, shop_block(platform, named or f"my-{platform}-shop")
        return


_PLATFORM_TITLES = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "prestashop": "PrestaShop",
    "magento": "Magento",
    "bigcommerce": "BigCommerce",
    "square": "Square",
    "wix": "Wix",
    "amazon": "Amazon SP-API",
}


def _a(words: str) -> str:
    """The article before ``words``: "an OFX bank statement", "a Qonto bank statement"."""
    return "an" if words[:1].upper() in "AEIOU" or words.startswith(("MT9", "SP")) else "a"


def shop_block(platform: str, name: str) -> str:
    """The ``[[shops]]`` entry of a shop on ``platform``."""
    return (
        "[[shops]]\n"
        f'name = "{_slug(name)}"\n'
        f'platform = "{platform}"\n'
        f'# url = "https://..."            # for ecomledger fetch\n'
        f'# token_env = "{platform.upper()}_TOKEN"\n'
    )


def _processor_candidates(path: Path) -> Iterable[tuple[str, str]]:
    from ecomledger.booking import SaleContext
    from ecomledger.importers import processors
    from ecomledger.importers._orders import PayoutContext
    from ecomledger.importers.platforms import PROCESSOR_IMPORTERS

    for kind, cls in PROCESSOR_IMPORTERS.items():  # payloads `ecomledger fetch` saves
        account = f"Assets:Clearing:{_camel(kind)}"
        sale = SaleContext(shop=kind, channel=kind, clearing_account=account)
        payout = PayoutContext(kind, account, f"Expenses:Fees:{_camel(kind)}")
        try:
            ok = cls(sale, payout).identify(str(path))
        except Exception:
            ok = False
        if ok:
            yield f"{_PROCESSOR_TITLES.get(kind, kind)} payload", processor_block(kind)
            return

    for kind in processors.PROCESSOR_FORMATS:
        try:
            importer = processors.build(
                kind,
                kind.replace("_", "-"),
                f"Assets:Clearing:{_camel(kind)}",
                f"Expenses:Fees:{_camel(kind)}",
            )
            ok = importer.identify(str(path))
        except Exception:
            ok = False
        if not ok:
            continue
        if kind == "shopify_csv":
            yield "Shopify orders export (CSV)", shop_block("shopify", "my-shopify-shop")
        else:
            yield f"{_PROCESSOR_TITLES.get(kind, kind)} statement", processor_block(kind)
        return


_PROCESSOR_TITLES = {
    "paypal": "PayPal",
    "stripe": "Stripe",
    "sumup": "SumUp",
    "amazon": "Amazon settlement",
    "ebay": "eBay",
}


def processor_block(kind: str) -> str:
    """The ``[[processors]]`` entry of a processor of ``kind``."""
    return (
        "[[processors]]\n"
        f'name = "{_slug(kind)}"\n'
        f'kind = "{kind}"\n'
        f'account = "Assets:Clearing:{_camel(kind)}"\n'
        f'fees_account = "Expenses:Fees:{_camel(kind)}"\n'
    )


# -- several accounts in one statement -----------------------------------------------------


def accounts_block(base_account: str, identifiers: Sequence[str]) -> str:
    """The ``accounts`` line to paste under a ``[[banks]]`` entry: one Beancount account
    per bank account identifier (IBAN, ``:25:`` value, account number) of a statement,
    named by the identifier's last characters (as few as keep the names apart)."""
    idents = sorted(set(identifiers))
    suffixes = _suffixes(idents)
    pairs = ", ".join(f'"{i}" = "{base_account}:{suffixes[i]}"' for i in idents)
    return f"accounts = {{ {pairs} }}"


def _suffixes(idents: Sequence[str]) -> dict[str, str]:
    cleaned = {i: re.sub(r"[^A-Za-z0-9]", "", i).upper() or "X" for i in idents}
    longest = max((len(c) for c in cleaned.values()), default=4)
    for size in range(4, longest + 1):
        tails = {i: c[-size:] for i, c in cleaned.items()}
        if len(set(tails.values())) == len(tails):
            break
    else:
        tails = {i: f"{c}-{n}" for n, (i, c) in enumerate(cleaned.items(), 1)}
    return {i: t if t[0].isalnum() else f"A{t}" for i, t in tails.items()}


# -- a shop selling in another currency -------------------------------------------------------


def note_foreign_currency(
    importer: object, path: Path, entries: Sequence[object], company_currency: str
) -> None:
    """State a shop's file whose sales are in another currency than the company's books.

    The entries keep the file's own figures (as every import does), but USD revenue and VAT
    in EUR books add up to nothing in the company's reports and VAT returns, so the import
    never passes over it in silence: a finding names the shop, the currencies and the two
    ways to fix it. A shop selling in other currencies to its customers is fine: what is
    booked is the shop's own currency (Shopify's ``shop_money``).
    """
    from beancount.core import data

    from ecomledger.importers._orders import OrderImporter
    from ecomledger.importers.platforms import ORDER_IMPORTERS

    if not isinstance(importer, OrderImporter) or importer.sale.channel not in ORDER_IMPORTERS:
        return
    found = {
        posting.units.currency
        for entry in entries
        if isinstance(entry, data.Transaction)
        for posting in entry.postings
        if posting.account.startswith("Income:") and posting.units is not None
    }
    message = foreign_currency(importer.sale.shop, found, company_currency)
    if message:
        importer.findings.setdefault(str(path), []).insert(0, f"{path.name}: {message}")


def foreign_currency(shop: str, found: Iterable[str], company_currency: str) -> str | None:
    """The sentence for a shop whose orders are in another currency than the books'."""
    others = sorted(set(found) - {company_currency})
    if not others:
        return None
    return (
        f"the orders of shop {shop!r} are in {', '.join(others)} but the company keeps its "
        f"books in {company_currency} ([company] currency in {CONFIG_NAME}): they are "
        f"booked in {others[0]} as the file gives them, outside the company's {company_currency} "
        f"figures; set the shop's store currency to {company_currency} on the platform, or, "
        f'if these books really are kept in {others[0]}, set currency = "{others[0]}" under '
        "[company]"
    )


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "source"
