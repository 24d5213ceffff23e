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
        ("a half kilogram", (Decimal("0.5"), "kg")),
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
        ("In May 2016, police arrested 3 Malians and 1 Ghanaian in Niamey.", 4,
         "3 Malians and 1 Ghanaian"),
    ],
)  # fmt: skip
def test_plural_nationalities_count_the_people_arrested(text: str, count: int, quote: str) -> None:
    found = one(text, "operation")
    assert (Decimal(found["arrested"]["magnitude"]), found["arrested"]["text"]) == (count, quote)


@pytest.mark.parametrize(
    "text",
    [
        "In May 2016, police arrested 5 suspects, including two Nigerians and a Malian, in Niamey.",
        "En mai 2016, la police a interpellé 5 suspects, dont deux Nigérians et un Malien, à "
        "Niamey.",
        "In May 2016, police arrested 5 suspects, including a Malian, in Niamey.",
    ],
)
def test_people_named_among_a_count_are_part_of_it(text: str) -> None:
    """A list after "including" / "dont" ends in "a Malian" too: it is part of the 5, not a
    count of other people elsewhere in the sentence."""
    found = one(text, "operation")
    assert Decimal(found["arrested"]["magnitude"]) == 5


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


def test_a_country_after_a_place_named_with_aux_is_where_that_place_is() -> None:
    found = one("La douane a saisi 2 kg de cocaïne aux Almadies, Sénégal, le 3 mai 2016.",
                "seizure")  # fmt: skip
    assert (found["country"], found["place"]) == ("SEN", None)


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


@pytest.mark.parametrize(
    ("text", "kind", "earliest", "latest"),
    [
        ("NIAMEY, 12 May 2016 - Yesterday, in Agadez, customs seized 2 tons of cannabis.",
         "seizure", "2016-05-11", "2016-05-11"),
        ("NIAMEY, 12 mai 2016 - Hier, à Agadez, les douanes ont saisi 2 tonnes de cannabis.",
         "seizure", "2016-05-11", "2016-05-11"),
        ("NIAMEY, 12 May 2016 - Yesterday, according to police, customs seized 2 tons of "
         "cannabis in Agadez.", "seizure", "2016-05-11", "2016-05-11"),
        ("NIAMEY, 12 mai 2016 - La semaine dernière, à Zinder, la police a interpellé trois "
         "Nigérians.", "operation", "2016-05-02", "2016-05-11"),
        # Past the first figure a comma parts the clauses again.
        ("NIAMEY, 12 May 2016 - Yesterday, customs seized 2 tons of cannabis, compared with 1 "
         "ton of cocaine seized last year.", "seizure", "2016-05-11", "2016-05-11"),
    ],
)  # fmt: skip
def test_a_relative_date_opening_the_sentence_dates_past_its_commas(
    text: str, kind: str, earliest: str, latest: str
) -> None:
    records = [r.as_dict() for r in extract(text).of_kind(kind)]
    date = records[0]["date"]
    assert (date["earliest"], date["latest"]) == (earliest, latest)


def test_without_a_page_date_a_relative_date_dates_nothing() -> None:
    found = one("Senegalese customs seized 2 kg of cocaine last week in Dakar.", "seizure")
    assert found["date"] is None


def test_the_dateline_still_dates_a_sentence_that_states_no_date() -> None:
    text = "DAKAR, 12 March 2016 - Senegalese customs seized 2 kg of cocaine in Dakar."
    assert one(text, "seizure")["date"]["earliest"] == "2016-03-12"


