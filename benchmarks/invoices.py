"""Benchmark ``ecomledger invoice render``: Factur-X PDFs per second, and peak memory.

Usage: python benchmarks/invoices.py [--orders 1000] [--workers N] [--dir DIR] [--stages N]

Makes books of N generated orders (benchmarks/make_books.py; reused when --dir already holds
them), then renders every invoice and credit note in French with the real pipeline (XML,
XSD + EN 16931 schematron, weasyprint PDF/A-3, Factur-X embedding, totals check, atomic
write). Prints documents, seconds, PDFs per second and the peak resident memory of this
process and of its worker processes. Target: at least 20 PDFs per second.

On a shared machine the wall-clock rate mostly measures the neighbours; the CPU figures are
steadier. ``--stages N`` first times N documents in this process, stage by stage (CPU ms
per document: XML, XSD, schematron, HTML, PDF with the XML embedded), after a warm-up and with
the garbage-collector settings of ``render`` (``layout_gc``); Saxon then runs in this process,
so the run that follows spawns its workers instead of forking.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--dir", type=Path, default=None, help="books folder to make or reuse")
    parser.add_argument("--stages", type=int, default=0, help="time N documents stage by stage")
    args = parser.parse_args()

    from make_books import make_books

    from ecomledger.books import load_books
    from ecomledger.config import load_config
    from ecomledger.invoices.render import render

    books_dir = args.dir or Path(tempfile.mkdtemp(prefix="ecomledger-bench-")) / "books"
    if not (books_dir / "ecomledger.toml").exists():
        start = time.perf_counter()
        make_books(books_dir, args.orders)
        print(f"made books of {args.orders} orders in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()  # load_books refuses books that fail check
    books = load_books(books_dir, load_config(books_dir / "ecomledger.toml"))
    print(f"loaded the books in {time.perf_counter() - start:.1f} s")

    if args.stages:
        stages(books, args.stages)
    output = Path(tempfile.mkdtemp(prefix="ecomledger-invoices-"))
    cpu_before = sum(
        u.ru_utime + u.ru_stime
        for u in (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    start = time.perf_counter()
    report = render(books, lang="fr", output=output, workers=args.workers)
    seconds = time.perf_counter() - start
    count = len(report.of("written"))
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    own, children = (u.ru_maxrss / 1024 for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage) - cpu_before
    size = sum(p.stat().st_size for p in output.glob("*.pdf")) / count / 1024
    print(
        f"rendered {count} documents in {seconds:.1f} s: {count / seconds:.1f} PDFs/s "
        f"(workers: {args.workers or 'auto'}); peak RSS {own:.0f} MiB (main), "
        f"{children:.0f} MiB (largest worker); {size:.0f} KiB per PDF"
    )
    # On a shared machine the wall-clock rate says more about the neighbours than about the
    # code; CPU seconds per PDF do not.
    print(
        f"CPU: {cpu:.1f} s, {cpu / count * 1000:.0f} ms per PDF, i.e. {count / cpu:.1f} PDFs/s "
        f"per core, {count / cpu * (os.cpu_count() or 1):.1f} PDFs/s on {os.cpu_count()} idle "
        f"cores; load average now {os.getloadavg()[0]:.1f}"
    )
    shutil.rmtree(output)


def stages(books: Any, count: int) -> None:
    """Print the CPU ms per document of each stage of ``produce``, in this process."""
    from ecomledger.invoices import pdf
    from ecomledger.invoices.document import index_entries
    from ecomledger.invoices.render import layout_gc, prepare, select

    index = index_entries(books.entries)
    documents = [prepare(e, books, index) for e in select(books)[: count + 1]]
    folder = pdf.template_dir()
    spent = dict.fromkeys(("xml", "xsd", "schematron", "html", "pdf"), 0.0)
    with layout_gc():  # as render() lays documents out
        _time_stages(documents, folder, spent)
    done = max(1, len(documents) - 1)
    print(
        f"stages over {done} documents (CPU ms each): "
        + ", ".join(f"{stage} {value / done * 1000:.1f}" for stage, value in spent.items())
        + f"; total {sum(spent.values()) / done * 1000:.1f}"
    )


def _time_stages(documents: list[Any], folder: Path, spent: dict[str, float]) -> None:
    from ecomledger.invoices import facturx, pdf, validate

    for number, document in enumerate(documents):
        clock = [time.process_time()]
        xml = facturx.build_xml(document, "fr")
        clock.append(time.process_time())
        assert not validate.xsd_failures(xml)
        clock.append(time.process_time())
        assert not validate.schematron_failures(xml)
        clock.append(time.process_time())
        html = pdf.render_html(document, "fr", folder)
        clock.append(time.process_time())
        pdf.render_pdf(html, document, xml, "fr", folder)
        clock.append(time.process_time())
        if number:  # the first one warms up (stylesheet compiled, fonts loaded)
            for stage, start, end in zip(spent, clock, clock[1:], strict=False):
                spent[stage] += end - start


if __name__ == "__main__":
    main()
