"""Where dates and figures are written, and reading them with the project's parsers.

The patterns here only locate text; :func:`~sahel_core.numbers.parse_number`,
:func:`~sahel_core.quantities.parse_amount`, :func:`~sahel_core.money.parse_money` and
:func:`~sahel_core.dates.parse_date` read it, once per distinct string."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Final

import attrs

from sahel_core.dates import _WEEKDAYS, PartialDate, parse_date
from sahel_core.errors import ParseError, SahelError
from sahel_core.extract._text import fold_same_length, words_of
from sahel_core.money import CURRENCY_WORDS, REDENOMINATIONS, Money
from sahel_core.numbers import (
    _ARTICLES,
    COLLECTIVE_WORDS,
    QUALIFIER_PREFIXES,
    SCALE_WORDS,
    parse_number,
    split_qualifier,
)
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount

# --- figures: numbers, amounts, money, dates --------------------------------------------------


def _fold_phrase(phrase: str) -> str:
    return fold_same_length(phrase).strip()


def _first_chars(words: Iterable[str]) -> str:
    """A look-ahead for the first characters of ``words``, to put before their alternation.

    Python's ``re`` tries the branches of an alternation one by one; most places the patterns
    below are tried at (a number) begin none of them, and the look-ahead says so at once.
    """
    return "(?=[{}])".format("".join(sorted({re.escape(w[0]) for w in words})))


def _phrases(words: Iterable[str]) -> str:
    phrases = sorted({_fold_phrase(w) for w in words}, key=len, reverse=True)
    parts = []
    for word in phrases:
        body = r"\s+".join(re.escape(w) for w in word.split())
        parts.append(body + (r"(?![a-z0-9])" if word[-1].isalnum() else ""))
    return _first_chars(phrases) + "(?:{})".format("|".join(parts))


_QUALIFIER = _phrases(QUALIFIER_PREFIXES)
_DIGITS = (
    r"(?<![\w.,])(?:\d{1,3}(?:(?:,\d{3})+|(?:\.\d{3})+|(?:[ \u00a0\u202f]\d{3})+)(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?)"
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty "
    "forty fifty hundred deux trois quatre cinq six sept huit neuf dix onze douze quinze vingt "
    "trente quarante cinquante cent"
)
_NUMBER_WORD = rf"(?<![a-z])(?:{'|'.join(_NUMBER_WORDS.split())})(?![a-z-])"
_SCALE = r"(?:millions?|milliards?|billions?|thousand|mille|mn|bn)(?![a-z])"
# An article as a figure, which parse_number reads: "a (ton)", "une (tonne)", "half a (ton)",
# "a half (kilogram)" (read as "half a", see _amount),
# "une demi(-tonne)", "a dozen", "une trentaine", "une demi-douzaine". A bare article is a figure
# only with a unit right after it (see _Scan._figures), and the scan looks at one only before a
# unit written out (see _Scan._words): elsewhere "a" and "une" are words.
_ARTICLE_FIGURE = (
    r"(?<![a-z])(?P<art>(?:half\s+an?|(?:an?|one)\s+half|an?|une?)(?:\s+demi)?|demi)"
    rf"(?:[\s-]+(?P<group>{'|'.join(COLLECTIVE_WORDS)}))?(?![a-z])"
)
# Between an article's figure and its unit: "une demi-tonne", "une dizaine de kilogrammes".
_ARTICLE_TO_UNIT = re.compile(r"-|\s+(?:de\s+|d')(?=[a-z])")

#: A figure as the text writes it, with the qualifier words before it: "more than 2.7",
#: "some 30", "2 700", "plus de 1,2", "twelve". Plugins build their patterns from it; it
#: matches the folded text (lower case, no accents: see :func:`fold_same_length`).
NUMBER_PATTERN: Final = rf"(?:(?:{_QUALIFIER})\s*)?(?:{_DIGITS}|{_NUMBER_WORD})"

# The currency words money.parse_money reads, so that every sum it can read is found.
_CURRENCY = "(?<![a-z]){}(?:{})(?![a-z])".format(
    _first_chars(CURRENCY_WORDS),
    "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(CURRENCY_WORDS, key=len, reverse=True)
    ),
)
_TO_CURRENCY = r"\s?(?:de\s+|d')?"  # "13 million CFA", "13 millions de FCFA"
# A half after a number or a scale word: "two and a half (tons)", "deux millions et demi (de
# FCFA)", "a million and a half". Not "half-" (a word of its own), nor "demi-tonne".
_HALF_END = r"(?![\w-])"
_EN_HALF = r"\s+and\s+a\s+half"  # after a number, only English: "two and a half"
# After a scale word or a unit: "deux millions et demi", "a ton and a half".
_HALF_AFTER = rf"(?:{_EN_HALF}|\s+et\s+demie?){_HALF_END}"
_FIGURE = re.compile(
    rf"(?:(?P<qual>{_QUALIFIER})\s*)?"
    rf"(?P<cur1>(?:{_CURRENCY})\s?)?"
    rf"(?P<num>{_DIGITS}|{_ARTICLE_FIGURE}|{_NUMBER_WORD})"
    rf"(?:{_EN_HALF}{_HALF_END})?"
    rf"(?:(?:\s|(?<=demi)-)?(?P<scale>{_SCALE})(?:{_HALF_AFTER})?)?"
    rf"(?:{_TO_CURRENCY}(?P<cur2>{_CURRENCY}))?"
)
# The currency after a range: "between 100,000 and 120,000 USD", "entre 60 et 70 millions de
# FCFA" (after one figure, _FIGURE reads it).
_CURRENCY_AFTER = re.compile(rf"{_TO_CURRENCY}(?P<cur>{_CURRENCY})")
# A day after every change of REDENOMINATIONS: a sum that reads on it reads on any day, with
# the currency of that day.
_ANY_DAY = dt.date.max
_NUMBER_WORD_SET: Final = frozenset(_NUMBER_WORDS.split())
# Words a figure in words is found by, whatever comes before them ("a dozen", "une demi-tonne").
_COUNTING_WORDS: Final = frozenset((*COLLECTIVE_WORDS, "demi"))
# The first words of what may come before a figure's number: qualifiers, currencies, and the
# start of an article's figure ("half a ton", "une dizaine").
_FIGURE_PHRASES = (
    *QUALIFIER_PREFIXES,
    *CURRENCY_WORDS,
    "between",
    "entre",
    "from",
    "de",
    *_ARTICLES,
    "half",
)
_FIGURE_STARTERS: Final = frozenset(
    word for phrase in _FIGURE_PHRASES for word in words_of(fold_same_length(phrase))[:1]
)
# Every word of those phrases: how far back from a number its qualifier can reach.
_FIGURE_WORDS: Final = frozenset(
    word for phrase in _FIGURE_PHRASES for word in words_of(fold_same_length(phrase))
)
# The second figure of a range, in digits or in words as the first may be ("between two and
# three tons", "entre dix et douze personnes": parse_amount reads them whole). Not words
# before a scale word: numbers.split_range gives the scale to a left side in digits only
# ("between two and three million" would run from 2 to 3,000,000).
_RANGE_END = rf"(?:{_DIGITS}(?:\s?{_SCALE})?|{_NUMBER_WORD}(?!\s?{_SCALE}))"
_RANGE_TAIL = re.compile(rf"\s*(?:-|to|a|au)\s*{_RANGE_END}")
_RANGE_AND = re.compile(rf"\s*(?:and|et)\s*{_RANGE_END}")
_RANGE_OPEN = re.compile(r"(?:between|entre|from|de)\s+$")
_UNIT_WORDS = re.compile(r"\s?(?P<w1>[a-z]+)\.?(?:\s(?P<w2>[a-z]+))?")
_SUFFIX_QUALIFIER = re.compile(r"\s+(?:environ|approximately|or more|ou plus|au moins|or so)\b")
# After a unit or a scale word, a half more: "une tonne et demie" (parse_amount reads it), "a
# ton and a half", "deux millions et demi" (_without_half reads them).
_AND_A_HALF = re.compile(_HALF_AFTER, re.IGNORECASE)
# Words after a number that are never units ("on 12 December", "12 of methamphetamine").
# fmt: off
_NOT_UNITS = frozenset((
    "of", "de", "d", "on", "in", "a", "at", "and", "et", "to", "per", "par", "pour", "the",
    "la", "le", "les", "for",
))
# fmt: on


@lru_cache(maxsize=8192)
def _unit_of(words: str) -> tuple[str | None, int]:
    """The unit that ``words`` (a match of ``_UNIT_WORDS`` after a number) name, two words
    before one ("metric tons"), and the length of its text; ``(None, 0)`` for none."""
    from sahel_core.errors import UnitError
    from sahel_core.quantities import canonical_unit

    found = _UNIT_WORDS.fullmatch(words)
    assert found is not None  # words is a match of the same pattern
    for group in ("w2", "w1"):
        if found[group] is None:
            continue
        phrase = words[: found.end(group)].strip()
        if phrase in _NOT_UNITS:
            continue
        try:
            return canonical_unit(phrase), found.end(group)
        except UnitError:
            continue
    return None, 0


@lru_cache(maxsize=65536)
def _amount(text: str, locale: str, unit: str | None = None) -> Amount | None:
    """The amount ``text`` writes, in ``unit`` when it names none ("between 10 and 12" people),
    or None."""
    from sahel_core.quantities import parse_amount

    half = _without_half(text)
    found = _amount(half[0], locale, unit) if half else None
    if half is not None and found is not None and not _halves(found.magnitude, half[1]):
        return None  # "1.5 tons and a half": which it is, the text does not say
    try:
        return parse_amount(text, locale=locale, unit=unit)
    except SahelError:
        pass
    article = _A_HALF.search(text) if half is None else None
    if article is not None:  # "a half kilogram" is "half a kilogram"
        found = _amount(f"{text[: article.start()]}half a{text[article.end() :]}", locale, unit)
        return None if found is None else attrs.evolve(found, text=text)
    if half is None or found is None or found.qualifier is Qualifier.RANGE:
        return None
    return Amount(found.magnitude + half[1], found.unit, found.qualifier, text=text)


@lru_cache(maxsize=65536)
def _money(
    text: str, locale: str, country: str | None = None, on: dt.date | None = None
) -> Money | None:
    from sahel_core.money import parse_money

    half = _without_half(text)
    found = _money(half[0], locale, country, on) if half else None
    if half is not None and found is not None and not _halves(found.amount, half[1]):
        return None  # "1.5 million and a half CFA francs"
    try:
        return parse_money(text, locale=locale, country=country, on=on)
    except SahelError:
        pass
    if half is None or found is None or found.qualifier is Qualifier.RANGE:
        return None
    return Money(found.amount + half[1], found.currency, found.qualifier, text=text)


# The halves the project's parsers leave to the caller: "half a million", "un demi-million"
# (a half of a scale word), and "and a half" after a number, a scale word or a unit ("two
# and a half tons", "a ton and a half", "deux millions et demi"; "une tonne et demie" they
# read).
_HALF_OF_SCALE = re.compile(
    r"(?<![^\W\d_])(?:half\s+an?|une?\s+demi|demi)[\s-]+(?=(?:millions?|milliards?|billions?|"
    r"thousand|mille)(?![^\W\d_]))",
    re.IGNORECASE,
)
_A_HALF = re.compile(r"(?<![^\W\d_])(?:an?|one)\s+half(?=\s)", re.IGNORECASE)
_WORD_BEFORE_HALF = re.compile(r"([^\W\d_]+)\s*$")
_WORD_AFTER_HALF = re.compile(r"\s*([^\W\d_]+)")


def _halves(value: Decimal, half: Decimal) -> bool:
    """Whether a half (``half``: 0.5 of a unit or of a scale word) may be added to ``value``:
    not to a number that has decimals of its own ("1.5 tons and a half" is 1.5 or 2 tons)."""
    return not half or value % (2 * half) == 0


def _without_half(text: str) -> tuple[str, Decimal] | None:
    """``text`` written so that the parsers read it without its half, and what the half adds:
    0.5 of the scale word next to it ("deux millions et demi": 500,000), else of the unit
    ("a ton and a half": 0.5). None when ``text`` has no such half."""
    scale = _HALF_OF_SCALE.search(text)
    if scale is not None:  # "half a million" is "0.5 million" (parse_number reads "0.5")
        return f"{text[: scale.start()]}0.5 {text[scale.end() :]}", Decimal(0)
    half = _AND_A_HALF.search(text)
    if half is None:
        return None
    before = _WORD_BEFORE_HALF.search(text, 0, half.start())
    after = _WORD_AFTER_HALF.match(text, half.end())
    power = 0
    for word in (before, after):
        name = word[1].casefold() if word is not None else ""
        found = SCALE_WORDS.get(name, SCALE_WORDS.get(name[:-1])) if name else None
        if found is not None:
            power = found
            break
    return text[: half.start()] + text[half.end() :], Decimal("0.5").scaleb(power)


def _redenominated(currency: str) -> str | None:
    """The word of REDENOMINATIONS a currency is, as the folded text writes it ("cedis " →
    "cedi"), or None."""
    word = CURRENCY_WORDS.get(" ".join(currency.split()))
    return word if word in REDENOMINATIONS else None


@lru_cache(maxsize=65536)
def _number(text: str, locale: str) -> tuple[Qualifier, Decimal] | None:
    try:
        qualifier, rest = split_qualifier(text)
        return qualifier, parse_number(rest, locale=locale)
    except SahelError:
        pass
    half = _without_half(text)
    found = _number(half[0], locale) if half else None
    if half is None or found is None or not _halves(found[1], half[1]):
        return None
    return found[0], found[1] + half[1]


@lru_cache(maxsize=65536)
def _date(text: str) -> PartialDate | None:
    try:
        return parse_date(text)
    except ParseError:
        return None


def _relative_date(match: re.Match[str], page: PartialDate, text: str) -> PartialDate | None:
    """:func:`_relative_span`; None where the span would leave the calendar (a page dated in
    the year 1 and "three days ago")."""
    try:
        return _relative_span(match, page, text)
    except OverflowError:
        return None


def _relative_span(match: re.Match[str], page: PartialDate, text: str) -> PartialDate | None:
    """The span a relative date (a match of ``_RELATIVE_DATE``, written ``text``) covers on a
    page dated ``page``: from the start of the earliest day it may mean to the end of the
    latest. "last week" is the calendar week before the page's up to the day before it, since
    it is said of both ("12 March: last week" may be 29 February to 6 March, or 5 to 11 March).
    A weekday is the last such day on or before the page's ("on Thursday" in a release of
    Thursday is that day), before it after "last"/"dernier"; with a day of a month after it,
    that day ("Tuesday, 10 May"), if it is that weekday. "since" ("since last year") runs it
    to the page's date. None for a count of days that cannot be read, and for a weekday and a
    day of a month that are two days."""
    kind = match.lastgroup
    first, last = page.earliest, page.latest or page.earliest
    day = dt.timedelta(days=1)
    if kind == "yesterday":
        span = first - day, last - day
    elif kind == "days_ago":
        count = _number(match["count"], "fr" if match["il_y_a"] else "en")
        if count is None:
            return None
        back = day * int(count[1])
        span = first - back, last - back
    elif kind == "weekday" and match["date"] is not None:
        on = _last_day_of_month(match["date"], last)
        if on is None or on.weekday() != _WEEKDAYS[match["day"]]:
            return None  # "Tuesday, 11 May": two days, and which is meant is not known
        span = on, on
    elif kind == "weekday":
        weekday = _WEEKDAYS[match["day"]]
        before = bool(match["last"] or match["dernier"])
        span = _last_weekday(first, weekday, before), _last_weekday(last, weekday, before)
    elif kind == "last_week":
        span = first - dt.timedelta(days=first.weekday() + 7), last - day
    elif kind == "this_week":
        span = first - dt.timedelta(days=first.weekday()), last
    elif kind == "last_month":
        end = first.replace(day=1) - day
        span = end.replace(day=1), end
    elif kind == "this_month":
        span = first.replace(day=1), last
    elif kind == "last_year":
        span = dt.date(first.year - 1, 1, 1), dt.date(first.year - 1, 12, 31)
    else:
        assert kind in ("this_year", "year_start")
        span = dt.date(first.year, 1, 1), last
    return PartialDate(span[0], last if match["since"] else span[1], text)


def _last_day_of_month(text: str, on: dt.date) -> dt.date | None:
    """The last day written ``text`` (a day of a month: "10 May") on ``on`` or before it: of
    ``on``'s year, else of the year before; None if there is none ("30 February")."""
    for year in (on.year, on.year - 1):
        found = _date(f"{text} {year}")
        if found is not None and found.earliest <= on:
            return found.earliest
    return None


