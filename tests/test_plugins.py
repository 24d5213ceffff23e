"""The plugin manager: built-ins like third parties, isolation, duplicates, entry points."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from plugin_fixtures import (
    Crashing,
    Duplicate,
    Good,
    Malformed,
    WrongSignature,
    install_entry_point,
)
from sahel_core import hookspecs
from sahel_core.errors import PluginError, PluginWarning, ReferenceNotFound
from sahel_core.plugins import BUILTIN_PLUGINS, Manager, load_manager

HOOKS = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("sahel_register_")
]


def test_a_good_plugin_adds_its_format() -> None:
    manager = load_manager(builtins=False, entry_points=False, plugins=[("good", Good())])
    assert manager.format("good").extensions == (".good",)
    info = {p.name: p for p in manager.plugins}["good"]
    assert info.provides == {"format": ["good"]}
    assert info.errors == []
    assert info.hooks == ("sahel_register_formats",)


def _collected(plugin: object) -> Manager:
    manager = load_manager(
        builtins=False, entry_points=False, plugins=[("good", Good()), ("bad", plugin)]
    )
    manager.formats  # noqa: B018 - the hook runs here
    return manager


def _collected(plugin: object) -> Manager:
    manager = load_manager(
        builtins=False, entry_points=False, plugins=[("good", Good()), ("bad", plugin)]
    )
    manager.formats  # noqa: B018 - the hook runs here
    return manager


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (Crashing(), "raised RuntimeError: boom"),
        (Malformed(), "not a FormatSpec"),
        (Duplicate(), "already provided by plugin 'good'"),
        (WrongSignature(), "cannot register"),
    ],
)
def test_a_bad_plugin_is_reported_and_skipped(plugin: object, message: str) -> None:
    with pytest.warns(PluginWarning, match="bad"):
        manager = _collected(plugin)
    formats = manager.formats
    assert list(formats) == ["good"]
    bad = {p.name: p for p in manager.plugins}["bad"]
    assert any(message in error for error in bad.errors), bad.errors


def test_unknown_names_list_the_known_ones() -> None:
    manager = load_manager(builtins=False, entry_points=False, plugins=[("good", Good())])
    with pytest.raises(ReferenceNotFound, match="known: good"):
        manager.format("nope")


def test_detection_prefers_content_over_extension(tmp_path: Path) -> None:
    manager = load_manager(builtins=False, entry_points=False, plugins=[("good", Good())])
    sniffed = tmp_path / "data.txt"
    sniffed.write_bytes(b"GOOD data")
    assert manager.detect_format(sniffed).name == "good"
    unknown = tmp_path / "data.bin"
    unknown.write_bytes(b"\x00")
    with pytest.raises(PluginError, match="--format"):
        manager.detect_format(unknown)


def test_entry_points_load_and_a_broken_one_is_isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(tmp_path, "broken_plugin", "no_such_module_for_sahel:plugin")
    install_entry_point(tmp_path, "good_plugin", "plugin_fixtures:good")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(PluginWarning, match="broken_plugin"):
        manager = load_manager(builtins=False)
    infos = {p.name: p for p in manager.plugins}
    assert "import failed" in infos["broken_plugin"].errors[0]
    assert infos["broken_plugin"].source.startswith("entry point broken_plugin")
    assert infos["good_plugin"].version == "0.1"
    assert infos["good_plugin"].errors == []
    assert manager.format("good").description == "a test format"


def test_every_builtin_is_a_module_registered_like_a_third_party() -> None:
    manager = load_manager(entry_points=False)
    infos = {p.name: p for p in manager.plugins}
    for module in BUILTIN_PLUGINS:
        info = infos[module.rsplit(".", 1)[-1]]
        assert info.source == "built-in" and info.errors == [], info


def test_every_hookspec_is_documented_and_implemented_by_a_builtin() -> None:
    manager = load_manager(entry_points=False)
    implemented = {hook for p in manager.plugins for hook in p.hooks}
    for name in HOOKS:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), f"{name} has no docstring"
        assert name in implemented, f"no built-in plugin implements {name}"


def test_sahel_plugins_lists_a_broken_entry_point(tmp_path: Path) -> None:
    install_entry_point(tmp_path, "broken_plugin", "no_such_module_for_sahel:plugin")
    env = {"PYTHONPATH": str(tmp_path), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "sahel_core", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    plugins = {p["name"]: p for p in json.loads(out.stdout)}
    assert plugins["broken_plugin"]["errors"]


def test_an_installed_plugin_sniffs_before_the_builtins(tmp_path: Path) -> None:
    # Fresh manager, first call: the built-in CSV format would claim this .csv file too.
    path = tmp_path / "register.csv"
    path.write_bytes(b"GOOD,register\n1,2\n")
    manager = load_manager(entry_points=False, plugins=[("good", Good())])
    assert manager.detect_format(path).name == "good"


def test_what_a_plugin_adds_is_listed_in_one_order_whatever_was_asked_first() -> None:
    """`sahel plugins` must print the same table in a process that computed an indicator before
    (the kinds were listed in the order the manager was first asked for them)."""
    orders = []
    for first in ("indicators", "formats"):
        manager = load_manager(builtins=False)  # the example plugin adds a format, an indicator
        getattr(manager, first)
        [info] = [info for info in manager.plugins if info.name == "markdown"]
        orders.append(list(info.provides))
    assert orders == [["format", "indicator"]] * 2