# --- a relative date against a stated one, and its clause -------------------------------------


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("NOUAKCHOTT, 2 February 2017 - Mauritanian customs said yesterday that they seized 1.2 "
         "tons of cocaine on 15 January 2017 in Nouadhibou.", "2017-01-15", "2017-01-15"),
        ("DAKAR, 12 March 2016 – The minister, who arrived yesterday, said 2 tons of cannabis "
         "were seized in Kaolack on 3 March 2016.", "2016-03-03", "2016-03-03"),
        # A relative date of another clause: the dateline's date, as for a sentence with none.
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez, compared with 1 ton "
         "seized last year.", "2016-05-12", "2016-05-12"),
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez, following a tip "
         "received last month.", "2016-05-12", "2016-05-12"),
        ("NIAMEY, 12 May 2016 - Customs, who last year received UNODC training, seized 2 tons "
         "of cannabis in Agadez.", "2016-05-12", "2016-05-12"),
        ("NIAMEY, 12 mai 2016 - La douane a saisi 2 tonnes de cannabis à Agadez, après une "
         "formation reçue l'année dernière.", "2016-05-12", "2016-05-12"),
        ("DAKAR, 12 March 2016 - Yesterday, the minister said that customs had seized 2 tons of "
         "cannabis in Kaolack.", "2016-03-12", "2016-03-12"),
        # In the record's clause, or opening the sentence, it dates the record.
        ("DAKAR, 12 March 2016 - Yesterday, customs seized 2 tons of cannabis in Kaolack.",
         "2016-03-11", "2016-03-11"),
        ("DAKAR, 12 mars 2016 - Hier, la douane a saisi 2 tonnes de cannabis à Kaolack.",
         "2016-03-11", "2016-03-11"),
        ("DAKAR, 12 March 2016 - Customs seized 2 tons of cannabis yesterday in Kaolack and "
         "Ziguinchor.", "2016-03-11", "2016-03-11"),
    ],
)  # fmt: skip
def test_a_stated_date_beats_a_relative_one_and_a_relative_date_keeps_to_its_clause(
    text: str, earliest: str, latest: str
) -> None:
    date = one(text, "seizure")["date"]
    assert (date["earliest"], date["latest"]) == (earliest, latest)


def test_each_seizure_of_a_sentence_takes_the_relative_date_of_its_own_clause() -> None:
    text = ("DAKAR, 12 March 2016 - Customs seized 2 kg of cocaine yesterday and 3 kg of heroin "
            "on 6 March 2016.")  # fmt: skip
    dates = [r.as_dict()["date"]["earliest"] for r in extract(text).of_kind("seizure")]
    assert dates == ["2016-03-11", "2016-03-06"]


def test_an_arrest_takes_no_relative_date_of_another_clause() -> None:
    text = ("DAKAR, 12 March 2016 - Police arrested 3 suspects in Dakar, following a tip received "
            "last month.")  # fmt: skip
    assert one(text, "operation")["date"]["earliest"] == "2016-03-12"
    text = "DAKAR, 12 March 2016 - Police arrested 3 suspects in Dakar yesterday."
    assert one(text, "operation")["date"]["earliest"] == "2016-03-11"


@pytest.mark.parametrize(
    ("words", "earliest"),
    [
        ("Since last year, customs have", "2015-01-01"),
        ("Depuis l'année dernière, la douane a", "2015-01-01"),
        ("Since the beginning of the year, customs have", "2016-01-01"),
        ("Depuis le début de l'année, la douane a", "2016-01-01"),
    ],
)
def test_since_a_relative_date_runs_to_the_page_s_date(words: str, earliest: str) -> None:
    seized = (
        "seized 30 tons of cannabis" if words.startswith("S") else "saisi 30 tonnes de cannabis"
    )
    found = one(f"DAKAR, 12 March 2016 - {words} {seized} in Senegal.", "figure")
    assert (found["date"]["earliest"], found["date"]["latest"]) == (earliest, "2016-03-12")


@pytest.mark.parametrize(
    "text",
    [
        "NIAMEY, Thursday 12 May 2016 - Customs seized 2 tons of cannabis in Agadez yesterday.",
        "NIAMEY, jeudi 12 mai 2016 - La douane a saisi 2 tonnes de cannabis à Agadez hier.",
    ],
)
def test_a_dateline_may_name_the_weekday(text: str) -> None:
    date = one(text, "seizure")["date"]
    assert (date["earliest"], date["latest"]) == ("2016-05-11", "2016-05-11")


# --- a relative date of the record's own clause, however the clause is written -------------------


