"""The public API is small, documented, complete, and cheap to import."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import sahel_core

HEAVY = ("pint", "polars", "pandas", "cattrs", "pycountry", "babel", "pluggy")


def test_every_public_name_resolves_and_is_documented() -> None:
    for name in sahel_core.__all__:
        obj = getattr(sahel_core, name)
        assert (inspect.getdoc(obj) or "").strip(), f"sahel_core.{name} has no docstring"


def test_nothing_public_is_missing_from_all() -> None:
    # Public: anything sahel_core defines and exposes at top level, other than submodules.
    exposed = {
        name
        for name in [*vars(sahel_core), *sahel_core._LAZY]
        if not name.startswith("_")
        and not inspect.ismodule(obj := getattr(sahel_core, name))
        and getattr(obj, "__module__", "").startswith("sahel_core")
    }
    assert exposed - set(sahel_core.__all__) == set()
    assert sahel_core.__all__ == sorted(sahel_core.__all__)
    assert dir(sahel_core) == sorted([*sahel_core.__all__, "__version__"])


def test_import_is_light() -> None:
    code = "import sys, json, sahel_core; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_entities_load_without_heavy_libraries() -> None:
    code = (
        "import sys, json; from sahel_core import Seizure, Amount, Place;"
        "Seizure(id='a', drug='cocaine', quantity=Amount('1', 'kg'));"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not loaded & {"polars", "pandas", "cattrs"}
