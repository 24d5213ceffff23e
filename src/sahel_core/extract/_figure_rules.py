"""Figures: plugin rules (and what they are given), and sums of money left over."""

from __future__ import annotations

import bisect
import re
import warnings
from collections import deque
from decimal import Decimal
from functools import lru_cache

from attrs import define

from sahel_core.dates import PartialDate
from sahel_core.entities import Place
from sahel_core.errors import PluginWarning, SahelError
from sahel_core.extract._base import _Base, _Draft
from sahel_core.extract._figures import _amount, _money, _number
from sahel_core.extract._model import Evidence
from sahel_core.extract._patterns import _VALUE_CUE
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.money import Money
from sahel_core.qualifiers import Qualifier
from sahel_core.quantities import Amount


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


class _Figures(_Base):
    """Figures: plugin rules (and what they are given), and sums of money left over."""

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
            agencies=self._derived(self.agencies(mentions), "keys", _keys),
            source_text=self.text,
        )
        return context, probe

    def money_figures(self) -> None:
        for index, s in enumerate(self.sentences):
            mentions = self.mentions[index]
            money = deque(self.unused_money(mentions))
            if not money:
                continue
            cues = [m.span() for m in _VALUE_CUE.finditer(self.folded, s.start, s.end)]
            cue_ends = [end for _, end in cues]
            drugs = self.of_kind(mentions, "drug")
            # A sentence naming one drug, however often, gives it to every sum in it.
            drug = self._derived(drugs, "one value", _one_value)
            while money:
                first = money[0]
                draft = self.new("figure", index, first.start)
                cue = bisect.bisect_right(cue_ends, first.start) - 1
                label = self.text[cues[cue][0] : cues[cue][1]] if cue >= 0 else "amount of money"
                draft.fields["label"] = label
                self.date_for(draft, mentions, first.start, index, "as_of")
                self.figure_places(draft, mentions, index)
                self.attach_money(draft, mentions, index, money)
                # attach_money took the first sums of the queue, and nothing else changed.
                while money and self.is_used(money[0].start, money[0].end):
                    money.popleft()
                if "value" not in draft.fields:  # its sums are in ``dropped``, with why
                    self.drafts.remove(draft)
                elif drug is not None:
                    draft.fields["drug"] = drug.value
                    self.note(draft, "drug", drug.start, drug.end, index)


def _keys(mentions: list[_Mention]) -> tuple[str, ...]:
    """What ``mentions`` name, each once, in order."""
    return tuple(dict.fromkeys(m.value for m in mentions))


def _one_value(mentions: list[_Mention]) -> _Mention | None:
    """The first of ``mentions`` when they all name the same thing, else None."""
    return mentions[0] if len({m.value for m in mentions}) == 1 else None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
