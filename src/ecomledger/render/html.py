"""HTML: one self-contained page per report (jinja2, inline CSS and SVG, no network).

The page is ``templates/reports/page.html.j2`` around ``body.html.j2``; the Fava extension
renders the same ``body.html.j2`` inside Fava's layout, so both show the same thing. The
stylesheet is inlined and scoped under ``.ecl-report`` (it must not restyle Fava), charts
are SVG drawn by :mod:`ecomledger.render.charts`, and the page prints on A4.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from ecomledger import __version__
from ecomledger.render.cells import display, is_numeric
from ecomledger.render.charts import render_chart
from ecomledger.reports.model import ReportView


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The report templates (package ``ecomledger.templates``, folder ``reports``)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecomledger.templates", "reports"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = display
    env.filters["chart"] = render_chart
    env.tests["numeric"] = is_numeric
    return env


def stylesheet() -> Markup:
    """The report stylesheet, to inline in a ``<style>`` element."""
    source = environment().loader
    assert source is not None
    text, _, _ = source.get_source(environment(), "report.css")
    return Markup(text)  # our own package file, not data


def render_body(view: ReportView, *, links: dict[str, str] | None = None) -> Markup:
    """The report's content (title, charts, tables, notes) without the page around it."""
    template = environment().get_template("body.html.j2")
    return Markup(template.render(view=view, style=stylesheet(), links=links or {}))


def render_html(view: ReportView) -> str:
    """A whole, self-contained HTML page for ``view``."""
    template = environment().get_template("page.html.j2")
    return template.render(
        view=view,
        body=render_body(view),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )


def render_index(company: str, pages: list[tuple[str, str, Path]]) -> str:
    """A page linking to report pages written beside it: (title, summary, path) each."""
    template = environment().get_template("index.html.j2")
    return template.render(
        company=company,
        pages=[(title, summary, path.name) for title, summary, path in pages],
        style=stylesheet(),
        version=__version__,
    )