def dated(text: str, kind: str = "seizure") -> list[tuple[str, str]]:
    """The earliest and latest day of each record of ``kind``."""
    return [(r["date"]["earliest"], r["date"]["latest"])
            for r in (x.as_dict() for x in extract(text).of_kind(kind))]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # Between commas before the figure: it dates what follows, as at the sentence's start.
        ("NIAMEY, 12 May 2016 - Customs seized, yesterday, 2 tons of cannabis in Agadez.",
         ("2016-05-11", "2016-05-11")),
        # After the verb of a relative clause that tells of the record itself.
        ("NIAMEY, 12 May 2016 - The OCRTIS showed the press the 2 tons of cannabis which were "
         "seized last week in Agadez.", ("2016-05-02", "2016-05-11")),
        ("NIAMEY, 12 mai 2016 - L'OCRTIS a présenté les 2 tonnes de cannabis qui ont été saisies "
         "la semaine dernière à Agadez.", ("2016-05-02", "2016-05-11")),
        # A possessive: this year's seizure, and the figure in apposition is it.
        ("NIAMEY, 12 May 2016 - The OCRTIS made this year's largest seizure, 2 tons of cannabis, "
         "in Agadez.", ("2016-01-01", "2016-05-12")),
        # The relative clause is the seizure's own: its date is the seizure's.
        ("NIAMEY, 12 mai 2016 - Les gendarmes qui ont saisi hier 2 tonnes de cannabis à Agadez "
         "ont été décorés.", ("2016-05-11", "2016-05-11")),
        # A relative clause about someone else, or about what happened to the drugs before:
        # its date is its own verb's, and the dateline dates the seizure.
        ("NIAMEY, 12 May 2016 - The gendarmes who arrived yesterday seized 2 t of cannabis in "
         "Agadez.", ("2016-05-12", "2016-05-12")),
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis which had arrived from Ghana "
         "last week.", ("2016-05-12", "2016-05-12")),
    ],
)  # fmt: skip
def test_a_relative_date_dates_the_record_of_its_own_clause_however_it_is_set_off(
    text: str, span: tuple[str, str]
) -> None:
    assert dated(text) == [span]


def test_a_relative_clause_on_drugs_seized_does_not_date_their_destruction() -> None:
    text = ("NIAMEY, 12 May 2016 - Police burnt the 2 tons of cannabis which were seized last week "
            "in Agadez.")  # fmt: skip
    assert dated(text, "operation") == [("2016-05-12", "2016-05-12")]


@pytest.mark.parametrize(
    ("text", "kind", "spans"),
    [
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez yesterday, after a tip "
         "received on 2 May 2016.", "seizure", [("2016-05-11", "2016-05-11")]),
        ("DAKAR, 12 March 2016 - Police arrested 3 suspects in Dakar yesterday, after a tip "
         "received on 2 March 2016.", "operation", [("2016-03-11", "2016-03-11")]),
        # Each its own: the 1 ton is another seizure of cannabis, seized on the date stated.
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez yesterday, after "
         "seizing 1 ton on 2 May 2016.", "seizure",
         [("2016-05-11", "2016-05-11"), ("2016-05-02", "2016-05-02")]),
        ("NIAMEY, 12 May 2016 - Customs seized 2 t of cannabis in Agadez yesterday, compared with "
         "1 t in 2014.", "seizure", [("2016-05-11", "2016-05-11")]),
    ],
)  # fmt: skip
def test_a_relative_date_of_the_record_s_clause_beats_a_date_stated_in_another(
    text: str, kind: str, spans: list[tuple[str, str]]
) -> None:
    assert dated(text, kind) == spans


def test_the_date_of_a_quantity_compared_with_a_seizure_is_not_the_seizure_s() -> None:
    text = ("NIAMEY, 12 May 2016 - Customs seized 2 t of cannabis in Agadez, compared with 1 t in "
            "2014.")  # fmt: skip
    found = one(text, "seizure")
    assert (found["quantity"]["text"], found["date"]) == ("2 t", None)


