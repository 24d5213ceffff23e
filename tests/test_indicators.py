"""Indicators: hand-computed results, bounds, no double counting, invariants, CLI shapes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sahel_core import Amount, Money, PartialDate, Place, Seizure, SourceRef, Workshop
from sahel_core.cli import app, main
from sahel_core.errors import (
    RateNotFound,
    ReferenceNotFound,
    SahelError,
    StructureError,
    UnitError,
    ValidationError,
)
from sahel_core.indicators import aggregate, compute, list_indicators
from sahel_core.io import write
from sahel_core.money import convert
from sahel_core.tables import from_entities
from sahel_core.testing import seizures as seizure_strategy

D = Decimal
PAGE = (SourceRef(url="https://www.unodc.org/westandcentralafrica/page"),)


def month(year: int, number: int, text: str | None = None) -> PartialDate:
    end = (dt.date(year + number // 12, number % 12 + 1, 1)) - dt.timedelta(days=1)
    return PartialDate(dt.date(year, number, 1), end, text)


def day(year: int, number: int, date: int) -> PartialDate:
    return PartialDate(dt.date(year, number, date), dt.date(year, number, date))


def seizure_table() -> pl.DataFrame:
    """Six seizures; the expected figures below are computed by hand from these."""
    return from_entities(
        [
            # 2700 kg, low 2700, high unbounded; May 2016
            Seizure(
                "a",
                "cannabis_herb",
                Amount("2.7", "t", "more_than"),
                date=month(2016, 5),
                place=Place("MLI", "Bamako"),
                agency="OCS",
                sources=PAGE,
            ),
            # 2700 kg exactly; May 2015
            Seizure(
                "b",
                "cannabis_herb",
                Amount("2.7", "t"),
                date=month(2015, 5),
                place=Place("MLI", "Bamako"),
                sources=PAGE,
            ),
            # about 1500 g = 1.5 kg, bounds ±10 %: 1.35 .. 1.65; dated across two years
            Seizure(
                "c",
                "cocaine",
                Amount("1500", "g", "approx"),
                date=PartialDate(dt.date(2015, 12, 20), dt.date(2016, 1, 5)),
                place=Place("NER"),
            ),
            # tablets: a count, never a mass
            Seizure(
                "d", "tramadol", Amount("70000", "tablet"), date=month(2016, 3), place=Place("NER")
            ),
            # no quantity: counts as a seizure only
            Seizure("e", "cocaine"),
            # between 2 and 3 kg, point 2.5; 12 March 2016
            Seizure(
                "f",
                "heroin",
                Amount("2.5", "kg", "range", low="2", high="3"),
                date=day(2016, 3, 12),
                place=Place("SEN"),
                agency="OCRTIS",
            ),
        ]
    )


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in frame.select(columns).iter_rows()]


# -- seized_mass ------------------------------------------------------------------------------


def test_seized_mass_total_and_bounds() -> None:
    result = compute("seized_mass", seizure_table())
    assert result.columns == ["kg", "low_kg", "high_kg", "records", "record_ids"]
    # kg: 2700 + 2700 + 1.5 + 2.5 = 5404; low: 2700 + 2700 + 1.35 + 2 = 5403.35;
    # high: null because "more than 2.7 t" has no upper bound. Tablets (d) and e are left out.
    assert rows(result, "kg", "low_kg", "high_kg", "records") == [
        (D("5404"), D("5403.35"), None, 4)
    ]
    assert sorted(result["record_ids"][0]) == ["a", "b", "c", "f"]


def test_seized_mass_by_country() -> None:
    result = compute("seized_mass", seizure_table(), ["country"])
    assert result.columns[:5] == ["country", "kg", "low_kg", "high_kg", "records"]
    assert rows(result, "country", "kg", "low_kg", "high_kg", "records") == [
        ("MLI", D("5400"), D("5400"), None, 2),
        ("NER", D("1.5"), D("1.35"), D("1.65"), 1),
        ("SEN", D("2.5"), D("2"), D("3"), 1),
    ]


def test_year_comes_from_intervals_within_one_year_and_nothing_is_split() -> None:
    result = compute("seized_mass", seizure_table(), ["year"])
    # 2015: b; 2016: a + f = 2702.5; c spans 2015-2016: the null year, counted once.
    assert rows(result, "year", "kg", "records") == [
        (2015, D("2700"), 1),
        (2016, D("2702.5"), 2),
        (None, D("1.5"), 1),
    ]


def test_month_key_is_text() -> None:
    result = compute("seized_mass", seizure_table(), ["drug", "month"])
    assert rows(result, "drug", "month", "kg") == [
        ("cannabis_herb", "2015-05", D("2700")),
        ("cannabis_herb", "2016-05", D("2700")),
        ("cocaine", None, D("1.5")),
        ("heroin", "2016-03", D("2.5")),
    ]


def test_grams_are_converted_exactly() -> None:
    table = from_entities([Seizure("g", "cocaine", Amount("0.000000001", "g"))])
    # 1e-9 g = 1e-12 kg: kept, not rounded away.
    assert compute("seized_mass", table)["kg"][0] == D("1E-12")


def test_counts_are_reported_apart_never_in_kg() -> None:
    table = seizure_table()
    counts = compute("seized_count_units", table, ["country"])
    assert counts.columns[:6] == ["country", "unit", "count", "low", "high", "records"]
    assert rows(counts, "country", "unit", "count", "low", "high", "records") == [
        ("NER", "tablet", D("70000"), D("70000"), D("70000"), 1)
    ]
    assert "d" not in compute("seized_mass", table)["record_ids"][0]


def test_seizure_count_counts_every_record() -> None:
    result = compute("seizure_count", seizure_table(), ["country"])
    assert rows(result, "country", "records") == [("MLI", 2), ("NER", 2), ("SEN", 1), (None, 1)]
    by_dimension = compute("seizure_count", seizure_table(), ["dimension"])
    assert rows(by_dimension, "dimension", "records") == [("mass", 4), ("tablet", 1), (None, 1)]


def test_lazy_input_gives_the_same_result() -> None:
    table = seizure_table()
    assert compute("seized_mass", table.lazy(), ["country"]).equals(
        compute("seized_mass", table, ["country"])
    )


# -- bad input ----------------------------------------------------------------------------------


def test_bad_key_parameter_and_table_name_the_fault() -> None:
    table = seizure_table()
    with pytest.raises(ValidationError) as bad_key:
        compute("seized_mass", table, ["planet"])
    assert bad_key.value.field == "by" and bad_key.value.value == "planet"
    with pytest.raises(ValidationError) as repeated:
        compute("seized_mass", table, ["country", "country"])
    assert repeated.value.field == "by"
    with pytest.raises(ValidationError) as unknown:
        compute("seized_mass", table, colour="red")
    assert unknown.value.field == "colour"
    with pytest.raises(ValidationError) as bad_value:
        compute("seized_value", table, currency="dollars")
    assert bad_value.value.field == "currency"
    assert "three-letter ISO 4217 code" in bad_value.value.message
    assert compute("seized_value", table, currency=" eur ")["currency"][0] == "EUR"
    with pytest.raises(ValidationError) as bad_bool:
        compute("seized_value", table, with_rates="perhaps")
    assert bad_bool.value.field == "with_rates"
    with pytest.raises(ReferenceNotFound):
        compute("seized_volume", table)
    with pytest.raises(StructureError, match="quantity_unit"):
        compute("seized_mass", table.drop("quantity_unit"))
    with pytest.raises(ValidationError):
        compute("seized_mass", [1, 2, 3])  # type: ignore[arg-type]


def test_unknown_or_missing_units_are_errors_not_silence() -> None:
    table = seizure_table()
    with pytest.raises(UnitError) as unknown:
        compute("seized_mass", table.with_columns(pl.lit("barrels").alias("quantity_unit")))
    assert unknown.value.value == "barrels"
    with pytest.raises(UnitError):
        compute("seized_mass", table.with_columns(pl.lit(None, pl.String).alias("quantity_unit")))


def test_table_of_wrong_types_raises_a_sahel_error() -> None:
    table = seizure_table().with_columns(pl.lit("lots").alias("quantity"))
    with pytest.raises(SahelError):
        compute("seized_mass", table)


# -- seized_value ---------------------------------------------------------------------------------


def value_table() -> pl.DataFrame:
    return from_entities(
        [
            # 1,311,914 XOF = 2000 EUR exactly at the peg (655.957 XOF per EUR)
            Seizure(
                "x",
                "cannabis_herb",
                value=Money("1311914", "XOF"),
                date=month(2016, 5),
                place=Place("MLI"),
            ),
            # about 500 EUR: 450 .. 550
            Seizure(
                "y",
                "cocaine",
                value=Money("500", "EUR", "approx"),
                date=month(2016, 6),
                place=Place("MLI"),
            ),
            # more than 655,957 XOF: 1000 EUR, unbounded above
            Seizure(
                "z",
                "cocaine",
                value=Money("655957", "XOF", "more_than"),
                date=day(2015, 2, 3),
                place=Place("NER"),
            ),
            Seizure("w", "cocaine"),  # no value: not counted
        ]
    )


def test_seized_value_in_eur_is_exact_at_the_peg() -> None:
    result = compute("seized_value", value_table(), ["country"], currency="EUR")
    assert result.columns[:6] == ["country", "value", "low", "high", "currency", "records"]
    # MLI: 2000 + 500 = 2500; low 2000 + 450; high 2000 + 550. NER: 1000, 1000, unbounded.
    assert rows(result, "country", "value", "low", "high", "currency", "records") == [
        ("MLI", D("2500"), D("2450"), D("2550"), "EUR", 2),
        ("NER", D("1000"), D("1000"), None, "EUR", 1),
    ]
    assert [sorted(ids) for ids in result["record_ids"]] == [["x", "y"], ["z"]]


def test_seized_value_reports_the_rates_used() -> None:
    result = compute("seized_value", value_table(), currency="EUR", with_rates=True)
    rates = {r["from_currency"]: r for r in result["rates"][0]}
    assert set(rates) == {"XOF", "EUR"}
    assert "peg" in rates["XOF"]["rate_source"]
    assert rates["EUR"]["rate"] == D(1)


def test_the_rates_used_give_rate_date_source_and_path_apart() -> None:
    """Each rate says its rate, its date, its source (the providers) and the path, each in a
    field of its own, as a single conversion does."""
    table = value_table().filter(pl.col("id") == "x")
    result = compute("seized_value", table, currency="USD", with_rates=True)
    (rate,) = result["rates"][0]
    conversion = convert(Money("1311914", "XOF"), "USD", on=dt.date(2016, 5, 1))
    assert rate == {
        "from_currency": "XOF",
        "rate": conversion.rate,
        "rate_date": conversion.rate_date,
        "rate_source": "peg; ECB",
        "rate_path": conversion.path,
    }
    assert conversion.source == "peg; ECB"
    assert rate["rate_path"].startswith("XOF → EUR (peg, fixed) → USD (ECB, 2016-0")
    same = compute("seized_value", value_table(), currency="EUR", with_rates=True)
    euro = {r["from_currency"]: r for r in same["rates"][0]}["EUR"]
    assert (euro["rate_source"], euro["rate_path"], euro["rate_date"]) == (None, "EUR", None)
    portfolio = compute("donor_portfolio", transaction_table(), currency="EUR", with_rates=True)
    rates = {r["from_currency"]: r for r in portfolio["rates"][0]}
    assert rates["XOF"]["rate_source"] == "peg"
    assert rates["XOF"]["rate_path"] == "XOF → EUR (peg, fixed)"


def test_seized_value_without_a_rate_fails_or_is_counted_apart() -> None:
    table = pl.concat(
        [
            value_table(),
            from_entities([Seizure("q", "cocaine", value=Money("5", "ZZZ"), date=month(2016, 1))]),
        ]
    )
    with pytest.raises(RateNotFound) as missing:
        compute("seized_value", table, currency="EUR")
    assert "ZZZ" in str(missing.value)
    assert "the first record q:" in str(missing.value)  # which record to look at
    result = compute("seized_value", table, currency="EUR", skip_unconverted=True)
    assert rows(result, "value", "records", "unconverted") == [(D("3500"), 3, 1)]
    # record_ids are the records that fed the value: "q" is counted apart, not listed.
    assert sorted(result["record_ids"][0]) == ["x", "y", "z"]
    by_country = compute("seized_value", table, ["country"], currency="EUR",
                         skip_unconverted=True)  # fmt: skip
    assert rows(by_country, "country", "records", "unconverted") == [
        ("MLI", 2, 0), ("NER", 1, 0), (None, 0, 1)
    ]  # fmt: skip
    assert [sorted(ids) for ids in by_country["record_ids"]] == [["x", "y"], ["z"], []]


def test_unconverted_transactions_are_not_listed_as_records() -> None:
    table = pl.concat(
        [transaction_table(), transaction_table().head(1).with_columns(
            pl.lit("Z9").alias("activity"), pl.lit("ZZZ").alias("currency"))]
    )  # fmt: skip
    result = compute("donor_portfolio", table, ["country"], currency="EUR",
                     skip_unconverted=True)  # fmt: skip
    assert rows(result, "country", "records", "unconverted") == [("MLI", 1, 1), ("NER", 2, 0)]
    assert [sorted(ids) for ids in result["record_ids"]] == [["A1"], ["A2", "A3"]]


def test_values_not_all_converted_have_no_upper_bound() -> None:
    """With skip_unconverted, a group where nothing converted showed value, low and high 0, a
    high bound claiming the seizures were worth at most 0; a group with a skipped record
    still had a high bound, yet the skipped value could be anything."""
    table = pl.concat(
        [
            value_table(),
            from_entities(
                [
                    Seizure("q", "cocaine", value=Money("5", "ZZZ"), date=month(2016, 1),
                            place=Place("SEN")),
                    Seizure("r", "cocaine", value=Money("5", "ZZZ"), date=month(2016, 1),
                            place=Place("MLI")),
                ]
            ),
        ]
    )  # fmt: skip
    result = compute("seized_value", table, ["country"], currency="EUR", skip_unconverted=True)
    assert rows(result, "country", "value", "low", "high", "records", "unconverted") == [
        ("MLI", D("2500"), D("2450"), None, 2, 1),
        ("NER", D("1000"), D("1000"), None, 1, 0),
        ("SEN", None, None, None, 0, 1),
    ]
    exact = table.filter(pl.col("id").is_in(["x", "q"]))
    whole = compute("seized_value", exact, ["country"], currency="EUR", skip_unconverted=True)
    assert rows(whole, "country", "value", "high") == [("MLI", D("2000"), D("2000")),
                                                        ("SEN", None, None)]  # fmt: skip
    unconverted = transaction_table().head(1).with_columns(
        pl.lit("Z9").alias("activity"), pl.lit("ZZZ").alias("currency"), pl.lit("SEN")
        .alias("recipient_country"))  # fmt: skip
    portfolio = compute("donor_portfolio", pl.concat([transaction_table(), unconverted]),
                        ["country"], currency="EUR", skip_unconverted=True)  # fmt: skip
    assert rows(portfolio, "country", "value", "records", "unconverted")[-1] == ("SEN", None, 0, 1)


def test_an_unconverted_value_is_counted_once_with_its_bounds() -> None:
    """The error counted every amount, bounds included: "14 amount(s)" for 8 records."""
    unknown = [
        Seizure(f"u{i}", "cocaine", value=Money("5", "ZZZ", "range", low="4", high="6"),
                date=month(2016, 1))
        for i in range(3)
    ]  # fmt: skip
    with pytest.raises(RateNotFound) as caught:
        compute("seized_value", from_entities(unknown), currency="EUR")
    assert caught.value.message.startswith("3 records' values cannot be converted to EUR, the ")
    # A high bound too large to convert, on a record whose value converts, is told apart.
    huge = Seizure("h", "cocaine", value=Money("100", "XOF", "range", low="1", high="9" * 28),
                   date=month(2016, 1))  # fmt: skip
    with pytest.raises(RateNotFound) as both:
        compute("seized_value", from_entities([*unknown[:1], huge]), currency="EUR")
    assert both.value.message.startswith(
        "1 record's value, and the bounds of 1 other record, cannot be converted to EUR, the "
        "first record u0:"
    )
    with pytest.raises(RateNotFound) as bounds:
        compute("seized_value", from_entities([huge]), currency="EUR")
    assert bounds.value.message.startswith(
        "the bounds of 1 record cannot be converted to EUR, the first record h:"
    )


# -- workshops ---------------------------------------------------------------------------------


def workshop_table() -> pl.DataFrame:
    return from_entities(
        [
            # over 160 participants, Bamako, funded by Denmark and the EU
            Workshop(
                "w1",
                date=PartialDate(dt.date(2016, 12, 12), dt.date(2016, 12, 13)),
                place=Place("MLI", "Bamako"),
                participants=Amount("160", "person", "more_than"),
                donors=("DNK", "EU"),
            ),
            # 35 representatives, Germany
            Workshop(
                "w2",
                date=PartialDate(dt.date(2015, 1, 28), dt.date(2015, 1, 29)),
                place=Place("SEN"),
                participants=Amount("35", "person"),
                donors=("DEU",),
            ),
            # 16 participants, the Netherlands
            Workshop(
                "w3",
                date=PartialDate(dt.date(2018, 4, 3), dt.date(2018, 4, 13)),
                place=Place("MLI", "Bamako"),
                participants=Amount("16", "person"),
                donors=("NLD",),
            ),
            # no participant count, no donor
            Workshop("w4", date=month(2017, 3), place=Place("MLI")),
        ]
    )


def test_workshop_participants_by_country() -> None:
    result = compute("workshop_participants", workshop_table(), ["country"])
    # MLI: 160 + 16 = 176, low 176, high unbounded (over 160); 3 workshops, 2 report a count.
    assert rows(result, "country", "participants", "low", "high", "workshops", "reported") == [
        ("MLI", D("176"), D("176"), None, 3, 2),
        ("SEN", D("35"), D("35"), D("35"), 1, 1),
    ]


def test_a_workshop_counts_fully_for_each_donor() -> None:
    table = workshop_table()
    result = compute("trainings_by_donor", table)
    assert result.columns[:6] == ["donor", "participants", "low", "high", "workshops", "reported"]
    assert rows(result, "donor", "participants", "workshops") == [
        ("DEU", D("35"), 1),
        ("DNK", D("160"), 1),
        ("EU", D("160"), 1),
        ("NLD", D("16"), 1),
        (None, None, 1),
    ]
    # Not additive across donors, as documented: 35 + 160 + 160 + 16 = 371 > 211 in total.
    total = compute("workshop_participants", table)["participants"][0]
    assert total == D("211")
    assert sum(v for v in result["participants"] if v is not None) == D("371")


def test_trainings_by_donor_and_year() -> None:
    result = compute("trainings_by_donor", workshop_table(), ["year"])
    assert result.columns[:2] == ["donor", "year"]
    assert ("DEU", 2015) in rows(result, "donor", "year")


def test_participants_must_be_persons() -> None:
    table = workshop_table().with_columns(pl.lit("kg").alias("participants_unit"))
    with pytest.raises(UnitError):
        compute("workshop_participants", table)


# -- donor portfolio ------------------------------------------------------------------------------


def transaction_table() -> pl.DataFrame:
    from sahel_core.plugins.iati import transaction_schema

    # A provider's ref and the donor key the IATI reader gives it.
    donor_keys = {"DK-1": "DNK", "DE-1": "DEU"}

    def row(
        activity: str,
        kind: str,
        when: dt.date,
        value: str,
        currency: str,
        donor: str,
        country: str,
        humanitarian: bool | None = None,
    ) -> dict[str, Any]:
        return {
            "activity": activity,
            "row": 1,
            "type": kind,
            "date": when,
            "value_date": when,
            "value": D(value),
            "currency": currency,
            "provider_org": donor,
            "provider_inferred": False,
            "provider_donor": donor_keys[donor],
            "receiver_org": "UNODC",
            "recipient_country": country,
            "sector": "15130",
            "humanitarian": humanitarian,
        }

    return pl.DataFrame(
        [
            row("A1", "2", dt.date(2016, 3, 1), "1000000", "EUR", "DK-1", "MLI", True),
            row("A1", "3", dt.date(2016, 6, 1), "400000", "EUR", "DK-1", "MLI", True),
            row("A2", "2", dt.date(2017, 1, 10), "655957000", "XOF", "DE-1", "NER", False),
            row("A3", "2", dt.date(2017, 5, 2), "250000", "EUR", "DK-1", "NER"),
        ],
        schema=transaction_schema(),
        orient="row",
    )


def test_donor_portfolio_adds_one_transaction_type() -> None:
    table = transaction_table()
    result = compute("donor_portfolio", table, ["donor"], currency="EUR")
    # Commitments only: DNK 1,000,000 + 250,000; DEU 655,957,000 XOF = 1,000,000 EUR.
    assert rows(result, "donor", "value", "currency", "records") == [
        ("DEU", D("1000000"), "EUR", 1),
        ("DNK", D("1250000"), "EUR", 2),
    ]
    assert [sorted(ids) for ids in result["record_ids"]] == [["A2"], ["A1", "A3"]]
    disbursed = compute("donor_portfolio", table, ["year", "type"], currency="EUR", types="2,3")
    assert rows(disbursed, "year", "type", "value") == [
        (2016, "2", D("1000000")),
        (2016, "3", D("400000")),
        (2017, "2", D("1250000")),
    ]


def test_donor_portfolio_tells_humanitarian_flows_apart() -> None:
    """IATI's @humanitarian had no key: humanitarian and development money were one sum."""
    result = compute("donor_portfolio", transaction_table(), ["humanitarian"], currency="EUR")
    # A3's publisher does not say (no @humanitarian): neither, a group of its own.
    assert rows(result, "humanitarian", "value", "records") == [
        (False, D("1000000"), 1),
        (True, D("1000000"), 1),
        (None, D("250000"), 1),
    ]
    assert result["record_ids"].to_list() == [["A2"], ["A1"], ["A3"]]


