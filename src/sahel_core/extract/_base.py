"""What every rule shares: the pass's state, evidence notes, places, agencies, money."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from attrs import define, evolve, field

from sahel_core.dates import PartialDate
from sahel_core.entities import Place, SourceRef
from sahel_core.errors import SahelError
from sahel_core.extract._figures import _ANY_DAY, _amount, _money, _number
from sahel_core.extract._model import Evidence, FieldEvidence
from sahel_core.extract._patterns import (
    _AFTER_DATELINE,
    _BETWEEN_EQUIVALENTS,
    _CLOSING,
    _OF_THE_RECORD,
    _OPENING,
    _PLACE_JOIN,
    _RELATIVE_BREAK,
    _RELATIVE_PRONOUN,
    _TRIGGERS,
)
from sahel_core.extract._scan import _Mention, _Scan
from sahel_core.extract._text import _Sentence, _sentences, fold_same_length
from sahel_core.extract._vocabulary import _vocabulary
from sahel_core.money import REDENOMINATIONS, Money, canonical_currency
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount

if TYPE_CHECKING:
    from sahel_core.specs import ExtractionRule

_T = TypeVar("_T")


@lru_cache(maxsize=4096)
def _place(country: str, locality: str | None = None) -> Place:
    """A place; places are frozen, so one object serves every record in it."""
    return Place(country, locality)


class _ParticipantCount(NamedTuple):
    mention: _Mention
    institutions: re.Match[str] | None  # "of 20 institutions" after the count


class _Dates(NamedTuple):
    """A sentence's dates, by how they date its records (see :meth:`_Base.dates_of`)."""

    stated: list[_Mention]
    relative: list[_Mention]
    dateline: _Mention | None


def _split_dates(mentions: list[_Mention]) -> _Dates:
    stated, relative, dateline = [], [], None
    for m in mentions:
        if m.kind != "date":
            continue
        if m.extra == "relative":
            relative.append(m)
        elif m.extra == "dateline":
            dateline = m
        else:
            stated.append(m)
    return _Dates(stated, relative, dateline)


def _starts(mentions: list[_Mention]) -> list[int]:
    return [m.start for m in mentions]


def _within(starts: list[int], first: int, last: int) -> slice:
    """The slice of sorted ``starts`` strictly between positions ``first`` and ``last``."""
    return slice(bisect.bisect_right(starts, first), bisect.bisect_left(starts, last))


def _closed(dates: list[_Mention]) -> list[_Mention]:
    return [m for m in dates if m.value.latest is not None]


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


