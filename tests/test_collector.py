"""The cyclic collector pause used by extraction and materialization."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from sahel_core.collector import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    # Leave the collector as the test run had it: a test here turns it off.
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_back_on_after(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the inner block leaves it to the outer
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error(collector_on: None) -> None:
    with pytest.raises(ValueError, match="boom"), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_left_off_when_the_caller_turned_it_off(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_promoted_objects_skip_the_young_generations(collector_on: None) -> None:
    with collector_paused(promote=True):
        made = [[i] for i in range(2000)]  # tracked objects that survive the block
    assert gc.isenabled()
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(m) in oldest for m in made)
    assert gc.get_freeze_count() == 0


def test_nothing_frozen_by_someone_else_is_thawed(collector_on: None) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused(promote=True):
            [[i] for i in range(10)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