def test_donor_portfolio_credits_money_going_out_without_a_provider_to_its_reporter(
    tmp_path: Path,
) -> None:
    """A disbursement without provider-org was in the null donor group; IATI assumes the
    reporting organisation gives it. Incoming funds have no such rule and stay there."""
    from sahel_core.io import read

    transaction = (
        '<transaction><transaction-type code="{kind}"/>'
        '<transaction-date iso-date="2020-03-01"/>'
        '<value value-date="2020-03-01">{value}</value></transaction>'
    )
    path = tmp_path / "undp.xml"
    path.write_text(
        '<iati-activities version="2.03"><iati-activity default-currency="EUR">'
        "<iati-identifier>XM-DAC-41114-1</iati-identifier>"
        '<reporting-org ref="XM-DAC-41114" type="40"><narrative>UNDP</narrative></reporting-org>'
        "<title><narrative>Border management</narrative></title>"
        '<participating-org ref="XM-DAC-5-7" role="1" type="10"/>'
        '<activity-date iso-date="2019-01-01" type="2"/>'
        + transaction.format(kind="1", value="500")
        + transaction.format(kind="3", value="300")
        + "</iati-activity></iati-activities>",
        encoding="utf-8",
    )
    table = read(path).tables["transaction"]
    result = compute("donor_portfolio", table, ["donor", "type"], currency="EUR", types="1,3")
    assert rows(result, "donor", "type", "value") == [
        ("XM-DAC-41114", "3", D("300")),
        (None, "1", D("500")),  # incoming: the funder is not assumed to have paid it
    ]
    assert table["provider_inferred"].to_list() == [False, True]