class _Base:
    """One pass over one text: its sentences and mentions, the drafts being built, and the
    helpers every rule uses. The rules are mixed in by topic (see ``_rules._Extractor``)."""

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
        # Spans of text a record already took, by sentence: sorted, and merged where they
        # overlap, so that is_used looks at one span (a sentence may hold thousands).
        self.used_in: dict[int, list[tuple[int, int]]] = {}
        # id(mentions), what → (mentions, what is derived from them: those of some kinds,
        # the agencies, _Nearest, places...), for _derived
        self.derived: dict[tuple[int, Hashable], tuple[list[_Mention], Any]] = {}
        self.starts = [x.start for x in self.sentences]
        self.activity_donors: list[tuple[str, int, int, int]] = []  # donor, start, end, sentence
        self.last_workshop: _Draft | None = None
        self.last_arrest: _Draft | None = None
        # Datelines' date mentions by sentence, and the page's date from where each stands
        # (see _Extractor.find_datelines); the source's publication date before the first.
        self.datelines: dict[int, _Mention] = {}
        self.page_dates: list[tuple[int, PartialDate]] = []
        if source.published is not None:
            self.page_dates.append((0, PartialDate(source.published, source.published)))
        self.evidence: dict[int, Evidence] = {}
        # Values the text gives that no record can hold: (kind, field, value, reason), as
        # Extraction.dropped lists them.
        self.dropped: list[tuple[str, str | None, str | None, str]] = []
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

    def use(self, start: int, end: int) -> None:
        """Mark a span as taken by a record, so no later rule reads it again."""
        index = bisect.bisect_right(self.starts, start) - 1
        spans = self.used_in.setdefault(index, [])
        low = high = bisect.bisect_left(spans, (start, end))
        while low > 0 and spans[low - 1][0] < end and start < spans[low - 1][1]:
            low -= 1
        while high < len(spans) and spans[high][0] < end and start < spans[high][1]:
            high += 1
        merged = [(start, end), *spans[low:high]]
        spans[low:high] = [(min(a for a, _ in merged), max(b for _, b in merged))]

    def is_used(self, start: int, end: int) -> bool:
        """Whether a record already took text overlapping ``[start, end)``."""
        spans = self.used_in.get(bisect.bisect_right(self.starts, start) - 1)
        if not spans:
            return False
        # The spans do not overlap, so the last that starts before ``end`` ends last.
        i = bisect.bisect_left(spans, (end,))
        return i > 0 and start < spans[i - 1][1]

    def of_kind(self, mentions: list[_Mention], *kinds: str) -> list[_Mention]:
        """The mentions of these kinds, in order; kept for the pass, since rules ask for
        them again for every figure of a sentence."""
        return self._derived(mentions, kinds, lambda found: [m for m in found if m.kind in kinds])

    def amount_of(self, m: _Mention) -> Amount | None:
        """The amount a mention writes ("more than 2.7 tons"), or None if it cannot be read."""
        if isinstance(m.value, Amount):
            return m.value
        return _amount(self.text[m.start : m.end], self.lang)

    def number_of(self, m: _Mention) -> tuple[Qualifier, Decimal] | None:
        """The qualified number a count mention writes ("some 30"), or None."""
        if m.value is not None:
            qualifier, value = m.value
            return qualifier, value
        return _number(self.text[m.start : m.end], self.lang)

    def people_of(self, m: _Mention, end: int | None = None) -> Amount | None:
        """The people a count mention counts ("12", "some 30", "between 10 and 12": a range,
        as quantities are), written up to ``end`` (its end by default), or None."""
        amount = _amount(self.text[m.start : m.end], self.lang, "person")
        if amount is None or end is None:
            return amount
        return evolve(amount, text=self.text[m.start : end])

    def span(self, start: int, end: int) -> Evidence:
        return Evidence(start, end, self.text[start:end])

    def sentence_evidence(self, index: int) -> Evidence:
        found = self.evidence.get(index)
        if found is None:
            s = self.sentences[index]
            found = self.evidence[index] = self.span(s.start, s.end)
        return found

    def note(self, draft: _Draft, name: str, start: int, end: int, index: int) -> None:
        phrase = Evidence(start, end, self.text[start:end])
        draft.evidence[name] = FieldEvidence(name, phrase, self.sentence_evidence(index))
        if index not in draft.sentences:
            draft.sentences.append(index)

    def add_listed(
        self, draft: _Draft, name: str, items: Sequence[tuple[str, int, int, int]]
    ) -> None:
        """Add values to the list field ``name`` of ``draft``, each once and in order, noting
        every mention as evidence; ``items`` are ``(value, start, end, sentence index)``."""
        if not items:
            return
        known = list(draft.fields.get(name, ()))
        for value, start, end, index in items:
            if value not in known:
                known.append(value)
            self.note(draft, f"{name}[{value}]", start, end, index)
        draft.fields[name] = tuple(known)

    def new(self, kind: str, index: int, anchor: int) -> _Draft:
        draft = _Draft(kind, {}, index, sentences=[index], order=(anchor, len(self.drafts)))
        self.drafts.append(draft)
        return draft

    def closest(self, mentions: list[_Mention], anchor: int) -> _Mention | None:
        """:func:`_closest` for a list kept for the pass (as :meth:`of_kind` gives): a long
        sentence asks it once per figure, so it is found by bisection, not by a scan."""
        if len(mentions) < 2:
            return mentions[0] if mentions else None
        return self._derived(mentions, "nearest", _Nearest).closest(anchor)

    def _derived(
        self, mentions: list[_Mention], what: Hashable, make: Callable[[list[_Mention]], _T]
    ) -> _T:
        """``make(mentions)``, kept for the pass: keyed by the list's identity, the entry keeps
        the list alive, so no other list can take its id meanwhile."""
        key = (id(mentions), what)
        cached = self.derived.get(key)
        if cached is None:
            cached = self.derived[key] = (mentions, make(mentions))
        return cast(_T, cached[1])

    def _first_after(self, mentions: list[_Mention], kind: str, anchor: int) -> _Mention | None:
        """The first mention of ``kind`` placing the event ("in Bamako") at or after
        ``anchor``, else the last one before it."""
        found = self.of_kind(mentions, kind)
        if not found:
            return None
        places, starts = self._derived(found, "in", _placing)
        if not places:
            return None
        return places[min(bisect.bisect_left(starts, anchor), len(places) - 1)]

    def place(
        self, mentions: list[_Mention], anchor: int, *, demonym: bool = True
    ) -> tuple[Place | None, _Mention | None]:
        """The place a sentence puts an event in, and the mention it came from."""
        best = self._first_after(mentions, "locality", anchor)
        if best is not None:
            iso3, name = best.value.split("|", 1)
            return _place(iso3, name), best
        best = self._first_after(mentions, "country", anchor)
        if best is not None:
            return _place(best.value), best
        if demonym:
            people = self.of_kind(mentions, "demonym")
            if len({m.value for m in people}) == 1:
                return _place(people[0].value), people[0]
        return None, None

    def agencies(self, mentions: list[_Mention]) -> list[_Mention]:
        """Agency mentions with their key, ambiguous names settled by the sentence's countries."""
        return self._derived(mentions, "agencies", self._agencies)

    def _agencies(self, mentions: list[_Mention]) -> list[_Mention]:
        if not any(m.kind == "agency" for m in mentions):
            return []
        # An agency inside a grouping's name is not one ("ECOWAS Commission"...).
        groupings = [m for m in mentions if m.kind == "grouping"]
        inside = _Nearest(groupings) if groupings else None
        countries = [m.value for m in mentions if m.kind in ("country", "demonym")]
        countries += [m.value.split("|")[0] for m in mentions if m.kind == "locality"]
        countries = list(dict.fromkeys(countries))  # tried in order: each once is enough
        out = []
        for m in mentions:
            if m.kind != "agency" or (inside is not None and inside.covers(m.start)):
                continue
            key = m.value
            if key not in _vocabulary().agencies:  # an acronym several agencies share
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
        """Set the date of a record at ``anchor``: see :meth:`dates_of`."""
        dates = self.dates_of(mentions)
        found = self.relative_for(mentions, anchor, anchor) or self.closest(dates.stated, anchor)
        return self.set_date(draft, found or dates.dateline, index, name)

    def dates_of(self, mentions: list[_Mention]) -> _Dates:
        """A sentence's dates: those it states, those told relative to the page's, and the
        dateline's (only when it states none: see ``_Extractor.mentions_of``).

        A date the record's clause states beats a relative one there; a relative date of the
        record's clause (:meth:`relative_for`) beats a date stated in another ("Customs seized
        2 tons in Agadez yesterday, after seizing 1 ton on 2 May 2016"), and only there does it
        date the record: "Customs seized 2 tons in Agadez, compared with 1 ton seized last year"
        does not date the 2 tons last year. Else the dateline's date is the record's, as for a
        sentence that states none.
        """
        return self._derived(mentions, "dates", _split_dates)

    def closed_dates(self, mentions: list[_Mention], start: int, end: int) -> list[_Mention]:
        """The dates that may date an event named at ``[start, end)`` (an arrest, a workshop),
        of those with an end: the relative date of its clause, else those the sentence states,
        else the dateline's (see :meth:`dates_of`)."""
        relative = self.relative_for(mentions, start, end)
        if relative is not None:
            return [relative]
        dates = self.dates_of(mentions)
        stated = self._derived(dates.stated, "closed", _closed) if dates.stated else []
        if stated:
            return stated
        return [dates.dateline] if dates.dateline is not None else []

    def relative_for(
        self,
        mentions: list[_Mention],
        start: int,
        end: int,
        low: int | None = None,
        high: int | None = None,
        verb: re.Pattern[str] | None = None,
    ) -> _Mention | None:
        """The relative date nearest to a record at ``[start, end)`` in the record's clause
        (:meth:`clause`, within ``[low, high)`` too when given); None if there is none, or if
        that clause states a date, which beats it.

        ``verb`` finds the word that names the record's event ("seized"), when that is not the
        record's own words (an arrest word): a relative clause that opens before the record and
        whose pronoun is followed by other words before the relative date is another clause,
        whose verb the date is of ("The gendarmes who arrived yesterday seized 2 t"; not "les
        gendarmes qui ont saisi hier 2 tonnes").
        """
        dates = self.dates_of(mentions)
        if not dates.relative:
            return None
        first, last = self.clause(mentions, start, end, verb)
        opened = _RELATIVE_PRONOUN.match(self.folded, first) if first >= 0 else None
        first = first if low is None else max(first, low - 1)
        last = last if high is None else min(last, high)
        if dates.stated[_within(self._derived(dates.stated, "starts", _starts), first, last)]:
            return None
        own = dates.relative[_within(self._derived(dates.relative, "starts", _starts), first, last)]
        if opened is not None:
            own = [m for m in own if m.start > start or not self._other_verb(opened.end(), m, verb)]
        return _closest(own, start) if own else None

    def _other_verb(self, after: int, relative: _Mention, verb: re.Pattern[str] | None) -> bool:
        """Whether words stand between a relative pronoun ending at ``after`` and a relative
        date, and none names the record's event (``verb``; any word when None)."""
        between = self.folded[after : relative.start]
        return bool(between.strip()) and (verb is None or verb.search(between) is None)

    def clause(
        self, mentions: list[_Mention], start: int, end: int, verb: re.Pattern[str] | None = None
    ) -> tuple[int, int]:
        """The breaks (see :meth:`relative_breaks`) around a record at ``[start, end)``: the
        last before it (-1 for none) and the first after it (the text's end for none). A
        relative clause right after the record is the record's when it holds ``verb`` ("the 2
        tons of cannabis which were seized last week"): it tells of the record's event."""
        breaks = self.relative_breaks(bisect.bisect_right(self.starts, start) - 1, mentions)
        before = bisect.bisect_left(breaks, start)
        after = bisect.bisect_left(breaks, end)
        first = breaks[before - 1] if before else -1
        last = breaks[after] if after < len(breaks) else len(self.text)
        which = _OF_THE_RECORD.match(self.folded, end) if verb is not None else None
        if which is not None and verb is not None and last < which.end():
            after = bisect.bisect_left(breaks, which.end())
            stop = breaks[after] if after < len(breaks) else len(self.text)
            # Its date follows its verb: "which were seized last week in Agadez were burnt"
            # tells when the drugs were seized, not burnt.
            relative = self.dates_of(mentions).relative
            at = bisect.bisect_left(self._derived(relative, "starts", _starts), which.end())
            until = min(stop, relative[at].start) if at < len(relative) else stop
            last = stop if verb.search(self.folded, which.end(), until) else last
        return first, last

    def relative_breaks(self, index: int, mentions: list[_Mention]) -> list[int]:
        """Where the clauses of sentence ``index`` (its ``mentions``) part for a relative date
        (see ``_RELATIVE_BREAK``), in order; kept for the pass. The commas after a relative date
        that governs what follows it (:meth:`governs`), up to the sentence's next figure, are
        none: "Yesterday, in Agadez, customs seized 2 tons", "Customs seized, yesterday, 2
        tons", "this year's largest seizure, 2 tons"."""
        return self._derived(mentions, "breaks", lambda _: self._relative_breaks(index, mentions))

    def _relative_breaks(self, index: int, mentions: list[_Mention]) -> list[int]:
        s = self.sentences[index]
        found = [m.start() for m in _RELATIVE_BREAK.finditer(self.folded, s.start, s.end)]
        opening = s.start
        dateline = self.datelines.get(index)
        if dateline is not None:
            after = _AFTER_DATELINE.match(self.text, dateline.end)
            opening = after.end() if after is not None else opening
        figures = self.of_kind(mentions, "amount", "number", "money")
        for relative in self.dates_of(mentions).relative:
            if not self.governs(relative, opening):
                continue
            # A word such as "which" still parts a clause there; past the next figure, a comma
            # does again ("2 tons, compared with 1 ton seized last year"). Nor does a comma
            # inside the date part one ("On Tuesday, 10 May, customs seized...").
            end = next((m.start for m in figures if m.start >= relative.end), relative.end)
            found = [
                at for at in found if not (relative.start <= at < end and self.folded[at] == ",")
            ]
        return found

    def governs(self, relative: _Mention, opening: int) -> bool:
        """Whether a relative date dates what follows it, past commas: it opens the sentence
        (whose text starts at ``opening``, after its dateline) or a part of it after a comma
        ("Customs seized, yesterday, 2 tons"), or it is a possessive ("this year's largest
        seizure, 2 tons")."""
        if self.folded.startswith("'s", relative.end):
            return True
        after_comma = self.folded.rfind(",", opening, relative.start) + 1 or opening
        return _OPENING.fullmatch(self.folded, after_comma, relative.start) is not None

    def set_date(
        self, draft: _Draft, found: _Mention | None, index: int, name: str = "date"
    ) -> PartialDate | None:
        """Set ``draft``'s date from a mention. A figure's open period ("since 2014") is
        counted up to the page's date, when the page has one: it is what the figure is as of."""
        if found is None:
            return None
        date: PartialDate = found.value
        page = self.page_date(found.start) if name == "as_of" and date.latest is None else None
        if page is not None and page.latest is not None and page.latest >= date.earliest:
            date = PartialDate(date.earliest, page.latest, date.text)
        draft.fields[name] = date
        self.note(draft, name, found.start, found.end, index)
        return date

    def page_date(self, position: int) -> PartialDate | None:
        """The date of the page at ``position``: its last dateline before it, else the
        source's publication date."""
        at = bisect.bisect_right(self.page_dates, position, key=lambda p: p[0]) - 1
        return self.page_dates[at][1] if at >= 0 else None

    def set_place(
        self,
        draft: _Draft,
        mentions: list[_Mention],
        anchor: int,
        index: int,
        *,
        demonym: bool = True,
    ) -> list[tuple[Place, _Mention]]:
        """Set the place the sentence puts the record in; return every place it names there.

        A list of places ("in Mali and Niger", "à Bamako et à Ségou") does not fit the one
        place of a seizure, a workshop or a figure: the record keeps their country when they
        share one, else no place (never the first alone, nor an agency's country), and a flag
        names them. Figures list every country in ``countries`` (see :meth:`figure_places`).
        """
        place, mention = self.place(mentions, anchor, demonym=demonym)
        if place is None or mention is None:
            return []
        listed = self._listed(mentions, mention) if mention.kind != "demonym" else []
        if len(listed) < 2:
            draft.fields["place"] = place
            self.note(draft, "place", mention.start, mention.end, index)
            return [(place, mention)]
        first, last = listed[0][1], listed[-1][1]
        countries = {p.country for p, _ in listed}
        if len(countries) == 1:
            draft.fields["place"] = _place(countries.pop())
            self.note(draft, "place", first.start, last.end, index)
            kept = f"their country, {draft.fields['place'].country}"
        elif draft.kind != "figure":
            kept = "no place"
        elif any(p.locality for p, _ in listed):
            kept = "their countries"
        else:
            return listed  # a figure's countries hold them all
        self.flag_places(draft, listed, kept)
        return listed

    def flag_places(self, draft: _Draft, listed: list[tuple[Place, _Mention]], kept: str) -> None:
        names = ", ".join(self.text[m.start : m.end] for _, m in listed)
        draft.flags.append(f"places: {names}: the record holds one place, so it keeps {kept}")

    def _listed(self, mentions: list[_Mention], chosen: _Mention) -> list[tuple[Place, _Mention]]:
        """The places of the list ``chosen`` is in ("in Bamako and Niamey", "in Gao, Mali and
        Niamey, Niger"), in order, each once; a country after its own locality ("Gao, Mali")
        is that locality's, not another place."""
        found, position = self._derived(mentions, "listed places", self._places)
        at = position[id(chosen)]
        low = high = at
        while low > 0 and _PLACE_JOIN.fullmatch(self.folded, found[low - 1].end, found[low].start):
            low -= 1
        while high + 1 < len(found) and _PLACE_JOIN.fullmatch(
            self.folded, found[high].end, found[high + 1].start
        ):
            high += 1
        listed: list[tuple[Place, _Mention]] = []
        for m in found[low : high + 1]:
            if m.kind == "locality":
                iso3, name = m.value.split("|", 1)
                candidate = _place(iso3, name)
            elif any(p.country == m.value and p.locality for p, _ in listed[-1:]):
                continue  # "Gao, Mali"
            else:
                candidate = _place(m.value)
            if all(candidate != p for p, _ in listed):
                listed.append((candidate, m))
        return listed

    def _places(self, mentions: list[_Mention]) -> tuple[list[_Mention], dict[int, int]]:
        """The mentions that may be listed places, and each one's position among them (by
        identity): a sentence's records each ask, and a long sentence has many."""
        found = [m for m in self.of_kind(mentions, "locality", "country") if m.extra != "from"]
        return found, {id(m): i for i, m in enumerate(found)}

    @staticmethod
    def _agency_kind(key: str) -> str | None:
        found = _vocabulary().agencies.get(key)
        return found.kind.value if found is not None else None

    @staticmethod
    def _agency_country(key: str) -> str | None:
        found = _vocabulary().agencies.get(key)
        return found.country if found is not None else None

    def place_from_agency(
        self, draft: _Draft, mentions: list[_Mention], index: int
    ) -> tuple[str, _Mention] | None:
        """Place ``draft`` in the country of the sentence's national agencies, when they have
        one (see :meth:`_agencies_country`); return it, with the mention it came from."""
        found = self._derived(self.agencies(mentions), "one country", self._agencies_country)
        if found is not None:
            iso3, mention = found
            draft.fields["place"] = _place(iso3)
            self.note(draft, "place", mention.start, mention.end, index)
        return found

    def _agencies_country(self, agencies: list[_Mention]) -> tuple[str, _Mention] | None:
        """The country of a sentence's national agencies when they all have the same one,
        with the last mention of them (as a dict keeps it), else None."""
        countries = {c: a for a in agencies if (c := self._agency_country(a.value))}
        return next(iter(countries.items())) if len(countries) == 1 else None

    def figure_places(self, draft: _Draft, mentions: list[_Mention], index: int) -> None:
        """Set a figure's place as a seizure's is set (:meth:`set_place`, else the country of
        the national agency: "l'OCS a déjà saisi 12 tonnes" is Mali's), and its countries: every
        country the sentence names, those it is placed in first."""
        listed = self.set_place(draft, mentions, 0, index)
        agency = None if listed else self.place_from_agency(draft, mentions, index)
        as_of = draft.fields.get("as_of")
        found = self.of_kind(mentions, "country", "demonym", "grouping")
        named = self._derived(found, "countries", _naming) if found else []
        countries: list[str] = []
        for grouping, value, m in named:
            for iso3 in self.grouping(value, as_of) if grouping else (value,):
                if iso3 not in countries:
                    countries.append(iso3)
                    self.note(draft, f"countries[{iso3}]", m.start, m.end, index)
        # The countries of the localities it is placed in ("in Bamako and Niamey"), or of the
        # agency that places it, first.
        placed = [(p.country, m) for p, m in listed if p.locality] + ([agency] if agency else [])
        for n, (iso3, m) in enumerate(c for c in placed if c[0] not in countries):
            countries.insert(n, iso3)
            self.note(draft, f"countries[{iso3}]", m.start, m.end, index)
        draft.fields["countries"] = tuple(countries)

    @staticmethod
    def grouping(name: str, date: PartialDate | None) -> list[str]:
        from sahel_core import reference

        try:
            members = reference.grouping(name, date.earliest if date else None)
        except SahelError:
            return []
        return sorted(members)

    def unused_money(self, mentions: list[_Mention]) -> list[_Mention]:
        return [m for m in self.of_kind(mentions, "money") if not self.is_used(m.start, m.end)]

    def attach_money(
        self,
        draft: _Draft,
        mentions: list[_Mention],
        index: int,
        money: Sequence[_Mention] | None = None,
    ) -> None:
        """The first sum of money in the sentence and the bracketed equivalents after it.

        ``money`` is :meth:`unused_money`, when the caller keeps it. Each is read with the
        record's country and date (see :meth:`money_in`); a sum that cannot be is listed in
        ``dropped``, and the first that can is the value.
        """
        if money is None:
            money = self.unused_money(mentions)
        if not money:
            return
        first = money[0]
        stated = []
        cursor = first.end
        for m in itertools.islice(money, 1, None):
            between = _BETWEEN_EQUIVALENTS.fullmatch(self.folded, cursor, m.start)
            if between is not None and (
                between["word"] or "/" in between[0] or "(" in self.text[first.end : m.start]
            ):
                stated.append(m)
                cursor = m.end
                close = _CLOSING.match(self.text, cursor)
                if close:
                    break
            else:
                break
        places = [draft.fields.get("place"), *draft.fields.get("places", ())]
        country = next((p.country for p in places if p is not None), None)
        date = draft.fields.get("date") or draft.fields.get("as_of")
        sums = []
        for m in (first, *stated):
            self.use(m.start, m.end)
            read = self.money_in(m, country, date)
            if isinstance(read, str):
                self.dropped.append((draft.kind, "value", repr(self.text[m.start : m.end]), read))
            else:
                sums.append((m, read))
        if not sums:
            return
        (first, draft.fields["value"]), *rest = sums
        self.note(draft, "value", first.start, first.end, index)
        draft.fields["stated_values"] = tuple(read for _, read in rest)
        for n, (m, _) in enumerate(rest):
            self.note(draft, f"stated_values[{n}]", m.start, m.end, index)

    def money_in(
        self, mention: _Mention, country: str | None, date: PartialDate | None
    ) -> Money | str:
        """The sum a mention writes, read with the record's country ("CFA" is XAF in Chad) and
        date ("cedis" are GHC before 2007-07-01, GHS from then); or why it cannot be read."""
        text = self.text[mention.start : mention.end].strip()
        money: Money | None = mention.value
        if money is None:  # a currency word that changed meaning: the scan kept it in ``extra``
            change, before, after = REDENOMINATIONS[mention.extra]
            meaning = f"{mention.extra!r} is {before} before {change.isoformat()}, then {after}"
            if date is None:
                return f"{meaning}, and the record has no date"
            first, last = date.earliest, date.latest or _ANY_DAY
            if (first < change) != (last < change):
                return f"{meaning}, and the record's date ({date.text}) spans the change"
            money = _money(text, self.lang, country, first)
            assert money is not None  # the scan read it with a date
            return money
        # Outside CEMAC "CFA" reads as it did without a country: no need to read it again.
        if country is None or money.currency not in ("XOF", "XAF") or _cfa(country) != "XAF":
            return money
        return _money(text, self.lang, country) or money


