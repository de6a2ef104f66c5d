"""Entry point for ``python -m ecomledger``."""

from ecomledger.cli import main

if __name__ == "__main__":
    main()
