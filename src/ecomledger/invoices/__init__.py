"""Invoices and credit notes read from the books, rendered to PDF and Factur-X."""
