"""ecomledger: plain-text accounting for online merchants over Beancount v3 books."""

__version__ = "0.1.0"
