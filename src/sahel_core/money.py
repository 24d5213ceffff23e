"""Money as the field writes it, and conversions that say how they were made.

:class:`Money` is a ``Decimal`` amount in an ISO 4217 currency, with the qualifier and text of
the source ("some CFA 700 million"). :func:`parse_money` reads such text, :func:`format_money`
writes it back. :func:`convert` gives a :class:`Conversion`: the result together with every
:class:`RateStep` used (rate, the rate's own date, its source and the period it covers).
XOF and XAF are pegged to the euro at exactly 655.957 per EUR. Rates and the rules for
choosing them are in :mod:`sahel_core.rates` (loaded on first conversion, with polars).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Any

from attrs import define, field

from sahel_core.errors import (
    AmbiguousInput,
    ParseError,
    ReferenceNotFound,
    SahelError,
    ValidationError,
)
from sahel_core.numbers import (
    fold_char,
    fold_text,
    format_qualified,
    parse_number,
    split_qualifier,
    split_range,
    tidy,
)
from sahel_core.qualifiers import (
    MAX_DECIMAL_PLACES,
    Qualifier,
    settle_bounds,
    text_check,
    to_decimal,
    to_optional_decimal,
    to_qualifier,
)

if TYPE_CHECKING:
    from sahel_core.plugins import Manager

__all__ = [
    "CFA",
    "CURRENCY_WORDS",
    "NOT_A_CODE",
    "REDENOMINATIONS",
    "STEP_PLACES",
    "Conversion",
    "Money",
    "RateStep",
    "canonical_currency",
    "convert",
    "currency_code",
    "format_money",
    "parse_money",
]

#: Decimal places every step of a conversion rounds to (half-even); see :mod:`sahel_core.rates`.
STEP_PLACES = 16


#: Why :func:`currency_code` refuses a value (the message of its error, and of a column's
#: ``rate_error`` for such a currency).
NOT_A_CODE = "a currency is a three-letter ISO 4217 code"


def currency_code(value: object, name: str = "currency") -> str:
    """``value`` as an upper-case three-letter code (``"xof"``, ``" XOF "`` → ``"XOF"``); a
    :class:`~sahel_core.errors.ValidationError` naming the field ``name`` otherwise.

    The one check of a code's shape, used wherever a code is taken as given (``Money``,
    ``convert``'s ``to`` and ``via``, the rate tables, indicator parameters, IATI values). It
    does not ask whether ISO 4217 lists the code: ``Money(1, "ZZZ")`` is a well-formed value
    that no rate will convert (:class:`~sahel_core.errors.RateNotFound` names it), and a user's
    rate table may quote a code newer than the reference data. Currencies *read from text*,
    codes included, are checked against ISO 4217 by :func:`canonical_currency` (what every
    reader uses): "QQQ" in a file is an unknown currency.
    """
    code = _shape(value)
    if code is None:
        raise ValidationError(NOT_A_CODE, field=name, value=value)
    return code


def _shape(value: object) -> str | None:
    """``value`` as an upper-case three-letter code, or ``None``: :func:`currency_code`'s test."""
    if isinstance(value, str):
        code = value.strip()
        if len(code) == 3 and code.isascii() and code.isalpha():
            return code.upper()
    return None


def _currency(value: object) -> str:
    return currency_code(value)


@define(frozen=True)
class Money:
    """An amount of money: ``Decimal`` amount, ISO 4217 currency, qualifier, bounds, text."""

    amount: Decimal = field(converter=to_decimal)
    currency: str = field(converter=_currency)
    qualifier: Qualifier = field(default=Qualifier.EXACT, converter=to_qualifier)
    low: Decimal | None = field(default=None, converter=to_optional_decimal)
    high: Decimal | None = field(default=None, converter=to_optional_decimal)
    text: str | None = field(default=None, validator=text_check("text"))

    def __attrs_post_init__(self) -> None:
        settle_bounds(self, self.amount)


