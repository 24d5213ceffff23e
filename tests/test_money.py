"""Money as written: parse_money, format_money, canonical_currency, and the value types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sahel_core.errors import (
    AmbiguousInput,
    ParseError,
    ReferenceNotFound,
    SahelError,
    ValidationError,
)
from sahel_core.money import (
    CURRENCY_WORDS,
    NOT_A_CODE,
    Conversion,
    Money,
    RateStep,
    canonical_currency,
    currency_code,
    format_money,
    parse_money,
)
from sahel_core.qualifiers import Qualifier
from strategies import money_like_text, parsed_money

Q = Qualifier
D = Decimal


@pytest.mark.parametrize(
    ("text", "amount", "currency", "qualifier"),
    [
        # The seed pages.
        ("13 million CFA", "13000000", "XOF", Q.EXACT),
        ("about 20,000 USD", "20000", "USD", Q.APPROX),
        ("some CFA 700 million", "700000000", "XOF", Q.APPROX),
        ("over USD 1 million", "1000000", "USD", Q.MORE_THAN),
        ("50 FCFA", "50", "XOF", Q.EXACT),
        ("0.09 $", "0.09", "USD", Q.EXACT),
        ("0.08 €", "0.08", "EUR", Q.EXACT),
        # How else the field writes sums.
        ("CFA 700 million", "700000000", "XOF", Q.EXACT),
        ("US$ 2.5 million", "2500000", "USD", Q.EXACT),
        ("$1.2m", "1200000", "USD", Q.EXACT),
        ("500k USD", "500000", "USD", Q.EXACT),
        ("€ 300 000", "300000", "EUR", Q.EXACT),
        ("300 000 euros", "300000", "EUR", Q.EXACT),
        ("300€", "300", "EUR", Q.EXACT),
        ("1 500 000 F CFA", "1500000", "XOF", Q.EXACT),
        ("1\u202f500\u00a0000 FCFA", "1500000", "XOF", Q.EXACT),
        ("5 000 francs CFA", "5000", "XOF", Q.EXACT),
        ("50FCFA", "50", "XOF", Q.EXACT),
        ("2,5 milliards de FCFA", "2500000000", "XOF", Q.EXACT),
        ("plus de 2 millions d'euros", "2000000", "EUR", Q.MORE_THAN),
        ("environ 700 millions de francs CFA", "700000000", "XOF", Q.APPROX),
        ("5 million naira", "5000000", "NGN", Q.EXACT),
        ("₦ 250,000", "250000", "NGN", Q.EXACT),
        ("GH₵ 1 200", "1200", "GHS", Q.EXACT),
        ("2 millions de dollars américains", "2000000", "USD", Q.EXACT),
        ("XAF 12 000", "12000", "XAF", Q.EXACT),
        ("700 000 000 FCFA BEAC", "700000000", "XAF", Q.EXACT),
        ("10 000 FG", "10000", "GNF", Q.EXACT),
        ("KES 500", "500", "KES", Q.EXACT),
        ("1.5 million SDR", "1500000", "XDR", Q.EXACT),
        ("less than 100 USD", "100", "USD", Q.LESS_THAN),
        ("1 million USD or more", "1000000", "USD", Q.AT_LEAST),
    ],
)
def test_parse_money_reads_field_spellings(
    text: str, amount: str, currency: str, qualifier: Qualifier
) -> None:
    money = parse_money(text)
    assert (money.amount, money.currency, money.qualifier) == (D(amount), currency, qualifier)
    assert money.text == text


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("between USD 1 and 2 million", "1000000", "2000000"),
        ("1 à 2 millions de FCFA", "1000000", "2000000"),
        ("entre 3 et 5 millions de FCFA", "3000000", "5000000"),
        ("3-5 million USD", "3000000", "5000000"),
        ("$10 to $15", "10", "15"),
    ],
)
def test_ranges_keep_both_sides_and_the_midpoint(text: str, low: str, high: str) -> None:
    money = parse_money(text)
    assert money.qualifier is Q.RANGE
    assert (money.low, money.high) == (D(low), D(high))
    assert money.amount == (D(low) + D(high)) / 2


def test_bounds_follow_the_qualifier() -> None:
    assert parse_money("over USD 1 million").low == D(1000000)
    assert parse_money("over USD 1 million").high is None
    approx = parse_money("some CFA 700 million")
    assert (approx.low, approx.high) == (D(630000000), D(770000000))


@pytest.mark.parametrize(
    ("country", "code"),
    [(None, "XOF"), ("MLI", "XOF"), ("Niger", "XOF"), ("CMR", "XAF"), ("Tchad", "XAF"),
     ("GA", "XAF"), ("Gabon", "XAF"), ("Sénégal", "XOF")],
)  # fmt: skip
def test_cfa_franc_is_xaf_in_cemac_only(country: str | None, code: str) -> None:
    assert parse_money("50 FCFA", country=country).currency == code
    assert parse_money("50 francs CFA", country=country).currency == code
    # Explicit codes and central-bank names win over the country.
    assert parse_money("50 XOF", country=country).currency == "XOF"
    assert parse_money("50 FCFA BEAC", country=country).currency == "XAF"


def test_unknown_country_is_a_sahel_error() -> None:
    with pytest.raises(ReferenceNotFound):
        parse_money("50 FCFA", country="Atlantis")


@pytest.mark.parametrize(
    ("text", "before", "after", "change"),
    [
        ("100 ouguiya", "MRO", "MRU", dt.date(2018, 1, 1)),
        ("100 ouguiyas", "MRO", "MRU", dt.date(2018, 1, 1)),
        ("10 000 cedis", "GHC", "GHS", dt.date(2007, 7, 1)),
        ("5 000 leones", "SLL", "SLE", dt.date(2022, 7, 1)),
    ],
)
def test_redenominated_words_need_a_date(
    text: str, before: str, after: str, change: dt.date
) -> None:
    assert parse_money(text, on=change - dt.timedelta(days=1)).currency == before
    assert parse_money(text, on=change).currency == after
    with pytest.raises(AmbiguousInput) as info:
        parse_money(text)
    assert change.isoformat() in str(info.value)
    # The codes themselves are never ambiguous.
    assert parse_money(f"100 {before}").currency == before
    assert parse_money(f"100 {after}").currency == after


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("13 million", ParseError),  # no currency
        ("FCFA", ParseError),  # no amount
        ("francs CFA", ParseError),
        ("13 million CFA (about 20,000 USD)", ParseError),  # two sums: the caller splits them
        ("12 USD EUR", ParseError),
        ("-5 USD", ParseError),  # money is >= 0
        ("0.0000000001 USD", ParseError),  # finer than a table holds
        ("1,500 USD", AmbiguousInput),  # 1500 or 1.5: pass a locale
        ("between 5 and 3 USD", ParseError),
        ("more than 3 to 5 USD", ParseError),
        ("x" * 300, ParseError),
    ],
)
def test_bad_sums_raise_parse_errors(text: str, error: type[SahelError]) -> None:
    with pytest.raises(error):
        parse_money(text)


def test_locale_settles_ambiguous_figures() -> None:
    assert parse_money("1,500 USD", locale="en").amount == D(1500)
    assert parse_money("1,500 USD", locale="fr").amount == D("1.5")


def test_currency_argument_is_the_default_currency() -> None:
    assert parse_money("1 500", currency="FCFA").currency == "XOF"
    assert parse_money("1 500", currency="FCFA", country="CMR").currency == "XAF"
    assert parse_money("1 500 USD", currency="FCFA").currency == "USD"
    with pytest.raises(ReferenceNotFound):
        parse_money("1 500", currency="doubloons")


@pytest.mark.parametrize(
    ("text", "code"),
    [("FCFA", "XOF"), ("F CFA", "XOF"), ("Francs CFA", "XOF"), ("euros", "EUR"), ("€", "EUR"),
     ("usd", "USD"), ("US$", "USD"), ("Dollars US", "USD"), ("naira", "NGN"), ("GH₵", "GHS"),
     ("kes", "KES"), ("xdr", "XDR"), (" Euro ", "EUR")],
)  # fmt: skip
def test_canonical_currency(text: str, code: str) -> None:
    assert canonical_currency(text) == code


def test_canonical_currency_refuses_unknown_words() -> None:
    for text in ("doubloons", "ABC", "", "us dollar bills"):
        with pytest.raises(ReferenceNotFound):
            canonical_currency(text)
    with pytest.raises(AmbiguousInput):
        canonical_currency("ouguiya")
    assert canonical_currency("ouguiya", on=dt.date(2020, 1, 1)) == "MRU"


def test_currency_words_are_folded_and_resolve() -> None:
    for word, marker in CURRENCY_WORDS.items():
        assert word == word.casefold().strip()
        code = canonical_currency(word, on=dt.date(2020, 1, 1))
        assert len(code) == 3
        assert code.isupper()
        assert marker in ("CFA", "cedi", "leone", "ouguiya") or code == marker


@given(parsed_money(), st.sampled_from(["en", "fr", "fr_SN", "en_GB"]), st.booleans())
@example(Money(D("0.5"), "EUR", Q.RANGE, D(0), D(1)), "en", False)
@example(Money(D("2700"), "USD"), "en", False)
@example(Money(D("1.234"), "XOF", Q.APPROX), "fr", False)
def test_format_then_parse_round_trips(money: Money, locale: str, tell: bool) -> None:
    text = format_money(money, locale)
    back = parse_money(text, locale=locale if tell else None)
    assert attrs.evolve(back, text=None) == money
    assert back.text == text


def test_format_money_words() -> None:
    assert format_money(Money(D(20000), "USD", Q.APPROX)) == "about 20,000 USD"
    assert (
        format_money(Money(D(1000000), "USD", Q.MORE_THAN), "fr")
        == "plus de 1\u202f000\u202f000 USD"
    )
    assert format_money(Money(D(15), "EUR", Q.RANGE, D(10), D(20))) == "between 10 and 20 EUR"


@given(money_like_text | st.text(max_size=60))
@example("CFA CFA 12")
@example("$$")
@example("1 à à 2 FCFA")
@example("₵ 100")
def test_fuzzed_text_raises_only_sahel_errors(text: str) -> None:
    for on in (None, dt.date(2016, 5, 1)):
        try:
            money = parse_money(text, on=on)
        except SahelError:
            continue
        assert money.amount >= 0
        assert len(money.currency) == 3


_REDENOMINATED = [("10 000 cedis", "cedis", "GHC", "GHS", dt.date(2007, 7, 1)),
                  ("100 ouguiya", "ouguiya", "MRO", "MRU", dt.date(2018, 1, 1)),
                  ("5 000 leones", "leones", "SLL", "SLE", dt.date(2022, 7, 1))]  # fmt: skip


_MOMENTS = st.datetimes(
    dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1), timezones=st.none() | st.timezones()
)


@given(st.sampled_from(_REDENOMINATED), _MOMENTS)
@example(_REDENOMINATED[0], dt.datetime(2018, 1, 1))
def test_a_datetime_dates_a_redenominated_word_by_its_own_day(
    case: tuple[str, str, str, str, dt.date], on: dt.datetime
) -> None:
    text, word, before, after, change = case
    code = before if on.date() < change else after  # the day convert takes for a datetime
    assert parse_money(text, on=on).currency == code
    assert canonical_currency(word, on=on) == code
    assert parse_money("12", currency=word, on=on).currency == code


def test_canonical_currency_refuses_a_date_that_is_not_a_date() -> None:
    for on in ("2018-01-01", 2018, dt.time(12)):
        with pytest.raises(ValidationError):
            canonical_currency("cedi", on=on)  # type: ignore[arg-type]
        with pytest.raises(ParseError):
            parse_money("5 cedis", on=on)  # type: ignore[arg-type]


def test_parse_money_checks_argument_types() -> None:
    with pytest.raises(ParseError):
        parse_money(12)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_money("12 USD", on="2016-01-01")  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_money("12 USD", country=3)  # type: ignore[arg-type]


# -- value types ---------------------------------------------------------------------------


def test_currency_code() -> None:
    assert currency_code("xof") == "XOF"
    for bad in ("XO", "XOFF", "X0F", 12, None, "€€€"):
        with pytest.raises(SahelError) as info:
            currency_code(bad, "to")
        assert info.value.field == "to"


def test_one_currency_check_for_every_code_taken_as_given() -> None:
    """The value type, convert's arguments, indicator parameters, the rate tables and IATI
    values all use currency_code: surrounding spaces are dropped, case is folded; the shape
    is checked, not the ISO list (a well-formed code no rate knows fails at conversion)."""
    assert currency_code(" xof ") == "XOF"
    assert Money(D(1), " xof").currency == "XOF"
    with pytest.raises(ValidationError) as info:
        Money(D(1), "X O")
    assert info.value.message == NOT_A_CODE
    assert Money(D(1), "ZZZ").currency == "ZZZ"  # well-formed: kept, as a user's table may use
    with pytest.raises(ReferenceNotFound, match="unknown currency 'QQQ'"):
        canonical_currency("QQQ")  # read from text: checked against ISO 4217, as readers do


def test_a_conversion_names_its_sources_apart_from_its_path() -> None:
    peg = RateStep("XOF", "EUR", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed", True)
    back = RateStep("EUR", "XAF", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed")
    ecb = RateStep("EUR", "USD", D("1.1093"), dt.date(2016, 11, 4), "ECB")
    money = Money(D(1), "XOF")
    usd = Conversion(money, Money(D(1), "USD"), dt.date(2016, 11, 5), (peg, ecb))
    assert usd.source == "peg; ECB"
    assert usd.path == "XOF → EUR (peg, fixed) → USD (ECB, 2016-11-04)"
    xaf = Conversion(money, money, dt.date(2016, 11, 5), (peg, back))
    assert xaf.source == "peg"
    assert Conversion(money, money, dt.date(2016, 11, 5), ()).source is None


def test_rate_step_arithmetic_is_exact_half_even() -> None:
    peg = RateStep("XOF", "EUR", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed", True)
    assert peg.apply(D(655957)) == D(1000)
    assert peg.apply(D(1), 9) == D("0.001524490")
    assert peg.quote == "1 EUR = 655.957 XOF"
    assert peg.label == "peg, fixed"
    ecb = RateStep("EUR", "USD", D("1.1093"), dt.date(2016, 11, 4), "ECB")
    assert ecb.apply(D("0.5"), 4) == D("0.5546")  # 0.55465 to even
    assert ecb.apply(D("1.5"), 4) == D("1.6640")  # 1.66395 up
    assert ecb.label == "ECB, 2016-11-04"
    month = RateStep("GHS", "USD", D("3.9"), dt.date(2016, 11, 1), "IMF IFS", "month", True)
    assert month.label == "IMF IFS, month 2016-11"
    year = attrs.evolve(month, period="year")
    assert year.label == "IMF IFS, year 2016"


def test_a_rate_step_quotes_its_rate_to_the_places_it_is_published_to() -> None:
    """The ECB's 1.1000 USD per EUR was quoted "1 EUR = 1.1 USD"."""
    ecb = RateStep("EUR", "USD", D("1.1000"), dt.date(2020, 5, 21), "ECB")
    assert (ecb.quote, str(ecb.rate)) == ("1 EUR = 1.1000 USD", "1.1000")
    # A positive exponent is written out: an integer counts to its units.
    imf = RateStep("GNF", "USD", D("9E+3"), dt.date(2017, 10, 31), "IMF IFS", "month", True)
    assert (imf.quote, imf.rate.as_tuple()) == ("1 USD = 9000 GNF", D(9000).as_tuple())
    assert RateStep("EUR", "INR", D("79.9855"), dt.date(2019, 1, 2), "ECB",
                    increment="0.00050").increment == D("0.0005")  # fmt: skip