def test_donor_portfolio_gives_a_government_one_key_however_its_agencies_are_named(
    tmp_path: Path,
) -> None:
    """The donors were the transactions' raw refs: BMZ's ``DE-1`` and the Federal Foreign
    Office's ``XM-DAC-5-7`` were two donors, neither the ``DEU`` of the donor table, so German
    money was split and joined nothing. A company's ``GB-COH-...`` is no government."""
    from sahel_core.io import read

    def activity(ident: str, reporter: str, body: str) -> str:
        return (
            f'<iati-activity default-currency="EUR"><iati-identifier>{ident}</iati-identifier>'
            f"{reporter}<title><narrative>Border security</narrative></title>"
            '<participating-org ref="41127" role="4" type="40"><narrative>UNODC</narrative>'
            '</participating-org><recipient-country code="NE"/>'
            f'<activity-date iso-date="2020-01-01" type="2"/>{body}</iati-activity>'
        )

    def commitment(value: str, provider: str = "") -> str:
        return (
            '<transaction><transaction-type code="2"/><transaction-date iso-date="2020-07-28"/>'
            f'<value value-date="2020-07-28">{value}</value>{provider}'
            '<receiver-org ref="41127"><narrative>UNODC</narrative></receiver-org></transaction>'
        )

    bmz = (
        '<reporting-org ref="DE-1" type="10"><narrative xml:lang="EN">Federal Ministry for '
        "Economic Cooperation and Development (BMZ)</narrative></reporting-org>"
    )
    foreign_office = (
        '<reporting-org ref="XM-DAC-5-7" type="10"><narrative>Federal Foreign Office'
        "</narrative></reporting-org>"
    )
    company = '<provider-org ref="GB-COH-123"><narrative>Consultants Ltd</narrative></provider-org>'
    path = tmp_path / "germany.xml"
    path.write_text(
        '<iati-activities version="2.03">'
        + activity("DE-1-202068278", bmz, commitment("200"))  # the reporter's: assumed
        + activity("XM-DAC-5-7-6614744", foreign_office, commitment("100"))
        + activity(
            "XM-DAC-5-7-7000001",
            foreign_office,
            commitment("50", '<provider-org ref="DE-1"/>') + commitment("30", company),
        )
        + "</iati-activities>",
        encoding="utf-8",
    )
    table = read(path).tables["transaction"]
    result = compute("donor_portfolio", table, ["donor"], currency="EUR")
    assert rows(result, "donor", "value", "records") == [
        ("DEU", D("350"), 3),
        ("GB-COH-123", D("30"), 1),
    ]
    # The refs stay, to trace each row to its source.
    assert table["provider_org"].to_list() == ["DE-1", "XM-DAC-5-7", "DE-1", "GB-COH-123"]


