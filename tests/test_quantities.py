"""Unit-aware quantities: units.txt, parsing and formatting amounts, conversions, sums, tables."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from importlib.resources import files
from typing import Any

import attrs
import polars as pl
import pytest
import typer
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sahel_core import quantities
from sahel_core.errors import AmbiguousInput, ParseError, SahelError, UnitError
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import (
    Amount,
    add,
    base_unit,
    canonical_unit,
    dimension,
    format_amount,
    normalize_units,
    parse_amount,
    to_unit,
    total,
    unit_factors,
)
from strategies import UNIT_SPELLINGS, amount_like_text, parsed_amounts, plain_decimals

Q = Qualifier


# --- units


def test_a_ton_is_a_metric_tonne() -> None:
    for spelling in ("t", "ton", "tons", "tonne", "tonnes", "MT", "metric tons"):
        assert to_unit(Amount("1", spelling), "kg").magnitude == Decimal(1000)
        assert unit_factors([spelling])[spelling] == ("mass", Decimal(1000))
    # pint's default "ton" is the US short ton (907.18474 kg): ours never is.
    assert to_unit(Amount("1", "ton"), "lb").magnitude != Decimal(2000)


@pytest.mark.parametrize(("spelling", "symbol"), UNIT_SPELLINGS)
def test_canonical_unit_spellings(spelling: str, symbol: str) -> None:
    assert canonical_unit(spelling) == symbol
    assert canonical_unit(spelling.upper()) == symbol
    assert canonical_unit(f" {spelling}. ") == symbol


@pytest.mark.parametrize(
    "text", ["", "zorgs", "kg/l", "kg*2", "m", "dimensionless", "μg", "1 kg", "kg of", "__"]
)
def test_unknown_units_raise_unit_error(text: str) -> None:
    with pytest.raises(UnitError) as info:
        canonical_unit(text)
    assert info.value.field == "unit"


def test_dimensions_and_base_units() -> None:
    assert dimension("tonnes") == "mass"
    assert dimension("litres") == "volume"
    assert dimension("comprimés") == "tablet"
    assert dimension("cartons") == "carton"
    assert dimension("participants") == "person"
    assert dimension("institutions") == "institution"
    assert base_unit("grammes") == "kg"
    assert base_unit("ml") == "l"
    assert base_unit("pills") == "pill"


def test_every_count_is_its_own_dimension() -> None:
    counts = ["tablet", "pill", "capsule", "ampoule", "dose", "carton", "packet", "bag", "sack",
              "block", "bottle", "person", "institution"]  # fmt: skip
    assert len({dimension(c) for c in counts}) == len(counts)
    assert "mass" not in {dimension(c) for c in counts}


def test_amount_stores_the_canonical_unit() -> None:
    assert Amount("2.7", "tons").unit == "t"
    assert Amount("3", "kilogrammes").unit == "kg"
    assert Amount("5", "comprimés").unit == "tablet"
    with pytest.raises(UnitError) as info:
        Amount("1", "zorgs")
    assert info.value.field == "unit"
    with pytest.raises(UnitError):
        Amount("1", 5)  # type: ignore[arg-type]


def test_units_file_ships_in_the_package() -> None:
    text = (files("sahel_core") / "data" / "units.txt").read_text(encoding="utf-8")
    assert "tonne = 1000 * kilogram" in text


def test_importing_stays_light() -> None:
    code = (
        "import sys, sahel_core.quantities, sahel_core.numbers;"
        "print([m for m in ('pint', 'babel', 'polars', 'text_to_num') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _spelling_keys() -> list[str]:
    from sahel_core.quantities import _spellings

    return list(_spellings())


def test_the_spelling_table_is_what_pint_says() -> None:
    from sahel_core.quantities import _pint_spellings, _spellings

    shipped, pint_now = _spellings(), _pint_spellings()
    # On failure, units.txt changed: rewrite the table with quantities._write_spellings.
    assert shipped == pint_now
    assert shipped["tons"].factor == 1000 and shipped["mt"].symbol == "t"


def test_units_are_looked_up_without_pint() -> None:
    code = (
        "import sys; from sahel_core.quantities import canonical_unit, unit_factors;"
        "print([canonical_unit(u) for u in ('Tonnes', 'kg', 'grammes', 'comprimés')],"
        " unit_factors(['t', 'barrels'])['t'][1], 'pint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['t', 'kg', 'g', 'tablet'] 1000 False"


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="abcdegiklmnoprstu_", max_size=12),
        st.builds(
            lambda key, tail: key + tail,
            st.sampled_from(sorted(_spelling_keys())),
            st.sampled_from(["", "s", "ss", "es", "_", "x"]),
        ),
    )
)
def test_pint_accepts_exactly_the_spellings_of_the_table(key: str) -> None:
    from sahel_core.quantities import _from_pint, _spellings

    assert _spellings().get(key) == _from_pint(key)


# --- parsing


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("more than 2.7 tons", None, ("2.7", "t", Q.MORE_THAN, "2.7", None)),
        ("over 400 grams", None, ("400", "g", Q.MORE_THAN, "400", None)),
        ("over 9 kilograms", None, ("9", "kg", Q.MORE_THAN, "9", None)),
        ("over 10 tons", None, ("10", "t", Q.MORE_THAN, "10", None)),
        ("70,000 tablets", None, ("70000", "tablet", Q.EXACT, "70000", "70000")),
        ("170 cartons", None, ("170", "carton", Q.EXACT, "170", "170")),
        ("plus de 2,7 tonnes", None, ("2.7", "t", Q.MORE_THAN, "2.7", None)),
        ("2 500 kg", None, ("2500", "kg", Q.EXACT, "2500", "2500")),
        ("1,6 kg", "fr", ("1.6", "kg", Q.EXACT, "1.6", "1.6")),
        ("1,6 kg", None, ("1.6", "kg", Q.EXACT, "1.6", "1.6")),
        ("1.6 kilogram", None, ("1.6", "kg", Q.EXACT, "1.6", "1.6")),
        ("about 400 g", None, ("400", "g", Q.APPROX, "360", "440")),
        ("some 30 kg", None, ("30", "kg", Q.APPROX, "27", "33")),
        ("environ 12 kg", None, ("12", "kg", Q.APPROX, "10.8", "13.2")),
        ("près de 2 tonnes", None, ("2", "t", Q.APPROX, "1.8", "2.2")),
        ("2 tonnes environ", None, ("2", "t", Q.APPROX, "1.8", "2.2")),
        ("au moins 5 kg", None, ("5", "kg", Q.AT_LEAST, "5", None)),
        ("at most 3 kg", None, ("3", "kg", Q.AT_MOST, "0", "3")),
        ("up to 3 kg", None, ("3", "kg", Q.AT_MOST, "0", "3")),
        ("less than 1 kg", None, ("1", "kg", Q.LESS_THAN, "0", "1")),
        ("moins de 1 kg", None, ("1", "kg", Q.LESS_THAN, "0", "1")),
        ("between 3 and 5 kg", None, ("4", "kg", Q.RANGE, "3", "5")),
        ("de 3 à 5 kg", None, ("4", "kg", Q.RANGE, "3", "5")),
        ("3-5 kg", None, ("4", "kg", Q.RANGE, "3", "5")),
        ("about 3-5 kg", None, ("4", "kg", Q.RANGE, "3", "5")),
        ("500 g to 1 kg", None, ("0.75", "kg", Q.RANGE, "0.5", "1")),
        ("between 3 and 5 million tablets", None,
         ("4000000", "tablet", Q.RANGE, "3000000", "5000000")),
        ("2.7t", None, ("2.7", "t", Q.EXACT, "2.7", "2.7")),
        ("2,500 kg", "en", ("2500", "kg", Q.EXACT, "2500", "2500")),
        ("dix mille comprimés", None, ("10000", "tablet", Q.EXACT, "10000", "10000")),
        ("13 million tablets", None, ("13000000", "tablet", Q.EXACT, "13000000", "13000000")),
        ("over 160 participants", None, ("160", "person", Q.MORE_THAN, "160", None)),
        ("20 institutions", None, ("20", "institution", Q.EXACT, "20", "20")),
        ("2 tonnes métriques", None, ("2", "t", Q.EXACT, "2", "2")),
        ("3 millions de comprimés", "fr", ("3000000", "tablet", Q.EXACT, "3000000", "3000000")),
        ("1,5 million de comprimés", "fr",
         ("1500000", "tablet", Q.EXACT, "1500000", "1500000")),
        ("plus de 2 millions de comprimés", "fr",
         ("2000000", "tablet", Q.MORE_THAN, "2000000", None)),
        ("deux millions de comprimés", None,
         ("2000000", "tablet", Q.EXACT, "2000000", "2000000")),
        ("2 Milliards d’ampoules", None,
         ("2000000000", "ampoule", Q.EXACT, "2000000000", "2000000000")),
        ("entre 1 et 2 millions de comprimés", "fr",
         ("1500000", "tablet", Q.RANGE, "1000000", "2000000")),
        # Articles, halves and collective nouns.
        ("a ton", None, ("1", "t", Q.EXACT, "1", "1")),
        ("une tonne", "fr", ("1", "t", Q.EXACT, "1", "1")),
        ("more than a ton", None, ("1", "t", Q.MORE_THAN, "1", None)),
        ("plus d'une tonne", None, ("1", "t", Q.MORE_THAN, "1", None)),
        ("half a ton", None, ("0.5", "t", Q.EXACT, "0.5", "0.5")),
        ("une demi-tonne", None, ("0.5", "t", Q.EXACT, "0.5", "0.5")),
        ("une tonne et demie", None, ("1.5", "t", Q.EXACT, "1.5", "1.5")),
        ("2 tonnes et demie", None, ("2.5", "t", Q.EXACT, "2.5", "2.5")),
        ("a dozen kilograms", None, ("12", "kg", Q.EXACT, "12", "12")),
        ("une douzaine de kilogrammes", None, ("12", "kg", Q.APPROX, "10.8", "13.2")),
        ("une dizaine de kilogrammes", None, ("10", "kg", Q.APPROX, "9", "11")),
        ("une trentaine de participants", None, ("30", "person", Q.APPROX, "27", "33")),
        ("un millier de comprimés", None, ("1000", "tablet", Q.APPROX, "900", "1100")),
        ("a tablet", None, ("1", "tablet", Q.EXACT, "1", "1")),
    ],
)  # fmt: skip
def test_parse_amount_examples(
    text: str, locale: str | None, expected: tuple[str, str, Qualifier, str, str | None]
) -> None:
    amount = parse_amount(text, locale=locale)
    magnitude, unit, qualifier, low, high = expected
    assert amount == Amount(
        Decimal(magnitude),
        unit,
        qualifier,
        Decimal(low),
        None if high is None else Decimal(high),
        text,
    )
    assert amount.text == text


def test_unit_from_the_caller_when_the_text_has_none() -> None:
    assert parse_amount("2,7", unit="t", locale="fr") == Amount("2.7", "t", text="2,7")
    assert parse_amount("plus de 3", unit="kg").qualifier is Q.MORE_THAN
    assert parse_amount("500 g", unit="kg").unit == "g"  # the text's unit wins
    with pytest.raises(UnitError):
        parse_amount("5 tablets", unit="kg")


@pytest.mark.parametrize(
    ("text", "error", "says"),
    [
        ("12 kg of cocaine", ParseError, "of cocaine"),
        ("12 kg de cocaïne", ParseError, "de cocaïne"),
        # "de" joins a scale word to its unit, and nothing else.
        ("3 de comprimés", ParseError, "unknown word 'de'"),
        ("2 millions de", UnitError, "unknown unit 'de'"),
        ("des millions de comprimés", ParseError, "des millions"),
        ("2,500 kg", AmbiguousInput, "locale"),
        ("12 zorgs", UnitError, "zorgs"),
        ("kg", ParseError, "no number"),
        ("12", ParseError, "no unit"),
        ("2,700", ParseError, "no unit"),  # a number, however it reads: the unit is missing
        ("2,700 zorks", UnitError, "unknown unit 'zorks'"),
        ("2,700 kg blah", ParseError, "text after the unit"),
        ("-3 kg", ParseError, ">= 0"),
        ("0.0000000001 kg", ParseError, "9 decimal places"),
        ("more than 3-5 kg", ParseError, "range"),
        ("5-3 kg", ParseError, "low to high"),
        ("3 tablets to 5 kg", UnitError, "tablet"),
        ("", ParseError, "no number"),
        ("x" * 300, ParseError, "longer"),
        # An article before a symbol is a stray letter, not one of a unit.
        ("a t", ParseError, "article"),
        ("a g", ParseError, "article"),
        ("une t", ParseError, "article"),
        ("un kgs", ParseError, "article"),
        ("an oz", ParseError, "article"),
    ],
)
def test_parse_amount_errors(text: str, error: type[SahelError], says: str) -> None:
    with pytest.raises(error) as info:
        parse_amount(text)
    assert says in str(info.value)


def test_the_largest_figure_a_table_holds_is_read_exactly() -> None:
    # 29 digits fit the tables' Decimal(38, 9); abs() would have rounded them to 1e29 first.
    largest = "9" * 29
    assert parse_amount(f"{largest} kg").magnitude == Decimal(largest)
    with pytest.raises(ParseError, match="below 1e29"):
        parse_amount(f"1{'0' * 29} kg")


@given(st.text(max_size=40) | amount_like_text, st.sampled_from([None, "en", "fr"]))
def test_parse_amount_raises_only_parse_or_unit_errors(text: str, locale: str | None) -> None:
    try:
        amount = parse_amount(text, locale=locale)
    except (ParseError, UnitError):
        return
    assert amount.text == text
    assert amount.low is None or amount.low <= amount.magnitude
    assert amount.high is None or amount.magnitude <= amount.high


@given(st.text(max_size=30))
def test_canonical_unit_raises_only_unit_errors(text: str) -> None:
    try:
        symbol = canonical_unit(text)
    except UnitError:
        return
    assert canonical_unit(symbol) == symbol


# --- formatting


@given(parsed_amounts(), st.sampled_from(["en", "fr", "fr_FR", "en_GB"]), st.booleans())
def test_format_then_parse_round_trips(amount: Amount, locale: str, pass_locale: bool) -> None:
    text = format_amount(amount, locale)
    parsed = parse_amount(text, locale=locale if pass_locale else None)
    assert attrs.evolve(parsed, text=None) == amount
    assert parsed.text == text


@pytest.mark.parametrize(
    ("amount", "english", "french"),
    [
        (Amount("2.7", "t", "more_than"), "more than 2.7 t", "plus de 2,7 t"),
        (Amount("70000", "tablet"), "70,000 tablets", "70\u202f000 tablets"),
        (Amount("1", "carton"), "1 carton", "1 carton"),
        (Amount("400", "g", "approx"), "about 400 g", "environ 400 g"),
        (Amount("4", "kg", "range", "3", "5"), "between 3 and 5 kg", "entre 3 et 5 kg"),
        (Amount("5", "kg", "at_least"), "at least 5 kg", "au moins 5 kg"),
        (Amount("3", "kg", "at_most"), "at most 3 kg", "au plus 3 kg"),
        (Amount("1", "kg", "less_than"), "less than 1 kg", "moins de 1 kg"),
        (Amount("2700", "kg"), "2700 kg", "2\u202f700 kg"),
    ],
)
def test_format_amount_examples(amount: Amount, english: str, french: str) -> None:
    assert format_amount(amount) == english
    assert format_amount(amount, "fr") == french


# --- conversions and sums


@given(plain_decimals(), st.sampled_from(Qualifier))
def test_to_unit_round_trips_exactly_between_g_kg_and_t(value: Decimal, q: Qualifier) -> None:
    low, high = (value, value + 1) if q is Q.RANGE else (None, None)
    amount = Amount(value, "kg", q, low, high)
    tonnes = to_unit(amount, "t")
    grams = to_unit(tonnes, "g")
    assert grams.magnitude == value * 1000
    assert to_unit(grams, "kg") == amount
    assert to_unit(to_unit(amount, "g"), "t") == tonnes


def test_to_unit_converts_bounds_and_keeps_text() -> None:
    amount = parse_amount("more than 2.7 tons")
    assert to_unit(amount, "kg") == Amount("2700", "kg", Q.MORE_THAN, "2700", None, amount.text)
    about = to_unit(parse_amount("about 400 g"), "kg")
    assert (about.magnitude, about.low, about.high) == (
        Decimal("0.4"), Decimal("0.36"), Decimal("0.44"))  # fmt: skip
    assert to_unit(Amount("1", "lb"), "kg").magnitude == Decimal("0.45359237")
    assert to_unit(Amount("1", "kg"), "lb").magnitude == Decimal("2.204622622")  # 9 places


@pytest.mark.parametrize(
    ("a", "b"),
    [(Amount("5", "tablets"), Amount("3", "kg")), (Amount("5", "tablets"), Amount("3", "cartons")),
     (Amount("2", "persons"), Amount("1", "institution")), (Amount("1", "l"), Amount("1", "kg"))],
)  # fmt: skip
def test_counts_and_masses_never_add(a: Amount, b: Amount) -> None:
    with pytest.raises(UnitError):
        add(a, b)
    with pytest.raises(UnitError):
        to_unit(a, b.unit)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["2 kg", "3 kg"], Amount("5", "kg")),
        (["2 kg", "about 3 kg"], Amount("5", "kg", Q.RANGE, "4.7", "5.3")),
        (["2 kg", "more than 3 kg"], Amount("5", "kg", Q.MORE_THAN, "5", None)),
        (["2 kg", "at least 3 kg"], Amount("5", "kg", Q.AT_LEAST, "5", None)),
        (["at least 2 kg", "more than 3 kg"], Amount("5", "kg", Q.MORE_THAN, "5", None)),
        (["at most 2 kg", "at most 3 kg"], Amount("5", "kg", Q.AT_MOST, "0", "5")),
        (["at most 2 kg", "less than 3 kg"], Amount("5", "kg", Q.LESS_THAN, "0", "5")),
        (["2 kg", "at most 3 kg"], Amount("5", "kg", Q.RANGE, "2", "5")),
        (["1 t", "500 kg", "2-4 kg"], Amount("1.503", "t", Q.RANGE, "1.502", "1.504")),
        (["about 2 kg", "about 3 kg"], Amount("5", "kg", Q.APPROX, "4.5", "5.5")),
        # Unbounded above, the sum is only known to be above the sum of the lows: "more than
        # 5 t" would be false for 2.5 t.
        (["more than 2 t", "at most 3 t"], Amount("2", "t", Q.MORE_THAN, "2", None)),
        (["more than 2.7 tons", "about 400 kg"], Amount("3.06", "t", Q.MORE_THAN, "3.06", None)),
        (["at least 2 kg", "about 3 kg"], Amount("4.7", "kg", Q.AT_LEAST, "4.7", None)),
    ],
)
def test_sum_qualifiers(parts: list[str], expected: Amount) -> None:
    amounts = [parse_amount(p) for p in parts]
    assert total(amounts) == expected  # in the first amount's unit
    assert add(amounts[0], amounts[1], unit="g") == to_unit(total(amounts[:2]), "g")


def test_total_of_nothing() -> None:
    assert total([], unit="tons") == Amount("0", "t")
    with pytest.raises(SahelError):
        total([])
    with pytest.raises(SahelError):
        total(["2 kg"])  # type: ignore[list-item]


@given(st.lists(parsed_amounts(units=("kg", "g", "t")), min_size=1, max_size=5))
def test_sums_contain_their_parts(parts: list[Amount]) -> None:
    result = total(parts, unit="kg")
    in_kg = [to_unit(p, "kg") for p in parts]
    assert result.low == sum(p.low or 0 for p in in_kg)
    highs = [p.high for p in in_kg]
    assert result.high == (None if None in highs else sum(h for h in highs if h is not None))
    # Unbounded above, "more than"/"at least" write the low bound as the figure.
    expected = sum(p.magnitude for p in in_kg) if result.high is not None else result.low
    assert result.magnitude == expected
    assert result.low is not None and result.low <= result.magnitude
    assert result.high is None or result.magnitude <= result.high
    for part in in_kg:
        assert result.high is None or result.magnitude >= part.magnitude
        assert part.low is None or result.low >= part.low
        assert result.high is None or part.high is None or result.high >= part.high
    all_exact = all(p.qualifier is Q.EXACT for p in parts)
    assert (result.qualifier is Q.EXACT) == (all_exact or result.low == result.high)
    assert add(parts[0], parts[0], unit="g") == total([parts[0], parts[0]], unit="g")


@given(
    st.lists(parsed_amounts(units=("kg", "g", "t")), min_size=1, max_size=5),
    st.sampled_from(["en", "fr"]),
)
@example([Amount("2", "t", Q.MORE_THAN), Amount("3", "t", Q.AT_MOST)], "en")
@example([Amount("2.7", "t", Q.MORE_THAN), Amount("400", "kg", Q.APPROX)], "fr")
def test_a_total_says_what_its_bounds_say(parts: list[Amount], locale: str) -> None:
    result = total(parts)
    back = parse_amount(format_amount(result, locale), locale=locale)
    assert (back.qualifier, back.low, back.high) == (result.qualifier, result.low, result.high)
    if result.qualifier is not Q.RANGE:  # a range's text keeps its bounds, not its figure
        assert attrs.evolve(back, text=None) == result


# --- tables


@pytest.fixture
def pint_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every unit name pint is asked about, from a cold cache."""
    quantities._lookup.cache_clear()
    registry = quantities._registry()
    calls: list[str] = []
    original: Callable[..., Any] = registry.get_name

    def counting(name: str, *args: Any) -> Any:
        calls.append(name)
        return original(name, *args)

    monkeypatch.setattr(registry, "get_name", counting)
    yield calls
    quantities._lookup.cache_clear()


