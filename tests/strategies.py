"""Hypothesis strategies shared by the test modules, one section per area."""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from decimal import Decimal

from hypothesis import strategies as st

from sahel_core.dates import PartialDate
from sahel_core.money import Money
from sahel_core.numbers import tidy
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount

# --- dates

EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")  # fmt: skip
EN_MONTHS_SHORT = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sept.",
                   "Oct.", "Nov.", "Dec.")  # fmt: skip
FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")  # fmt: skip
FR_MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                   "oct.", "nov.", "déc.")  # fmt: skip
_DAY_RANGE = (dt.date(1950, 1, 1), dt.date(2049, 12, 31))


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@st.composite
def precise_dates(draw: st.DrawFn) -> PartialDate:
    """A day, month, year, span of days or open interval, without ``text``."""
    start = draw(st.dates(*_DAY_RANGE))
    kind = draw(st.sampled_from(["day", "month", "year", "range", "open"]))
    if kind == "day":
        return PartialDate(start, start)
    if kind == "month":
        return PartialDate(start.replace(day=1), _month_end(start))
    if kind == "year":
        return PartialDate(dt.date(start.year, 1, 1), dt.date(start.year, 12, 31))
    if kind == "open":
        return PartialDate(start, None)
    return PartialDate(start, start + dt.timedelta(days=draw(st.integers(1, 800))))


def _case(draw: st.DrawFn, text: str) -> str:
    return draw(st.sampled_from([text, text.upper(), text.lower(), text.title()]))


@st.composite
def date_phrases(draw: st.DrawFn) -> tuple[str, PartialDate]:
    """``(phrase, expected)``: a day, month, year or range written as English or French
    prose, ISO or day-first numbers, in any case; ``expected.text`` is the phrase."""
    day = draw(st.dates(*_DAY_RANGE))
    french = draw(st.booleans())
    short = draw(st.booleans())
    names = (
        (FR_MONTHS_SHORT if short else FR_MONTHS)
        if french
        else (EN_MONTHS_SHORT if short else EN_MONTHS)
    )

    def month(d: dt.date) -> str:
        return names[d.month - 1]

    kind = draw(st.sampled_from(["day", "month", "year", "days", "months", "years", "open"]))
    start, end = day, day
    if kind == "day":
        first = "1er" if french and day.day == 1 else str(day.day)
        forms = [f"{first} {month(day)} {day.year}", f"{day:%d/%m/%Y}", day.isoformat()]
        if not french:
            forms.append(f"{month(day)} {day.day}, {day.year}")
    elif kind == "month":
        start, end = day.replace(day=1), _month_end(day)
        forms = [f"{month(day)} {day.year}", f"{day:%Y-%m}"]
    elif kind == "year":
        start, end = dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
        forms = [str(day.year), f"{'en' if french else 'in'} {day.year}"]
    elif kind == "days":
        start = day.replace(day=draw(st.integers(1, day.day)))
        end = day
        a, b, m, y = start.day, end.day, month(day), day.year
        forms = [f"{a}-{b} {m} {y}"]
        forms += (
            [f"du {a} au {b} {m} {y}", f"{a} et {b} {m} {y}"]
            if french
            else [f"from {a} {m} to {b} {m} {y}", f"{a} and {b} {m} {y}"]
        )
    elif kind == "months":
        start = day.replace(day=1)
        end = _month_end(start + dt.timedelta(days=draw(st.integers(31, 700))))
        left, right = f"{month(start)} {start.year}", f"{month(end)} {end.year}"
        link = ("entre", "et") if french else ("between", "and")
        forms = [f"{left} - {right}", f"{link[0]} {left} {link[1]} {right}"]
    elif kind == "years":
        start = dt.date(day.year, 1, 1)
        end = dt.date(day.year + draw(st.integers(1, 10)), 12, 31)
        forms = [f"{start.year}-{end.year}", f"{start.year}/{end.year}"]
    else:
        end = None
        forms = [f"{'depuis' if french else 'since'} {day.year}"]
        start = dt.date(day.year, 1, 1)
    text = _case(draw, draw(st.sampled_from(forms)))
    return text, PartialDate(start, end, text)


