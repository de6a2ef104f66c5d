"""Jinja2 templates and stylesheets (package data)."""
