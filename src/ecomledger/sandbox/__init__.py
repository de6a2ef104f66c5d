"""A sandbox shop server on 127.0.0.1 speaking each platform's dialect.

``with SandboxServer(seed=1) as srv: srv.url`` in tests; `serve` for ``ecomledger sandbox``.
"""

from ecomledger.sandbox.server import (
    LOCATION_ID,
    SITE_ID,
    SQUARE_VERSION,
    STORE_HASH,
    TOKEN,
    WOO_KEY,
    WOO_SECRET,
    Faults,
    SandboxServer,
    serve,
)

__all__ = [
    "LOCATION_ID",
    "SITE_ID",
    "SQUARE_VERSION",
    "STORE_HASH",
    "TOKEN",
    "WOO_KEY",
    "WOO_SECRET",
    "Faults",
    "SandboxServer",
    "serve",
]
