"""How exact a reported figure is: "about", "more than", "between X and Y".

A figure keeps its point value and the bounds its qualifier implies, so sums and indicators can
carry ``low``/``high`` beside the point value. ``None`` as a bound means unbounded on that side.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import StrEnum
from typing import Any

from sahel_core.errors import ValidationError

__all__ = [
    "APPROX_TOLERANCE",
    "MAX_DECIMAL_PLACES",
    "MAX_MAGNITUDE",
    "Qualifier",
    "default_bounds",
    "lone_surrogate",
    "round_places",
    "settle_bounds",
    "text_check",
    "to_decimal",
    "to_optional_decimal",
    "to_qualifier",
]

#: Figures keep at most this many decimal places, so tables hold them exactly (see
#: :mod:`sahel_core.tables`); a finer figure is refused rather than silently rounded.
MAX_DECIMAL_PLACES = 9
#: Figures stay below 10**29 so that 38-digit table columns hold them.
MAX_MAGNITUDE = Decimal(10) ** 29

#: Relative half-width given to "about X" when the text states no bounds: 10 %, documented so
#: that indicators stay reproducible. Change it per call with ``default_bounds(tolerance=...)``.
APPROX_TOLERANCE = Decimal("0.1")


class Qualifier(StrEnum):
    """The qualifier a source put on a figure.

    ``exact`` "2.7 t"; ``approx`` "about/some/environ/près de"; ``at_least`` "at least/au moins";
    ``more_than`` "over/more than/plus de"; ``at_most`` "at most/au plus";
    ``less_than`` "under/less than/moins de"; ``range`` "between 3 and 5 / de 3 à 5".
    """

    EXACT = "exact"
    APPROX = "approx"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    AT_MOST = "at_most"
    LESS_THAN = "less_than"
    RANGE = "range"


#: Room for any product of two figures of the tables, rounded half-even as polars rounds.
_EXACT = Context(prec=80, rounding=ROUND_HALF_EVEN)


def default_bounds(
    magnitude: Decimal, qualifier: Qualifier, tolerance: Decimal = APPROX_TOLERANCE
) -> tuple[Decimal | None, Decimal | None]:
    """The ``(low, high)`` bounds a qualifier implies for a non-negative figure.

    A range has no default: its bounds are what the text said.
    """
    match qualifier:
        case Qualifier.EXACT:
            return magnitude, magnitude
        case Qualifier.APPROX:
            # Exact products whatever the caller's decimal context: bounds must not depend on it.
            with localcontext(_EXACT):
                low, high = magnitude * (1 - tolerance), magnitude * (1 + tolerance)
            return round_places(low), round_places(high)
        case Qualifier.AT_LEAST | Qualifier.MORE_THAN:
            return magnitude, None
        case Qualifier.AT_MOST | Qualifier.LESS_THAN:
            return Decimal(0), magnitude
        case Qualifier.RANGE:
            raise ValueError("a range states its own bounds")


def to_decimal(value: object) -> Decimal:
    """An attrs converter: ``Decimal``, ``int`` or numeric ``str`` to ``Decimal``; never float.

    Floats are refused because they carry binary rounding into money and masses.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            pass
    raise ValidationError("expected a decimal number (Decimal, int or str)", value=value)


def to_optional_decimal(value: object) -> Decimal | None:
    """Like :func:`to_decimal`, passing ``None`` through."""
    return None if value is None else to_decimal(value)


def settle_bounds(figure: Any, magnitude: Decimal) -> None:
    """Validate a frozen figure's ``qualifier``/``low``/``high`` and fill default bounds.

    Called from ``__attrs_post_init__`` of :class:`~sahel_core.quantities.Amount` and
    :class:`~sahel_core.money.Money`, the two figures with qualifiers.
    """
    # The figure's own name for its number: Money calls it amount.
    number_field = "amount" if hasattr(figure, "amount") else "magnitude"
    if not magnitude.is_finite() or magnitude < 0:
        raise ValidationError(
            "a figure is a finite number >= 0", field=number_field, value=magnitude
        )
    low, high = figure.low, figure.high
    if figure.qualifier is Qualifier.RANGE:
        if low is None or high is None:
            raise ValidationError("a range needs low and high", field="low", value=low)
    elif low is None and high is None:
        low, high = default_bounds(magnitude, figure.qualifier)
        object.__setattr__(figure, "low", low)
        object.__setattr__(figure, "high", high)
    for name, bound in (("low", low), ("high", high)):
        if bound is not None and (not bound.is_finite() or bound < 0):
            raise ValidationError("a bound is a finite number >= 0", field=name, value=bound)
    for name, number in ((number_field, magnitude), ("low", low), ("high", high)):
        if number is not None and not _fits_tables(number):
            raise ValidationError(
                f"a figure has at most {MAX_DECIMAL_PLACES} decimal places and is below 1e29",
                field=name,
                value=number,
            )
    if low is not None and low > magnitude:
        raise ValidationError("low bound above the value", field="low", value=low)
    if high is not None and high < magnitude:
        raise ValidationError("high bound below the value", field="high", value=high)


def to_qualifier(value: object) -> Qualifier:
    """An attrs converter from a qualifier or its name ("approx") to :class:`Qualifier`."""
    if isinstance(value, str) and value in Qualifier._value2member_map_:
        return Qualifier(value)
    raise ValidationError(
        f"unknown qualifier; one of {', '.join(q.value for q in Qualifier)}",
        field="qualifier",
        value=value,
    )


def round_places(number: Decimal) -> Decimal:
    """``number`` rounded half-even to :data:`MAX_DECIMAL_PLACES` only when it has more, in a
    context wide enough for any figure below :data:`MAX_MAGNITUDE` (Python's default one,
    28 digits, cannot round 20 integer digits to 9 places)."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -MAX_DECIMAL_PLACES:
        return number
    with localcontext(_EXACT):
        return round(number, MAX_DECIMAL_PLACES)


def _fits_tables(number: Decimal) -> bool:
    if number.copy_abs() >= MAX_MAGNITUDE:  # abs() would round to 28 digits first
        return False
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite numbers only reach here
    if exponent >= -MAX_DECIMAL_PLACES:
        return True
    with localcontext(_EXACT):
        return number == round(number, MAX_DECIMAL_PLACES)


def text_check(name: str, *, optional: bool = True, blank: bool = True) -> Any:
    """An attrs validator for a text field: a ``str`` (or ``None`` when ``optional``; not
    blank unless ``blank``) that a table and a UTF-8 file can hold, so no lone surrogate (a
    file name read from a disk in another encoding has them). Raises
    :class:`~sahel_core.errors.ValidationError` naming ``name``."""

    def check(_: object, __: object, value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str):
            raise ValidationError("expected text", field=name, value=value)
        if not blank and not value.strip():
            raise ValidationError("expected non-empty text", field=name, value=value)
        if not value.isascii() and (half := lone_surrogate(value)) is not None:
            raise ValidationError(f"a lone surrogate ({half}) is no text", field=name, value=value)

    return check


def lone_surrogate(text: str) -> str | None:
    """The escape ("\\ud800") of the first half of a surrogate pair standing alone in
    ``text``, which UTF-8 cannot encode and so no table or file can hold; ``None`` if none."""
    found = _SURROGATE.search(text)
    return None if found is None else found.group().encode("unicode_escape").decode("ascii")


_SURROGATE = re.compile("[\ud800-\udfff]")
