"""Extraction of halves, plural nationalities, lists of places and dates told relative to the
page's: each test fails without the rule it names (see sahel_core.extract's docstring)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sahel_core.entities import SourceRef
from sahel_core.extract import extract


def one(text: str, kind: str, **options: Any) -> dict[str, Any]:
    records = [r.as_dict() for r in extract(text, **options).of_kind(kind)]
    assert len(records) == 1, records
    return records[0]


def figure(data: dict[str, Any]) -> tuple[Decimal, str, str]:
    return Decimal(data["magnitude"]), data["unit"], data["text"]


# --- halves -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two and a half tons", (Decimal("2.5"), "t")),
        ("2 and a half tons", (Decimal("2.5"), "t")),
        ("a ton and a half", (Decimal("1.5"), "t")),  # was read as 1 t
        ("more than two and a half tons", (Decimal("2.5"), "t")),
        ("half a ton", (Decimal("0.5"), "t")),
    ],
)
def test_an_english_half_is_part_of_the_quantity(text: str, expected: tuple[Any, ...]) -> None:
    found = one(f"Customs seized {text} of cannabis in Bamako in May 2016.", "seizure")
    assert figure(found["quantity"]) == (*expected, text)


_EN = "In May 2016 customs seized 2 kg of cocaine worth {} in Bamako."
_FR = "En mai 2016, la douane a saisi 2 kg de cocaïne d'une valeur {} à Bamako."


@pytest.mark.parametrize(
    ("sentence", "text", "amount"),
    [
        (_EN, "half a million CFA francs", "500000"),
        (_EN, "two and a half million CFA francs", "2500000"),
        (_EN, "a million dollars", "1000000"),
        (_FR, "deux millions et demi de FCFA", "2500000"),  # was 0.5 XOF
        (_FR, "un demi-million de FCFA", "500000"),
    ],
)
def test_a_half_of_a_scale_word_is_part_of_the_sum(sentence: str, text: str, amount: str) -> None:
    found = one(sentence.format(f"de {text}" if sentence is _FR else text), "seizure")
    assert [(Decimal(v["amount"]), v["text"]) for v in found["value"]] == [(Decimal(amount), text)]


def test_a_half_before_another_unit_is_not_the_quantity_s() -> None:
    found = one("In May 2016 customs seized 2 kg and a half kilogram of heroin.", "seizure")
    assert figure(found["quantity"]) == (Decimal(2), "kg", "2 kg")


# --- plural nationalities ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "quote"),
    [
        ("In May 2016, two Nigerians and a Malian were arrested in Niamey.", 3,
         "two Nigerians and a Malian"),
        ("En mai 2016, deux Nigérians et un Malien ont été interpellés à Niamey.", 3,
         "deux Nigérians et un Malien"),
        ("In May 2016, police arrested two Nigerians and three Malians in Niamey.", 5,
         "two Nigerians and three Malians"),
        ("In May 2016, two Nigerians and three Malians were arrested in Niamey.", 5,
         "two Nigerians and three Malians"),
        ("In May 2016, police arrested 2 suspects, 3 Malians and a Ghanaian in Niamey.", 6,
         "2 suspects, 3 Malians and a Ghanaian"),
        ("In May 2016, 12 Senegalese were arrested in Dakar.", 12, "12"),
    ],
)  # fmt: skip
def test_plural_nationalities_count_the_people_arrested(text: str, count: int, quote: str) -> None:
    found = one(text, "operation")
    assert (Decimal(found["arrested"]["magnitude"]), found["arrested"]["text"]) == (count, quote)


def test_a_plural_demonym_after_a_noun_describes_it() -> None:
    found = one("En mai 2016, la police a interpellé les chauffeurs de deux camions maliens à "
                "Niamey.", "operation")  # fmt: skip
    assert found["arrested"] is None


# --- lists of places --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "places", ["in Mali and Niger", "in Bamako and Niamey", "à Bamako et à Niamey"]
)
def test_a_seizure_placed_in_several_countries_claims_none(places: str) -> None:
    found = one(f"In May 2016, the OCS seized 3 tons of cannabis {places}.", "seizure")
    assert (found["country"], found["place"]) == (None, None)  # not MLI, nor the OCS's
    assert found["flags"] and "keeps no place" in found["flags"][0]


def test_a_seizure_placed_in_several_localities_of_one_country_keeps_the_country() -> None:
    found = one("In May 2016, customs seized 3 tons of cannabis in Bamako and Ségou.", "seizure")
    assert (found["country"], found["place"]) == ("MLI", None)
    assert found["flags"] == [
        "places: Bamako, Ségou: the record holds one place, so it keeps their country, MLI"
    ]


def test_a_locality_and_its_country_are_one_place() -> None:
    found = one("In May 2016, customs seized 3 tons of cannabis in Gao, Mali.", "seizure")
    assert (found["country"], found["place"], found["flags"]) == ("MLI", "Gao", [])


def test_a_figure_keeps_every_country_of_a_list() -> None:
    text = "Since 2014, customs have seized 30 tons of cannabis in Bamako and Niamey."
    found = one(text, "figure")
    assert (found["place"], found["countries"]) == (None, ["MLI", "NER"])
    found = one(text.replace("Bamako and Niamey", "Mali and Niger"), "figure")
    assert (found["place"], found["countries"], found["flags"]) == (None, ["MLI", "NER"], [])


# --- dates relative to the page's -------------------------------------------------------------


def test_since_runs_to_the_page_s_date() -> None:
    text = "NIAMEY, 12 May 2016 - Since 2014, the OCRTIS has seized over 9 kilograms of cocaine."
    date = one(text, "figure")["date"]
    assert (date["text"], date["earliest"], date["latest"]) == (
        "since 2014", "2014-01-01", "2016-05-12"
    )  # fmt: skip
    source = SourceRef(file="x.txt", published=dt.date(2017, 6, 1))
    found = one("Since 2014, the OCS has seized over 9 kilograms of cocaine.", "figure",
                source=source)  # fmt: skip
    assert found["date"]["latest"] == "2017-06-01"
    found = one("Since 2014, the OCS has seized over 9 kilograms of cocaine.", "figure")
    assert found["date"]["latest"] is None  # no page date: the period has no known end


@pytest.mark.parametrize(
    ("words", "earliest", "latest"),
    [
        ("last week", "2016-02-29", "2016-03-11"),  # Saturday 12 March: either "last week"
        ("yesterday", "2016-03-11", "2016-03-11"),
        ("last month", "2016-02-01", "2016-02-29"),
        ("earlier this month", "2016-03-01", "2016-03-12"),
        ("last year", "2015-01-01", "2015-12-31"),
    ],
)
def test_a_date_relative_to_the_dateline_is_the_span_it_may_mean(
    words: str, earliest: str, latest: str
) -> None:
    text = f"DAKAR, 12 March 2016 - Senegalese customs seized 2 kg of cocaine {words} in Dakar."
    date = one(text, "seizure")["date"]
    assert (date["text"], date["earliest"], date["latest"]) == (words, earliest, latest)


def test_relative_dates_in_french_and_in_later_sentences() -> None:
    text = ("Dakar, le 16 mars 2019 – La douane a fait une saisie record. Elle a saisi 2 kg de "
            "cocaïne la semaine dernière à Dakar.")  # fmt: skip
    date = one(text, "seizure")["date"]
    assert (date["earliest"], date["latest"]) == ("2019-03-04", "2019-03-15")


def test_without_a_page_date_a_relative_date_dates_nothing() -> None:
    found = one("Senegalese customs seized 2 kg of cocaine last week in Dakar.", "seizure")
    assert found["date"] is None


def test_the_dateline_still_dates_a_sentence_that_states_no_date() -> None:
    text = "DAKAR, 12 March 2016 - Senegalese customs seized 2 kg of cocaine in Dakar."
    assert one(text, "seizure")["date"]["earliest"] == "2016-03-12"
