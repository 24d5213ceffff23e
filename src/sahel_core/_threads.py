"""Calls run a few at a time in threads, as one after another would give them.

Used where work keeps about one core busy and another piece can use the other: normalizing
batches of a large table, computing several indicators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["in_threads"]

_T = TypeVar("_T")


def in_threads(calls: Sequence[Callable[[], _T]], at_once: int = 2) -> list[_T]:
    """The result of each call of ``calls``, ``at_once`` running at a time in threads, each in
    a copy of the caller's context (its decimal context too). The results, and the error
    raised if several fail, are those of the calls in the order given, as one after another;
    on an error or Ctrl-C the calls not started are dropped, not run. A single call runs in
    the caller's thread."""
    if len(calls) == 1:
        return [calls[0]()]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(at_once)
    try:
        futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(cancel_futures=True)
