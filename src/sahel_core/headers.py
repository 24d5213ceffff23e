"""Source column names → canonical column names, in English and French.

Spreadsheets from the field name their columns in many ways: ``Pays``, ``Qté``, ``Unité
saisissante``, ``Date de saisie``, ``Poids (kg)``. :func:`map_headers` maps each header onto a
column of the entity's canonical table (:func:`sahel_core.tables.schema`), ignoring case,
accents, spaces, punctuation and camelCase (``DrugName`` = ``drug name``). A unit or currency in
brackets (``Poids (kg)``, ``Valeur (FCFA)``) or a header that is itself a unit (``Kilograms``)
gives the figure's unit when the file has no unit column. A mapping given by the caller
(``{"pays": "country"}``) wins over the built-in names.

Besides the canonical columns, one input-only column is recognised: :data:`SOURCE` (``source``,
``url``, ``lien``), the document a row cites.

Every canonical column name is recognised as itself. The main other names of a seizure's
columns (matched as above, so ``Quantité``, ``QUANTITE`` and ``quantite`` are one name):

| column | French | English |
|---|---|---|
| ``id`` | N° de saisie, numéro, réf, identifiant | reference, seizure id, case id |
| ``date`` | date de saisie, jour, année | seizure date, day, year |
| ``country`` | pays, code pays | country code, iso3 |
| ``locality`` | lieu, localité, ville, commune | place, city, location |
| ``agency`` | service, service saisissant, unité saisissante, organisme | seizing unit |
| ``drug`` | drogue, produit, substance, stupéfiant, type de drogue | drug name, commodity |
| ``quantity`` | quantité, qté, poids, masse | qty, weight, mass, amount |
| ``quantity_unit`` | unité, unité de mesure | unit, uom |
| ``value`` | valeur, valeur estimée, montant, prix | estimated value, street value, price |
| ``value_currency`` | devise, monnaie | currency code |

A header that is a unit (``Kilogrammes``, ``Kilograms``, ``Comprimés``) is the quantity in that
unit. :func:`aliases` lists every name for an entity (workshops, operations, donors, agencies
and countries have theirs); a header it does not know is ignored, with a note, until a mapping
names its column (``--map Zone=locality``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from attrs import define, field

from sahel_core.errors import ReferenceNotFound

__all__ = ["REPEAT_SUFFIX", "SOURCE", "HeaderMap", "aliases", "fold", "map_headers"]

#: The input-only column holding the URL or document a row cites.
SOURCE = "source"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
_BRACKETED = re.compile(r"^(?P<name>.*?)\s*[(\[](?P<unit>[^)\]]*)[)\]]\s*$")


def fold(text: str) -> str:
    """``text`` reduced for matching (:func:`sahel_core.reference.fold`), camelCase split.

    ``"Unité  Saisissante"`` → ``"unite saisissante"``; ``"DrugName"`` → ``"drug name"``;
    ``"N°_de-saisie"`` → ``"n de saisie"``.
    """
    from sahel_core.reference import fold as fold_name

    return fold_name(_CAMEL.sub(" ", text))


# Built-in names per canonical column; a name applies to every entity whose table has that
# column. Each list is folded text (see :func:`fold`).
_COMMON: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "identifiant",
        "identifier",
        "ref",
        "reference",
        "ref id",
        "code",
        "numero",
        "n",
        "no",
        "num",
        "record id",
        "n de saisie",
        "numero de saisie",
        "seizure id",
        "n saisie",
        "no saisie",
        "num saisie",
        "numero saisie",
        "n dossier",
        "case id",
    ),
    "country": (
        "pays",
        "country",
        "nation",
        "country code",
        "iso3",
        "code pays",
        "ms code",
        "pays iso3",
        "country iso3",
    ),
    "locality": (
        "lieu",
        "localite",
        "ville",
        "locality",
        "place",
        "city",
        "town",
        "commune",
        "lieu de saisie",
        "location",
        "site",
        "village",
    ),
    "date": (
        "date",
        "date de saisie",
        "seizure date",
        "date saisie",
        "jour",
        "day",
        "reference year",
        "year",
        "annee",
        "event date",
        "date de l evenement",
        "date de l atelier",
        "workshop date",
    ),
    "agency": (
        "service",
        "unite saisissante",
        "service saisissant",
        "agency",
        "agence",
        "seizing agency",
        "seizing unit",
        "organisme",
        "structure",
    ),
    "agencies": ("services", "agencies", "agences", "structures", "organismes"),
    "title": ("titre", "title", "intitule", "nom", "name", "libelle", "activite", "activity"),
    "sources": ("sources", "references"),
    SOURCE: ("source", "url", "lien", "link", "document", "source url", "reference url"),
    "kind": ("type", "kind", "categorie", "category", "nature"),
    "countries": ("pays participants", "countries", "participating countries", "pays representes"),
    "donors": (
        "bailleurs",
        "bailleur",
        "donors",
        "donor",
        "funder",
        "funders",
        "financement",
        "financeur",
        "financeurs",
        "partenaire financier",
    ),
}

_ENTITY: dict[str, dict[str, tuple[str, ...]]] = {
    "seizure": {
        "drug": (
            "drogue",
            "drogues",
            "produit",
            "produits",
            "substance",
            "substances",
            "drug",
            "drugs",
            "drug name",
            "nature du produit",
            "type de drogue",
            "drug type",
            "stupefiant",
            "stupefiants",
            "marchandise",
            "commodity",
        ),
        "quantity": (
            "quantite",
            "qte",
            "qty",
            "quantity",
            "poids",
            "weight",
            "masse",
            "mass",
            "quantite saisie",
            "quantity seized",
            "amount",
            "volume",
        ),
        "quantity_unit": (
            "unite",
            "unit",
            "uom",
            "unite de mesure",
            "unit of measure",
            "units",
            "unites",
        ),
        "quantity_qualifier": ("qualificatif", "qualifier", "precision"),
        "value": (
            "valeur",
            "value",
            "montant",
            "valeur estimee",
            "estimated value",
            "street value",
            "valeur marchande",
            "prix",
            "price",
        ),
        "value_currency": ("devise", "monnaie", "currency", "devise valeur", "currency code"),
        "operation": ("operation", "operation id", "affaire", "case"),
        "drug_text": ("drug text", "libelle produit", "produit tel que declare"),
        "packaging": ("conditionnement", "emballage", "packaging", "colis", "packages"),
        "packaging_unit": ("unite de conditionnement", "packaging unit"),
    },
    "workshop": {
        "topic": ("theme", "thematique", "sujet", "topic", "subject"),
        "participants": (
            "participants",
            "nombre de participants",
            "number of participants",
            "nb participants",
            "participants count",
        ),
        "institutions": ("institutions", "nombre d institutions", "number of institutions"),
    },
    "operation": {
        "arrested": (
            "interpellations",
            "arrestations",
            "personnes interpellees",
            "arrests",
            "arrested",
            "persons arrested",
            "interpelles",
        ),
        "fatalities": ("morts", "deces", "victimes", "fatalities", "deaths", "tues"),
        "actors": ("acteurs", "actors", "actor1", "actor 1"),
        "sectors": ("secteurs", "sectors", "secteur", "sector"),
        "seizures": ("saisies", "seizures"),
        "funding": ("financements", "funding", "budget"),
        "places": ("lieux", "places", "locations"),
    },
    "donor": {
        "name": ("nom", "name", "bailleur", "donor", "organisation", "organization"),
        "id": ("id", "identifiant", "identifier", "ref", "code", "iati ref", "iati id"),
    },
    "agency": {
        "acronym": ("sigle", "acronyme", "acronym", "abbreviation", "abreviation"),
        "name_en": ("name", "english name", "nom anglais", "name en"),
        "name_fr": ("nom", "nom francais", "french name", "nom fr"),
    },
    "country": {
        "alpha3": ("iso3", "alpha3", "iso 3", "code iso3", "alpha 3"),
        "alpha2": ("iso2", "alpha2", "iso 2", "code iso2", "alpha 2"),
        "name_en": ("name", "english name", "country", "country name", "nom anglais"),
        "name_fr": ("nom", "pays", "nom francais", "french name", "nom du pays"),
    },
}

# Headers that are a unit (UNODC's "Kilograms"): the column holds a seizure's quantity in it.
_UNIT_HEADERS: dict[str, str] = {
    "kilograms": "kg",
    "kilogrammes": "kg",
    "kilogramme": "kg",
    "kg": "kg",
    "grams": "g",
    "grammes": "g",
    "tonnes": "t",
    "tons": "t",
    "litres": "l",
    "liters": "l",
    "comprimes": "tablet",
    "tablets": "tablet",
    "pills": "tablet",
    "plants": "plant",
    "pieds": "plant",
}


@define(frozen=True)
class HeaderMap:
    """How the headers of a source map onto an entity's canonical columns.

    ``rename`` maps each used source header to its canonical column (or :data:`SOURCE`);
    ``ignored`` lists headers that map to nothing or to a column already taken;
    ``defaults`` gives constant values for columns the file lacks but a header implied
    (``{"quantity_unit": "kg"}`` from ``Poids (kg)``); ``unmatched`` the sources of the
    caller's mapping that no header is (a typo, or a column of another file); ``repeats``
    maps each ignored header that repeats a header's name to that header (``drug`` twice:
    which value is meant cannot be told where they differ).
    """

    entity: str
    rename: dict[str, str] = field(factory=dict)
    ignored: list[str] = field(factory=list)
    defaults: dict[str, str] = field(factory=dict)
    unmatched: list[str] = field(factory=list)
    repeats: dict[str, str] = field(factory=dict)

    @property
    def score(self) -> int:
        """How many headers map to a column: used to guess the entity of a file."""
        return len(self.rename)


def _columns(entity: str) -> list[str]:
    from sahel_core.tables import entity_type, schema

    return [*schema(entity_type(entity)), SOURCE]


def aliases(entity: str) -> dict[str, str]:
    """Every built-in folded name → canonical column for ``entity`` (canonical names included)."""
    return dict(_aliases(entity))


@cache
def _aliases(entity: str) -> dict[str, str]:
    # Built once per entity: a workbook's header is looked for on many rows of many sheets,
    # each row matched against every entity (folding hundreds of names each time took 16 ms
    # a sheet). Read only: aliases() gives callers a copy.
    columns = _columns(entity)
    # Canonical names first: an alias never hides a real column name.
    known: dict[str, str] = {fold(column): column for column in columns}
    specific = _ENTITY.get(entity.lower(), {})
    for table in (specific, _COMMON):
        for column, names in table.items():
            if column in columns:
                for name in names:
                    known.setdefault(name, column)
    return known


def _figure_unit_column(column: str, columns: Sequence[str]) -> str | None:
    for suffix in ("_unit", "_currency"):
        if f"{column}{suffix}" in columns:
            return f"{column}{suffix}"
    return None


def map_headers(
    headers: Iterable[str], entity: str, mapping: Mapping[str, str] | None = None
) -> HeaderMap:
    """Map source ``headers`` onto the canonical columns of ``entity``.

    ``mapping`` (source header → canonical column) wins over the built-in names; its keys match
    headers the same forgiving way. The first header that maps to a column takes it; later ones
    are ignored. A mapping onto a column the entity does not have raises
    :class:`~sahel_core.errors.ReferenceNotFound` naming it.
    """
    columns = _columns(entity)
    user: dict[str, str] = {}
    for source, target in (mapping or {}).items():
        if target not in columns:
            raise ReferenceNotFound(
                f"no column {target!r} in a {entity} table; known: {', '.join(columns)}",
                field="mapping",
                value=f"{source}={target}",
            )
        user[fold(source)] = target
    known = _aliases(entity)
    headers = list(headers)
    matches = {h: _match(h, user, known, columns) for h in headers}
    # Headers the user mapped take their columns first, wherever they stand.
    order = sorted(headers, key=lambda h: not any(k in user for k in _keys(h)))
    taken: dict[str, str] = {}
    for header in order:
        found = matches[header][0]
        if found is not None and found not in taken.values():
            taken[header] = found
    seen = {key for header in headers for key in _keys(header)}
    unmatched = [source for source in mapping or {} if fold(source) not in seen]
    result = HeaderMap(entity=entity, unmatched=unmatched)
    took = {column: header for header, column in taken.items()}
    for header in headers:
        if header not in taken:
            result.ignored.append(header)
            # The same name twice ("drug", "drug_duplicated_0" as polars reads it); another
            # name for a taken column ("Pays" after "Country") may write it another way.
            name = REPEAT_SUFFIX.sub("", header)
            column = _match(name, user, known, columns)[0]
            if column in took and fold(name) == fold(REPEAT_SUFFIX.sub("", took[column])):
                result.repeats[header] = took[column]
            continue
        result.rename[header] = taken[header]
        default = matches[header][1]
        unit_column = _figure_unit_column(taken[header], columns)
        if default is not None and unit_column is not None:
            result.defaults.setdefault(unit_column, default)
    for column in list(result.defaults):
        if column in taken.values():
            del result.defaults[column]
    return result


#: What :func:`sahel_core.tabular.unique_headers` (and polars) add to a repeated header.
REPEAT_SUFFIX = re.compile(r"_duplicated_\d+$")


def _keys(header: str) -> tuple[str, ...]:
    """The folded forms a header is matched by: as written, then with camelCase split."""
    from sahel_core.reference import fold as fold_name

    return (fold_name(header), fold(header))


def _match(
    header: str, user: Mapping[str, str], known: Mapping[str, str], columns: Sequence[str]
) -> tuple[str | None, str | None]:
    """The column for one header and the unit its brackets or name imply."""
    for table in (user, known):
        for key in _keys(header):
            if key in table:
                return table[key], None
    key = fold(header)
    if key in _UNIT_HEADERS and "quantity_unit" in columns:
        return "quantity", _UNIT_HEADERS[key]
    bracketed = _BRACKETED.match(header)
    if bracketed and bracketed["unit"].strip():
        name = fold(bracketed["name"])
        target = user.get(name) or known.get(name)
        if target is not None:
            return target, bracketed["unit"].strip()
    return None, None
