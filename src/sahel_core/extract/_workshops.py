"""Workshops and trainings, their participants, and who funded them."""

from __future__ import annotations

import re
from functools import lru_cache

from sahel_core.errors import SahelError
from sahel_core.extract._base import _Base, _Draft, _ParticipantCount
from sahel_core.extract._figures import _number
from sahel_core.extract._patterns import (
    _ANNOUNCED,
    _ATTENDEES,
    _BECAUSE_OF,
    _COUNT_NOUN,
    _DEFINITE,
    _DONOR_JOINER,
    _GATHERED,
    _INSTITUTIONS,
    _PEOPLE,
    _PROGRAMME_NAME,
    _QUOTED,
    _TOPIC,
    _TRIGGERS,
    _VERB_AFTER,
    _VERB_WINDOW,
    _WORKSHOP_VERB,
)
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.quantities import Amount


class _Workshops(_Base):
    """Workshops and trainings, their participants, and who funded them."""

    def workshop_trigger(
        self, s: _Sentence, mentions: list[_Mention], low: str
    ) -> tuple[int, list[_Mention], list[_ParticipantCount]] | None:
        """Where a sentence names a workshop it reports on, with its dates and counts."""
        noun = self.first("workshop", s)
        if noun is None:
            return None
        dates = self.closed_dates(mentions, *noun)
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
            self.announced_by(draft, index, s, low)
        groupings = [m for m in mentions if m.kind == "grouping"]
        if "place" not in draft.fields and not groupings:
            self.set_place(draft, mentions, anchor, index, demonym=False)
        for g in groupings:
            members = self.grouping(g.value, draft.fields.get("date"))
            draft.fields["countries"] = tuple(
                dict.fromkeys((*draft.fields.get("countries", ()), *members))
            )
            self.note(draft, "countries", g.start, g.end, index)
        self.workshop_details(draft, index, mentions, counts)

    def announced_by(self, draft: _Draft, index: int, s: _Sentence, low: str) -> None:
        """The agencies of the sentence just before, in the same paragraph, that announced
        the workshops this one is one "of these" ("UNODC and the OCS decided to deliver a
        series of workshops. The first of these workshops took place in Bamako")."""
        if index == 0 or _ANNOUNCED.search(low) is None:
            return
        before = self.sentences[index - 1]
        if before.paragraph != s.paragraph or "workshop" not in before.triggers:
            return
        agencies = self.agencies(self.mentions[index - 1])
        self.add_listed(draft, "agencies", [(a.value, a.start, a.end, index - 1) for a in agencies])

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
                if m.extra != "person":
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
                amount = self.people_of(m, stop)
                if amount is None:
                    continue
                m = _Mention("amount", m.start, stop, amount, "person")
            found.append(_ParticipantCount(m, _INSTITUTIONS.match(self.folded, stop)))
        return found

    def workshop_details(
        self,
        draft: _Draft,
        index: int,
        mentions: list[_Mention],
        counts: list[_ParticipantCount],
    ) -> None:
        amount = None
        if counts and "participants" not in draft.fields:
            m, institutions = counts[0]
            amount = self.amount_of(m)
        if amount is not None:
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
            # The countries listed after the count, up to a funding phrase: the countries
            # named after it are donors ("from Niger and Mali, with funding from Japan").
            stop = self.sentences[index].end
            if "funded" in self.sentences[index].triggers:
                funded = _TRIGGERS["funded"].search(self.folded, m.end, stop)
                stop = funded.start() if funded else stop
            listed = [
                c
                for c in self.of_kind(mentions, "country")
                if m.end < c.start < stop and c.extra != "in"
            ]
            if listed and not draft.fields.get("countries"):
                draft.fields["countries"] = tuple(dict.fromkeys(c.value for c in listed))
                for c in listed:
                    self.note(draft, f"countries[{c.value}]", c.start, c.end, index)
        agencies = self.agencies(mentions)
        self.add_listed(draft, "agencies", [(a.value, a.start, a.end, index) for a in agencies])
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
            stated = m.kind == "date" and m.extra != "relative"
            if stated and (span is None or not span.contains(m.value)):
                return
        counts = self.participant_counts(mentions, strict=not _GATHERED.search(low))
        if counts:
            self.workshop_details(last, index, mentions, counts)

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

    def sentence_donors(self, draft: _Draft, index: int, mentions: list[_Mention]) -> None:
        funded = self.first("funded", self.sentences[index])
        if funded is None:
            return
        donors = self.donors_after(mentions, funded[1])
        self.add_listed(draft, "donors", [(*donor, index) for donor in donors])

    def donors_after(self, mentions: list[_Mention], after: int) -> list[tuple[str, int, int]]:
        """The donors named right after a funding phrase: "funded by Germany and the EU",
        "the governments of: • Austria • Belgium ...". The list ends at the first word that is
        neither a donor nor a joining word ("With the support of UNODC, Mauritania ..." names
        no donor)."""

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
                donor = _donor_id(self.text[m.start : m.end])
                if donor is None:
                    return found
                found.append((donor, m.start, m.end))
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
        self.add_listed(main, "donors", self.activity_donors)

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


@lru_cache(maxsize=4096)
def _donor_id(name: str) -> str | None:
    """The donor key of a country named in a funding phrase ("Germany" → "DEU")."""
    from sahel_core import reference

    try:
        return reference.donor(name).id
    except SahelError:
        return None
