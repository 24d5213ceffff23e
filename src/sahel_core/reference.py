"""Reference data: countries, groupings, agencies, donors and the drug vocabulary.

Lookups take what people write: ``country("Côte d'Ivoire")``, ``country("CIV")``,
``agency("OCRETIS")``, ``donor("the government of Germany")``, ``drug("chanvre indien")``.
Names match whatever their case, accents, spacing and punctuation (:func:`fold`); an unknown
one raises :class:`~sahel_core.errors.ReferenceNotFound`.

The data ships as CSV files in ``sahel_core/data`` (``SOURCES.md`` there says where each fact
comes from) and is read on first use; pycountry is imported on the first country lookup. A
:class:`Reference` is built from :class:`ReferenceData` contributions, the built-in one first,
so that plugins can add agencies, donors, drug terms, country aliases and groupings; a record
with the key of an earlier one replaces it. The module-level functions use :func:`default`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any, NamedTuple

from attrs import Attribute, define, field

from sahel_core.entities import Agency, Country, Donor, DonorKind, _iso3
from sahel_core.errors import AmbiguousInput, ReferenceNotFound, ValidationError

__all__ = [
    "DrugTerm",
    "Membership",
    "Reference",
    "ReferenceData",
    "agencies",
    "agency",
    "agency_aliases",
    "builtin",
    "countries",
    "country",
    "country_names",
    "default",
    "donor",
    "donors",
    "drug",
    "drug_aliases",
    "drugs",
    "fold",
    "grouping",
    "groupings",
    "unodc_drug",
]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ARTICLE = re.compile(r"^(?:the|le|la|les|l) ")


def fold(text: str) -> str:
    """The form names are matched in: lower case, no accents, words joined by one space.

    ``fold("Côte d’Ivoire") == fold("COTE D'IVOIRE") == "cote d ivoire"``; every character
    that is not an ASCII letter or digit separates words.
    """
    bare = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
    return _NOT_ALNUM.sub(" ", bare).strip()


def _query(text: object, what: str) -> str:
    if isinstance(text, str) and (key := fold(text)):
        return key
    raise ReferenceNotFound(f"unknown {what}", field=what, value=text)


# --- records -------------------------------------------------------------------------------


def _slug(_: object, attribute: Attribute[Any], value: object) -> None:
    if not (isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value)):
        raise ValidationError(
            "expected lower-case letters, digits and '_'", field=attribute.name, value=value
        )


def _nonempty(_: object, attribute: Attribute[Any], value: object) -> None:
    if not (isinstance(value, str) and fold(value)):
        raise ValidationError("expected a name", field=attribute.name, value=value)


def _names(value: object, name: str) -> tuple[str, ...]:
    items = None if isinstance(value, str) or not isinstance(value, Iterable) else tuple(value)
    if items is None or not all(isinstance(v, str) and fold(v) for v in items):
        raise ValidationError("expected a list of names", field=name, value=value)
    return items


def _aliases(value: object) -> tuple[str, ...]:
    return _names(value, "aliases")


def _unodc_groups(value: object) -> tuple[str, ...]:
    return _names(value, "unodc_groups")


def _optional_date(_: object, attribute: Attribute[Any], value: object) -> None:
    if value is not None and not (isinstance(value, dt.date) and type(value) is not dt.datetime):
        raise ValidationError("expected a date", field=attribute.name, value=value)


@define(frozen=True)
class DrugTerm:
    """A term of the drug vocabulary: ``cannabis_herb``, ``cocaine``, ``tramadol``...

    ``category`` groups terms as UNODC does (``cannabis``, ``cocaine``, ``opioids``, ``ats``,
    ``ecstasy``, ``sedatives``, ``hallucinogens``, ``nps``, ``precursors``, ``solvents``,
    ``other``). ``aliases`` are what sources write ("chanvre indien", "haschich");
    ``unodc_groups`` the UNODC drug group, sub-group or drug names that map to this term.
    """

    key: str = field(validator=_slug)
    name_en: str = field(validator=_nonempty)
    name_fr: str = field(validator=_nonempty)
    category: str = field(validator=_slug)
    aliases: tuple[str, ...] = field(default=(), converter=_aliases)
    unodc_groups: tuple[str, ...] = field(default=(), converter=_unodc_groups)


@define(frozen=True)
class Membership:
    """A country in a grouping, from ``joined`` (when known) until the day before ``left``.

    ``left`` is the first day the country is no longer a member (ECOWAS: 2025-01-29 for Mali,
    Burkina Faso and Niger).
    """

    country: str = field(converter=_iso3)
    joined: dt.date | None = field(default=None, validator=_optional_date)
    left: dt.date | None = field(default=None, validator=_optional_date)

    def __attrs_post_init__(self) -> None:
        if self.joined and self.left and self.left <= self.joined:
            raise ValidationError("a membership ends before it starts", field="left",
                                  value=self.left)  # fmt: skip

    def on(self, day: dt.date) -> bool:
        """True when the country was a member on ``day``."""
        return (self.joined is None or self.joined <= day) and (
            self.left is None or day < self.left
        )


def _records(value: object, kind: type, name: str) -> tuple[Any, ...]:
    items = None if isinstance(value, str) or not isinstance(value, Iterable) else tuple(value)
    if items is None or not all(isinstance(v, kind) for v in items):
        raise ValidationError(f"expected a list of {kind.__name__}", field=name, value=value)
    return items


def _agency_records(value: object) -> tuple[Agency, ...]:
    return _records(value, Agency, "agencies")


def _donor_records(value: object) -> tuple[Donor, ...]:
    return _records(value, Donor, "donors")


def _drug_records(value: object) -> tuple[DrugTerm, ...]:
    return _records(value, DrugTerm, "drugs")


def _country_aliases(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError("expected {alias: ISO3}", field="country_aliases", value=value)
    for alias in value:
        if not (isinstance(alias, str) and fold(alias)):
            raise ValidationError("expected a name", field="country_aliases", value=alias)
    return MappingProxyType({alias: _iso3(code) for alias, code in value.items()})


def _groupings(value: object) -> Mapping[str, tuple[Membership, ...]]:
    if not isinstance(value, Mapping):
        raise ValidationError("expected {name: countries}", field="groupings", value=value)
    result = {}
    for name, members in value.items():
        if not (isinstance(name, str) and fold(name)):
            raise ValidationError("expected a grouping name", field="groupings", value=name)
        if isinstance(members, str) or not isinstance(members, Iterable):
            raise ValidationError("expected a list of countries", field="groupings", value=members)
        result[name] = tuple(m if isinstance(m, Membership) else Membership(m) for m in members)
    return MappingProxyType(result)


@define(frozen=True)
class ReferenceData:
    """One contribution of reference data, returned by the ``sahel_register_reference_data``
    plugin hook (the package's own data is the contribution called ``builtin``).

    ``country_aliases`` maps extra names to ISO3 codes (``{"Niger Republic": "NER"}``);
    ``groupings`` maps a grouping name to its members, ISO3 codes or :class:`Membership`
    records when membership changed over time.
    """

    name: str = field(validator=_nonempty)
    agencies: tuple[Agency, ...] = field(default=(), converter=_agency_records)
    donors: tuple[Donor, ...] = field(default=(), converter=_donor_records)
    drugs: tuple[DrugTerm, ...] = field(default=(), converter=_drug_records)
    country_aliases: Mapping[str, str] = field(factory=dict, converter=_country_aliases)
    groupings: Mapping[str, tuple[Membership, ...]] = field(factory=dict, converter=_groupings)


# --- the reference --------------------------------------------------------------------------


class _Countries(NamedTuple):
    records: dict[str, Country]
    codes: dict[str, str]  # alpha-2, alpha-3, numeric -> ISO3
    names: dict[str, str]  # folded name or alias, leading article removed -> ISO3


def _name_key(text: str) -> str:
    return _ARTICLE.sub("", fold(text))


def _index(pairs: Iterable[tuple[str, str]], what: str) -> dict[str, str]:
    """folded name -> key; a name claimed by two keys is a data error."""
    index: dict[str, str] = {}
    for name, key in pairs:
        folded = fold(name)
        if index.setdefault(folded, key) != key:
            raise ValidationError(
                f"the {what} name {name!r} is given to both {index[folded]!r} and {key!r}",
                field="aliases",
                value=name,
            )
    return index


class Reference:
    """Countries, groupings, agencies, donors and drug terms, looked up by what people write.

    Build one with :meth:`build`; the module-level functions use :func:`default`.
    """

    def __init__(
        self,
        agencies: Mapping[str, Agency],
        donors: Mapping[str, Donor],
        drugs: Mapping[str, DrugTerm],
        country_aliases: Mapping[str, str],
        groupings: Mapping[str, tuple[Membership, ...]],
    ) -> None:
        self._agencies = dict(agencies)
        self._donors = dict(donors)
        self._drugs = dict(drugs)
        self._country_aliases = dict(country_aliases)
        self._groupings = {fold(name): members for name, members in groupings.items()}
        self._grouping_names = tuple(sorted(groupings))
        self._agency_index: dict[str, tuple[str, ...]] = {}
        for key, found in self._agencies.items():
            names = {key, found.acronym, found.name_en, found.name_fr or key, *found.aliases}
            for folded in {fold(n) for n in names}:
                self._agency_index[folded] = (*self._agency_index.get(folded, ()), key)
        self._donor_index = _index(
            ((n, d.id) for d in self._donors.values() for n in (d.id, d.name, *d.aliases)),
            "donor",
        )
        self._drug_index = _index(
            (
                (n, t.key)
                for t in self._drugs.values()
                for n in (t.key, t.name_en, t.name_fr, *t.aliases)
            ),
            "drug",
        )
        self._unodc_index = _index(
            ((n, t.key) for t in self._drugs.values() for n in t.unodc_groups), "UNODC drug"
        )

    @classmethod
    def build(cls, contributions: Iterable[ReferenceData]) -> Reference:
        """Merge contributions in order; a record whose key (agency key, donor id, drug key,
        country alias, grouping name) was given before replaces the earlier one.

        Raises :class:`~sahel_core.errors.ValidationError` when, after merging, one name is
        given to two donors or two drug terms.
        """
        agencies: dict[str, Agency] = {}
        donors: dict[str, Donor] = {}
        drugs: dict[str, DrugTerm] = {}
        aliases: dict[str, str] = {}
        groupings: dict[str, tuple[Membership, ...]] = {}
        for data in contributions:
            if not isinstance(data, ReferenceData):
                raise ValidationError("expected ReferenceData", field="contributions", value=data)
            agencies.update((a.key, a) for a in data.agencies)
            donors.update((d.id, d) for d in data.donors)
            drugs.update((t.key, t) for t in data.drugs)
            aliases.update(data.country_aliases)
            groupings.update(data.groupings)
        return cls(agencies, donors, drugs, aliases, groupings)

    # -- countries ------------------------------------------------------------------------

    @cached_property
    def _countries(self) -> _Countries:
        import gettext

        import pycountry  # Lazy: only a country lookup pays for it.

        french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
        records: dict[str, Country] = {}
        codes: dict[str, str] = {}
        names: dict[str, str] = {}
        for entry in pycountry.countries:
            english = [
                n
                for n in (getattr(entry, "common_name", None), entry.name,
                          getattr(entry, "official_name", None))
                if n
            ]  # fmt: skip
            forms = english + [french.gettext(n) for n in english]
            records[entry.alpha_3] = Country(
                alpha3=entry.alpha_3,
                alpha2=entry.alpha_2,
                name_en=english[0],
                name_fr=forms[len(english)],
            )
            for code in (entry.alpha_2, entry.alpha_3, entry.numeric):
                codes[code] = entry.alpha_3
            for form in forms:
                # ISO writes "Korea, Republic of": also index "Republic of Korea".
                head, _, tail = form.partition(", ")
                for variant in (form, f"{tail} {head}") if tail else (form,):
                    names.setdefault(_name_key(variant), entry.alpha_3)
        for alias, iso3 in self._country_aliases.items():
            key = _name_key(alias)
            if names.setdefault(key, iso3) != iso3:
                raise ValidationError(
                    f"the country alias {alias!r} is already the name of {names[key]}",
                    field="country_aliases",
                    value=alias,
                )
        return _Countries(records, codes, names)

    def country(self, text: str) -> Country:
        """The country for an ISO code (alpha-2, alpha-3, numeric) or an English or French
        name or alias: "ML", "MLI", "466", "Mali"; "Tchad"; "The Gambia"; "Etats-Unis"."""
        index = self._countries
        if isinstance(text, str):
            iso3 = index.codes.get(text.strip().upper()) or index.names.get(_name_key(text))
            if iso3:
                return index.records[iso3]
        raise ReferenceNotFound("unknown country", field="country", value=text)

    def countries(self) -> tuple[Country, ...]:
        """Every ISO 3166 country, by alpha-3 code."""
        records = self._countries.records
        return tuple(records[k] for k in sorted(records))

    def country_names(self) -> Mapping[str, str]:
        """Folded English and French names and aliases (leading article removed) -> ISO3.

        Codes are left out: "IN", "TO" or "CAN" in running text are words, not countries.
        """
        return MappingProxyType(self._countries.names)

    # -- groupings ------------------------------------------------------------------------

    def grouping(self, name: str, on: dt.date | None = None) -> frozenset[str]:
        """ISO3 codes of a grouping ("sahel", "g5_sahel", "ecowas", "waemu"/"uemoa", "cemac",
        "aes"). Without ``on``, every country listed; with ``on``, the members on that day."""
        members = self._groupings.get(_query(name, "grouping"))
        if members is None:
            known = ", ".join(self._grouping_names)
            raise ReferenceNotFound(f"unknown grouping; known: {known}", field="grouping",
                                    value=name)  # fmt: skip
        if on is not None and not isinstance(on, dt.date):
            raise ValidationError("expected a date", field="on", value=on)
        return frozenset(m.country for m in members if on is None or m.on(on))

    def groupings(self) -> tuple[str, ...]:
        """The grouping names :meth:`grouping` knows, aliases included."""
        return self._grouping_names

    # -- agencies -------------------------------------------------------------------------

    def agency(self, text: str, country: str | None = None) -> Agency:
        """The agency for a key, acronym, English or French name or alias.

        ``country`` (any form :meth:`country` reads) chooses between agencies that share a
        name, e.g. ``agency("OCRTIS", country="Niger")``; it does not reject a unique match.
        Raises :class:`~sahel_core.errors.AmbiguousInput` when several agencies remain.
        """
        keys = self._agency_index.get(_query(text, "agency"))
        if not keys:
            raise ReferenceNotFound("unknown agency", field="agency", value=text)
        if len(keys) > 1 and country is not None:
            iso3 = self.country(country).alpha3
            keys = tuple(k for k in keys if self._agencies[k].country == iso3) or keys
        if len(keys) > 1:
            raise AmbiguousInput(
                f"several agencies go by this name ({', '.join(sorted(keys))}); give a country",
                field="agency",
                value=text,
            )
        return self._agencies[keys[0]]

    def agencies(self) -> tuple[Agency, ...]:
        """Every agency, by key."""
        return tuple(self._agencies[k] for k in sorted(self._agencies))

    def agency_aliases(self) -> Mapping[str, str]:
        """Folded name -> agency key, for scanning text.

        A name shared by several agencies ("ocrtis", "centif") maps to itself: resolve it with
        ``agency(name, country=...)`` once the text says which country.
        """
        return MappingProxyType(
            {name: keys[0] if len(keys) == 1 else name for name, keys in self._agency_index.items()}
        )

    # -- donors ---------------------------------------------------------------------------

    def donor(self, text: str) -> Donor:
        """The donor for an organisation's id, name or alias ("EU"), or a government:
        "Germany", "the government of Germany", "Gouvernement du Japon", "DEU"."""
        key = _query(text, "donor")
        if found := self._donor_index.get(key):
            return self._donors[found]
        match = _GOVERNMENT_OF.fullmatch(key) or _GOVERNMENT.fullmatch(key)
        try:
            place = self.country(match[1] if match else key)
        except ReferenceNotFound:
            raise ReferenceNotFound("unknown donor", field="donor", value=text) from None
        return self._donors.get(place.alpha3) or Donor(
            id=place.alpha3, name=place.name_en, kind=DonorKind.GOVERNMENT, country=place.alpha3
        )

    def donors(self) -> tuple[Donor, ...]:
        """The donors listed in the data: organisations, and governments whose agencies have
        identifiers of their own (any other government comes from its country)."""
        return tuple(self._donors[k] for k in sorted(self._donors))

    # -- drugs ----------------------------------------------------------------------------

    def drug(self, text: str) -> DrugTerm:
        """The drug term for a key, name or alias: "cocaïne", "chanvre indien", "hashish"."""
        found = self._drug_index.get(_query(text, "drug"))
        if found is None:
            raise ReferenceNotFound("unknown drug", field="drug", value=text)
        return self._drugs[found]

    def drugs(self) -> tuple[DrugTerm, ...]:
        """Every drug term, by key."""
        return tuple(self._drugs[k] for k in sorted(self._drugs))

    def drug_aliases(self) -> Mapping[str, str]:
        """Folded name or alias -> drug key, for scanning text."""
        return MappingProxyType(self._drug_index)

    def unodc_drug(self, group: str | None, subgroup: str | None, name: str | None) -> DrugTerm:
        """The term for a row of UNODC's drug-seizure data (DrugGroup, DrugSubGroup,
        DrugName): the drug name decides when it is mapped, else the sub-group, else the
        group; rows none of them maps become the ``other`` term (keep the originals)."""
        for label in (name, subgroup, group):
            if isinstance(label, str) and (found := self._unodc_index.get(fold(label))):
                return self._drugs[found]
        if "other" not in self._drugs:
            raise ReferenceNotFound("no drug term 'other'", field="drug", value=name)
        return self._drugs["other"]


_GOVERNMENT_OF = re.compile(
    r"(?:the )?(?:federal |royal )?(?:government|gouvernement|govt) "
    r"(?:of|du|de la|de l|des|de|d)(?: the)? (.+)"
)
_GOVERNMENT = re.compile(r"(?:the )?(.+?)(?: federal)? (?:government|gouvernement)")


# --- the package's data ---------------------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    import csv
    import io
    from importlib.resources import files

    text = (files("sahel_core") / "data" / name).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return [{k: (v or "").strip() for k, v in row.items()} for row in rows]


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


@cache
def builtin() -> ReferenceData:
    """The reference data shipped in ``sahel_core/data`` (read once)."""
    groupings: dict[str, list[Membership]] = {}
    for row in _rows("groupings.csv"):
        member = Membership(
            row["country"],
            dt.date.fromisoformat(row["joined"]) if row["joined"] else None,
            dt.date.fromisoformat(row["left"]) if row["left"] else None,
        )
        for name in _split(row["grouping"]):
            groupings.setdefault(name, []).append(member)
    return ReferenceData(
        name="builtin",
        agencies=tuple(
            Agency(
                acronym=r["acronym"],
                name_en=r["name_en"],
                name_fr=r["name_fr"] or None,
                country=r["country"] or None,
                kind=r["kind"],
                key=r["key"],
                aliases=_split(r["aliases"]),
            )
            for r in _rows("agencies.csv")
        ),
        donors=tuple(
            Donor(
                id=r["id"],
                name=r["name"],
                kind=r["kind"],
                country=r["country"] or None,
                aliases=_split(r["aliases"]),
            )
            for r in _rows("donors.csv")
        ),
        drugs=tuple(
            DrugTerm(
                key=r["key"],
                name_en=r["name_en"],
                name_fr=r["name_fr"],
                category=r["category"],
                aliases=_split(r["aliases"]),
                unodc_groups=_split(r["unodc_labels"]),
            )
            for r in _rows("drugs.csv")
        ),
        country_aliases={r["alias"]: r["country"] for r in _rows("country_aliases.csv")},
        groupings={name: tuple(members) for name, members in groupings.items()},
    )


@cache
def default() -> Reference:
    """The reference the module-level functions use: every plugin's contribution.

    The package's own data arrives through the built-in plugin
    ``sahel_core.plugins.reference_builtin``, exactly as a third party's would.
    """
    from sahel_core.plugins import get_manager

    return Reference.build(get_manager().reference_data.values())


def country(text: str) -> Country:
    """:meth:`Reference.country` on the default reference."""
    return default().country(text)


def countries() -> tuple[Country, ...]:
    """:meth:`Reference.countries` on the default reference."""
    return default().countries()


def country_names() -> Mapping[str, str]:
    """:meth:`Reference.country_names` on the default reference."""
    return default().country_names()


def grouping(name: str, on: dt.date | None = None) -> frozenset[str]:
    """:meth:`Reference.grouping` on the default reference."""
    return default().grouping(name, on)


def groupings() -> tuple[str, ...]:
    """:meth:`Reference.groupings` on the default reference."""
    return default().groupings()


def agency(text: str, country: str | None = None) -> Agency:
    """:meth:`Reference.agency` on the default reference."""
    return default().agency(text, country)


def agencies() -> tuple[Agency, ...]:
    """:meth:`Reference.agencies` on the default reference."""
    return default().agencies()


def agency_aliases() -> Mapping[str, str]:
    """:meth:`Reference.agency_aliases` on the default reference."""
    return default().agency_aliases()


def donor(text: str) -> Donor:
    """:meth:`Reference.donor` on the default reference."""
    return default().donor(text)


def donors() -> tuple[Donor, ...]:
    """:meth:`Reference.donors` on the default reference."""
    return default().donors()


def drug(text: str) -> DrugTerm:
    """:meth:`Reference.drug` on the default reference."""
    return default().drug(text)


def drugs() -> tuple[DrugTerm, ...]:
    """:meth:`Reference.drugs` on the default reference."""
    return default().drugs()


def drug_aliases() -> Mapping[str, str]:
    """:meth:`Reference.drug_aliases` on the default reference."""
    return default().drug_aliases()


def unodc_drug(group: str | None, subgroup: str | None, name: str | None) -> DrugTerm:
    """:meth:`Reference.unodc_drug` on the default reference."""
    return default().unodc_drug(group, subgroup, name)