def test_unit_factors_never_asks_pint(pint_calls: list[str]) -> None:
    units = ["tons", "kg", "comprimés", "zorgs", "g", "kilogramss"] * 2000
    factors = unit_factors(units)
    assert pint_calls == []  # the spelling table holds pint's answers
    assert factors["tons"] == ("mass", Decimal(1000))
    assert factors["g"] == ("mass", Decimal("0.001"))
    assert factors["comprimés"] == ("tablet", Decimal(1))
    error = factors["zorgs"]
    assert isinstance(error, UnitError)
    assert error.value == "zorgs"
    assert isinstance(factors["kilogramss"], UnitError)


def _seizures(quantity: pl.DataType, values: list[Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {"quantity": values, "unit": ["tons", "g", "kg", "zorgs", "comprimés", None]},
        schema={"quantity": quantity, "unit": pl.String},
    )


def test_normalize_units_on_decimals(pint_calls: list[str]) -> None:
    values = [Decimal(v) for v in ("2.7", "400", "9.5", "3", "70000", "1")]
    out = normalize_units(_seizures(pl.Decimal(38, 9), values))
    assert out.columns == ["quantity", "unit", "quantity_base", "base_unit", "dimension",
                           "unit_error"]  # fmt: skip
    assert out.schema["quantity_base"] == pl.Decimal(38, 9)
    assert out["quantity_base"].to_list() == [
        Decimal("2700"), Decimal("0.4"), Decimal("9.5"), None, Decimal("70000"), None
    ]  # fmt: skip
    assert out["base_unit"].to_list() == ["kg", "kg", "kg", None, "tablet", None]
    assert out["dimension"].to_list() == ["mass", "mass", "mass", None, "tablet", None]
    errors = out["unit_error"].to_list()
    assert errors[:3] == [None, None, None]
    assert "zorgs" in errors[3]
    assert errors[4] is None
    assert errors[5] == "no unit"
    assert pint_calls == []


def test_normalize_units_on_floats_and_integers() -> None:
    floats = normalize_units(_seizures(pl.Float64, [2.7, 400.0, 9.5, 3.0, 7e4, None]))
    assert floats.schema["quantity_base"] == pl.Float64
    assert floats["quantity_base"].to_list()[:3] == pytest.approx([2700.0, 0.4, 9.5])
    ints = normalize_units(_seizures(pl.Int64, [3, 400, 9, 3, 70000, 1]))
    assert ints.schema["quantity_base"] == pl.Decimal(38, 9)
    assert ints["quantity_base"].to_list()[:3] == [Decimal(3000), Decimal("0.4"), Decimal(9)]


# One unit per factor scale (1000, 1, 0.01, 0.001, 1e-6, 0.45359237, 0.028349523125), a count,
# an unknown unit and none.
_COLUMN_UNITS = ["t", "kg", "cl", "g", "mg", "lb", "oz", "tablets", "zorgs", None]


@st.composite
def _quantities(draw: st.DrawFn, scale: int) -> Decimal | None:
    """Quantities of a Decimal(38, scale) column, from grams to beyond what any unit converts,
    up to its last digit (all nines: a product that rounds up to the next power of ten)."""
    digits = draw(st.integers(0, 37 - scale))
    whole = draw(st.integers(0, 10**digits - 1) | st.just(10**digits - 1))
    fraction = draw(st.integers(0, 10**scale - 1) | st.just(10**scale - 1))
    sign = draw(st.sampled_from(["", "-"]))
    return draw(st.none() | st.just(Decimal(f"{sign}{whole}.{fraction:0{scale}}")))


def _base_quantity(quantity: Decimal, unit: str) -> Decimal:
    factor = unit_factors([unit])[unit]
    assert isinstance(factor, tuple)
    with localcontext(Context(prec=100)):
        return (quantity * factor[1]).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)


