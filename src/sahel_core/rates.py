"""Exchange rates: one dated table from every rate provider, used per value or per column.

A :class:`RateTable` gathers the frames of every registered
:class:`~sahel_core.specs.RateProviderSpec` (built-ins: ``peg``, ``ecb``, ``imf``,
``worldbank``; see :mod:`sahel_core.plugins.rates_builtin`), once per plugin manager, on first
use; a provider that gives a LazyFrame is read a currency pair at a time, as conversions
need. :func:`convert_money` (behind :func:`sahel_core.money.convert`) converts one
:class:`~sahel_core.money.Money`; :func:`convert_column` converts a polars column with one
as-of join per provider and period, and gives exactly the same figures.

Choosing a rate (the same for both)
    A rate row ``(currency C, base B, rate r)`` says ``1 B = r C`` and serves from its ``date``,
    never before it: ``fixed`` rows until a later fixed row, ``day`` rows for
    :data:`MAX_DAILY_AGE` days (the ECB publishes none on weekends and TARGET holidays: a
    Saturday gets Friday's rate, and the step reports Friday), ``month`` rows until the end of
    the next month (the IMF's end-of-period rates are dated the month end: 31 May serves June
    until the rate of 30 June), ``year`` rows (annual averages, dated 1 January) for their
    calendar year; never beyond. For a hop between two currencies the providers are tried by
    ``priority`` (then name), each provider's periods finest first (fixed, day, month, year),
    and the latest row on or before the date is taken if it still serves that date.

Choosing a route
    Fixed rates (``fixed`` rows: the CFA franc pegs, the redenominations, any a provider
    marks so) are used whenever they serve the date, so a peg step is never replaced by two
    market rates. A currency tied by a fixed row to another (XOF and XAF to EUR, MRO to MRU)
    is its *anchor*'s, at that rate:

    * ``A → T`` linked by fixed rates alone (a currency and its anchor, or two currencies with
      the same anchor: XOF → EUR, EUR → XAF, XOF → XAF, MRO → MRU) is made of those fixed
      steps only, whatever ``via`` says;
    * otherwise ``A → T`` goes through a pivot: ``via`` when given (EUR or USD), else EUR (the
      pegs and the ECB quote against it), else USD (the IMF and World Bank quote against it),
      the first for which both ``A → pivot`` and ``pivot → T`` have rates on the date. Each
      leg is one rate, or a fixed rate then one rate. A pegged currency's leg starts with its
      fixed step to its anchor (``XOF → EUR`` then ``EUR → USD``; ``MRO → MRU`` then ``MRU →
      USD``) and takes a rate of its own (``XOF → USD``) only on dates its fixed rate does
      not serve; a leg may also go through a currency pegged to it, if it has no rate of its
      own. A leg to USD goes through EUR (``GBP → EUR → USD``) whenever both rates exist, before
      a rate against USD: a pair gets the same rates on a day whatever route it is part of, so
      ``GBP → NGN`` takes the ECB's daily GBP and USD rates, as ``GBP → USD`` does, not the
      IMF's month-end GBP per USD.

    A route visits each currency once: where the two legs pass through the same currency, it
    turns there, and the hops between, which apply a rate and undo it, are left out. So
    ``via`` names the currency the legs are taken to, not one every route shows: with
    ``via="USD"``, XOF → GBP takes the legs ``XOF → EUR (peg) → USD`` and ``USD → EUR → GBP``
    (the ECB's daily rates, as converting USD to GBP takes them), which meet at EUR, so the
    route is ``XOF → EUR (peg) → GBP``; GBP → NGN stays ``GBP → EUR → USD → NGN``. Every peg
    step stays exact. Every rate used is a :class:`~sahel_core.money.RateStep` of the result,
    so a change of pivot or of source is always reported, never silent.

Arithmetic (exact, and the same in Python and polars)
    Each step multiplies or divides by the rate as published and rounds half-even to
    :data:`RATE_SCALE` (16) places; the result is then rounded half-even to ``places``
    (default :data:`RESULT_PLACES` = 9, the most a table holds). Rates are exact decimals:
    655.957 is 655.957. Consequences, proved by the tests: XOF → XAF through EUR returns the
    amount unchanged; XOF → EUR → XOF returns the original exactly for every amount of up to
    6 decimal places when the way back asks for those places (``places=6`` or fewer): the
    EUR figure is within 0.5e-9 + 0.5e-16 of the true quotient, 655.957 times that is below
    0.5e-6. (Finer XOF amounts cannot survive a 9-place EUR figure: 656 of them share one.)
    :attr:`~sahel_core.money.Conversion.rounding` bounds the error from this rounding and
    from the rounding of the published rates: half a unit of the last decimal place each rate
    is published to, which a provider gives in an optional ``places`` column (the ECB's
    "1.1000" is 1.1 to 4 places, 0.00005 off at most), else the places a rate written as text
    has, as a Decimal reads it ("1.1000": 4; "1.5E+2", 150: none), else the last digit of the
    rate (an integer's units: the IMF's 9000 GNF per USD is 0.5 off at most); or half the step
    a rate is published in when that is coarser, which a provider gives in an optional
    ``increment`` column (the ECB's rupee in 2019, in steps of 0.0005: 0.00025 off at most; a
    finer increment changes nothing). A step's :attr:`~sahel_core.money.RateStep.rate` is
    written to those places, ``Decimal("1.1000")``, and its
    :attr:`~sahel_core.money.RateStep.increment` is the coarser step, if any.

Size limit
    Values are carried at 16 places in 38-digit decimals, so a conversion whose figures could
    reach 10**21 is refused (``ValidationError``; in a column, ``rate_error``), judged from the
    digits of the amount and of the rates so both paths refuse the same rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import operator
import threading
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import polars as pl

from sahel_core.errors import FormatError, PluginWarning, RateNotFound, ValidationError
from sahel_core.money import (
    NOT_A_CODE,
    STEP_PLACES,
    Conversion,
    Money,
    RateStep,
    _round_places,
    _shape,
    currency_code,
)
from sahel_core.money import _day as _calendar
from sahel_core.numbers import tidy
from sahel_core.qualifiers import MAX_DECIMAL_PLACES
from sahel_core.specs import RateProviderSpec

if TYPE_CHECKING:
    from sahel_core.plugins import Manager

__all__ = [
    "MAX_DAILY_AGE",
    "MAX_INTEGER_DIGITS",
    "PERIODS",
    "PIVOTS",
    "RATE_SCALE",
    "RESULT_PLACES",
    "ColumnRoutes",
    "RateTable",
    "column_routes",
    "convert_column",
    "convert_money",
    "rate_table",
    "user_provider",
]

#: Decimal places of rates and of every intermediate step of a conversion.
RATE_SCALE = STEP_PLACES
#: Default decimal places of a converted amount: the most a table column holds.
RESULT_PLACES = MAX_DECIMAL_PLACES
#: Periods of validity of a rate row, finest first (the order they are tried in).
PERIODS = ("fixed", "day", "month", "year")
#: How long a daily rate serves dates without one: a day's rate and the 7 days after it.
MAX_DAILY_AGE = dt.timedelta(days=7)
#: Pivot currencies tried, in order, when a conversion names no ``via``; the only ``via``
#: accepted.
PIVOTS = ("EUR", "USD")
#: A conversion whose values could reach 10**MAX_INTEGER_DIGITS is refused (see module doc).
MAX_INTEGER_DIGITS = 21

_RATE = pl.Decimal(38, RATE_SCALE)
_COLUMNS = ("currency", "base", "date", "period", "rate")


class _Row(NamedTuple):
    """One stored rate seen from a hop ``from → to``."""

    rate: Decimal
    divide: bool  # the row quotes ``from`` per ``to``: the hop divides by the rate
    date: dt.date
    period: str
    source: str
    places: int | None  # the decimal places the rate is published to, if known
    increment: Decimal | None  # the step it is published in, if not a unit of its last place


class _Layer(NamedTuple):
    """The rows of one provider and period for one directed pair, oldest first."""

    ordinals: list[int]
    valid_until: list[int]
    rows: list[_Row]


class _Lazy(NamedTuple):
    """A provider whose ``load()`` gave a LazyFrame, read a few currency pairs at a time."""

    spec: RateProviderSpec
    frame: pl.LazyFrame
    layer: int  # the first of its layers: one per period of PERIODS, in that order


_K = TypeVar("_K")
_V = TypeVar("_V")
_MISSING = object()  # a cache's miss: None is a value kept (no provider quotes a pair)


class RateTable:
    """Every rate of every provider, normalized: the columns of
    :class:`~sahel_core.specs.RateProviderSpec` frames plus ``places`` (the decimal places a
    rate is published to, null when its provider does not say), ``increment`` (the step it is
    published in, null when a unit of its last place), ``provider``, ``source`` (the
    label steps report: "ECB", "IMF IFS"...), ``priority``, ``layer`` (the order providers
    and periods are tried in) and ``valid_until``. Build one with :meth:`from_providers`;
    :func:`rate_table` keeps one per manager.

    A provider whose ``load()`` returns a LazyFrame (the ECB's 221,702 rows) is read a few
    currency pairs at a time: the rows of a pair are collected and checked when a conversion
    first needs them, and the pairs with a fixed rate when the table is built. If reading it
    fails, it is skipped from then on, as if it had failed when the table was built: the
    rows read from it are dropped, with a :class:`~sahel_core.errors.PluginWarning`.
    """

    def __init__(self, rows: pl.DataFrame, lazy: Sequence[_Lazy] = ()) -> None:
        self._eager = rows
        self._lazy = list(lazy)
        # What conversions use: the eager providers' rows and the lazy ones' read so far, and
        # the pairs read from the lazy ones (each pair's codes in order).
        self._read_rows = rows
        self._pairs_read: set[tuple[str, str]] = set()
        # Held while rows are read (two threads reading one pair would keep it twice) or a
        # cache is filled, never to look one up. A provider that fails to read is dropped under
        # it (_skip), which resets every cache: a fill outside it could keep that provider's
        # rows in the new caches, or look up what they lost. Re-entrant: filling a route query
        # reads its hops' rows.
        self._lock = threading.RLock()
        self._forget()
        # A lazy provider's pairs with a fixed row are read whole: which rows of a pair stand
        # (one orientation, one reading a date) depends on all of them.
        tied = [
            self._pull(source, _mentions("period", ["fixed"]), quiet=True)
            for source in list(self._lazy)
        ]
        self._read(pl.concat([rows.clear(), *tied]).select("currency", "base").iter_rows())
        self._tie()

    @classmethod
    def from_providers(cls, specs: Iterable[RateProviderSpec]) -> RateTable:
        """A table from provider specs; a provider whose frame is unusable is skipped with a
        :class:`~sahel_core.errors.PluginWarning`, its bad rows dropped with a count."""
        frames = []
        lazy = []
        layers = 0
        for spec in sorted(specs, key=lambda s: (s.priority, s.name)):
            try:
                loaded = spec.load()
                if isinstance(loaded, pl.LazyFrame):
                    _check_schema(loaded.collect_schema())
                    lazy.append(_Lazy(spec, loaded, layers))
                    layers += len(PERIODS)
                    continue
                frame = _normalize(spec, loaded)
            except Exception as exc:  # isolation: one broken provider must not stop the rest
                _skipped(spec, exc)
                continue
            # A layer per provider and period, finest first, after the providers before it.
            found = set(frame["period"].unique().to_list())
            periods = [p for p in PERIODS if p in found]
            layer = pl.lit(None, dtype=pl.Int32)
            for i, period in enumerate(periods):
                number = pl.lit(layers + i, dtype=pl.Int32)
                layer = pl.when(pl.col("period") == period).then(number).otherwise(layer)
            layers += len(periods)
            frames.append(frame.with_columns(layer.alias("layer")))
        empty = _normalize_empty().with_columns(pl.lit(None, dtype=pl.Int32).alias("layer"))
        return cls(pl.concat(frames) if frames else empty, lazy)

    @property
    def rows(self) -> pl.DataFrame:
        """Every row of every provider, in the order they are tried. Each access reads the
        lazy providers whole: for a look at the table, not for conversions."""
        with self._lock:
            whole = [self._pull(source, None) for source in list(self._lazy)]
        return pl.concat([self._eager, *whole]).sort("layer", maintain_order=True)

    def _forget(self) -> None:
        """Start the caches built from the rows read: each hop's layers, rows and queries, each
        pair's priority and each conversion's plans."""
        self._layers: dict[tuple[str, str], list[_Layer]] = {}
        self._hops: dict[tuple[str, str], list[tuple[int, pl.DataFrame]]] = {}
        self._queries: dict[
            tuple[str, str, str | None], Callable[[pl.LazyFrame], pl.LazyFrame]
        ] = {}
        self._priorities: dict[tuple[tuple[str, str], bool], float | None] = {}
        self._plans: dict[
            tuple[str, str, str | None], list[tuple[str, tuple[tuple[str, str], ...]]]
        ] = {}

    def _tie(self) -> None:
        """The anchors and fixed partners of each currency, and :attr:`providers`, from the
        rows read (every fixed row is among them)."""
        fixed = (
            self._read_rows.lazy()
            .filter(pl.col("period") == "fixed")
            .select("layer", "currency", "base")
            .sort("layer", "currency", "base")
            .collect()
        )
        partners: dict[str, list[str]] = {}
        anchors: dict[str, list[str]] = {}
        for currency, base in fixed.select("currency", "base").iter_rows():
            anchors.setdefault(currency, []).append(base)
            partners.setdefault(currency, []).append(base)
            partners.setdefault(base, []).append(currency)
        # A fixed row ``(currency, base)`` ties the currency to its anchor, the base.
        self._anchors = {c: list(dict.fromkeys(a)) for c, a in anchors.items()}
        self._partners = {c: list(dict.fromkeys(p)) for c, p in partners.items()}
        # A layer is one provider's: its first row names it. A lazy provider is listed until
        # reading it fails.
        first = self._eager["layer"].arg_unique()
        layers = [
            *zip(
                self._eager["layer"].gather(first),
                self._eager["provider"].gather(first),
                strict=True,
            ),
            *((source.layer, source.spec.name) for source in self._lazy),
        ]
        #: The providers consulted, in the order they are tried.
        self.providers: tuple[str, ...] = tuple(dict.fromkeys(name for _, name in sorted(layers)))

    def _rows_for(self, hops: Iterable[tuple[str, str]]) -> pl.DataFrame:
        """The rows of every provider quoting the currency pair of each hop, either way (see
        :meth:`_read`)."""
        pairs = self._read(hops)
        return self._read_rows.join(_both_ways(pairs), on=["currency", "base"], how="semi")

    def _read(self, hops: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Read the lazy providers' rows of the currency pair of each hop, the first time a
        pair is asked for; the pairs, each in code order."""
        pairs = {(a, b) if a <= b else (b, a) for a, b in hops}
        if pairs <= self._pairs_read:  # the usual case, and a lock costs more than the test
            return pairs
        with self._lock:
            missing = sorted(pairs - self._pairs_read)
            if missing and self._lazy:
                codes = sorted({code for pair in missing for code in pair})
                where = _mentions("currency", codes) & _mentions("base", codes)
                keys = _both_ways(missing)
                read = [
                    self._pull(source, where, codes=codes).join(
                        keys, on=["currency", "base"], how="semi"
                    )
                    for source in list(self._lazy)
                ]
                self._read_rows = pl.concat([self._read_rows, *read])
            self._pairs_read.update(missing)
        return pairs

    def _pull(
        self,
        source: _Lazy,
        where: pl.Expr | None,
        *,
        codes: Sequence[str] = (),
        quiet: bool = False,
    ) -> pl.DataFrame:
        """The rows of a lazy provider where ``where`` holds (all of them when it is
        ``None``), normalized; dropped rows are counted in a warning unless ``quiet``."""
        try:
            frame = source.frame if where is None else source.frame.filter(where)
            read_for = f" read for {', '.join(codes)}" if codes else ""
            rows = _normalize(source.spec, frame.collect(), read_for=read_for, quiet=quiet)
        except Exception as exc:  # isolation, as in from_providers
            self._skip(source)
            _skipped(source.spec, exc)
            return self._eager.clear()
        period = pl.col("period").replace_strict(
            PERIODS, range(len(PERIODS)), return_dtype=pl.Int32
        )
        return rows.with_columns((period + source.layer).alias("layer"))

    def _skip(self, source: _Lazy) -> None:
        """Take a lazy provider out, the rows read from it and what was built on them too."""
        self._lazy.remove(source)
        layer = pl.col("layer")
        mine = (layer >= source.layer) & (layer < source.layer + len(PERIODS))
        self._read_rows = self._read_rows.filter(~mine)
        # The anchors first: a cache published empty before them would be filled, by a
        # lookup in between, with routes planned on the anchors of the provider dropped.
        self._tie()
        self._forget()

    # -- one hop -----------------------------------------------------------------------------

    def _pair(self, source: str, target: str) -> list[_Layer]:
        """The layers for hop ``source → target``, built on first use."""
        key = (source, target)
        layers = self._layers.get(key)  # one look: _skip may replace the dict between two
        if layers is not None:
            return layers
        with self._lock:
            layers = self._layers.get(key)
            if layers is None:
                found = self._rows_for([key]).sort("layer", "date")
                layers = []
                for _, group in found.group_by("layer", maintain_order=True):
                    rows = [
                        _Row(rate, currency == source, day, period, label, places, increment)
                        for currency, day, period, rate, label, places, increment in group.select(
                            "currency", "date", "period", "rate", "source", "places", "increment"
                        ).iter_rows()
                    ]
                    layers.append(
                        _Layer(
                            [r.date.toordinal() for r in rows],
                            [d.toordinal() for d in group["valid_until"]],
                            rows,
                        )
                    )
                self._layers[key] = layers
        return layers

    def quote(self, source: str, target: str, on: dt.date) -> RateStep | None:
        """The rate for one hop ``source → target`` on ``on`` (see the module doc for the
        choice), or ``None``."""
        day = on.toordinal()
        for layer in self._pair(source, target):
            i = bisect.bisect_right(layer.ordinals, day) - 1
            if i >= 0 and day <= layer.valid_until[i]:
                row = layer.rows[i]
                rate = _published(row.rate, row.places)
                return RateStep(source, target, rate, row.date, row.source, row.period, row.divide,
                                _coarser(row.increment, rate))  # fmt: skip
        return None

    # -- a route -----------------------------------------------------------------------------

    def legs(self, currency: str, pivot: str) -> list[tuple[tuple[str, str], ...]]:
        """The hop sequences tried, in order, to take ``currency`` to ``pivot``: none when
        they are equal; else the fixed hop to each anchor of ``currency`` (the base of a
        fixed row of it: EUR for XOF, MRU for MRO) followed by the anchor's hop, then, to
        USD, the hop to EUR followed by EUR's, then the direct hop (the direct hop first when
        a provider preferred to those of the hop to EUR quotes it), then a fixed hop to each
        other fixed partner followed by its hop."""
        if currency == pivot:
            return [()]
        options: list[tuple[tuple[str, str], ...]] = []
        for anchor in self._anchors.get(currency, ()):
            fixed = (currency, anchor)
            options.append((fixed,) if anchor == pivot else (fixed, (anchor, pivot)))
        euro = PIVOTS[0]
        direct = ((currency, pivot),)
        if euro not in (currency, pivot):
            # The ECB's daily cross before a monthly or annual rate against USD: the same
            # pair gets the same rate whether it is a whole conversion or a leg of one. A
            # provider the caller prefers (a smaller priority) still comes first.
            cross = ((currency, euro), (euro, pivot))
            # Asked of the providers read whole first: spares reading a lazy provider's rows
            # for every currency (the ECB quotes none against USD).
            mine = self._priority((currency, pivot), eager=True)
            if mine is not None:
                theirs = self._priority((currency, euro))
                ahead = mine < (math.inf if theirs is None else theirs)
            else:
                ahead = False
            options += [direct, cross] if ahead else [cross]
        options.append(direct)
        for partner in self._partners.get(currency, ()):
            if partner != pivot:
                options.append(((currency, partner), (partner, pivot)))
        return list(dict.fromkeys(options))

    def _kept(self, cache: Callable[[], dict[_K, _V]], key: _K, make: Callable[[], _V]) -> _V:
        """``cache()[key]``, looked up without the lock; on a miss, made under it and kept. A
        provider dropped while it is made (``_skip``) replaces the dict: what was made before
        the drop is not kept in the caches that follow it, but made again on what is left."""
        found = cache().get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        with self._lock:
            while (found := (known := cache()).get(key, _MISSING)) is _MISSING:
                made = make()
                if known is cache():
                    known[key] = made
        return found  # type: ignore[return-value]

    def _priority(self, pair: tuple[str, str], *, eager: bool = False) -> float | None:
        """The best (smallest) priority of the providers quoting ``pair``, either way, None
        when none does; with ``eager``, of the providers read whole only (a user's table, the
        IMF's): no lazy provider is read. Kept: every route planned asks it of the same few
        pairs, and a pair's rows, once read, stay until a provider is dropped."""

        def best() -> float | None:
            if eager:
                rows = self._eager.join(_both_ways([pair]), on=["currency", "base"], how="semi")
            else:
                rows = self._rows_for([pair])
            found = rows["priority"].min()
            return None if found is None else float(found)  # type: ignore[arg-type]

        return self._kept(lambda: self._priorities, (pair, eager), best)

    def fixed_plans(
        self, source: str, target: str
    ) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """The routes from ``source`` to ``target`` made of fixed ties alone, as ``(meeting
        currency, hops)``: the direct tie (XOF → EUR, MRO → MRU), then through a currency
        both are tied to (XOF → EUR → XAF)."""
        partners = self._partners.get(source, ())
        plans: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        if target in partners:
            plans.append((target, ((source, target),)))
        for partner in partners:
            if partner != target and target in self._partners.get(partner, ()):
                plans.append((partner, ((source, partner), (partner, target))))
        return plans

    def plans(
        self, source: str, target: str, via: str | None
    ) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """Every ``(pivot, hops)`` route from ``source`` to ``target``, in the order tried:
        the :meth:`fixed_plans` first (for them, ``pivot`` is the currency where the fixed
        ties meet), then through each pivot (``via``, else :data:`PIVOTS`) its legs'
        options. The first whose hops all have a rate on the date is used (the same as
        taking, for the first pivot where both legs have one, the first working option of
        each leg). Kept: every conversion of a pair plans the same routes, until a provider is
        dropped."""
        key = (source, target, via)
        found = self._kept(lambda: self._plans, key, lambda: self._plan(source, target, via))
        return list(found)

    def _plan(
        self, source: str, target: str, via: str | None
    ) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        """:meth:`plans`, worked out."""
        if source == target:
            return [(source, ())]
        plans = self.fixed_plans(source, target)
        for pivot in (via,) if via else PIVOTS:
            for there in self.legs(source, pivot):
                for back in self.legs(target, pivot):
                    hops = there + tuple((b, a) for a, b in reversed(back))
                    plans.append((pivot, _once(hops)))
        return list(dict.fromkeys(plans))

    def route(
        self, source: str, target: str, on: dt.date, via: str | None = None
    ) -> tuple[RateStep, ...]:
        """The steps converting ``source`` to ``target`` on ``on``; :class:`RateNotFound`
        names the currency and the date when there is no route."""
        plans = self.plans(source, target, via)
        self._read(hop for _, hops in plans for hop in hops)  # one read for every hop
        # Again: a provider that failed in that read was dropped with its fixed ties.
        plans = self.plans(source, target, via)
        for _, hops in plans:
            steps = [self.quote(a, b, on) for a, b in hops]
            if all(s is not None for s in steps):
                return tuple(s for s in steps if s is not None)
        # Which side lacks rates against the pivots, for the message.
        pivots = (via,) if via else PIVOTS
        legs_found = {
            currency: any(
                all(self.quote(a, b, on) is not None for a, b in option)
                for pivot in pivots
                for option in self.legs(currency, pivot)
            )
            for currency in (source, target)
        }
        raise _not_found(source, target, on, via, legs_found)

    # -- the directed rows for columns ---------------------------------------------------------

    def hop_layers(
        self, hops: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[tuple[int, pl.DataFrame]]]:
        """For each hop ``(from, to)``, its rows as :func:`_directed` gives them (with
        ``label``, the row's part of a path) per ``layer`` that has any, in layer order, each
        sorted by ``rate_date``; each hop's rows are cut from the table once (the missing hops
        together) and kept."""
        wanted = list(dict.fromkeys(hops))
        kept = self._hops  # one look: _skip may replace the dict between two
        if any(h not in kept for h in wanted):
            with self._lock:
                # Reading a pair may drop a provider that fails, and so forget the hops kept
                # before: until none is missing (each pair is read once, so this ends).
                while missing := [h for h in wanted if h not in self._hops]:
                    # Only the rows of the pairs asked for are turned into hops, not the table.
                    rows = self._rows_for(missing)
                    hops_asked = pl.DataFrame(missing, schema=["from", "to"], orient="row")
                    found = (
                        _directed(rows)
                        .join(hops_asked, on=["from", "to"], how="semi")
                        .with_columns(_label().alias("label"))
                    )
                    parts = found.sort("layer", "rate_date").partition_by(
                        "from", "to", "layer", as_dict=True, maintain_order=True
                    )
                    for hop in missing:
                        self._hops[hop] = [(layer, part) for (a, b, layer), part in parts.items()
                                           if (a, b) == hop]  # fmt: skip
                kept = self._hops
        return {h: kept[h] for h in wanted}

    def route_query(
        self, source: str, target: str, via: str | None
    ) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
        """A query taking a frame of days (``_cur``, ``_day``, sorted by ``_day``) to the
        routes from ``source`` to ``target`` on those days, the columns of
        :func:`convert_column`'s routes; the same choice as :meth:`route`. Built once per
        ``(source, target, via)`` and kept: building it costs more than running it."""
        key = (source, target, via)
        query = self._queries.get(key)  # one look: _skip may replace the dict between two
        if query is None:
            with self._lock:
                query = self._queries.get(key)
                if query is None:
                    # The rows first: a provider that fails to read is dropped with its fixed
                    # ties, and the routes are planned on what is left.
                    self.hop_layers(h for _, hs in self.plans(source, target, via) for h in hs)
                    query = self._queries[key] = _route_query(self, source, target, via)
        return query


def _once(hops: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``hops`` visiting each currency once: where they come back to a currency they left,
    the stretch between is cut (``XOF → EUR → USD → EUR → GBP`` is ``XOF → EUR → GBP``: the
    hops EUR → USD → EUR apply one rate and undo it)."""
    kept: list[tuple[str, str]] = []
    for hop in hops:
        left = [a for a, _ in kept]
        if hop[1] in left:
            del kept[left.index(hop[1]) :]
        else:
            kept.append(hop)
    return tuple(kept)


def _directed(rows: pl.DataFrame) -> pl.DataFrame:
    """Each row of ``rows`` twice, once per direction (``from``, ``to``, ``divide``), with
    ``up``: the power of ten bounding the factor the hop applies (for the size limit)."""
    base = rows.select(
        "layer", "date", "valid_until", "rate", "period", "source", "currency", "base"
    )
    digits = pl.sum_horizontal(
        *((pl.col("rate") >= 10**k).cast(pl.Int32) for k in range(MAX_INTEGER_DIGITS + 1))
    )
    # Decimal thresholds as text: a Decimal literal would make polars import numpy.
    tenths = (pl.lit(format(Decimal(1).scaleb(-k), "f")).cast(_RATE) for k in range(RATE_SCALE + 1))
    zeros = pl.sum_horizontal(*((pl.col("rate") < tenth).cast(pl.Int32) for tenth in tenths))

    def way(source: str, target: str, divide: bool, up: pl.Expr) -> pl.DataFrame:
        # A rate quotes ``currency`` per unit of ``base``: base → currency multiplies by it.
        return base.select(
            pl.col(source).alias("from"),
            pl.col(target).alias("to"),
            pl.lit(divide).alias("divide"),
            up.alias("up"),
            pl.exclude("currency", "base"),
        )

    both = [way("base", "currency", False, digits), way("currency", "base", True, zeros)]
    return pl.concat(both).rename({"date": "rate_date"})


def _not_found(
    source: str, target: str, on: dt.date, via: str | None, legs_found: dict[str, bool]
) -> RateNotFound:
    """The message both paths give: the currency without rates, else the pair."""
    pivots = " or ".join((via,) if via else PIVOTS)
    for currency in (source, target):
        if not legs_found.get(currency, False):
            return RateNotFound(
                f"no exchange rate for {currency} against {pivots} on {on.isoformat()}",
                field="currency",
                value=currency,
            )
    return RateNotFound(
        f"no exchange rates for {source} and {target} through the same currency "
        f"({pivots}) on {on.isoformat()}",
        field="currency",
        value=source,
    )


# -- reading provider frames ----------------------------------------------------------------


def _normalize_empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "currency": pl.String,
            "base": pl.String,
            "date": pl.Date,
            "period": pl.String,
            "rate": _RATE,
            "places": pl.Int32,
            "increment": _RATE,
            "provider": pl.String,
            "source": pl.String,
            "priority": pl.Int64,
            "valid_until": pl.Date,
        }
    )


def _check_schema(schema: pl.Schema) -> None:
    """A provider frame's columns: those of :data:`_COLUMNS`, and rates (and increments) that
    are Decimal, integers or text, not floats. A column of nulls alone (``Null``: a frame built
    from ``None`` values) is no float: its rows have no rate (they are dropped), or no
    increment (as without the column)."""
    missing = [c for c in _COLUMNS if c not in schema]
    if missing:
        raise ValueError(f"missing columns {missing}; needs {list(_COLUMNS)}")
    for name in ("rate", "increment"):
        kind = schema.get(name, pl.String())
        if not (kind in (pl.String, pl.Null) or kind.is_decimal() or kind.is_integer()):
            not_float = ", not float" if kind.is_float() else ""
            raise TypeError(f"column {name!r} is {kind}: Decimal, integers or text{not_float}")


def _skipped(spec: RateProviderSpec, exc: Exception) -> None:
    warnings.warn(
        f"rate provider {spec.name!r} skipped: {type(exc).__name__}: {exc}",
        PluginWarning,
        stacklevel=2,
    )


def _mentions(column: str, words: Sequence[str]) -> pl.Expr:
    """Whether a text cell contains one of ``words`` in any case: true of every cell that
    cleans into one of them (the currency codes, the periods) and of a few more, left to
    :func:`_normalize` to drop."""
    cell = pl.col(column).cast(pl.String)
    return cell.str.contains_any(list(words), ascii_case_insensitive=True).fill_null(False)


def _both_ways(pairs: Iterable[tuple[str, str]]) -> pl.DataFrame:
    """The ``currency, base`` rows of each pair and of its reverse."""
    rows = {way for a, b in pairs for way in ((a, b), (b, a))}
    return pl.DataFrame(
        sorted(rows), schema={"currency": pl.String, "base": pl.String}, orient="row"
    )


def _normalize(
    spec: RateProviderSpec, frame: object, *, read_for: str = "", quiet: bool = False
) -> pl.DataFrame:
    """A provider's frame checked and put in the table's shape; bad rows dropped and counted
    in a warning (unless ``quiet``) that says which rows they were among (``read_for``)."""
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(
            f"load() returned {type(frame).__name__}, not a polars DataFrame or LazyFrame"
        )
    _check_schema(frame.schema)
    day = pl.col("date")
    if frame.schema["date"] == pl.String:
        day = day.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    else:
        day = _calendar_day(day, frame.schema["date"])
    text = _cleaned(frame, {"currency": _shape, "base": _shape, "period": _period})
    source = pl.col("source").cast(pl.String) if "source" in frame.columns else pl.lit(None)
    places = pl.lit(None, dtype=pl.Int32)
    if frame.schema["rate"] == pl.String:
        places = _text_places(pl.col("rate"))
    if "places" in frame.columns:
        given = pl.col("places").cast(pl.Int32, strict=False)
        places = pl.when(given >= 0).then(given).otherwise(places)
    increment = pl.lit(None, dtype=_RATE)
    if frame.schema.get("increment", pl.Null) != pl.Null:  # nulls alone: as if absent
        increment = _decimals(frame, "increment")
    cleaned = (
        frame.lazy()
        .select(
            text["currency"].alias("currency"),
            text["base"].alias("base"),
            day.alias("date"),
            text["period"].alias("period"),
            _decimals(frame, "rate").alias("rate"),
            source.fill_null(spec.name).alias("source"),
            places.clip(upper_bound=RATE_SCALE).alias("places"),
            pl.when(increment > 0).then(increment).alias("increment"),
        )
        .filter(
            (
                pl.col("currency").is_not_null()  # bad codes and periods are null by now
                & pl.col("base").is_not_null()
                & (pl.col("currency") != pl.col("base"))
                & pl.col("date").is_not_null()
                & pl.col("period").is_not_null()
                & (pl.col("rate") > 0)
            ).fill_null(False)
        )
    )
    # One orientation per pair (the first seen) and one row per date: one reading per hop.
    # Both rarely drop a row, so they are checked first, on the distinct pairs and on hashes.
    reading = ("currency", "base", "period", "date")
    hashes = functools.reduce(operator.xor, (pl.col(c).hash(seed=i) for i, c in enumerate(reading)))
    kept, pairs, readings = pl.collect_all(
        [cleaned, cleaned.select("currency", "base").unique(), cleaned.select(hashes.n_unique())]
    )
    if pairs.join(pairs, left_on=["currency", "base"], right_on=["base", "currency"]).height:
        lower = pl.col("currency") < pl.col("base")
        pair = [
            pl.when(lower).then(pl.col("currency")).otherwise(pl.col("base")),
            pl.when(lower).then(pl.col("base")).otherwise(pl.col("currency")),
        ]
        kept = kept.filter(pl.col("currency") == pl.col("currency").first().over(pair))
        readings = kept.select(hashes.n_unique())
    if readings.item() < kept.height:  # as many hashes as rows: no reading is repeated
        kept = kept.filter(pl.struct(reading).is_first_distinct())
    kept = kept.with_columns(
        pl.lit(spec.name).alias("provider"),
        pl.lit(spec.priority, dtype=pl.Int64).alias("priority"),
        _valid_until(),
    ).select(_normalize_empty().columns)
    dropped = frame.height - kept.height
    if dropped and not quiet:
        warnings.warn(
            f"rate provider {spec.name!r}: {dropped} of {frame.height} rows{read_for} dropped (bad "
            "currency, date, period or rate, a pair quoted both ways, or a repeated date)",
            PluginWarning,
            stacklevel=3,
        )
    return kept


#: A number as text: the digits after its point and its exponent.
_NUMBER_TEXT = r"^[+-]?[0-9]*(?:\.(?P<decimals>[0-9]*))?(?:[eE](?P<exponent>[+-]?[0-9]+))?$"


def _text_places(text: pl.Expr) -> pl.Expr:
    """The decimal places of numbers written as text, as :class:`~decimal.Decimal` reads them:
    the digits after the point less the exponent, at least 0 ("1.1000": 4, not 1; "1.5E+2",
    150: 0; "1.50E-3", 0.00150: 5); 0 for text that is no number (its rate is dropped)."""
    parts = text.str.strip_chars().str.extract_groups(_NUMBER_TEXT)
    decimals = parts.struct.field("decimals").str.len_chars().fill_null(0).cast(pl.Int64)
    # An exponent too long for an integer is one no rate has (polars reads no such rate).
    exponent = parts.struct.field("exponent").cast(pl.Int64, strict=False).fill_null(0)
    places = decimals - exponent.clip(-(10**12), 10**12)
    return places.clip(0, RATE_SCALE).cast(pl.Int32)


def _decimals(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A column of numbers at the table's scale, read from text when it is text; null where it
    is no number."""
    value = pl.col(column)
    if frame.schema[column] == pl.String:
        value = value.str.strip_chars().cast(pl.Decimal(38, 20), strict=False)
    return value.cast(_RATE, strict=False)


def _cleaned(
    frame: pl.DataFrame, cleaners: dict[str, Callable[[str], str | None]]
) -> dict[str, pl.Expr]:
    """Each column of ``cleaners`` as text, its cleaner applied once per distinct value rather
    than once per row (providers' columns hold a few dozen codes over many thousand rows);
    a value the cleaner refuses (``None``) becomes null."""
    texts = {c: pl.col(c).cast(pl.String) for c in cleaners}
    distinct = frame.select(t.unique().drop_nulls().implode().alias(c) for c, t in texts.items())
    found = {}
    for column, text in texts.items():
        values = distinct[column][0]
        clean = cleaners[column]
        clean_values = pl.Series([clean(v) for v in values.to_list()], dtype=pl.String)
        same = values.eq_missing(clean_values).all()
        found[column] = text if same else text.replace(values, clean_values)
    return found


def _period(text: str) -> str | None:
    """A period of :data:`PERIODS`, or ``None``."""
    period = text.strip().lower()
    return period if period in PERIODS else None


def _valid_until() -> pl.Expr:
    """The last date a row serves (see the module doc)."""
    day = pl.col("date")
    return (
        pl.when(pl.col("period") == "fixed")
        .then(pl.lit(dt.date.max))
        .when(pl.col("period") == "day")
        .then(day + MAX_DAILY_AGE)
        .when(pl.col("period") == "month")
        .then(day.dt.offset_by("1mo").dt.month_end())
        .otherwise(pl.date(day.dt.year(), 12, 31))
        .alias("valid_until")
    )


# -- the table of a manager -----------------------------------------------------------------

_TABLES: weakref.WeakKeyDictionary[Manager, RateTable] = weakref.WeakKeyDictionary()
# Two indicators converting money at once (``sahel indicators`` runs two in threads) would
# each build the table and read the rate files. Re-entrant: a provider that converts money
# while the table is built recurses until from_providers drops it, as without the lock.
_BUILDING = threading.RLock()


def rate_table(manager: Manager | None = None) -> RateTable:
    """The :class:`RateTable` of ``manager`` (default: the process-wide one), built on first
    use from its rate providers and kept as long as the manager lives."""
    from sahel_core.plugins import get_manager

    manager = manager or get_manager()
    table = _TABLES.get(manager)
    if table is not None:
        return table
    with _BUILDING:
        table = _TABLES.get(manager)
        if table is None:
            table = RateTable.from_providers(manager.rate_providers.values())
            _TABLES[manager] = table
    return table


# -- user tables ------------------------------------------------------------------------------


def user_provider(
    name: str,
    table: str | Path | pl.DataFrame,
    *,
    base: str | None = None,
    period: str = "day",
    priority: int = 50,
    description: str | None = None,
) -> RateProviderSpec:
    """A rate provider from your own table, e.g. a central bank's published rates.

    ``table`` is a CSV file (UTF-8, comma-separated) or a polars frame with columns ``date``
    (ISO; the day a rate is for, from which it serves: a month-end rate is dated the month
    end), ``currency`` (ISO 4217) and ``rate`` (units of ``currency`` per one ``base``,
    written as a decimal number), and optionally ``base`` and ``period`` (else the ``base``
    and ``period`` arguments), ``places`` (the decimal places the rates are published to,
    for :attr:`~sahel_core.money.Conversion.rounding`: else a rate written as text counts
    the places it is written with, as a Decimal reads it, "1.1000" four and "1.5E+2" none, and
    a Decimal one its last non-zero decimal) and ``increment`` (the step they are published
    in, when coarser than a unit of their last place: 0.0005; a finer one is ignored). Steps
    that use it report ``name`` as their source. With the default ``priority`` 50 it is
    consulted after the built-in providers (peg 10, ECB 20, IMF 30, World Bank 40), for what
    they lack; pass a smaller number to prefer it. Return it from a plugin's
    ``sahel_register_rate_providers`` hook, or pass it to
    :func:`sahel_core.plugins.load_manager` through a small plugin object. The file is read
    on first use; a file that cannot be read raises :class:`~sahel_core.errors.FormatError`
    then (the manager skips that provider with a warning).
    """
    if base is not None:
        base = currency_code(base, "base")
    if period not in PERIODS:
        raise ValidationError(f"a period is one of {', '.join(PERIODS)}", field="period",
                              value=period)  # fmt: skip

    def load() -> pl.DataFrame:
        frame = table if isinstance(table, pl.DataFrame) else _read_user_csv(Path(table))
        if "base" not in frame.columns:
            if base is None:
                raise FormatError("no 'base' column and no base= given", source=str(name))
            frame = frame.with_columns(pl.lit(base).alias("base"))
        if "period" not in frame.columns:
            frame = frame.with_columns(pl.lit(period).alias("period"))
        return frame.with_columns(pl.lit(name).alias("source"))

    label = str(table) if not isinstance(table, pl.DataFrame) else "a table in memory"
    return RateProviderSpec(
        name=name,
        description=description or f"user rates from {label}",
        load=load,
        priority=priority,
    )


def _read_user_csv(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise FormatError(f"cannot read the rate table: {exc}", source=str(path)) from None
    missing = [c for c in ("date", "currency", "rate") if c not in frame.columns]
    if missing:
        raise FormatError(f"missing columns {missing}", source=str(path), field=missing[0])
    return frame


# -- exact arithmetic, shared by both paths ------------------------------------------------


def _integer_digits(value: Decimal) -> int:
    """How many digits the integer part of ``|value|`` has (0 below 1)."""
    return value.adjusted() + 1 if value.copy_abs() >= 1 else 0


def _growth(step: RateStep) -> int:
    """A power of ten bounding the factor a step applies (as :func:`_directed`'s ``up``)."""
    rate = step.rate
    if not step.inverted:
        return min(_integer_digits(rate), MAX_INTEGER_DIGITS + 1)
    return min(-rate.adjusted(), RATE_SCALE + 1) if rate < 1 else 0


_TOO_LARGE = (
    f"too large to convert exactly: the amount and the rates could give figures of "
    f"10^{MAX_INTEGER_DIGITS} or more"
)


def _published(rate: Decimal, places: int | None) -> Decimal:
    """``rate`` written to the ``places`` its source publishes it to (its trailing zeros are
    digits too: "1.1000"), or, when they are not known or too few for its digits, to its
    last non-zero decimal (an integer to its units)."""
    sign, digits, exponent = tidy(rate).as_tuple()
    assert isinstance(exponent, int)
    missing = (places or 0) + exponent
    if missing <= 0:
        return tidy(rate)
    return Decimal((sign, (*digits, *(0,) * missing), exponent - missing))


def _half_step(step: RateStep) -> Fraction:
    """How much a published rate may have been rounded: half the increment it is published in,
    a unit of its last digit as written (see :func:`_published`) or the step's
    :attr:`~sahel_core.money.RateStep.increment` when that is coarser (the ECB's rupee in steps
    of 0.0005: 0.00025, not 0.00005). A finer increment says nothing more: "1.1000" is 1.1 to
    within 0.00005, whatever steps its source counts in."""
    exponent = step.rate.as_tuple().exponent  # never positive: RateStep writes it out
    assert isinstance(exponent, int)
    unit = Fraction(10) ** exponent
    return max(unit, Fraction(step.increment or 0)) / 2


def _coarser(increment: Decimal | None, rate: Decimal) -> Decimal | None:
    """``increment`` if it is coarser than a unit of the last place of ``rate`` (written to
    its places, as :func:`_published` gives it), else ``None``: the step a
    :class:`~sahel_core.money.RateStep` reports."""
    if increment is None:
        return None
    exponent = rate.as_tuple().exponent
    assert isinstance(exponent, int)
    return increment if increment > Decimal(1).scaleb(min(exponent, 0)) else None


def _rounding(original: Decimal, result: Decimal, steps: Sequence[RateStep]) -> Decimal:
    """A bound on ``|result - original × true rates|``: the arithmetic rounding (measured
    exactly against the published rates) plus what the rounding of each published rate
    could change (:func:`_half_step`; fixed rates are exact)."""
    exact = Fraction(original)
    spread = Fraction(1)
    for step in steps:
        rate = Fraction(step.rate)
        exact = exact / rate if step.inverted else exact * rate
        if step.period != "fixed":
            half = _half_step(step)
            spread *= 1 + half / (rate - half) if rate > half else Fraction(10**6)
    total = abs(Fraction(result) - exact) + abs(exact) * (spread - 1)
    return _ceiling_two_digits(total) if total else Decimal(0)


def _ceiling_two_digits(value: Fraction) -> Decimal:
    """``value`` (> 0) rounded up to two significant digits."""
    exponent = len(str(value.numerator)) - len(str(value.denominator))
    while value < Fraction(10) ** exponent:
        exponent -= 1
    while value >= Fraction(10) ** (exponent + 1):
        exponent += 1
    unit = Fraction(10) ** (exponent - 1)
    count = -(-value // unit)
    return Decimal(count).scaleb(exponent - 1)


# -- one value ------------------------------------------------------------------------------


def convert_money(
    money: Money,
    to: str,
    *,
    on: dt.date,
    via: str | None = None,
    places: int = RESULT_PLACES,
    manager: Manager | None = None,
) -> Conversion:
    """``money`` in currency ``to`` at the rates of ``on``; see
    :func:`sahel_core.money.convert`, which is this function."""
    if not isinstance(money, Money):
        raise ValidationError("expected a Money", field="money", value=money)
    target, pivot = _arguments(to, via, places)
    day = _day(on)
    steps = rate_table(manager).route(money.currency, target, day, pivot)
    growth = sum(_growth(s) for s in steps)

    def convert(value: Decimal | None, name: str) -> Decimal | None:
        if value is None:
            return None
        if _integer_digits(value) + growth > MAX_INTEGER_DIGITS:
            raise ValidationError(_TOO_LARGE, field=name, value=value)
        for step in steps:
            value = step.apply(value)
        return _round_places(value, places)

    amount = convert(money.amount, "amount")
    assert amount is not None
    result = Money(
        amount,
        target,
        money.qualifier,
        convert(money.low, "low"),
        convert(money.high, "high"),
    )
    return Conversion(
        original=money,
        result=result,
        on=day,
        steps=steps,
        rounding=_rounding(money.amount, amount, steps),
        via=pivot,
    )


def _day(on: object) -> dt.date:
    day = _calendar(on, ValidationError)
    if day is None:
        raise ValidationError("expected a date", field="on", value=on)
    return day


def _calendar_day(day: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The days of a date column: a Datetime's own calendar day, as :func:`_day` takes a
    datetime's (a cast would take the UTC day of an aware one)."""
    return day.dt.date() if isinstance(dtype, pl.Datetime) else day.cast(pl.Date, strict=False)


# -- a column -------------------------------------------------------------------------------

_SLOTS = 4  # the most steps a route has: two legs of at most two hops
_MULTIPLY, _DIVIDE = 1, 2  # what step i does to an amount (0: nothing, the route is shorter)


def convert_column(
    frame: pl.DataFrame,
    *,
    amount: str = "value",
    currency: str = "currency",
    date: str = "date_value",
    to: str = "USD",
    via: str | None = None,
    places: int = RESULT_PLACES,
    manager: Manager | None = None,
) -> pl.DataFrame:
    """``frame`` with the ``amount`` column converted to ``to`` at each row's ``date``.

    Adds (or replaces) the columns ``<to>`` (``Decimal(38, places)``, the converted amount),
    ``rate`` (``Decimal(38, 16)``: units of ``to`` per unit of the row's currency, computed
    like the amount from 1, as :attr:`~sahel_core.money.Conversion.rate`), ``rate_date`` (the
    date of the rate used; with two dated rates, the later one, as
    :attr:`~sahel_core.money.Conversion.rate_date`), ``rate_source`` (the providers of the
    steps, in order, each once: ``"peg; ECB"``, as :attr:`~sahel_core.money.Conversion.source`;
    null for a row already in ``to``), ``rate_path`` (the route as
    :attr:`~sahel_core.money.Conversion.path` writes it: ``"XOF → EUR (peg, fixed) → USD
    (ECB, 2016-01-12)"``) and ``rate_error`` (null, or why the row has no result: the message
    :func:`convert_money` would raise; the rate columns are then null). Every figure equals
    what :func:`convert_money` gives for the same row; see the module doc for the rules.
    ``amount`` may be negative (IATI reversals); a null amount gives a null result with the
    rate filled in.

    Rates are found for each distinct ``(currency, date)`` pair with one as-of join per
    provider and period on the dated rate table; no Python runs per row. Raises
    :class:`~sahel_core.errors.ValidationError` when a column is missing or of the wrong
    type (amounts must be Decimal or integer: floats are refused), or for a bad ``to``,
    ``via`` (EUR or USD) or ``places``.
    """
    target, pivot = _arguments(to, via, places)
    _check_columns(frame, amount, currency, date)
    routes = ColumnRoutes(frame, currency, date, target, pivot, places, rate_table(manager))
    index = routes.index
    value = frame[amount]
    ok = routes.admits(value, index)
    found = routes.keys.select("_rate", "_rate_date", "_source", "_path", "_error").gather(index)
    done = found.with_columns(ok.alias("_ok"), routes.convert(value, index, ok).alias(target))
    converted = pl.col("_ok")
    added = done.select(
        target,
        pl.when(converted).then(pl.col("_rate")).alias("rate"),
        pl.when(converted).then(pl.col("_rate_date")).alias("rate_date"),
        pl.when(converted).then(pl.col("_source")).alias("rate_source"),
        pl.when(converted).then(pl.col("_path")).alias("rate_path"),
        # Not converted without a route's error: the amount is too large.
        pl.when(converted).then(None).otherwise(pl.col("_error").fill_null(_TOO_LARGE))
        .alias("rate_error"),
    )  # fmt: skip
    kept = [c for c in frame.columns if c not in (target, *_ADDED)]
    return frame.select(kept).hstack(added)


_ADDED = ("rate", "rate_date", "rate_source", "rate_path", "rate_error")


def column_routes(
    frame: pl.DataFrame,
    *,
    currency: str = "currency",
    date: str = "date_value",
    to: str = "USD",
    via: str | None = None,
    places: int = RESULT_PLACES,
    manager: Manager | None = None,
) -> ColumnRoutes:
    """The routes :func:`convert_column` would take for the rows of ``frame``, found once per
    distinct ``(currency, date)`` pair, to convert several amount columns (a value and its
    bounds) or some rows only, without the per-row columns ``convert_column`` adds.

    Raises :class:`~sahel_core.errors.ValidationError` as ``convert_column`` does.
    """
    target, pivot = _arguments(to, via, places)
    _check_columns(frame, None, currency, date)
    return ColumnRoutes(frame, currency, date, target, pivot, places, rate_table(manager))


def _arguments(to: str, via: str | None, places: int) -> tuple[str, str | None]:
    """The target and the pivot as codes, ``places`` checked: the arguments of both paths."""
    target = currency_code(to, "to")
    pivot = None if via is None else currency_code(via, "via")
    if pivot is not None and pivot not in PIVOTS:
        raise ValidationError(
            f"via is a pivot, {' or '.join(PIVOTS)}: the currencies the rate sources quote "
            "against (leave it out to let the route choose)",
            field="via",
            value=via,
        )
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= RESULT_PLACES:
        raise ValidationError(
            f"places is an integer from 0 to {RESULT_PLACES}", field="places", value=places
        )
    return target, pivot


class ColumnRoutes:
    """How the rows of a frame are converted, one route per distinct ``(currency, date)`` pair
    (:attr:`keys`); built by :func:`column_routes`.

    :attr:`index` tells each row of the frame its pair, :meth:`admits` which amounts convert
    and :meth:`convert` converts them: the figures of :func:`convert_column`, which is built
    on this class. Each step of a route is computed only on the rows that take it.
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        currency: str,
        date: str,
        target: str,
        via: str | None,
        places: int,
        table: RateTable,
    ) -> None:
        self.target, self.places = target, places
        rows = frame.select(pl.col(currency).alias("_raw_cur"), pl.col(date).alias("_raw_day"))
        pairs, index = _pairs(rows)
        #: Each row's position in :attr:`keys`.
        self.index = index
        # Text is cleaned once per distinct pair, not once per row.
        pairs = pairs.with_columns(
            pl.col("_raw_cur").cast(pl.String).str.strip_chars().str.to_uppercase().alias("_cur"),
            _calendar_day(pl.col("_raw_day"), pairs.schema["_raw_day"]).alias("_day"),
        )
        keys = (
            pairs.lazy()
            .select("_cur", "_day")
            .unique()
            # A value already in the target currency needs no rate, so no date either.
            .filter(
                pl.col("_cur").is_not_null()
                & (pl.col("_day").is_not_null() | (pl.col("_cur") == target))
            )
            .sort("_cur", "_day")
            .collect(engine="in-memory")
        )
        found = _routes(table, keys, target, via)
        # Only as many steps as the routes taken use (often 1 or 2 of the 4 a route may have).
        used = found.select(pl.col(f"_rate{i}").is_not_null().any() for i in range(_SLOTS))
        self.slots = max((i + 1 for i, any_ in enumerate(used.row(0)) if any_), default=0)
        # |amount| must stay below 10**(21 - growth): digits(amount) + growth <= 21.
        limits = pl.Series(
            [str(10 ** (MAX_INTEGER_DIGITS - g)) for g in range(MAX_INTEGER_DIGITS + 1)]
        )
        steps = [
            pl.when(pl.col(f"_rate{i}").is_null())
            .then(0)
            .when(pl.col(f"_divide{i}").fill_null(False))
            .then(_DIVIDE)
            .otherwise(_MULTIPLY)
            .cast(pl.UInt8)
            .alias(f"_step{i}")
            for i in range(self.slots)
        ]
        found_steps = found.lazy().select(
            "_cur",
            "_day",
            *(f"_rate{i}" for i in range(self.slots)),
            *steps,
            "_path",
            "_source",
            "_rate_date",
            "_error",
            pl.col("_growth")
            .replace_strict(
                range(MAX_INTEGER_DIGITS + 1), limits.cast(pl.Decimal(38, 0)), default=None
            )
            .alias("_limit"),
        )
        error = (
            pl.when(pl.col("_cur").is_null())
            .then(pl.lit("no currency"))
            .when(pl.col("_day").is_null() & (pl.col("_cur") != target))
            .then(pl.lit("no date"))
            .otherwise(pl.col("_error"))
        )
        shape = pl.sum_horizontal(
            pl.lit(0, dtype=pl.Int32),
            *(pl.col(f"_step{i}").cast(pl.Int32) * 3**i for i in range(self.slots)),
        )
        #: One row per distinct pair of the frame (``_raw_cur``, ``_raw_day``), in the order
        #: :attr:`index` refers to: ``_error`` (null when a route was found), ``_routed``,
        #: ``_rate``, ``_rate_date``, ``_path``, ``_source``, ``_limit``, per step ``i`` the rate
        #: ``_rate{i}`` and what it does, ``_step{i}``, and the route's ``_shape``.
        self.keys = (
            pairs.lazy()
            .join(found_steps, on=["_cur", "_day"], how="left", nulls_equal=True,
                  maintain_order="left")
            .with_columns(error.alias("_error"))
            .with_columns(
                pl.col("_error").is_null().alias("_routed"), shape.fill_null(0).alias("_shape")
            )
            .collect(engine="in-memory")
        )  # fmt: skip
        one = pl.Series([1] * self.keys.height, dtype=pl.Int64).cast(pl.Decimal(38, 0))
        rate = self._steps(one, pl.Series(range(self.keys.height), dtype=pl.UInt32), RATE_SCALE)
        self.keys = self.keys.with_columns(pl.when(pl.col("_routed")).then(rate).alias("_rate"))

    def admits(self, amounts: pl.Series, index: pl.Series) -> pl.Series:
        """Whether each amount converts: its pair has a route, and the amount is within the
        size limit (see the module doc). A null amount converts, to null."""
        routed = self.keys["_routed"].gather(index)
        value = pl.col("v").cast(pl.Decimal(38, _scale(amounts.dtype)))
        rows = pl.DataFrame({"v": amounts})
        limits = self.keys.filter(pl.col("_routed"))["_limit"]
        # Usually the largest amount is far below every limit: one comparison, not one a row.
        # The largest |amount| from the extremes: a column of absolute values costs more.
        # copy_negate, not -: exact, where - rounds to the context's 28 digits.
        if not limits.null_count():
            high, low = rows.select(value.max().alias("high"), value.min().alias("low")).row(0)
            largest = None if high is None else max(high, low.copy_negate())
            if largest is None or not limits.len() or largest < limits.min():
                return routed
        limit = pl.col("limit")
        too_large = limit.is_null() | (value.abs() >= limit)
        rows = rows.with_columns(
            routed.alias("routed"), self.keys["_limit"].gather(index).alias("limit")
        )
        return rows.select(pl.col("routed") & ~too_large.fill_null(False)).to_series()

    def convert(self, amounts: pl.Series, index: pl.Series, admitted: pl.Series) -> pl.Series:
        """``amounts`` (Decimal or integer) converted at their rows' routes: a
        ``Decimal(38, places)`` series, null where not ``admitted`` (see :meth:`admits`)."""
        rows = pl.DataFrame({"v": amounts, "ok": admitted})
        value = pl.col("v").cast(pl.Decimal(38, min(_scale(amounts.dtype), RATE_SCALE)))
        start = rows.select(pl.when(pl.col("ok")).then(value)).to_series()
        return self._steps(start, index, self.places)

    def error(self, key: int) -> str:
        """Why an amount of pair ``key`` that :meth:`admits` refuses is not converted (the
        message :func:`convert_money` would raise)."""
        found = self.keys["_error"][key]
        return _TOO_LARGE if found is None else str(found)

    def _steps(self, amounts: pl.Series, index: pl.Series, places: int) -> pl.Series:
        """``amounts`` (Decimal, at most :data:`RATE_SCALE` places) through the steps of their
        rows' routes, then rounded to ``places``: each step multiplies or divides by its rate,
        rounding to :data:`RATE_SCALE` places (the rates' scale, which products and quotients
        take). The rows are taken by the shape of their route (which steps multiply, which
        divide), so each step is computed only on the rows that take it."""
        scale = pl.Decimal(38, places)
        result = amounts.cast(scale)
        shapes = self.keys["_shape"]
        found = shapes.gather(index)
        stated = amounts.is_not_null()
        # Filtering positions is much cheaper than arg_true.
        positions = pl.int_range(amounts.len(), dtype=pl.UInt32, eager=True)
        for shape in shapes.unique().to_list():
            steps = [(i, step) for i, step in enumerate(_shape_steps(shape, self.slots)) if step]
            taken = (found == shape) & stated
            if not (steps and taken.any()):
                continue
            part, at = amounts.filter(taken), index.filter(taken)
            for i, step in steps:
                rate = self.keys[f"_rate{i}"].gather(at)
                part = part * rate if step == _MULTIPLY else part / rate
            result = result.scatter(positions.filter(taken), part.cast(scale))
        return result


def _shape_steps(shape: int, slots: int) -> list[int]:
    """The step of each slot of a route shape (``sum(step_i * 3**i)``)."""
    return [shape // 3**i % 3 for i in range(slots)]


def _pairs(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """The distinct rows of ``rows`` and each row's position among them.

    Rows are told apart by a hash, much cheaper than a join on their columns, then checked
    against the distinct row they point at; a hash collision (two pairs, one hash) falls
    back to the join, so the result is exact either way.
    """
    combined = functools.reduce(
        operator.xor, (pl.col(c).hash(seed=i) for i, c in enumerate(rows.columns))
    )
    hashes = rows.select(combined).to_series()
    first = hashes.arg_unique()
    pairs = rows.gather(first)
    positions = pl.int_range(first.len(), dtype=pl.UInt32, eager=True)
    index = hashes.replace_strict(hashes.gather(first), positions)
    back = pairs.gather(index)
    if all(rows[c].eq_missing(back[c]).all() for c in rows.columns):
        return pairs, index
    pairs = rows.unique(maintain_order=True)
    on = list(rows.columns)
    keyed = pairs.with_row_index("_position")
    joined = rows.join(keyed, on=on, how="left", nulls_equal=True, maintain_order="left")
    return pairs, joined["_position"]


def _scale(dtype: pl.DataType) -> int:
    return dtype.scale if isinstance(dtype, pl.Decimal) else 0


def _check_columns(frame: object, amount: str | None, currency: str, date: str) -> None:
    if not isinstance(frame, pl.DataFrame):
        raise ValidationError("expected a polars DataFrame", value=type(frame).__name__)
    for name in (amount, currency, date):
        if name is not None and name not in frame.columns:
            raise ValidationError(f"no column {name!r}", field=name)
    if amount is not None:
        kind = frame.schema[amount]
        if not (kind.is_decimal() or kind.is_integer() or kind == pl.Null):
            raise ValidationError(
                f"amounts are Decimal or integers, not {kind}", field=amount, value=str(kind)
            )
    if frame.schema[currency] not in (pl.String, pl.Categorical, pl.Null):
        raise ValidationError(
            "currencies are text", field=currency, value=str(frame.schema[currency])
        )
    if frame.schema[date] not in (pl.Date, pl.Null) and not isinstance(
        frame.schema[date], pl.Datetime
    ):
        raise ValidationError("dates are a Date column", field=date, value=str(frame.schema[date]))


def _routes(table: RateTable, keys: pl.DataFrame, target: str, via: str | None) -> pl.DataFrame:
    """For each distinct ``(_cur, _day)``: the chosen route's rates, path and growth, or the
    error; the same choice as :meth:`RateTable.route`. It is one query (these are a few
    thousand rows, where each query costs more than its work), from the currencies' queries
    of :meth:`RateTable.route_query`."""
    rows = keys.lazy()
    parts = [_blank(rows.clear(), None)]
    pending = []
    for source in keys["_cur"].unique(maintain_order=True).to_list():
        group = rows.filter(pl.col("_cur") == source)
        if _shape(source) != source:  # the text is stripped and upper-cased already
            parts.append(_blank(group, NOT_A_CODE))
        elif source == target:
            parts.append(_blank(group, None, path=source))
        else:
            pending.append((source, group))
    # Every hop the routes may take is cut from the table in one pass; the pairs that choose
    # between the routes (each currency against the pivots) are read first, together.
    table._read((s, p) for s, _ in pending for p in PIVOTS if s != p)
    table.hop_layers(h for s, _ in pending for _, hs in table.plans(s, target, via) for h in hs)
    parts += [table.route_query(source, target, via)(group) for source, group in pending]
    return pl.concat(parts, how="vertical").collect(engine="in-memory")


def _route_query(
    table: RateTable, source: str, target: str, via: str | None
) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    """:meth:`RateTable.route_query`: one as-of join per hop of the routes and layer with
    rows for that hop (:func:`_lookup`), then the choice of a route (:func:`_choose`)."""
    plans = table.plans(source, target, via)
    hops = list(dict.fromkeys(h for _, hs in plans for h in hs))
    found = table.hop_layers(hops)
    joins, looked = _lookup([found[h] for h in hops])
    plan, route = _choose(table, source, target, via, plans, hops)

    def query(days: pl.LazyFrame) -> pl.LazyFrame:
        for rows, day in joins:
            days = days.join_asof(
                rows, left_on="_day", right_on=day, strategy="backward", check_sortedness=False
            )
        return days.select("_cur", "_day", *looked).with_columns(plan).select(route)

    return query


def _blank(group: pl.LazyFrame, error: str | None, path: str | None = None) -> pl.LazyFrame:
    """``group`` with the route columns and no rates: an error, or no conversion needed."""
    return group.select(
        "_cur",
        "_day",
        *(
            column
            for slot in range(_SLOTS)
            for column in (
                pl.lit(None, dtype=_RATE).alias(f"_rate{slot}"),
                pl.lit(None, dtype=pl.Boolean).alias(f"_divide{slot}"),
            )
        ),
        pl.lit(path, dtype=pl.String).alias("_path"),
        pl.lit(None, dtype=pl.String).alias("_source"),
        pl.lit(0 if path else None, dtype=pl.Int32).alias("_growth"),
        pl.lit(None, dtype=pl.Date).alias("_rate_date"),
        pl.lit(error, dtype=pl.String).alias("_error"),
    )


#: The columns :func:`_lookup` gives each hop, with their types (those of :func:`_directed`).
_FIELDS: dict[str, pl.DataType] = {
    "rate": _RATE,
    "divide": pl.Boolean(),
    "rate_date": pl.Date(),
    "period": pl.String(),
    "source": pl.String(),
    "label": pl.String(),
    "up": pl.Int32(),
}


def _lookup(
    hops: list[list[tuple[int, pl.DataFrame]]],
) -> tuple[list[tuple[pl.LazyFrame, str]], list[pl.Expr]]:
    """How to find, per hop ``i`` (its rows per layer, as :meth:`RateTable.hop_layers` gives
    them), the rate serving each ``_day``: the as-of joins (rows, date column) and the
    columns ``h{i}_rate, h{i}_divide, h{i}_rate_date, h{i}_period, h{i}_source, h{i}_label,
    h{i}_up``
    they give, null when no rate serves. Earlier layers (providers and periods) win."""
    joins = []
    found = []
    for i, layers in enumerate(hops):
        for layer, rows in layers:
            renamed = rows.lazy().select(
                pl.col(c).alias(f"h{i}_{c}_{layer}") for c in ("valid_until", *_FIELDS)
            )
            joins.append((renamed, f"h{i}_rate_date_{layer}"))
        # A layer's columns are all null or all set: each comes from the first that serves.
        serves = [(pl.col(f"h{i}_valid_until_{layer}") >= pl.col("_day")).fill_null(False)
                  for layer, _ in layers]  # fmt: skip
        found += [
            pl.coalesce(pl.when(ok).then(pl.col(f"h{i}_{f}_{layer}"))
                        for ok, (layer, _) in zip(serves, layers, strict=True)).alias(f"h{i}_{f}")
            if layers else pl.lit(None, dtype=_FIELDS[f]).alias(f"h{i}_{f}")
            for f in _FIELDS
        ]  # fmt: skip
    return joins, found


def _label() -> pl.Expr:
    """The path label of a rate row (of :func:`_directed`) as :attr:`RateStep.label` writes
    it."""
    period = pl.col("period")
    day = pl.col("rate_date")
    when = (
        pl.when(period == "fixed")
        .then(pl.lit("fixed"))
        .when(period == "day")
        .then(day.dt.strftime("%Y-%m-%d"))
        .when(period == "month")
        .then(pl.lit("month ") + day.dt.strftime("%Y-%m"))
        .otherwise(pl.lit("year ") + day.dt.strftime("%Y"))
    )
    return pl.format("{}, {}", pl.col("source"), when)


def _choose(
    table: RateTable,
    source: str,
    target: str,
    via: str | None,
    plans: list[tuple[str, tuple[tuple[str, str], ...]]],
    hops: list[tuple[str, str]],
) -> tuple[pl.Expr, list[pl.Expr]]:
    """How to choose the route of ``source`` from :func:`_lookup`'s columns: the column
    ``_plan`` (the first of ``plans`` whose hops all have a rate), then the columns of
    :func:`_routes`."""
    index = {h: i for i, h in enumerate(hops)}

    def has(hop: tuple[str, str]) -> pl.Expr:
        # A hop has a rate exactly when the reverse hop has one (same rows, other way).
        i = index[hop] if hop in index else index[(hop[1], hop[0])]
        return pl.col(f"h{i}_rate").is_not_null()

    def all_of(hop_list: Iterable[tuple[str, str]]) -> pl.Expr:
        return pl.all_horizontal(pl.lit(True), *(has(h) for h in hop_list))

    plan_ok = [all_of(hs) for _, hs in plans]
    chosen = pl.lit(None, dtype=pl.Int32)
    for k in reversed(range(len(plans))):
        chosen = pl.when(plan_ok[k]).then(pl.lit(k, dtype=pl.Int32)).otherwise(chosen)
    # Per slot, the chosen plan's hop: rate, direction, label, date, growth.
    columns: list[pl.Expr] = []
    growth: pl.Expr = pl.lit(0, dtype=pl.Int32)
    path: pl.Expr = pl.lit(None, dtype=pl.String)
    sources: pl.Expr = pl.lit(None, dtype=pl.String)
    dated: pl.Expr = pl.lit(None, dtype=pl.Date)
    fixed: pl.Expr = pl.lit(None, dtype=pl.Date)
    for slot in range(_SLOTS):
        rate = pl.lit(None, dtype=_RATE)
        divide = pl.lit(None, dtype=pl.Boolean)
        for k, (_, hs) in enumerate(plans):
            if slot < len(hs):
                h = index[hs[slot]]
                picked = pl.col("_plan") == k
                rate = pl.when(picked).then(pl.col(f"h{h}_rate")).otherwise(rate)
                divide = pl.when(picked).then(pl.col(f"h{h}_divide")).otherwise(divide)
        columns += [rate.alias(f"_rate{slot}"), divide.alias(f"_divide{slot}")]
    for k, (_, hs) in enumerate(plans):
        picked = pl.col("_plan") == k
        text = pl.concat_str(
            [
                pl.lit(source),
                *(
                    pl.format(" → {} ({})", pl.lit(b), pl.col(f"h{index[(a, b)]}_label"))
                    for a, b in hs
                ),
            ]
        )
        path = pl.when(picked).then(text).otherwise(path)
        # The providers, in order, each once: what Conversion.source gives.
        named = pl.concat_list([pl.col(f"h{index[h]}_source") for h in hs])
        named = named.list.unique(maintain_order=True).list.join("; ")
        sources = pl.when(picked).then(named).otherwise(sources)
        up = sum((pl.col(f"h{index[h]}_up") for h in hs), pl.lit(0, dtype=pl.Int32))
        growth = pl.when(picked).then(up).otherwise(growth)
        day_rows = [index[h] for h in hs]
        market = pl.max_horizontal(
            pl.lit(None, dtype=pl.Date),
            *(
                pl.when(pl.col(f"h{i}_period") != "fixed").then(pl.col(f"h{i}_rate_date"))
                for i in day_rows
            ),
        )
        pegged = pl.max_horizontal(
            pl.lit(None, dtype=pl.Date), *(pl.col(f"h{i}_rate_date") for i in day_rows)
        )
        dated = pl.when(picked).then(market).otherwise(dated)
        fixed = pl.when(picked).then(pegged).otherwise(fixed)
    # The error message, as RateTable.route words it.
    pivots = (via,) if via else PIVOTS
    side_ok = {}
    for currency in (source, target):
        side_ok[currency] = pl.any_horizontal(
            pl.lit(False),
            *(all_of(option) for p in pivots for option in table.legs(currency, p)),
        )
    names = " or ".join(pivots)
    day_text = pl.col("_day").dt.strftime("%Y-%m-%d")
    error = (
        pl.when(pl.col("_plan").is_not_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(~side_ok[source])
        .then(pl.format(f"no exchange rate for {source} against {names} on {{}}", day_text))
        .when(~side_ok[target])
        .then(pl.format(f"no exchange rate for {target} against {names} on {{}}", day_text))
        .otherwise(
            pl.format(
                f"no exchange rates for {source} and {target} through the same currency "
                f"({names}) on {{}}",
                day_text,
            )
        )
    )
    return chosen.alias("_plan"), [
        pl.col("_cur"),
        pl.col("_day"),
        *columns,
        path.alias("_path"),
        sources.alias("_source"),
        growth.cast(pl.Int32).alias("_growth"),
        pl.coalesce(dated, fixed).alias("_rate_date"),
        error.alias("_error"),
    ]