@pytest.mark.parametrize("types", ["abc", "2,99", " , "])
def test_donor_portfolio_refuses_types_iati_does_not_have(types: str) -> None:
    # A code no transaction has selected nothing: a total of 0 that looked like an answer.
    with pytest.raises(ValidationError, match="IATI transaction type codes") as caught:
        compute("donor_portfolio", transaction_table(), currency="EUR", types=types)
    assert caught.value.field == "types"


# -- programme figures -------------------------------------------------------------------------


def figure_table(cumulative_column: bool = False) -> pl.DataFrame:
    def row(
        ident: str,
        label: str,
        amount: str,
        unit: str,
        start: dt.date,
        end: dt.date | None,
    ) -> dict[str, Any]:
        return {
            "id": ident,
            "label": label,
            "amount": D(amount),
            "amount_unit": unit,
            "amount_low": D(amount),
            "amount_high": D(amount),
            "value": None,
            "value_currency": None,
            "as_of_earliest": start,
            "as_of_latest": end,
            "country": None,
            "drug": None,
        }

    frame = pl.DataFrame(
        [
            # cumulative: 300 then 339 activities: the latest, 339, is the figure
            row(
                "f1",
                "activities implemented",
                "300",
                "item",
                dt.date(2016, 6, 1),
                dt.date(2016, 6, 30),
            ),
            row(
                "f2",
                "activities implemented",
                "339",
                "item",
                dt.date(2017, 6, 1),
                dt.date(2017, 6, 30),
            ),
            # annual (a whole calendar year each): 20 + 25 = 45
            row(
                "f3", "cases investigated", "20", "item", dt.date(2016, 1, 1), dt.date(2016, 12, 31)
            ),
            row(
                "f4", "cases investigated", "25", "item", dt.date(2017, 1, 1), dt.date(2017, 12, 31)
            ),
        ],
        schema_overrides={
            "value": pl.Decimal(38, 9),
            "value_currency": pl.String,
            "country": pl.String,
            "drug": pl.String,
        },
    )
    if cumulative_column:
        frame = frame.with_columns(pl.Series("cumulative", [True, True, True, True]))
    return frame


