"""Beancount plugins enforcing VAT, invoice numbering and stock valuation."""
