"""Quantities as the field writes them: "more than 2.7 tons", "70,000 tablets", "1,6 kg".

An :class:`Amount` keeps the magnitude as a ``Decimal`` in the unit the source used (stored as
its canonical symbol: "tons" → ``"t"``), the qualifier and its bounds, and the original text.

Units are defined for pint in ``sahel_core/data/units.txt`` and nothing else: "t", "ton",
"tonne" and "MT" are the metric tonne (1000 kg), never pint's US short ton. Masses are based on
the kilogram, volumes on the litre, and every kind of count (tablet, carton, person...) is its
own dimension, so tablets never add to kilograms or to cartons. The registry reads factors as
``Decimal``, so metric conversions are exact. What pint answers for every spelling it accepts
is kept in ``data/unit_spellings.csv`` (tests check it against pint), so a process looks units
up there, once per distinct string, without importing pint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_CEILING, Context, Decimal
from decimal import Inexact as _Inexact
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from attrs import define, field

from sahel_core.errors import AmbiguousInput, ParseError, UnitError, ValidationError
from sahel_core.numbers import (
    _ARTICLES,
    COLLECTIVE_WORDS,
    SCALE_WORDS,
    format_qualified,
    parse_number,
    split_qualifier,
    split_range,
    tidy,
)
from sahel_core.qualifiers import (
    MAX_DECIMAL_PLACES,
    Qualifier,
    default_bounds,
    settle_bounds,
    text_check,
    to_decimal,
    to_optional_decimal,
    to_qualifier,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "Amount",
    "add",
    "base_unit",
    "canonical_unit",
    "dimension",
    "format_amount",
    "normalize_units",
    "parse_amount",
    "to_unit",
    "total",
    "unit_factors",
]

# Longest text parse_amount reads: an amount is a few words, not a paragraph.
_MAX_TEXT = 200
# Addition and multiplication of Decimals are exact at this precision.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_CEILING = Context(prec=100, rounding=ROUND_CEILING)
# French joins a scale word or a collective noun to what it counts with "de": "3 millions de
# comprimés", "une dizaine de kilogrammes". Only there: after a unit, "de" starts other words
# ("12 kg de cocaïne"), which the text must not hold.
_SCALE_DE = re.compile(
    rf"(?<![^\W\d_])((?:{'|'.join([*SCALE_WORDS, *COLLECTIVE_WORDS])})s?) d(?:e |['’])"
    r"(?=[^\W\d_])",
    re.IGNORECASE,
)
# French adds a half after the unit: "une tonne et demie", "deux kilos et demi".
_AND_A_HALF = re.compile(r"\s+et\s+demie?$", re.IGNORECASE)
# "demi" joined to its unit: "une demi-tonne".
_HALF_JOINED = re.compile(r"(?<![^\W\d_])(demi)-(?=[^\W\d_])", re.IGNORECASE)
_NO_VOWEL = re.compile(r"[^aeiouy]*")


class _Unit(NamedTuple):
    symbol: str  # canonical: "t", "kg", "tablet"
    name: str  # pint's name: "tonne", "kilogram", "tablet"
    dimension: str  # "mass", "volume", "area", or the count's own name ("tablet")
    factor: Decimal  # to the base unit of the dimension
    base: str  # "kg", "l", "ha", or the count unit itself


@cache
def _registry() -> Any:
    """The application's pint registry, from ``data/units.txt`` alone (see the module doc)."""
    from importlib.resources import files

    import pint

    text = (files("sahel_core") / "data" / "units.txt").read_text(encoding="utf-8")
    registry: Any = pint.UnitRegistry(
        None, non_int_type=Decimal, cache_folder=None, on_redefinition="raise"
    )
    registry.load_definitions(text.splitlines())
    return registry