@st.composite
def _unit_columns(draw: st.DrawFn) -> tuple[int, list[tuple[Decimal | None, str | None]]]:
    scale = draw(st.sampled_from([0, 3, 9, 20]))
    pair = st.tuples(_quantities(scale), st.sampled_from(_COLUMN_UNITS))
    return scale, draw(st.lists(pair, min_size=1, max_size=8))


@settings(deadline=None)
@given(_unit_columns())
@example((9, [(Decimal(10**18), "t"), (Decimal(1), "lb")]))
@example((9, [(Decimal(10**21), "kg"), (Decimal(1), "oz")]))
@example((20, [(Decimal("999999999999999999.99999999999999999999"), "kg")]))
@example((9, [(Decimal(100), "oz"), (Decimal(300), "oz")]))  # ties, half-even both ways
def test_normalize_units_gives_each_row_what_it_gives_the_row_alone(
    column: tuple[int, list[tuple[Decimal | None, str | None]]],
) -> None:
    scale, rows = column
    frame = pl.DataFrame(
        {"quantity": [q for q, _ in rows], "unit": [u for _, u in rows]},
        schema={"quantity": pl.Decimal(38, scale), "unit": pl.String},
    )
    out = normalize_units(frame)  # polars once overflowed when tons met pounds
    for i, (quantity, unit) in enumerate(rows):
        row = out.row(i, named=True)
        assert row == normalize_units(frame.slice(i, 1)).row(0, named=True)
        if row["quantity_base"] is not None:
            assert quantity is not None and unit is not None
            assert row["quantity_base"] == _base_quantity(quantity, unit)
        elif quantity is not None and row["dimension"] is not None:
            assert row["unit_error"] == "quantity too large to convert exactly"


