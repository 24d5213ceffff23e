"""The names the scan looks up (countries, localities, agencies, drugs, donors, demonyms,
groupings, words the rules care about), compiled once into one index by first word."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from importlib.resources import files
from typing import Final

from attrs import frozen

from sahel_core.dates import _WEEKDAYS
from sahel_core.entities import Agency
from sahel_core.extract._figures import _COUNTING_WORDS, _MONTH_WORDS, _NUMBER_WORD_SET
from sahel_core.extract._text import fold_same_length, words_of

# --- vocabularies, compiled once --------------------------------------------------------------

_SEP = r"[^a-z0-9\n]{1,3}"  # between the words of a name: space, hyphen, apostrophe, quote


def _name_key(text: str) -> str:
    return " ".join(words_of(fold_same_length(text)))


@frozen
class _Name:
    """One name of a vocabulary, indexed by its first word (see :func:`_vocabulary`)."""

    kind: str  # country, locality, agency, drug, donor
    value: str
    first: str  # the first word, the key of the index
    second: str | None  # the second word of a name of several words
    length: int  # characters of the name's key: the longest name at a place wins
    whole: re.Pattern[str] | None  # the whole name, for names of several words
    capital: bool  # must start with a capital letter in the text (proper names)
    acronym: bool  # must be in capitals in the text ("EU", "ATS")


def _names(
    kind: str, names: Iterable[tuple[str, str]], *, capital: bool = False, skip: Iterable[str] = ()
) -> list[_Name]:
    values: dict[str, str] = {}
    lower: set[str] = set()
    upper: set[str] = set()
    skipped = set(skip)
    for name, value in names:
        key = _name_key(name)
        if len(key) < 2 or key in skipped:
            continue
        values.setdefault(key, value)
        letters = [c for c in name if c.isalpha()]
        if len(letters) <= 6 and letters and all(c.isupper() for c in letters):
            upper.add(key)
        else:
            lower.add(key)
    out = []
    for key, value in values.items():
        words = key.split(" ")
        whole = None
        if len(words) > 1:
            whole = re.compile(_SEP.join(re.escape(w) for w in words) + r"(?![a-z0-9])")
        second = words[1] if len(words) > 1 else None
        acronym = key in upper - lower
        out.append(_Name(kind, value, words[0], second, len(key), whole, capital, acronym))
    return out


# Demonyms of the region, used with a word for the authorities ("Malian authorities",
# "autorités maliennes") and for people ("two Nigerians and a Malian"): facts of language,
# not in the reference data.
_DEMONYMS: Final = {
    "MLI": "malian malians malien malienne maliens maliennes",
    "NER": "nigerien nigerienne nigeriens nigeriennes",
    "BFA": "burkinabe burkinabes",
    "SEN": "senegalese senegalais senegalaise senegalaises",
    "TCD": "chadian chadians tchadien tchadienne tchadiens tchadiennes",
    "MRT": "mauritanian mauritanians mauritanien mauritanienne mauritaniens mauritaniennes",
    "GHA": "ghanaian ghanaians ghanean ghaneen ghaneenne ghaneens ghaneennes",
    "TGO": "togolese togolais togolaise togolaises",
    "NGA": "nigerian nigerians nigeriane nigerianes",
    "GIN": "guinean guineans guineen guineenne guineens guineennes",
    "CIV": "ivorian ivorians ivoirien ivoirienne ivoiriens ivoiriennes",
    "BEN": "beninese beninois beninoise beninoises",
    "GMB": "gambian gambians gambien gambienne gambiens gambiennes",
    "CMR": "cameroonian cameroonians camerounais camerounaise camerounaises",
    "DZA": "algerian algerians algerien algerienne algeriens algeriennes",
    "LBY": "libyan libyans libyen libyenne libyens libyennes",
    "MAR": "moroccan moroccans marocain marocaine marocains marocaines",
}
_DEMONYM_OF: Final = {w: iso3 for iso3, words in _DEMONYMS.items() for w in words.split()}
# The plurals, which name people after a count ("deux Nigérians"): English and French plurals
# end in "s"; "-ese" and "Burkinabe" are their own plurals ("two Senegalese", "two Burkinabe"),
# and so name people only with no noun after them (not "two Senegalese trucks").
_DEMONYM_INVARIANT: Final = frozenset(w for w in _DEMONYM_OF if w.endswith(("ese", "burkinabe")))
_DEMONYM_PLURALS: Final = frozenset(w for w in _DEMONYM_OF if w.endswith("s"))
_AUTHORITIES = (
    r"authorities|police|customs|gendarmerie|government|army|armed forces|security forces|"
    r"forces|officials|law enforcement|judiciary|legislators|courts|investigators|navy"
)
# fmt: off
_AUTHORITIES_FR: Final = frozenset((
    "autorites", "police", "douane", "douanes", "gendarmerie", "gouvernement", "armee",
    "forces", "justice",
))
# fmt: on
_DEMONYM_EN = re.compile(rf"[a-z]+\s+(?:[a-z]+\s+)?(?:{_AUTHORITIES})(?![a-z])")
_DEMONYM_FR = re.compile(r"[a-z]+\s+(?P<word>[a-z]+)(?![a-z])")

# Groupings named with "member states/countries" ("the five G5 Sahel member countries"); the
# "Sahel" alone is too loose a name to list countries.
_GROUPINGS: Final = ("g5 sahel", "g5", "ecowas", "cedeao", "waemu", "uemoa", "cemac", "aes")
_GROUP_NAMES = "|".join(g.replace(" ", r"\s+") for g in _GROUPINGS)
_GROUPING = re.compile(
    rf"(?P<g>{_GROUP_NAMES})\s+(?:member\s+)?(?:states|countries|nations)(?![a-z])"
    rf"|(?:pays|etats)\s+(?:membres\s+)?(?:du|de\s+la|de\s+l'|de)\s*(?P<g2>{_GROUP_NAMES})"
    r"(?![a-z0-9])"
)
_GROUPING_WORDS: Final = frozenset(
    ("g5", "ecowas", "cedeao", "waemu", "uemoa", "cemac", "aes", "pays", "etats")
)

# Words that decide which rules look at a sentence: the rules' own patterns then run on those
# sentences only (see _TRIGGERS).
_TRIGGER_STEMS: Final = {
    "programme": ("contribution",),
    "funded": ("fund", "financ", "sponsor", "support", "possible", "soutenu", "appuy",
               "contribution", "fonds", "appui", "grace", "soutien"),
    "workshop": ("workshop", "training", "seminar", "atelier", "formation", "seminaire"),
    "arrest": ("arrest", "apprehend", "interpell", "arrete", "arrestation"),
    "destroy": ("incinerat", "destroy", "destruction", "burn", "incinere", "detrui", "brule"),
}  # fmt: skip


# What the scan does with a word (bits of _Vocabulary.actions and _action).
_DATE_WORD, _FIGURE_WORD, _NAME_WORD, _DEMONYM_WORD, _AUTHORITY_WORD, _GROUPING_WORD = (
    1 << i for i in range(6)
)
_DIGITS_WORD = 1 << 6
_MEASURE_WORD = 1 << 7
_TRIGGER_KINDS: Final = tuple((1 << (8 + i), kind) for i, kind in enumerate(_TRIGGER_STEMS))
_TRIGGER_BITS: Final = sum(bit for bit, _ in _TRIGGER_KINDS)
# A word of a date told relative to the page's ("last week", "hier", "mardi dernier", "three
# days ago"): see _patterns._RELATIVE_DATE, which the rules match around it.
_RELATIVE_WORD = 1 << (8 + len(_TRIGGER_STEMS))
_RELATIVE_WORDS: Final = frozenset(
    ("yesterday", "hier", "week", "month", "year", "semaine", "mois", "annee", "ago", "jours",
     *_WEEKDAYS)
)  # fmt: skip
_WORD_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# The action of each distinct word seen so far (all texts): words repeat, so each is worked out
# once. Bounded: cleared when it would grow past _ACTIONS_MAX words.
_ACTIONS: dict[str, int] = {}
_ACTIONS_MAX = 500_000


def _actions(words: set[str], vocabulary: _Vocabulary) -> dict[str, int]:
    """A mapping that gives the action of each of ``words`` (and maybe of others)."""
    new = words.difference(_ACTIONS)
    if len(_ACTIONS) + len(new) > _ACTIONS_MAX:
        _ACTIONS.clear()
        new = words
    for word in new:
        _ACTIONS[word] = _action(word, vocabulary)
    return _ACTIONS


def _action(word: str, vocabulary: _Vocabulary) -> int:
    action = vocabulary.actions.get(word, 0)
    if word[0] <= "9":
        action |= _DIGITS_WORD
    for bit, kind in _TRIGGER_KINDS:
        if word.startswith(_TRIGGER_STEMS[kind]):
            action |= bit
    return action


@frozen
class _Vocabulary:
    index: Mapping[str, tuple[_Name, ...]]  # first word → names starting with it, longest first
    actions: Mapping[str, int]  # word → what the scan does with it (the bits above)
    agencies: Mapping[str, Agency]  # key → agency


@lru_cache(maxsize=65536)
def _names_at(word: str, following: str) -> tuple[_Name, ...]:
    """The names that may start with ``word`` when ``following`` is the next word, longest
    first (names of several words must go on with their second word)."""
    return tuple(
        n for n in _vocabulary().index.get(word, ()) if n.second is None or n.second == following
    )


def _locality_rows() -> list[dict[str, str]]:
    data = (files("sahel_core") / "data" / "localities.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(data)))


def _article_figure_words() -> frozenset[str]:
    """Words an article before them makes a figure of: units of measure written out in one
    word ("ton", "kilogrammes", "litre", "hectare"), "a ton". Counts are left out: "a case of
    cocaine trafficking" and "a unit of the police" count nothing. Scale words are in: "a
    million CFA francs", "half a million", "un million de FCFA" are figures."""
    from sahel_core.numbers import SCALE_WORDS
    from sahel_core.quantities import _spellings, _written_out

    units = (
        key
        for key, unit in _spellings().items()
        if unit.dimension in ("mass", "volume", "area") and key.isalpha() and _written_out(key)
    )
    # Not the abbreviations "mn", "mln", "bn": they follow a number ("13 mn"), not an article.
    scales = (w + plural for w in SCALE_WORDS if len(w) > 3 for plural in ("", "s"))
    return frozenset((*units, *scales))


