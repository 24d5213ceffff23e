"""Numbers as written in English and French text, and the qualifier words around them.

:func:`parse_number` reads "2,700", "2 700", "2,7", "1.234,5", "13 million", "1,6 milliard",
"twelve", "dix mille", "a dozen" or "une trentaine" into an exact ``Decimal``;
:func:`format_number` writes one back.

:func:`split_qualifier` and :func:`split_range` are the building blocks that
:mod:`sahel_core.quantities`, money parsing and text extraction share: the qualifier words
("more than", "environ", "au moins"...) live in :data:`QUALIFIER_PREFIXES` and
:data:`QUALIFIER_SUFFIXES` and nowhere else.

babel (for a locale's decimal sign) and text2num (for number words) load on first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from sahel_core.errors import AmbiguousInput, ParseError, ValidationError
from sahel_core.qualifiers import Qualifier

__all__ = [
    "COLLECTIVE_WORDS",
    "LOCALE_HINT",
    "QUALIFIER_PREFIXES",
    "QUALIFIER_SUFFIXES",
    "SCALE_WORDS",
    "fold_char",
    "fold_text",
    "format_number",
    "format_qualified",
    "locale_language",
    "parse_number",
    "split_qualifier",
    "split_range",
    "tidy",
]

Q = Qualifier

#: How the message of a number that reads two ways ("2.500") ends: what settles it.
LOCALE_HINT = "the locale settles it (en or fr: locale= in Python, --locale on the command line)"

# fmt: off
#: Words before a figure that qualify it, English and French, lower case; matching ignores case
#: and accents. "nearly", "almost" and "près de" read as ``approx``: the sources use them for a
#: round figure, not as a strict upper bound.
QUALIFIER_PREFIXES: Mapping[str, Qualifier] = {
    **dict.fromkeys(("more than", "over", "above", "in excess of", "upwards of", "exceeding",
                     "greater than", "plus de", "plus d'", "+ de", "+de", "au-delà de",
                     "au delà de", "supérieur à", "supérieure à", ">"), Q.MORE_THAN),
    **dict.fromkeys(("about", "around", "approximately", "approx.", "approx", "roughly", "some",
                     "nearly", "almost", "close to", "circa", "an estimated", "estimated",
                     "environ", "près de", "près d'", "quelque", "autour de",
                     "approximativement", "à peu près", "presque", "~", "≈"), Q.APPROX),
    **dict.fromkeys(("at least", "no less than", "not less than", "no fewer than",
                     "a minimum of", "au moins", "au minimum", "pas moins de", "pas moins d'",
                     "≥", ">="), Q.AT_LEAST),
    **dict.fromkeys(("at most", "no more than", "not more than", "up to", "a maximum of",
                     "au plus", "au maximum", "jusqu'à", "pas plus de", "≤", "<="), Q.AT_MOST),
    **dict.fromkeys(("less than", "fewer than", "under", "below", "moins de", "moins d'",
                     "inférieur à", "inférieure à", "<"), Q.LESS_THAN),
}

#: Words after a figure that qualify it ("2 tonnes environ", "10 kg or more").
QUALIFIER_SUFFIXES: Mapping[str, Qualifier] = {
    **dict.fromkeys(("environ", "approximately", "approx.", "or so"), Q.APPROX),
    **dict.fromkeys(("or more", "ou plus", "et plus", "au moins", "at least", "minimum"),
                    Q.AT_LEAST),
    **dict.fromkeys(("or less", "ou moins", "at most", "au plus", "maximum", "max"), Q.AT_MOST),
}

#: Scale words after digits, as powers of ten ("13 million", "1,6 milliard", "12 mille").
#: English plurals ("millions") are accepted too. "billion" is 10**9, except with a French
#: locale, where it is 10**12 (the long scale French uses; French writes "milliard" for 10**9).
SCALE_WORDS: Mapping[str, int] = {
    "thousand": 3, "mille": 3, "million": 6, "mn": 6, "mln": 6, "billion": 9, "bn": 9,
    "milliard": 9, "trillion": 12,
}

#: Nouns that count by tens or dozens, read after an article: "a dozen", "une douzaine",
#: "une trentaine", "un millier"; value, and the qualifier the noun itself gives. The French
#: nouns say "about" ("une trentaine d'officiers" is about thirty; dictionaries give
#: "douzaine" as twelve or about twelve, and releases mean the latter), so
#: :func:`split_qualifier` reads them as ``approx``; English writes "about a dozen" when it
#: means it, so "a dozen" is twelve. Their plurals ("dozens", "des dizaines") mean "many".
COLLECTIVE_WORDS: Mapping[str, tuple[int, Qualifier]] = {
    "dozen": (12, Q.EXACT),
    **{word: (value, Q.APPROX) for word, value in (
        ("dizaine", 10), ("douzaine", 12), ("quinzaine", 15), ("vingtaine", 20),
        ("trentaine", 30), ("quarantaine", 40), ("cinquantaine", 50), ("soixantaine", 60),
        ("centaine", 100), ("millier", 1000))},
}

# The articles that count one: "a ton", "une tonne".
_ARTICLES = frozenset(("a", "an", "un", "une"))
# What an article, or a half with one, counts: "a ton", "une tonne", "half a ton", "une
# demi-tonne"; before a collective noun, as many times the noun ("half a dozen" is 6).
_ARTICLE_VALUES: Mapping[tuple[str, ...], Decimal] = {
    **dict.fromkeys([(a,) for a in (*_ARTICLES, "one")], Decimal(1)),
    **dict.fromkeys([("half", "a"), ("half", "an"), ("demi",), ("un", "demi"), ("une", "demi")],
                    Decimal("0.5")),
}

# Number words that alone mean "many", not a number ("thousands of tablets").
_VAGUE_WORDS = frozenset(("hundreds", "thousands", "millions", "billions", "milliards",
                          "dozens", "centaines", "milliers", "dizaines"))
# fmt: on
_TEXT2NUM_LANGUAGES = frozenset(("en", "fr", "es", "pt", "de", "nl", "da", "it"))
_MAX_WORDS_CHARS = 120

# Digits with "," "." or single-space separators, then an optional word ("13 million").
_NUMERAL = re.compile(
    r"(?P<sign>[-−])?(?P<digits>\d(?:[\d., ]*\d)?|[.,]\d+)(?: ?(?P<word>[^\W\d_]+))?"
)
_WORDS = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*")


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character without case or accent, apostrophes straight; may become several."""
    return _fold_char(char.replace("’", "'"))


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold_text(text: str) -> str:
    """Case and accents dropped, apostrophes straightened, spaces collapsed: for matching."""
    return "".join(_fold_char(c) for c in _clean(text))


