"""Amazon Selling Partner API responses: recognised so that they are refused by name.

Amazon's money (sales, fees, refunds, the transfer to the bank) is booked from the
settlement report (``GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2``, see
:mod:`.amazon_settlement`). SP-API order and financial-event responses describe the same
sales without the settlement that pays them, and the copies that circulate as test data are
Amazon's *sandbox* static responses (placeholder values, purchase dates in 1970), often
wrapped by an integration's test harness (``{"get_orders_200": {"status": 200, "json":
{...}}}``). Importing either would invent sales; without this importer such a file would
only meet "no configured importer recognises this file", which does not say what to do.

Registered as the order importer of ``platform = "amazon"`` shops
(:data:`ecomledger.importers.platforms.ORDER_IMPORTERS`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecomledger.errors import InputError
from ecomledger.importers._orders import OrderImporter, Records
from ecomledger.importers._payload import envelope_platform, load_json

#: Keys of an SP-API ``payload`` that say which operation answered.
_PAYLOAD_KEYS = frozenset({"Orders", "OrderItems", "FinancialEvents", "AmazonOrderId"})


def _payload(node: Any) -> dict[str, Any] | None:
    """The ``payload`` object of an SP-API response body, if ``node`` is one."""
    if isinstance(node, dict) and isinstance(node.get("payload"), dict):
        payload: dict[str, Any] = node["payload"]
        if _PAYLOAD_KEYS & payload.keys():
            return payload
    return None


def _harness(document: Any) -> bool:
    """A test harness's map of canned responses: ``{"<operation>_200": {"status", "json"}}``."""
    return (
        isinstance(document, dict)
        and bool(document)
        and all(
            isinstance(value, dict) and {"status", "json"} <= value.keys()
            for value in document.values()
        )
        and any(_payload(value["json"]) is not None for value in document.values())
    )


def is_spapi(document: Any) -> bool:
    """An SP-API response body, or a harness of canned SP-API responses."""
    return _payload(document) is not None or _harness(document)


class Importer(OrderImporter):
    """Recognises SP-API JSON and refuses it, naming the settlement report to use instead."""

    platform = "amazon"

    def identify(self, filepath: str) -> bool:
        """Recognise SP-API JSON (never an ``ecomledger fetch`` envelope: none exists yet)."""
        if not filepath.lower().endswith(".json") or envelope_platform(filepath) is not None:
            return False
        try:
            return is_spapi(load_json(filepath))
        except InputError:
            return False

    def records(self, filepath: str) -> Iterator[Records]:
        """Refuse the file: it is not a settlement and, as a sandbox response, not real."""
        document = load_json(filepath)
        what = (
            "a test harness of Amazon SP-API sandbox responses (placeholder orders, purchase "
            "dates in 1970, no real seller)"
            if _harness(document)
            else "an Amazon SP-API response (orders or financial events, not a settlement)"
        )
        raise InputError(
            filepath,
            0,
            f"is {what}; it moved no money and is not booked: import the settlement report "
            "(GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) for Amazon sales, fees and payouts",
        )
        yield  # pragma: no cover - makes this a generator like every importer's records


__all__ = ["Importer", "is_spapi"]