def test_a_second_quantity_of_the_same_drug_is_a_seizure_of_its_own() -> None:
    text = ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez yesterday and 1 ton "
            "in Zinder last week.")  # fmt: skip
    found = [r.as_dict() for r in extract(text).of_kind("seizure")]
    assert [(r["drug"], r["quantity"]["text"], r["place"], r["date"]["text"]) for r in found] == [
        ("cannabis", "2 tons", "Agadez", "yesterday"),
        ("cannabis", "1 ton", "Zinder", "last week"),
    ]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("NIAMEY, 12 May 2016 - Customs seized 3 tons of cannabis yesterday, including 1 ton in "
         "Zinder.", "1 ton in Zinder"),
        ("NIAMEY, 12 mai 2016 - La douane a saisi 3 tonnes de cannabis hier, dont 1 tonne à "
         "Zinder.", "1 tonne à Zinder"),
        ("NIAMEY, 12 May 2016 - Customs seized 3 tons of cannabis yesterday: 2 tons in Agadez and "
         "1 ton in Zinder.", "2 tons in Agadez, 1 ton in Zinder"),
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis, 1.5 tons in Agadez and 500 kg "
         "in Zinder.", "1.5 tons in Agadez, 500 kg in Zinder"),
    ],
)  # fmt: skip
def test_the_place_of_a_part_of_a_total_is_not_the_total_s(text: str, parts: str) -> None:
    found = one(text, "seizure")
    assert (found["place"], found["country"]) == (None, None)
    assert found["flags"] == [
        f"parts: {parts}: parts of the total, not records of their own; their places are not "
        "the record's"
    ]


def test_a_total_keeps_the_place_its_own_clause_gives() -> None:
    text = ("NIAMEY, 12 May 2016 - In Agadez, customs seized 3 tons of cannabis yesterday, "
            "including 1 ton in Zinder.")  # fmt: skip
    assert one(text, "seizure")["place"] == "Agadez"


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis worth CFA 100 million in Agadez "
         "yesterday and 1 ton worth CFA 50 million in Zinder last week.",
         ["100000000", "50000000"]),
        ("NIAMEY, 12 mai 2016 - La douane a saisi 2 tonnes de cannabis d'une valeur de 100 "
         "millions de FCFA à Agadez hier et 1 tonne d'une valeur de 50 millions de FCFA à Zinder "
         "la semaine dernière.", ["100000000", "50000000"]),
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis worth CFA 100 million in Agadez "
         "yesterday and 1 ton in Zinder last week.", ["100000000", None]),
    ],
)  # fmt: skip
def test_each_seizure_of_a_sentence_takes_the_value_of_its_own_part(
    text: str, values: list[str | None]
) -> None:
    found = extract(text)
    seizures = [r.as_dict() for r in found.of_kind("seizure")]
    assert [s["value"][0]["amount"] if s["value"] else None for s in seizures] == values
    assert [s["value"][0]["currency"] for s in seizures if s["value"]] == ["XOF"] * sum(
        v is not None for v in values
    )
    assert not found.of_kind("figure")  # no sum left over to make a figure of its own


def test_a_sum_after_the_last_of_several_seizures_is_pinned_on_none() -> None:
    # It may be the value of them all.
    found = extract("NIAMEY, 12 May 2016 - Customs seized 2 kg of cocaine and 3 kg of heroin "
                    "worth CFA 100 million in Agadez.")  # fmt: skip
    assert [r.as_dict()["value"] for r in found.of_kind("seizure")] == [[], []]
    assert [r.as_dict()["value"][0]["amount"] for r in found.of_kind("figure")] == ["100000000"]


@pytest.mark.parametrize(
    "text",
    [
        # The parts of a total are no seizures of their own.
        "NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis, 1.5 tons in Agadez and 500 kg in "
        "Zinder.",
        # Nor are people counted after a quantity.
        "NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis and arrested 3 people in Agadez.",
    ],
)
def test_a_quantity_after_a_seizure_s_is_not_always_another_seizure(text: str) -> None:
    assert len(extract(text).of_kind("seizure")) == 1


# --- weekdays and days ago ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("on Tuesday", "2016-05-10"),
        ("on Thursday", "2016-05-12"),  # a release of Thursday: that Thursday
        ("last Thursday", "2016-05-05"),  # the one before
        ("three days ago", "2016-05-09"),
    ],
)
def test_a_weekday_or_days_ago_is_read_from_the_page_s_date(words: str, day: str) -> None:
    # 12 May 2016 is a Thursday.
    text = f"NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez {words}."
    date = one(text, "seizure")["date"]
    assert (date["earliest"], date["latest"]) == (day, day)


@pytest.mark.parametrize(
    ("words", "day"),
    [("mardi", "2016-05-10"), ("jeudi dernier", "2016-05-05"), ("il y a 3 jours", "2016-05-09")],
)
def test_a_french_weekday_or_days_ago_is_read_from_the_page_s_date(words: str, day: str) -> None:
    text = f"NIAMEY, 12 mai 2016 - La douane a saisi 2 tonnes de cannabis à Agadez {words}."
    date = one(text, "seizure")["date"]
    assert (date["text"], date["earliest"], date["latest"]) == (words, day, day)