def _unit_key(text: str) -> str:
    """How units.txt spells a unit: "Tonnes métriques" → "tonnes_metriques", "Kg." → "kg"."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "_".join(plain.strip().rstrip(".").replace("-", " ").replace("'", " ").split())


@lru_cache(maxsize=4096)
def _lookup(text: str) -> _Unit | str:
    """The unit a text names, or why it names none."""
    known = _spellings().get(_unit_key(text))
    return f"unknown unit {text!r}" if known is None else known


@cache
def _spellings() -> dict[str, _Unit]:
    """Every spelling the registry accepts, with its unit: ``data/unit_spellings.csv``.

    The table is pint's own answer for each name, symbol and alias of ``data/units.txt`` and
    for each of them with the plural "s" pint adds (:func:`_pint_spellings`), which is every
    spelling pint accepts, since the registry defines no prefixes; tests check both. Looking
    units up there spares a process the import of pint and the building of its registry, more
    than half a second: longer than normalizing a million rows of a register.
    """
    import csv
    from importlib.resources import files

    text = (files("sahel_core") / "data" / "unit_spellings.csv").read_text(encoding="utf-8")
    return {
        row["key"]: _Unit(
            row["symbol"], row["name"], row["dimension"], Decimal(row["factor"]), row["base"]
        )
        for row in csv.DictReader(text.splitlines())
    }


def _from_pint(key: str) -> _Unit | None:
    """The unit a spelling key names in the registry, or ``None``."""
    # Only lower-case ASCII words reach pint: no expressions ("kg/l"), no exotic letters.
    if not key or not key.replace("_", "").isascii() or not key.replace("_", "").isalpha():
        return None
    import pint

    registry = _registry()
    try:
        name = registry.get_name(key)
    except pint.UndefinedUnitError:
        return None
    dimensions = dict(registry.get_dimensionality(name))
    if len(dimensions) != 1:  # pint's built-in "dimensionless"
        return None
    ((dim, _),) = dimensions.items()
    factor, base = registry.get_base_units(name)
    # Decimal registry: factors are the exact decimals written in units.txt (ints for 1).
    return _Unit(
        symbol=registry.get_symbol(name),
        name=name,
        dimension=dim.strip("[]"),
        factor=Decimal(factor),
        base=registry.get_symbol(str(base)),
    )


def _pint_spellings() -> dict[str, _Unit]:
    """What pint makes of each name, symbol and alias of the registry, and of each with the
    plural "s": the content of ``data/unit_spellings.csv``."""
    registry = _registry()
    keys: set[str] = set()
    for name, definition in registry._units.items():
        for spelling in (name, definition.symbol, *definition.aliases):
            if spelling and spelling != "_":
                key = _unit_key(spelling)
                keys.update((key, f"{key}s"))
    found = {key: _from_pint(key) for key in sorted(keys)}
    return {key: unit for key, unit in found.items() if unit is not None}


def _write_spellings(path: str) -> None:  # pragma: no cover - run by hand when units.txt changes
    """Write :func:`_pint_spellings` as CSV (``python -c "from sahel_core.quantities import
    _write_spellings; _write_spellings('src/sahel_core/data/unit_spellings.csv')"``)."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["key", *_Unit._fields])
        for key, unit in _pint_spellings().items():
            writer.writerow([key, *unit])


def _unit(text: object) -> _Unit:
    if not isinstance(text, str):
        raise UnitError("a unit is text such as 'kg' or 'tablets'", field="unit", value=text)
    found = _lookup(text)
    if isinstance(found, str):
        raise UnitError(found, field="unit", value=text)
    return found


def canonical_unit(text: str) -> str:
    """The canonical symbol of any accepted spelling: "tons" → ``"t"``, "kilogrammes" →
    ``"kg"``, "comprimés" → ``"tablet"``, "participants" → ``"person"``.

    Case, accents, a final "." and English plurals do not matter; several words join with
    "_" ("tonnes métriques"). Units accepted are those of ``data/units.txt``. Raises
    :class:`~sahel_core.errors.UnitError` for an unknown unit. Cached per distinct string.
    """
    return _unit(text).symbol


def dimension(unit: str) -> str:
    """What a unit measures, as a stable string: ``"mass"``, ``"volume"``, ``"area"``, or for
    counts the count's own canonical unit (``"tablet"``, ``"carton"``, ``"person"``...)."""
    return _unit(unit).dimension


def base_unit(unit: str) -> str:
    """The unit :func:`unit_factors` converts to: ``"kg"``, ``"l"``, ``"ha"``, or the count
    unit itself."""
    return _unit(unit).base


def _to_unit_symbol(value: object) -> str:
    return _unit(value).symbol