#: Text made of the characters dates are written with, to fuzz the parser where it branches.
date_like_text = st.text(
    alphabet=string.digits + " -/.,'" + "aeinrstuvjmdcéèûQqT" + "–",
    max_size=40,
) | st.lists(
    st.sampled_from(
        [*EN_MONTHS, *FR_MONTHS, "2016", "12", "1er", "-", "and", "et", "du", "au", "since",
         "between", "late", "mid", "fin", "from", "to", "Q3", "trimestre", "/", "..", "31"]
    ),
    max_size=8,
).map(" ".join)  # fmt: skip


# --- quantities

#: ``(spelling, canonical symbol)`` pairs: English and French, plurals, case and accents.
UNIT_SPELLINGS = (
    ("t", "t"), ("tons", "t"), ("Ton", "t"), ("tonnes", "t"), ("MT", "t"),
    ("tonnes métriques", "t"), ("metric tons", "t"), ("kg", "kg"), ("kilos", "kg"),
    ("Kilogrammes", "kg"), ("kgs", "kg"), ("g", "g"), ("grams", "g"), ("grammes", "g"),
    ("gr", "g"), ("mg", "mg"), ("l", "l"), ("litres", "l"), ("liters", "l"), ("ml", "ml"),
    ("tablets", "tablet"), ("comprimés", "tablet"), ("comprimes", "tablet"), ("pills", "pill"),
    ("pilules", "pill"), ("gélules", "capsule"), ("ampoules", "ampoule"), ("doses", "dose"),
    ("cartons", "carton"), ("paquets", "packet"), ("sachets", "bag"), ("sacs", "sack"),
    ("plaquettes", "block"), ("bricks", "block"), ("bouteilles", "bottle"),
    ("persons", "person"), ("personnes", "person"), ("participants", "person"),
    ("institutions", "institution"),
)  # fmt: skip


