"""The rules of :mod:`sahel_core.extract`, sentence by sentence."""

from __future__ import annotations

import bisect

from sahel_core.extract._base import _Draft
from sahel_core.extract._figure_rules import _Figures
from sahel_core.extract._operations import _Operations
from sahel_core.extract._patterns import _AFTER_DATELINE, _DATELINE, _LEARNING
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
        figures = [False] * len(self.sentences)
        for m in self.scan.figures:
            index = bisect.bisect_right(self.starts, m.start) - 1
            if index >= 0 and m.end <= self.sentences[index].end:
                figures[index] = True
        self.mentions = [
            self.mentions_of(s) if figures[index] or s.triggers else []
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

    def mentions_of(self, s: _Sentence) -> list[_Mention]:
        """The mentions of sentence ``s``, less the date of a dateline ("NIAMEY, 12 May 2016 -
        Customs seized ... on 2 May 2016") when the sentence states another: the dateline dates
        the release, the other the event."""
        found = self.scan.within(s.start, s.end)
        # Before a dateline's date come at most its place and that place's country.
        first = next((m for m in found[:3] if m.kind == "date"), None)
        if (
            first is None
            or not _DATELINE.fullmatch(self.text, s.start, first.start)
            or not _AFTER_DATELINE.match(self.text, first.end)
            or not any(m.kind == "date" and m is not first for m in found)
        ):
            return found
        return [m for m in found if m is not first]

    def sentence(self, index: int, s: _Sentence, mentions: list[_Mention], low: str) -> None:
        """The rules for one sentence, in the order of the module docstring."""
        listing = self.first("programme", s)
        if listing is not None:
            self.programme(index, s, mentions, listing[1])
            return
        workshop = self.workshop_trigger(s, mentions, low)
        funded = self.first("funded", s)
        drafts = len(self.drafts)
        operation = self.operations(index, s, mentions, low)
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
