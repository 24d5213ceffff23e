"""Reference data: countries, groupings, agencies, donors and the drug vocabulary."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sahel_core.reference as ref
from sahel_core.entities import Agency, AgencyKind, Donor, DonorKind
from sahel_core.errors import AmbiguousInput, ReferenceNotFound, SahelError, ValidationError
from sahel_core.reference import DrugTerm, Membership, Reference, ReferenceData, fold
from strategies import respellings

# --- fold --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Côte d’Ivoire", "cote d ivoire"),
        ("COTE D'IVOIRE", "cote d ivoire"),
        ("  Guinée-Bissau ", "guinee bissau"),
        ("Haschich", "haschich"),
        ("Œuvre", "oeuvre"),
        ("“Ecstasy”-type substances", "ecstasy type substances"),
        ("4-Fluoromethamphetamine\xa0(4-FMA)", "4 fluoromethamphetamine 4 fma"),
        ("", ""),
        ("¿?", ""),
    ],
)
def test_fold_examples(text: str, folded: str) -> None:
    assert fold(text) == folded


@given(st.text())
def test_fold_is_idempotent_and_plain(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", folded)


# --- countries ---------------------------------------------------------------------------------

SAHEL = {
    "BFA": ("Burkina Faso", "Burkina Faso"),
    "CMR": ("Cameroon", "Cameroun"),
    "GMB": ("Gambia", "Gambie"),
    "GIN": ("Guinea", "Guinée"),
    "MLI": ("Mali", "Mali"),
    "MRT": ("Mauritania", "Mauritanie"),
    "NER": ("Niger", "Niger"),
    "NGA": ("Nigeria", "Nigeria"),
    "SEN": ("Senegal", "Sénégal"),
    "TCD": ("Chad", "Tchad"),
}


@pytest.mark.parametrize(("iso3", "names"), SAHEL.items())
def test_sahel_countries_in_english_and_french(iso3: str, names: tuple[str, str]) -> None:
    found = ref.country(iso3)
    assert (found.name_en, found.name_fr) == names
    for name in names:
        assert ref.country(name) == found
    assert ref.country(found.alpha2) == found


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Burkina", "BFA"),
        ("Guinée-Bissau", "GNB"),
        ("Guinea Bissau", "GNB"),
        ("Gambia", "GMB"),
        ("The Gambia", "GMB"),
        ("Tchad", "TCD"),
        ("Niger", "NER"),
        ("le Niger", "NER"),
        ("Niger Republic", "NER"),
        ("Nigeria", "NGA"),
        ("Nigéria", "NGA"),
        ("Mauritanie", "MRT"),
        ("Sénégal", "SEN"),
        ("senegal", "SEN"),
        ("Royaume-Uni", "GBR"),
        ("United Kingdom", "GBR"),
        ("UK", "GBR"),
        ("USA", "USA"),
        ("United States", "USA"),
        ("The United States", "USA"),
        ("United States of America", "USA"),
        ("Etats-Unis", "USA"),
        ("États-Unis d'Amérique", "USA"),
        ("the Netherlands", "NLD"),
        ("Kingdom of Netherlands", "NLD"),
        ("Kingdom of the Netherlands", "NLD"),
        ("Pays-Bas", "NLD"),
        ("Allemagne", "DEU"),
        ("Japon", "JPN"),
        ("Danemark", "DNK"),
        ("Republic of Korea", "KOR"),
        ("South Korea", "KOR"),
        ("Democratic Republic of the Congo", "COD"),
        ("RDC", "COD"),
        ("Congo", "COG"),
        ("ml", "MLI"),
        ("MLI", "MLI"),
        ("466", "MLI"),
        (" Mali ", "MLI"),
    ],
)
def test_country_variants(text: str, iso3: str) -> None:
    assert ref.country(text).alpha3 == iso3


def test_every_country_round_trips_by_code_and_name() -> None:
    countries = ref.countries()
    assert len(countries) >= 249
    assert len({c.alpha3 for c in countries}) == len(countries)
    for found in countries:
        for text in (found.alpha3, found.alpha2, found.name_en, found.name_fr):
            assert ref.country(text) == found, text


def test_country_names_resolve_and_leave_out_codes() -> None:
    names = ref.country_names()
    assert names["niger"] == "NER" and names["nigeria"] == "NGA"
    assert names["cote d ivoire"] == "CIV" and names["gambia"] == "GMB"
    for name, iso3 in names.items():
        assert ref.country(name).alpha3 == iso3
    assert not {"in", "to", "can", "and", "us", "ml"} & names.keys()


def test_every_country_alias_round_trips() -> None:
    aliases = ref.builtin().country_aliases
    assert aliases
    for alias, iso3 in aliases.items():
        assert ref.country(alias).alpha3 == iso3


@pytest.mark.parametrize(
    "text", ["Atlantis", "", "  ", "Niger Delta", "Sahel", "XX", "Guinea-Conakry-Bissau", "NE R"]
)
def test_unknown_country_raises(text: str) -> None:
    with pytest.raises(ReferenceNotFound) as info:
        ref.country(text)
    assert info.value.field == "country"
    assert info.value.value == text


@pytest.mark.parametrize("value", [None, 466, b"MLI", ["MLI"]])
def test_country_rejects_non_text(value: object) -> None:
    with pytest.raises(ReferenceNotFound):
        ref.country(value)  # type: ignore[arg-type]


@given(st.data())
def test_respelled_names_find_the_same_country(data: st.DataObject) -> None:
    found = data.draw(st.sampled_from(ref.countries()))
    name = data.draw(st.sampled_from([found.name_en, found.name_fr]))
    assert ref.country(data.draw(respellings(name))) == found


# --- groupings ---------------------------------------------------------------------------------


def test_groupings() -> None:
    sahel = ref.grouping("sahel")
    assert sahel == set(SAHEL)
    assert ref.grouping("UNISS") == sahel
    g5 = ref.grouping("g5_sahel")
    assert g5 == {"BFA", "MLI", "MRT", "NER", "TCD"} == ref.grouping("G5 Sahel")
    assert ref.grouping("g5_sahel") < sahel
    assert len(ref.grouping("ecowas")) == 15 and ref.grouping("CEDEAO") == ref.grouping("ecowas")
    waemu = {"BEN", "BFA", "CIV", "GNB", "MLI", "NER", "SEN", "TGO"}
    assert ref.grouping("waemu") == waemu == ref.grouping("UEMOA")
    assert ref.grouping("cemac") == {"CMR", "CAF", "TCD", "COG", "GNQ", "GAB"}
    assert not ref.grouping("waemu") & ref.grouping("cemac")  # XOF and XAF users never overlap
    assert ref.grouping("waemu") < ref.grouping("ecowas")
    assert ref.grouping("aes") == {"BFA", "MLI", "NER"}
    assert {"sahel", "ecowas", "waemu", "uemoa", "cemac", "g5_sahel"} <= set(ref.groupings())


def test_ecowas_membership_by_date() -> None:
    left = {"MLI", "BFA", "NER"}
    assert left < ref.grouping("ecowas", on=dt.date(2025, 1, 28))
    after = ref.grouping("ecowas", on=dt.date(2025, 1, 29))
    assert len(after) == 12 and not left & after
    assert ref.grouping("aes", on=dt.date(2023, 9, 15)) == frozenset()
    assert ref.grouping("aes", on=dt.date(2023, 9, 16)) == left


@pytest.mark.parametrize("name", ["", "west africa", "G7", None])
def test_unknown_grouping_raises(name: str) -> None:
    with pytest.raises(ReferenceNotFound):
        ref.grouping(name)


def test_grouping_on_must_be_a_date() -> None:
    with pytest.raises(ValidationError):
        ref.grouping("ecowas", on="2025-01-01")  # type: ignore[arg-type]


# --- agencies ----------------------------------------------------------------------------------


def _names_of(agency: Agency) -> set[str]:
    return {agency.key, agency.acronym, agency.name_en, *agency.aliases} | (
        {agency.name_fr} if agency.name_fr else set()
    )


def test_every_agency_name_round_trips() -> None:
    agencies = ref.agencies()
    assert len({a.key for a in agencies}) == len(agencies) >= 25
    for agency in agencies:
        assert ref.agency(agency.key) == agency
        for name in _names_of(agency):
            assert ref.agency(name, country=agency.country) == agency, name


def test_agency_aliases_map_to_keys_or_shared_names() -> None:
    aliases = ref.agency_aliases()
    assert aliases["ocs"] == "OCS"
    assert aliases["ocretis"] == "OCRTIS-SEN"
    assert aliases["office central des stupefiants"] == "OCS"
    assert aliases["ocrtis"] == "ocrtis" and aliases["centif"] == "centif"
    for agency in ref.agencies():
        for name in _names_of(agency):
            value = aliases[fold(name)]
            assert ref.agency(value, country=agency.country) == agency


def test_shared_acronyms_need_a_country() -> None:
    with pytest.raises(AmbiguousInput) as info:
        ref.agency("OCRTIS")
    assert "OCRTIS-NER" in str(info.value) and "OCRTIS-SEN" in str(info.value)
    assert ref.agency("OCRTIS", country="Niger").key == "OCRTIS-NER"
    assert ref.agency("ocrtis", country="SN").key == "OCRTIS-SEN"
    assert ref.agency("CENTIF", country="Mali").key == "CENTIF-MLI"
    assert ref.agency("OCRTIS-NER").country == "NER"
    with pytest.raises(AmbiguousInput):
        ref.agency("CENTIF", country="Ghana")  # no CENTIF there: still ambiguous
    with pytest.raises(ReferenceNotFound):
        ref.agency("CENTIF", country="Atlantis")


def test_agency_facts() -> None:
    ocs = ref.agency("Office Central des Stupéfiants")
    assert (ocs.key, ocs.country, ocs.kind) == ("OCS", "MLI", AgencyKind.DRUG_CONTROL)
    assert ref.agency("OCRETIS").key == "OCRTIS-SEN"
    assert ref.agency("Brigade des Investigations Spécialisées").key == "BIS"
    assert ref.agency("Security Cooperation Platform").key == "PCMS"
    assert ref.agency("PCMS").kind is AgencyKind.REGIONAL_BODY
    assert ref.agency("CENOZO").kind is AgencyKind.CIVIL_SOCIETY
    assert ref.agency("ONUDC").key == "UNODC"
    assert ref.agency("CEDEAO").key == "ECOWAS"
    assert ref.agency("NACOC").country == "GHA"
    assert ref.agency("ndlea").country == "NGA"
    assert ref.agency("Brigade des Stupéfiants").country == "MLI"
    assert ref.agency("OCS", country="Senegal").key == "OCS"  # a unique match stays


@pytest.mark.parametrize("text", ["", "FBI", "Office", None, 3])
def test_unknown_agency_raises(text: str) -> None:
    with pytest.raises(ReferenceNotFound):
        ref.agency(text)


# --- donors ------------------------------------------------------------------------------------


def test_donors_named_in_the_seed_pages(seeds: Path) -> None:
    text = " ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt"))
    funded = re.findall(r"funded by (?:the )?([A-Z][\w ]+?)\s*$", text, flags=re.M)
    funded += re.findall(r"funds provided by (the government of \w+)", text)
    funded += re.findall(r"support of (the government of \w+)", text)
    funded += re.findall(r"^\s*•\s*([A-Z][\w ]+?)\s*$", text, flags=re.M)  # the donor list
    assert len(funded) >= 18, funded
    for name in funded:
        found = ref.donor(name)
        assert found.kind is DonorKind.GOVERNMENT and found.id == found.country, name
    assert {ref.donor(n).id for n in funded} >= {"DNK", "JPN", "DEU", "NLD", "USA", "AUT"}


@pytest.mark.parametrize(
    ("text", "donor_id"),
    [
        ("Germany", "DEU"),
        ("the government of Germany", "DEU"),
        ("Government of the Netherlands", "NLD"),
        ("Kingdom of Netherlands", "NLD"),
        ("The United States", "USA"),
        ("The federal government of the United States", "USA"),
        ("GOVERNMENT OF JAPAN", "JPN"),
        ("Japan government", "JPN"),
        ("Gouvernement du Japon", "JPN"),
        ("gouvernement de la France", "FRA"),
        ("Japan", "JPN"),
        ("DEU", "DEU"),
        ("EU", "European Union"),
        ("Union européenne", "European Union"),
        ("European Commission", "European Union"),
        ("UNDP", "XM-DAC-41114"),
        ("Peacebuilding Fund", "UN Peacebuilding Fund"),
    ],
)
def test_donor_lookup(text: str, donor_id: str) -> None:
    assert ref.donor(text).id == donor_id


def test_government_donors_use_iso3_and_english_names() -> None:
    germany = ref.donor("Allemagne")
    assert germany == Donor(id="DEU", name="Germany", kind="government", country="DEU")
    # A government is listed only for its agencies' identifiers, keyed and named as its country.
    for listed in ref.donors():
        if listed.kind is DonorKind.GOVERNMENT:
            assert listed.id == listed.country and ref.country(listed.id).name_en == listed.name
    # Norad's IATI identifier is in Norway's company register, which says nothing of its owner.
    assert ref.donor("NO-BRC-971277882") == ref.donor("Norway")


@pytest.mark.parametrize("text", ["", "Norwegian Government", "the government of", "ACME", None])
def test_unknown_donor_raises(text: str) -> None:
    with pytest.raises(ReferenceNotFound):
        ref.donor(text)


# --- drugs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("cannabis", "cannabis"),
        ("chanvre indien", "cannabis_herb"),
        ("Marijuana", "cannabis_herb"),
        ("herbe", "cannabis_herb"),
        ("haschich", "cannabis_resin"),
        ("hashish", "cannabis_resin"),
        ("résine de cannabis", "cannabis_resin"),
        ("cocaïne", "cocaine"),
        ("Cocaine", "cocaine"),
        ("crack", "cocaine_base"),
        ("héroïne", "heroin"),
        ("méthamphétamine", "methamphetamine"),
        ("comprimés de tramadol", "tramadol"),
        ("Captagon", "captagon"),
        ("ecstasy", "ecstasy"),
        ("MDMA", "ecstasy"),
        ("éphédrine", "ephedrine"),
        ("khat", "khat"),
        ("huile de cannabis", "cannabis_oil"),
        ("cannabis_herb", "cannabis_herb"),
    ],
)
def test_drug_lookup(text: str, key: str) -> None:
    assert ref.drug(text).key == key


def test_captagon_is_an_amphetamine_type_stimulant() -> None:
    assert ref.drug("Captagon").category == ref.drug("amphetamine").category == "ats"


def test_every_drug_alias_round_trips() -> None:
    terms = ref.drugs()
    keys = {t.key for t in terms}
    assert {"cannabis_herb", "cannabis_resin", "cannabis", "cocaine", "cocaine_base", "heroin",
            "opium", "methamphetamine", "amphetamine", "tramadol", "ecstasy", "khat",
            "ephedrine", "precursors", "cannabis_oil", "other"} <= keys  # fmt: skip
    for term in terms:
        for name in (term.key, term.name_en, term.name_fr, *term.aliases):
            assert ref.drug(name) == term, name
    aliases = ref.drug_aliases()
    for name, key in aliases.items():
        assert ref.drug(name).key == key


@given(st.data())
def test_respelled_drug_aliases_find_the_same_term(data: st.DataObject) -> None:
    term = data.draw(st.sampled_from(ref.drugs()))
    name = data.draw(st.sampled_from((term.name_en, term.name_fr, *term.aliases)))
    assert ref.drug(data.draw(respellings(name))) == term


@pytest.mark.parametrize("text", ["", "aspirin", "chanvre indien du Ghana", None])
def test_unknown_drug_raises(text: str) -> None:
    with pytest.raises(ReferenceNotFound):
        ref.drug(text)


# Which term categories each UNODC drug group may map to (UNODC files GHB under "Any other",
# Zopiclone under hallucinogens and JWH-018 under cannabis; the terms follow the substance).
UNODC_GROUP_CATEGORIES = {
    "amphetamine type stimulants excluding ecstasy": {"ats"},
    "any other drugs substances": {"other", "nps", "sedatives"},
    "cannabis type drugs excluding synthetic cannabinoids": {"cannabis", "nps"},
    "cocaine type": {"cocaine"},
    "hallucinogens": {"hallucinogens", "sedatives"},
    "nps": {"nps", "hallucinogens"},
    "opioids": {"opioids"},
    "precursors": {"precursors"},
    "sedatives and tranquillizers": {"sedatives"},
    "solvents and inhalants": {"solvents"},
    "ecstasy type substances": {"ecstasy"},
}


@pytest.mark.shared
def test_every_unodc_drug_combination_maps(shared_data: Path) -> None:
    path = shared_data / "seizures" / "unodc_drug_seizures_2018_2022.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    combos = {(r["DrugGroup"], r["DrugSubGroup"], r["DrugName"]) for r in rows}
    assert len(combos) >= 150
    seen: dict[str, set[str]] = defaultdict(set)
    for group, subgroup, name in combos:
        term = ref.unodc_drug(group, subgroup, name)
        seen[fold(group)].add(term.category)
        if term.key == "other":
            assert fold(group) == "any other drugs substances", (group, subgroup, name)
    assert set(seen) == set(UNODC_GROUP_CATEGORIES)
    for group, categories in seen.items():
        assert categories <= UNODC_GROUP_CATEGORIES[group], group
    assert ref.unodc_drug("Cocaine-type", "Cocaine", "Cocaine hydrochloride").key == "cocaine"
    assert ref.unodc_drug("Opioids", "Pharmaceutical opioids", "Tramadol").key == "tramadol"


def test_unodc_rows_fall_back_by_level() -> None:
    assert ref.unodc_drug("Cannabis-type drugs", "Cannabis herb (marijuana)", "x").key == (
        "cannabis_herb"
    )
    assert ref.unodc_drug("Opioids", "new sub-group", "new name").key == "opioids"
    assert ref.unodc_drug("New group", None, None).key == "other"
    assert ref.unodc_drug(None, None, None).key == "other"


# --- fuzz --------------------------------------------------------------------------------------


@settings(max_examples=200)
@given(st.one_of(st.text(max_size=40), st.none(), st.integers(), st.binary(max_size=8)))
def test_lookups_raise_only_sahel_errors(text: object) -> None:
    for lookup in (ref.country, ref.agency, ref.donor, ref.drug, ref.grouping):
        with contextlib.suppress(SahelError):
            lookup(text)  # type: ignore[operator]
    ref.unodc_drug(text, text, text)  # type: ignore[arg-type]


# --- building from contributions ---------------------------------------------------------------


def test_build_merges_plugin_contributions() -> None:
    extra = ReferenceData(
        name="extra",
        agencies=(
            Agency(acronym="OCS", name_en="Office of the Replaced", country="MLI", kind="police"),
            Agency(
                acronym="DGD",
                name_en="Directorate General of Customs",
                country="NER",
                kind="customs",
                key="DGD-NER",
                aliases=("Douanes nigériennes",),
            ),
        ),
        donors=(Donor(id="GB-GOV-1", name="FCDO", kind="organisation", aliases=("UK FCDO",)),),
        drugs=(DrugTerm("kush", "kush", "kush", "other", aliases=("K2 kush",)),),
        country_aliases={"Haute-Volta": "BFA"},
        groupings={"liptako": ("MLI", "BFA", Membership("NER"))},
    )
    reference = Reference.build([ref.builtin(), extra])
    assert reference.agency("OCS").name_en == "Office of the Replaced"
    assert reference.agency("douanes nigeriennes").key == "DGD-NER"
    assert reference.donor("uk fcdo").id == "GB-GOV-1"
    assert reference.drug("k2 kush").key == "kush"
    assert reference.country("Haute Volta").alpha3 == "BFA"
    assert reference.grouping("Liptako") == {"MLI", "BFA", "NER"}
    # The default reference is untouched.
    assert ref.agency("OCS").name_en == "Central Narcotics Office"
    with pytest.raises(ReferenceNotFound):
        ref.drug("kush")


def test_build_rejects_clashing_names() -> None:
    clash = ReferenceData(name="clash", drugs=(DrugTerm("kush", "x", "x", "other", ("hashish",)),))
    with pytest.raises(ValidationError, match="hashish"):
        Reference.build([ref.builtin(), clash])
    with pytest.raises(ValidationError):
        Reference.build([ref.builtin(), "not data"])  # type: ignore[list-item]
    niger_is_not_nigeria = ReferenceData(name="bad", country_aliases={"Niger": "NGA"})
    with pytest.raises(ValidationError, match="Niger"):
        Reference.build([niger_is_not_nigeria]).country("Mali")


@pytest.mark.parametrize(
    "build",
    [
        lambda: ReferenceData(name=""),
        lambda: ReferenceData(name="x", agencies=("OCS",)),
        lambda: ReferenceData(name="x", agencies="OCS"),
        lambda: ReferenceData(name="x", country_aliases={"Atlantis": "ATL"}),
        lambda: ReferenceData(name="x", country_aliases=[("a", "MLI")]),
        lambda: ReferenceData(name="x", groupings={"g": "MLI"}),
        lambda: ReferenceData(name="x", groupings={"g": ["XYZ"]}),
        lambda: DrugTerm("Not A Key", "x", "x", "other"),
        lambda: DrugTerm("k", "x", "x", "other", aliases="one"),
        lambda: DrugTerm("k", "", "x", "other"),
        lambda: Membership("MLI", dt.date(2020, 1, 1), dt.date(2019, 1, 1)),
        lambda: Membership("MLI", "2020-01-01"),
    ],
)
def test_malformed_contributions_raise_validation_error(build: object) -> None:
    with pytest.raises(ValidationError):
        build()  # type: ignore[operator]


def test_builtin_data_loads() -> None:
    data = ref.builtin()
    assert data.name == "builtin"
    assert len(data.agencies) >= 25 and len(data.drugs) >= 25 and len(data.donors) >= 5
    assert ref.default() is ref.default()


def test_pycountry_is_imported_on_the_first_country_lookup_only() -> None:
    code = (
        "import sys, sahel_core, sahel_core.reference as r\n"
        "print('pycountry' in sys.modules)\n"
        "r.country('Mali')\n"
        "print('pycountry' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
