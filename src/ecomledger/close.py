"""Year-end closing: the year-end entries, the next year's opening balances, the seal.

Why: at year end the accountant books what the year still owes its accounts (orders paid
and not shipped become deposits, 4191; the stock is taken at the inventory engine's
valuation), carries the balance sheet into the next year and makes the closed year final.

What ``ecomledger close YYYY`` writes (nothing if any step refuses):

* ``ledger/<YYYY>/closing.beancount``: one entry dated the year end moving the revenue of
  each order paid and not shipped (the deposits plugin's ``ecomledger-deposit`` entries) to
  ``Liabilities:Customers:Deposits`` with ``deposit_for``; its VAT stays collected (due at
  payment, CGI 269-2-a) and is recorded in ``deposit_vat``;
* ``ledger/<YYYY+1>/opening.beancount``: the opening entry (à-nouveaux, ``opening:``
  metadata) dated the first day of the next year: every balance-sheet account's balance,
  the stock lot by lot at the inventory engine's cost (FIFO lots, or the CUMP value),
  the year's result on 120 (profit) or 129 (loss) and earlier results on 110; and the
  reversal of the deposits on the same day, so their revenue comes back when they ship;
* ``plugin "ecomledger.close"`` in ``main.beancount`` (once): this module's plugin drops
  the opening entry whenever the books also hold earlier years, so the full books do not
  count the balances twice, while ``ledger/<YYYY+1>/`` loads and balances alone;
* ``seals/<YYYY>.json`` (:mod:`ecomledger.seal`) and the closing bundle ``reports/<YYYY>/``.

The result is carried in the opening entry rather than by a closing entry zeroing classes 6
and 7 in the closed year: the FEC must exclude such an entry, and every report of the
closed year would have to skip it to show the year's income statement.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import convert, data
from beancount.core.amount import Amount
from beancount.core.inventory import Inventory

from ecomledger import ledger, seal
from ecomledger.books import Books, load_books
from ecomledger.config import Config
from ecomledger.errors import UserError
from ecomledger.journal import PICKLE_CACHE, Batch
from ecomledger.periods import Period
from ecomledger.stock import (
    CUMP,
    FIFO,
    STOCK_ACCOUNT,
    AverageLots,
    FifoLots,
    StockEngine,
    stocked_skus,
)

__plugins__ = ("carried_forward",)

OPENING_KEY = "opening"
PLUGIN_LINE = 'plugin "ecomledger.close"'
DEPOSITS = "Liabilities:Customers:Deposits"
DEPOSIT_TYPE = "ecomledger-deposit"
SALES = "Income:Sales:"
VAT = "Liabilities:VAT:Collected:"
OPENING_ACCOUNT = "Equity:Opening-Balances"
PROFIT = "Equity:Result:Profit"
LOSS = "Equity:Result:Loss"
RESULT_OPENS = (
    (PROFIT, "120", "Résultat de l'exercice (bénéfice)"),
    (LOSS, "129", "Résultat de l'exercice (perte)"),
)
BALANCE_SHEET = ("Assets", "Liabilities", "Equity")
ZERO = Decimal(0)
sealed_on = seal.sealed_on


def carried_forward(
    entries: data.Directives, options_map: dict[str, Any], config_str: str | None = None
) -> tuple[data.Directives, list[object]]:
    """Beancount plugin: drop an opening entry when the books also hold earlier entries.

    The opening entry of a year repeats the balances the earlier years' entries already
    give; loaded together they would count twice. Loaded alone (the new year's files
    only), nothing precedes it and it stays.
    """
    del options_map, config_str
    first = next(
        (e.date for e in entries if isinstance(e, data.Transaction) and OPENING_KEY not in e.meta),
        None,
    )
    if first is None:
        return entries, []
    kept = [
        e
        for e in entries
        if not (isinstance(e, data.Transaction) and OPENING_KEY in e.meta and first < e.date)
    ]
    return kept, []


def inventory_method(books: Books) -> tuple[str, dict[str, str]]:
    """The inventory plugin's method and per-SKU overrides, as ``main.beancount`` sets them."""
    for name, config in books.options.get("plugin", []) or []:  # type: ignore[attr-defined]
        if name == "ecomledger.plugins.inventory":
            try:
                raw = ast.literal_eval(config) if config else {}
            except (ValueError, SyntaxError):
                raw = {}
            if isinstance(raw, dict):
                method = str(raw.get("method", FIFO)).upper()
                skus = raw.get("skus") or {}
                return method if method in (FIFO, CUMP) else FIFO, {
                    str(k): str(v).upper() for k, v in dict(skus).items()
                }
    return FIFO, {}


