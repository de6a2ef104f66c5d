"""Small helpers the tax, sales and stock reports share: amounts, documents, periods.

Why a module of its own: the CA3, OSS, sales, KPI, receivables and stock reports all walk
the same postings and must agree to the cent on what a posting is worth, which document
it belongs to and where it was written, so a figure traced in one report reads the same in
another.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from beancount.core import data

from ecomledger.errors import UserError
from ecomledger.money import round_money as round_money
from ecomledger.periods import Period

ZERO = Decimal(0)
HUNDRED = Decimal(100)
EURO = Decimal(1)

SALES_PREFIX = "Income:Sales:"
COLLECTED_PREFIX = "Liabilities:VAT:Collected:"
INTRA_EU = "Liabilities:VAT:IntraEU"
DEDUCTIBLE_PREFIX = "Assets:VAT:Deductible"
VAT_PAYABLE = "Liabilities:VAT:Payable"
VAT_CREDIT = "Assets:VAT:Credit"
CUSTOMERS = "Assets:Customers"


@dataclass(frozen=True)
class PostingRef:
    """One posting behind a figure: enough to find it in the books and to add it up."""

    date: dt.date
    document: str
    account: str
    amount: Decimal
    location: str

    def label(self) -> str:
        """One line for a ``--detail`` row: date, document, account and file:line."""
        return f"{self.date.isoformat()} {self.document} {self.account} ({self.location})"


def amount(posting: data.Posting) -> Decimal:
    """Return a posting's number (zero when Beancount left it empty)."""
    units = posting.units
    if units is None or units.number is None:
        return ZERO
    return units.number


def document(txn: data.Transaction) -> str:
    """Name the document a transaction books: invoice, credit note, summary or narration."""
    meta = txn.meta or {}
    for key in ("credit_note", "invoice", "invoice_range", "credit_note_range"):
        if key in meta:
            return str(meta[key])
    return txn.narration or txn.payee or "-"


def location(txn: data.Transaction) -> str:
    """Return ``file:line`` of a transaction as its metadata states it."""
    meta = txn.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', 0)}"


def ref(txn: data.Transaction, posting: data.Posting, value: Decimal | None = None) -> PostingRef:
    """Build the reference of ``posting`` (its own number unless ``value`` says otherwise)."""
    number = amount(posting) if value is None else value
    return PostingRef(txn.date, document(txn), posting.account, number, location(txn))


def whole_euros(value: Decimal) -> Decimal:
    """Round to the euro as the CA3 requires: nearest euro, 0.50 counting for 1 (CGI 1724)."""
    return value.quantize(EURO, rounding=ROUND_HALF_UP)


def rate_of(value: object) -> Decimal | None:
    """Read a ``vat_rate`` metadata value as a Decimal percent, None if absent or unreadable."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return None
    return None


def format_rate(rate: Decimal) -> str:
    """Write a rate as people do: ``20``, ``5.5``."""
    text = format(rate.normalize(), "f")
    return text


@functools.lru_cache(maxsize=4096)
def collected_key(account: str) -> tuple[str, Decimal] | None:
    """Return (country, rate) of ``Liabilities:VAT:Collected:<CC>:<rate>``, else None."""
    if not account.startswith(COLLECTED_PREFIX):
        return None
    parts = account.split(":")
    if len(parts) != 5:
        return None
    rate = rate_of(parts[4].replace("-", "."))
    return (parts[3], rate) if rate is not None else None


def is_vat_settlement(txn: data.Transaction) -> bool:
    """Whether ``txn`` closes or pays a return rather than taxing an operation.

    The CA3 closing entry (D 44571 / C 44566 / C 44551 or D 44567), its payment and an OSS
    payment move the VAT accounts without any sale or purchase behind them; counting them
    would cancel the very figures the return declares.
    """
    has_collected = has_sales = False
    for posting in txn.postings:
        account = posting.account
        if account.startswith(SALES_PREFIX):
            has_sales = True
        elif account.startswith(COLLECTED_PREFIX):
            has_collected = True
        elif account == VAT_PAYABLE or account.startswith(VAT_CREDIT):
            return True
    return has_collected and not has_sales


def period_kind(period: Period) -> str | None:
    """Return ``"month"`` or ``"quarter"`` when ``period`` is exactly one, else None."""
    start, end = period.start, period.end
    if start.day != 1:
        return None
    next_day = end + dt.timedelta(days=1)
    if next_day.day != 1:
        return None
    months = (next_day.year - start.year) * 12 + next_day.month - start.month
    if months == 1:
        return "month"
    if months == 3 and start.month in (1, 4, 7, 10):
        return "quarter"
    return None


def bucket_of(day: dt.date, kind: str) -> tuple[int, int]:
    """Return the return period holding ``day``: (year, month) or (year, quarter)."""
    if kind == "month":
        return day.year, day.month
    return day.year, (day.month - 1) // 3 + 1


def bucket_label(bucket: tuple[int, int], kind: str) -> str:
    """Write a return period as the command line does: ``2026-03`` or ``2026-Q1``."""
    year, part = bucket
    return f"{year}-{part:02d}" if kind == "month" else f"{year}-Q{part}"


def next_bucket(bucket: tuple[int, int], kind: str) -> tuple[int, int]:
    """Return the return period after ``bucket``."""
    year, part = bucket
    last = 12 if kind == "month" else 4
    return (year + 1, 1) if part == last else (year, part + 1)


def require_positive_int(options: dict[str, str], name: str, default: int) -> int:
    """Read a whole-number report option, or say how to write it."""
    text = options.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise UserError(
            f"option {name}={text!r} is not a whole number of days; write e.g. {default}"
        )
    return value


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return ``part / whole`` as a fraction (0.25 for 25 %), None when ``whole`` is zero."""
    if whole == ZERO:
        return None
    return part / whole


def ratio(value: Decimal | None) -> Decimal | None:
    """Round a ratio to four decimals (0.1234 reads 12.3 %); None stays None."""
    if value is None:
        return None
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP) + ZERO
