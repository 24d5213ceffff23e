"""Dates as the field writes them: "May 2016", "late October 2016", "28-29 January 2015".

A :class:`PartialDate` is an interval of days, ``earliest`` to ``latest`` inclusive, plus the
text it came from; "since 2014" has no ``latest``. It renders as EDTF text (``2016-05``,
``2015-01-28/2015-01-29``, ``2014/..``) and reads it back with :meth:`PartialDate.from_edtf`.

:func:`parse_date` reads English and French phrases. The readings it chooses, so that every
phrase becomes one interval of days:

* "early", "beginning of", "début" = days 1-10 of a month, January-April of a year;
  "mid", "mi-", "milieu" = days 11-20, May-August; "late", "end of", "fin" = day 21 to the
  month's end, September-December.
* "12/05/2016" is day-first (12 May 2016), the francophone norm and ACLED's order.
* "12 and 13 December" is the interval 12-13 December; "12 and 14" the interval 12-14.
* "from 3 April to 13 April 2018" takes the year from the right-hand side; when that would
  end the range before it starts ("December to March 2018") the left side is a year earlier.
* "since 2014", "depuis 2014", "à partir de 2014", "from 2014 onwards" are open: no ``latest``.
* "Q3 2016", "3e trimestre 2016" are quarters; "H1 2016", "1er semestre 2016" half-years.

Anything else raises :class:`~sahel_core.errors.ParseError`, including impossible days
("31 February 2016"); no other exception escapes :func:`parse_date`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from attrs import define, evolve, field, frozen

from sahel_core.errors import ParseError, ValidationError
from sahel_core.qualifiers import text_check

__all__ = ["PartialDate", "Precision", "parse_date", "parse_dates_distinct"]

#: How precise a :class:`PartialDate` is, derived from its bounds.
Precision = Literal["day", "month", "year", "range", "open"]


def _to_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError("expected a date (YYYY-MM-DD)", value=value)


def _to_optional_date(value: object) -> dt.date | None:
    return None if value is None else _to_date(value)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@define(frozen=True, order=False)
class PartialDate:
    """A day, month, year or span of days as reported, with ``earliest``/``latest`` bounds.

    ``latest`` is ``None`` for open intervals ("since 2014"). Ordering compares
    ``(earliest, latest)``; :meth:`overlaps` and :meth:`contains` compare intervals.
    """

    earliest: dt.date = field(converter=_to_date)
    latest: dt.date | None = field(default=None, converter=_to_optional_date)
    text: str | None = field(default=None, validator=text_check("text"))

    def __attrs_post_init__(self) -> None:
        if self.latest is not None and self.latest < self.earliest:
            raise ValidationError(
                "a date range ends before it starts", field="latest", value=self.latest
            )

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> PartialDate:
        """The whole year, month or day: ``PartialDate.of(2016, 5)`` is May 2016.

        Raises :class:`~sahel_core.errors.ValidationError` for a day that does not exist.
        """
        try:
            if month is None:
                return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))
            if day is None:
                return cls(dt.date(year, month, 1), _month_end(year, month))
            return cls(dt.date(year, month, day), dt.date(year, month, day))
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(
                "no such year, month or day", field="earliest", value=(year, month, day)
            ) from None

    def _key(self) -> tuple[dt.date, dt.date]:
        return self.earliest, self.latest or dt.date.max

    # Another type gives NotImplemented: Python then raises its TypeError ("'<' not supported").
    def __lt__(self, other: object) -> bool:
        return self._key() < other._key() if isinstance(other, PartialDate) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self._key() <= other._key() if isinstance(other, PartialDate) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self._key() > other._key() if isinstance(other, PartialDate) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self._key() >= other._key() if isinstance(other, PartialDate) else NotImplemented

    def overlaps(self, other: PartialDate | dt.date) -> bool:
        """True when the two intervals (or the interval and the day) share at least one day."""
        if not isinstance(other, PartialDate):
            other = PartialDate(other, other)
        return self.earliest <= other._key()[1] and other.earliest <= self._key()[1]

    def contains(self, other: PartialDate | dt.date) -> bool:
        """True when ``other`` (a day or an interval) lies wholly inside this interval."""
        if not isinstance(other, PartialDate):
            other = PartialDate(other, other)
        return self.earliest <= other.earliest and other._key()[1] <= self._key()[1]

    @property
    def precision(self) -> Precision:
        """``"day"``, ``"month"``, ``"year"`` when the bounds are exactly one calendar unit,
        ``"open"`` without ``latest``, else ``"range"``."""
        if self.latest is None:
            return "open"
        for unit in ("day", "month", "year"):
            if _starts(self.earliest, unit) and self.latest == _unit_end(self.earliest, unit):
                return unit
        return "range"

    @property
    def edtf(self) -> str:
        """The interval as EDTF (ISO 8601-2) text: ``2016``, ``2016-05``, ``2016-05-12``,
        ``2016-10-21/2016-10-31``, ``2014-10/2015-01``, ``2016/2018``, ``2014/..``.

        Both ends use the coarsest unit (year, month, day) that states the bounds exactly, so
        :meth:`from_edtf` gives back the same bounds.
        """
        if self.latest is None:
            unit = next(u for u in _UNITS if _starts(self.earliest, u))
            return f"{_format(self.earliest, unit)}/.."
        for unit in _UNITS:
            if _starts(self.earliest, unit) and _ends(self.latest, unit):
                start, end = _format(self.earliest, unit), _format(self.latest, unit)
                return start if start == end else f"{start}/{end}"
        raise AssertionError("day precision always matches")  # pragma: no cover

    @classmethod
    def from_edtf(cls, text: str) -> PartialDate:
        """Read the EDTF subset that :attr:`edtf` writes: ``YYYY``, ``YYYY-MM``,
        ``YYYY-MM-DD`` and intervals ``A/B`` or ``A/..`` of those. ``text`` stays ``None``:
        EDTF is a storage form, not what a source said. Anything else raises
        :class:`~sahel_core.errors.ParseError`."""
        match = _EDTF.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ParseError(
                "not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD, A/B, A/..)", field="date", value=text
            )
        start, end = _edtf_unit(match["start"], text)
        if match["end"] == "..":
            return _interval(start, None, None, text)
        if match["end"] is not None:
            end = _edtf_unit(match["end"], text)[1]
        return _interval(start, end, None, text)


_UNITS = ("year", "month", "day")
_UNIT = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_EDTF = re.compile(rf"(?P<start>{_UNIT})(?:/(?P<end>{_UNIT}|\.\.))?", re.ASCII)


def _starts(day: dt.date, unit: str) -> bool:
    if unit == "year":
        return day.month == 1 and day.day == 1
    return day.day == 1 if unit == "month" else True


def _ends(day: dt.date, unit: str) -> bool:
    if unit == "year":
        return day.month == 12 and day.day == 31
    return day == _month_end(day.year, day.month) if unit == "month" else True


def _unit_end(start: dt.date, unit: str) -> dt.date:
    if unit == "year":
        return dt.date(start.year, 12, 31)
    return _month_end(start.year, start.month) if unit == "month" else start


def _format(day: dt.date, unit: str) -> str:
    text = day.isoformat()
    return text[:4] if unit == "year" else text[:7] if unit == "month" else text


def _edtf_unit(unit: str, text: str) -> tuple[dt.date, dt.date]:
    parts = [int(p) for p in unit.split("-")]
    return _bounds(parts[0], *parts[1:], text=text)


def _bounds(
    year: int, month: int | None = None, day: int | None = None, *, text: str
) -> tuple[dt.date, dt.date]:
    """First and last day of a year, month or day; ParseError when there is no such day."""
    found = _calendar_bounds(year, month, day)
    if found is None:
        raise ParseError("no such date", field="date", value=text)
    return found


@lru_cache(maxsize=65536)
def _calendar_bounds(
    year: int, month: int | None, day: int | None
) -> tuple[dt.date, dt.date] | None:
    """:func:`_bounds` without the text, ``None`` for no such day; cached, since texts name
    the same few years and months again and again."""
    try:
        whole = PartialDate.of(year, month, day)
    except ValidationError:
        return None
    assert whole.latest is not None
    return whole.earliest, whole.latest


def _interval(start: dt.date, end: dt.date | None, text: str | None, value: str) -> PartialDate:
    if end is not None and end < start:
        raise ParseError("the date range ends before it starts", field="date", value=value)
    return PartialDate(start, end, text)


# --- reading phrases ------------------------------------------------------------------------

_MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTHS_FR = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MODIFIERS_EN = {
    "early": "early",
    "beginning": "early",
    "start": "early",
    "mid": "mid",
    "middle": "mid",
    "late": "late",
    "end": "late",
}
_MODIFIERS_FR = {"debut": "early", "mi": "mid", "milieu": "mid", "fin": "late"}
_VOCABULARY = {
    "en": (_MONTHS_EN, _MODIFIERS_EN),
    "fr": (_MONTHS_FR, _MODIFIERS_FR),
    None: (_MONTHS_EN | _MONTHS_FR, _MODIFIERS_EN | _MODIFIERS_FR),
}
# Month days and year months covered by "early", "mid" and "late" (see the module docstring).
_DAYS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
_YEAR_MONTHS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
# The days of the week, Monday 0 (as datetime.date.weekday counts them), English and French.
_WEEKDAYS = {
    name: day
    for names in ("monday tuesday wednesday thursday friday saturday sunday",
                  "lundi mardi mercredi jeudi vendredi samedi dimanche")
    for day, name in enumerate(names.split())
}  # fmt: skip
# Words that carry no date information: "the end of the year 2016", "courant mai", "Monday".
_FILLERS = frozenset({
    "the", "of", "in", "on", "at", "during", "de", "d", "du", "l", "la", "le", "en", "au", "a",
    "courant", "annee", "year", "month", "mois", *_WEEKDAYS,
})  # fmt: skip
_ORDINAL_SUFFIXES = frozenset({"", "st", "nd", "rd", "th", "er", "re", "e", "eme", "ieme"})
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "premier": 1,
    "premiere": 1,
    "deuxieme": 2,
    "troisieme": 3,
    "quatrieme": 4,
}
_PART_WORDS = {"quarter": 3, "trimestre": 3, "half": 6, "semestre": 6}
_SINCE = frozenset({"since", "depuis"})
_OPENERS = {
    "between": frozenset({"and"}),
    "entre": frozenset({"et"}),
    "from": frozenset({"to", "until", "till", "through", "-"}),
    "du": frozenset({"au", "-"}),
    "de": frozenset({"a", "au", "-"}),
}
_INFIX = frozenset({"-", "to", "and", "et", "au", "until", "through"})
_TOKEN = re.compile(
    r"(?P<dmy>\d{1,2}[/.]\d{1,2}[/.]\d{4})"
    r"|(?P<iso>\d{4}-\d{2}(?:-\d{2})?)(?![\d-])"
    r"|(?P<part>[qth][1-4])(?![a-z\d])"
    r"|(?P<num>\d+)(?P<suffix>[a-z]*)"
    r"|(?P<word>[a-z]+)"
    r"|(?P<dash>-)"
    r"|(?P<other>\S)",
    re.ASCII,
)
_ISO_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", re.ASCII
)
_MAX_LENGTH = 200


class _NoMatch(Exception):
    """The tokens do not fit this reading; the caller tries another split."""


@frozen
class _Point:
    """One side of a range before its missing year or month is borrowed from the other."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    modifier: str | None = None
    part: tuple[int, int] | None = None  # (index, months per part): Q3 = (3, 3), H1 = (1, 6)

    def bounds(self, text: str) -> tuple[dt.date, dt.date]:
        if self.year is None or (self.day is not None and self.month is None):
            raise _NoMatch
        if self.part is not None:
            index, size = self.part
            first = (index - 1) * size + 1
            return (
                _bounds(self.year, first, text=text)[0],
                _bounds(self.year, first + size - 1, text=text)[1],
            )
        start, end = _bounds(self.year, self.month, self.day, text=text)
        if self.modifier is None:
            return start, end
        if self.month is None:
            low, high = _YEAR_MONTHS[self.modifier]
            return _bounds(self.year, low, text=text)[0], _bounds(self.year, high, text=text)[1]
        low, high = _DAYS[self.modifier]
        return start.replace(day=low), end.replace(day=min(high, end.day))