def _last_weekday(on: dt.date, weekday: int, before: bool) -> dt.date:
    """The last day of the week ``weekday`` (Monday 0) on ``on`` or before it; strictly
    before it when ``before``."""
    back = (on.weekday() - weekday) % 7
    return on - dt.timedelta(days=back or 7 * before)


def _months() -> str:
    from sahel_core import dates

    names = set(dates._MONTHS_EN) | set(dates._MONTHS_FR)  # the date parser's own vocabulary
    return "|".join(sorted(names, key=len, reverse=True))


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _part_words() -> tuple[str, str, str]:
    """The date parser's own words for a part of a year ("third quarter", "1er semestre"):
    ordinal words, ordinal suffixes of a number, and the parts."""
    from sahel_core import dates

    suffixes = _alternation(s for s in dates._ORDINAL_SUFFIXES if s)
    return _alternation(dates._ORDINAL_WORDS), suffixes, _alternation(dates._PART_WORDS)


_ORDINALS, _ORDINAL_ENDS, _PARTS = _part_words()
_MONTH_NAME = rf"(?<![a-z])(?:{_months()})(?![a-z])"
_MONTH = rf"{_MONTH_NAME}\.?"
_DAY = r"(?<!\d)\d{1,2}(?:st|nd|rd|th|er|e)?(?![\d])"
# A day of a month without its year ("10 May", "May 10", "10 mai"): a date only after a
# weekday, which a page's date reads (see _relative_date).
_DAY_OF_MONTH = rf"{_DAY}\s+(?:of\s+)?{_MONTH_NAME}|{_MONTH_NAME}\s+{_DAY}"
_YEAR = r"(?<!\d)(?:1[89]|20)\d{2}(?!\d)"
# An ISO day ("2016-05-12"): read whole, or its year would be taken for the date.
_ISO_DAY = r"(?<!\d)(?:1[89]|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d-])"
# A day-first day ("12/05/2016", "12.05.2016"), which parse_date reads. Not glued to a word,
# a dot, a slash or "n°" (a space apart or not), nor followed by a dot or slash and a digit:
# "v1.05.2016", "1.12.05.2016", "n° 12/05/2016" and "12/05/2016/7" are versions and
# references. Dotted, the month has two digits, as dates write it and versions ("2.1.2016")
# do not.
_DMY_DAY = rf"(?<![\w.,/°])(?<!°\s)\d{{1,2}}(?:/\d{{1,2}}/|\.\d\d\.){_YEAR}(?![./]\d)"
# A quarter or half of a year: "Q3 2016", "T3 2016" (trimestre), "H1 2016", "3e trimestre
# 2016", "third quarter of 2016"; parse_date checks the part exists ("H3" does not).
_PART = (
    rf"(?:(?<![a-z0-9])[qth][1-4]|(?<![a-z0-9])(?:{_ORDINALS}|[1-4](?:{_ORDINAL_ENDS})?)"
    rf"\s+(?:{_PARTS}))\s+(?:(?:of|de)\s+)?{_YEAR}"
)
# "end of the year", "fin de l'année", "mid-year": the year named before its number.
_MODIFIER = (
    r"(?:(?:(?:the\s+|la\s+|le\s+|a\s+la\s+)?(?:early|mid|late|beginning|start|middle|end|debut|"
    r"fin|milieu)(?:\s+(?:of|in|de))?(?:\s+the)?(?:\s+d'|\s+)|mid-|mi-)"
    r"(?:(?:the\s+|l')?(?:year|annee)\s+)?)"
)
_ATOM = (
    rf"{_ISO_DAY}|{_DMY_DAY}|{_PART}"
    rf"|(?:{_MODIFIER})?(?:(?:{_DAY})(?:\s*(?:-|and|&|et|au|to)\s*{_DAY})?\s+(?:of\s+)?)?"
    rf"{_MONTH}(?:\s+{_DAY},?)?(?:\s+(?:of\s+)?{_YEAR})?"
    rf"|(?:{_MODIFIER})?{_YEAR}"
)
_LINK = r"\s*(?:-|to|and|until|till|through|au|et|a|jusqu'au|jusqu'a|jusqu'en)\s*"
_DATE = re.compile(rf"(?:{_ATOM})(?:{_LINK}(?:{_ATOM}))?(?![a-z0-9])")
# The word before a date that says how to read it: "since 2014" is open, "in 2016" makes a
# bare year a date, "as of June 2017".
_DATE_CONTEXT = re.compile(
    r"(?<![a-z])(?P<ctx>since|as\s+of|depuis|a\s+partir\s+de|partir\s+de|from|between|entre|du|"
    r"in|en|during|by|until|des|throughout|starting|au\s+cours\s+de|jusqu'en)\s+$"
)
_CONTEXT_BACK = 24
# A bare year, or two, is a date only after a word that makes it one ("in 2016"): alone it is
# as often a figure ("2016 kg") or a name ("Resolution 2295"). A date that says more (a
# month, a day, a quarter, "late", "mi-") is one without that word.
_BARE_YEARS = re.compile(rf"{_YEAR}(?:{_LINK}{_YEAR})?")
# A quarter written short ("Q3 2016") right after a capitalised name is a model or a name
# ("the Audi Q3 2016", "Toyota Hilux T4 2016"), not a date.
_SHORT_PART = re.compile(rf"[qth][1-4]\s+{_YEAR}")
# A part of a year named by words only ("end of the year 2016", "late 2016"): its year may
# be a figure ("at the end of the year 2016 kg were seized"). A day, a month or a quarter
# says it is a date.
_PART_OF_YEAR = re.compile(rf"(?:{_MODIFIER}){_YEAR}")
# Words that may begin a date before its month or year, besides a day's number: "late",
# "beginning of", "mi-", "Q3", "third (quarter)".
# fmt: off
_DATE_STARTERS: Final = frozenset((
    "early", "mid", "late", "beginning", "start", "middle", "end", "debut", "fin", "milieu", "mi",
    "the", "la", "le", "q1", "q2", "q3", "q4", "t1", "t2", "t3", "t4", "h1", "h2",
    *_ORDINALS.split("|"),
))
# fmt: on
# Words that may stand between such a start and the month or year: "12 and 13 December",
# "end of", "third quarter of".
_DATE_WORDS: Final = (
    _DATE_STARTERS
    | {"of", "de", "d", "and", "et", "au", "to", "a", "in", "l", "year", "annee"}
    | {*_PARTS.split("|")}
)
_MONTH_WORDS: Final = frozenset(_months().split("|"))
_OPEN_CONTEXT = frozenset(
    {"since", "depuis", "from", "a partir de", "partir de", "starting", "des"}
)
