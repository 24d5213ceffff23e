"""Operations: arrests and destructions, with the people arrested and who took part."""

from __future__ import annotations

import re
from typing import NamedTuple

from sahel_core.entities import Place
from sahel_core.extract._base import _Base, _Draft, _place
from sahel_core.extract._patterns import (
    _AND_MORE,
    _ARRESTED_COUNT,
    _ARRESTED_ONE,
    _ARRESTED_PASSIVE,
    _BEFORE_ELLIPTIC,
    _COREFERENCE,
    _ELLIPTIC,
    _NOUN_DEMONYM,
    _ONE_PERSON,
    _PEOPLE_ARRESTED,
    _PHRASE_END,
    _SUBSET,
)
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount

_SPACES = re.compile(r"\s*")


class _Arrested(NamedTuple):
    """How many people an arrest sentence says were arrested, and where it says so."""

    amount: Amount
    start: int
    end: int
    figure: bool = True  # a figure of the text (taken by the record), not "the suspect"


class _Operations(_Base):
    """Operations: arrests and destructions, with the people arrested and who took part."""

    def operations(
        self, index: int, s: _Sentence, mentions: list[_Mention], funded: tuple[int, int] | None
    ) -> _Draft | None:
        """The arrest or destruction sentence ``s`` reports, if any; ``funded`` is the span of
        its funding phrase ("with support from UNODC"), if any."""
        arrest = self.first("arrest", s)
        destroy = self.first("destroy", s)
        trigger = arrest or destroy
        if trigger is None:
            return None
        anchor = trigger[0]
        dates = self.closed_dates(mentions, *trigger)
        kind = "arrest" if arrest and (not destroy or arrest[0] < destroy[0]) else "destruction"
        count = (
            self.arrested_count(mentions, index, arrest) if kind == "arrest" and arrest else None
        )
        # Without a date, only an arrest that counts the people arrested and names who
        # arrested them or where is an operation being reported: "arrested" alone is often
        # background ("traffickers arrested in the past").
        if not dates and not (count is not None and count.figure and self.named(mentions)):
            return None
        draft = self.new("operation", index, anchor)
        draft.fields["kind"] = kind
        date = min(dates, key=lambda m: abs(m.start - anchor)) if dates else None
        if date is not None:
            draft.fields["date"] = date.value
            self.note(draft, "date", date.start, date.end, index)
        places, several = self.operation_places(draft, mentions, index)
        draft.fields["places"] = tuple(places)
        draft.fields["agencies"] = ()
        agencies = self.agencies(mentions)
        if funded is not None:
            # Who supported it ("with support from UNODC, police arrested...") did not make it.
            end = _PHRASE_END.search(self.folded, funded[1], s.end)
            stop = s.end if end is None else end.start()
            agencies = [a for a in agencies if not funded[1] <= a.start < stop]
        self.add_listed(draft, "agencies", [(a.value, a.start, a.end, index) for a in agencies])
        if kind == "arrest":
            if count is not None:
                draft.fields["arrested"] = count.amount
                if count.figure:
                    self.use(count.start, count.end)
                self.note(draft, "arrested", count.start, count.end, index)
            self.last_arrest = draft
        elif kind == "destruction":
            self.attach_money(draft, mentions, index)
            if "value" in draft.fields:
                figure = self.new("figure", index, anchor + 1)
                figure.fields.update(
                    label="value of destroyed goods",
                    value=draft.fields.pop("value"),
                    stated_values=draft.fields.pop("stated_values"),
                    as_of=None if date is None else date.value,
                    operation=draft,
                )
                if places and not several:
                    figure.fields["place"] = places[0]
                    for name in [n for n in draft.evidence if n.startswith("places[")][:1]:
                        figure.evidence["place"] = draft.evidence[name]
                for name in list(draft.evidence):
                    if name.startswith(("value", "stated_values")):
                        figure.evidence[name] = draft.evidence.pop(name)
                if date is not None:
                    self.note(figure, "as_of", date.start, date.end, index)
        return draft

    def operation_places(
        self, draft: _Draft, mentions: list[_Mention], index: int
    ) -> tuple[list[Place], bool]:
        """The places an operation's sentence puts it in ("in Niamey", "Malian"), each once (a
        country only when none of its localities is named); and whether a list of places in
        several countries is among them.

        A list ("in Mali and Niger", "in Niamey and Zinder") is no one place, as for a
        seizure (:meth:`set_place`): it gives its country when they share one, else each of
        their countries (so the record names no one country or place), and a flag names them.
        """
        places: list[Place] = []
        listed_in: set[int] = set()  # ids of the mentions of the lists read
        from_lists: set[str] = set()  # the countries lists gave: none of their localities
        several = False
        for m in mentions:
            if id(m) in listed_in:
                continue
            if m.kind in ("locality", "country") and m.extra == "in":
                listed = self._listed(mentions, m)
                if len(listed) > 1:
                    listed_in.update(id(x) for _, x in listed)
                    countries = dict.fromkeys(p.country for p, _ in listed)
                    several = several or len(countries) > 1
                    one = next(iter(countries))
                    kept = "their countries" if len(countries) > 1 else f"their country, {one}"
                    self.flag_places(draft, listed, kept)
                    for iso3 in countries:
                        where = next(x for p, x in listed if p.country == iso3)
                        from_lists.add(iso3)
                        self._add_place(draft, places, _place(iso3), where, index)
                    continue
            if m.kind == "locality" and m.extra == "in":
                iso3, name = m.value.split("|", 1)
                if iso3 in from_lists:
                    continue
                candidate = _place(iso3, name)
            elif (m.kind == "country" and m.extra == "in") or m.kind == "demonym":
                candidate = _place(m.value)
            else:
                continue
            self._add_place(draft, places, candidate, m, index)
        return places, several

    def _add_place(
        self, draft: _Draft, places: list[Place], candidate: Place, m: _Mention, index: int
    ) -> None:
        if candidate.locality is None and any(p.country == candidate.country for p in places):
            return
        places[:] = [p for p in places if p.country != candidate.country or p.locality]
        if candidate not in places:
            places.append(candidate)
            self.note(draft, f"places[{len(places) - 1}]", m.start, m.end, index)

    def named(self, mentions: list[_Mention]) -> bool:
        """Whether the sentence names an agency or a place ("in Niamey")."""
        return bool(self.agencies(mentions)) or any(
            m.kind in ("locality", "country") and m.extra == "in" for m in mentions
        )

    def arrested_count(
        self, mentions: list[_Mention], index: int, arrest: tuple[int, int]
    ) -> _Arrested | None:
        """The people arrested by the arrest word at span ``arrest``: a count of persons just
        before a passive verb ("12 suspects were arrested") or after the word ("arrested 12
        suspects"), else "the (alleged) kingpin/suspect" after it as one person.

        A list of counts is one count, their sum ("two Nigerians and three Malians"). Counts
        the sentence gives elsewhere ("two Nigerians were arrested in Niamey and three Malians
        in Gao") are no part of it: the record then has no count, rather than one too low,
        and :attr:`Extraction.dropped` says why.
        """
        before, after = arrest
        s = self.sentences[index]
        found: tuple[_Arrested, int] | None = None
        # Lists that start with one person ("a Nigerian and a Malian were arrested"), and
        # counts: a list read from one item is not read again from the next.
        starts = sorted(
            [m.start for m in mentions if m.end <= before and m.kind in ("number", "amount")]
            + [o.start() for o in _ONE_PERSON.finditer(self.folded, s.start, before)]
        )
        reached = -1
        for start in starts:
            if start < reached:
                continue
            people = self.people_at(start, mentions)
            if people is None:
                continue
            reached = people[1]
            if _ARRESTED_PASSIVE.fullmatch(self.folded, people[1], before):
                found = people
                break
        if found is None:  # "arrested a Nigerian and a Malian": no figure to start from
            space = _SPACES.match(self.folded, after)
            assert space is not None  # r"\s*" matches anywhere
            found = self.people_at(space.end(), mentions)
        if found is None:
            for m in mentions:
                if m.start >= after - 1:
                    found = self.people_at(m.start, mentions)
                    if found is not None:
                        break
        if found is not None:
            return self.only_count(*found, mentions, s)
        one = _ARRESTED_ONE.search(self.folded, after, s.end)
        if one is not None and one.start() - after <= 3:
            text = self.text[one.start() : one.end()]
            return _Arrested(Amount(1, "person", text=text), *one.span(), figure=False)
        return None

    def only_count(
        self, found: _Arrested, end: int, mentions: list[_Mention], s: _Sentence
    ) -> _Arrested | None:
        """``found`` (its words end at ``end``), unless the sentence counts other people
        arrested outside it ("two Nigerians were arrested in Niamey and three Malians in Gao",
        "... and three in Gao"); not a part of them ("12 suspects, including 3 women", "5
        suspects, dont deux Nigérians et un Malien")."""
        others: list[tuple[int, int]] = []
        subsets: list[tuple[int, int]] = []
        for m in mentions:
            if found.start <= m.start < end or m.kind not in ("number", "amount"):
                continue
            item = self.person_item(m.start, mentions)
            if (
                item is not None
                and m.kind == "amount"
                and not _PEOPLE_ARRESTED.search(self.folded, m.start, m.end)
            ):
                continue  # "40 participants"
            if item is None and not (
                m.kind == "number"
                and _ELLIPTIC.match(self.folded, m.end)
                and _BEFORE_ELLIPTIC.search(self.folded, max(s.start, m.start - 10), m.start)
            ):
                continue
            if not _SUBSET.search(self.folded, max(s.start, m.start - 40), m.start):
                others.append((m.start, item[2] if item is not None else m.end))
            else:  # the whole list is a part ("including two Nigerians and a Malian")
                listed = self.people_at(m.start, mentions)
                subsets.append((m.start, listed[1] if listed is not None else m.end))
        for o in _ONE_PERSON.finditer(self.folded, end, s.end):
            if any(a <= o.start() < b for a, b in subsets) or _SUBSET.search(
                self.folded, max(s.start, o.start() - 40), o.start()
            ):
                continue
            if _BEFORE_ELLIPTIC.search(self.folded, max(s.start, o.start() - 10), o.start()):
                others.append(o.span())
        if not others:
            return found
        spans = [(found.start, end), *others]
        for span in spans:  # read, and not to be read again as figures of their own
            self.use(*span)
        texts = [self.text[a:b] for a, b in spans]
        reason = "counts of people arrested in several places of the sentence: no one count"
        self.dropped.append(("operation", "arrested", repr(", ".join(texts)), reason))
        return None

    def person_item(self, start: int, mentions: list[_Mention]) -> tuple[Amount, int, int] | None:
        """The count of persons written at ``start`` ("12 suspects", "deux Nigérians", "a
        Malian"): the amount, where its figure ends, where its words end."""
        m = self._derived(mentions, "by start", _by_start).get(start)
        if m is not None and m.kind == "amount" and m.extra == "person":
            amount = self.amount_of(m)
            return (amount, m.end, m.end) if amount is not None else None
        noun = _ARRESTED_COUNT.match(self.folded, m.end) if m and m.kind == "number" else None
        amount = self.people_of(m) if m is not None and noun is not None else None
        if m is not None and noun is not None and amount is not None:
            end = noun.end()
            adjective = _NOUN_DEMONYM.match(self.folded, end)  # "ressortissants nigérians"
            return amount, m.end, adjective.end() if adjective else end
        one = _ONE_PERSON.match(self.folded, start)
        if one is None:
            return None
        return Amount(1, "person", text=self.text[one.start() : one.end()]), one.end(), one.end()

    def people_at(self, start: int, mentions: list[_Mention]) -> tuple[_Arrested, int] | None:
        """The count of persons written at ``start`` ("12 suspects", "two Nigerians and a
        Malian", "two Nigerians and three Malians"), a list of them summed, and where its
        last words end. "A Nigerian" alone is no count (see _ARRESTED_ONE)."""
        first = self.person_item(start, mentions)
        if first is None:
            return None
        items = [first]
        end = first[2]
        while (joined := _AND_MORE.match(self.folded, end)) is not None:
            item = self.person_item(joined.end(), mentions)
            if item is None:
                break
            items.append(item)
            end = item[2]
        if len(items) == 1:
            if first[0].magnitude == 1 and _ONE_PERSON.match(self.folded, start):
                return None  # "a Malian": not a count ("the suspect" is _ARRESTED_ONE's)
            return _Arrested(first[0], start, first[1]), end
        total = _sum_people([amount for amount, _, _ in items], self.text[start:end])
        return (_Arrested(total, start, end), end) if total is not None else None

    def coreference(self, index: int, mentions: list[_Mention], low: str) -> None:
        draft = self.last_arrest
        if draft is None or draft.sentence == index or index - draft.sentence > 3:
            return
        if not _COREFERENCE.search(low):
            return
        # UN bodies facilitate ("which UNODC facilitated"); they are not the arresting agency.
        agencies = [a for a in self.agencies(mentions) if self._agency_kind(a.value) != "un"]
        self.add_listed(draft, "agencies", [(a.value, a.start, a.end, index) for a in agencies])


def _by_start(mentions: list[_Mention]) -> dict[int, _Mention]:
    """The first mention starting at each position."""
    found: dict[int, _Mention] = {}
    for m in mentions:
        found.setdefault(m.start, m)
    return found


def _sum_people(amounts: list[Amount], text: str) -> Amount | None:
    """One count of the people of a list ("about 10 suspects and 3 Ghanaians": about 13, from
    12 to 14): the sum of the counts and of their bounds (each the bounds its qualifier
    implies, :func:`~sahel_core.qualifiers.default_bounds`); None when two qualifiers differ
    ("over 10 ... and under 5 ...": no one count)."""
    qualifiers = {a.qualifier for a in amounts} - {Qualifier.EXACT}
    if len(qualifiers) > 1:
        return None
    lows = [a.low for a in amounts]
    highs = [a.high for a in amounts]
    return Amount(
        sum(a.magnitude for a in amounts),
        "person",
        qualifiers.pop() if qualifiers else Qualifier.EXACT,
        low=None if None in lows else sum(lows),  # type: ignore[arg-type]
        high=None if None in highs else sum(highs),  # type: ignore[arg-type]
        text=text,
    )