def test_programme_figures_take_the_latest_cumulative_and_sum_annual() -> None:
    result = compute("programme_figures", figure_table())
    assert result.columns[:5] == ["label", "drug", "country", "unit", "value"]
    assert rows(result, "label", "value", "cumulative", "as_of", "records") == [
        ("activities implemented", D("339"), True, dt.date(2017, 6, 30), 1),
        ("cases investigated", D("45"), False, dt.date(2017, 12, 31), 2),
    ]
    assert [sorted(ids) for ids in result["record_ids"]] == [["f2"], ["f3", "f4"]]
    per_year = compute("programme_figures", figure_table(), ["year"])
    assert rows(per_year, "label", "year", "value") == [
        ("activities implemented", 2016, D("300")),
        ("activities implemented", 2017, D("339")),
        ("cases investigated", 2016, D("20")),
        ("cases investigated", 2017, D("25")),
    ]


def test_figures_of_two_drugs_are_two_figures() -> None:
    # "since 2014 ... seized over 9 kilograms of cocaine, 12 of methamphetamine"
    table = (
        figure_table()
        .head(2)
        .with_columns(
            pl.Series("drug", ["cocaine", "methamphetamine"]),
            pl.Series("label", ["seized", "seized"]),
            pl.lit("kg").alias("amount_unit"),
        )
    )
    result = compute("programme_figures", table)
    assert rows(result, "label", "drug", "unit", "value") == [
        ("seized", "cocaine", "kg", D("300")),
        ("seized", "methamphetamine", "kg", D("339")),
    ]


def test_a_cumulative_column_overrides_the_date_rule() -> None:
    result = compute("programme_figures", figure_table(cumulative_column=True))
    # Every figure cumulative: cases investigated is the latest statement, 25, not 45.
    assert rows(result, "label", "value") == [
        ("activities implemented", D("339")),
        ("cases investigated", D("25")),
    ]


def test_an_annual_figure_stated_twice_counts_once() -> None:
    """A report that repeats last year's figure ("In 2016, 120 officers were trained" in the
    2016 and the 2017 reports) added it twice. Each year counts once, the larger statement
    when they differ (as for cumulative figures on the same date); years are summed."""
    table = figure_table().filter(pl.col("label") == "cases investigated")
    again = table.head(1).with_columns(pl.lit("f3b").alias("id"))
    larger = again.with_columns(pl.lit("f3c").alias("id"), pl.lit(D(22)).cast(pl.Decimal(38, 9))
                                .alias("amount"))  # fmt: skip
    result = compute("programme_figures", pl.concat([table, again]))
    assert rows(result, "value", "low", "high", "records") == [(D(45), D(45), D(45), 2)]
    per_year = compute("programme_figures", pl.concat([again, table, larger]), ["year"])
    assert rows(per_year, "year", "value", "records") == [(2016, D(22), 1), (2017, D(25), 1)]
    assert [ids.to_list() for ids in per_year["record_ids"]] == [["f3c"], ["f4"]]


def test_cli_figures_repeated_by_a_later_report_count_once(tmp_path: Path) -> None:
    first, second = tmp_path / "r2016.txt", tmp_path / "r2017.txt"
    first.write_text("In 2016, 120 officers were trained.\n", encoding="utf-8")
    second.write_text(
        "Annual report 2017. In 2016, 120 officers were trained. "
        "In 2017, 150 officers were trained.\n",
        encoding="utf-8",
    )
    args = ["indicators", str(first), str(second), "-i", "programme_figures", "--csv"]
    out = runner.invoke(app, [*args, "--by", "year"])
    assert out.exit_code == 0, out.output
    assert [line.split(",")[4:6] for line in out.stdout.splitlines()[1:]] == [
        ["2016", "120"],
        ["2017", "150"],
    ]
    total = runner.invoke(app, args)
    assert total.stdout.splitlines()[1].split(",")[4] == "270"


