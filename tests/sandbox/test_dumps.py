"""The sandbox's JSON encoder writes every dialect's objects exactly as a plain recursive
encoder does: ``Decimal`` digit for digit as a number, no spaces, text unescaped.

`dialects.dumps` runs the C encoder and unmarks the decimals (it encodes megabytes per
benchmark fetch); this is the slow, obvious encoder it must agree with, byte for byte.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ecomledger.sandbox import dialects
from ecomledger.sandbox.data import generate


def _reference(value: Any) -> str:
    if isinstance(value, dict):
        return (
            "{" + ",".join(f"{json.dumps(str(k))}:{_reference(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(_reference(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return json.dumps(value, ensure_ascii=False)


def test_dumps_matches_the_plain_encoder_on_every_dialect() -> None:
    data = generate(11, 150, payout_events=True)
    bodies: list[Any] = [
        dialects.stripe_balance_txns(data),
        dialects.stripe_payouts(data),
        [dialects.shopify_payout(p) for p in data.payouts],
        [dialects.shopify_balance_txn(t, p) for p in data.payouts for t in p.transactions],
    ]
    for order in data.orders:
        bodies += [
            dialects.shopify_order(order),
            dialects.shopify_order_transactions(order),
            dialects.woo_order(order),
            dialects.presta_order(order),
            dialects.magento_order(order),
            dialects.bigcommerce_order(order, "http://127.0.0.1:1/stores/x"),
            dialects.square_order(order, "L1"),
            dialects.wix_order(order),
            *(dialects.woo_refund(order, r) for r in order.refunds),
            *(dialects.magento_creditmemo(order, r) for r in order.refunds),
        ]
    for body in bodies:
        assert dialects.dumps(body) == _reference(body)
    assert dialects.dumps({"a": Decimal("-0.20"), "b": [Decimal("1E+2"), "é\x00"]}) == (
        _reference({"a": Decimal("-0.20"), "b": [Decimal("1E+2"), "é\x00"]})
    )