def parse_date(text: str, *, lang: str | None = None) -> PartialDate:
    """Read a date phrase or an ISO/EDTF/day-first numeric date as a :class:`PartialDate`.

    ``lang`` ("en" or "fr") limits month names and modifiers to one language; by default both
    are accepted. Case, accents and abbreviation dots are ignored ("Jan.", "janv.", "DÉCEMBRE").
    ``text`` on the result is the string as given. See the module docstring for the readings
    chosen for "early/mid/late", day-first numbers and ranges. Raises
    :class:`~sahel_core.errors.ParseError` for anything else.
    """
    if not isinstance(text, str):
        raise ParseError("expected a date as text", field="date", value=text)
    if not (lang is None or isinstance(lang, str)) or lang not in _VOCABULARY:
        raise ParseError("lang must be 'en', 'fr' or None", field="lang", value=lang)
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_LENGTH:
        raise ParseError("not a date", field="date", value=text)
    if _EDTF.fullmatch(stripped):
        date = PartialDate.from_edtf(stripped)
        return PartialDate(date.earliest, date.latest, text)
    if match := _ISO_DATETIME.fullmatch(stripped):
        stripped = match[1]
    months, modifiers = _VOCABULARY[lang]
    tokens = _tokenize(_normalize(stripped), text)
    try:
        start, end = _read(tokens, months, modifiers, text)
    except _NoMatch:
        raise ParseError("not a date this parser reads", field="date", value=text) from None
    return _interval(start, end, text, text)


