"""The Fava extension: the reports inside Fava, through the same data and templates.

``main.beancount`` declares it (``ecomledger init`` writes the line)::

    2000-01-01 custom "fava-extension" "ecomledger.fava_ext"

Its page, "Reports" in Fava's sidebar, builds the very :class:`ReportView` the command line
builds (:func:`ecomledger.reports.runner.build_report`) from the entries Fava has loaded,
and renders it with the same ``body.html.j2`` as the HTML page. Query parameters mirror the
command line: ``?report=pnl&period=2026-Q1&compare=previous&detail=1``; Fava's own time
filter (``time=``) stands for ``period`` when that is absent. Nothing here writes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from fava.ext import FavaExtensionBase
from markupsafe import Markup

from ecomledger.books import Books
from ecomledger.config import CONFIG_NAME, load_config
from ecomledger.errors import UserError
from ecomledger.render.html import render_body
from ecomledger.reports import available
from ecomledger.reports.runner import build_report

#: The report a bare visit shows.
DEFAULT_REPORT = "pnl"


class EcomledgerReports(FavaExtensionBase):
    """ecomledger's reports as a Fava report page."""

    report_title = "Reports"

    @property
    def extension_dir(self) -> Path:
        """Templates live with the others, in ``ecomledger.templates`` (``fava/templates``)."""
        return Path(str(resources.files("ecomledger.templates").joinpath("fava")))

    def books(self) -> Books:
        """The books as Fava loaded them, with ecomledger.toml from beside main.beancount."""
        folder = Path(self.ledger.beancount_file_path).parent
        return Books(
            path=folder,
            config=load_config(folder / CONFIG_NAME),
            entries=list(self.ledger.all_entries),  # type: ignore[arg-type]
            errors=list(self.ledger.errors),
            options=dict(self.ledger.options),
        )

    def page(self, args: dict[str, str]) -> Markup:
        """The report named in ``args`` (the query string), or the error in one sentence."""
        name = args.get("report") or DEFAULT_REPORT
        period = args.get("period") or args.get("time") or None
        compare = args.get("compare") or None
        detail = args.get("detail") in ("1", "true", "on")
        try:
            _, view = build_report(
                self.books(), name, period=period, compare=compare, detail=detail
            )
        except UserError as exc:
            return Markup('<div class="ecl-report"><p class="ecl-error">{}</p>{}</div>').format(
                exc, self.menu(args)
            )
        return render_body(view, links=self.links(args))

    def links(self, args: dict[str, str]) -> dict[str, str]:
        """One link per report, keeping the period, comparison and detail chosen."""
        keep = {k: v for k, v in args.items() if k in ("period", "time", "compare", "detail") and v}
        return {
            module.NAME: "?" + urlencode({"report": module.NAME, **keep}) for module in available()
        }

    def menu(self, args: dict[str, str]) -> Markup:
        """The links as an HTML list (shown beside an error)."""
        items = Markup("").join(
            Markup('<a href="{}">{}</a> ').format(href, label)
            for label, href in self.links(args).items()
        )
        return Markup('<nav class="ecl-nav">{}</nav>').format(items)
