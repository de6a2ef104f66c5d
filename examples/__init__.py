"""Sample books: the demo shop that `ecomledger demo` starts from (package data)."""