@dataclass
class StockLine:
    """A lot carried forward: quantity of a SKU at a unit cost (or a total for CUMP)."""

    sku: str
    qty: Decimal
    unit_cost: Decimal | None
    total: Decimal
    currency: str
    lot_date: dt.date | None


@dataclass
class Opening:
    """The balances brought forward at ``date``."""

    date: dt.date
    positions: list[tuple[str, Amount, data.Cost | None]] = field(default_factory=list)
    stock: list[StockLine] = field(default_factory=list)
    brought: Decimal = ZERO  # earlier results and opening balances: 110 (debit positive)
    result: Decimal = ZERO  # the closed year's result as a posting weight: negative = profit
    currency: str = "EUR"

    @property
    def result_account(self) -> str:
        """120 for a profit, 129 for a loss."""
        return PROFIT if self.result <= ZERO else LOSS

    def weights(self) -> list[tuple[str, Decimal]]:
        """Every line of the opening entry as (account, weight in the books' currency)."""
        out: list[tuple[str, Decimal]] = []
        for account, units, cost in self.positions:
            number = units.number or ZERO
            if cost is not None and cost.number is not None:
                number *= cost.number
            out.append((account, number))
        out += [(STOCK_ACCOUNT, line.total) for line in self.stock]
        if self.brought:
            out.append((OPENING_ACCOUNT, self.brought))
        if self.result:
            out.append((self.result_account, self.result))
        return out


def _stock_lines(engine: StockEngine) -> list[StockLine]:
    lines = []
    for sku, book in sorted(engine.books.items()):
        if isinstance(book, FifoLots):
            for lot in book.lots:
                if lot.remaining:
                    move = lot.move
                    lines.append(
                        StockLine(
                            sku,
                            lot.remaining,
                            move.cost,
                            lot.remaining * move.cost,
                            move.currency,
                            move.lot_date,
                        )
                    )
        elif isinstance(book, AverageLots) and book.qty:
            lines.append(StockLine(sku, book.qty, None, book.value, book.currency, None))
    return lines


def opening_balances(
    books: Books, start: dt.date, extra: Iterable[data.Transaction] = ()
) -> Opening | None:
    """The balances brought forward at ``start`` (None when nothing precedes it).

    ``extra`` adds entries not yet written (the year-end entries ``close`` is about to
    book). Results of the fiscal year ending the day before ``start`` go to 120/129, older
    results and the opening balances to 110; ``Assets:Stock`` comes from the inventory
    engine (lot by lot), which must agree with the books' own stock account.
    """
    before = [e for e in books.entries if isinstance(e, data.Transaction) and e.date < start]
    before += [e for e in extra if e.date < start]
    if not before:
        return None
    before.sort(key=data.entry_sortkey)
    year_start = books.fiscal_year((start - dt.timedelta(days=1)).year).start
    currency = books.currency
    opening = Opening(start, currency=currency)
    balances: dict[str, Inventory] = defaultdict(Inventory)
    stock_weight = ZERO
    method, overrides = inventory_method(books)
    engine = StockEngine(method, overrides, stocked_skus(before))
    for txn in before:
        engine.visit(txn)
        for posting in txn.postings:
            account = posting.account
            root = account.split(":", 1)[0]
            weight = convert.get_weight(posting)
            if root not in BALANCE_SHEET:
                if txn.date >= year_start:
                    opening.result += weight.number
                else:
                    opening.brought += weight.number
            elif account == STOCK_ACCOUNT:
                stock_weight += weight.number
            elif account == OPENING_ACCOUNT or account in (PROFIT, LOSS):
                opening.brought += weight.number
            else:
                balances[account].add_position(posting)
    opening.stock = _stock_lines(engine)
    valued = sum((line.total for line in opening.stock), ZERO)
    if abs(valued - stock_weight) > Decimal("0.01"):
        raise UserError(
            f"at {start} the inventory engine values the stock at {valued:.2f} {currency} "
            f"but {STOCK_ACCOUNT} holds {stock_weight:.2f} {currency}; run 'ecomledger "
            "check' and fix the stock entries it names before closing"
        )
    opening.brought += stock_weight - valued  # sub-cent rounding of average costs
    for account in sorted(balances):
        for position in balances[account]:
            units, cost = position.units, position.cost
            if not units.number:
                continue
            if cost is None and units.currency != currency:
                raise UserError(
                    f"{account} holds {units} without a cost in {currency} at {start}; "
                    f"convert it with a price ('@ <rate> {currency}') before closing"
                )
            opening.positions.append((account, units, cost))
    return opening


