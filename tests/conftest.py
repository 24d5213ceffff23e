"""Shared fixtures: the real public files in ../shared/data, when present."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

settings.register_profile(
    "sahel", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
settings.load_profile("sahel")


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; the test is skipped when the folder is not beside the clone."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data not present: real public files are not beside this clone")
    return path


@pytest.fixture
def seeds() -> Path:
    """``../shared/seeds``; the test is skipped when the folder is not beside the clone."""
    path = SHARED / "seeds"
    if not path.is_dir():
        pytest.skip("../shared/seeds not present: the programme pages are not beside this clone")
    return path


@pytest.fixture(autouse=True)
def _collector_left_on() -> Iterator[None]:
    """sahel_core pauses the cyclic collector while it builds many objects; no test (and no
    code under test) may leave it off for the tests after it."""
    yield
    assert gc.isenabled(), "the cyclic garbage collector was left disabled"