def test_a_weekday_before_a_date_is_that_date_s() -> None:
    text = "NIAMEY, Thursday 12 May 2016 - Customs seized 2 tons of cannabis in Agadez."
    assert one(text, "seizure")["date"]["text"] == "12 May 2016"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("NIAMEY, 12 May 2016 - On Tuesday, gendarmes seized 400 grams of cocaine in Maradi.",
         "Tuesday"),
        ("NIAMEY, 12 May 2016 - On Tuesday, 10 May, gendarmes seized 400 grams of cocaine in "
         "Maradi.", "Tuesday, 10 May"),
        ("NIAMEY, 12 May 2016 - Gendarmes seized 400 grams of cocaine in Maradi on Tuesday 10 "
         "May.", "Tuesday 10 May"),
        ("NIAMEY, 12 mai 2016 - Le mardi 10 mai, les gendarmes ont saisi 400 grammes de cocaïne "
         "à Maradi.", "mardi 10 mai"),
        ("NIAMEY, 12 mai 2016 - Ce mardi, les gendarmes ont saisi 400 grammes de cocaïne à "
         "Maradi.", "mardi"),
        # In a later sentence, where no dateline dates it otherwise.
        ("NIAMEY, 12 May 2016 - Customs seized 2 tons of cannabis in Agadez. On Tuesday, "
         "gendarmes seized 400 grams of cocaine in Maradi.", "Tuesday"),
    ],
)  # fmt: skip
def test_a_weekday_after_on_or_le_opening_the_sentence_dates_past_its_comma(
    text: str, words: str
) -> None:
    date = [r.as_dict()["date"] for r in extract(text).of_kind("seizure")][-1]
    assert (date["text"], date["earliest"], date["latest"]) == (words, "2016-05-10", "2016-05-10")


def test_a_weekday_and_a_day_of_a_month_are_of_the_year_that_ends_on_the_page_s_date() -> None:
    text = ("NIAMEY, 5 January 2016 - On Tuesday, 29 December, gendarmes seized 400 grams of "
            "cocaine in Maradi.")  # fmt: skip
    date = one(text, "seizure")["date"]
    assert (date["earliest"], date["latest"]) == ("2015-12-29", "2015-12-29")


# --- running totals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NIAMEY, 12 May 2016 - This year, customs have already seized 2 tons of cannabis in Niger.",
        "NIAMEY, 12 mai 2016 - Cette année, la douane a déjà saisi 2 tonnes de cannabis au Niger.",
    ],
)
def test_what_has_already_been_seized_is_a_running_total_not_a_seizure(text: str) -> None:
    found = one(text, "figure")
    assert (found["label"], found["date"]["earliest"], found["date"]["latest"]) == (
        "seized", "2016-01-01", "2016-05-12"
    )  # fmt: skip
    assert not extract(text).of_kind("seizure")


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("NIAMEY, 12 mai 2016 - Depuis le début de l'année, l'OCS a déjà saisi 12 tonnes de "
         "cannabis.", "MLI"),  # the OCS is Mali's
        ("NIAMEY, 12 May 2016 - Since 2014, the OCRTIS has seized over 9 kilograms of cocaine.",
         "NER"),
    ],
)  # fmt: skip
def test_a_running_total_is_placed_in_the_country_of_its_agency_as_a_seizure_is(
    text: str, country: str
) -> None:
    found = one(text, "figure")
    assert (found["country"], found["place"], found["countries"]) == (country, None, [country])


@pytest.mark.parametrize(
    "text",
    [
        "NIAMEY, 12 May 2016 - Customs seized 3 tons of cannabis in Agadez, bringing the total "
        "seized this year to 10 tons.",
        "NIAMEY, 12 mai 2016 - La douane a saisi 3 tonnes de cannabis à Agadez, portant ainsi le "
        "total des saisies de cette année à 10 tonnes.",
    ],
)
def test_a_total_brought_to_a_quantity_is_a_running_total_beside_the_seizure(text: str) -> None:
    seizure, total = one(text, "seizure"), one(text, "figure")
    assert (seizure["quantity"]["magnitude"], seizure["place"]) == ("3", "Agadez")
    assert (total["label"], total["drug"], total["quantity"]["text"]) == (
        "seized", "cannabis", "10 tons" if "tons" in text else "10 tonnes"
    )  # fmt: skip
    assert (total["date"]["earliest"], total["date"]["latest"]) == ("2016-01-01", "2016-05-12")
    assert total["place"] is None  # the seizure's place is not the year's total's