def test_normalize_units_of_huge_quantities_beside_pounds_and_ounces() -> None:
    frame = pl.DataFrame(
        {"quantity": [Decimal(10**18), Decimal(1), Decimal(10**21), Decimal(1)],
         "unit": ["t", "lb", "kg", "oz"]},
        schema={"quantity": pl.Decimal(38, 9), "unit": pl.String},
    )  # fmt: skip
    out = normalize_units(frame)
    assert out["quantity_base"].to_list() == [
        Decimal(10**21), Decimal("0.45359237"), Decimal(10**21), Decimal("0.028349523")
    ]  # fmt: skip
    assert out["unit_error"].null_count() == 4


def test_normalize_units_refuses_bad_columns() -> None:
    frame = _seizures(pl.Float64, [1.0] * 6)
    with pytest.raises(SahelError):
        normalize_units(frame, unit_col="uom")
    with pytest.raises(SahelError):
        normalize_units(frame.with_columns(pl.col("quantity").cast(pl.String)))


# --- command line


def _app() -> typer.Typer:
    # Imported here: the CLI package imports every command module, some written elsewhere.
    from sahel_core.cli.parse import register

    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps ``parse`` a subcommand."""

    register(app)
    return app


def test_cli_parse_json() -> None:
    result = CliRunner().invoke(_app(), ["parse", "plus de 2,7 tonnes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "magnitude": "2.7",
        "unit": "t",
        "qualifier": "more_than",
        "low": "2.7",
        "high": None,
        "text": "plus de 2,7 tonnes",
    }


def test_cli_parse_table_and_locale() -> None:
    result = CliRunner().invoke(_app(), ["parse", "2,500 kg", "--locale", "fr"])
    assert result.exit_code == 0, result.output
    assert "2.5" in result.stdout
    assert "exact" in result.stdout


def test_cli_parse_lets_errors_through() -> None:
    result = CliRunner().invoke(_app(), ["parse", "2,500 kg"])
    assert isinstance(result.exception, AmbiguousInput)


def test_bounds_do_not_depend_on_the_callers_decimal_context() -> None:
    # A notebook that set getcontext().prec = 6 must get the bounds everyone else gets
    # (and the bulk path computes in polars).
    from decimal import ROUND_DOWN, localcontext

    expected = parse_amount("about 98765.4321 kg", locale="en")
    with localcontext(prec=6, rounding=ROUND_DOWN):
        found = parse_amount("about 98765.4321 kg", locale="en")
    assert (found.low, found.high) == (expected.low, expected.high)
    assert found.low == Decimal("88888.88889")


def test_an_exponent_is_quoted_as_written_in_the_error() -> None:
    with pytest.raises(ParseError, match="cannot read '1e5' as a number"):
        parse_amount("1e5 kg")