# -- invariants (hypothesis) ----------------------------------------------------------------------

KEYS = ("country", "drug", "year", "month", "agency")


@settings(max_examples=40)
@given(st.lists(seizure_strategy(), max_size=10), st.lists(st.sampled_from(KEYS), unique=True))
def test_mass_and_counts_are_conserved_over_any_grouping(
    records: list[Seizure], by: list[str]
) -> None:
    table = from_entities(records, "seizure")
    total = compute("seized_mass", table)
    grouped = compute("seized_mass", table, by)
    assert grouped.columns[: len(by)] == by
    for column in ("kg", "low_kg", "records"):
        assert sum(grouped[column], D(0)) == total[column][0]
    highs = grouped["high_kg"].to_list()
    expected_high = None if None in highs else sum(highs, D(0))
    assert total["high_kg"][0] == expected_high
    for kg, low, high in grouped.select("kg", "low_kg", "high_kg").iter_rows():
        assert low <= kg and (high is None or kg <= high)
    # Every record with a mass is in exactly one cell.
    ids = [i for cell in grouped["record_ids"] for i in cell]
    assert sorted(ids) == sorted(total["record_ids"][0])
    # More keys never change the number of records counted.
    coarse = compute("seizure_count", table, by[:1])
    fine = compute("seizure_count", table, by)
    assert coarse["records"].sum() == fine["records"].sum() == len(records)


@settings(max_examples=30)
@given(st.lists(seizure_strategy(), max_size=8), st.lists(st.sampled_from(KEYS), unique=True))
def test_values_are_conserved_and_bounded(records: list[Seizure], by: list[str]) -> None:
    table = from_entities(records, "seizure")
    params: dict[str, Any] = {"currency": "EUR", "skip_unconverted": True}
    total = compute("seized_value", table, **params)
    grouped = compute("seized_value", table, by, **params)
    for column in ("value", "low", "records", "unconverted"):
        # A group where nothing converted has no figure (null), and adds nothing.
        assert sum((v for v in grouped[column] if v is not None), D(0)) == (total[column][0] or 0)
    measures = grouped.select("value", "low", "high", "records", "unconverted")
    for value, low, high, converted, skipped in measures.iter_rows():
        assert (value is None) == (low is None) == (converted == 0 < skipped)
        assert value is None or (low <= value and (high is None or value <= high))
        assert high is None or skipped == 0  # a skipped value could be any size


@settings(max_examples=30, deadline=None)
@given(st.lists(seizure_strategy(), max_size=8), st.sampled_from(["EUR", "USD", "XOF"]))
def test_seized_value_adds_what_convert_gives_each_record(records: list[Seizure], to: str) -> None:
    """Every figure is the sum of :func:`sahel_core.money.convert` of each record's value and
    bounds at its earliest day; a bound equal to the value is the value's figure."""
    table = from_entities(records, "seizure")
    result = compute("seized_value", table, currency=to, skip_unconverted=True)
    value, low, high, converted, failed, bounded = D(0), D(0), D(0), 0, 0, True
    for record in records:
        money = record.value
        if money is None:
            continue
        on = record.date.earliest if record.date else None

        def one(figure: Decimal, currency: str = money.currency, on: dt.date | None = on) -> Any:
            if on is None:  # no rate without a date; none is needed into the same currency
                return figure if currency == to else None
            try:
                return convert(Money(figure, currency), to, on=on).result.amount
            except SahelError:
                return None

        amount = one(money.amount)
        converted, failed = converted + (amount is not None), failed + (amount is None)
        value += amount or 0
        if money.low is not None:
            low += (amount if money.low == money.amount else one(money.low)) or 0
        if money.high is None:
            bounded = bounded and amount is None  # a converted value without a high bound
        elif money.high == money.amount:
            high += amount or 0
        else:
            own = one(money.high)
            bounded = bounded and own is not None
            high += own or 0
    known = converted or not failed  # a figure when some value converted (or none is stated)
    expected = (
        value if known else None,
        low if known else None,
        high if bounded and not failed else None,
        converted,
        failed,
    )
    assert rows(result, "value", "low", "high", "records", "unconverted") == [expected]


def test_aggregate_gives_what_one_group_by_gives() -> None:
    """Sums stream in one pass and lists are gathered in another: the result is the same."""
    table = pl.LazyFrame(
        {"k": ["a", "b", "a", None], "x": [1, 2, 3, 4], "y": [4, 5, 6, 7], "id": list("1234")}
    )
    measures = [
        pl.col("x").sum(),
        pl.col("id").implode().alias("ids"),
        pl.col("x", "y").implode().name.suffix("_all"),  # several columns, lists
        pl.all().exclude("k", "id").max().name.suffix("_max"),  # columns by a selector
    ]
    expected = table.group_by("k").agg(measures).sort("k", nulls_last=True).collect()
    assert aggregate(table, ["k"], measures).equals(expected)