@given(st.decimals(min_value=0, max_value=10**12, places=9), st.integers(0, 16))
@example(D("99999999999999999999999.999999999"), 16)  # 38 digits: more than the context's 28
@example(D("0.000000001"), 16)
def test_rate_step_apply_matches_decimal_quantize(value: Decimal, places: int) -> None:
    from decimal import ROUND_HALF_EVEN, localcontext

    step = RateStep("XOF", "EUR", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed", True)
    with localcontext(prec=100):
        expected = (value / D("655.957")).quantize(D(1).scaleb(-places), ROUND_HALF_EVEN)
    found = step.apply(value, places)
    assert (found, found.as_tuple().exponent) == (expected, -places)


def test_conversion_reports_path_rate_and_date() -> None:
    steps = (
        RateStep("XOF", "EUR", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed", True),
        RateStep("EUR", "USD", D("1.1093"), dt.date(2016, 11, 4), "ECB"),
    )
    conversion = Conversion(
        Money(700000000, "XOF"), Money(D("1183781.86"), "USD"), dt.date(2016, 11, 5), steps
    )
    assert conversion.path == "XOF → EUR (peg, fixed) → USD (ECB, 2016-11-04)"
    assert conversion.rate_date == dt.date(2016, 11, 4)
    assert conversion.rate == steps[1].apply(steps[0].apply(D(1)))
    data = conversion.as_dict()
    assert data["amount"] == "1183781.86"
    assert [s["rate"] for s in data["steps"]] == ["655.957", "1.1093"]
    assert data["steps"][0]["inverted"] is True


def test_money_errors_name_the_amount_not_a_magnitude() -> None:
    for amount in (Decimal(-1), Decimal(10) ** 29):
        with pytest.raises(ValidationError) as error:
            Money(amount, "USD")
        assert error.value.field == "amount"


def test_a_country_that_is_no_text_is_a_sahel_error() -> None:
    with pytest.raises(SahelError):
        canonical_currency("FCFA", country=5)  # type: ignore[arg-type]


def test_as_dict_writes_decimals_without_trailing_zeros() -> None:
    """``sahel convert --json`` printed "655.957000000" for a result at 9 places."""
    peg = RateStep("EUR", "XOF", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed")
    result = Money(D("655.957000000"), "XOF", Qualifier.RANGE, D("0E-9"), D("1311.914000000"))
    conversion = Conversion(Money(D("1.000"), "EUR"), result, dt.date(2017, 3, 14), (peg,),
                            rounding=D("0.00"))  # fmt: skip
    data = conversion.as_dict()
    assert (data["amount"], data["original"], data["rounding"]) == ("655.957", "1", "0")
    assert (data["low"], data["high"]) == ("0", "1311.914")
    assert data["steps"][0]["rate"] == "655.957"


def test_as_dict_gives_each_steps_increment() -> None:
    """A step's increment explains a coarser rounding: the JSON has it, as decimal text."""
    rupee = RateStep("INR", "EUR", D("77.4720"), dt.date(2019, 6, 3), "ECB", "day", True,
                     D("0.00050"))  # fmt: skip
    peg = RateStep("EUR", "XOF", D("655.957"), dt.date(1999, 1, 1), "peg", "fixed")
    conversion = Conversion(Money(100, "INR"), Money(D("846.7"), "XOF"), dt.date(2019, 6, 3),
                            (rupee, peg), rounding=D("0.0028"))  # fmt: skip
    steps = conversion.as_dict()["steps"]
    assert [(s["rate"], s["increment"]) for s in steps] == [("77.4720", "0.0005"),
                                                            ("655.957", None)]  # fmt: skip
