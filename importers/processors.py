"""Which processor and marketplace file formats exist, by the ``kind`` the configuration uses.

``[[processors]] kind = "stripe"`` names a format here; :func:`build` makes its importer
from the processor's settings so that ``ecomledger import`` can recognise the files a
merchant downloads (statements, settlements, order exports) beside the bank statements.

Every kind but ``shopify_csv`` is a processor statement (:mod:`._processor`: movements on
the clearing account). ``shopify_csv`` is an *order* export: it books invoices through
:class:`._orders.OrderImporter` (``name`` is then the shop's name, ``clearing_account``
where its customers' money waits, and ``fees_account``/``sales_from_orders`` do not apply).
"""

from __future__ import annotations

from typing import Any

import beangulp

from ecomledger.booking import SaleContext
from ecomledger.errors import ConfigError
from ecomledger.importers import amazon_settlement, ebay, paypal, shopify_csv, stripe_csv, sumup
from ecomledger.importers._orders import PayoutContext

#: Processor ``kind`` → importer class.
PROCESSOR_FORMATS: dict[str, type] = {
    "paypal": paypal.Importer,
    "stripe": stripe_csv.Importer,
    "sumup": sumup.Importer,
    "amazon": amazon_settlement.Importer,
    "ebay": ebay.Importer,
    "shopify_csv": shopify_csv.Importer,
}


def build(
    kind: str,
    name: str,
    clearing_account: str,
    fees_account: str,
    currency: str = "EUR",
    sales_from_orders: bool = False,
    timezone: str = "Europe/Paris",
    **options: Any,
) -> beangulp.Importer:
    """Make the importer of a configured processor.

    Args:
        kind: a key of :data:`PROCESSOR_FORMATS`.
        options: format-specific keywords (``supplier_country``, ``home_country``,
            ``report_timezone`` for Stripe).

    Raises:
        ConfigError: the kind is unknown.
    """
    cls = PROCESSOR_FORMATS.get(kind)
    if cls is None:
        known = ", ".join(sorted(PROCESSOR_FORMATS))
        raise ConfigError(f"processor {name!r}: no file importer for kind {kind!r}; known: {known}")
    if cls is shopify_csv.Importer:
        sale = SaleContext(
            shop=name, channel="shopify", clearing_account=clearing_account, timezone=timezone
        )
        payouts = PayoutContext(name, clearing_account, fees_account)
        importer: beangulp.Importer = cls(sale, payouts)
        return importer
    importer = cls(
        name,
        clearing_account,
        fees_account,
        currency,
        sales_from_orders,
        timezone=timezone,
        **options,
    )
    return importer
