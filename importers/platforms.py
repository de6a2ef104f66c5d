"""Which importer reads which platform's payloads: the tables ``ecomledger.ingest`` uses.

Kept apart from the importers so that adding a platform is one module plus one line here,
and so that ingest never imports a platform by name.

``ORDER_IMPORTERS`` maps the ``platform`` of a ``[[shops]]`` entry to its importer;
``PROCESSOR_IMPORTERS`` maps a ``[[processors]]`` ``kind`` whose API ``ecomledger fetch``
saves (Stripe) to its importer, built like an order importer: a ``SaleContext`` whose
``clearing_account`` is the processor's account, and a ``PayoutContext``.
"""

from __future__ import annotations

from ecomledger.importers import (
    amazon_spapi,
    bigcommerce,
    magento,
    prestashop,
    shopify,
    square,
    stripe_json,
    wix,
    woocommerce,
)
from ecomledger.importers._orders import OrderImporter

ORDER_IMPORTERS: dict[str, type[OrderImporter]] = {
    "shopify": shopify.Importer,
    "woocommerce": woocommerce.Importer,
    "prestashop": prestashop.Importer,
    "magento": magento.Importer,
    "bigcommerce": bigcommerce.Importer,
    "square": square.Importer,
    "wix": wix.Importer,
    "amazon": amazon_spapi.Importer,  # recognises SP-API sandbox files only to refuse them
}

PROCESSOR_IMPORTERS: dict[str, type[OrderImporter]] = {
    "stripe": stripe_json.Importer,
}

__all__ = ["ORDER_IMPORTERS", "PROCESSOR_IMPORTERS"]