def render_opening(opening: Opening, year: int) -> str:
    """The opening entry as Beancount text."""
    cur = opening.currency
    lines = [
        f'{opening.date} * "À nouveaux au {opening.date:%d/%m/%Y}"',
        f'  {OPENING_KEY}: "{year}"',
    ]
    for account, units, cost in opening.positions:
        text = f"  {account}  {units.number} {units.currency}"
        if cost is not None:
            when = f", {cost.date}" if cost.date else ""
            label = f', "{cost.label}"' if cost.label else ""
            text += f" {{{cost.number} {cost.currency}{when}{label}}}"
        lines.append(text)
    for line in opening.stock:
        if line.unit_cost is not None:
            when = f", {line.lot_date}" if line.lot_date else ""
            held = f"{{{line.unit_cost} {line.currency}{when}}}"
        else:
            held = f"{{{{{line.total} {line.currency}}}}}"
        lines.append(f"  {STOCK_ACCOUNT}  {line.qty} {line.sku} {held}")
    if opening.brought:
        lines.append(f"  {OPENING_ACCOUNT}  {opening.brought} {cur}")
    if opening.result:
        lines.append(f"  {opening.result_account}  {opening.result} {cur}")
    return "\n".join(lines) + "\n"


@dataclass
class Deposit:
    """An order paid and not shipped at the year end, as the deposits plugin reports it."""

    invoice: str
    entry: data.Transaction
    net: Decimal
    vat: Decimal
    shipped: object


def unbooked_deposits(books: Books, year_end: dt.date) -> list[Deposit]:
    """The plugin's ``ecomledger-deposit`` entries at ``year_end`` no closing entry books."""
    booked: set[str] = set()
    invoices: dict[str, data.Transaction] = {}
    wanted: list[tuple[str, object]] = []
    for entry in books.entries:
        if isinstance(entry, data.Transaction):
            if "invoice" in entry.meta:
                invoices[str(entry.meta["invoice"])] = entry
            if entry.date == year_end:
                for posting in entry.postings:
                    if posting.account == DEPOSITS:
                        invoice = (posting.meta or {}).get("deposit_for")
                        invoice = invoice or entry.meta.get("deposit_for")
                        if invoice:
                            booked.add(str(invoice))
        elif (
            isinstance(entry, data.Custom) and entry.type == DEPOSIT_TYPE and entry.date == year_end
        ):
            values = [v.value for v in entry.values]
            wanted.append((str(values[0]), values[2] if len(values) > 2 else None))
    found = []
    for invoice, shipped in wanted:
        txn = invoices.get(invoice)
        if invoice in booked or txn is None:
            continue
        net = -sum((_number(p) for p in txn.postings if p.account.startswith(SALES)), ZERO)
        vat = -sum((_number(p) for p in txn.postings if p.account.startswith(VAT)), ZERO)
        found.append(Deposit(invoice, txn, net, vat, shipped))
    return found


def _number(posting: data.Posting) -> Decimal:
    units = posting.units
    return units.number if units is not None and units.number is not None else ZERO


