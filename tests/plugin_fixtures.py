"""Plugins for the manager's tests: a good one, and each way a plugin can misbehave."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sahel_core.hookspecs import hookimpl
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult


def _read(path: Path, options: ReadOptions) -> ReadResult:
    return ReadResult(format="good", source=str(path), tables={}, read=0)


class Good:
    @hookimpl
    def sahel_register_formats(self) -> Iterable[FormatSpec]:
        return [
            FormatSpec(
                name="good",
                description="a test format",
                extensions=(".good",),
                read=_read,
                sniff=lambda head, name: head.startswith(b"GOOD"),
            )
        ]


class Crashing:
    @hookimpl
    def sahel_register_formats(self) -> Iterable[FormatSpec]:
        raise RuntimeError("boom")


class Malformed:
    @hookimpl
    def sahel_register_formats(self) -> Iterable[Any]:
        return ["not a spec"]


class Duplicate:
    @hookimpl
    def sahel_register_formats(self) -> Iterable[FormatSpec]:
        return [FormatSpec(name="good", description="the same name again")]


class WrongSignature:
    @hookimpl
    def sahel_register_formats(self, unexpected: int) -> Iterable[FormatSpec]:
        return []


def install_entry_point(directory: Path, name: str, target: str) -> None:
    """Make an installed-looking distribution with one ``sahel_core`` entry point."""
    info = directory / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[sahel_core]\n{name} = {target}\n")


#: An instance, as an entry point would name it (``plugin_fixtures:good``).
good = Good()
