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
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block, unless it is off already.

    A block that finds it off (the caller's choice, or another thread's block) leaves it off:
    whoever turned it off turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