def deposit_entry(deposits: list[Deposit], day: dt.date, reverse: bool) -> data.Transaction:
    """The year-end entry moving the deposits' revenue to 4191 (or, reversed, back)."""
    sign = Decimal(-1) if reverse else Decimal(1)
    meta = data.new_metadata("<ecomledger close>", 0)
    postings = []
    for deposit in deposits:
        for posting in deposit.entry.postings:
            if posting.account.startswith(SALES) and posting.units and posting.units.number:
                amount = Amount(-posting.units.number * sign, posting.units.currency)
                postings.append(
                    data.Posting(
                        posting.account, amount, None, None, None, {"deposit_for": deposit.invoice}
                    )
                )
        first = deposit.entry.postings[0].units
        currency = first.currency if first is not None else "EUR"
        postings.append(
            data.Posting(
                DEPOSITS,
                Amount(-deposit.net * sign, currency),
                None,
                None,
                None,
                {"deposit_for": deposit.invoice, "deposit_vat": f"{deposit.vat} {currency}"},
            )
        )
    if reverse:
        narration = "Reversal of last year's deposits (orders paid, not shipped)"
    else:
        narration = "Closing: orders paid, not shipped (deposits received)"
    return data.Transaction(meta, day, "*", None, narration, frozenset(), frozenset(), postings)


@dataclass
class Planned:
    """A file ``close`` writes: its path, its new text, and what it holds."""

    path: Path
    text: str
    what: str


@dataclass
class CloseResult:
    """What ``close`` did (or would do, with ``dry_run``)."""

    year: int
    planned: list[Planned]
    summary: list[str]
    bundle: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _refuse_unless_closable(books: Books, year: int, today: dt.date) -> None:
    period = books.fiscal_year(year)
    done = sealed_on(books.path, year)
    if done is not None:
        raise UserError(
            f"fiscal year {year} was closed on {done} ({seal.seal_path(books.path, year)}); "
            "a closed year cannot be closed twice: run 'ecomledger verify' to check it"
        )
    if period.end >= today:
        raise UserError(
            f"fiscal year {year} ends on {period.end}: close it after that day, once its "
            "last entries are imported"
        )
    for error in books.errors:
        message = str(getattr(error, "message", error))
        if type(error).__name__ == "DepositError" and str(period.end) in message:
            continue
        filename, lineno, text = ledger.format_error(error, books.path)
        raise UserError(
            f"the books have errors, the first at {filename}:{lineno}: {text}; run "
            "'ecomledger check' and fix them before closing"
        )
    if not any(True for _ in books.transactions(period)):
        raise UserError(
            f"fiscal year {year} ({period}) has no entries in {books.path}; there is "
            "nothing to close"
        )
    previous = books.fiscal_year(year - 1)
    if sealed_on(books.path, year - 1) is None and any(
        OPENING_KEY not in t.meta for t in books.transactions(previous)
    ):
        raise UserError(
            f"fiscal year {year - 1} has entries and is not closed; run 'ecomledger close "
            f"{year - 1}' first"
        )


def _with_result_accounts(books: Books) -> str | None:
    """accounts.beancount with the 120/129 accounts appended, or None if already open."""
    missing = [item for item in RESULT_OPENS if item[0] not in books.opens()]
    if not missing:
        return None
    path = books.path / ledger.ACCOUNTS_FILE
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    for account, number, label in missing:
        text += f'\n2000-01-01 open {account}\n  pcg: "{number}"\n  label: "{label}"\n'
    return text


def _with_plugin(books: Books) -> str | None:
    """main.beancount with this module's plugin line before the first plugin line.

    First, so that no other plugin (the inventory's lots above all) sees an opening entry
    the earlier years make redundant.
    """
    path = books.path / ledger.MAIN_FILE
    text = path.read_text(encoding="utf-8")
    if PLUGIN_LINE in text:
        return None
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.startswith("plugin ")), len(lines))
    note = ";; Drops a year's opening entry when the earlier years are loaded too (close).\n"
    lines[first:first] = [note, PLUGIN_LINE + "\n"]
    return "".join(lines)


