"""Numbers as written in English and French text, qualifier words and ranges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.errors import AmbiguousInput, ParseError, SahelError
from sahel_core.numbers import (
    QUALIFIER_PREFIXES,
    QUALIFIER_SUFFIXES,
    format_number,
    locale_language,
    parse_number,
    split_qualifier,
    split_range,
    tidy,
)
from sahel_core.qualifiers import Qualifier
from strategies import amount_like_text

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("2700", None, "2700"),
        ("2.7", None, "2.7"),
        ("2,7", None, "2.7"),  # one decimal digit: only a decimal comma reads it
        ("2 700", None, "2700"),
        (f"2{NBSP}700", None, "2700"),
        (f"2{NNBSP}700,5", None, "2700.5"),
        ("2 700.5", None, "2700.5"),
        ("1.234,5", None, "1234.5"),
        ("1,234.5", None, "1234.5"),
        ("1,234,567", None, "1234567"),
        ("1.234.567", None, "1234567"),
        ("0,500", None, "0.5"),  # a leading zero never starts a thousands group
        ("1234,567", None, "1234.567"),  # four digits before: not grouping
        (".5", None, "0.5"),
        ("70,000", None, "70000"),  # the documented heuristic
        ("2,700", "en", "2700"),
        ("2,700", "fr", "2.7"),
        ("2.700", "en", "2.7"),
        ("2.700", "fr", "2700"),  # dot grouping as francophone West Africa writes it
        ("2,700", "fr_FR", "2.7"),
        ("2,700", "en-GB", "2700"),
        ("2.700", "de", "2700"),
        ("2,7", "en", "2.7"),  # unambiguous text reads one way whatever the locale
        ("700 millions", None, "700000000"),
        ("13 million", None, "13000000"),
        ("1.6 billion", None, "1600000000"),
        ("1,6 milliard", None, "1600000000"),
        ("1,6 billion", "fr", "1600000000000"),  # the French long scale
        ("12 mille", None, "12000"),
        ("2.5 Million", None, "2500000"),
        ("twelve", None, "12"),
        ("Twelve", "en", "12"),
        ("deux", None, "2"),
        ("dix mille", None, "10000"),
        ("dix-mille", "fr", "10000"),
        ("quatre-vingt-dix-sept", None, "97"),
        ("deux millions", None, "2000000"),
        ("a thousand", None, "1000"),
        ("mille", "fr", "1000"),
        # An article, a half, a collective noun: what "a ton", "une demi-tonne", "a dozen
        # kilograms" and "une trentaine d'officiers" count.
        ("a", None, "1"),
        ("An", "en", "1"),
        ("une", None, "1"),
        ("half a", None, "0.5"),
        ("une demi", "fr", "0.5"),
        ("a dozen", None, "12"),
        ("une douzaine", None, "12"),
        ("une trentaine", "fr", "30"),
        ("un millier", None, "1000"),
        ("half a dozen", None, "6"),
        ("une demi-douzaine", None, "6"),
        ("-3", None, "-3"),
        ("  12  ", None, "12"),
    ],
)
def test_parse_number_examples(text: str, locale: str | None, expected: str) -> None:
    value = parse_number(text, locale=locale)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == Decimal(expected).as_tuple().exponent  # tidy form


@pytest.mark.parametrize("text", ["2,700", "1,500", "13,500", "2,745", "2.500", "5.000", "1.5 "])
def test_thousands_or_decimal_is_ambiguous_without_locale(text: str) -> None:
    if text == "1.5 ":
        assert parse_number(text) == Decimal("1.5")
        return
    with pytest.raises(AmbiguousInput) as info:
        parse_number(text)
    assert "locale" in str(info.value)
    # Both locales settle it, one each way.
    assert parse_number(text, locale="en") != parse_number(text, locale="fr")


@pytest.mark.parametrize(
    "text",
    ["", " ", "abc", "2,", "1,23,456", "1.5.3", "2 ,5", "1 234.567,8", "12 7", "2,7t",
     "thousands", "millions", "several", "dozen", "dozens", "des dizaines", "deux douzaines",
     "a half", "1,2.3", "2,700.500,1", "–", "½"],
)  # fmt: skip
def test_parse_number_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ParseError):
        parse_number(text)


@pytest.mark.parametrize("locale", ["xx", "", "fr--", "123"])
def test_unknown_locale_is_a_parse_error(locale: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_number("2,700", locale=locale)
    assert info.value.field == "locale"


_NOT_LOCALES = st.integers() | st.lists(st.just("en"), max_size=2) | st.binary() | st.just("xx")


@given(_NOT_LOCALES, st.sampled_from(["1-2 million", "entre 3 et 5 millions", "3 to 5 million"]))
def test_a_bad_locale_is_a_parse_error_wherever_it_is_given(locale: object, text: str) -> None:
    for bad in (locale, None):  # format_number has no locale-free form
        with pytest.raises(ParseError) as info:
            format_number(Decimal(1), locale=bad)  # type: ignore[arg-type]
        assert info.value.field == "locale"
    # Not swallowed while comparing the sides for the scale word.
    with pytest.raises(ParseError) as info:
        split_range(text, locale=locale)  # type: ignore[arg-type]
    assert info.value.field == "locale"


def test_locale_language() -> None:
    assert locale_language("fr_SN") == "fr"
    assert locale_language("en-GB") == "en"


@given(st.integers(min_value=0, max_value=10**15))
def test_english_and_french_grouping(n: int) -> None:
    english = f"{n:,}"
    french = english.replace(",", NNBSP)
    assert parse_number(english, locale="en") == n
    assert parse_number(french) == n
    assert parse_number(french.replace(NNBSP, " "), locale="fr") == n


@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20),
    st.sampled_from(["en", "fr", "de", "fr_CH", "en_GB", "fr_SN"]),
)
def test_format_number_round_trips_without_locale(value: Decimal, locale: str) -> None:
    text = format_number(value, locale)
    assert parse_number(text) == value
    assert parse_number(text, locale=locale) == value


def test_format_number_examples() -> None:
    assert format_number(Decimal("70000")) == "70,000"
    assert format_number(Decimal("2700.5")) == "2,700.5"
    assert format_number(Decimal("2700.5"), "fr") == f"2{NNBSP}700,5"
    assert format_number(Decimal("1234567"), "de") == "1.234.567"
    # Forms that would read two ways are written unambiguously.
    assert format_number(Decimal("2700")) == "2700"
    assert format_number(Decimal("1.234")) == "1.2340"
    assert format_number(Decimal("1.234"), "fr") == "1,2340"
    assert format_number(Decimal("2.7E+3"), "fr") == f"2{NNBSP}700"
    assert format_number(Decimal("1.500")) == "1.5"


def test_format_number_refuses_non_finite() -> None:
    with pytest.raises(SahelError):
        format_number(Decimal("NaN"))
    with pytest.raises(SahelError):
        format_number(2.5)  # type: ignore[arg-type]


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_tidy_keeps_the_value_in_plain_form(value: Decimal) -> None:
    tidied = tidy(value)
    assert tidied == value
    _, digits, exponent = tidied.as_tuple()
    assert isinstance(exponent, int)
    assert exponent <= 0
    assert exponent == 0 or digits[-1] != 0


@given(st.text(max_size=40) | amount_like_text, st.sampled_from([None, "en", "fr"]))
def test_parse_number_raises_only_parse_errors(text: str, locale: str | None) -> None:
    try:
        value = parse_number(text, locale=locale)
    except ParseError:
        return
    assert isinstance(value, Decimal)
    assert value.is_finite()


# --- qualifiers


@pytest.mark.parametrize(("phrase", "qualifier"), sorted(QUALIFIER_PREFIXES.items()))
def test_every_prefix_splits(phrase: str, qualifier: Qualifier) -> None:
    for written in (phrase, phrase.upper(), phrase.replace("'", "’")):
        assert split_qualifier(f"{written} 5 kg") == (qualifier, "5 kg")


@pytest.mark.parametrize(("phrase", "qualifier"), sorted(QUALIFIER_SUFFIXES.items()))
def test_every_suffix_splits(phrase: str, qualifier: Qualifier) -> None:
    assert split_qualifier(f"5 kg {phrase}") == (qualifier, "5 kg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plus de 2,7 tonnes", (Qualifier.MORE_THAN, "2,7 tonnes")),
        ("more than 2.7 tons", (Qualifier.MORE_THAN, "2.7 tons")),
        ("over 400 grams", (Qualifier.MORE_THAN, "400 grams")),
        ("some 30 kg", (Qualifier.APPROX, "30 kg")),
        ("Environ  12 kg", (Qualifier.APPROX, "12 kg")),
        ("pres de 2 tonnes", (Qualifier.APPROX, "2 tonnes")),  # accents optional
        ("près  de 2 tonnes", (Qualifier.APPROX, "2 tonnes")),
        ("plus d'un million", (Qualifier.MORE_THAN, "un million")),
        ("jusqu’à 4 kg", (Qualifier.AT_MOST, "4 kg")),
        (">5 kg", (Qualifier.MORE_THAN, "5 kg")),
        ("≥ 5 kg", (Qualifier.AT_LEAST, "5 kg")),
        ("2 tonnes environ", (Qualifier.APPROX, "2 tonnes")),
        ("10 kg or more", (Qualifier.AT_LEAST, "10 kg")),
        ("70,000 tablets", (Qualifier.EXACT, "70,000 tablets")),
        ("overall 5", (Qualifier.EXACT, "overall 5")),  # a word, not a prefix
        ("someone 5", (Qualifier.EXACT, "someone 5")),
        ("underweight", (Qualifier.EXACT, "underweight")),
        ("ﬁve kg", (Qualifier.EXACT, "ﬁve kg")),  # characters that fold to several
        ("Über 5 kg", (Qualifier.EXACT, "Über 5 kg")),
        # A French collective noun says "about" by itself; English "a dozen" is twelve.
        ("une trentaine d’officiers", (Qualifier.APPROX, "une trentaine d'officiers")),
        ("Une dizaine de kg", (Qualifier.APPROX, "Une dizaine de kg")),
        ("une demi-douzaine", (Qualifier.APPROX, "une demi-douzaine")),
        ("environ une dizaine", (Qualifier.APPROX, "une dizaine")),
        ("plus d'une dizaine", (Qualifier.MORE_THAN, "une dizaine")),
        ("a dozen suspects", (Qualifier.EXACT, "a dozen suspects")),
        ("about a dozen", (Qualifier.APPROX, "a dozen")),
        ("des dizaines", (Qualifier.EXACT, "des dizaines")),
        ("une dizaines", (Qualifier.EXACT, "une dizaines")),
    ],
)
def test_split_qualifier_examples(text: str, expected: tuple[Qualifier, str]) -> None:
    assert split_qualifier(text) == expected


@given(st.text(max_size=40) | amount_like_text)
def test_split_qualifier_keeps_the_figure_text(text: str) -> None:
    qualifier, rest = split_qualifier(text)
    assert isinstance(qualifier, Qualifier)
    assert len(rest) <= len(text)
    if qualifier is Qualifier.EXACT:
        assert rest == " ".join(text.replace("’", "'").split())


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("between 3 and 5 kg", ("3", "5 kg")),
        ("Between 3 and 5 kg", ("3", "5 kg")),
        ("entre 3 et 5 kg", ("3", "5 kg")),
        ("from 3 to 5 kg", ("3", "5 kg")),
        ("de 3 à 5 kg", ("3", "5 kg")),
        ("de 3 a 5 kg", ("3", "5 kg")),
        ("3-5 kg", ("3", "5 kg")),
        ("3 – 5 kg", ("3", "5 kg")),
        ("2 500-3 000 kg", ("2 500", "3 000 kg")),
        ("3 to 5 kg", ("3", "5 kg")),
        ("500 g to 1 kg", ("500 g", "1 kg")),
        ("two to three tons", ("two", "three tons")),
        ("between 3 and 5 million tablets", ("3 million", "5 million tablets")),
        ("entre 3 et 5 millions", ("3 millions", "5 millions")),
        ("900,000 to 1 million", ("900,000", "1 million")),  # 900000 > 1: no shared scale
        ("1 million to 2 million", ("1 million", "2 million")),
        ("3 kg", None),
        ("twenty-one kg", None),
        ("-5 kg", None),
    ],
)
def test_split_range_examples(text: str, sides: tuple[str, str] | None) -> None:
    assert split_range(text) == sides


@given(st.text(max_size=40) | amount_like_text)
def test_split_range_never_raises_on_text(text: str) -> None:
    sides = split_range(text)
    assert sides is None or all(isinstance(s, str) and s for s in sides)