def test_hash_collisions_change_no_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are grouped on hashes (record_ids, currency-date pairs) because it is cheaper;
    were every hash equal, the figures would be the same."""
    table = pl.concat([seizure_table(), value_table()])
    cases: list[tuple[str, dict[str, Any]]] = [
        ("seized_mass", {}),
        ("seized_value", {"currency": "USD", "with_rates": True}),
    ]
    expected = [compute(name, table, ["country", "drug"], **params) for name, params in cases]
    monkeypatch.setattr(pl.Expr, "hash", lambda self, *a, **k: self.is_null().cast(pl.UInt64) * 0)
    found = [compute(name, table, ["country", "drug"], **params) for name, params in cases]
    for before, after in zip(expected, found, strict=True):
        assert after.equals(before)


def test_indicators_leave_numpy_unimported(tmp_path: Path) -> None:
    """polars imports numpy (0.15 s) to read Decimal objects: the indicators never give it any."""
    path = tmp_path / "seizures.parquet"
    pl.concat([seizure_table(), value_table()]).write_parquet(path)
    code = (
        "import sys, polars as pl; from sahel_core.indicators import compute;"
        f" t = pl.read_parquet({str(path)!r}); compute('seized_mass', t, ['country']);"
        " compute('seized_value', t, ['country'], currency='USD'); print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@settings(max_examples=30)
@given(
    st.lists(seizure_strategy(), max_size=4),
    st.lists(st.text(max_size=8) | st.sampled_from(KEYS), max_size=3),
)
def test_fuzzed_keys_raise_only_sahel_errors(records: list[Seizure], by: list[str]) -> None:
    table = from_entities(records, "seizure")
    with contextlib.suppress(SahelError):
        compute("seized_mass", table, by)


# -- CLI ---------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def seizure_csv(tmp_path: Path) -> Path:
    path = tmp_path / "seizures.csv"
    write(seizure_table(), path, "seizure")
    return path


def test_cli_json_rows_are_keys_then_measures(seizure_csv: Path) -> None:
    out = runner.invoke(
        app,
        ["indicators", str(seizure_csv), "--indicator", "seized_mass", "--by", "country", "--json"],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [list(row) for row in data] == [["country", "kg", "low_kg", "high_kg", "records"]] * 3
    assert data[0] == {
        "country": "MLI",
        "kg": "5400",
        "low_kg": "5400",
        "high_kg": None,
        "records": 2,
    }
    assert data[1]["low_kg"] == "1.35"


def test_cli_csv_and_ids(seizure_csv: Path) -> None:
    out = runner.invoke(
        app,
        [
            "indicators",
            str(seizure_csv),
            "-i",
            "seized_mass",
            "--by",
            "country,year",
            "--csv",
            "--ids",
        ],
    )
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert lines[0] == "country,year,kg,low_kg,high_kg,records,record_ids"
    assert "MLI,2015,2700,2700,2700,1,b" in lines
    assert "NER,,1.5,1.35,1.65,1,c" in lines


def test_cli_value_json_and_out_file(seizure_csv: Path, tmp_path: Path) -> None:
    target = tmp_path / "mass.json"
    out = runner.invoke(
        app, ["indicators", str(seizure_csv), "-i", "seized_mass", "--out", str(target)]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(target.read_text())[0]["kg"] == "5404"


def test_cli_list_and_usage_errors(seizure_csv: Path) -> None:
    listed = runner.invoke(app, ["indicators", "--list", "--json"])
    assert listed.exit_code == 0
    names = {d["name"]: d for d in json.loads(listed.stdout)}
    assert {s.name for s in list_indicators()} == set(names)
    assert names["seized_value"]["params"][0] == {
        "name": "currency",
        "type": "currency",
        "default": "USD",
        "description": "ISO 4217 code to convert into",
    }
    bad_key = runner.invoke(app, ["indicators", str(seizure_csv), "-i", "seized_mass", "-b", "x"])
    assert bad_key.exit_code == 2
    bad_name = runner.invoke(app, ["indicators", str(seizure_csv), "-i", "nothing"])
    assert bad_name.exit_code == 2
    no_currency = runner.invoke(
        app, ["indicators", str(seizure_csv), "-i", "seized_mass", "--currency", "EUR"]
    )
    assert no_currency.exit_code == 2


def _json_rows(path: Path, *args: str) -> Any:
    out = runner.invoke(app, ["indicators", str(path), "-b", "country", "--json", *args])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths :func:`sahel_core.io.read` is called with from now on."""
    import sahel_core.io

    reads: list[Path] = []
    read = sahel_core.io.read

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(Path(path))
        return read(path, *args, **kwargs)

    monkeypatch.setattr(sahel_core.io, "read", counted)
    return reads


