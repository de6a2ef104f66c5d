"""Beangulp importers: a file path in, Beancount entries out."""