_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"([., ])")


def _clean(text: str) -> str:
    """Spaces of any kind (NBSP, narrow NBSP, thin...) collapsed to one, apostrophes straight."""
    return _SPACES.sub(" ", text.replace("’", "'")).strip()


class _Locale(NamedTuple):
    decimal: str
    group: str
    language: str


@lru_cache(maxsize=64)
def _locale(locale: str) -> _Locale:
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        loc = Locale.parse(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ParseError(
            "unknown locale; use 'en', 'fr' or a babel locale id such as 'fr_FR'",
            field="locale",
            value=locale,
        ) from None
    return _Locale(get_decimal_symbol(loc), get_group_symbol(loc), loc.language)


def locale_language(locale: str) -> str:
    """The language of a locale id: ``"fr_SN"`` → ``"fr"``; ParseError for an unknown one."""
    return _required_locale(locale).language


def _required_locale(locale: object) -> _Locale:
    checked = _check_locale(locale)
    if checked is None:
        raise ParseError("expected a locale such as 'en' or 'fr'", field="locale", value=locale)
    return checked


def _check_locale(locale: object) -> _Locale | None:
    if locale is None:
        return None
    if not isinstance(locale, str):
        raise ParseError("a locale is text such as 'en' or 'fr'", field="locale", value=locale)
    return _locale(locale)


def tidy(value: Decimal) -> Decimal:
    """``value`` in its shortest plain form: ``2700.0`` → ``2700``, ``2.7E+6`` → ``2700000``.

    Exact (no context rounding): only trailing zeros after the point are dropped and a positive
    exponent is written out, so the result equals ``value``.
    """
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return value
    if exponent > 0:
        return Decimal((sign, digits + (0,) * exponent, 0))
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if digits == (0,):
        exponent = 0
    return Decimal((sign, digits, exponent))


def _is_grouping(groups: list[str]) -> bool:
    """Digit groups as thousands grouping writes them: "2", "700" / "12", "345", "678"."""
    head, *rest = groups
    return (
        bool(rest)
        and 1 <= len(head) <= 3
        and not (head.startswith("0"))
        and all(len(g) == 3 for g in rest)
    )


def _read_digits(digits: str, text: str, loc: _Locale | None) -> Decimal:
    """The value of digits with separators; see :func:`parse_number` for the rules."""
    if digits[0] in ".,":
        return Decimal("0." + digits[1:])
    parts = _SEPARATORS.split(digits)
    numbers, seps = parts[0::2], parts[1::2]
    kinds = set(seps)
    fraction = ""
    if "" in numbers:
        raise ParseError(f"cannot read {text!r} as a number: doubled separator", value=text)
    if len(kinds) == 1 and " " not in kinds:
        if len(seps) == 1:
            whole, fraction = _one_sign(numbers, seps[0], text, loc)
        else:  # "1,234,567" or "1.234.567": only grouping uses a sign twice
            whole = numbers
    elif seps:
        # Spaces always group; a "," or "." used once after the groups is the decimal sign.
        point = seps[-1] if seps[-1] != " " else None
        grouping = seps[:-1] if point else seps
        if len(set(grouping)) > 1 or point in grouping:
            raise ParseError(f"cannot read {text!r} as a number: mixed separators", value=text)
        whole, fraction = (numbers[:-1], numbers[-1]) if point else (numbers, "")
    else:
        whole = numbers
    if len(whole) > 1 and not _is_grouping(whole):
        raise ParseError(f"cannot read {text!r} as a number: bad digit grouping", value=text)
    return Decimal("".join(whole) + ("." + fraction if fraction else ""))


def _one_sign(
    numbers: list[str], sign: str, text: str, loc: _Locale | None
) -> tuple[list[str], str]:
    """Digits with one "," or "." : a decimal point, or thousands grouping ("2,700")."""
    if not _is_grouping(numbers):
        return numbers[:1], numbers[1]
    if loc is not None:
        return (numbers[:1], numbers[1]) if sign == loc.decimal else (numbers, "")
    if sign == "," and numbers[1] == "000":
        return numbers, ""
    head, tail = numbers
    grouped = int(head + tail)
    raise AmbiguousInput(
        f"{text!r} reads as {grouped} (thousands separator) or as {head}.{tail} "
        f"(decimal {'comma' if sign == ',' else 'point'}); {LOCALE_HINT}",
        value=text,
    )


def parse_number(text: str, *, locale: str | None = None) -> Decimal:
    """The exact value of a non-qualified number as English or French text writes it.

    Reads digits with separators, an optional scale word ("700 millions", "13 million",
    "1.6 billion", "12 mille", see :data:`SCALE_WORDS`), or number words ("twelve",
    "quatre-vingt-dix", "dix mille", "a thousand"; via text2num). An article alone is one
    ("a", "une": what "a ton" counts), "half a" and "une demi" are 0.5, and an article with a
    collective noun is its figure ("a dozen" 12, "une trentaine" 30, "half a dozen" 6; see
    :data:`COLLECTIVE_WORDS`). Qualifiers ("some 30", and the "about" of "une trentaine") are
    the caller's: see :func:`split_qualifier`. A leading minus sign is kept (figures in
    :mod:`sahel_core.quantities` then refuse it). Returns the value in :func:`tidy` form.

    Separators, in this order:

    * spaces (also no-break and narrow no-break spaces) always group thousands: "2 500";
      with spaces, a "," or "." used once, last, is the decimal sign: "2 700,5", "2 700.5";
    * "," and "." both present: the last one, used once, is the decimal sign and the other
      groups thousands: "1.234,5" and "1,234.5" are both 1234.5;
    * one sign used more than once groups thousands: "1,234,567", "1.234.567";
    * one sign used once is a decimal sign unless the number could also be grouped thousands
      (1 to 3 digits, no leading zero, then exactly 3 digits): "2,7", "0,500", "1234,5" and
      "2.75" are decimals.

    The ``locale`` settles only that last, ambiguous case ("2,700", "1.500"): the sign that is
    the locale's decimal sign is a decimal sign, the other one groups thousands (``"en"``:
    "2,700" is 2700 and "2.700" is 2.7; ``"fr"``: "2,700" is 2.7 and "2.700" is 2700, as
    francophone West Africa writes it). A number that reads one way only reads that way
    whatever the locale. Any babel locale id ("fr_FR", "fr-SN", "de") is accepted.

    Without a locale the one heuristic is: a comma followed by "000" groups thousands
    ("70,000 tablets" is 70000), because no decimal-comma writer pads a whole number with
    three zeros. Any other ambiguous case raises :class:`~sahel_core.errors.AmbiguousInput`
    naming both readings: "2,700", "1,500", "13,500", and "2.500", where machine output
    pads decimals with zeros.

    Raises :class:`~sahel_core.errors.ParseError` (or its subclass ``AmbiguousInput``) for
    anything else, including an unknown ``locale``.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    loc = _check_locale(locale)
    cleaned = _clean(text)
    match = _NUMERAL.fullmatch(cleaned)
    if match is None:
        return _read_words(cleaned, text, loc)
    value = _read_digits(match["digits"], text, loc)
    word = match["word"]
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # read from digits: finite
    if word is not None:  # exact, where Decimal.scaleb would round to the context
        exponent += _scale(word, text, loc)
    return tidy(Decimal((1 if match["sign"] else 0, digits, exponent)))


def _scale(word: str, text: str, loc: _Locale | None) -> int:
    word = word.casefold()
    power = SCALE_WORDS.get(word)
    if power is None and word.endswith("s"):
        power = SCALE_WORDS.get(word[:-1])
    if power is None:
        raise ParseError(f"cannot read {text!r} as a number: unknown word {word!r}", value=text)
    if power == 9 and word.startswith("billion") and loc is not None and loc.language == "fr":
        return 12
    return power


def _read_words(cleaned: str, text: str, loc: _Locale | None) -> Decimal:
    """Number words in the locale's language, or in English then French without a locale."""
    folded = cleaned.casefold()
    if len(folded) > _MAX_WORDS_CHARS or not _WORDS.fullmatch(folded):
        raise ParseError(f"cannot read {text!r} as a number", value=text)
    words = folded.replace("-", " ").split(" ")
    if all(w in _VAGUE_WORDS for w in words):
        raise ParseError(f"{text!r} is not a figure", value=text)
    counted = _article_figure(words)
    if counted is not None:
        return counted
    if words[0] in ("a", "an") and len(words) > 1:  # "a thousand", "an hundred"
        folded = " ".join(("one", *words[1:]))
    from text_to_num import text2num

    languages = (
        (loc.language,) if loc is not None and loc.language in _TEXT2NUM_LANGUAGES else ("en", "fr")
    )
    for language in languages:
        # French spells compound numbers with or without hyphens ("dix-mille"); text2num
        # reads only some hyphenated forms, so try both spellings.
        for candidate in dict.fromkeys((folded, folded.replace("-", " "))):
            try:
                return Decimal(int(text2num(candidate, language)))
            except ValueError:
                continue
    raise ParseError(f"cannot read {text!r} as a number", value=text)


def _article_figure(words: list[str]) -> Decimal | None:
    """The figure of an article, alone or with a collective noun ("a", "une demi", "a dozen",
    "half a dozen"), or None; see :data:`COLLECTIVE_WORDS`."""
    collective = COLLECTIVE_WORDS.get(words[-1])
    factor = _ARTICLE_VALUES.get(tuple(words[:-1] if collective else words))
    if factor is None:
        return None
    return tidy(factor * (collective[0] if collective else 1))


def format_number(value: Decimal, locale: str = "en") -> str:
    """``value`` written for a reader of ``locale``: "2,700.5" (en), "2 700,5" (fr).

    Uses the locale's decimal sign and thousands separator (babel; a narrow no-break space
    where the locale's separator is neither "," nor "." nor a space). Never writes text that
    :func:`parse_number` would call ambiguous without a locale: where the grouped form would
    be ("2,700", "12,345", "1.234"), it writes the number ungrouped ("2700"), and a number with
    1 to 3 digits before the point and exactly 3 after gets a trailing zero ("1.2340").
    So ``parse_number(format_number(x, L)) == x`` for any finite ``x`` and any locale ``L``
    (with or without passing ``L`` to ``parse_number``).
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError("expected a finite Decimal", value=value)
    loc = _required_locale(locale)
    decimal = loc.decimal if loc.decimal in (",", ".") else "."
    group = loc.group if loc.group in (",", ".") and loc.group != decimal else "\u202f"
    value = tidy(value)
    grouped = format(value, ",f").translate(str.maketrans(",.", group + decimal))
    try:
        parse_number(grouped)
    except AmbiguousInput:
        pass
    else:
        return grouped
    plain = format(value, "f").replace(".", decimal)
    whole, _, fraction = plain.lstrip("-").partition(decimal)
    if len(fraction) == 3 and len(whole) <= 3:
        plain += "0"
    return plain


def _phrase_pattern(phrases: list[str]) -> str:
    """An alternation of folded phrases, longest first, words ending at a word boundary."""
    parts = []
    for phrase in sorted({fold_text(p) for p in phrases}, key=len, reverse=True):
        body = r"\s+".join(re.escape(w) for w in phrase.split(" "))
        parts.append(body + (r"(?![^\W\d_])" if phrase[-1].isalnum() else ""))
    return "|".join(parts)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    prefix = _phrase_pattern(list(QUALIFIER_PREFIXES))
    suffix = _phrase_pattern(list(QUALIFIER_SUFFIXES))
    return re.compile(f"^(?:{prefix})\\s*"), re.compile(f"\\s(?:{suffix})$")


_QUALIFIER_BY_FOLD = {
    **{fold_text(k): v for k, v in QUALIFIER_SUFFIXES.items()},
    **{fold_text(k): v for k, v in QUALIFIER_PREFIXES.items()},
}


def split_qualifier(text: str) -> tuple[Qualifier, str]:
    """The qualifier words around a figure, and the figure's text without them.

    ``"plus de 2,7 tonnes"`` → ``(MORE_THAN, "2,7 tonnes")``; ``"2 tonnes environ"`` →
    ``(APPROX, "2 tonnes")``; ``"70,000 tablets"`` → ``(EXACT, "70,000 tablets")``.
    Words come from :data:`QUALIFIER_PREFIXES` (tried first) then :data:`QUALIFIER_SUFFIXES`;
    matching ignores case, accents and the kind of apostrophe. Without them, a figure that
    a French collective noun writes is ``approx`` and stays whole: ``"une trentaine
    d'officiers"`` → ``(APPROX, "une trentaine d'officiers")`` (see
    :data:`COLLECTIVE_WORDS`). The returned text has its spaces collapsed (see
    :func:`parse_number`); it is otherwise as written. A public building block for amount,
    money and text-extraction parsers.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    cleaned = _clean(text)
    # Match on folded text; ``starts`` maps each folded character back to the original one.
    if cleaned.isascii():
        folded, starts = cleaned.lower(), list(range(len(cleaned) + 1))
    else:
        folded_chars = [_fold_char(c) for c in cleaned]
        starts = [i for i, f in enumerate(folded_chars) for _ in f] + [len(cleaned)]
        folded = "".join(folded_chars)
    prefix, suffix = _patterns()
    match = prefix.match(folded)
    if match is not None:
        words = _SPACES.sub(" ", match.group(0).strip())
        return _QUALIFIER_BY_FOLD[words], cleaned[starts[match.end()] :].strip()
    match = suffix.search(folded)
    if match is not None:
        words = _SPACES.sub(" ", match.group(0).strip())
        return _QUALIFIER_BY_FOLD[words], cleaned[: starts[match.start()]].strip()
    if _approximate().match(folded):
        return Qualifier.APPROX, cleaned
    return Qualifier.EXACT, cleaned


