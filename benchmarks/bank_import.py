"""Bank import throughput: parse + extract of a 100,000-line Qonto-style CSV (and CAMT).

Generates the files in a temporary directory, then times ``parse`` (file → BankLine),
``extract`` (parse + booking into Beancount entries) and the whole ``ecomledger import``:
in a fresh process on fresh books, twice (the second adds nothing), ``--repeat`` times,
keeping the best first import. Peak Python memory of parse and extract is measured with
tracemalloc (a separate run, since tracing slows the code down), the import's as its
process's peak resident memory. Target: 20,000 lines/s for the whole import.

    /work/venv/bin/python benchmarks/bank_import.py [--lines 100000] [--repeat 3]
                                                    [--camt [--camt-lines N]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from fresh_imports import best_of

from ecomledger.importers import camt053, qonto
from ecomledger.importers._bank import BankImporter
from ecomledger.memory import paused_gc

TARGET = 20_000
HEADER = (
    "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,"
    "Counterparty name,Payment method,Transaction ID,IBAN,Reference,Category,Note,"
    "VAT amount,Initiator\n"
)


def write_qonto(path: Path, count: int) -> None:
    rng = random.Random(42)
    start = dt.datetime(2026, 1, 1, 8)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(count):
            when = (start + dt.timedelta(minutes=5 * i)).strftime("%Y-%m-%d %H:%M:%S")
            amount = str(Decimal(rng.randint(-50000, 50000)).scaleb(-2))
            ref = f"tx_{i:08d}" if i % 3 else ""  # a third without id: fingerprints
            out.write(
                f"settled,{when},{when},{amount},EUR,Counterparty {i % 997},card,{ref},,"
                f"REF-{i},Category,,0.00,Admin\n"
            )


def write_camt(path: Path, count: int) -> None:
    entries = []
    total = 0
    for i in range(count):
        cents = (i % 20000) - 10000 or 1
        total += cents
        ind = "CRDT" if cents > 0 else "DBIT"
        entries.append(
            f"<Ntry><Amt Ccy='EUR'>{abs(cents) / 100:.2f}</Amt><CdtDbtInd>{ind}</CdtDbtInd>"
            f"<Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>"
            f"<AcctSvcrRef>R{i}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>P{i % 99}"
            f"</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Invoice {i}</Ustrd></RmtInf></TxDtls>"
            f"</NtryDtls></Ntry>\n"
        )
    bal = (
        "<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amt:.2f}</Amt>"
        "<CdtDbtInd>{ind}</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>"
    )
    closing = 1_000_000 + total / 100
    path.write_text(
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt>"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>FR76</IBAN></Id></Acct>"
        + bal.format(code="OPBD", amt=1_000_000, ind="CRDT")
        + bal.format(code="CLBD", amt=closing, ind="CRDT")
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>\n",
        encoding="utf-8",
    )


def timed_parse(importer: BankImporter, path: str) -> object:
    """Parse as ``extract`` does (collector paused), without booking."""
    with paused_gc():
        return importer.parse(path)


def measure(label: str, count: int, run: Callable[[], object]) -> None:
    start, cpu_start = time.perf_counter(), time.process_time()
    run()
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start  # what a shared, loaded machine cannot skew
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<22} {count:>8,} lines  wall {seconds:6.2f} s {count / seconds:>8,.0f}/s"
        f"  cpu {cpu:6.2f} s {count / cpu:>8,.0f}/s  peak {peak / 2**20:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--camt", action="store_true", help="also benchmark CAMT.053")
    parser.add_argument("--camt-lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="whole imports to run, best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "qonto.csv"
        write_qonto(csv_path, args.lines)
        imp = qonto.Importer("main", "Assets:Bank:Qonto")
        measure("qonto parse", args.lines, lambda: timed_parse(imp, str(csv_path)))
        measure("qonto parse+extract", args.lines, lambda: imp.extract(str(csv_path), []))
        best_of(Path(tmp), csv_path, args.lines, "lines", args.repeat, TARGET)
        if args.camt:
            xml_path = Path(tmp) / "camt.xml"
            write_camt(xml_path, args.camt_lines)
            camt = camt053.Importer("main", "Assets:Bank:Camt")
            count = args.camt_lines
            measure("camt053 parse", count, lambda: timed_parse(camt, str(xml_path)))
            measure("camt053 parse+extract", count, lambda: camt.extract(str(xml_path), []))


if __name__ == "__main__":
    main()