def plan(books: Books, year: int, today: dt.date) -> tuple[list[Planned], list[str]]:
    """Every file ``close`` writes for ``year``, and a summary; refuse what cannot close."""
    _refuse_unless_closable(books, year, today)
    period = books.fiscal_year(year)
    nxt = books.fiscal_year(year + 1)
    cur = books.currency
    deposits = unbooked_deposits(books, period.end)
    extra = []
    planned: list[Planned] = []
    summary: list[str] = []
    root = books.path
    header = f";; Year-end entries of fiscal year {year}, written by 'ecomledger close {year}'.\n"
    if deposits:
        closing_entry = deposit_entry(deposits, period.end, reverse=False)
        extra.append(closing_entry)
        path = root / "ledger" / str(year) / "closing.beancount"
        old = path.read_text(encoding="utf-8") if path.exists() else header
        planned.append(
            Planned(path, old + "\n" + ledger.render_entry(closing_entry), "year-end entries")
        )
        total = sum((d.net for d in deposits), ZERO)
        vat = sum((d.vat for d in deposits), ZERO)
        summary.append(
            f"deposits: {len(deposits)} order(s) paid and not shipped, {total:.2f} {cur} "
            f"moved to 4191 (their VAT {vat:.2f} {cur} stays collected)"
        )
    else:
        summary.append("deposits: no order paid and not shipped at the year end")
    opening = opening_balances(books, nxt.start, extra)
    assert opening is not None  # the year has entries
    stock_value = sum((line.total for line in opening.stock), ZERO)
    method, _ = inventory_method(books)
    summary.append(
        f"closing stock: {stock_value:.2f} {cur} at the inventory engine's {method} "
        f"valuation ({len(opening.stock)} lot(s)), equal to {STOCK_ACCOUNT}: no adjustment"
    )
    word = "profit" if opening.result <= ZERO else "loss"
    number = "120" if opening.result <= ZERO else "129"
    summary.append(f"result: {word} of {abs(opening.result):.2f} {cur}, carried to {number}")
    text = (
        f";; Opening balances of fiscal year {year + 1}, written by 'ecomledger close {year}'.\n"
        ";; The plugin 'ecomledger.close' drops the opening entry when earlier years are loaded.\n"
        "\n" + render_opening(opening, year + 1)
    )
    if deposits:
        text += "\n" + ledger.render_entry(deposit_entry(deposits, nxt.start, reverse=True))
    opening_path = root / "ledger" / str(year + 1) / "opening.beancount"
    if opening_path.exists():
        raise UserError(
            f"{opening_path} already exists; move it away (the opening entry of {year + 1} "
            "is written by closing {year}) and run close again"
        )
    planned.append(Planned(opening_path, text, f"opening balances of {year + 1}"))
    accounts = _with_result_accounts(books)
    if accounts is not None:
        planned.append(Planned(root / ledger.ACCOUNTS_FILE, accounts, "accounts 120 and 129"))
    main = _with_plugin(books)
    if main is not None:
        planned.append(Planned(root / ledger.MAIN_FILE, main, "the plugin ecomledger.close"))
    return planned, summary


