"""The rules of :mod:`sahel_core.extract`, sentence by sentence, and what plugin rules get."""

from __future__ import annotations

import bisect
import re
import warnings
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from attrs import define, field

from sahel_core.dates import PartialDate
from sahel_core.entities import (
    Place,
    SourceRef,
)
from sahel_core.errors import (
    PluginWarning,
    SahelError,
)
from sahel_core.extract._figures import _DIGITS, _amount, _money, _number
from sahel_core.extract._model import Evidence, FieldEvidence
from sahel_core.extract._scan import _Mention, _Scan
from sahel_core.extract._text import _Sentence, _sentences, fold_same_length
from sahel_core.money import Money
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount

if TYPE_CHECKING:
    from sahel_core.specs import ExtractionRule


# --- rules ----------------------------------------------------------------------------------

_SEIZE = re.compile(
    r"(?<![a-z])(?:seiz\w*|confiscat\w*|intercept\w*|impound\w*|saisi\w*|discover\w*|"
    r"decouv\w*|recovered)"
)
_ARREST = re.compile(
    r"(?<![a-z])(?:arrest(?:ed|s|ing)?|apprehend\w*|interpell\w*|arrete[es]{0,2}|arrestations?|"
    r"apprehende\w*)(?![a-z])"
)
_DESTROY = re.compile(
    r"(?<![a-z])(?:incinerat\w*|destroy\w*|destruction|burn(?:ed|t)|incinere\w*|detrui\w*|"
    r"brule[es]{0,2})(?![a-z])"
)
_CUMULATIVE = re.compile(
    r"(?<![a-z])(?:since|depuis|a\s+partir\s+de|in\s+total|au\s+total|a\s+total\s+of|so\s+far|"
    r"to\s+date|cumulative\w*|en\s+tout|jusqu'a\s+present|a\s+ce\s+jour|each\s+year|per\s+year|"
    r"par\s+an|annually|chaque\s+annee)(?![a-z])"
)
_CUT_WITH = re.compile(r"(?:cut|mixed|coupee?s?|melangee?s?)\s+(?:with|avec|a)\s+$")
_OF = re.compile(r"\s*(?:of|de|d'|du|des)\s*(?:the\s+|la\s+|le\s+|l')?(?:[a-z]+\s+)?$")
_CONTAINING = re.compile(r"\s*,?\s*(?:containing|contenant|with|soit|avec|comprising)\s+$")
_CONTAINERS = frozenset({"carton", "packet", "bag", "sack", "block", "bottle"})
_WORKSHOP = re.compile(
    r"(?<![a-z])(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?)(?![a-z])"
)
_WORKSHOP_VERB = re.compile(
    r"(?<![a-z])(?:organi[sz]ed(?!\s+crim)|organisee?s?(?!\s+crim)|held|conducted|took\s+place|was\s+held|"
    r"s'est\s+tenue?|se\s+sont\s+tenu\w*|a\s+eu\s+lieu|ont\s+eu\s+lieu|tenue?s?|"
    r"brought\s+together|reunited|gathered|a\s+reuni|ont\s+reuni|a\s+rassemble)(?![a-z])"
)
_DEFINITE = re.compile(
    r"(?<![a-z])(?:the|this|that|these|ce|cet|cette|ces|l'|la|le|les)\s*(?:[a-z-]+\s+){0,2}?"
    r"(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?|event|sessions?|"
    r"activit(?:y|e))(?![a-z])"
)
_TOPIC = re.compile(
    r"(?:(?:workshops?|trainings?|seminars?|ateliers?|formations?|seminaires?|sessions?|de)\s+)"
    r"{1,3}(?:on|sur|about|consacree?s?\s+a)\s+(?P<topic>.+?)"
    r"(?=\s*(?:[,;:.()]|\s(?:on|in|at|from|for|with|le|du|a|au|en|dans|pour|avec|was|were|"
    r"is|are|has|have|will|took|which|that|s'est|se|a\s+eu|ont|qui|sera)\s+|$))"
)
_BECAUSE_OF = re.compile(
    r"(?<![a-z])(?:following|after|thanks\s+to|as\s+a\s+result\s+of|suite\s+a|apres|"
    r"grace\s+a)(?![a-z])"
)
_VERB_AFTER = re.compile(
    r"(?:\s+sessions?)?\s+(?:was\s+|were\s+)?(?:conducted|organi[sz]ed|held|delivered|"
    r"organisee?s?|dispensee?s?|tenue?s?)(?![a-z])"
)
_QUOTED = re.compile(r"\s*\"\s*(?P<topic>[^\"\n]{1,200}?)\s*\"")
# fmt: off
_ATTENDEES = frozenset((
    "participants", "participant", "representatives", "trainees", "attendees", "delegates",
    "representants", "stagiaires", "delegues",
))
# fmt: on
# fmt: off
_PEOPLE = _ATTENDEES | frozenset((
    "people", "persons", "officers", "officials", "agents", "magistrates", "judges",
    "prosecutors", "personnes", "magistrats", "officiers", "individuals", "individus",
    "journalists", "journalistes",
))
# fmt: on
_COUNT_NOUN = re.compile(rf"\s+(?:[a-z-]+\s+)?(?P<noun>{'|'.join(sorted(_PEOPLE))})(?![a-z])")
_INSTITUTION_NOUNS = (
    r"institutions|agencies|services|organisations|organizations|structures|administrations|"
    r"ministries|ministeres|units|unites"
)
_INSTITUTIONS = re.compile(
    rf"\s+(?:of|de|d'|from|venus\s+de|issus\s+de)\s+(?P<count>{_DIGITS})\s+"
    rf"(?:[a-z-]+\s+)?(?:{_INSTITUTION_NOUNS})(?![a-z])"
)
_ARRESTED_ONE = re.compile(
    r"(?<![a-z])(?:the|a|an|one|le|un|une|son|its|their|his)\s+(?:alleged\s+|suspected\s+|"
    r"presumed\s+|notorious\s+|presume\s+|suppose\s+)?(?:kingpin|suspect|trafficker|ringleader|"
    r"leader|baron|dealer|smuggler|individual|man|woman|chef|trafiquant|individu|caid|"
    r"passeur)(?![a-z])"
)
_ARRESTED_NOUNS = (
    r"people|persons|suspects|individuals|traffickers|members|smugglers|dealers|men|women|"
    r"personnes|suspects|individus|trafiquants|membres|passeurs"
)
_ARRESTED_COUNT = re.compile(rf"\s+(?:[a-z-]+\s+)?(?:{_ARRESTED_NOUNS})(?![a-z])")
_CLOSING = re.compile(r"\s*[)\]]")
_BETWEEN_EQUIVALENTS = re.compile(r"\s*[(\[/]?\s*|\s*/\s*|\s*,\s*")
_COREFERENCE = re.compile(
    r"(?<![a-z])(?:his|her|their|the|this|that|son|sa|leur|cette|l')\s*"
    r"(?:arrest|arrestation|interpellation)(?![a-z])"
)
_FUNDED = re.compile(
    r"(?<![a-z])(?:funded|financed|sponsored|supported|made\s+possible|financee?s?|"
    r"soutenue?s?|appuyee?s?)\s+(?:\w+\s+){0,6}?(?:by|par|thanks\s+to|grace\s+a)"
    r"|(?:funds|funding|financial\s+support|contribution|financement|fonds|appui\s+financier)"
    r"\s+(?:provided\s+by|from|of|du|de\s+la|de\s+l'|des|de)"
    r"|(?:with\s+the\s+(?:financial\s+)?support\s+of|avec\s+l'appui\s+de|avec\s+le\s+soutien\s+de"
    r"|grace\s+au\s+(?:financement|soutien)\s+de)"
)
_PROGRAMME_LIST = re.compile(
    r"contributions?\s+(?:from|of)\s+the\s+governments\s+of|(?:grace\s+aux|avec\s+les)\s+"
    r"contributions\s+des\s+gouvernements"
)
# The rules' patterns, run on a sentence where the scan saw one of their words (_TRIGGER_STEMS).
_TRIGGERS: Final = {
    "programme": _PROGRAMME_LIST,
    "funded": _FUNDED,
    "workshop": _WORKSHOP,
    "arrest": _ARREST,
    "destroy": _DESTROY,
}
_PROGRAMME_NAME = re.compile(r"((?:[A-Z][\w-]*\s+){1,4}Program(?:me)?)(?![a-z])")
_VALUE_CUE = re.compile(
    r"(?<![a-z])(?:worth|value[ds]?|valued|price[ds]?|priced|sold|costs?|cost|valeur|prix|"
    r"vendue?s?|coute\w*|estimated\s+at|estimee?s?\s+a)(?![a-z])"
)
_DONOR_JOINER = re.compile(
    r"[\s,:;•·*()\"-]+|[ld]'|(?:and|et|the|of|government|governments|gouvernement|"
    r"gouvernements|du|de|des|la|le|kingdom|royaume|federal|republic|republique|ainsi\s+que|"
    r"as\s+well\s+as)(?![a-z])"
)
# Verbs that say the people counted took part ("brought together 24 customs officers").
_GATHERED = re.compile(
    r"(?<![a-z])(?:brought\s+together|gathered|reunited|attended|took\s+part|participated|"
    r"were\s+trained|a\s+reuni|ont\s+reuni|a\s+rassemble|ont\s+participe|ont\s+pris\s+part|"
    r"ont\s+ete\s+formee?s)(?![a-z])"
)
_PERIOD_DAYS = 366
_VERB_WINDOW = 80