def test_cli_several_indicators_read_the_files_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-i A -i B,C gives one object of row lists, each as the indicator alone gives it."""
    path = tmp_path / "register.csv"
    path.write_text(
        "id,country,drug,date,quantity,quantity_unit,value,value_currency\n"
        "a,MLI,cocaine,2017-03-14,1.5,kg,1000000,XOF\n"
        "b,NER,cannabis_herb,2018-01-10,20,kg,5000,USD\n",
        encoding="utf-8",
    )
    reads = _count_reads(monkeypatch)
    together = _json_rows(
        path, "-i", "seized_mass", "-i", "seized_value,seizure_count", "--currency", "EUR"
    )
    assert reads == [path]
    assert list(together) == ["seized_mass", "seized_value", "seizure_count"]
    assert together["seized_mass"] == _json_rows(path, "-i", "seized_mass")
    assert together["seized_value"] == _json_rows(path, "-i", "seized_value", "--currency", "EUR")
    # 1,000,000 XOF / 655.957 (the peg); 5,000 USD / 1.1992 (ECB, 2018-01-10): 9 places.
    assert [row["value"] for row in together["seized_value"]] == [
        "1524.490172374",
        "4169.446297532",
    ]
    assert together["seizure_count"] == _json_rows(path, "-i", "seizure_count")
    tables = runner.invoke(app, ["indicators", str(path), "-i", "seized_mass,seizure_count"])
    assert tables.exit_code == 0, tables.output
    assert "seized_mass (seizure)" in tables.stdout and "seizure_count (seizure)" in tables.stdout


def test_cli_indicators_of_several_tables_read_each_file_as_what_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seizures, workshops = tmp_path / "seizures.csv", tmp_path / "workshops.csv"
    seizures.write_text("id,country,drug,quantity,quantity_unit\na,MLI,cocaine,1.5,kg\n")
    workshops.write_text(
        "id,date,country,participants,participants_unit,donors\nw,2017-06-20,NER,42,person,DNK\n"
    )
    reads = _count_reads(monkeypatch)
    both = "seized_mass,trainings_by_donor"
    out = runner.invoke(app, ["indicators", str(seizures), str(workshops), "-i", both, "--json"])
    assert out.exit_code == 0, out.output
    assert reads == [seizures, workshops]
    assert "rejected" not in out.stderr  # neither file was read as the other's entity
    found = json.loads(out.stdout)
    assert [row["kg"] for row in found["seized_mass"]] == ["1.5"]
    assert [(r["donor"], r["participants"]) for r in found["trainings_by_donor"]] == [("DNK", "42")]


def test_cli_says_when_a_file_is_read_as_another_records_than_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A seizure register given to a workshop indicator was read as workshops without a word:
    # "workshops" counted, no participants.
    path = tmp_path / "register.csv"
    path.write_text(
        "id,country,drug,date,quantity,quantity_unit,value,value_currency\n"
        "a,MLI,cocaine,2017-03-14,1.5,kg,1000000,XOF\n",
        encoding="utf-8",
    )
    assert main(["indicators", str(path), "-i", "workshop_participants", "--json"]) == 0
    err = capsys.readouterr().err
    assert f"{path}: read as workshop as asked, but its columns are a seizure table's" in err
    assert main(["indicators", str(path), "-i", "seized_mass", "--json"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ("seized_value,seized_mass", "cannot be converted to USD"),
        ("seized_mass,seized_value", "too large to add up exactly"),
    ],
)
def test_cli_several_indicators_report_the_first_failure_in_the_order_given(
    tmp_path: Path, order: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The indicators run at once, yet the error is the one the first failing indicator in
    the order given raises, as when they ran one after another."""
    path = tmp_path / "register.csv"
    huge = "9" * 28
    path.write_text(
        "id,country,drug,date,quantity,quantity_unit,value,value_currency\n"
        f"a,MLI,cocaine,2017-03-14,{huge},t,1000,KPW\n"
        f"b,MLI,cocaine,2017-03-15,{huge},t,1000,KPW\n",
        encoding="utf-8",
    )
    assert main(["indicators", str(path), "-i", order, "--json"]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-i", "seized_mass", "-i", "seized_mass"], "indicator 'seized_mass' is given twice"),
        (["-i", "seized_mass,seizure_count", "--csv"], "CSV holds one indicator"),
        (["-i", "seized_mass,seizure_count", "-o", "x.json"], "--out writes one indicator"),
        (["-i", "trainings_by_donor", "--reconcile"], "no indicator given is computed on seiz"),
        (["-i", "seized_mass,seizure_count", "-p", "zzz=1"], "no indicator given has a para"),
        (
            ["-i", "seized_mass,seizure_count", "--currency", "EUR"],
            "none of the indicators has a currency",
        ),
    ],
    ids=["twice", "csv", "out", "reconcile", "param", "currency"],
)
def test_cli_several_indicators_usage_errors(
    seizure_csv: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["indicators", str(seizure_csv), *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_human_table(seizure_csv: Path) -> None:
    out = runner.invoke(app, ["indicators", str(seizure_csv), "-i", "seizure_count", "-b", "drug"])
    assert out.exit_code == 0, out.output
    assert "cannabis_herb" in out.stdout and "records" in out.stdout


def test_cli_donors_are_grouped_under_one_name(tmp_path: Path) -> None:
    """Donors were grouped as written: "European Union" and "EU", "Japan" and "JPN" were two
    donors each, and a workshop naming the EU both ways counted under both."""
    path = tmp_path / "w2.csv"
    path.write_text(
        "id,title,date,country,participants,participants_unit,donors\n"
        "V1,T,2020-03-05,MLI,30,person,European Union;EU\n"
        "V2,T,2020-03-05,MLI,10,person,UNODC\n"
        "V3,T,2020-03-05,MLI,10,person,Japan\n"
        "V4,T,2020-03-05,MLI,10,person,JPN\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["indicators", str(path), "-i", "trainings_by_donor", "--json",
                              "--ids"])  # fmt: skip
    assert out.exit_code == 0, out.output
    found = [
        (r["donor"], r["participants"], sorted(r["record_ids"])) for r in json.loads(out.stdout)
    ]
    assert found == [
        ("European Union", "30", ["V1"]),
        ("JPN", "20", ["V3", "V4"]),
        ("UNODC", "10", ["V2"]),
    ]
    by_donor = runner.invoke(app, ["indicators", str(path), "-i", "workshop_participants",
                                   "-b", "donor", "--csv"])  # fmt: skip
    assert by_donor.stdout.splitlines()[1:] == [
        "European Union,30,30,30,1,1",
        "JPN,20,20,20,2,2",
        "UNODC,10,10,10,1,1",
    ]


def test_cli_a_file_given_twice_is_a_usage_error(
    seizure_csv: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file was read twice and its seizures counted twice, even with --reconcile."""
    monkeypatch.chdir(seizure_csv.parent)
    for again in (str(seizure_csv), seizure_csv.name, f"./{seizure_csv.name}"):
        for extra in ([], ["--reconcile"]):
            code = main(["indicators", str(seizure_csv), again, "-i", "seized_mass", *extra])
            assert code == 2
            err = capsys.readouterr().err
            assert f"{Path(again)} is given twice" in err, err


# -- Jupyter ----------------------------------------------------------------------------------


def test_entities_render_as_html_tables() -> None:
    seizure = Seizure(
        "s<1>",
        "cannabis_herb",
        Amount("2.7", "t", "more_than"),
        value=Money("13000000", "XOF"),
        date=month(2016, 5, "May 2016"),
        place=Place("MLI", "Bamako"),
        sources=(SourceRef(url="https://example.org/?a=1&b=2", quote="<b>2.7 tons</b>"),),
    )
    page = seizure._repr_html_()  # type: ignore[attr-defined]
    assert page.startswith('<table class="sahel-entity">')
    assert "Seizure s&lt;1&gt;" in page
    assert "more than 2.7 t" in page and "13,000,000 XOF" in page and "May 2016" in page
    assert "Bamako, MLI" in page
    assert 'href="https://example.org/?a=1&amp;b=2"' in page
    assert "&lt;b&gt;2.7 tons&lt;/b&gt;" in page and "<b>2.7" not in page
    assert "packaging" not in page  # empty fields are left out
    assert "<caption" in Place("NER")._repr_html_()  # type: ignore[attr-defined]


def test_the_currency_parameter_is_read_by_the_one_currency_check() -> None:
    """A currency parameter is checked by sahel_core.money.currency_code: a SahelError naming
    the field, not a bare ValueError."""
    from sahel_core.indicators import PARAM_TYPES
    from sahel_core.money import currency_code

    assert PARAM_TYPES["currency"](" xof") == currency_code(" xof") == "XOF"
    with pytest.raises(ValidationError) as info:
        PARAM_TYPES["currency"]("dollars")
    assert info.value.field == "currency"


def test_one_default_manager_lookup() -> None:
    from sahel_core import indicators, io

    assert indicators._manager is io._manager


def test_a_sum_too_large_for_its_base_unit_names_its_group_and_records() -> None:
    # "overflow in decimal multiplication" said neither where nor which records.
    big = "99999999999999999999999999999"
    table = from_entities(
        [
            Seizure("a", "cannabis", quantity=Amount(big, "t"), place=Place("NER")),
            Seizure("b", "cannabis", quantity=Amount("2", "kg"), place=Place("MLI")),
        ]
    )
    with pytest.raises(ValidationError, match=r"in t of country=NER .* exactly: records a$"):
        compute("seized_mass", table, ["country"])
    # Two sums that each fit but not together, in one unit or in two.
    nine = "90000000000000000000000000000"
    for units in (("kg", "kg"), ("kg", "g")):
        table = from_entities(
            [
                Seizure(i, "cannabis", quantity=Amount(nine, u))
                for i, u in zip("cd", units, strict=True)
            ]
        )
        with pytest.raises(ValidationError, match=r"quantities in kg are too large .*: records c"):
            compute("seized_mass", table)
