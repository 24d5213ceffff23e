"""Partial dates: parsing English/French phrases, EDTF round trips, precision and intervals."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sahel_core.dates as dates_module
from sahel_core.dates import PartialDate, parse_date, parse_dates_distinct
from sahel_core.errors import ParseError, ValidationError
from strategies import date_like_text, date_phrases, precise_dates

D = dt.date

EXAMPLES = [
    ("2016", D(2016, 1, 1), D(2016, 12, 31)),
    ("May 2016", D(2016, 5, 1), D(2016, 5, 31)),
    ("mai 2016", D(2016, 5, 1), D(2016, 5, 31)),
    ("late October 2016", D(2016, 10, 21), D(2016, 10, 31)),
    ("early November 2016", D(2016, 11, 1), D(2016, 11, 10)),
    ("mid-2016", D(2016, 5, 1), D(2016, 8, 31)),
    ("mid-May 2016", D(2016, 5, 11), D(2016, 5, 20)),
    ("mi-mai 2016", D(2016, 5, 11), D(2016, 5, 20)),
    ("late February 2016", D(2016, 2, 21), D(2016, 2, 29)),
    ("end of 2016", D(2016, 9, 1), D(2016, 12, 31)),
    ("fin 2016", D(2016, 9, 1), D(2016, 12, 31)),
    ("à la fin de l'année 2016", D(2016, 9, 1), D(2016, 12, 31)),
    ("beginning of 2017", D(2017, 1, 1), D(2017, 4, 30)),
    ("début 2017", D(2017, 1, 1), D(2017, 4, 30)),
    ("28-29 January 2015", D(2015, 1, 28), D(2015, 1, 29)),
    ("28–29 January 2015", D(2015, 1, 28), D(2015, 1, 29)),
    ("12 and 13 December 2016", D(2016, 12, 12), D(2016, 12, 13)),
    ("12 et 13 décembre 2016", D(2016, 12, 12), D(2016, 12, 13)),
    ("3-13 April 2018", D(2018, 4, 3), D(2018, 4, 13)),
    ("from 3 April to 13 April 2018", D(2018, 4, 3), D(2018, 4, 13)),
    ("du 3 au 13 avril 2018", D(2018, 4, 3), D(2018, 4, 13)),
    ("January 28, 2015", D(2015, 1, 28), D(2015, 1, 28)),
    ("28 January 2015", D(2015, 1, 28), D(2015, 1, 28)),
    ("the 28th of January 2015", D(2015, 1, 28), D(2015, 1, 28)),
    ("1er janvier 2015", D(2015, 1, 1), D(2015, 1, 1)),
    ("Monday 12 December 2016", D(2016, 12, 12), D(2016, 12, 12)),
    ("since 2014", D(2014, 1, 1), None),
    ("depuis 2014", D(2014, 1, 1), None),
    ("à partir de mai 2016", D(2016, 5, 1), None),
    ("from 2014 onwards", D(2014, 1, 1), None),
    ("between October 2014 and early January 2015", D(2014, 10, 1), D(2015, 1, 10)),
    ("entre octobre 2014 et début janvier 2015", D(2014, 10, 1), D(2015, 1, 10)),
    ("October 2014 - January 2015", D(2014, 10, 1), D(2015, 1, 31)),
    ("de mai à juin 2016", D(2016, 5, 1), D(2016, 6, 30)),
    ("from December to March 2018", D(2017, 12, 1), D(2018, 3, 31)),
    ("2016-05", D(2016, 5, 1), D(2016, 5, 31)),
    ("2016-05-12", D(2016, 5, 12), D(2016, 5, 12)),
    ("2016-05-12T08:30:00Z", D(2016, 5, 12), D(2016, 5, 12)),
    ("2016-05-12/2016-05-20", D(2016, 5, 12), D(2016, 5, 20)),
    ("2014/..", D(2014, 1, 1), None),
    ("Q3 2016", D(2016, 7, 1), D(2016, 9, 30)),
    ("3e trimestre 2016", D(2016, 7, 1), D(2016, 9, 30)),
    ("third quarter of 2016", D(2016, 7, 1), D(2016, 9, 30)),
    ("H1 2016", D(2016, 1, 1), D(2016, 6, 30)),
    ("1er semestre 2016", D(2016, 1, 1), D(2016, 6, 30)),
    ("12/05/2016", D(2016, 5, 12), D(2016, 5, 12)),
    ("12.05.2016", D(2016, 5, 12), D(2016, 5, 12)),
    ("du 12/05/2016 au 20/05/2016", D(2016, 5, 12), D(2016, 5, 20)),
    ("2016-2018", D(2016, 1, 1), D(2018, 12, 31)),
    ("Jan. 2016", D(2016, 1, 1), D(2016, 1, 31)),
    ("janv. 2016", D(2016, 1, 1), D(2016, 1, 31)),
    ("Sept 2016", D(2016, 9, 1), D(2016, 9, 30)),
    ("DÉCEMBRE 2016", D(2016, 12, 1), D(2016, 12, 31)),
    ("decembre 2016", D(2016, 12, 1), D(2016, 12, 31)),
    ("fevrier 2016", D(2016, 2, 1), D(2016, 2, 29)),
    ("  août 2016 ", D(2016, 8, 1), D(2016, 8, 31)),
]


@pytest.mark.parametrize(("text", "earliest", "latest"), EXAMPLES)
def test_parse_examples(text: str, earliest: dt.date, latest: dt.date | None) -> None:
    date = parse_date(text)
    assert (date.earliest, date.latest) == (earliest, latest)
    assert date.text == text


# Phrases as they stand in the programme pages of ../shared/seeds, with the bounds they mean.
SEED_PHRASES = {
    "since 2014": "2014/..",
    "12 and 13 December 2016": "2016-12-12/2016-12-13",
    "late October 2016": "2016-10-21/2016-10-31",
    "early November 2016": "2016-11-01/2016-11-10",
    "May 2016": "2016-05",
    "June 2016": "2016-06",
    "August 2016": "2016-08",
    "Since 2015": "2015/..",
    "28-29 January 2015": "2015-01-28/2015-01-29",
    "January 28, 2015": "2015-01-28",
    "between October 2014 and early January 2015": "2014-10-01/2015-01-10",
    "January 2017": "2017-01",
    "from 3 April to 13 April 2018": "2018-04-03/2018-04-13",
    "June 2017": "2017-06",
    "May 2015": "2015-05",
    "September 2015": "2015-09",
    "2016-2018": "2016/2018",
    "In 2014": "2014",
}


def test_seed_phrases(seeds: Path) -> None:
    text = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in seeds.glob("*.txt"))
    for phrase, edtf in SEED_PHRASES.items():
        assert phrase in text, phrase
        assert parse_date(phrase).edtf == edtf, phrase


@pytest.mark.parametrize(
    ("text", "precision", "edtf"),
    [
        ("12 May 2016", "day", "2016-05-12"),
        ("May 2016", "month", "2016-05"),
        ("2016", "year", "2016"),
        ("28-29 January 2015", "range", "2015-01-28/2015-01-29"),
        ("late October 2016", "range", "2016-10-21/2016-10-31"),
        ("October 2014 - January 2015", "range", "2014-10/2015-01"),
        ("2016-2018", "range", "2016/2018"),
        ("since 2014", "open", "2014/.."),
        ("since May 2014", "open", "2014-05/.."),
        ("since 3 May 2014", "open", "2014-05-03/.."),
    ],
)
def test_precision_and_edtf(text: str, precision: str, edtf: str) -> None:
    date = parse_date(text)
    assert date.precision == precision
    assert date.edtf == edtf
    assert PartialDate.from_edtf(edtf) == attrs.evolve(date, text=None)


@pytest.mark.parametrize(
    "text",
    ["May 2016", "2016-5", "2016/", "../2016", "2016~", "2016?", "2016-21", " 2016", "2016-02-30",
     "2018/2016", "20160512", "", "2016-05-12T00:00"],
)  # fmt: skip
def test_from_edtf_rejects_other_text(text: str) -> None:
    with pytest.raises(ParseError):
        PartialDate.from_edtf(text)


@pytest.mark.parametrize(
    "text",
    ["31 February 2016", "29 February 2015", "2015-02-29", "30/02/2016", "32 May 2016",
     "0 May 2016", "31 April 2018", "2016-13", "13/13/2016", "3-31 April 2018"],
)  # fmt: skip
def test_impossible_dates_raise(text: str) -> None:
    with pytest.raises(ParseError):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "May", "12 May", "late 12 May 2016", "2018-2016", "foo", "1/2/3", "16",
     "jusqu'au 3 mai 2016", "Q5 2016", "H3 2016", "since", "between 2014", "2016 2017",
     "May 2016 June 2016", "13-3 April 2018", "x" * 500, "9" * 5000, "20161", "\x00", "٢٠١٦"],
)  # fmt: skip
def test_unreadable_text_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_date(text)
    assert info.value.value == text


@pytest.mark.parametrize("value", [None, 2016, b"2016", dt.date(2016, 1, 1), ["2016"]])
def test_non_text_raises_parse_error(value: object) -> None:
    with pytest.raises(ParseError):
        parse_date(value)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        PartialDate.from_edtf(value)  # type: ignore[arg-type]


def test_lang_limits_the_vocabulary() -> None:
    assert parse_date("mai 2016", lang="fr").earliest == D(2016, 5, 1)
    assert parse_date("May 2016", lang="en").earliest == D(2016, 5, 1)
    with pytest.raises(ParseError):
        parse_date("mai 2016", lang="en")
    with pytest.raises(ParseError):
        parse_date("late May 2016", lang="fr")
    with pytest.raises(ParseError) as info:
        parse_date("2016", lang="de")
    assert info.value.field == "lang"


@given(precise_dates())
def test_edtf_round_trip(date: PartialDate) -> None:
    text = date.edtf
    assert re.fullmatch(r"[\d-]+(/([\d-]+|\.\.))?", text)
    back = PartialDate.from_edtf(text)
    assert back == date
    assert back.precision == date.precision
    assert parse_date(text) == attrs.evolve(date, text=text)


@given(precise_dates())
def test_precision_matches_the_bounds(date: PartialDate) -> None:
    precision = date.precision
    if precision == "open":
        assert date.latest is None
    elif precision == "day":
        assert date.earliest == date.latest
    elif precision in ("month", "year"):
        assert "/" not in date.edtf
        assert len(date.edtf) == (7 if precision == "month" else 4)
    else:
        assert "/" in date.edtf


@settings(max_examples=300)
@given(date_phrases())
def test_phrases_parse_to_their_bounds(case: tuple[str, PartialDate]) -> None:
    text, expected = case
    assert parse_date(text) == expected


@settings(max_examples=500)
@given(st.text(max_size=60) | date_like_text)
def test_fuzzed_text_raises_only_parse_error(text: str) -> None:
    try:
        date = parse_date(text)
    except ParseError:
        return
    assert date.text == text
    assert date.latest is None or date.earliest <= date.latest
    assert PartialDate.from_edtf(date.edtf) == attrs.evolve(date, text=None)


@settings(max_examples=300)
@given(st.text(max_size=30) | date_like_text)
def test_fuzzed_edtf_raises_only_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        PartialDate.from_edtf(text)


@given(st.dates(D(1950, 1, 1), D(2049, 12, 31)))
def test_a_day_lies_in_its_month_and_year(day: dt.date) -> None:
    month = parse_date(f"{day:%B} {day.year}")
    year = parse_date(str(day.year))
    assert month.contains(day)
    assert month.contains(PartialDate(day, day))
    assert year.contains(month)
    assert not month.contains(year)
    assert month.overlaps(year) and year.overlaps(month)


@given(st.dates(D(1950, 1, 1), D(2049, 12, 31)))
def test_early_mid_late_split_the_month_and_year(day: dt.date) -> None:
    for unit in (f"{day:%B} {day.year}", str(day.year)):
        whole = parse_date(unit)
        parts = [parse_date(f"{m} {unit}") for m in ("early", "mid", "late")]
        assert all(whole.contains(part) for part in parts)
        assert parts[0].earliest == whole.earliest and parts[2].latest == whole.latest
        for before, after in itertools.pairwise(parts):
            assert not before.overlaps(after)
            assert after.earliest - before.latest == dt.timedelta(days=1)  # type: ignore[operator]
    assert parse_date("October 2016").contains(parse_date("late October 2016"))


def test_ordering_overlap_and_contains() -> None:
    may = parse_date("May 2016")
    late_may = parse_date("late May 2016")
    day = parse_date("12 May 2016")
    since = parse_date("since 2016")
    year = parse_date("2016")
    assert sorted([since, late_may, day, may, year]) == [year, since, may, day, late_may]
    assert may < late_may and late_may > may and may <= may and may >= may
    assert since.contains(late_may) and since.overlaps(parse_date("2030"))
    assert not may.contains(since) and not late_may.overlaps(day)
    assert may.contains(D(2016, 5, 31)) and not may.contains(D(2016, 6, 1))


@given(precise_dates(), precise_dates())
def test_contains_implies_overlaps(a: PartialDate, b: PartialDate) -> None:
    assert a.overlaps(b) == b.overlaps(a)
    if a.contains(b):
        assert a.overlaps(b)
        assert a.earliest <= b.earliest
    assert a.contains(a)


def test_of_and_its_errors() -> None:
    assert PartialDate.of(2016, 2) == PartialDate(D(2016, 2, 1), D(2016, 2, 29))
    assert PartialDate.of(2016).precision == "year"
    with pytest.raises(ValidationError):
        PartialDate.of(2015, 2, 29)
    with pytest.raises(ValidationError):
        PartialDate.of(2015, 13)


def test_parse_dates_distinct_parses_each_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = dates_module.parse_date

    def counting(text: str, *, lang: str | None = None) -> PartialDate:
        calls.append(text)
        return real(text, lang=lang)

    monkeypatch.setattr(dates_module, "parse_date", counting)
    values = ["May 2016", "nonsense", "May 2016", None, "2016", "nonsense", None]
    result = parse_dates_distinct(values)
    assert sorted(calls, key=str) == sorted({"May 2016", "nonsense", None, "2016"}, key=str)
    assert result["May 2016"] == parse_date("May 2016")
    assert isinstance(result["nonsense"], ParseError)
    assert isinstance(result[None], ParseError)


def test_import_stays_light() -> None:
    code = (
        "import sys, sahel_core.dates; "
        "print(sorted(m for m in ('pint', 'polars', 'pycountry', 'babel') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_arguments_of_the_wrong_type_are_parse_errors() -> None:
    with pytest.raises(ParseError, match="lang"):
        parse_date("2016", lang=[])  # type: ignore[arg-type]
    with pytest.raises(ParseError, match="expected text or None"):
        parse_dates_distinct([["2016"]])  # type: ignore[list-item]
    # A value that can be a key maps to its error, as the doc says: one bad cell, one error.
    found = parse_dates_distinct(["12 May 2016", 2016, None])  # type: ignore[list-item]
    assert isinstance(found[2016], ParseError) and isinstance(found[None], ParseError)  # type: ignore[index]


def test_comparing_with_another_type_is_pythons_type_error_and_overlaps_takes_a_day() -> None:
    may = PartialDate.of(2016, 5)
    with pytest.raises(TypeError, match="not supported"):
        may < 5  # type: ignore[operator]  # noqa: B015
    assert may.overlaps(dt.date(2016, 5, 3)) and not may.overlaps(dt.date(2016, 6, 3))
