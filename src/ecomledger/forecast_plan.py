"""``forecast.toml``: what the merchant knows of the weeks ahead and wants to be warned of.

Validated like ecomledger.toml: unknown keys, bad amounts or dates and a floor in another
currency are refused in one sentence naming the key and the fix. The file is optional; with
none, the forecast runs on what it learns from the books.

```toml
floor = "2000.00"            # alert when bank cash falls below this, in the company's currency
variance_alert = 0.25        # alert when a category's actual departs from plan by more than 25 %

[scenarios]                  # factors on sales (defaults: low 0.8, base 1.0, high 1.2)
low = 0.7

[[planned]]
date = "2026-04-15"
amount = "-3000.00"          # negative: money out
category = "suppliers"
label = "Spring stock order"
```
"""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ecomledger.errors import ConfigError
from ecomledger.treasury import CATEGORIES

PLAN_NAME = "forecast.toml"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _amount(value: object) -> Decimal:
    text = str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f'{text!r} is not an amount; write it like "-1200.00" (a quoted number)')
    return number


class Planned(_Model):
    """A known future movement of the bank's cash."""

    date: dt.date
    amount: Decimal
    category: str = "other"
    label: str = ""
    currency: str = ""

    _amount = field_validator("amount", mode="before")(_amount)

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        known = (*CATEGORIES, "payouts")
        if value not in known:
            raise ValueError(f"{value!r} is not a category; use one of {', '.join(known)}")
        return value


class Scenarios(_Model):
    """Factors applied to learned sales in each scenario."""

    low: Decimal = Field(default=Decimal("0.8"), ge=0)
    base: Decimal = Field(default=Decimal("1.0"), ge=0)
    high: Decimal = Field(default=Decimal("1.2"), ge=0)


class Plan(_Model):
    """The whole forecast.toml."""

    floor: Decimal | None = None
    floor_currency: str = ""
    variance_alert: Decimal = Field(default=Decimal("0.25"), gt=0)
    scenarios: Scenarios = Scenarios()
    planned: tuple[Planned, ...] = ()

    @field_validator("floor", mode="before")
    @classmethod
    def _floor(cls, value: object) -> Decimal | None:
        return None if value is None else _amount(value)


def load_plan(books: Path, currency: str) -> Plan:
    """Read ``forecast.toml`` beside ecomledger.toml (an empty plan when there is none).

    Raises:
        ConfigError: one sentence naming the file, the key and the fix.
    """
    path = books / PLAN_NAME
    if not path.exists():
        return Plan()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{PLAN_NAME}: not valid TOML ({exc}); fix the syntax") from None
    # A floor written with its currency ("2000 USD") is split, so its currency is checked.
    floor = raw.get("floor")
    if isinstance(floor, str) and len(floor.split()) == 2:
        raw["floor"], raw["floor_currency"] = floor.split()
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key; remove it or check its spelling (see the README)"
        raise ConfigError(f"{PLAN_NAME}: {where}: {message}") from None
    if plan.floor_currency and plan.floor_currency != currency:
        raise ConfigError(
            f"{PLAN_NAME}: floor is in {plan.floor_currency} but the books are kept in "
            f"{currency}; write the floor in {currency}"
        )
    for index, item in enumerate(plan.planned):
        if item.currency and item.currency != currency:
            raise ConfigError(
                f"{PLAN_NAME}: planned.{index}.currency: {item.currency} is not the books' "
                f"currency {currency}; convert the amount to {currency}"
            )
    return plan