@pytest.mark.parametrize(
    "words",
    [
        "Since the beginning of the year 2015, customs have seized",
        "Depuis le début de l'année 2015, la douane a saisi",
    ],
)
def test_since_the_start_of_a_named_year_is_open_up_to_the_page_s_date(words: str) -> None:
    found = one(f"NIAMEY, 12 May 2016 - {words} 30 tons of cannabis in Niger.", "figure")
    assert (found["date"]["earliest"], found["date"]["latest"]) == ("2015-01-01", "2016-05-12")


# --- the agency that seized -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        # The source that speaks did not seize.
        ("NIAMEY, 12 May 2016 - Niger customs seized 2 tons of cannabis in Agadez yesterday, the "
         "Central Office for the Repression of Illicit Drug Trafficking (OCRTIS) said.", None),
        ("NIAMEY, 12 mai 2016 - La douane nigérienne a saisi 2 tonnes de cannabis à Agadez, a "
         "indiqué l'OCRTIS.", None),
        ("NIAMEY, 12 May 2016 - According to the OCRTIS, customs seized 2 tons of cannabis in "
         "Agadez.", None),
        # The subject of the seizure word, or the agent of a passive.
        ("NIAMEY, 12 May 2016 - The OCRTIS seized 2 tons of cannabis in Agadez, the minister "
         "said.", "OCRTIS-NER"),
        ("NIAMEY, 12 mai 2016 - 2 tonnes de cannabis ont été saisies à Agadez par l'OCRTIS.",
         "OCRTIS-NER"),
    ],
)  # fmt: skip
def test_the_agency_of_a_seizure_is_the_one_that_seized(text: str, agency: str | None) -> None:
    assert one(text, "seizure")["agencies"] == ([agency] if agency else [])


# --- lists of places: operations and workshops ------------------------------------------------


def test_an_arrest_in_several_countries_claims_none_of_them() -> None:
    found = one("In May 2016, police arrested 3 suspects in Mali and Niger.", "operation")
    assert (found["country"], found["place"], found["countries"]) == (None, None, ["MLI", "NER"])
    assert found["flags"] == [
        "places: Mali, Niger: the record holds one place, so it keeps their countries"
    ]


def test_a_destruction_in_several_localities_of_one_country_keeps_the_country() -> None:
    found = one("In May 2016, UNODC destroyed 3 tons of cannabis in Niamey and Zinder.",
                "operation")  # fmt: skip
    assert (found["country"], found["place"]) == ("NER", None)
    assert found["flags"] == [
        "places: Niamey, Zinder: the record holds one place, so it keeps their country, NER"
    ]


@pytest.mark.parametrize(
    ("places", "country", "kept"),
    [
        ("in Dakar and Thiès", "SEN", "their country, SEN"),
        ("in Dakar and Niamey", None, "no place"),
    ],
)
def test_a_workshop_held_in_a_list_of_places_keeps_no_one_of_them(
    places: str, country: str | None, kept: str
) -> None:
    found = one(f"In May 2016, a workshop on drug trafficking was held {places}.", "workshop")
    assert (found["country"], found["place"]) == (country, None)
    assert found["flags"] and found["flags"][0].endswith(f"so it keeps {kept}")


