"""The cyclic garbage collector paused while sahel_core builds many objects that all survive.

Extraction passes and entity materialization allocate tens or hundreds of thousands of small
acyclic objects (words, mentions, records) that stay alive until the work ends. Every few
hundred allocations set off a collection that walks them all again and finds no cycle: a tenth
of the time on long inputs. They are freed by reference counting whatever the collector does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused(*, promote: bool = False) -> Iterator[None]:
    """Pause the cyclic collector for the block, unless it is off already.

    A block that finds it off (the caller's choice, or another thread's block) leaves it off:
    whoever turned it off turns it back on.

    ``promote`` moves every object the collector tracks into its oldest generation at the
    end of the block, for blocks whose objects are the caller's result (materialized
    records). Otherwise the first collection after the block walks all of them, and a later
    one again, to find what their owner already knows: they are alive; a promoted object is
    walked only by the rare full collections. The price: a garbage cycle that was young at
    that moment also waits for a full collection. It is done with :func:`gc.freeze` and
    :func:`gc.unfreeze` (two list splices), so not when something else has frozen objects:
    unfreezing would thaw those too.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if promote and not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()
