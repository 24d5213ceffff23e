"""Operations: arrests and destructions, with the people arrested and who took part."""

from __future__ import annotations

from typing import NamedTuple

from sahel_core.entities import Place
from sahel_core.extract._base import _Base, _Draft, _place
from sahel_core.extract._patterns import (
    _AND_MORE,
    _AND_ONE_MORE,
    _ARRESTED_COUNT,
    _ARRESTED_ONE,
    _ARRESTED_PASSIVE,
    _COREFERENCE,
    _PHRASE_END,
)
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount


class _Arrested(NamedTuple):
    """How many people an arrest sentence says were arrested, and where it says so."""

    amount: Amount
    start: int
    end: int
    figure: bool = True  # a figure of the text (taken by the record), not "the suspect"


class _Operations(_Base):
    """Operations: arrests and destructions, with the people arrested and who took part."""

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
        places: list[Place] = []
        for m in mentions:
            if m.kind == "locality" and m.extra == "in":
                iso3, name = m.value.split("|", 1)
                candidate = _place(iso3, name)
            elif (m.kind == "country" and m.extra == "in") or m.kind == "demonym":
                candidate = _place(m.value)
            else:
                continue
            if candidate.locality is None and any(p.country == candidate.country for p in places):
                continue
            places = [p for p in places if p.country != candidate.country or p.locality]
            if candidate not in places:
                places.append(candidate)
                self.note(draft, f"places[{len(places) - 1}]", m.start, m.end, index)
        draft.fields["places"] = tuple(places)
        draft.fields["agencies"] = ()
        agencies = self.agencies(mentions)
        funded = self.first("funded", s)
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
                if places:
                    figure.fields["place"] = places[0]
                    for name in [n for n in draft.evidence if n.startswith("places[")][:1]:
                        figure.evidence["place"] = draft.evidence[name]
                for name in list(draft.evidence):
                    if name.startswith(("value", "stated_values")):
                        figure.evidence[name] = draft.evidence.pop(name)
                if date is not None:
                    self.note(figure, "as_of", date.start, date.end, index)
        return draft

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
        suspects"), else "the (alleged) kingpin/suspect" after it as one person."""
        before, after = arrest
        for m in mentions:
            if m.start >= before:
                break
            found = self.person_count(m, mentions) if m.end <= before else None
            if found is not None and _ARRESTED_PASSIVE.fullmatch(self.folded, found[1], before):
                return found[0]
        for m in mentions:
            if m.start >= after - 1:
                found = self.person_count(m, mentions)
                if found is not None:
                    return found[0]
        one = _ARRESTED_ONE.search(self.folded, after, self.sentences[index].end)
        if one is not None and one.start() - after <= 3:
            text = self.text[one.start() : one.end()]
            return _Arrested(Amount(1, "person", text=text), *one.span(), figure=False)
        return None

    def person_count(self, m: _Mention, mentions: list[_Mention]) -> tuple[_Arrested, int] | None:
        """The count of persons a mention starts ("12 suspects", "two Nigerians and a
        Malian", "two Nigerians and three Malians"), and where its last noun ends."""
        if m.kind == "amount" and m.extra == "person":
            amount = self.amount_of(m)
            if amount is None:
                return None
            end = m.end
        else:
            number = self.number_of(m) if m.kind == "number" else None
            noun = _ARRESTED_COUNT.match(self.folded, m.end) if number is not None else None
            if number is None or noun is None:
                return None
            qualifier, value = number
            amount = Amount(value, "person", qualifier, text=self.text[m.start : m.end])
            end = noun.end()
        more = _AND_ONE_MORE.match(self.folded, end)
        if more is not None and amount.qualifier is Qualifier.EXACT:
            text = self.text[m.start : more.end()]
            total = Amount(amount.magnitude + 1, "person", text=text)
            return _Arrested(total, m.start, more.end()), more.end()
        # A list of counts is one count: left apart, its last would pass for all arrested.
        joined = _AND_MORE.match(self.folded, end)
        following = self._derived(mentions, "by start", _by_start) if joined else {}
        nxt = following.get(joined.end()) if joined else None
        rest = self.person_count(nxt, mentions) if nxt is not None else None
        if rest is None:
            return _Arrested(amount, m.start, m.end), end
        qualifiers = {amount.qualifier, rest[0].amount.qualifier} - {Qualifier.EXACT}
        if len(qualifiers) > 1:  # "over 10 ... and under 5 ...": no one count
            return None
        total = Amount(
            amount.magnitude + rest[0].amount.magnitude,
            "person",
            qualifiers.pop() if qualifiers else Qualifier.EXACT,
            text=self.text[m.start : rest[1]],
        )
        return _Arrested(total, m.start, rest[1]), rest[1]

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