def close_year(
    books_path: Path,
    config: Config,
    year: int,
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> CloseResult:
    """Close fiscal year ``year``: see the module docstring. Nothing is written on refusal."""
    today = today or dt.date.today()
    with ledger.books_lock(books_path):
        books = load_books(books_path, config, force=True)
        planned, summary = plan(books, year, today)
        result = CloseResult(year, planned, summary)
        if dry_run:
            result.planned.append(
                Planned(seal.seal_path(books_path, year), "", f"the seal of {year}")
            )
            result.skipped.append(f"the closing bundle under reports/{year}/")
            return result
        before = {p.path: p.path.read_text("utf-8") if p.path.exists() else None for p in planned}
        batch = Batch(books_path)
        for item in planned:
            batch.replace(item.path, item.text)
        batch.commit()  # every file or none
        try:
            after = load_books(books_path, config, force=True)
            if after.errors:
                filename, lineno, message = ledger.format_error(after.errors[0], books_path)
                raise UserError(
                    f"closing {year} would leave the books with an error at {filename}:"
                    f"{lineno}: {message}; nothing was written"
                )
        except BaseException:
            _restore(books_path, before)
            raise
        period = after.fiscal_year(year)
        sealed = seal.write_seal(books_path, year, period, today)
        result.planned.append(Planned(sealed, "", f"the seal of {year}"))
        result.bundle, result.skipped = write_bundle(after, year)
    return result


def _restore(books: Path, before: dict[Path, str | None]) -> None:
    """Put back the files a refused closing replaced; remove those it created."""
    batch = Batch(books)
    for path, old in before.items():
        if old is not None:
            batch.replace(path, old)
    batch.commit()
    for path, old in before.items():
        if old is None:
            path.unlink(missing_ok=True)
    (books / PICKLE_CACHE).unlink(missing_ok=True)


def trial_balance(books: Books, year: int) -> str:
    """The year's trial balance (balance générale) as CSV, from the FEC's own lines."""
    from ecomledger.exports import fec

    totals: dict[tuple[str, str], list[Decimal]] = {}
    for row in fec.rows(books, year):
        key = (row[4], row[5])
        debit, credit = (Decimal(row[i].replace(",", ".")) for i in (11, 12))
        pair = totals.setdefault(key, [ZERO, ZERO])
        pair[0] += debit
        pair[1] += credit
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["account", "label", "debit", "credit", "balance"])
    all_debit = all_credit = ZERO
    for (number, label), (debit, credit) in sorted(totals.items()):
        writer.writerow([number, label, f"{debit:.2f}", f"{credit:.2f}", f"{debit - credit:.2f}"])
        all_debit += debit
        all_credit += credit
    writer.writerow(["", "Total", f"{all_debit:.2f}", f"{all_credit:.2f}", ""])
    return out.getvalue()


#: The reports of the closing bundle: (report name in ``ecomledger.reports``, file stem).
REPORTS = (
    ("trial-balance", "balance"),
    ("balance-sheet", "bilan"),
    ("pnl", "compte-de-resultat"),
    ("general-ledger", "grand-livre"),
    ("vat", "recap-tva"),
)


def write_bundle(books: Books, year: int) -> tuple[list[Path], list[str]]:
    """Write reports/<year>/: the FEC and its description, the trial balance, the reports.

    Returns the files written and what was skipped (report modules not available yet).
    """
    from ecomledger.exports import fec

    folder = books.path / "reports" / str(year)
    written, skipped = [], []
    path, _count = fec.write(books, year, folder)
    written.append(path)
    notes = folder / (path.stem + "-description.txt")
    ledger.atomic_write(notes, fec.description(books, year))
    written.append(notes)
    balance = folder / f"balance-generale-{year}.csv"
    ledger.atomic_write(balance, trial_balance(books, year))
    written.append(balance)
    period = books.fiscal_year(year)
    for name, stem in REPORTS:
        spans = [(f"{year}", period)]
        if name == "vat":  # a CA3 covers a month or a quarter
            spans = [(f"{year}-T{n + 1}", span) for n, span in enumerate(_quarters(period))]
        for suffix, span in spans:
            target = folder / f"{stem}-{suffix}.html"
            problem = _render_report(books, span, name, target)
            if problem:
                skipped.append(f"{target.name}: the report '{name}' {problem}")
            else:
                written.append(target)
    return written, skipped


def _quarters(period: Period) -> list[Period]:
    """The four quarters of a fiscal year."""
    out, start = [], period.start
    for _ in range(4):
        month = start.month + 3
        nxt = dt.date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        out.append(Period(start, min(nxt - dt.timedelta(days=1), period.end)))
        start = nxt
    return out


def _render_report(books: Books, span: Period, name: str, target: Path) -> str:
    """Render one report to HTML with the report registry; return what went wrong, if any.

    The reports are read-only views built by their own modules; one that is missing or
    fails is named in the closing's output and does not stop the closing.
    """
    from ecomledger import render, reports
    from ecomledger.exports import fec
    from ecomledger.reports.model import ReportRequest

    try:
        module = reports.find(name)
    except UserError:
        return "is not available in this installation"
    try:
        view = module.build(books, ReportRequest(period=span))
        html = render.render(view, "html")
    except Exception as exc:
        return f"failed ({type(exc).__name__}: {exc})"
    fec.atomic_write_bytes(target, [html])
    return ""