def _closest(mentions: Sequence[_Mention], anchor: int) -> _Mention | None:
    """The mention nearest to position ``anchor``, measured from its nearer end: a date
    written before a figure ends close to it, however long it is ("on 5 May 2016 and 3 kg").
    Of two as near, the one that starts first; of two starting together, the first listed."""
    return _Nearest(mentions).closest(anchor)


def _placing(found: list[_Mention]) -> tuple[list[_Mention], list[int]]:
    """The mentions that place an event ("in Bamako", not "from Mali"), and their starts."""
    places = [m for m in found if m.extra == "in"]
    return places, [m.start for m in places]


def _naming(found: list[_Mention]) -> list[tuple[bool, str, _Mention]]:
    """The first mention of each country (not one people come "from") or grouping a
    sentence names: whether it is a grouping, its code or name, the mention. Later ones
    name nothing new, however long the sentence."""
    first: dict[tuple[bool, str], _Mention] = {}
    for m in found:
        if (m.kind == "country" and m.extra != "from") or m.kind == "demonym":
            first.setdefault((False, m.value), m)
        elif m.kind == "grouping":
            first.setdefault((True, m.value), m)
    return [(grouping, value, m) for (grouping, value), m in first.items()]


class _Nearest:
    """Mentions in order of start, with the farthest end reached so far: the nearest to a
    position is then one of two, found by bisection (:func:`_closest`)."""

    def __init__(self, mentions: Sequence[_Mention]) -> None:
        ordered = list(mentions)
        if any(a.start > b.start for a, b in itertools.pairwise(ordered)):
            ordered.sort(key=lambda m: m.start)  # stable: those starting together keep order
        self.mentions = ordered
        self.starts = [m.start for m in ordered]
        self.reach = list(itertools.accumulate((m.end for m in ordered), max))

    def covers(self, position: int) -> bool:
        """Whether a mention spans ``position`` (from its start, up to its end)."""
        before = bisect.bisect_right(self.starts, position)
        return bool(before) and self.reach[before - 1] > position

    def closest(self, anchor: int) -> _Mention | None:
        # Those starting at or after the anchor: the first is the nearest. Those starting
        # before it are as far as their end falls short of it: the nearest is the first to
        # reach it, else the first to reach the farthest end of them all.
        after = bisect.bisect_left(self.starts, anchor)
        best: tuple[int, int] | None = None  # distance, position
        if after:
            farthest = self.reach[after - 1]
            best = (
                max(anchor - farthest, 0),
                bisect.bisect_left(self.reach, min(farthest, anchor)),
            )
        if after < len(self.starts) and (best is None or self.starts[after] - anchor < best[0]):
            best = (self.starts[after] - anchor, after)
        return None if best is None else self.mentions[best[1]]


@lru_cache(maxsize=256)
def _cfa(country: str) -> str | None:
    """The franc "CFA" means in ``country``: XOF or XAF (None for a country not known)."""
    try:
        return canonical_currency("CFA", country=country)
    except SahelError:
        return None