# --- people counted ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "low", "high"),
    [
        ("In May 2016, police arrested two Burkinabe and one Nigerien in Niamey.", 3, 3, 3),
        ("In May 2016, a Nigerian and a Malian were arrested in Niamey.", 2, 2, 2),
        ("In May 2016, police arrested a Nigerian, a Malian and two Ghanaians in Niamey.", 4, 4,
         4),
        ("In May 2016, police arrested three Nigerian traffickers and two Malian accomplices in "
         "Niamey.", 5, 5, 5),
        ("En mai 2016, trois passeurs et deux complices ont été interpellés à Niamey.", 5, 5, 5),
        # The bounds of a sum are the sums of the bounds: about 10 is 9 to 11.
        ("In May 2016, police arrested about 10 suspects and 3 Ghanaians in Niamey.", 13, 12, 14),
        ("In May 2016, police arrested 12 suspects, including 3 women, in Niamey.", 12, 12, 12),
    ],
)  # fmt: skip
def test_a_list_of_people_is_counted_whole(text: str, count: int, low: int, high: int) -> None:
    arrested = one(text, "operation")["arrested"]
    assert tuple(Decimal(arrested[k]) for k in ("magnitude", "low", "high")) == (count, low, high)


@pytest.mark.parametrize(
    "text",
    [
        "NIAMEY, 12 May 2016 - Between 10 and 12 suspects were arrested in Agadez.",
        "NIAMEY, 12 mai 2016 - La police a interpellé entre 10 et 12 suspects à Agadez.",
    ],
)
def test_a_range_of_people_arrested_is_a_range(text: str) -> None:
    arrested = one(text, "operation")["arrested"]
    assert (arrested["qualifier"], arrested["low"], arrested["high"]) == ("range", "10", "12")


def test_a_range_of_participants_is_a_range() -> None:
    text = "A workshop held in Dakar on 3 May 2016 gathered between 30 and 40 customs officers."
    participants = one(text, "workshop")["participants"]
    assert (participants["low"], participants["high"], participants["text"]) == (
        "30", "40", "between 30 and 40 customs officers"
    )  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "NIAMEY, 12 May 2016 - Police arrested between ten and twelve suspects in Agadez.",
        "NIAMEY, 12 mai 2016 - La police a interpellé entre dix et douze personnes à Agadez.",
    ],
)
def test_a_range_of_people_in_words_is_a_range(text: str) -> None:
    arrested = one(text, "operation")["arrested"]
    assert (arrested["qualifier"], arrested["low"], arrested["high"]) == ("range", "10", "12")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("NIAMEY, 12 May 2016 - Customs seized between two and three tons of cannabis in Agadez.",
         "between two and three tons"),
        ("NIAMEY, 12 mai 2016 - La douane a saisi de deux à trois tonnes de cannabis à Agadez.",
         "deux à trois tonnes"),
    ],
)  # fmt: skip
def test_a_range_of_a_quantity_in_words_is_a_range(text: str, words: str) -> None:
    quantity = one(text, "seizure")["quantity"]
    assert (quantity["qualifier"], quantity["low"], quantity["high"], quantity["text"]) == (
        "range", "2", "3", words
    )  # fmt: skip


def test_two_burkinabe_trucks_are_no_people() -> None:
    found = one("In May 2016, police stopped two Burkinabe trucks and arrested 3 suspects in "
                "Niamey.", "operation")  # fmt: skip
    assert Decimal(found["arrested"]["magnitude"]) == 3


@pytest.mark.parametrize(
    "text",
    [
        "In May 2016, two Nigerians were arrested in Niamey and three Malians in Gao.",
        "In May 2016, police arrested 2 suspects in Niamey and 3 in Gao.",
        "In May 2016, two Nigerians were arrested in Niamey and a Malian in Gao.",
    ],
)
def test_counts_of_people_in_several_clauses_give_no_count_rather_than_too_low_a_one(
    text: str,
) -> None:
    found = extract(text)
    (operation,) = [r.as_dict() for r in found.of_kind("operation")]
    assert operation["arrested"] is None
    assert [(d[0], d[1]) for d in found.dropped] == [("operation", "arrested")]
    assert not found.of_kind("figure")  # nor figures of their own


# --- halves, fractions and tablets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("In May 2016 customs seized 1.5 tons and a half of cannabis in Bamako.",
         "'1.5 tons and a half'"),
        ("En mai 2016, la douane a saisi 1,5 tonne et demie de cannabis à Bamako.",
         "'1,5 tonne et demie'"),
    ],
)  # fmt: skip
def test_no_half_is_added_to_a_number_with_decimals(text: str, quote: str) -> None:
    found = extract(text)
    assert not found.records
    assert [(d[0], d[1], d[2]) for d in found.dropped] == [("seizure", "quantity", quote)]