class _ParticipantCount(NamedTuple):
    mention: _Mention
    institutions: re.Match[str] | None  # "of 20 institutions" after the count


@define
class _Draft:
    """A record being assembled; fields may come from several sentences."""

    kind: str
    fields: dict[str, Any]
    sentence: int  # index of the main sentence
    evidence: dict[str, FieldEvidence] = field(factory=dict)
    sentences: list[int] = field(factory=list)
    flags: list[str] = field(factory=list)
    order: tuple[int, int] = (0, 0)


@define
class RuleMatch:
    """What a plugin's :class:`~sahel_core.specs.ExtractionRule` gets for each match.

    ``match`` is the regular-expression match in the folded text (see
    :func:`fold_same_length`); :meth:`text` gives the original text of a group. The context
    of the sentence is ready: ``date`` (the date nearest the match), ``place``, ``countries``
    and ``agencies``. :meth:`amount` and :meth:`money` read a group with the project's
    parsers (``None`` when it cannot be read); :meth:`number` reads a count.
    """

    match: re.Match[str]
    sentence: Evidence
    lang: str
    date: PartialDate | None
    place: Place | None
    countries: tuple[str, ...]
    agencies: tuple[str, ...]
    source_text: str

    def text(self, group: str | int = 0) -> str:
        """The original text of a group of the match."""
        start, end = self.match.span(group)
        return self.source_text[start:end]

    def amount(self, group: str | int = 0, unit: str | None = None) -> Amount | None:
        """The group read as an amount; a bare count ("30", "some 30") takes ``unit``."""
        text = self.text(group)
        found = _amount(text, self.lang)
        if found is None and unit is not None:
            number = _number(text, self.lang)
            if number is not None:
                qualifier, value = number
                try:
                    found = Amount(value, unit, qualifier, text=text)
                except SahelError:
                    return None
        return found

    def number(self, group: str | int = 0) -> tuple[Qualifier, Decimal] | None:
        """The group read as a qualified number: ``(MORE_THAN, Decimal("9000"))``."""
        return _number(self.text(group), self.lang)

    def money(self, group: str | int = 0) -> Money | None:
        """The group read as a sum of money."""
        return _money(self.text(group), self.lang)


