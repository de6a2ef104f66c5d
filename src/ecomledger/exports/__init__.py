"""Exports for the tax administration and other accounting software (FEC, journals)."""
