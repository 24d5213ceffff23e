"""Seizures, and quantities of drugs over a period (figures)."""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Any, NamedTuple

from sahel_core.dates import PartialDate
from sahel_core.errors import SahelError
from sahel_core.extract._base import _Base, _closest, _Draft, _starts, _within
from sahel_core.extract._figures import _AND_A_HALF, _unit_of
from sahel_core.extract._patterns import (
    _BEFORE_ELLIPTIC,
    _BY_AGENT,
    _BY_AGENT_BACK,
    _CLAUSE_BREAK,
    _CONTAINERS,
    _CONTAINING,
    _CUMULATIVE,
    _CUT_WITH,
    _DESTROY,
    _FRACTION_OF,
    _OF,
    _PARTS_OPEN,
    _PERIOD_DAYS,
    _REPORTED,
    _REPORTED_BACK,
    _RUNNING_BACK,
    _RUNNING_TOTAL,
    _SEIZE,
    compares,
)
from sahel_core.extract._scan import _Mention
from sahel_core.extract._text import _Sentence
from sahel_core.quantities import Amount

# Units a drug is counted in, which may come after its name: "70,000 tramadol tablets".
_TABLETS = frozenset({"tablet", "pill", "capsule"})
_LAST_WORD = re.compile(r"[a-z]+$")
# Right before a quantity of the drug named just before: "and 1 ton", "et 1 tonne", "after
# seizing 1 ton" (see _Seizures.elliptic), within _ELLIPTIC_BACK characters.
_ELLIPTIC_AFTER = re.compile(rf"(?:(?<![a-z])(?:and|et)|{_SEIZE.pattern})\s+$")
_ELLIPTIC_BACK = 20
# After a quantity, what makes it a part of the seizure before, not one of its own: "500 kg of
# it", "dont 500 kg", or a verb it is the subject of ("and 500 kg were hidden in a truck").
_ELLIPTIC_PART = re.compile(
    r"\s*(?:(?:of|d') ?(?:it|them|which|these|this|entre)\b|(?:was|were|is|are|had|has|have"
    r"|etait|etaient|est|sont|avait|avaient|a ete|ont ete)\b)"
)


class _Part(NamedTuple):
    """A quantity measured as a seizure's at ``[start, end)`` (with its drug), whether it is a
    pair's, and the part of its sentence it owns, ``[low, high)`` (see _Seizures.parts)."""

    start: int
    end: int
    paired: bool
    low: int
    high: int


_A_FRACTION = "a part of a total is another figure than the total: not read"
_A_HALF_MORE = "a half more than a number with decimals: which is meant is not known"