@lru_cache(maxsize=1)
def _approximate() -> re.Pattern[str]:
    """A figure whose noun says "about" by itself: "une trentaine", "un millier"."""
    nouns = (w for w, (_, qualifier) in COLLECTIVE_WORDS.items() if qualifier is Q.APPROX)
    return re.compile(rf"(?:(?:une?|demi)[ -])*(?:{'|'.join(nouns)})(?![^\W\d_])")


_RANGES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?:between|entre) (?P<a>.+?) (?:and|et) (?P<b>.+)",
        r"(?:from |de |d')(?P<a>.+?) (?:to|à|a|au|jusqu'à|jusqu'a) (?P<b>.+)",
        r"(?P<a>.*?\d) ?[-‐‑‒–—] ?(?P<b>\d.*)",
        r"(?P<a>.+?) (?:to|à) (?P<b>.+)",
    )
)


def split_range(text: str, *, locale: str | None = None) -> tuple[str, str] | None:
    """The two sides of a range, or ``None`` when ``text`` is not a range.

    Reads "between 3 and 5 kg", "entre 3 et 5 kg", "from 3 to 5 kg", "de 3 à 5 kg",
    "3-5 kg", "3 – 5 kg", "3 to 5 kg", "3 à 5 kg": ``("3", "5 kg")``. Call it on text that
    :func:`split_qualifier` has stripped. A bare number on the left takes the scale word of the
    right side when it is not larger than the right's number: "between 3 and 5 million" →
    ``("3 million", "5 million")``, but "900,000 to 1 million" keeps ``"900,000"``. The
    sides are otherwise as written; each caller reads its own units or currencies. ``locale``
    is used only to compare the two numbers for that rule.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    _check_locale(locale)  # _share_scale reads a ParseError as "not a number"
    cleaned = _clean(text)
    for pattern in _RANGES:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            return _share_scale(match["a"].strip(), match["b"].strip(), locale)
    return None


def _is_scale(word: str) -> bool:
    word = word.casefold()
    return word in SCALE_WORDS or word.removesuffix("s") in SCALE_WORDS


def _share_scale(left: str, right: str, locale: str | None) -> tuple[str, str]:
    head = _NUMERAL.match(right)
    if head is None or head["word"] is None or not _is_scale(head["word"]):
        return left, right
    if any(_is_scale(word) for word in fold_text(left).split(" ")):
        return left, right
    try:
        low = parse_number(left, locale=locale)
        high = parse_number(head["digits"], locale=locale)
    except ParseError:
        return left, right
    return (f"{left} {head['word']}", right) if low <= high else (left, right)


# Qualifier words the formatters write, and the words around a range.
_FORMAT_WORDS: dict[str, dict[Qualifier, str]] = {
    "en": {
        Qualifier.APPROX: "about",
        Qualifier.AT_LEAST: "at least",
        Qualifier.MORE_THAN: "more than",
        Qualifier.AT_MOST: "at most",
        Qualifier.LESS_THAN: "less than",
    },
    "fr": {
        Qualifier.APPROX: "environ",
        Qualifier.AT_LEAST: "au moins",
        Qualifier.MORE_THAN: "plus de",
        Qualifier.AT_MOST: "au plus",
        Qualifier.LESS_THAN: "moins de",
    },
}
_RANGE_WORDS = {"en": ("between", "and"), "fr": ("entre", "et")}


def format_qualified(
    qualifier: Qualifier,
    value: Decimal,
    low: Decimal | None,
    high: Decimal | None,
    label: Callable[[Decimal], str],
    locale: str = "en",
) -> str:
    """A qualified figure as text: "more than 2.7 t", "entre 3 et 5 kg", "about 20000 USD".

    ``label(n)`` gives the unit or currency written after the number ``n``. Qualifier words are
    English, or French for a French ``locale``; the words :func:`split_qualifier` reads back.
    """
    language = "fr" if locale_language(locale) == "fr" else "en"
    if qualifier is Qualifier.RANGE:
        assert low is not None and high is not None  # a range states both bounds
        start, join = _RANGE_WORDS[language]
        low_text, high_text = format_number(low, locale), format_number(high, locale)
        return f"{start} {low_text} {join} {high_text} {label(high)}"
    figure = f"{format_number(value, locale)} {label(value)}"
    if qualifier is Qualifier.EXACT:
        return figure
    return f"{_FORMAT_WORDS[language][qualifier]} {figure}"
