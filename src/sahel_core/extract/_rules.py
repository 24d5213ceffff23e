"""The rules of :mod:`sahel_core.extract`, sentence by sentence."""

from __future__ import annotations

import bisect

from sahel_core.extract._base import _Draft
from sahel_core.extract._figure_rules import _Figures
from sahel_core.extract._figures import _relative_date
from sahel_core.extract._operations import _Operations
from sahel_core.extract._patterns import (
    _AFTER_DATELINE,
    _BEFORE_DATE,
    _DATELINE,
    _DATELINE_REACH,
    _LEARNING,
    _RELATIVE_AROUND,
    _RELATIVE_BACK,
    _RELATIVE_DATE,
)
from sahel_core.extract._scan import _Mention
from sahel_core.extract._seizures import _Seizures
from sahel_core.extract._text import _Sentence
from sahel_core.extract._workshops import _Workshops


class _Extractor(_Seizures, _Operations, _Workshops, _Figures):
    """One pass over one text: sentences, mentions, then the rules, sentence by sentence."""

    def run(self) -> list[_Draft]:
        """Every rule over every sentence; the drafts in text order."""
        # Only a rule word or a figure sets a rule off; names and dates alone say nothing, so
        # the mentions of the other sentences are not even gathered.
        self.find_datelines()
        figures = [False] * len(self.sentences)
        for m in self.scan.figures:
            index = bisect.bisect_right(self.starts, m.start) - 1
            if index >= 0 and m.end <= self.sentences[index].end:
                figures[index] = True
        self.mentions = [
            self.mentions_of(index, s) if figures[index] or s.triggers else []
            for index, s in enumerate(self.sentences)
        ]
        for index, sentence in enumerate(self.sentences):
            if figures[index] or sentence.triggers:
                low = self.folded[sentence.start : sentence.end]
                self.sentence(index, sentence, self.mentions[index], low)
        if self.rules:
            for index, sentence in enumerate(self.sentences):
                if figures[index]:
                    self.plugin_rules(index, sentence)
        self.money_figures()
        self.attach_activity_donors()
        self.title_from_headline()
        return sorted(self.drafts, key=lambda d: d.order)

    def find_datelines(self) -> None:
        """The datelines of the text ("NIAMEY, 12 May 2016 - ..."), by sentence, and the page
        dates (``page_dates``) they set from where they stand: one text may hold several
        releases. Before a dateline's date come at most its place and that place's country."""
        for m in self.scan.mentions:
            if m.kind != "date" or m.value.latest is None:
                continue
            index = bisect.bisect_right(self.starts, m.start) - 1
            s = self.sentences[index] if index >= 0 else None
            if (
                s is None
                or m.start - s.start > _DATELINE_REACH
                or not _DATELINE.fullmatch(self.text, s.start, m.start)
                or not _AFTER_DATELINE.match(self.text, m.end)
                or m not in self.scan.within(s.start, s.end)[:3]
            ):
                continue
            self.datelines[index] = m
            self.page_dates.append((s.start, m.value))

    def mentions_of(self, index: int, s: _Sentence) -> list[_Mention]:
        """The mentions of sentence ``s`` (number ``index``), with the dates it tells relative
        to the page's ("seized last week": see :meth:`relative_dates`, ``extra`` "relative").
        The date of a dateline ("NIAMEY, 12 May 2016 - Customs seized ... on 2 May 2016") is
        left out when the sentence states another date, and kept as ``extra`` "dateline"
        otherwise: the dateline dates the release, a date the sentence states the event; a
        relative date does so only in its record's clause (see :meth:`_Base.dates_of`)."""
        found = self.scan.within(s.start, s.end)
        if self.page_dates:
            found = self.relative_dates(s, found)
        first = self.datelines.get(index)
        if first is None:
            return found
        if any(m.kind == "date" and m is not first and m.extra != "relative" for m in found):
            return [m for m in found if m is not first]
        return [m._replace(extra="dateline") if m is first else m for m in found]

    def relative_dates(self, s: _Sentence, found: list[_Mention]) -> list[_Mention]:
        """``found`` with the dates ``s`` tells relative to the page's date ("yesterday",
        "last week", "le mois dernier", "since last year", "on Tuesday", "three days ago"), read
        as the span they may mean (see :func:`~sahel_core.extract._figures._relative_date`);
        not where the scan read a date ("since the beginning of the year 2016"), nor right
        before one, whose day it names ("Thursday 12 May 2016")."""
        added: list[_Mention] = []
        words = self.scan.relative
        first = bisect.bisect_left(words, (s.start,))
        dates: list[_Mention] | None = None
        for start, end in words[first : bisect.bisect_left(words, (s.end,))]:
            # The phrase is around its word: "last week", "la semaine dernière".
            low, high = max(s.start, start - _RELATIVE_BACK), min(s.end, end + _RELATIVE_AROUND)
            matches = _RELATIVE_DATE.finditer(self.folded, low, high)
            match = next((m for m in matches if m.start() <= start < m.end()), None)
            page = self.page_date(start)
            kind = match.lastgroup if match is not None else None
            if match is None or kind is None or page is None:
                continue
            if added and added[-1].end >= match.end():
                continue  # "earlier this year" has found it already
            if dates is None:  # in order, apart: the last to start before its end may overlap
                dates = [m for m in found if m.kind == "date"]
            at = bisect.bisect_left(dates, match.end(), key=lambda m: m.start) - 1
            if at >= 0 and dates[at].end > match.start():
                continue
            if at + 1 < len(dates) and _BEFORE_DATE.fullmatch(
                self.folded, match.end(), dates[at + 1].start
            ):
                continue
            date = _relative_date(match, page, self.text[match.start() : match.end()])
            if date is not None:
                added.append(_Mention("date", match.start(), match.end(), date, "relative"))
        if not added:
            return found
        return sorted([*found, *added], key=lambda m: m.start)

    def sentence(self, index: int, s: _Sentence, mentions: list[_Mention], low: str) -> None:
        """The rules for one sentence, in the order of the module docstring."""
        listing = self.first("programme", s)
        if listing is not None:
            self.programme(index, s, mentions, listing[1])
            return
        workshop = self.workshop_trigger(s, mentions, low)
        funded = self.first("funded", s)
        drafts = len(self.drafts)
        operation = self.operations(index, s, mentions, funded)
        if workshop is None or not _LEARNING.search(low):
            self.seizures(index, s, mentions, low, operation)
        else:  # course material: told, so that a seizure the rule misses is not lost unsaid
            self.dropped += [
                ("seizure", "quantity", repr(self.text[m.start : m.end]),
                 "a quantity of a case studied in a training, not read as a seizure")
                for m in mentions if m.kind == "amount"
            ]  # fmt: skip
        if funded and workshop is None:
            # "With the support of UNODC, the OCS seized...": the support went to that seizure
            # or arrest. Only a sentence that reports nothing else funds the page's activity.
            if len(self.drafts) == drafts:
                self.donor_statement(mentions, funded[1], index)
            return
        self.coreference(index, mentions, low)
        if workshop is not None:
            self.workshop(index, s, mentions, low, workshop)
        elif self.last_workshop is not None:
            self.participants_only(index, s, mentions, low)
