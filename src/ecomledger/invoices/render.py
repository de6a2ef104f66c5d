"""Render invoices and credit notes from the books to Factur-X PDFs, all or nothing.

For each document asked for: read it from the books (``document``), build its EN 16931 XML
(``facturx``), validate it offline (``validate``: XSD + schematron), check the XML's totals
against the books' transaction, lay out the PDF with the XML embedded (``pdf``). Only when every
document passed is anything written, each file through a temporary file and a rename.

A manifest beside the PDFs (``.ecomledger-invoices.json``) records, per file, the invoice,
the fingerprint of its books entry, the fingerprint of everything else its bytes depend on
(language, template, seller data, library versions) and the file's sha256. Rendering again
lays out only what may have changed and writes nothing for a file whose bytes would not
change (they are deterministic: see ``pdf.render_pdf``); a file whose books entry changed
since it was rendered is *reported and kept* (an issued invoice is corrected by a credit
note, not rewritten), as is a file that would now render differently (template or seller
details changed) unless ``force`` is given.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from beancount.core import data

from ecomledger.books import Books
from ecomledger.evidence import with_orders
from ecomledger.invoices import facturx, pdf, validate
from ecomledger.invoices.document import (
    Document,
    InvoiceError,
    books_totals,
    build_document,
    check_totals,
    index_entries,
    seller_problem,
)
from ecomledger.invoices.labels import Lang
from ecomledger.periods import Period

MANIFEST = ".ecomledger-invoices.json"
Status = Literal["written", "unchanged", "changed", "differs"]


@dataclass
class Outcome:
    """What happened to one file."""

    number: str
    path: Path
    status: Status
    message: str = ""


@dataclass
class RenderReport:
    """Every file of a run, by what happened to it."""

    outcomes: list[Outcome] = field(default_factory=list)

    def of(self, status: Status) -> list[Outcome]:
        """The outcomes with ``status``."""
        return [o for o in self.outcomes if o.status == status]

    @property
    def folders(self) -> list[Path]:
        """The folders the files are in."""
        return sorted({o.path.parent for o in self.outcomes})

    @property
    def needs_attention(self) -> bool:
        """Some files were kept although the books or the rendering changed."""
        return any(o.status in ("changed", "differs") for o in self.outcomes)


@dataclass(frozen=True)
class Rendered:
    """One document ready to write."""

    document: Document
    filename: str
    content: bytes
    inputs: str = ""  # fingerprint of everything the bytes depend on


def select(
    books: Books, numbers: Sequence[str] = (), period: Period | None = None
) -> list[data.Transaction]:
    """The invoice and credit-note entries asked for, in the books' order.

    Raises:
        InvoiceError: an unknown number, or a period without any invoice.
    """
    index = index_entries(with_orders(books.path, books.entries))  # summaries' orders too
    if numbers:
        missing = [n for n in numbers if n not in index]
        if missing:
            ranged = _in_a_range(books.entries, missing[0])
            hint = (
                f"it is booked in the summary entry {ranged}, which holds no lines to print"
                if ranged
                else "run 'ecomledger invoice render --period YEAR' to render what the books hold"
            )
            raise InvoiceError(f"no invoice or credit note numbered {missing[0]!r}: {hint}")
        chosen = [index[n] for n in dict.fromkeys(numbers)]
    else:
        chosen = list(index.values())
    if period is not None:
        chosen = [e for e in chosen if e.date in period]
        if not chosen:
            raise InvoiceError(
                f"no invoice or credit note is dated within {period}; choose another --period"
            )
    if not chosen:
        raise InvoiceError(
            "the books hold no invoice or credit note yet; import orders first ('ecomledger "
            "import')"
        )
    return chosen


def _in_a_range(entries: Iterable[data.Directive], number: str) -> str:
    for entry in entries:
        meta = getattr(entry, "meta", None) or {}
        value = str(meta.get("invoice_range") or meta.get("credit_note_range") or "")
        if ".." in value:
            first, last = value.split("..", 1)
            if first <= number <= last and len(first) == len(number):
                return value
    return ""


def file_name(number: str, lang: Lang) -> str:
    """``F-2026-000001.fr.pdf`` (a ``/`` of the number becomes ``-``)."""
    return f"{number.replace('/', '-')}.{lang}.pdf"


def prepare(entry: data.Transaction, books: Books, index: dict[str, data.Transaction]) -> Document:
    """Read one entry as a document, refusing it when the seller data it needs is missing."""
    company = books.config.company
    document = build_document(entry, company, company.fiscal_year(entry.date), index, books.path)
    problem = seller_problem(company, b2b=document.b2b)
    if problem:
        raise InvoiceError(problem)
    return document


def produce(
    document: Document, lang: Lang, template_dir: Path | None = None, logo: str = ""
) -> tuple[bytes, bytes]:
    """Build and validate the XML, lay out the PDF, embed: ``(xml, pdf)`` (nothing written).

    Pure in its arguments (all picklable), so worker processes can run it.

    Raises:
        InvoiceError: a failed EN 16931 rule, a broken template.
    """
    xml = facturx.build_xml(document, lang)
    failed = validate.failures(xml)
    if failed:
        first = failed[0]
        raise InvoiceError(
            f"{document.number} ({document.source}): its Factur-X fails EN 16931 rule "
            f"{first.rule} ({first.text}); nothing was written, fix the entry or report it"
        )
    html = pdf.render_html(document, lang, template_dir, logo=logo)
    return xml, pdf.render_pdf(html, document, xml, lang, template_dir)


def finish(
    document: Document,
    entry: data.Transaction,
    xml: bytes,
    content: bytes,
    lang: Lang,
    inputs: str = "",
) -> Rendered:
    """Check the XML's totals against the books' entry; the file is ready to write.

    Raises:
        InvoiceError: a total differs; names the invoice and both figures.
    """
    check_totals(
        document.number,
        document.source,
        facturx.read_totals(xml),
        books_totals(entry),
        document.currency,
    )
    return Rendered(document, file_name(document.number, lang), content, inputs)


def render_one(
    entry: data.Transaction,
    books: Books,
    index: dict[str, data.Transaction],
    lang: Lang,
    template_dir: Path | None = None,
) -> Rendered:
    """Build, validate, check and lay out one document (nothing written)."""
    document = prepare(entry, books, index)
    xml, content = produce(document, lang, template_dir, _logo(books))
    return finish(document, entry, xml, content, lang)


def _logo(books: Books) -> str:
    logo = books.config.company.logo
    if not logo:
        return ""
    path = (books.path / logo).resolve()
    if not path.is_file():
        raise InvoiceError(
            f"ecomledger.toml: company.logo names {logo}, which is not a file in {books.path}; "
            "fix the path or remove the key"
        )
    return path.as_uri()


def render(
    books: Books,
    numbers: Sequence[str] = (),
    period: Period | None = None,
    lang: Lang = "fr",
    output: Path | None = None,
    *,
    force: bool = False,
    template_dir: Path | None = None,
    workers: int | None = None,
) -> RenderReport:
    """Render the documents asked for and write those that are new; see the module doc.

    A file whose manifest entry records the same inputs (books entry, language, template,
    seller data, library versions) and whose bytes are still those recorded is not laid out
    again: the same inputs give the same bytes. ``workers``: processes laying PDFs out
    (default: one per CPU for large runs).
    """
    entries = select(books, numbers, period)
    template_dir = template_dir or pdf.template_dir()
    company = books.config.company
    for year in sorted({company.fiscal_year(e.date) for e in entries}):
        check_folder(output or books.path / "invoices" / str(year))
    index = index_entries(with_orders(books.path, books.entries))
    logo = _logo(books)
    salt = _salt(books, lang, template_dir, logo)
    report = RenderReport()
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    todo: list[tuple[Document, data.Transaction, str]] = []
    for entry in entries:
        document = prepare(entry, books, index)
        folder = output or books.path / "invoices" / str(document.fiscal_year)
        manifest = manifests.setdefault(folder, _read_manifest(folder))
        name = file_name(document.number, lang)
        inputs = hashlib.sha256(f"{salt}:{document.source_hash}".encode()).hexdigest()
        early = None if force else _settled(document, folder / name, manifest.get(name), inputs)
        if early is not None:
            report.outcomes.append(early)
        else:
            todo.append((document, entry, inputs))
    workers = _workers(len(todo)) if workers is None else workers
    documents = [document for document, _, _ in todo]
    with layout_gc():
        if workers > 1:
            produced = _produce_in_pool(documents, lang, template_dir, logo, workers)
        else:
            produced = [produce(d, lang, template_dir, logo) for d in documents]
    ready = [
        finish(document, entry, xml, content, lang, inputs)
        for (document, entry, inputs), (xml, content) in zip(todo, produced, strict=True)
    ]
    return write(ready, books.path, output, force=force, report=report, manifests=manifests)


def _salt(books: Books, lang: Lang, template_dir: Path | None, logo: str) -> str:
    """What, besides the books entry, decides a document's bytes."""
    from importlib.metadata import version

    folder = template_dir or pdf.template_dir()
    parts = [
        lang,
        books.config.company.model_dump_json(),
        *(version(name) for name in ("ecomledger", "weasyprint", "factur-x", "pypdf")),
    ]
    for path in sorted(folder.iterdir()):
        if path.is_file():
            parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    if logo:
        parts.append(hashlib.sha256(Path(logo.removeprefix("file://")).read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _settled(
    document: Document, path: Path, recorded: dict[str, str] | None, inputs: str
) -> Outcome | None:
    """The outcome known without laying the document out, if any."""
    if recorded is None or not path.is_file():
        return None
    if recorded.get("source") != document.source_hash:
        return _changed(document, path)
    if recorded.get("inputs") == inputs and recorded.get("sha256") == _sha256(path):
        return Outcome(document.number, path, "unchanged")
    return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _changed(document: Document, path: Path) -> Outcome:
    return Outcome(
        document.number,
        path,
        "changed",
        f"{document.number}: its books entry ({document.source}) changed since {path} was "
        "rendered; the file is kept as issued: correct it with a credit note, or pass "
        "--force to replace it",
    )


#: The cyclic collector's first threshold while documents are laid out (Python's: 700 new
#: objects). weasyprint's layout makes container objects by the thousand, nearly all freed by
#: reference counting: at 700 the collector ran some six times a page, finding little.
LAYOUT_GC_THRESHOLD = 50_000


@contextlib.contextmanager
def layout_gc() -> Iterator[None]:
    """Collect cycles rarely, and never among what is already alive, for the block.

    What is alive on entry (the books, the libraries) is frozen (:func:`gc.freeze`): the
    collections of the block scan only the pages' objects, and a forked worker, which inherits
    the freeze and the threshold, does not write to (so copy) its parent's memory by scanning
    it. Together about a twentieth of a page's CPU time. On exit the threshold is restored and
    the objects thawed, unless some were frozen before (by a caller with its own reasons).
    """
    threshold = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(LAYOUT_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen_before:
            gc.unfreeze()


def _start_worker() -> None:
    """A spawned worker starts afresh: the same collector settings as a forked one."""
    gc.freeze()
    gc.set_threshold(LAYOUT_GC_THRESHOLD, *gc.get_threshold()[1:])


#: Below this many documents, starting worker processes (each compiles the schematron, about
#: a second) costs more than it saves.
POOL_THRESHOLD = 24


def _workers(count: int) -> int:
    if count < POOL_THRESHOLD:
        return 1
    return max(1, min(os.cpu_count() or 1, count // (POOL_THRESHOLD // 2)))


def _produce_in_pool(
    documents: Sequence[Document], lang: Lang, template_dir: Path | None, logo: str, workers: int
) -> list[tuple[bytes, bytes]]:
    """Run :func:`produce` in ``workers`` processes (weasyprint's layout is pure Python)."""
    context = _pool_context(template_dir)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        jobs = [pool.submit(produce, d, lang, template_dir, logo) for d in documents]
        return [job.result() for job in jobs]


def _pool_context(template_dir: Path | None) -> multiprocessing.context.BaseContext:
    """Fork workers from a parent with weasyprint loaded, when that is safe; else spawn them.

    A spawned worker imports weasyprint and parses the stylesheets again (over half a second
    of CPU each). Forking shares what the parent loaded, but is safe only from a process with
    a single thread and no Saxon yet (its runtime has threads of its own): each worker then
    compiles the schematron itself.
    """
    if (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not validate.started()
    ):
        pdf.preload(template_dir)
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def write(
    ready: Sequence[Rendered],
    books_dir: Path,
    output: Path | None,
    *,
    force: bool = False,
    report: RenderReport | None = None,
    manifests: dict[Path, dict[str, dict[str, str]]] | None = None,
) -> RenderReport:
    """Write the rendered files (all or nothing) and their manifests."""
    report = report if report is not None else RenderReport()
    manifests = manifests if manifests is not None else {}
    touched: dict[Path, list[tuple[Path, bytes]]] = {}
    for item in ready:
        folder = output or books_dir / "invoices" / str(item.document.fiscal_year)
        manifest = manifests.setdefault(folder, _read_manifest(folder))
        files = touched.setdefault(folder, [])
        path = folder / item.filename
        outcome = _decide(item, path, manifest.get(item.filename), force=force)
        report.outcomes.append(outcome)
        if outcome.status in ("written", "unchanged"):
            manifest[item.filename] = {
                "number": item.document.number,
                "source": item.document.source_hash,
                "inputs": item.inputs,
                "sha256": hashlib.sha256(item.content).hexdigest(),
            }
        if outcome.status == "written":
            files.append((path, item.content))
    _commit([(folder, manifests[folder], files) for folder, files in touched.items()])
    return report


def _decide(item: Rendered, path: Path, recorded: dict[str, str] | None, *, force: bool) -> Outcome:
    number = item.document.number
    if not path.exists():
        return Outcome(number, path, "written")
    if path.read_bytes() == item.content:
        return Outcome(number, path, "unchanged")
    if force:
        return Outcome(number, path, "written", "rewritten (--force)")
    if recorded is None or recorded.get("source") != item.document.source_hash:
        return _changed(item.document, path)
    return Outcome(
        number,
        path,
        "differs",
        f"{number}: {path} would now render differently (template or seller details changed); "
        "kept as issued, pass --force to replace it",
    )


def check_folder(folder: Path) -> None:
    """Refuse, before any work, a folder that cannot be created or written to.

    Raises:
        InvoiceError: naming the folder and the fix.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InvoiceError(
            f"cannot write invoices to {folder}: {existing} is a file, not a folder; choose "
            "another --output"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InvoiceError(
            f"cannot write invoices to {folder}: {existing} is not writable; choose another "
            "--output or fix its permissions"
        )


def _read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    path = folder / MANIFEST
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except (OSError, ValueError) as exc:
        raise InvoiceError(
            f"{path}: cannot be read as an invoice manifest ({exc}); restore it from your "
            "backups or delete it to render afresh"
        ) from exc
    return loaded if isinstance(loaded, dict) else {}


def _commit(plans: list[tuple[Path, dict[str, dict[str, str]], list[tuple[Path, bytes]]]]) -> None:
    """Write every file to a temporary name, then rename them all: nothing half-written."""
    staged: list[tuple[str, Path]] = []
    try:
        for folder, manifest, files in plans:
            if not files and manifest == _read_manifest(folder):
                continue
            folder.mkdir(parents=True, exist_ok=True)
            for path, content in files:
                staged.append((_stage(folder, content), path))
            text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
            staged.append((_stage(folder, text.encode("utf-8")), folder / MANIFEST))
    except OSError as exc:
        for temp, _ in staged:
            Path(temp).unlink(missing_ok=True)
        where = exc.filename or (plans[0][0] if plans else "the output folder")
        raise InvoiceError(
            f"cannot write invoices to {where} ({exc.strerror}); choose another --output or "
            "fix its permissions"
        ) from exc
    for temp, path in staged:
        os.replace(temp, path)


def _stage(folder: Path, content: bytes) -> str:
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temp, 0o644)
    except OSError:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp
