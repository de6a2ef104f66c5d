"""Reports computed from the loaded books: one module per report, plain data first."""