@define(frozen=True)
class Amount:
    """A reported quantity: magnitude and unit, qualifier, bounds and source text.

    ``unit`` is stored as its canonical symbol (``Amount("2.7", "tons").unit == "t"``, see
    :func:`canonical_unit`); an unknown unit raises :class:`~sahel_core.errors.UnitError`.
    The magnitude stays in the unit the source used; convert with :func:`to_unit`.
    ``low``/``high`` default to the bounds the qualifier implies (see
    :func:`sahel_core.qualifiers.default_bounds`); ``None`` means unbounded on that side.
    """

    magnitude: Decimal = field(converter=to_decimal)
    unit: str = field(converter=_to_unit_symbol)
    qualifier: Qualifier = field(default=Qualifier.EXACT, converter=to_qualifier)
    low: Decimal | None = field(default=None, converter=to_optional_decimal)
    high: Decimal | None = field(default=None, converter=to_optional_decimal)
    text: str | None = field(default=None, validator=text_check("text"))

    def __attrs_post_init__(self) -> None:
        settle_bounds(self, self.magnitude)


# --- reading and writing


def parse_amount(text: str, *, locale: str | None = None, unit: str | None = None) -> Amount:
    """An :class:`Amount` from a quantity as written, English or French.

    Reads a number (see :func:`sahel_core.numbers.parse_number`; ``locale`` settles "2,700")
    followed by a unit, with qualifier words before or after (see
    :func:`sahel_core.numbers.split_qualifier`) or as a range (see
    :func:`sahel_core.numbers.split_range`)::

        "more than 2.7 tons"    Amount(2.7, "t", more_than)
        "plus de 2,7 tonnes"    Amount(2.7, "t", more_than)
        "70,000 tablets"        Amount(70000, "tablet")
        "3 millions de comprimés"    Amount(3000000, "tablet")
        "about 400 g", "some 30 kg", "environ 12 kg", "près de 2 tonnes"   approx
        "between 3 and 5 kg", "de 3 à 5 kg", "3-5 kg", "500 g to 1 kg"    range
        "a ton", "une tonne", "half a ton", "une demi-tonne"    1 t, 0.5 t
        "une tonne et demie", "a dozen kilograms"    1.5 t, 12 kg
        "une dizaine de kilogrammes", "une trentaine de participants"    approx

    A range's magnitude is its midpoint; its sides may carry units of one dimension (the
    left is converted to the right's unit). A range may be "about" but takes no other
    qualifier. ``unit`` is the unit when the text names none (a spreadsheet cell under
    "Poids (kg)"); a unit in the text wins over it but must measure the same thing.

    Numbers in words are :func:`~sahel_core.numbers.parse_number`'s, articles and
    collective nouns included; an article counts one only of a unit written out ("a ton"),
    not of a symbol ("a t" raises: a stray letter more often than a weight). "et demi(e)"
    after the unit adds a half. "de"/"d'" is read between a scale word or a collective noun
    and the unit ("millions de", "milliards d'", "une dizaine de"), nowhere else. The text
    must be only the amount: "12 kg of cocaine" and "12 kg de cocaïne" raise, naming the text
    after the unit; extracting amounts from sentences is the caller's job. ``Amount.text``
    keeps ``text`` as given. Raises :class:`~sahel_core.errors.ParseError`
    (``AmbiguousInput`` for "2,500 kg" without a locale) or
    :class:`~sahel_core.errors.UnitError`, nothing else.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    if len(text) > _MAX_TEXT:
        raise ParseError(f"longer than {_MAX_TEXT} characters: not an amount", value=text[:40])
    default = None if unit is None else _unit(unit)
    qualifier, rest = split_qualifier(text)
    sides = split_range(rest, locale=locale)
    try:
        if sides is None:
            magnitude, found = _number_and_unit(rest, text, locale, default)
            return Amount(magnitude, found.symbol, qualifier, text=text)
        if qualifier not in (Qualifier.EXACT, Qualifier.APPROX):
            raise ParseError(f"a range cannot be {qualifier.value!r}: {text!r}", value=text)
        high, found = _number_and_unit(sides[1], text, locale, default)
        low = _range_start(sides[0], text, locale, found)
        if low > high:
            raise ParseError(f"a range runs from low to high: {text!r}", value=text)
        middle = _round(_EXACT.multiply(_EXACT.add(low, high), Decimal("0.5")))
        return Amount(middle, found.symbol, Qualifier.RANGE, low, high, text)
    except ValidationError as exc:  # a negative or too fine figure
        raise ParseError(f"{exc.message}: {text!r}", field=exc.field, value=text) from exc


def _glue_split(rest: str) -> list[str]:
    """Words, with a unit glued to its number split off: "2.7t" → ["2.7", "t"], "demi-tonne"
    → ["demi", "tonne"]. An exponent ("1e5") is left whole, so that an error quotes the number
    as written, not "1 e5"."""
    rest = _HALF_JOINED.sub(r"\1 ", rest)
    return re.sub(r"(\d)(?=[^\W\d_])(?![eE][+-]?\d)", r"\1 ", rest).split()


def _number_and_unit(
    rest: str, text: str, locale: str | None, default: _Unit | None
) -> tuple[Decimal, _Unit]:
    half = _AND_A_HALF.search(rest)
    if half is not None:
        whole, unit_of_whole = _number_and_unit(rest[: half.start()], text, locale, default)
        return _EXACT.add(whole, Decimal("0.5")), unit_of_whole
    words = _glue_split(_SCALE_DE.sub(r"\1 ", rest))
    if not words:
        raise ParseError(f"no number in {text!r}", value=text)
    # The longest unit at the end that names a known unit; the words before it are the number.
    for cut in range(1, len(words)):
        unit = " ".join(words[cut:])
        found = _lookup(unit)
        if not isinstance(found, str):
            # An article counts one only of a unit written out ("a ton"): before a symbol it
            # is a stray letter ("a t", "à l'aéroport").
            if cut == 1 and words[0].casefold() in _ARTICLES and not _written_out(unit):
                raise ParseError(
                    f"{text!r}: an article counts one of a unit written out, not of a symbol",
                    value=text,
                )
            value = parse_number(" ".join(words[:cut]), locale=locale)
            if default is not None and default.dimension != found.dimension:
                raise UnitError(
                    f"{text!r} is in {found.symbol}, not a unit of {default.dimension}",
                    field="unit",
                    value=text,
                )
            return value, found
    if default is not None:
        return parse_number(" ".join(words), locale=locale), default
    raise _diagnose(words, text, locale)


def _written_out(text: str) -> bool:
    """Whether a unit's ``text`` is a word ("ton", "kilos", "tablet"), not a symbol or an
    abbreviation ("t", "kgs", "mt", "kgr"): more than two letters besides a plural "s", and
    a vowel among them."""
    stem = _unit_key(text).removesuffix("s")
    return len(stem) > 2 and not _NO_VOWEL.fullmatch(stem)


def _diagnose(words: list[str], text: str, locale: str | None) -> ParseError | UnitError:
    """The clearest error for a text with no number-then-unit reading."""
    numeral = 0
    for cut in range(len(words), 0, -1):
        start = " ".join(words[:cut])
        try:
            parse_number(start, locale=locale)
        except AmbiguousInput:
            try:  # a number all the same if one of its readings is ("2,700" without a locale)
                parse_number(start, locale="en")
            except ParseError:
                continue
        except ParseError:
            continue
        numeral = cut
        break
    if numeral == 0:
        return ParseError(f"no number at the start of {text!r}", value=text)
    if numeral == len(words):
        return ParseError(f"no unit in {text!r}", value=text)
    if not isinstance(_lookup(words[numeral]), str):
        trailing = " ".join(words[numeral + 1 :])
        return ParseError(
            f"text after the unit in {text!r}: {trailing!r}; give the amount alone", value=text
        )
    return UnitError(f"unknown unit {' '.join(words[numeral:])!r}", field="unit", value=text)


def _range_start(left: str, text: str, locale: str | None, unit: _Unit) -> Decimal:
    """The left side of a range: a bare number in the right side's unit, or number and unit."""
    try:
        return parse_number(left, locale=locale)
    except AmbiguousInput:
        raise
    except ParseError:
        pass  # not a bare number: read it with its unit
    value, found = _number_and_unit(left, text, locale, None)
    if found.dimension != unit.dimension:
        raise UnitError(
            f"a range from {found.symbol} to {unit.symbol}: {text!r}", field="unit", value=text
        )
    return _round(_convert(value, found, unit))


