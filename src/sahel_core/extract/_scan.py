"""One pass over the text that finds every mention: names, dates, figures, rule words."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from sahel_core.extract._figures import (
    _AND_A_HALF,
    _ANY_DAY,
    _ARTICLE_TO_UNIT,
    _BARE_YEARS,
    _CONTEXT_BACK,
    _CURRENCY_AFTER,
    _DATE,
    _DATE_CONTEXT,
    _DATE_STARTERS,
    _DATE_WORDS,
    _FIGURE,
    _FIGURE_STARTERS,
    _FIGURE_WORDS,
    _LINK,
    _OPEN_CONTEXT,
    _PART_OF_YEAR,
    _RANGE_AND,
    _RANGE_OPEN,
    _RANGE_TAIL,
    _SHORT_PART,
    _SUFFIX_QUALIFIER,
    _UNIT_WORDS,
    _date,
    _money,
    _redenominated,
    _unit_of,
)
from sahel_core.extract._patterns import _IN_PLACE, compares
from sahel_core.extract._text import words_of
from sahel_core.extract._vocabulary import (
    _AUTHORITY_WORD,
    _DATE_WORD,
    _DEMONYM_EN,
    _DEMONYM_FR,
    _DEMONYM_OF,
    _DEMONYM_WORD,
    _DIGITS_WORD,
    _FIGURE_WORD,
    _GROUPING,
    _GROUPING_WORD,
    _MEASURE_WORD,
    _NAME_WORD,
    _RELATIVE_WORD,
    _TRIGGER_BITS,
    _TRIGGER_KINDS,
    _WORD_CHARS,
    _actions,
    _Name,
    _names_at,
    _vocabulary,
)
from sahel_core.numbers import _ARTICLES

# --- mentions -------------------------------------------------------------------------------


class _Mention(NamedTuple):
    """Something the text names: a date, a figure, a place, an agency, a drug..."""

    kind: str  # date, money, amount, number, country, locality, agency, drug, donor, demonym,
    # grouping
    start: int
    end: int
    value: Any  # the parsed value or the key; amounts and counts: None until read
    extra: Any = None  # amount: its unit; country, locality: "in" (a place) or "from"


_START, _END = itemgetter(1), itemgetter(2)
_SPACES = re.compile(r"\s+")
_AND = re.compile(r"\s+(?:and|et)\s+")
# An anchor: where a date or figure was seen (a month, a year, a number), and its word's index.
_Anchor = tuple[int, int]
_LOOK_BACK = 5  # words: "since the beginning of the year 2015" has five before the year
# What may come before an anchor: (words that begin a match, words that may be part of one,
# whether day numbers may).
_Kind = tuple[frozenset[str], frozenset[str], bool]
_DATE_KIND: _Kind = (_DATE_STARTERS, _DATE_WORDS, True)
_FIGURE_KIND: _Kind = (_FIGURE_STARTERS, _FIGURE_WORDS, False)
_BACK = 40  # characters
_WORD_BEFORE = re.compile(r"(\w+)[ \t\u00a0]+$")
# Words that lead to a date, capitalised at a sentence's start ("For Q3 2016, customs..."),
# besides those of _DATE_CONTEXT, which are checked first.
_LEADS_TO_DATE = frozenset(
    ["for", "over", "through", "at", "of", "the", "pendant", "durant", "sur", "pour", "au",
     "a", "dans", "de", "le", "la"]
)  # fmt: skip
_SINCE = frozenset({"since", "depuis"})
# Two dates linked ("3 to 5 May", "30 January to 2 February"): "from" before them opens none.
# After a word the link stands apart, or "mid-2016" would be one.
_RANGED = re.compile(rf"(?:\d|[a-z.]\s){_LINK}\w")
_PLACE_BEFORE = re.compile(
    rf"(?:^|[^a-z]){_IN_PLACE}\s+(?:the\s+|la\s+|le\s+|l'|les\s+)?"
    r"(?:(?:capital\s+city|capital|city|town|region|port|district|province|commune|village|area|"
    r"ville|localite|prefecture|cercle|quartier)(?:\s+[a-z]+)?\s+(?:of|de|du|d')\s*"
    r"(?:the\s+)?)?$"
)
_PLACE_THEN = re.compile(
    rf"(?:^|[^a-z]){_IN_PLACE}\s+(?P<name>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){{0,2}}),\s*$"
)
_ORIGIN_BEFORE = re.compile(
    r"(?:^|[^a-z])(?:from|(?:en\s+)?provenance|originating\s+from|bound\s+for|destined\s+for|"
    r"towards|vers|a\s+destination)(?:\s+(?:de|du|des))?\s*(?:the\s+|l'|la\s+|le\s+)?$"
)


class _Scan:
    """Every mention in the text, found once, sorted by position.

    One pass over the words of the folded text looks names up by their first word, and notes
    where dates (month names, years) and figures (digits, number words) may be and which
    sentences hold words the rules care about. The date and figure patterns then run only
    around those places.
    """

    def __init__(self, text: str, folded: str, lang: str) -> None:
        self.text = text
        self.folded = folded
        self.lang = lang
        self.triggers: list[tuple[int, str]] = []  # (position, trigger kind)
        self.relative: list[tuple[int, int]] = []  # spans of _RELATIVE_WORDS
        self.words: list[str] = []
        names, date_anchors, figure_anchors = self._words()
        dates = list(self._dates(date_anchors))
        taken = [(m.start, m.end) for m in dates]
        self.figures = list(self._figures(figure_anchors, taken))  # amounts, counts, money
        found = [*dates, *self.figures, *self._places(names)]
        # By start, the longest first: two stable sorts, cheaper than a key of tuples.
        found.sort(key=_END, reverse=True)
        found.sort(key=_START)
        self.mentions = found
        self.starts = [m.start for m in found]

    def within(self, start: int, end: int) -> list[_Mention]:
        """The mentions that lie inside ``[start, end)``."""
        first = bisect.bisect_left(self.starts, start)
        last = bisect.bisect_left(self.starts, end)
        return [m for m in self.mentions[first:last] if m.end <= end]

    def _words(self) -> tuple[list[_Mention], list[_Anchor], list[_Anchor]]:
        """Names, and where dates and figures may start; fills ``triggers``.

        The words come from :func:`words_of`; what each does is worked out once per distinct
        word, so the loop visits only the few that matter. Those are located in the text by
        searching forward from the last one found: the first whole-word occurrence is the word
        itself, since an earlier one would have mattered too.
        """
        folded, text = self.folded, self.text
        vocabulary = _vocabulary()
        names: list[_Mention] = []
        date_anchors: list[_Anchor] = []
        figure_anchors: list[_Anchor] = []
        free: dict[str, int] = {}  # kind → first position a new name of that kind may start
        triggers = self.triggers
        find = folded.find
        size = len(folded)
        pos = 0
        words = self.words = words_of(folded)
        last = len(words) - 1
        actions = list(map(_actions(set(words), vocabulary).__getitem__, words))
        for i in compress(range(len(words)), actions):
            word, action = words[i], actions[i]
            measure = action & _MEASURE_WORD and i and words[i - 1] in _ARTICLES
            # "a half kilogram": the article before the half is the figure's start
            measure = measure or (
                action & _MEASURE_WORD and i > 1 and words[i - 1] == "half"
                and words[i - 2] in _ARTICLES
            )  # fmt: skip
            if action == _MEASURE_WORD and not measure:
                continue  # a unit that no article makes a figure of: nothing to do
            start = find(word, pos)
            end = start + len(word)
            while (start and folded[start - 1] in _WORD_CHARS) or (
                end < size and folded[end] in _WORD_CHARS
            ):
                start = find(word, start + 1)
                end = start + len(word)
            pos = end
            if measure:  # "a ton": the article, right before, is the figure
                figure_anchors.append((folded.rfind(words[i - 1], 0, start), i - 1))
            if action & _DIGITS_WORD:
                figure_anchors.append((start, i))
                if len(word) == 4:
                    date_anchors.append((start, i))
                continue
            if action & _TRIGGER_BITS:
                triggers += [(start, kind) for bit, kind in _TRIGGER_KINDS if action & bit]
            if action & _DATE_WORD:
                date_anchors.append((start, i))
            if action & _RELATIVE_WORD:
                self.relative.append((start, end))
            if action & _FIGURE_WORD:
                figure_anchors.append((start, i))
            if action & _NAME_WORD:
                candidates = _names_at(word, words[i + 1] if i < last else "")
                if candidates:
                    self._name_at(names, candidates, start, end, free)
            if (
                action & _DEMONYM_WORD
                and text[start].isupper()
                and _DEMONYM_EN.match(folded, start)
            ):
                names.append(_Mention("demonym", start, end, _DEMONYM_OF[word]))
            if action & _AUTHORITY_WORD:
                found = _DEMONYM_FR.match(folded, start)
                if found is not None and found["word"] in _DEMONYM_OF:
                    iso3 = _DEMONYM_OF[found["word"]]
                    names.append(_Mention("demonym", start, found.end(), iso3))
            if action & _GROUPING_WORD:
                group = _GROUPING.match(folded, start)
                if group is not None:
                    name = _SPACES.sub(" ", group["g"] or group["g2"])
                    names.append(_Mention("grouping", start, group.end(), name))
        return names, date_anchors, figure_anchors

    def _name_at(
        self,
        names: list[_Mention],
        candidates: tuple[_Name, ...],
        start: int,
        end: int,
        free: dict[str, int],
    ) -> None:
        """Add to ``names`` the longest name of each kind of ``candidates`` (longest first, see
        :func:`_names_at`) that starts at ``start``."""
        seen: set[str] = set()
        for name in candidates:
            kind = name.kind
            if kind in seen or free.get(kind, 0) > start:
                continue
            stop = end
            if name.whole is not None:
                whole = name.whole.match(self.folded, start)
                if whole is None:
                    continue
                stop = whole.end()
            original = self.text[start:stop]
            if name.acronym and not original.isupper():
                continue
            if name.capital and not original[:1].isupper():
                continue
            seen.add(kind)
            free[kind] = stop
            names.append(_Mention(kind, start, stop, name.value))

    def _places(self, names: list[_Mention]) -> Iterator[_Mention]:
        """Names, with countries and localities inside an agency's name left out ("Mission in
        Mali") and the others marked "in" (a place: "in Mopti") or "from" (an origin)."""
        agencies = [(m.start, m.end) for m in names if m.kind == "agency"]
        starts = [a for a, _ in agencies]
        localities = {m.start: m.end for m in names if m.kind == "locality"}
        for m in names:
            if m.kind not in ("country", "locality"):
                yield m
                continue
            i = bisect.bisect_right(starts, m.start) - 1
            if i >= 0 and agencies[i][1] > m.start:
                continue
            if m.kind == "country" and localities.get(m.start, 0) > m.end:
                continue  # the start of a place's name: "Niger State" is in Nigeria
            base = max(0, m.start - 40)
            before = self.folded[base : m.start]
            where = (
                "in" if _PLACE_BEFORE.search(before) or (
                    m.kind == "country" and self._after_place(before, base))
                else "from" if _ORIGIN_BEFORE.search(before) else None
            )  # fmt: skip
            yield _Mention(m.kind, m.start, m.end, m.value, where)

    def _after_place(self, before: str, base: int) -> bool:
        """Whether ``before`` (the text from ``base`` up to a country) places something in a
        capitalised name and a comma, so that the country is where that is: "in Gao, Mali",
        "à Kidira, Sénégal"; not "in particular, Mali"."""
        if not before.rstrip().endswith(","):
            return False  # the common case, told without the pattern
        found = _PLACE_THEN.search(before)
        return found is not None and self.text[base + found.start("name")].isupper()

    def _local(
        self, pattern: re.Pattern[str], anchors: list[_Anchor], kind: _Kind
    ) -> Iterator[re.Match[str]]:
        """Matches of ``pattern`` covering an anchor, leftmost first, tried only where one may
        begin: in the run of words just before the anchor that can belong to one (up to
        :data:`_LOOK_BACK`: "more than", "CFA", "12 and 13", "the end of"), those that can
        begin one; a currency sign glued to it; the anchor itself. Each word is found with
        ``rfind``: the nearest occurrence of a word before the next one is that word itself,
        since no letter stands between words."""
        folded, words = self.folded, self.words
        starters, members, days = kind
        done = 0
        for a, i in anchors:
            if a < done:
                continue
            places = [a]  # from the right
            if a and folded[a - 1] in "$€£":
                places.append(a - 1)
            stop, k = a, i - 1
            while k >= 0 and k >= i - _LOOK_BACK:
                word = words[k]
                number = days and word[0] <= "9"
                if not (number or word in members):
                    break
                found = folded.rfind(word, max(0, a - _BACK), stop)
                if found < 0:
                    break
                if number or word in starters:
                    places.append(found)
                stop, k = found, k - 1
            for pos in reversed(places):
                if pos < done:
                    continue
                match = pattern.match(folded, pos)
                if match is not None and match.end() > a:
                    yield match
                    done = match.end()
                    break

    def _mass_after(self, end: int) -> bool:
        """Whether a unit of mass is written right after ``end`` ("2016 kg"), not an elided
        article ("2016 l'OCRTIS") nor a count ("2016 people")."""
        from sahel_core.quantities import dimension

        unit, unit_end = self.unit(end)
        elided = self.folded[unit_end : unit_end + 1] == "'"
        return unit is not None and not elided and dimension(unit) == "mass"

    def _after_name(self, start: int) -> bool:
        """Whether the word right before ``start`` (a space apart) is capitalised and no word
        that leads to a date ("For Q3 2016", "Pendant le T3 2016")."""
        found = _WORD_BEFORE.search(self.text, max(0, start - _BACK), start)
        if found is None or not found[1][0].isupper():
            return False
        return self.folded[found.start(1) : found.end(1)] not in _LEADS_TO_DATE

    def _dates(self, anchors: list[_Anchor]) -> Iterator[_Mention]:
        folded = self.folded
        for match in self._local(_DATE, anchors, _DATE_KIND):
            start, end = match.span()
            before = _DATE_CONTEXT.search(folded, max(0, start - _CONTEXT_BACK), start)
            context = _SPACES.sub(" ", before["ctx"]) if before is not None else ""
            phrase = self.text[start:end]
            if not context and _BARE_YEARS.fullmatch(match.group()):
                continue  # a bare year: "Resolution 2295 (2016)"
            if not context and _SHORT_PART.fullmatch(match.group()) and self._after_name(start):
                continue  # a model or a name: "the Audi Q3 2016", "Operation Q4 2016"
            if _PART_OF_YEAR.fullmatch(match.group()) and self._mass_after(end):
                continue  # the year is a figure: "at the end of the year 2016 kg were seized"
            if before is not None and context in _SINCE and compares(folded, before.start()):
                continue  # "the largest seizure since 2014" compares: it dates nothing
            ranged = bool(_RANGED.search(match.group()))
            if context in _OPEN_CONTEXT and not ranged:
                phrase = f"{'since' if context != 'depuis' else 'depuis'} {phrase}"
            date = _date(phrase)
            if date is not None:
                first = before.start() if before is not None and date.latest is None else start
                yield _Mention("date", first, end, date, context)

    def _figures(self, anchors: list[_Anchor], taken: list[tuple[int, int]]) -> Iterator[_Mention]:
        folded = self.folded
        taken_starts = [a for a, _ in taken]
        last = after_amount = 0
        for match in self._local(_FIGURE, anchors, _FIGURE_KIND):
            start, end = match.span()
            if start < last:
                continue  # inside the range or unit of the figure before
            index = bisect.bisect_right(taken_starts, match.start("num")) - 1
            if index >= 0 and taken[index][1] > match.start("num"):
                continue  # a number inside a date
            span = (start, end) if match["cur2"] else self._range(match, end)
            money = self._money_of(match, span)
            if money is not None:
                last = money.end
                yield money
                continue
            if match["cur1"] or match["cur2"]:
                continue  # a sum that cannot be read
            start, end = span
            if (
                match["art"]
                and match["art"].endswith("half")
                and _AND.fullmatch(folded, after_amount, start)
            ):
                continue  # "2 kg and a half kilogram": no figure of its own (nor 2.5 kg)
            unit, unit_end = self.unit(end)
            if unit is None and (match["art"] or match["scale"]):
                # French joins a scale word to its unit too: "1,5 million de comprimés".
                joint = _ARTICLE_TO_UNIT.match(folded, end)
                unit, unit_end = self.unit(joint.end()) if joint else (None, end)
            # Amounts and counts are read when a rule uses them (see _Base.amount_of).
            if unit is not None:
                after_amount = unit_end
                half = _AND_A_HALF.match(folded, unit_end)
                # "2 kg and a half kilogram of ...": that half is a figure of its own.
                if half is not None and self.unit(half.end())[0] is None:
                    unit_end = half.end()
                suffix = _SUFFIX_QUALIFIER.match(folded, unit_end)
                last = suffix.end() if suffix else unit_end
                yield _Mention("amount", start, last, None, unit)
            elif not match["art"] or match["group"] or match["scale"]:
                # "a", "une demi" count a unit, not people; "a million" is a figure
                last = end
                yield _Mention("number", start, end, None)

    def _money_of(self, match: re.Match[str], span: tuple[int, int]) -> _Mention | None:
        """The sum of money a figure writes, whose ``span`` includes the range it starts: "13
        million CFA", "USD 1 to 2 million", "between 100,000 and 120,000 USD"; None for none."""
        start, end = span
        currency = match["cur1"] or match["cur2"]
        if currency is None and end > match.end():
            after = _CURRENCY_AFTER.match(self.folded, end)
            currency, end = (after["cur"], after.end()) if after else (None, end)
        if currency is None:
            return None
        found = self._sum(start, end, currency)
        if found is None and (start, end) != match.span():  # "USD 5 to 2016": the sum alone
            found = self._sum(match.start(), match.end(), currency)
        return found

    def _sum(self, start: int, end: int, currency: str) -> _Mention | None:
        """A sum of money at ``[start, end)``, or None if it cannot be read. A currency word
        that changed meaning ("cedis") is read by the record's date (see _Base.money_in): its
        value is None until then, and the word is kept."""
        text = self.text[start:end].strip()
        money = _money(text, self.lang)
        if money is not None:
            return _Mention("money", start, end, money)
        word = _redenominated(currency)
        if word is not None and _money(text, self.lang, None, _ANY_DAY) is not None:
            return _Mention("money", start, end, None, word)
        return None

    def unit(self, end: int) -> tuple[str | None, int]:
        """The unit written right after a number, and where it ends."""
        found = _UNIT_WORDS.match(self.folded, end)
        if found is None:
            return None, end
        unit, length = _unit_of(found.group())
        return unit, end + length

    def _range(self, match: re.Match[str], end: int) -> tuple[int, int]:
        """The span of the figure with the range it starts: "2 to 3", "between 2 and 3" (the
        opening word kept, since "2 and 3" alone is no range)."""
        start = match.start()
        tail = _RANGE_TAIL.match(self.folded, end)
        if tail is not None:
            return start, tail.end()
        opening = _RANGE_OPEN.search(self.folded, max(0, start - 9), start)
        tail = _RANGE_AND.match(self.folded, end) if opening else None
        if opening is None or tail is None:
            return start, end
        return opening.start(), tail.end()
