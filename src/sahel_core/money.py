"""Money as the field writes it, and conversions that say how they were made.

:class:`Money` is a ``Decimal`` amount in an ISO 4217 currency, with the qualifier and text of
the source ("some CFA 700 million"). A :class:`Conversion` reports the result together with
every :class:`RateStep` used: rate, the rate's own date, its source and the period it covers.
XOF and XAF are pegged to the euro at exactly 655.957 per EUR.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attrs import define, field

from sahel_core.errors import ValidationError
from sahel_core.qualifiers import (
    Qualifier,
    settle_bounds,
    to_decimal,
    to_optional_decimal,
    to_qualifier,
)

__all__ = ["Conversion", "Money", "RateStep"]


def _currency(value: object) -> str:
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return value.upper()
    raise ValidationError(
        "a currency is a three-letter ISO 4217 code", field="currency", value=value
    )


@define(frozen=True)
class Money:
    """An amount of money: ``Decimal`` amount, ISO 4217 currency, qualifier, bounds, text."""

    amount: Decimal = field(converter=to_decimal)
    currency: str = field(converter=_currency)
    qualifier: Qualifier = field(default=Qualifier.EXACT, converter=to_qualifier)
    low: Decimal | None = field(default=None, converter=to_optional_decimal)
    high: Decimal | None = field(default=None, converter=to_optional_decimal)
    text: str | None = None

    def __attrs_post_init__(self) -> None:
        settle_bounds(self, self.amount)


@define(frozen=True)
class RateStep:
    """One hop of a conversion: ``1 from_currency = rate to_currency``.

    ``rate_date`` is the date the rate is published for (the previous business day when the
    requested date had none); ``period`` is ``fixed`` (a peg), ``day``, ``month`` or ``year``.
    """

    from_currency: str = field(converter=_currency)
    to_currency: str = field(converter=_currency)
    rate: Decimal = field(converter=to_decimal)
    rate_date: dt.date
    source: str
    period: str = "day"


@define(frozen=True)
class Conversion:
    """A converted amount with its provenance: original, result, requested date and steps."""

    original: Money
    result: Money
    on: dt.date
    steps: tuple[RateStep, ...]

    @property
    def path(self) -> str:
        """The route as a person reads it: ``XOF→EUR (peg 1999-01-01) → USD (ECB 2016-11-04)``."""
        if not self.steps:
            return self.original.currency
        hops = [self.steps[0].from_currency]
        hops += [f"{s.to_currency} ({s.source} {s.rate_date.isoformat()})" for s in self.steps]
        return " → ".join(hops)