def format_amount(amount: Amount, locale: str = "en") -> str:
    """``amount`` as text: "more than 2.7 t", "70,000 tablets", "entre 3 et 5 kg".

    Qualifier words in English, or in French for a French ``locale``; numbers by
    :func:`sahel_core.numbers.format_number`, so they never read two ways. Units as their
    canonical symbol ("t", "kg"); count units as their name, plural when not 1 ("tablets").
    Writes the qualifier, not the bounds: for any amount whose bounds are those its
    qualifier implies, and any range whose magnitude is its midpoint (what
    :func:`parse_amount` builds), ``parse_amount(format_amount(a, L))`` equals ``a`` with
    ``text`` removed (``attrs.evolve(a, text=None)``), with or without passing ``L``.
    """
    unit = _unit(amount.unit)

    def label(value: Decimal) -> str:
        if unit.symbol != unit.name or value == 1:
            return unit.symbol
        return unit.symbol + "s"

    return format_qualified(
        amount.qualifier, amount.magnitude, amount.low, amount.high, label, locale
    )


# --- arithmetic


def _convert(value: Decimal, source: _Unit, target: _Unit) -> Decimal:
    """``value`` from one unit to another of the same dimension: exact when the result is a
    finite decimal (every metric conversion), else rounded to 28 significant digits."""
    if source.symbol == target.symbol:
        return value
    base = _EXACT.multiply(value, source.factor)
    digits = len(base.as_tuple().digits) + 60  # room for any terminating quotient here
    try:
        return tidy(Context(prec=digits, traps=[_Inexact]).divide(base, target.factor))
    except _Inexact:
        return tidy(Context().divide(base, target.factor))