def test_a_dropped_quantity_is_labelled_like_the_sentence_s_records() -> None:
    # An arrest makes the sentence's quantities seizures: the one it drops is a seizure's too.
    found = extract("In May 2016 police arrested two men with 1.5 tons and a half of cannabis "
                    "and 2 kg of cocaine in Bamako.")  # fmt: skip
    assert [r.as_dict()["drug"] for r in found.of_kind("seizure")] == ["cocaine"]
    assert [(d[0], d[1], d[2]) for d in found.dropped] == [
        ("seizure", "quantity", "'1.5 tons and a half'")
    ]


def test_a_part_of_a_total_is_not_the_total() -> None:
    found = extract("In May 2016 customs seized half of the 2 tons of cannabis in Bamako.")
    assert not found.records
    assert [(d[0], d[2]) for d in found.dropped] == [("seizure", "'half of the 2 tons'")]


@pytest.mark.parametrize(
    ("text", "magnitude", "unit"),
    [
        ("In May 2016 customs seized 70,000 tramadol tablets in Niamey.", "70000", "tablet"),
        ("In May 2016 customs seized 1.5 million tramadol tablets in Niamey.", "1500000",
         "tablet"),
        ("In May 2016 customs seized one and a half million tramadol tablets in Niamey.",
         "1500000", "tablet"),
        ("In May 2016 customs seized 20,000 Tramadol pills in Niamey.", "20000", "pill"),
        ("En mai 2016, la douane a saisi 70 000 comprimés de tramadol à Niamey.", "70000",
         "tablet"),
        ("En mai 2016, la douane a saisi 70 000 tramadol comprimés à Niamey.", "70000",
         "tablet"),
        # A scale word joined to its unit by "de", after digits as after an article.
        ("En mai 2016, la douane a saisi 1,5 million de comprimés de Tramadol à Niamey.",
         "1500000", "tablet"),
        ("En mai 2016, la douane a saisi 2 millions de comprimés de tramadol à Niamey.",
         "2000000", "tablet"),
    ],
)  # fmt: skip
def test_tablets_counted_around_the_drug_s_name(text: str, magnitude: str, unit: str) -> None:
    found = one(text, "seizure")
    assert (Decimal(found["quantity"]["magnitude"]), found["quantity"]["unit"]) == (
        Decimal(magnitude), unit
    )  # fmt: skip
    assert found["drug"] == "tramadol"


def test_a_half_kilogram_after_another_drug_s_quantity_is_read() -> None:
    found = extract("On 5 May 2016, police seized half a ton of cannabis and a half kilogram of "
                    "cocaine in Niamey.")  # fmt: skip
    quantities = [(r.as_dict()["drug"], r.as_dict()["quantity"]["magnitude"])
                  for r in found.of_kind("seizure")]  # fmt: skip
    assert [(d, Decimal(m)) for d, m in quantities] == [
        ("cannabis", Decimal("0.5")), ("cocaine", Decimal("0.5"))
    ]  # fmt: skip


@pytest.mark.parametrize("phrase", ["yesterday", "three days ago", "on Tuesday", "last week"])
def test_a_relative_date_before_the_calendar_begins_is_no_date(phrase: str) -> None:
    # A page dated 1 January of the year 1 (a typo) must not crash the extraction.
    source = SourceRef(file="p.txt", published=dt.date(1, 1, 1))
    found = extract(f"Customs seized 2 tons of cannabis in Agadez {phrase}.", source=source)
    [seizure] = found.of_kind("seizure")
    assert seizure.as_dict().get("date") is None


@pytest.mark.parametrize(
    "text",
    [
        "Customs seized 2 tons of cannabis in Agadez and 500 kg of it was hidden in a truck.",
        "Customs seized 2 tons of cannabis in Agadez, and 500 kg were found in a truck.",
        "La douane a saisi 2 tonnes de cannabis à Agadez et 500 kg étaient cachés dans un camion.",
    ],
)
def test_a_part_of_a_seizure_after_and_is_not_a_seizure_of_its_own(text: str) -> None:
    # Counted as a second seizure, the 500 kg would add to the 2 tons they are part of.
    found = extract(text, source=SourceRef(file="p.txt", published=dt.date(2016, 5, 12)))
    assert [r.as_dict()["quantity"]["magnitude"] for r in found.of_kind("seizure")] == ["2"]
