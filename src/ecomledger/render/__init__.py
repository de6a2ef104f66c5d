"""Renderers: a ReportView into a terminal table, CSV, JSON, xlsx or HTML."""