@cache
def _vocabulary() -> _Vocabulary:
    """Every name the scan looks for, indexed by first word: countries (English and French,
    from :mod:`sahel_core.reference`), localities (``data/localities.csv``), agencies, drug
    terms and donors."""
    from sahel_core import reference

    ref = reference.default()
    rows = _locality_rows()
    aliases = ref.agency_aliases()
    agency_names: list[tuple[str, str]] = []
    for agency in ref.agencies():
        for name in {agency.key, agency.acronym, agency.name_en, agency.name_fr, *agency.aliases}:
            if name:
                agency_names.append((name, aliases.get(reference.fold(name), agency.key)))
    drug_names: list[tuple[str, str]] = []
    for term in ref.drugs():
        for name in (term.key.replace("_", " "), term.name_en, term.name_fr, *term.aliases):
            drug_names.append((name, term.key))
            drug_names.append((re.sub(r"\s*\(.*?\)", "", name), term.key))
    names = [
        *_names("country", ref.country_names().items(), capital=True),
        *_names("locality", ((r["name"], f"{r['iso3']}|{r['name']}") for r in rows), capital=True),
        *_names("agency", agency_names),
        *_names("drug", drug_names, skip=("other",)),
        *_names("donor", ((n, d.id) for d in ref.donors() for n in (d.name, *d.aliases))),
    ]
    index: dict[str, list[_Name]] = {}
    for entry in names:
        index.setdefault(entry.first, []).append(entry)
    actions: dict[str, int] = {}
    for bit, words in (
        (_DATE_WORD, _MONTH_WORDS),
        (_FIGURE_WORD, _NUMBER_WORD_SET | _COUNTING_WORDS),
        (_MEASURE_WORD, _article_figure_words()),
        (_NAME_WORD, index),
        (_DEMONYM_WORD, _DEMONYM_OF),
        (_AUTHORITY_WORD, _AUTHORITIES_FR),
        (_GROUPING_WORD, _GROUPING_WORDS),
        (_RELATIVE_WORD, _RELATIVE_WORDS),
    ):
        for word in words:
            actions[word] = actions.get(word, 0) | bit
    return _Vocabulary(
        index={k: tuple(sorted(v, key=lambda n: -n.length)) for k, v in index.items()},
        actions=actions,
        agencies={a.key: a for a in ref.agencies()},
    )