def parse_dates_distinct(
    values: Iterable[str | None], *, lang: str | None = None
) -> dict[str | None, PartialDate | ParseError]:
    """Parse each distinct string once: ``{text: PartialDate or the ParseError}``.

    Meant for table columns where the same date repeats: the caller parses
    ``column.unique()`` and joins the result back, so the cost is per distinct value, not per
    row. Bad values map to their :class:`~sahel_core.errors.ParseError` instead of raising, so
    one bad cell does not stop a column; ``None`` maps to a ParseError too.
    """
    results: dict[str | None, PartialDate | ParseError] = {}
    for value in values:
        try:
            known = value in results
        except TypeError:  # a value that can be no key of the mapping (a list)
            raise ParseError("expected text or None", field="date", value=value) from None
        if not known:
            try:
                results[value] = parse_date(value, lang=lang)  # type: ignore[arg-type]
            except ParseError as error:
                results[value] = error.detached()
    return results


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_PUNCTUATION = re.compile(r"[,;'\u2018\u2019\"`()]")
_DOTS = re.compile(r"\.(?!\d)|(?<!\d)\.")  # abbreviation dots, not 12.05.2016


def _normalize(text: str) -> str:
    if text.isascii():  # nothing to decompose, no dash to straighten: the common case
        bare = text.lower()
    else:
        bare = unicodedata.normalize("NFKD", text)
        bare = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
        bare = _DASHES.sub("-", bare)
    bare = _PUNCTUATION.sub(" ", bare)
    bare = _DOTS.sub(" ", bare)
    return bare.replace("&", " and ")


