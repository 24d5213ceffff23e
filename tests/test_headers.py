"""Source headers → canonical columns: French and English names, variants, user mappings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sahel_core.entities import ENTITY_TYPES
from sahel_core.errors import ReferenceNotFound
from sahel_core.headers import SOURCE, aliases, fold, map_headers
from sahel_core.tables import schema


def test_fold_ignores_case_accents_spaces_punctuation_and_camel_case() -> None:
    assert fold("  Unité   Saisissante ") == "unite saisissante"
    assert fold("DATE_DE-SAISIE") == "date de saisie"
    assert fold("DrugName") == "drug name"
    assert fold("N°") == "n"
    assert fold("Qté.") == "qte"


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Pays", "country"),
        ("country", "country"),
        ("Nation", "country"),
        ("Drogue", "drug"),
        ("Produit", "drug"),
        ("SUBSTANCE", "drug"),
        ("Quantité", "quantity"),
        ("Qté", "quantity"),
        ("qty", "quantity"),
        ("Poids", "quantity"),
        ("Weight", "quantity"),
        ("Unité", "quantity_unit"),
        ("UoM", "quantity_unit"),
        ("unit", "quantity_unit"),
        ("Valeur", "value"),
        ("Montant", "value"),
        ("Devise", "value_currency"),
        ("Monnaie", "value_currency"),
        ("Service", "agency"),
        ("Unité saisissante", "agency"),
        ("Seizing agency", "agency"),
        ("Agence", "agency"),
        ("Date de saisie", "date"),
        ("Seizure date", "date"),
        ("Localité", "locality"),
        ("Ville", "locality"),
        ("City", "locality"),
        ("Qualificatif", "quantity_qualifier"),
        ("Identifiant", "id"),
        ("Réf.", "id"),
        ("N° de saisie", "id"),
        ("URL", SOURCE),
        ("Source", SOURCE),
        ("quantity_unit", "quantity_unit"),
        ("DrugName", "drug"),
    ],
)
def test_seizure_headers(header: str, column: str) -> None:
    assert map_headers([header], "seizure").rename == {header: column}


def test_workshop_headers() -> None:
    found = map_headers(
        ["Intitulé", "Thème", "Nombre de participants", "Pays participants", "Bailleurs"],
        "workshop",
    )
    assert found.rename == {
        "Intitulé": "title",
        "Thème": "topic",
        "Nombre de participants": "participants",
        "Pays participants": "countries",
        "Bailleurs": "donors",
    }


def test_unknown_and_repeated_headers_are_ignored() -> None:
    found = map_headers(["Pays", "Observations", "Country"], "seizure")
    assert found.rename == {"Pays": "country"}
    assert found.ignored == ["Observations", "Country"]


def test_user_mapping_wins_and_matches_loosely() -> None:
    found = map_headers(["Pays", "Zone"], "seizure", {"zone": "country"})
    assert found.rename == {"Zone": "country"} or found.rename["Zone"] == "country"
    # The user's column takes "country"; the built-in "Pays" comes after and is ignored...
    found = map_headers(["Zone", "Pays"], "seizure", {"ZONE": "country"})
    assert found.rename == {"Zone": "country"}
    assert found.ignored == ["Pays"]
    # ...and a user mapping can send a built-in name elsewhere.
    found = map_headers(["Service"], "seizure", {"service": "operation"})
    assert found.rename == {"Service": "operation"}


def test_user_mapping_to_an_unknown_column_is_refused() -> None:
    with pytest.raises(ReferenceNotFound) as error:
        map_headers(["Pays"], "seizure", {"pays": "nation"})
    assert error.value.field == "mapping"
    assert "pays=nation" in str(error.value)


def test_a_unit_in_brackets_becomes_the_unit_when_the_file_has_none() -> None:
    found = map_headers(["Poids (kg)", "Valeur (FCFA)"], "seizure")
    assert found.rename == {"Poids (kg)": "quantity", "Valeur (FCFA)": "value"}
    assert found.defaults == {"quantity_unit": "kg", "value_currency": "FCFA"}
    with_unit = map_headers(["Poids (kg)", "Unité"], "seizure")
    assert with_unit.defaults == {}


def test_a_header_that_is_a_unit_is_the_quantity() -> None:
    found = map_headers(["Country", "DrugName", "Kilograms"], "seizure")
    assert found.rename == {"Country": "country", "DrugName": "drug", "Kilograms": "quantity"}
    assert found.defaults == {"quantity_unit": "kg"}


@pytest.mark.parametrize("entity", sorted(ENTITY_TYPES))
def test_canonical_names_map_to_themselves(entity: str) -> None:
    columns = list(schema(entity))
    assert map_headers(columns, entity).rename == {c: c for c in columns}


_NOISE = st.sampled_from(["", " ", "  ", "_", "-", ".", ":"])


@given(data=st.data(), entity=st.sampled_from(sorted(ENTITY_TYPES)))
def test_case_and_punctuation_never_change_the_mapping(data: st.DataObject, entity: str) -> None:
    name, column = data.draw(st.sampled_from(sorted(aliases(entity).items())))
    words = name.split(" ")
    glue = data.draw(st.lists(_NOISE.filter(bool), min_size=len(words), max_size=len(words)))
    header = "".join(w + g for w, g in zip(words, glue, strict=True))
    header = data.draw(_NOISE) + "".join(
        c.upper() if data.draw(st.booleans()) else c for c in header
    )
    assert map_headers([header], entity).rename == {header: column}


@given(st.text(max_size=30))
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)