def _round_half_even(numerator: int, denominator: int, places: int) -> Decimal:
    """``numerator / denominator`` rounded half-even to ``places`` decimal places, exactly
    (integer arithmetic: no context precision, no double rounding)."""
    negative = (numerator < 0) != (denominator < 0)
    quotient, remainder = divmod(abs(numerator) * 10**places, abs(denominator))
    twice = 2 * remainder
    if twice > abs(denominator) or (twice == abs(denominator) and quotient % 2):
        quotient += 1
    # From text: exact whatever the context's precision, and much faster than a digit tuple.
    return Decimal(f"{'-' if negative and quotient else ''}{quotient}E-{places}")


def _round_places(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimal places."""
    return _round_half_even(*value.as_integer_ratio(), places)


def _as_written(value: object) -> Decimal:
    """A rate as :class:`RateStep` keeps it: its digits after the point are the places it is
    published to, so a positive exponent is written out (``1.1E+3`` → ``1100``) and the JSON
    text of the rate reads back to the same digits."""
    rate = to_decimal(value)
    sign, digits, exponent = rate.as_tuple()
    if isinstance(exponent, int) and exponent > 0:
        return Decimal((sign, (*digits, *(0,) * exponent), 0))
    return rate


def _optional_tidy(value: object) -> Decimal | None:
    """An increment in its shortest form (``0.0005``): its zeros say nothing."""
    return None if value is None else tidy(to_decimal(value))


@define(frozen=True)
class RateStep:
    """One hop of a conversion, from ``from_currency`` to ``to_currency``.

    ``rate`` is the figure as its source publishes it, to the decimal places it publishes
    (``Decimal("1.1000")`` for the ECB's 1.1000 USD per EUR, which
    :attr:`Conversion.rounding` counts; a positive exponent is written out: ``1.1E+3`` is
    1100): ``1 from_currency = rate to_currency``, or, when ``inverted``, ``1 to_currency =
    rate from_currency`` (the peg's 655.957 XOF per EUR on a step XOF → EUR; the step then
    divides). ``rate_date`` is the date the rate is published for, on or before the requested
    date (the previous business day when it had none; the month end for the IMF's month-end
    rates; the first day of the year for ``year`` rates; the first day a ``fixed`` rate
    applies); ``period`` is ``fixed`` (a peg or redenomination), ``day``, ``month`` or
    ``year``; ``source`` names the provider ("peg", "ECB", "IMF IFS", "World Bank", or a user
    table's name). ``increment`` is the step the source publishes the rate in when that is
    coarser than a unit of its last place (the ECB's rupee in 2019: ``Decimal("0.0005")``, at
    4 places), else ``None`` (:attr:`Conversion.rounding` counts a finer one as that unit).
    The quote and the JSON write the rate with its places.
    """

    from_currency: str = field(converter=_currency)
    to_currency: str = field(converter=_currency)
    rate: Decimal = field(converter=_as_written)
    rate_date: dt.date
    source: str
    period: str = "day"
    inverted: bool = False
    increment: Decimal | None = field(default=None, converter=_optional_tidy)

    @property
    def quote(self) -> str:
        """The rate as published, with its places: ``"1 EUR = 1.1000 USD"``."""
        one, other = (
            (self.to_currency, self.from_currency)
            if self.inverted
            else (self.from_currency, self.to_currency)
        )
        return f"1 {one} = {self.rate:f} {other}"

    @property
    def label(self) -> str:
        """Source and date as the path shows them: ``"ECB, 2016-11-04"``, ``"peg, fixed"``,
        ``"IMF IFS, month 2016-11"``, ``"World Bank, year 2016"``."""
        when = {
            "fixed": "fixed",
            "day": self.rate_date.isoformat(),
            "month": f"month {self.rate_date:%Y-%m}",
        }.get(self.period, f"year {self.rate_date.year:04d}")
        return f"{self.source}, {when}"

    def apply(self, value: Decimal, places: int = STEP_PLACES) -> Decimal:
        """``value`` times the rate (divided by it when ``inverted``), rounded half-even to
        ``places`` decimal places. Exact: rational arithmetic, then one rounding."""
        n, d = value.as_integer_ratio()
        rn, rd = self.rate.as_integer_ratio()
        if self.inverted:
            return _round_half_even(n * rd, d * rn, places)
        return _round_half_even(n * rn, d * rd, places)


@define(frozen=True)
class Conversion:
    """A converted amount with its provenance: original, result, requested date and steps.

    ``rounding`` bounds ``|result.amount - exact|``, where exact is the original times the
    true rates: the arithmetic rounding plus the rounding of each published rate (half its
    :attr:`RateStep.increment`, else half a unit of the last digit of :attr:`RateStep.rate`,
    written to the places its source publishes; fixed rates are exact). ``via`` is the pivot
    asked for, if any.
    """

    original: Money
    result: Money
    on: dt.date
    steps: tuple[RateStep, ...]
    rounding: Decimal = field(default=Decimal(0), converter=to_decimal)
    via: str | None = None

    @property
    def path(self) -> str:
        """The route as a person reads it: ``XOF → EUR (peg, fixed) → USD (ECB, 2016-11-04)``."""
        hops = "".join(f" → {s.to_currency} ({s.label})" for s in self.steps)
        return self.original.currency + hops

    @property
    def source(self) -> str | None:
        """The providers of the steps, in order, each once: ``"peg; ECB"``; ``None`` without
        steps (what ``convert_column`` writes in its ``rate_source`` column)."""
        return "; ".join(dict.fromkeys(s.source for s in self.steps)) or None

    @property
    def rate(self) -> Decimal:
        """Units of the result's currency per unit of the original's, from the steps at
        :data:`STEP_PLACES` places (what ``convert_column`` writes in its ``rate`` column)."""
        value = Decimal(1)
        for step in self.steps:
            value = step.apply(value)
        return value

    @property
    def rate_date(self) -> dt.date | None:
        """The date of the rate used: the latest dated (not fixed) step, else the latest fixed
        one; ``None`` without steps."""
        dated = [s.rate_date for s in self.steps if s.period != "fixed"]
        return max(dated or [s.rate_date for s in self.steps], default=None)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ``amount`` (a decimal string), ``currency``, ``from``, ``to``,
        ``date``, ``original``, ``steps`` (``from``, ``to``, ``rate``, ``quote``, ``rate_date``,
        ``source``, ``period``, ``inverted``, ``increment``: the step the rate is published in
        when coarser than a unit of its last place, else ``None``, see
        :attr:`RateStep.increment`), ``path``, ``rounding``, ``qualifier``, ``low``, ``high``.
        Decimals are written as everywhere in sahel_core's JSON
        (:func:`~sahel_core.serialization.decimal_text`): without trailing zeros, but for a
        step's rate, which keeps the places it is published to ("1.1000"), as its quote."""

        from sahel_core.serialization import decimal_text  # here: importing money stays light

        def text(value: Decimal | None) -> str | None:
            return None if value is None else decimal_text(value)

        return {
            "amount": decimal_text(self.result.amount),
            "currency": self.result.currency,
            "from": self.original.currency,
            "to": self.result.currency,
            "date": self.on.isoformat(),
            "original": decimal_text(self.original.amount),
            "steps": [
                {
                    "from": s.from_currency,
                    "to": s.to_currency,
                    "rate": decimal_text(s.rate, zeros=True),
                    "quote": s.quote,
                    "rate_date": s.rate_date.isoformat(),
                    "source": s.source,
                    "period": s.period,
                    "inverted": s.inverted,
                    "increment": text(s.increment),
                }
                for s in self.steps
            ],
            "path": self.path,
            "rounding": decimal_text(self.rounding),
            "qualifier": self.result.qualifier.value,
            "low": text(self.result.low),
            "high": text(self.result.high),
        }


def convert(
    money: Money,
    to: str,
    *,
    on: dt.date,
    via: str | None = None,
    places: int = MAX_DECIMAL_PLACES,
    manager: Manager | None = None,
) -> Conversion:
    """``money`` in currency ``to`` at the rates of ``on``, with every step reported.

    Same currency: no steps. A fixed rate is used whenever it serves the date: a currency
    and the one it is pegged to (XOF or XAF and EUR at exactly 655.957, or XOF and XAF to
    each other, or a redenomination such as MRO and MRU) convert by fixed steps alone,
    whatever ``via`` says; otherwise a pegged currency starts (or ends) with its fixed step,
    then goes through a pivot (``via``: ``"EUR"`` or ``"USD"``, else EUR, else USD), each
    leg one rate or a fixed rate then one rate (a leg to USD of a currency with a EUR rate
    goes through EUR: GBP → EUR → USD at the ECB's rates of the day), and no route passes
    through a currency twice (legs that meet before the pivot turn there: ``via="USD"`` for
    XOF → GBP is XOF → EUR → GBP); see :mod:`sahel_core.rates` for how rates and routes are
    chosen. ECB daily rates serve up to 7 days after their date (a weekend gets Friday's rate,
    and the step says Friday); IMF month-end rates serve from their date until the next month
    end, then IMF and World Bank annual averages their own year.

    Each step rounds half-even to :data:`STEP_PLACES` places, the result to ``places``
    (0 to 9, default 9). The qualifier is kept and the bounds are converted the same way.
    A round trip XOF → EUR → XOF is exact for amounts of up to 6 decimal places when the way
    back asks for them: ``convert(convert(m, "EUR", on=d).result, "XOF", on=d, places=6)``.
    ``manager`` chooses the plugin manager whose rate providers are used (default: the
    process-wide one). Raises :class:`~sahel_core.errors.RateNotFound` naming the currency
    and date when no rate serves, :class:`~sahel_core.errors.ValidationError` on bad
    arguments (``via`` other than EUR or USD among them) or an amount too large to convert
    exactly (10**21 and up, rates included).
    """
    from sahel_core.rates import convert_money

    return convert_money(money, to, on=on, via=via, places=places, manager=manager)


# -- reading and writing -------------------------------------------------------------------

#: Marker value in :data:`CURRENCY_WORDS` for the CFA franc: XOF, or XAF in CEMAC countries.
CFA = "CFA"

#: Words that changed meaning with a redenomination: word → (day of change, code before,
#: code from that day). ``parse_money`` needs ``on`` to read them.
REDENOMINATIONS: dict[str, tuple[dt.date, str, str]] = {
    "ouguiya": (dt.date(2018, 1, 1), "MRO", "MRU"),
    "cedi": (dt.date(2007, 7, 1), "GHC", "GHS"),
    "leone": (dt.date(2022, 7, 1), "SLL", "SLE"),
}


def _words(code: str, *spellings: str) -> dict[str, str]:
    return dict.fromkeys(spellings, code)


#: Currency words and symbols as sources write them, lower case without accents, each
#: mapped to an ISO 4217 code, to :data:`CFA`, or to a key of :data:`REDENOMINATIONS`.
#: Any other ISO 4217 code written in capitals ("KES") is read too. "$" is the US dollar.
CURRENCY_WORDS: dict[str, str] = {
    **_words(
        CFA,
        "cfa",
        "fcfa",
        "f cfa",
        "f.cfa",
        "f. cfa",
        "cfaf",
        "cfa f",
        "f.c.f.a.",
        "f.c.f.a",
        "franc cfa",
        "francs cfa",
        "cfa franc",
        "cfa francs",
        "fr cfa",
        "frs cfa",
    ),
    **_words(
        "XOF",
        "xof",
        "fcfa bceao",
        "f cfa bceao",
        "franc cfa bceao",
        "francs cfa bceao",
        "west african cfa franc",
        "west african cfa francs",
    ),
    **_words(
        "XAF",
        "xaf",
        "fcfa beac",
        "f cfa beac",
        "franc cfa beac",
        "francs cfa beac",
        "central african cfa franc",
        "central african cfa francs",
    ),
    **_words(
        "USD",
        "usd",
        "$",
        "us$",
        "us $",
        "u.s.$",
        "u.s. $",
        "dollar",
        "dollars",
        "us dollar",
        "us dollars",
        "u.s. dollar",
        "u.s. dollars",
        "dollar us",
        "dollars us",
        "dollar americain",
        "dollars americains",
        "dollar des etats-unis",
        "dollars des etats-unis",
    ),
    **_words("EUR", "eur", "€", "euro", "euros"),
    **_words("GHS", "ghs", "gh₵", "gh¢", "ghana cedi", "ghana cedis"),
    **_words("GHC", "ghc"),
    **_words("cedi", "cedi", "cedis", "₵"),
    **_words("NGN", "ngn", "₦", "naira", "nairas"),
    **_words("MRO", "mro"),
    **_words("MRU", "mru"),
    **_words("ouguiya", "ouguiya", "ouguiyas"),
    **_words("GMD", "gmd", "dalasi", "dalasis"),
    **_words("SLL", "sll"),
    **_words("SLE", "sle"),
    **_words("leone", "leone", "leones"),
    **_words(
        "GNF",
        "gnf",
        "fg",
        "franc guineen",
        "francs guineens",
        "guinean franc",
        "guinean francs",
    ),
    **_words("LRD", "lrd", "l$", "liberian dollar", "liberian dollars"),
    **_words("CVE", "cve", "escudo", "escudos", "cape verdean escudo", "cape verdean escudos"),
    **_words(
        "CDF", "cdf", "franc congolais", "francs congolais", "congolese franc", "congolese francs"
    ),
    **_words("CHF", "chf", "franc suisse", "francs suisses", "swiss franc", "swiss francs"),
    **_words(
        "GBP",
        "gbp",
        "£",
        "pound sterling",
        "pounds sterling",
        "livre sterling",
        "livres sterling",
        "british pound",
        "british pounds",
    ),
    **_words("JPY", "jpy", "yen"),
    **_words("CNY", "cny", "rmb", "yuan", "renminbi"),
    **_words(
        "CAD",
        "cad",
        "ca$",
        "c$",
        "canadian dollar",
        "canadian dollars",
        "dollar canadien",
        "dollars canadiens",
    ),
    **_words("MAD", "dirham marocain", "dirhams marocains", "moroccan dirham", "moroccan dirhams"),
    **_words(
        "DZD", "dzd", "dinar algerien", "dinars algeriens", "algerian dinar", "algerian dinars"
    ),
    **_words("ZAR", "zar", "rand", "rands"),
    **_words(
        "XDR",
        "xdr",
        "sdr",
        "sdrs",
        "dts",
        "special drawing rights",
        "droits de tirage speciaux",
    ),
}

#: Member states of CEMAC, where "FCFA" is the Central African franc (XAF).
_CEMAC_FALLBACK = frozenset({"CMR", "CAF", "TCD", "COG", "GNQ", "GAB"})
_MAX_TEXT = 200
# Money abbreviations of scale glued to a figure: "$1.2m", "500k", "5 bn".
_ABBREVIATIONS = (
    (re.compile(r"(?<=\d) ?m$"), " million"),
    (re.compile(r"(?<=\d) ?k$"), " thousand"),
)
_CONNECTOR = re.compile(r"(?: (?:de|d['’]|of))+$|^(?:de |d['’])", re.IGNORECASE)


@cache
def _word_pattern() -> re.Pattern[str]:
    words = sorted(CURRENCY_WORDS, key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    # A word stands alone: no letter right before or after it ("50FCFA" and "$1.2m" are fine).
    return re.compile(rf"(?<![^\W\d_])(?:{body})(?![^\W\d_])")


@cache
def _iso_codes() -> frozenset[str]:
    """The codes ISO 4217 lists, current and withdrawn (babel's list)."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def _is_iso_code(code: str) -> bool:
    return code in _iso_codes()


_SPACES = re.compile(r"\s+")
_ISO_CODE = re.compile(r"(?<![^\W\d_])[A-Z]{3}(?![^\W\d_])")


def _find_currency(text: str) -> tuple[list[str], str]:
    """The currency words in ``text`` (as codes or markers) and the text without them.

    Matching runs on the folded text; the words are cut out of ``text`` as written, so the
    figure keeps its accents ("1 à 2 millions").
    """
    cleaned = _SPACES.sub(" ", text).strip()
    if cleaned.isascii():  # folding only lowers the case: every character stays in place
        spans = [(m.start(), m.end(), CURRENCY_WORDS[_SPACES.sub(" ", m[0])])
                 for m in _word_pattern().finditer(cleaned.lower())]  # fmt: skip
    else:
        folded_chars = [fold_char(c) for c in cleaned]
        starts = [i for i, f in enumerate(folded_chars) for _ in f] + [len(cleaned)]
        spans = [(starts[m.start()], starts[m.end()], CURRENCY_WORDS[_SPACES.sub(" ", m[0])])
                 for m in _word_pattern().finditer("".join(folded_chars))]  # fmt: skip
    taken = [(a, b) for a, b, _ in spans]
    for match in _ISO_CODE.finditer(cleaned):
        inside = any(a <= match.start() < b for a, b in taken)
        if not inside and _is_iso_code(match[0]):
            spans.append((match.start(), match.end(), match[0]))
    rest = cleaned
    for a, b, _ in sorted(spans, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    return [marker for _, _, marker in spans], _SPACES.sub(" ", rest).strip()


def _day(on: object, error: type[SahelError]) -> dt.date | None:
    """``on`` as a calendar day, a datetime's own (local) date as in :func:`convert`: a
    datetime does not compare with the dates of the redenominations."""
    if isinstance(on, dt.datetime):
        return on.date()
    if on is None or isinstance(on, dt.date):
        return on
    raise error("expected a date", field="on", value=on)


def _resolve(marker: str, text: str, country: str | None, on: dt.date | None) -> str:
    """An ISO code from a currency word's marker, using the country or the date."""
    if marker == CFA:
        return "XAF" if country is not None and _in_cemac(country) else "XOF"
    if marker in REDENOMINATIONS:
        change, before, after = REDENOMINATIONS[marker]
        if on is None:
            raise AmbiguousInput(
                f"{marker!r} is {before} before {change.isoformat()} and {after} from then "
                f"({text!r}); pass on=<date of the figure>",
                field="currency",
                value=text,
            )
        return before if on < change else after
    return marker


def _in_cemac(country: str) -> bool:
    """Whether ``country`` (a code or name) is a CEMAC member, where CFA means XAF."""
    from sahel_core import reference

    try:
        iso3 = reference.country(country).alpha3
        members = reference.grouping("cemac")
    except SahelError:
        if isinstance(country, str) and country.upper() in _CEMAC_FALLBACK:
            return True
        raise
    return iso3 in members


def canonical_currency(text: str, *, country: str | None = None, on: dt.date | None = None) -> str:
    """The ISO 4217 code of a currency as a cell or a header writes it: "FCFA" → XOF
    (XAF when ``country`` is in CEMAC), "euros" → EUR, "usd" → USD, "ouguiya" → MRO or MRU
    by ``on``. Words are those of :data:`CURRENCY_WORDS`, plus any ISO 4217 code in any case.
    Raises :class:`~sahel_core.errors.ReferenceNotFound` for an unknown currency and
    :class:`~sahel_core.errors.AmbiguousInput` for a redenominated word without ``on``.
    """
    if not isinstance(text, str):
        raise ReferenceNotFound("a currency is text", field="currency", value=text)
    on = _day(on, ValidationError)
    folded = re.sub(r"\s+", " ", fold_text(text))
    marker = CURRENCY_WORDS.get(folded)
    code = _shape(folded)
    if marker is None and code is not None and _is_iso_code(code):
        marker = code
    if marker is None:
        raise ReferenceNotFound(
            f"unknown currency {text!r}; write an ISO 4217 code such as XOF, EUR or USD",
            field="currency",
            value=text,
        )
    return _resolve(marker, text, country, on)


def parse_money(
    text: str,
    *,
    locale: str | None = None,
    country: str | None = None,
    on: dt.date | None = None,
    currency: str | None = None,
) -> Money:
    """A :class:`Money` from a sum as written, English or French.

    Reads a figure (see :func:`sahel_core.numbers.parse_number`; ``locale`` settles "2,700")
    with a currency word or symbol before or after it (see :data:`CURRENCY_WORDS`), with
    qualifier words (see :func:`sahel_core.numbers.split_qualifier`) or as a range::

        "13 million CFA", "CFA 700 million", "50 FCFA", "1 500 000 F CFA"      XOF
        "2,5 milliards de FCFA"                                                2.5e9 XOF
        "some CFA 700 million"                                                 approx
        "over USD 1 million", "about 20,000 USD", "0.09 $", "US$ 2.5 million", "$1.2m"
        "0.08 €", "€ 300 000", "300 000 euros"; "10 000 cedis", "5 million naira"
        "between USD 1 and 2 million", "1 à 2 millions de FCFA"                range

    The CFA franc words ("FCFA", "CFA", "F CFA", "francs CFA") mean XOF unless ``country``
    (a code or name) is a CEMAC member, then XAF; "XAF", "FCFA BEAC" and "XOF", "FCFA BCEAO"
    say it outright. Words whose currency was redenominated need ``on``, the date of the
    figure: "ouguiya" is MRO before 2018-01-01 and MRU from then, "cedi(s)" GHC before
    2007-07-01 then GHS, "leone(s)" SLL before 2022-07-01 then SLE; without ``on`` they raise
    :class:`~sahel_core.errors.AmbiguousInput`. "m" and "k" after a figure are million and
    thousand ("$1.2m"). ``currency`` (a code or word, see :func:`canonical_currency`) is the
    currency when the text names none: a spreadsheet cell under "Valeur (FCFA)"; a currency
    in the text wins. ``Money.text`` keeps ``text``.

    Raises :class:`~sahel_core.errors.ParseError` (``AmbiguousInput`` for "1,500 USD" without
    a locale, or for a redenominated word without ``on``) and nothing else on bad text.
    """
    if not isinstance(text, str):
        raise ParseError("expected text", value=text)
    if len(text) > _MAX_TEXT:
        raise ParseError(f"longer than {_MAX_TEXT} characters: not a sum", value=text[:40])
    if country is not None and not isinstance(country, str):
        raise ParseError("a country is a code or a name", field="country", value=country)
    on = _day(on, ParseError)
    qualifier, rest = split_qualifier(text)
    markers, figure = _find_currency(rest)
    if markers:
        codes = {_resolve(m, text, country, on) for m in markers}
    elif currency is not None:
        codes = {canonical_currency(currency, country=country, on=on)}
    else:
        raise ParseError(f"no currency in {text!r}", field="currency", value=text)
    if len(codes) > 1:
        raise ParseError(
            f"two currencies in {text!r}: {', '.join(sorted(codes))}; give one sum",
            field="currency",
            value=text,
        )
    figure = _CONNECTOR.sub("", figure).strip()
    for pattern, word in _ABBREVIATIONS:
        figure = pattern.sub(word, figure)
    if not figure:
        raise ParseError(f"no amount in {text!r}", value=text)
    (code,) = codes
    try:
        sides = split_range(figure, locale=locale)
        if sides is None:
            return Money(parse_number(figure, locale=locale), code, qualifier, text=text)
        if qualifier not in (Qualifier.EXACT, Qualifier.APPROX):
            raise ParseError(f"a range cannot be {qualifier.value!r}: {text!r}", value=text)
        low, high = (parse_number(side, locale=locale) for side in sides)
        if low > high:
            raise ParseError(f"a range runs from low to high: {text!r}", value=text)
        return Money(_midpoint(low, high), code, Qualifier.RANGE, low, high, text)
    except ValidationError as exc:  # negative, too fine or too large a figure
        raise ParseError(f"{exc.message}: {text!r}", field=exc.field, value=text) from exc


def _midpoint(low: Decimal, high: Decimal) -> Decimal:
    """The middle of a range: exact, or rounded half-even to the places a figure may have."""
    places = max(_places(low), _places(high)) + 1
    total = Fraction(low) + Fraction(high)
    middle = _round_half_even(
        total.numerator, 2 * total.denominator, min(places, MAX_DECIMAL_PLACES)
    )
    return tidy(middle)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite: parsed figures
    return max(0, -exponent)


def format_money(money: Money, locale: str = "en") -> str:
    """``money`` as text: "about 20,000 USD", "plus de 1 000 000 USD", "between 1 and 2 EUR".

    Qualifier words in English, or in French for a French ``locale``; the figure by
    :func:`sahel_core.numbers.format_number` (never ambiguous); the currency as its ISO code,
    which needs no country or date to be read back. Writes the qualifier, not the bounds: for
    any money in a currency ISO 4217 lists whose bounds are those its qualifier implies, and
    any range whose amount is its midpoint (what :func:`parse_money` builds),
    ``parse_money(format_money(m, L))`` equals ``m`` without ``text``
    (``attrs.evolve(m, text=None)``). A well-formed code ISO 4217 does not list
    (``Money(1, "ZZZ")``) is written, but text with it reads as an unknown currency.
    """
    if not isinstance(money, Money):
        raise ValidationError("expected a Money", value=money)
    return format_qualified(
        money.qualifier, money.amount, money.low, money.high, lambda _: money.currency, locale
    )