class _Extractor:
    """One pass over one text: sentences, mentions, then the rules, sentence by sentence."""

    def __init__(
        self, text: str, lang: str, source: SourceRef, rules: Sequence[ExtractionRule]
    ) -> None:
        self.text = text
        self.folded = fold_same_length(text)
        self.lang = lang
        self.source = source
        self.rules = [r for r in rules if r.lang in (None, lang)]
        self.sentences = _sentences(text)
        self.scan = _Scan(text, self.folded, lang)
        self.drafts: list[_Draft] = []
        self.mentions: list[list[_Mention]] = []  # by sentence, filled by run()
        self.used: set[tuple[int, int]] = set()  # spans of figures a record already took
        self.used_in: dict[int, list[tuple[int, int]]] = {}  # the same, by sentence
        self.starts = [x.start for x in self.sentences]
        self.activity_donors: list[tuple[str, int, int, int]] = []  # donor, start, end, sentence
        self.last_workshop: _Draft | None = None
        self.last_arrest: _Draft | None = None
        self.evidence: dict[int, Evidence] = {}
        for position, kind in self.scan.triggers:
            index = bisect.bisect_right(self.starts, position) - 1
            if index >= 0:
                self.sentences[index].triggers.add(kind)

    def first(self, name: str, s: _Sentence) -> tuple[int, int] | None:
        """The span of the first match of rule pattern ``name`` (see ``_TRIGGERS``) in
        sentence ``s``; the pattern runs only if the scan saw one of its words there."""
        if name not in s.triggers:
            return None
        match = _TRIGGERS[name].search(self.folded, s.start, s.end)
        return match.span() if match is not None else None

    # -- helpers --------------------------------------------------------------------------

    def use(self, start: int, end: int) -> None:
        """Mark a span as taken by a record, so no later rule reads it again."""
        self.used.add((start, end))
        index = bisect.bisect_right(self.starts, start) - 1
        self.used_in.setdefault(index, []).append((start, end))

    def is_used(self, start: int, end: int) -> bool:
        index = bisect.bisect_right(self.starts, start) - 1
        return any(a < end and start < b for a, b in self.used_in.get(index, ()))

    def span(self, start: int, end: int) -> Evidence:
        return Evidence(start, end, self.text[start:end])

    def sentence_evidence(self, index: int) -> Evidence:
        found = self.evidence.get(index)
        if found is None:
            s = self.sentences[index]
            found = self.evidence[index] = self.span(s.start, s.end)
        return found

    def note(self, draft: _Draft, name: str, start: int, end: int, index: int) -> None:
        draft.evidence[name] = FieldEvidence(
            name, self.span(start, end), self.sentence_evidence(index)
        )
        if index not in draft.sentences:
            draft.sentences.append(index)

    def new(self, kind: str, index: int, anchor: int) -> _Draft:
        draft = _Draft(kind, {}, index, sentences=[index], order=(anchor, len(self.drafts)))
        self.drafts.append(draft)
        return draft

    def nearest(self, mentions: list[_Mention], kind: str, anchor: int) -> _Mention | None:
        found = [m for m in mentions if m.kind == kind]
        if not found:
            return None
        return min(found, key=lambda m: (abs(m.start - anchor), m.start))

    def place(
        self, mentions: list[_Mention], anchor: int, *, demonym: bool = True
    ) -> tuple[Place | None, _Mention | None]:
        """The place a sentence puts an event in, and the mention it came from."""
        local = [m for m in mentions if m.kind == "locality" and m.extra == "in"]
        if local:
            after = [m for m in local if m.start >= anchor]
            best = after[0] if after else local[-1]
            iso3, name = best.value.split("|", 1)
            return Place(iso3, name), best
        named = [m for m in mentions if m.kind == "country" and m.extra == "in"]
        if named:
            after = [m for m in named if m.start >= anchor]
            best = after[0] if after else named[-1]
            return Place(best.value), best
        if demonym:
            people = [m for m in mentions if m.kind == "demonym"]
            if len({m.value for m in people}) == 1:
                return Place(people[0].value), people[0]
        return None, None

    def agencies(self, mentions: list[_Mention]) -> list[_Mention]:
        """Agency mentions with their key, ambiguous names settled by the sentence's countries."""
        if not any(m.kind == "agency" for m in mentions):
            return []
        from sahel_core import reference

        groupings = [(m.start, m.end) for m in mentions if m.kind == "grouping"]
        countries = [m.value for m in mentions if m.kind in ("country", "demonym")]
        countries += [m.value.split("|")[0] for m in mentions if m.kind == "locality"]
        out = []
        for m in mentions:
            if m.kind != "agency" or any(a <= m.start < b for a, b in groupings):
                continue
            key = m.value
            if key not in reference.default()._agencies:  # an acronym several agencies share
                key = next(
                    (k for k in (self._resolve(key, c) for c in countries) if k is not None), None
                )
                if key is None:
                    continue
            out.append(_Mention("agency", m.start, m.end, key))
        return out

    @staticmethod
    def _resolve(name: str, iso3: str) -> str | None:
        from sahel_core import reference

        try:
            found = reference.agency(name, country=iso3)
        except SahelError:
            return None
        return found.key if found.country == iso3 else None

    def date_for(
        self, draft: _Draft, mentions: list[_Mention], anchor: int, index: int, name: str = "date"
    ) -> PartialDate | None:
        found = self.nearest(mentions, "date", anchor)
        if found is None:
            return None
        draft.fields[name] = found.value
        self.note(draft, name, found.start, found.end, index)
        return found.value  # type: ignore[no-any-return]

    def set_place(self, draft: _Draft, mentions: list[_Mention], anchor: int, index: int) -> None:
        place, mention = self.place(mentions, anchor)
        if place is not None and mention is not None:
            draft.fields["place"] = place
            self.note(draft, "place", mention.start, mention.end, index)

    # -- the pass ---------------------------------------------------------------------------

    def run(self) -> list[_Draft]:
        self.mentions = [self.scan.within(s.start, s.end) for s in self.sentences]
        for index, sentence in enumerate(self.sentences):
            mentions = self.mentions[index]
            if not mentions and not sentence.triggers:
                continue  # no figure, date, name or rule word: nothing to read
            low = self.folded[sentence.start : sentence.end]
            self.sentence(index, sentence, mentions, low)
        if self.rules:
            for index, sentence in enumerate(self.sentences):
                self.plugin_rules(index, sentence)
        self.money_figures()
        self.attach_activity_donors()
        self.title_from_headline()
        return sorted(self.drafts, key=lambda d: d.order)

    def sentence(self, index: int, s: _Sentence, mentions: list[_Mention], low: str) -> None:
        listing = self.first("programme", s)
        if listing is not None:
            self.programme(index, s, mentions, listing[1])
            return
        workshop = self.workshop_trigger(s, mentions, low)
        funded = self.first("funded", s)
        if funded and workshop is None:
            self.donor_statement(mentions, funded[1], index)
            return
        operation = self.operations(index, s, mentions, low)
        self.seizures(index, s, mentions, low, operation)
        self.coreference(index, mentions, low)
        if workshop is not None:
            self.workshop(index, s, mentions, low, workshop)
        elif self.last_workshop is not None:
            self.participants_only(index, s, mentions, low)

    # -- seizures and drug figures ---------------------------------------------------------

    def drug_pairs(self, mentions: list[_Mention]) -> list[tuple[_Mention, _Mention, Any]]:
        """(quantity, drug, packaging) triples: "2.7 tons of cannabis", "12 of meth"."""
        pairs: list[tuple[_Mention, _Mention, Any]] = []
        drugs = [m for m in mentions if m.kind == "drug"]
        if not drugs:
            return pairs
        figures = [m for m in mentions if m.kind in ("amount", "number")]
        last_unit: str | None = None
        for figure in figures:
            drug = next((d for d in drugs if 0 <= d.start - figure.end <= 40), None)
            if drug is None or not _OF.search(self.folded[figure.end : drug.start]):
                continue
            if _CUT_WITH.search(self.folded[max(0, drug.start - 20) : drug.start]):
                continue
            if figure.kind == "number":
                if last_unit is None:
                    continue
                qualifier, value = figure.value
                text = self.text[figure.start : figure.end]
                try:
                    amount = Amount(value, last_unit, qualifier, text=text)
                except SahelError:
                    continue
                figure = _Mention("amount", figure.start, figure.end, amount, last_unit)
            packaging = None
            content = next(
                (
                    m
                    for m in figures
                    if m.kind == "amount"
                    and m.start > drug.end
                    and _CONTAINING.fullmatch(self.folded[drug.end : m.start])
                ),
                None,
            )
            if content is not None and figure.extra in _CONTAINERS:
                packaging, figure = figure, content
            last_unit = figure.value.unit if figure.extra not in _CONTAINERS else last_unit
            if packaging is None:
                last_unit = figure.value.unit
            pairs.append((figure, drug, packaging))
        return pairs

    def seizures(
        self,
        index: int,
        s: _Sentence,
        mentions: list[_Mention],
        low: str,
        operation: _Draft | None,
    ) -> None:
        pairs = self.drug_pairs(mentions)
        if not pairs:
            return
        date_mention = self.nearest(mentions, "date", pairs[0][0].start)
        date: PartialDate | None = date_mention.value if date_mention else None
        cumulative = bool(_CUMULATIVE.search(low)) or (
            date is not None
            and (date.latest is None or (date.latest - date.earliest).days > _PERIOD_DAYS)
        )
        seizing = bool(_SEIZE.search(low)) and not cumulative and operation is None
        destroyed = operation is not None and operation.fields["kind"] == "destruction"
        drafts = []
        for quantity, drug, packaging in pairs:
            kind = "seizure" if seizing or (operation is not None and not destroyed) else "figure"
            draft = self.new(kind, index, quantity.start)
            drafts.append(draft)
            self.use(quantity.start, quantity.end)
            draft.fields["drug"] = drug.value
            self.note(draft, "drug", drug.start, drug.end, index)
            name = "quantity" if kind == "seizure" else "amount"
            draft.fields[name] = quantity.value
            self.note(draft, name, quantity.start, quantity.end, index)
            if packaging is not None:
                self.use(packaging.start, packaging.end)
                draft.fields["packaging"] = packaging.value
                self.note(draft, "packaging", packaging.start, packaging.end, index)
            if kind == "seizure":
                draft.fields["drug_text"] = self.text[drug.start : drug.end]
                self.date_for(draft, mentions, quantity.start, index)
                self.set_place(draft, mentions, quantity.end, index)
                if "place" not in draft.fields:
                    self.place_from_agency(draft, mentions, index)
                national = [a for a in self.agencies(mentions) if self._agency_country(a.value)]
                if national:
                    draft.fields["agency"] = national[0].value
                    self.note(draft, "agency", national[0].start, national[0].end, index)
                if operation is not None:
                    draft.fields["operation"] = operation
            else:
                draft.fields["label"] = (
                    "destroyed" if destroyed else ("seized" if _SEIZE.search(low) else "quantity")
                )
                self.date_for(draft, mentions, quantity.start, index, "as_of")
                self.figure_places(draft, mentions, index)
                if operation is not None:
                    draft.fields["operation"] = operation
        if len(drafts) == 1:
            self.attach_money(drafts[0], mentions, index)

    @staticmethod
    def _agency_kind(key: str) -> str | None:
        from sahel_core import reference

        found = reference.default()._agencies.get(key)
        return found.kind.value if found is not None else None

    @staticmethod
    def _agency_country(key: str) -> str | None:
        from sahel_core import reference

        found = reference.default()._agencies.get(key)
        return found.country if found is not None else None

    def place_from_agency(self, draft: _Draft, mentions: list[_Mention], index: int) -> None:
        countries = {c: a for a in self.agencies(mentions) if (c := self._agency_country(a.value))}
        if len(countries) == 1:
            ((iso3, mention),) = countries.items()
            draft.fields["place"] = Place(iso3)
            self.note(draft, "place", mention.start, mention.end, index)

    def figure_places(self, draft: _Draft, mentions: list[_Mention], index: int) -> None:
        self.set_place(draft, mentions, 0, index)
        countries: list[str] = []
        for m in mentions:
            if (m.kind == "country" and m.extra != "from") or m.kind == "demonym":
                if m.value not in countries:
                    countries.append(m.value)
                    self.note(draft, f"countries[{m.value}]", m.start, m.end, index)
            elif m.kind == "grouping":
                for iso3 in self.grouping(m.value, draft.fields.get("as_of")):
                    if iso3 not in countries:
                        countries.append(iso3)
                        self.note(draft, f"countries[{iso3}]", m.start, m.end, index)
        place = draft.fields.get("place")
        if place is not None and place.country not in countries and place.locality:
            countries.insert(0, place.country)
            where = draft.evidence["place"].phrase
            self.note(draft, f"countries[{place.country}]", where.start, where.end, index)
        draft.fields["countries"] = tuple(countries)

    @staticmethod
    def grouping(name: str, date: PartialDate | None) -> list[str]:
        from sahel_core import reference

        try:
            members = reference.grouping(name, date.earliest if date else None)
        except SahelError:
            return []
        return sorted(members)

    def attach_money(self, draft: _Draft, mentions: list[_Mention], index: int) -> None:
        """The first sum of money in the sentence and the bracketed equivalents after it.

        "CFA" is read again with the record's country, so that it is XAF in Chad.
        """
        money = [m for m in mentions if m.kind == "money" and not self.is_used(m.start, m.end)]
        if not money:
            return
        first = money[0]
        stated = []
        cursor = first.end
        for m in money[1:]:
            between = self.text[cursor : m.start]
            if _BETWEEN_EQUIVALENTS.fullmatch(between) and (
                "(" in self.text[first.end : m.start] or "/" in between
            ):
                stated.append(m)
                cursor = m.end
                close = _CLOSING.match(self.text, cursor)
                if close:
                    break
            else:
                break
        for m in (first, *stated):
            self.use(m.start, m.end)
        places = [draft.fields.get("place"), *draft.fields.get("places", ())]
        country = next((p.country for p in places if p is not None), None)
        draft.fields["value"] = self.money_in(first, country)
        self.note(draft, "value", first.start, first.end, index)
        draft.fields["stated_values"] = tuple(self.money_in(m, country) for m in stated)
        for n, m in enumerate(stated):
            self.note(draft, f"stated_values[{n}]", m.start, m.end, index)

    def money_in(self, mention: _Mention, country: str | None) -> Money:
        money: Money = mention.value
        if country is None or money.currency not in ("XOF", "XAF"):
            return money
        return _money(self.text[mention.start : mention.end].strip(), self.lang, country) or money

    # -- operations -------------------------------------------------------------------------

    def operations(
        self, index: int, s: _Sentence, mentions: list[_Mention], low: str
    ) -> _Draft | None:
        arrest = self.first("arrest", s)
        destroy = self.first("destroy", s)
        trigger = arrest or destroy
        if trigger is None:
            return None
        anchor = trigger[0]
        dates = [m for m in mentions if m.kind == "date" and m.value.latest is not None]
        if not dates:
            return None
        kind = "arrest" if arrest and (not destroy or arrest[0] < destroy[0]) else "destruction"
        draft = self.new("operation", index, anchor)
        draft.fields["kind"] = kind
        date = min(dates, key=lambda m: abs(m.start - anchor))
        draft.fields["date"] = date.value
        self.note(draft, "date", date.start, date.end, index)
        places: list[Place] = []
        for m in mentions:
            if m.kind == "locality" and m.extra == "in":
                iso3, name = m.value.split("|", 1)
                candidate = Place(iso3, name)
            elif (m.kind == "country" and m.extra == "in") or m.kind == "demonym":
                candidate = Place(m.value)
            else:
                continue
            if candidate.locality is None and any(p.country == candidate.country for p in places):
                continue
            places = [p for p in places if p.country != candidate.country or p.locality]
            if candidate not in places:
                places.append(candidate)
                self.note(draft, f"places[{len(places) - 1}]", m.start, m.end, index)
        draft.fields["places"] = tuple(places)
        agencies = self.agencies(mentions)
        draft.fields["agencies"] = tuple(dict.fromkeys(a.value for a in agencies))
        for a in agencies:
            self.note(draft, f"agencies[{a.value}]", a.start, a.end, index)
        if kind == "arrest":
            self.arrested(draft, mentions, index, arrest[1] if arrest else anchor)
            self.last_arrest = draft
        elif kind == "destruction":
            self.attach_money(draft, mentions, index)
            if "value" in draft.fields:
                figure = self.new("figure", index, anchor + 1)
                figure.fields.update(
                    label="value of destroyed goods",
                    value=draft.fields.pop("value"),
                    stated_values=draft.fields.pop("stated_values"),
                    as_of=date.value,
                    operation=draft,
                )
                if places:
                    figure.fields["place"] = places[0]
                    for name in [n for n in draft.evidence if n.startswith("places[")][:1]:
                        figure.evidence["place"] = draft.evidence[name]
                for name in list(draft.evidence):
                    if name.startswith(("value", "stated_values")):
                        figure.evidence[name] = draft.evidence.pop(name)
                self.note(figure, "as_of", date.start, date.end, index)
        return draft

    def arrested(self, draft: _Draft, mentions: list[_Mention], index: int, after: int) -> None:
        for m in mentions:
            if m.start < after - 1:
                continue
            if m.kind == "amount" and m.value.unit == "person":
                draft.fields["arrested"] = m.value
                self.use(m.start, m.end)
                self.note(draft, "arrested", m.start, m.end, index)
                return
            if m.kind == "number" and _ARRESTED_COUNT.match(self.folded, m.end):
                qualifier, value = m.value
                text = self.text[m.start : m.end]
                draft.fields["arrested"] = Amount(value, "person", qualifier, text=text)
                self.use(m.start, m.end)
                self.note(draft, "arrested", m.start, m.end, index)
                return
        one = _ARRESTED_ONE.search(self.folded, after, self.sentences[index].end)
        if one is not None and one.start() - after <= 3:
            text = self.text[one.start() : one.end()]
            draft.fields["arrested"] = Amount(1, "person", text=text)
            self.note(draft, "arrested", one.start(), one.end(), index)

    def coreference(self, index: int, mentions: list[_Mention], low: str) -> None:
        draft = self.last_arrest
        if draft is None or draft.sentence == index or index - draft.sentence > 3:
            return
        if not _COREFERENCE.search(low):
            return
        # UN bodies facilitate ("which UNODC facilitated"); they are not the arresting agency.
        agencies = [a for a in self.agencies(mentions) if self._agency_kind(a.value) != "un"]
        known = list(draft.fields["agencies"])
        for a in agencies:
            if a.value not in known:
                known.append(a.value)
            self.note(draft, f"agencies[{a.value}]", a.start, a.end, index)
        draft.fields["agencies"] = tuple(known)

    # -- workshops ----------------------------------------------------------------------------

    def workshop_trigger(
        self, s: _Sentence, mentions: list[_Mention], low: str
    ) -> tuple[int, list[_Mention], list[_ParticipantCount]] | None:
        """Where a sentence names a workshop it reports on, with its dates and counts."""
        noun = self.first("workshop", s)
        if noun is None:
            return None
        dates = [m for m in mentions if m.kind == "date" and m.value.latest is not None]
        counts = self.participant_counts(mentions, strict=False)
        clause = low[: noun[0] - s.start].rsplit(",", 1)[-1]
        if _BECAUSE_OF.search(clause):
            # "following UNODC training": the sentence reports something else, unless the
            # training itself is what the verb is about ("training conducted in ... in 2017").
            if not _VERB_AFTER.match(self.folded, noun[1]):
                return None
        elif not (dates or counts or self.verb_near(low, noun[0] - s.start)):
            return None
        return noun[0], dates, counts

    @staticmethod
    def verb_near(low: str, at: int) -> bool:
        """An organising verb within a few words of the workshop word."""
        window = low[max(0, at - _VERB_WINDOW) : at + _VERB_WINDOW]
        return _WORKSHOP_VERB.search(window) is not None

    def workshop(
        self,
        index: int,
        s: _Sentence,
        mentions: list[_Mention],
        low: str,
        trigger: tuple[int, list[_Mention], list[_ParticipantCount]],
    ) -> None:
        anchor, dates, counts = trigger
        date = min(dates, key=lambda m: abs(m.start - anchor)) if dates else None
        last = self.last_workshop
        merge = last is not None and (
            (date is None and _DEFINITE.search(low) is not None)
            or (
                date is not None
                and last.fields.get("date") is not None
                and last.fields["date"].contains(date.value)
            )
        )
        if merge and last is not None:
            draft = last
        else:
            draft = self.new("workshop", index, anchor)
            self.last_workshop = draft
            if date is not None:
                draft.fields["date"] = date.value
                self.note(draft, "date", date.start, date.end, index)
            self.topic(draft, anchor, s.end, index)
        groupings = [m for m in mentions if m.kind == "grouping"]
        if "place" not in draft.fields and not groupings:
            place, mention = self.place(mentions, anchor, demonym=False)
            if place is not None and mention is not None:
                draft.fields["place"] = place
                self.note(draft, "place", mention.start, mention.end, index)
        for g in groupings:
            members = self.grouping(g.value, draft.fields.get("date"))
            draft.fields["countries"] = tuple(
                dict.fromkeys((*draft.fields.get("countries", ()), *members))
            )
            self.note(draft, "countries", g.start, g.end, index)
        self.workshop_details(draft, index, mentions, counts)

    def topic(self, draft: _Draft, anchor: int, end: int, index: int) -> None:
        match = _TOPIC.match(self.folded, anchor, end)
        if match is None:
            return
        start, stop = match.span("topic")
        quoted = _QUOTED.match(self.folded, start, end)
        if quoted is not None:
            start, stop = quoted.span("topic")
        text = self.text[start:stop].strip(" \"'«»“”")
        if text:
            draft.fields["topic"] = text
            self.note(draft, "topic", start, stop, index)

    def participant_counts(
        self, mentions: list[_Mention], *, strict: bool
    ) -> list[_ParticipantCount]:
        """Counts of people taking part: "Over 160 participants", "35 representatives of 20
        institutions". ``strict`` keeps only words for attendees (a sentence that does not
        name a workshop must say "participants", not "individuals")."""
        nouns = _ATTENDEES if strict else _PEOPLE
        found = []
        for m in mentions:
            if m.kind not in ("amount", "number") or self.is_used(m.start, m.end):
                continue
            if m.kind == "amount":
                if m.value.unit != "person":
                    continue
                word = re.search(r"[a-z]+$", self.folded[m.start : m.end])
                if word is None or word.group() not in nouns:
                    continue
                stop = m.end
            else:
                tail = _COUNT_NOUN.match(self.folded, m.end)
                if tail is None or tail["noun"] not in nouns:
                    continue
                stop = tail.end()
                m = _Mention("number", m.start, stop, m.value)
            found.append(_ParticipantCount(m, _INSTITUTIONS.match(self.folded, stop)))
        return found

    def workshop_details(
        self,
        draft: _Draft,
        index: int,
        mentions: list[_Mention],
        counts: list[_ParticipantCount],
    ) -> None:
        if counts and "participants" not in draft.fields:
            m, institutions = counts[0]
            if m.kind == "amount":
                amount = m.value
            else:
                qualifier, value = m.value
                amount = Amount(value, "person", qualifier, text=self.text[m.start : m.end])
            self.use(m.start, m.end)
            draft.fields["participants"] = amount
            self.note(draft, "participants", m.start, m.end, index)
            if institutions is not None:
                start, end = institutions.span("count")
                number = _number(self.text[start:end], self.lang)
                if number is not None:
                    text = self.text[start : institutions.end()]
                    draft.fields["institutions"] = Amount(
                        number[1], "institution", number[0], text=text
                    )
                    self.note(draft, "institutions", start, institutions.end(), index)
                    self.use(start, institutions.end())
            listed = [
                c for c in mentions if c.kind == "country" and c.start > m.end and c.extra != "in"
            ]
            if listed and not draft.fields.get("countries"):
                draft.fields["countries"] = tuple(dict.fromkeys(c.value for c in listed))
                for c in listed:
                    self.note(draft, f"countries[{c.value}]", c.start, c.end, index)
        agencies = self.agencies(mentions)
        if agencies:
            known = list(draft.fields.get("agencies", ()))
            for a in agencies:
                if a.value not in known:
                    known.append(a.value)
                self.note(draft, f"agencies[{a.value}]", a.start, a.end, index)
            draft.fields["agencies"] = tuple(known)
        self.sentence_donors(draft, index, mentions)
        if index not in draft.sentences:
            draft.sentences.append(index)

    def participants_only(
        self, index: int, s: _Sentence, mentions: list[_Mention], low: str
    ) -> None:
        last = self.last_workshop
        if last is None or "participants" in last.fields:
            return
        if not any(m.kind in ("amount", "number") for m in mentions):
            return
        near = index - max(last.sentences) <= 2 and (
            s.paragraph == self.sentences[max(last.sentences)].paragraph
        )
        if not (near or _DEFINITE.search(low)):
            return
        span = last.fields.get("date")
        for m in mentions:  # a sentence about another time is about something else
            if m.kind == "date" and (span is None or not span.contains(m.value)):
                return
        counts = self.participant_counts(mentions, strict=not _GATHERED.search(low))
        if counts:
            self.workshop_details(last, index, mentions, counts)

    def sentence_donors(self, draft: _Draft, index: int, mentions: list[_Mention]) -> None:
        funded = self.first("funded", self.sentences[index])
        if funded is None:
            return
        donors = self.donors_after(mentions, funded[1])
        if donors:
            known = list(draft.fields.get("donors", ()))
            for donor, start, end in donors:
                if donor not in known:
                    known.append(donor)
                self.note(draft, f"donors[{donor}]", start, end, index)
            draft.fields["donors"] = tuple(known)

    def donors_after(self, mentions: list[_Mention], after: int) -> list[tuple[str, int, int]]:
        """The donors named right after a funding phrase: "funded by Germany and the EU",
        "the governments of: • Austria • Belgium ...". The list ends at the first word that is
        neither a donor nor a joining word ("With the support of UNODC, Mauritania ..." names
        no donor)."""
        from sahel_core import reference

        names = {m.start: m for m in mentions if m.kind in ("donor", "country")}
        found: list[tuple[str, int, int]] = []
        cursor = after
        while True:
            m = names.get(cursor)
            if m is None:
                joiner = _DONOR_JOINER.match(self.folded, cursor)
                if joiner is None:
                    return found
                cursor = joiner.end()
                continue
            if m.kind == "donor":
                found.append((m.value, m.start, m.end))
            else:
                try:
                    donor = reference.donor(self.text[m.start : m.end])
                except SahelError:
                    return found
                found.append((donor.id, m.start, m.end))
            cursor = m.end

    def donor_statement(self, mentions: list[_Mention], after: int, index: int) -> None:
        for donor, start, end in self.donors_after(mentions, after):
            self.activity_donors.append((donor, start, end, index))

    def attach_activity_donors(self) -> None:
        workshops = [d for d in self.drafts if d.kind == "workshop"]
        if not workshops or not self.activity_donors:
            return
        main = max(
            workshops,
            key=lambda d: (sum(k in d.fields for k in ("date", "place", "participants")),
                           -d.order[1]),
        )  # fmt: skip
        known = list(main.fields.get("donors", ()))
        for donor, start, end, index in self.activity_donors:
            if donor not in known:
                known.append(donor)
            self.note(main, f"donors[{donor}]", start, end, index)
        main.fields["donors"] = tuple(known)

    def programme(self, index: int, s: _Sentence, mentions: list[_Mention], after: int) -> None:
        donors = self.donors_after(mentions, after)
        if not donors:
            return
        draft = self.new("operation", index, s.start)
        draft.fields["kind"] = "programme"
        name = _PROGRAMME_NAME.search(self.text, s.start, s.end)
        if name is not None:
            draft.fields["title"] = name.group(1).strip()
            self.note(draft, "title", name.start(1), name.end(1), index)
        draft.fields["donors"] = tuple(dict.fromkeys(d for d, _, _ in donors))
        for donor, start, end in donors:
            self.note(draft, f"donors[{donor}]", start, end, index)

    def title_from_headline(self) -> None:
        workshops = [d for d in self.drafts if d.kind == "workshop"]
        if len(workshops) != 1 or not self.sentences:
            return
        head = self.sentences[0]
        low = self.folded[head.start : head.end]
        if not re.match(r"\s*(?:workshops?|training|seminar|atelier|formation|seminaire)\b", low):
            return
        draft = workshops[0]
        draft.fields["title"] = self.text[head.start : head.end]
        self.note(draft, "title", head.start, head.end, 0)
        if "topic" not in draft.fields:
            topic = _TOPIC.search(self.folded, head.start, head.end)
            if topic is not None:
                start, end = topic.span("topic")
                draft.fields["topic"] = self.text[start:end].strip()
                self.note(draft, "topic", start, end, 0)

    # -- figures: plugin rules and money left over ------------------------------------------

    def plugin_rules(self, index: int, s: _Sentence) -> None:
        """Plugin rules, tried where each figure left by the rules above starts."""
        mentions = self.mentions[index]
        figures = [m for m in mentions if m.kind in ("number", "amount", "money")]
        for figure in figures:
            for rule in self.rules:
                if self.is_used(figure.start, figure.end):
                    break
                match = _compiled(rule.pattern).match(self.folded, figure.start, s.end)
                if match is None or self.is_used(match.start(), match.end()):
                    continue
                context, probe = self.rule_context(match, index, mentions)
                try:
                    fields = rule.build(context)
                except SahelError:
                    continue
                except Exception as exc:  # A plugin's bug must not stop extraction.
                    warnings.warn(
                        f"extraction rule {rule.name!r} raised {type(exc).__name__}: {exc}",
                        PluginWarning,
                        stacklevel=2,
                    )
                    continue
                if not fields:
                    continue
                draft = self.new(rule.kind, index, match.start())
                draft.fields.update(fields)
                if rule.kind == "figure":
                    draft.fields.setdefault("label", rule.name)
                for name, value in fields.items():
                    if value is None or value == ():
                        continue
                    if value is probe.fields.get(name):  # the sentence's date, place...
                        for key, evidence in probe.evidence.items():
                            if key == name or key.startswith(f"{name}["):
                                draft.evidence[key] = evidence
                    else:
                        self.note(draft, name, match.start(), match.end(), index)
                self.use(*match.span())

    def rule_context(
        self, match: re.Match[str], index: int, mentions: list[_Mention]
    ) -> tuple[RuleMatch, _Draft]:
        probe = _Draft("figure", {}, index)
        self.date_for(probe, mentions, match.start(), index, "as_of")
        self.figure_places(probe, mentions, index)
        context = RuleMatch(
            match=match,
            sentence=self.sentence_evidence(index),
            lang=self.lang,
            date=probe.fields.get("as_of"),
            place=probe.fields.get("place"),
            countries=probe.fields.get("countries", ()),
            agencies=tuple(dict.fromkeys(a.value for a in self.agencies(mentions))),
            source_text=self.text,
        )
        return context, probe

    def money_figures(self) -> None:
        for index, s in enumerate(self.sentences):
            mentions = self.mentions[index]
            money = [m for m in mentions if m.kind == "money" and not self.is_used(m.start, m.end)]
            while money:
                first = money[0]
                cues = [m.span() for m in _VALUE_CUE.finditer(self.folded, s.start, first.start)]
                draft = self.new("figure", index, first.start)
                label = self.text[cues[-1][0] : cues[-1][1]] if cues else "amount of money"
                draft.fields["label"] = label
                self.date_for(draft, mentions, first.start, index, "as_of")
                self.figure_places(draft, mentions, index)
                self.attach_money(draft, mentions, index)
                drugs = {m.value for m in mentions if m.kind == "drug"}
                if len(drugs) == 1:
                    (drug,) = drugs
                    m = next(m for m in mentions if m.kind == "drug")
                    draft.fields["drug"] = drug
                    self.note(draft, "drug", m.start, m.end, index)
                money = [
                    m for m in mentions if m.kind == "money" and not self.is_used(m.start, m.end)
                ]


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