def _tokenize(text: str, original: str) -> list[tuple[str, str]]:
    """(kind, token) pairs; kinds: dmy, iso, part, num, word, dash. Others are rejected."""
    tokens: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "suffix":  # the suffix group closes after num; report the num
            kind = "num"
        if kind == "other":
            raise ParseError("unexpected character in a date", field="date", value=original)
        tokens.append((kind, match[0]))
    return _merge_phrases(tokens)


def _merge_phrases(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Turn multi-word connectors into one token: "à partir de" -> since, "jusqu'au" -> to."""
    words = [t for _, t in tokens]
    merged: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if words[i : i + 2] == ["a", "partir"]:
            merged.append(("word", "since"))
            i += 3 if i + 2 < len(words) and words[i + 2] in {"de", "du", "d"} else 2
        elif words[i] == "jusqu" and i + 1 < len(words) and words[i + 1] in {"au", "a", "en"}:
            merged.append(("word", "to"))
            i += 2
        else:
            merged.append(tokens[i])
            i += 1
    return merged


def _read(
    tokens: list[tuple[str, str]], months: dict[str, int], modifiers: dict[str, str], text: str
) -> tuple[dt.date, dt.date | None]:
    if not tokens:
        raise _NoMatch
    words = [t for _, t in tokens]
    if words[0] in _SINCE or (words[0] == "from" and words[-1] in {"onwards", "onward"}):
        body = tokens[1:-1] if words[-1] in {"onwards", "onward"} else tokens[1:]
        return _point(body, months, modifiers).bounds(text)[0], None
    try:
        return _point(tokens, months, modifiers).bounds(text)
    except _NoMatch:
        pass
    opener = _OPENERS.get(words[0])
    body = tokens[1:] if opener else tokens
    connectors = opener or _INFIX
    for i, (_, word) in enumerate(body):
        if word in connectors and 0 < i < len(body) - 1:
            try:
                return _range(body[:i], body[i + 1 :], months, modifiers, text)
            except _NoMatch:
                continue
    if words[0] == "from":  # "from 2014" alone reads as "since 2014"
        return _point(tokens[1:], months, modifiers).bounds(text)[0], None
    raise _NoMatch


def _range(
    left_tokens: list[tuple[str, str]],
    right_tokens: list[tuple[str, str]],
    months: dict[str, int],
    modifiers: dict[str, str],
    text: str,
) -> tuple[dt.date, dt.date]:
    left = _point(left_tokens, months, modifiers)
    right = _point(right_tokens, months, modifiers)
    # "3-13 April 2018", "from 3 April to 13 April 2018": a side borrows what it lacks.
    if right.year is None and left.year is not None:
        right = evolve(right, year=left.year, month=right.month or (right.day and left.month))
    own_month = left.month is not None
    if left.year is None:
        left = evolve(left, year=right.year, month=left.month or (left.day and right.month))
        start, end = left.bounds(text)[0], right.bounds(text)[1]
        if end < start and own_month and left.year is not None:
            # "from December to March 2018": the December before.
            start = evolve(left, year=left.year - 1).bounds(text)[0]
        return start, end
    return left.bounds(text)[0], right.bounds(text)[1]


_DMY_SEPARATOR = re.compile(r"[/.]")
_NUM_SUFFIX = re.compile(r"(\d+)([a-z]*)")


def _point(
    tokens: list[tuple[str, str]], months: dict[str, int], modifiers: dict[str, str]
) -> _Point:
    """One calendar unit: [modifier] [day] month [year], month day [year], year, Q3 2016..."""
    items = [(k, t) for k, t in tokens if not (k == "word" and t in _FILLERS)]
    if not items:
        raise _NoMatch
    modifier = None
    if items[0][0] == "word" and items[0][1] in modifiers:
        modifier = modifiers[items[0][1]]
        items = items[1:]
        if items and items[0][0] == "dash":  # "mid-2016", "mi-mai"
            items = items[1:]
    kinds = []
    values: list[int] = []
    for kind, token in items:
        if kind == "dmy":
            day, month, year = (int(p) for p in _DMY_SEPARATOR.split(token))
            kinds.append("D")
            values.extend((year, month, day))
        elif kind == "iso":
            kinds.append("I")
            values.extend(int(p) for p in token.split("-"))
        elif kind == "num":
            number, suffix = _NUM_SUFFIX.fullmatch(token).groups()  # type: ignore[union-attr]
            if len(number) == 4 and not suffix:
                kinds.append("Y")
            elif len(number) <= 2 and suffix in _ORDINAL_SUFFIXES:
                kinds.append("N")
            else:
                raise _NoMatch
            values.append(int(number))
        elif kind == "word" and token in months:
            kinds.append("M")
            values.append(months[token])
        elif kind == "part":
            size = 6 if token[0] == "h" else 3
            if int(token[1]) * size > 12:
                raise _NoMatch
            kinds.append("P")
            values.extend((int(token[1]), size))
        elif kind == "word" and token in _ORDINAL_WORDS:
            kinds.append("N")
            values.append(_ORDINAL_WORDS[token])
        elif kind == "word" and token in _PART_WORDS:
            kinds.append("W")
            values.append(_PART_WORDS[token])
        else:
            raise _NoMatch
    return _shape("".join(kinds), values, modifier)


def _shape(kinds: str, v: list[int], modifier: str | None) -> _Point:
    # Modifiers apply to a month or a year only ("late 12 May" is not a date).
    if kinds in {"Y", "M", "MY"}:
        month = v[0] if kinds[0] == "M" else None
        return _Point(year=v[-1] if kinds.endswith("Y") else None, month=month, modifier=modifier)
    if modifier is not None:
        raise _NoMatch
    if kinds in {"N", "NM", "NMY"} and v[0] >= 1:
        return _Point(
            year=v[2] if kinds == "NMY" else None, month=v[1] if len(kinds) > 1 else None, day=v[0]
        )
    if kinds in {"MN", "MNY"}:
        return _Point(year=v[2] if kinds == "MNY" else None, month=v[0], day=v[1])
    if kinds == "D":
        return _Point(year=v[0], month=v[1], day=v[2])
    if kinds == "I":
        return _Point(year=v[0], month=v[1], day=v[2] if len(v) > 2 else None)
    if kinds == "PY":
        return _Point(year=v[2], part=(v[0], v[1]))
    if kinds == "NWY" and 1 <= v[0] * v[1] <= 12:
        return _Point(year=v[2], part=(v[0], v[1]))
    raise _NoMatch
