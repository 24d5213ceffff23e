"""Operations: arrests and destructions, with the people arrested and who took part."""

from __future__ import annotations

from sahel_core.entities import Place
from sahel_core.extract._base import _Base, _Draft, _place
from sahel_core.extract._patterns import _ARRESTED_COUNT, _ARRESTED_ONE, _COREFERENCE
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.quantities import Amount


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
        # Without a date, only an arrest that says who arrested how many people, or where, is
        # an operation being reported: "arrested" alone is often background ("traffickers
        # arrested in the past").
        if not dates and not (arrest and kind == "arrest" and self.reported(mentions, arrest[1])):
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

    def reported(self, mentions: list[_Mention], after: int) -> bool:
        """A count of people arrested right after the arrest word, and an agency or a place."""
        counted = any(
            m.start >= after - 1
            and (
                (m.kind == "amount" and m.extra == "person")
                or (m.kind == "number" and _ARRESTED_COUNT.match(self.folded, m.end) is not None)
            )
            for m in mentions
        )
        named = bool(self.agencies(mentions)) or any(
            m.kind in ("locality", "country") and m.extra == "in" for m in mentions
        )
        return counted and named

    def arrested(self, draft: _Draft, mentions: list[_Mention], index: int, after: int) -> None:
        for m in mentions:
            if m.start < after - 1:
                continue
            if m.kind == "amount" and m.extra == "person":
                amount = self.amount_of(m)
                if amount is None:
                    continue
                draft.fields["arrested"] = amount
                self.use(m.start, m.end)
                self.note(draft, "arrested", m.start, m.end, index)
                return
            number = self.number_of(m) if m.kind == "number" else None
            if number is not None and _ARRESTED_COUNT.match(self.folded, m.end):
                qualifier, value = number
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
