"""Periods as the command line spells them: ``2026``, ``2026-Q1``, ``2026-03``, ``A..B``."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ecomledger.errors import UserError


@dataclass(frozen=True)
class Period:
    """An inclusive range of dates."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def parse_period(text: str) -> Period:
    """Parse a period, or say how to write one."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            year = int(value)
            return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", value, re.IGNORECASE):
            year, quarter = int(match.group(1)), int(match.group(2))
            first = 3 * quarter - 2
            return Period(dt.date(year, first, 1), month_end(year, first + 2))
        if match := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(match.group(1)), int(match.group(2))
            return Period(dt.date(year, month, 1), month_end(year, month))
        if ".." in value:
            start, end = (dt.date.fromisoformat(part) for part in value.split("..", 1))
            if end < start:
                raise ValueError("end before start")
            return Period(start, end)
    except ValueError:
        pass
    raise UserError(
        f"--period {text!r} is not a period; write 2026, 2026-Q1, 2026-03 or 2026-01-01..2026-06-30"
    )


def month_end(year: int, month: int) -> dt.date:
    """Return the last day of ``month``."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