class _Seizures(_Base):
    """Seizures, and quantities of drugs over a period (figures)."""

    def drug_pairs(
        self, mentions: list[_Mention], unread: list[tuple[_Mention, str]] | None = None
    ) -> list[tuple[_Mention, _Mention, Any]]:
        """(quantity, drug, packaging) triples: "2.7 tons of cannabis", "12 of meth", "70,000
        tramadol tablets", "70 000 comprimés de tramadol". Quantities of a drug not read, and
        why, go to ``unread``: a fraction of a total ("half of the 2 tons of cannabis") is
        another figure than the total, and "1.5 tons and a half" is 1.5 or 2 tons."""
        pairs: list[tuple[_Mention, _Mention, Any]] = []
        drugs = self.of_kind(mentions, "drug")
        if not drugs:
            return pairs
        figures = self.of_kind(mentions, "amount", "number")
        amounts = self.of_kind(mentions, "amount")
        # Looked up by position: a sentence may hold thousands of figures.
        drug_starts = [d.start for d in drugs]
        amount_starts = [m.start for m in amounts]
        last_unit: str | None = None
        after_pair = False  # whether the figure before this one was a pair's
        for figure in figures:
            next_to_pair, after_pair = after_pair, False
            i = bisect.bisect_left(drug_starts, figure.start + 1)
            drug = drugs[i] if i < len(drugs) and drugs[i].start - figure.end <= 40 else None
            tablets = self.tablets_of(figure, drug) if drug is not None else None
            if tablets is not None:  # "70,000 tramadol tablets": no "of", and no unit before
                figure = tablets
            elif drug is not None and drug.start < figure.end:
                drug = drugs[i + 1] if i + 1 < len(drugs) else None  # not this figure's drug
                drug = drug if drug is not None and drug.start - figure.end <= 40 else None
            if drug is None or not (tablets or _OF.search(self.folded[figure.end : drug.start])):
                elliptic = self.elliptic(figure, pairs) if next_to_pair else None
                if elliptic is not None:
                    pairs.append((elliptic, pairs[-1][1], None))
                    after_pair = True
                continue
            before = self.folded[max(0, figure.start - 30) : figure.start]
            fraction = _FRACTION_OF.search(before) if "of" in before or "d" in before else None
            if fraction is not None:
                if unread is not None:
                    start = figure.start - len(before) + fraction.start()
                    unread.append((figure._replace(start=start), _A_FRACTION))
                continue
            # An adulterant, named right after "cut with" or weighed there ("cut with 200
            # grams of ephedrine"), is part of the drug seized, not a seizure of its own.
            if any(
                _CUT_WITH.search(self.folded[max(0, at - 20) : at])
                for at in (figure.start, drug.start)
            ):
                continue
            if figure.kind == "number":
                number = self.number_of(figure)
                if last_unit is None or number is None:
                    continue
                qualifier, value = number
                text = self.text[figure.start : figure.end]
                try:
                    amount = Amount(value, last_unit, qualifier, text=text)
                except SahelError:
                    continue
                figure = _Mention("amount", figure.start, figure.end, amount, last_unit)
            else:
                read = self.amount_of(figure)
                if read is None:
                    if unread is not None and _AND_A_HALF.search(
                        self.folded, figure.start, figure.end
                    ):
                        unread.append((figure, _A_HALF_MORE))
                    continue
                figure = figure._replace(value=read)
            packaging = None
            # Only the first amount after the drug can follow "containing" right after it.
            i = bisect.bisect_right(amount_starts, drug.end)
            content = (
                amounts[i]
                if i < len(amounts)
                and _CONTAINING.fullmatch(self.folded[drug.end : amounts[i].start])
                else None
            )
            if content is not None and figure.extra in _CONTAINERS:
                read = self.amount_of(content)
                if read is not None:
                    packaging, figure = figure, content._replace(value=read)
            last_unit = figure.value.unit if figure.extra not in _CONTAINERS else last_unit
            if packaging is None:
                last_unit = figure.value.unit
            pairs.append((figure, drug, packaging))
            after_pair = True
        return pairs

    def elliptic(
        self, figure: _Mention, pairs: list[tuple[_Mention, _Mention, Any]]
    ) -> _Mention | None:
        """A quantity of the drug of the last of ``pairs``, right after it, which the text does
        not name again: "seized 2 tons of cannabis in Agadez yesterday and 1 ton in Zinder last
        week", "after seizing 1 ton", and "bringing the total seized this year to 10 tons" (a
        running total, see :meth:`running_total`, of the one drug ``pairs`` name: after "3
        tons of cannabis and 2 tons of khat" it is of both); the quantity, read. None for any
        other figure: one of another measure ("and 3 suspects"), or not joined so ("compared
        with 1 ton")."""
        from sahel_core.quantities import dimension

        quantity, drug, _ = pairs[-1]
        if figure.kind != "amount" or not (
            _ELLIPTIC_AFTER.search(
                self.folded, max(drug.end, figure.start - _ELLIPTIC_BACK), figure.start
            )
            or (
                self.running_total(figure, drug.end)
                and len({named.value for _, named, _ in pairs}) == 1
            )
        ):
            return None
        if _ELLIPTIC_PART.match(self.folded, figure.end):
            return None
        read = self.amount_of(figure)
        if read is None or dimension(read.unit) != dimension(quantity.value.unit):
            return None
        return figure._replace(value=read)

    def running_total(self, figure: _Mention, low: int) -> bool:
        """Whether a quantity, written after position ``low``, is a running total ("bringing
        the total seized this year to 10 tons"): a figure, though its sentence reports a
        seizure."""
        start = max(low, figure.start - _RUNNING_BACK)
        return _RUNNING_TOTAL.search(self.folded, start, figure.start) is not None

    def seizer(self, s: _Sentence, mentions: list[_Mention]) -> _Mention | None:
        """The national agency (not ECOWAS...) that seized, of sentence ``s``: the subject of a
        seizure word after it ("The OCS seized", "L'OCS a saisi"), unless a word that reports a
        source's words stands between ("The OCRTIS said customs seized", "According to the
        OCRTIS, customs seized"), or the agent of a passive ("were seized by the OCS"). An
        agency named otherwise is a source ("Niger customs seized 2 tons, the OCRTIS said") or
        another party: none is. In a sentence with no seizure word (an arrest's: "police
        arrested two men with 1 kg of cocaine"), the first national agency."""
        national = [a for a in self.agencies(mentions) if self._agency_country(a.value)]
        if not national or not _SEIZE.search(self.folded, s.start, s.end):
            return national[0] if national else None
        for agency in national:
            verb = _SEIZE.search(self.folded, agency.end, s.end)
            back = max(s.start, agency.start - _REPORTED_BACK)
            if verb is not None and not _REPORTED.search(self.folded, back, verb.start()):
                return agency
            back = max(s.start, agency.start - _BY_AGENT_BACK)
            if _BY_AGENT.search(self.folded, back, agency.start) and _SEIZE.search(
                self.folded, s.start, agency.start
            ):
                return agency
        return None

    def tablets_of(self, figure: _Mention, drug: _Mention) -> _Mention | None:
        """A count of tablets written around the drug's name ("70,000 tramadol tablets", "1.5
        million Tramadol pills"; "70 000 comprimés de tramadol", where the name the reference
        gives takes in the unit): the amount, from the figure to the unit. None otherwise."""
        if figure.kind == "amount" and figure.start < drug.start < figure.end < drug.end:
            if figure.extra not in _TABLETS:
                return None
            read = self.amount_of(figure)
            return figure._replace(value=read) if read is not None else None
        if figure.kind != "number" or self.folded[figure.end : drug.start].strip():
            return None
        unit, end = self.scan.unit(drug.end)  # "tramadol tablets", the drug named alone
        if unit not in _TABLETS:
            word = _LAST_WORD.search(self.folded, drug.start, drug.end)
            unit, end = (_unit_of(word.group())[0], drug.end) if word else (None, drug.end)
        number = self.number_of(figure) if unit in _TABLETS else None
        if unit is None or number is None:
            return None
        qualifier, value = number
        text = self.text[figure.start : end]
        return _Mention(
            "amount", figure.start, end, Amount(value, unit, qualifier, text=text), unit
        )

    def parts(
        self, s: _Sentence, pairs: list[tuple[_Mention, _Mention, Any]], mentions: list[_Mention]
    ) -> list[_Part]:
        """The sentence's quantities measured as a pair's, in order, each with the part of the
        sentence it owns: the pairs', and the others' (a comparison, a part of a total: see
        :meth:`like_quantities`), whose dates and sums are their own."""
        spans = sorted(
            [(quantity.start, max(quantity.end, drug.end), True) for quantity, drug, _ in pairs]
            + [(m.start, m.end, False) for m in self.like_quantities(pairs, mentions)]
        )
        # Consecutive quantities' parts end at the first conjunction (or ";") after the first,
        # else at the first comma: a comma inside the first part ("in Bamako, Mali on 5 May
        # 2016 and 3 kg...") and a conjunction inside the next ("; on 6 June 2016 gendarmes
        # and customs seized 3 kg...") both stay in their own part.
        cuts = [s.start]
        for (_, end, _), (start, _, _) in itertools.pairwise(spans):
            breaks = list(_CLAUSE_BREAK.finditer(self.folded, end, start))
            strong = [b for b in breaks if b.group() != ","] or breaks
            cuts.append(strong[0].start() if strong else start)
        cuts.append(s.end)
        return [
            _Part(start, end, paired, low, high)
            for (start, end, paired), (low, high) in zip(
                spans, itertools.pairwise(cuts), strict=True
            )
        ]

    def pair_dates(
        self, parts: list[_Part], mentions: list[_Mention], verb: re.Pattern[str]
    ) -> list[_Mention | None]:
        """The date of each pair (of each paired part of :meth:`parts`): one told relative to
        the page's in the pair's own clause (see :meth:`relative_for`; ``verb`` names the
        pairs' event, "seized"), unless that clause states one; else the nearest the sentence
        states in the pair's part of it ("2 kg of cocaine on 5 May 2016 and 3 kg of heroin on 6
        June 2016"); else the only date the sentence states, unless it is in the part of a
        quantity of no pair ("2 t of cannabis, compared with 1 t in 2014"); else its
        dateline's, else none: a date of another clause may be another seizure's."""
        dates = self.dates_of(mentions)
        paired = [part for part in parts if part.paired]
        if not (dates.stated or dates.relative or dates.dateline):
            return [None] * len(paired)
        stated = dates.stated
        starts = _starts(stated)
        owns = [stated[_within(starts, part.low - 1, part.high)] for part in parts]
        one = len({m.value for m in stated}) == 1 and not any(
            own for own, part in zip(owns, parts, strict=True) if not part.paired
        )
        found: list[_Mention | None] = []
        for part, own in zip(parts, owns, strict=True):
            if not part.paired:
                continue
            relative = self.relative_for(mentions, part.start, part.end, part.low, part.high, verb)
            if relative is not None:
                found.append(relative)
            elif own:
                found.append(_closest(own, part.start))
            elif one:
                found.append(self.closest(stated, part.start))
            else:
                found.append(dates.dateline)
        return found

    def pair_values(self, parts: list[_Part], mentions: list[_Mention]) -> list[list[_Mention]]:
        """The sums of money each pair may take as its value (see :meth:`attach_money`): every
        sum of a sentence of one pair; of several, those in the pair's part of the sentence
        from its quantity on ("2 tons worth CFA 100 million in Agadez and 1 ton worth CFA 50
        million in Zinder"). A sum before the first pair's quantity, or after the last's when
        another pair has none, may be of them all ("2 kg of cocaine and 3 kg of heroin worth
        CFA 100 million"): it is no pair's."""
        money = self.unused_money(mentions)
        paired = [part for part in parts if part.paired]
        if len(paired) == 1 or not money:
            return [money] * len(paired)
        starts = _starts(money)
        found = [money[_within(starts, part.start - 1, part.high)] for part in paired]
        if not all(found[:-1]):
            found[-1] = []
        return found

    def parts_of_totals(self, parts: list[_Part]) -> list[list[_Part]]:
        """For each pair (each paired part of :meth:`parts`), the quantities after it that are
        parts of its total: a list opened right after it by "including", "dont"... (see
        ``_SUBSET``), a colon, or a comma alone after the drug's name, and joined by "and" or
        commas ("3 tons of cannabis yesterday, including 1 ton in Zinder", "3 tons of cannabis:
        2 tons in Agadez and 1 ton in Zinder", "2 tons of cannabis, 1.5 tons in Agadez and 500
        kg in Zinder"). They are not records of their own, as the total is one: a seizure
        counted twice is worse than a part told only in the total's flags (see
        :meth:`flag_parts`)."""
        found: list[list[_Part]] = []
        previous: _Part | None = None
        for part in parts:
            if part.paired:
                found.append([])
            elif previous is not None and found and self.part_of(previous, part, found[-1]):
                found[-1].append(part)
            previous = part
        return found

    def part_of(self, previous: _Part, part: _Part, listed: list[_Part]) -> bool:
        """Whether ``part`` is a part of the total of the pair whose parts before it are
        ``listed``; ``previous`` is the quantity right before it (see :meth:`parts_of_totals`)."""
        between = self.folded[previous.end : part.start]
        if listed and listed[-1] is previous:
            return _BEFORE_ELLIPTIC.search(between) is not None
        # A comma alone after the drug's name: "2 tons of cannabis, 1.5 tons in Agadez".
        return previous.paired and (
            _PARTS_OPEN.search(between) is not None or between.strip() == ","
        )

    def without_places(
        self, spans: list[tuple[int, int]], mentions: list[_Mention]
    ) -> list[_Mention]:
        """``mentions`` without the places named in ``spans``: those of another record's part
        of the sentence ("including 1 ton in Zinder" puts that ton in Zinder, not the total,
        which has no place of its own there; see :meth:`parts_of_totals`)."""
        if not spans:
            return mentions
        return [
            m
            for m in mentions
            if m.kind not in ("locality", "country") or not any(a <= m.start < b for a, b in spans)
        ]

    def flag_parts(self, draft: _Draft, listed: list[_Part]) -> None:
        """Name the parts of a record's total in its flags, with the places they are in."""
        names = ", ".join(self.text[part.start : part.high].strip(" \t\n.,;:") for part in listed)
        draft.flags.append(
            f"parts: {names}: parts of the total, not records of their own; their places are "
            "not the record's"
        )

    def like_quantities(
        self, pairs: list[tuple[_Mention, _Mention, Any]], mentions: list[_Mention]
    ) -> list[_Mention]:
        """The sentence's quantities of no pair measured as a pair's ("1 t" after "2 t of
        cannabis"): a comparison, a part of a total... whose dates are their own."""
        from sahel_core.quantities import dimension

        taken = {m.start for quantity, _, packaging in pairs for m in (quantity, packaging) if m}
        measures = {dimension(quantity.value.unit) for quantity, _, _ in pairs}
        return [
            m
            for m in self.of_kind(mentions, "amount")
            if m.start not in taken and m.extra is not None and dimension(m.extra) in measures
        ]

    def seizures(
        self,
        index: int,
        s: _Sentence,
        mentions: list[_Mention],
        low: str,
        operation: _Draft | None,
    ) -> None:
        unread: list[tuple[_Mention, str]] = []
        pairs = self.drug_pairs(mentions, unread)
        if not pairs and not unread:
            return
        dates = self.dates_of(mentions)  # whether it is over a period: as before relative dates
        anchor = pairs[0][0].start if pairs else unread[0][0].start
        date_mention = self.closest(dates.stated, anchor) or dates.dateline
        date: PartialDate | None = date_mention.value if date_mention else None
        cumulative = _over_a_period(low) or (
            date is not None
            and (date.latest is None or (date.latest - date.earliest).days > _PERIOD_DAYS)
        )
        seizing = bool(_SEIZE.search(low)) and not cumulative and operation is None
        destroyed = operation is not None and operation.fields["kind"] == "destruction"
        # The records' kind, and that of the quantities dropped beside them.
        kind = "seizure" if seizing or (operation is not None and not destroyed) else "figure"
        for m, reason in unread:
            self.use(m.start, m.end)
            self.dropped.append((kind, "quantity", repr(self.text[m.start : m.end]), reason))
        if not pairs:
            return
        drafts = []
        verb = _DESTROY if destroyed else _SEIZE  # the event of the records' dates
        parts = self.parts(s, pairs, mentions)
        totals = self.parts_of_totals(parts)
        own = [part for part in parts if part.paired]
        # A running total beside a seizure is a figure, of no operation the sentence reports.
        running = [self.running_total(quantity, s.start) for quantity, _, _ in pairs]
        # The places in the part of a part of a total or of a running total are theirs, not the
        # seizure's; a running total's are only those of its own part.
        others = [(p.low, p.high) for listed in totals for p in listed]
        others += [(p.low, p.high) for p, total in zip(own, running, strict=True) if total]
        placing = self.without_places(others, mentions)
        for (quantity, drug, packaging), when, listed, part, total in zip(
            pairs, self.pair_dates(parts, mentions, verb), totals, own, running, strict=True
        ):
            places = (
                self.without_places([(s.start, part.low), (part.high, s.end)], mentions)
                if total
                else placing
            )
            draft = self.new("figure" if total else kind, index, quantity.start)
            drafts.append(draft)
            self.use(quantity.start, quantity.end)
            draft.fields["drug"] = drug.value
            self.note(draft, "drug", drug.start, drug.end, index)
            name = "quantity" if draft.kind == "seizure" else "amount"
            draft.fields[name] = quantity.value
            self.note(draft, name, quantity.start, quantity.end, index)
            if packaging is not None:
                self.use(packaging.start, packaging.end)
                draft.fields["packaging"] = packaging.value
                self.note(draft, "packaging", packaging.start, packaging.end, index)
            if draft.kind == "seizure":
                draft.fields["drug_text"] = self.text[drug.start : drug.end]
                self.set_date(draft, when, index)
                if not self.set_place(draft, places, quantity.end, index):
                    self.place_from_agency(draft, mentions, index)
                national = self._derived(mentions, "seizer", lambda _: self.seizer(s, mentions))
                if national is not None:
                    draft.fields["agency"] = national.value
                    self.note(draft, "agency", national.start, national.end, index)
                if operation is not None:
                    draft.fields["operation"] = operation
            else:
                draft.fields["label"] = (
                    "destroyed" if destroyed else ("seized" if _SEIZE.search(low) else "quantity")
                )
                self.set_date(draft, when, index, "as_of")
                self.figure_places(draft, places, index)
                if operation is not None and not total:
                    draft.fields["operation"] = operation
            if listed:
                self.flag_parts(draft, listed)
        for draft, money in zip(drafts, self.pair_values(parts, mentions), strict=True):
            self.attach_money(draft, mentions, index, money)


def _over_a_period(low: str) -> bool:
    """Whether a sentence reports quantities over a period ("since 2014", "in total"), not
    compares one seizure with one ("the largest seizure since 2014")."""
    return any(not compares(low, m.start()) for m in _CUMULATIVE.finditer(low))