def plain_decimals(max_value: int = 10**9, places: int = 3) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with at most ``places`` places: conversions between g, kg and t
    of such numbers stay within the 9 places an :class:`Amount` keeps."""
    return st.decimals(
        min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False
    )


@st.composite
def parsed_amounts(
    draw: st.DrawFn, units: tuple[str, ...] = ("kg", "g", "t", "tablet", "l", "person")
) -> Amount:
    """Amounts as ``parse_amount`` builds them: default bounds, ranges with their midpoint as
    magnitude, no ``text``; any qualifier, any of ``units``."""
    unit = draw(st.sampled_from(units))
    qualifier = draw(st.sampled_from(Qualifier))
    if qualifier is Qualifier.RANGE:
        low, high = sorted((draw(plain_decimals()), draw(plain_decimals())))
        return Amount((low + high) / 2, unit, qualifier, low, high)
    return Amount(draw(plain_decimals()), unit, qualifier)


#: Text built from the pieces amounts are written with, to fuzz parsers where they branch.
amount_like_text = st.text(
    alphabet=string.digits + " ,.-–\u00a0\u202fkgtonesmilbarpu'àéè", max_size=30
) | st.lists(
    st.sampled_from(
        ["2,700", "2.7", "2 500", "1,6", "1.234,5", "13", "million", "milliards", "mille",
         "dix", "twelve", "some", "over", "plus de", "environ", "au moins", "between", "and",
         "entre", "et", "de", "à", "to", "-", "kg", "tons", "tonnes", "tablets", "of",
         "cocaine", "or more", "~", ">", "≤"]
    ),
    max_size=7,
).map(" ".join)  # fmt: skip


# --- reference


@st.composite
def respellings(draw: st.DrawFn, text: str) -> str:
    """``text`` as people also write it: other case, accents dropped, hyphens or double spaces
    between words, stray spaces or a full stop around it. Names that :func:`fold` to the same
    form must find the same record."""
    out = text
    if draw(st.booleans()):
        bare = unicodedata.normalize("NFKD", out)
        out = "".join(c for c in bare if not unicodedata.combining(c))
    out = draw(st.sampled_from([out, out.upper(), out.lower(), out.swapcase()]))
    if draw(st.booleans()):
        out = out.replace(" ", draw(st.sampled_from(["-", "  ", " - ", "_", "\u00a0"])))
    return draw(st.sampled_from(["", " ", "\t"])) + out + draw(st.sampled_from(["", " ", "."]))


# --- importers (UNODC, IATI, HXL, ACLED): damaged copies of a file


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` damaged as files get damaged: cut short, bytes flipped or inserted, lines
    dropped, shuffled or duplicated, cells of CSV lines swapped, or replaced by random bytes."""
    how = draw(
        st.sampled_from(["truncate", "flip", "insert", "lines", "cells", "random", "drop_column"])
    )
    if how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
        return bytes(out)
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=40)) + data[at:]
    if how == "random":
        return draw(st.binary(max_size=600))
    lines = data.split(b"\n")
    if how == "lines":
        picked = draw(st.lists(st.sampled_from(range(len(lines))), max_size=len(lines) + 3))
        return b"\n".join(lines[i] for i in picked)
    cells = [line.split(b",") for line in lines]
    width = max(len(c) for c in cells)
    if how == "drop_column":
        gone = draw(st.integers(0, width - 1))
        return b"\n".join(b",".join(c[:gone] + c[gone + 1 :]) for c in cells)
    order = draw(st.permutations(range(width)))
    return b"\n".join(b",".join(c[i] for i in order if i < len(c)) for c in cells)


# --- money

#: Currency codes that :func:`sahel_core.money.parse_money` reads back from their code.
MONEY_CODES = ("XOF", "XAF", "EUR", "USD", "GHS", "NGN", "MRU", "MRO", "GNF", "GMD", "XDR",
               "CHF", "GBP", "KES")  # fmt: skip


@st.composite
def parsed_money(draw: st.DrawFn, codes: tuple[str, ...] = MONEY_CODES) -> Money:
    """Money as ``parse_money`` builds it: default bounds, ranges with their midpoint as
    amount, no ``text``; any qualifier, any of ``codes``, up to 9 decimal places."""
    code = draw(st.sampled_from(codes))
    qualifier = draw(st.sampled_from(Qualifier))
    places = draw(st.integers(0, 9))
    amounts = plain_decimals(max_value=10**15, places=places)
    if qualifier is Qualifier.RANGE:
        low, high = sorted((draw(amounts), draw(amounts)))
        middle = tidy((Decimal(low) + Decimal(high)) / 2)
        if middle != round(middle, 9):
            middle = round(middle, 9)
        return Money(middle, code, qualifier, low, high)
    return Money(draw(amounts), code, qualifier)


#: Text built from the pieces sums of money are written with, to fuzz parse_money.
money_like_text = st.text(
    alphabet=string.digits + " ,.-–\u00a0$€£₦₵FCAfcaUSDEReurosmilndk'àé", max_size=30
) | st.lists(
    st.sampled_from(
        ["13", "700", "2,5", "1 500 000", "0.09", "$", "US$", "€", "FCFA", "F CFA", "CFA",
         "francs CFA", "XOF", "XAF", "USD", "euros", "cedis", "naira", "ouguiya", "leone",
         "million", "milliards", "de", "d'", "m", "k", "some", "over", "about", "environ",
         "plus de", "between", "and", "entre", "et", "à", "-", "(", ")", "GH₵", "BEAC"]
    ),
    max_size=7,
).map(" ".join)  # fmt: skip