def _round(value: Decimal) -> Decimal:
    """``value`` in :func:`tidy` form, rounded half-even to the places tables hold (9) only
    when it is finer; rounding is monotonic, so ``low <= magnitude <= high`` survives it."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        value = value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES), context=_EXACT)
    return tidy(value)


def to_unit(amount: Amount, unit: str) -> Amount:
    """``amount`` in another unit of the same dimension, bounds included; ``text`` is kept.

    Exact between metric units (kg ↔ t ↔ g ↔ mg, l ↔ ml) whenever the result has at most 9
    decimal places, the precision tables keep; finer results (and conversions to pounds or
    ounces) are rounded half-even to 9 places, which keeps ``low <= magnitude <= high``. Raises
    :class:`~sahel_core.errors.UnitError` for an unknown unit or another dimension
    (tablets to kilograms), :class:`~sahel_core.errors.ValidationError` when the result
    leaves the range an :class:`Amount` holds (1e29 and more).
    """
    source, target = _unit(amount.unit), _unit(unit)
    if source.dimension != target.dimension:
        raise UnitError(
            f"cannot convert {source.symbol} ({source.dimension}) to "
            f"{target.symbol} ({target.dimension})",
            field="unit",
            value=unit,
        )
    if source.symbol == target.symbol:
        return amount

    def convert(value: Decimal | None) -> Decimal | None:
        return None if value is None else _round(_convert(value, source, target))

    return Amount(
        convert(amount.magnitude),
        target.symbol,
        amount.qualifier,
        convert(amount.low),
        convert(amount.high),
        amount.text,
    )


def total(amounts: Iterable[Amount], *, unit: str | None = None) -> Amount:
    """The sum of amounts of one dimension, in ``unit`` (default: the first amount's unit).

    ``low`` is the sum of the lows (an absent low counts as 0, as every figure is >= 0) and
    ``high`` the sum of the highs, ``None`` if any is unbounded. The qualifier and magnitude
    say what the bounds say, so that :func:`format_amount` writes a true statement that
    :func:`parse_amount` reads back with the same bounds:

    * no high: ``more_than`` the low (if any part is ``more_than``, the sum is strictly above)
      or ``at_least`` the low; the magnitude is the low, since "more than 2 t" plus "at most
      3 t" is only known to be above 2 t;
    * else the magnitudes add, and the qualifier is ``exact`` when the bounds are equal,
      ``less_than`` or ``at_most`` when the low is 0 and the high is the magnitude
      (``less_than`` if any part is), ``approx`` when the bounds are those "about" gives
      the magnitude ("about 2 kg" plus "about 3 kg"), else ``range``.

    The sum has no ``text``. Raises :class:`~sahel_core.errors.UnitError` when dimensions
    differ (tablets and kilograms, tablets and cartons),
    :class:`~sahel_core.errors.ValidationError` for an empty total without ``unit``.
    """
    items = list(amounts)
    for position, item in enumerate(items):
        if not isinstance(item, Amount):
            raise ValidationError("expected an Amount", field=f"amounts[{position}]", value=item)
    if not items:
        if unit is None:
            raise ValidationError("a total of nothing needs a unit", field="unit", value=None)
        return Amount(0, unit)
    target = canonical_unit(unit if unit is not None else items[0].unit)
    parts = [to_unit(item, target) for item in items]
    magnitude = _sum(p.magnitude for p in parts)
    low = _sum(p.low if p.low is not None else Decimal(0) for p in parts)
    highs = [p.high for p in parts]
    high = None if None in highs else _sum(h for h in highs if h is not None)
    kinds = {p.qualifier for p in parts}
    if high is None:
        magnitude = low
        qualifier = Qualifier.MORE_THAN if Qualifier.MORE_THAN in kinds else Qualifier.AT_LEAST
    elif low == high:
        qualifier = Qualifier.EXACT
    elif low == 0 and high == magnitude:
        qualifier = Qualifier.LESS_THAN if Qualifier.LESS_THAN in kinds else Qualifier.AT_MOST
    elif (low, high) == default_bounds(magnitude, Qualifier.APPROX):
        qualifier = Qualifier.APPROX
    else:
        qualifier = Qualifier.RANGE
    return Amount(magnitude, target, qualifier, low, high)


def add(a: Amount, b: Amount, *, unit: str | None = None) -> Amount:
    """``a + b`` as :func:`total` adds them, in ``unit`` or ``a``'s unit."""
    return total((a, b), unit=unit)


def _sum(values: Iterable[Decimal]) -> Decimal:
    result = Decimal(0)
    for value in values:
        result = _EXACT.add(result, value)
    return tidy(result)


# --- tables


def unit_factors(units: Iterable[str]) -> dict[str, tuple[str, Decimal] | UnitError]:
    """For each distinct unit text, ``(dimension, factor to the base unit)`` or the error.

    The base unit is kg for mass, l for volume, ha for area and the count unit itself for
    counts (factor 1): ``{"tons": ("mass", Decimal("1000")), "g": ("mass",
    Decimal("0.001")), "zz": UnitError(...)}``. pint is consulted once per distinct string
    (results are cached for the 4096 most recent strings), so callers can normalize a column
    by joining this mapping instead of parsing every row.
    """
    out: dict[str, tuple[str, Decimal] | UnitError] = {}
    for text in units:
        if text in out:
            continue
        try:
            found = _unit(text)
        except UnitError as exc:
            out[text] = exc.detached()
            continue
        out[text] = (found.dimension, found.factor)
    return out


def _places(factor: Decimal) -> int:
    return max(0, -int(factor.as_tuple().exponent))


def _limit(factor: Decimal, qty_scale: int) -> Decimal | None:
    """The least quantity (at ``qty_scale`` places) that cannot be multiplied by ``factor``
    at ``qty_scale`` plus the factor's places in 38 digits, or None when no quantity of 38
    digits at ``qty_scale`` places reaches it."""
    scale = min(38, qty_scale + _places(factor))
    room = Decimal(10) ** (38 - scale)
    # The product rounded to 9 places must fit as well: polars raises when rounding overflows.
    bound = min(room, _CEILING.divide(room - Decimal("5E-10"), factor))
    # Rounded up twice, first to 100 digits, finer than any 38-digit quantity: exactly the
    # least such quantity.
    least = bound.quantize(Decimal(1).scaleb(-qty_scale), context=_CEILING)
    return None if least >= Decimal(10) ** (38 - qty_scale) else least


def normalize_units(
    df: pl.DataFrame, unit_col: str = "unit", qty_col: str = "quantity"
) -> pl.DataFrame:
    """``df`` with four columns added: ``quantity_base``, ``base_unit``, ``dimension`` and
    ``unit_error`` (null when the row's unit is known).

    ``quantity_base`` is ``qty_col`` in the base unit of its dimension (see
    :func:`unit_factors`). A Decimal or integer quantity gives a Decimal result rounded
    half-even to 9 places (``Decimal(38, 9)``, as tables keep figures), exact for metric
    units; a Float64 quantity gives Float64, since the input is already binary. Rows with
    an unknown or missing unit keep their row with null base columns and a ``unit_error``.
    Vectorized: each distinct unit is looked up once and the mapping joined, no Python per
    row. Raises :class:`~sahel_core.errors.ValidationError` when a column is missing or of
    the wrong type.
    """
    import polars as pl

    for name in (unit_col, qty_col):
        if name not in df.columns:
            raise ValidationError(f"no column {name!r}", field=name, value=df.columns)
    qty_type = df.schema[qty_col]
    if not (qty_type.is_numeric() or qty_type == pl.Null):
        raise ValidationError(
            f"column {qty_col!r} is not numeric", field=qty_col, value=str(qty_type)
        )
    if df.schema[unit_col] not in (pl.String, pl.Categorical, pl.Null) and not isinstance(
        df.schema[unit_col], pl.Enum
    ):
        raise ValidationError(
            f"column {unit_col!r} is not text", field=unit_col, value=str(df.schema[unit_col])
        )
    key = "__sahel_unit"
    keys = df.get_column(unit_col).cast(pl.String).drop_nulls().unique().to_list()
    infos = [_lookup(k) for k in keys]  # pint once per distinct unit, then cached
    is_float = qty_type.is_float()
    qty_scale = getattr(qty_type, "scale", 0) or 0
    scales = [None if isinstance(i, str) else _places(i.factor) for i in infos]
    known = sorted({s for s in scales if s is not None})
    factor_type = pl.Float64 if is_float else pl.Decimal(38, max(known, default=0))
    mapping = pl.DataFrame(
        {
            key: keys,
            "__sahel_factor": [
                None if isinstance(i, str) else (float(i.factor) if is_float else i.factor)
                for i in infos
            ],
            "__sahel_scale": scales,
            "__sahel_limit": [
                None if isinstance(i, str) else _limit(i.factor, qty_scale) for i in infos
            ],
            "base_unit": [None if isinstance(i, str) else i.base for i in infos],
            "dimension": [None if isinstance(i, str) else i.dimension for i in infos],
            "unit_error": [i if isinstance(i, str) else None for i in infos],
        },
        schema={
            key: pl.String,
            "__sahel_factor": factor_type,
            "__sahel_scale": pl.Int64,
            "__sahel_limit": pl.Decimal(38, min(qty_scale, 38)),
            "base_unit": pl.String,
            "dimension": pl.String,
            "unit_error": pl.String,
        },
    )
    added = ("quantity_base", "base_unit", "dimension", "unit_error")
    base = df.drop([c for c in added if c in df.columns]).with_columns(
        pl.col(unit_col).cast(pl.String).alias(key)
    )
    joined = base.join(mapping, on=key, how="left", maintain_order="left")
    qty = pl.col(qty_col)
    if is_float:
        product = qty.cast(pl.Float64) * pl.col("__sahel_factor")
    else:
        # Each factor scale has its own exact product type, and a row too large for its own
        # is left out before multiplying (an overflow raises in polars): so a row's result
        # depends on its quantity and unit alone, not on the units of other rows.
        exact = qty.cast(pl.Decimal(38, qty_scale), strict=False)
        factor, limit = pl.col("__sahel_factor"), pl.col("__sahel_limit")
        fits = limit.is_null() | (exact.abs() < limit)
        products = []
        for scale in known:
            wide = pl.Decimal(38, min(38, qty_scale + scale))
            taken = pl.when((pl.col("__sahel_scale") == scale) & fits).then(exact)
            products.append(
                (taken.cast(wide, strict=False) * factor.cast(wide, strict=False))
                .round(MAX_DECIMAL_PLACES)
                .cast(pl.Decimal(38, MAX_DECIMAL_PLACES), strict=False)
            )
        product = pl.coalesce(*products, pl.lit(None, dtype=pl.Decimal(38, MAX_DECIMAL_PLACES)))
    unit_error = (
        pl.when(pl.col(unit_col).is_null())
        .then(pl.lit("no unit"))
        .when(pl.col("unit_error").is_not_null())
        .then(pl.col("unit_error"))
        .when(qty.is_not_null() & pl.col("quantity_base").is_null())
        .then(pl.lit("quantity too large to convert exactly"))
    )
    return (
        joined.with_columns(product.alias("quantity_base"))
        .with_columns(unit_error.alias("unit_error"))
        .select([*df.drop([c for c in added if c in df.columns]).columns, *added])
    )
