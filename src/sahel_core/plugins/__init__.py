"""The plugin manager: built-in and third-party plugins, registered the same way, isolated.

Third-party plugins come from the entry-point group ``sahel_core``; built-in plugins are the
modules named in :data:`BUILTIN_PLUGINS`. Both go through :meth:`Manager.register` and provide
everything through the hooks of :mod:`sahel_core.hookspecs`, with no private path. The
built-ins are named here rather than declared as entry points for two reasons: their order is
fixed (source-specific sniffers claim a file before the generic ones), and they load from a
source checkout whose package metadata is not installed.

A plugin that fails to import, raises in a hook, returns something that is not a spec, or
reuses a name another plugin already took is skipped and reported (a
:class:`~sahel_core.errors.PluginWarning` and an entry in :attr:`PluginInfo.errors`); every
other plugin keeps working.

Nothing is loaded at import: :func:`get_manager` builds the manager on first use.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable
from functools import cache, cached_property
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import pluggy
from attrs import define, field

from sahel_core import hookspecs
from sahel_core.errors import FormatError, PluginError, PluginWarning, ReferenceNotFound
from sahel_core.specs import ExtractionRule, FormatSpec, IndicatorSpec, RateProviderSpec

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "Manager",
    "PluginInfo",
    "get_manager",
    "load_manager",
]

ENTRY_POINT_GROUP = "sahel_core"

#: The built-in plugins, registered exactly like third-party ones.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "sahel_core.plugins.reference_builtin",
    # Source-specific readers first: their sniffers must claim a file before the generic ones.
    "sahel_core.plugins.unodc",
    "sahel_core.plugins.iati",
    "sahel_core.plugins.acled",
    "sahel_core.plugins.hxl",
    "sahel_core.plugins.text",
    "sahel_core.plugins.json_format",
    "sahel_core.plugins.parquet_format",
    "sahel_core.plugins.xlsx_format",
    "sahel_core.plugins.csv_format",
    "sahel_core.plugins.indicators_builtin",
    "sahel_core.plugins.rates_builtin",
)

T = TypeVar("T")

#: What a plugin may add, in the order ``sahel plugins`` lists it.
_KINDS = ("format", "extraction rule", "indicator", "rate provider", "reference data")


@define
class PluginInfo:
    """What the manager knows of one plugin: where it came from, what it adds, what failed."""

    name: str
    source: str
    version: str | None = None
    hooks: tuple[str, ...] = ()
    provides: dict[str, list[str]] = field(factory=dict)
    errors: list[str] = field(factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``sahel plugins --json``."""
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "hooks": list(self.hooks),
            "provides": {kind: list(names) for kind, names in self.provides.items()},
            "errors": list(self.errors),
        }


class Manager:
    """Registered plugins and the formats, indicators, rate providers and reference data they add.

    Build one with :func:`load_manager` (tests, custom sets of plugins) or get the process-wide
    one with :func:`get_manager`. Hooks are called lazily, once, on first access.
    """

    def __init__(self) -> None:
        self.pluggy = pluggy.PluginManager(hookspecs.PROJECT)
        self.pluggy.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}

    # -- registration ---------------------------------------------------------------------

    def register(
        self, plugin: object, name: str, *, source: str, version: str | None = None
    ) -> None:
        """Register ``plugin`` (a module or object with hook implementations) as ``name``."""
        info = self._info(name, source, version)
        try:
            self.pluggy.register(plugin, name=name)
        except Exception as exc:  # A broken plugin must not stop the host.
            self._fail(info, f"cannot register: {exc}")
            return
        info.hooks = tuple(sorted(h.name for h in self.pluggy.get_hookcallers(plugin) or ()))

    def _info(self, name: str, source: str, version: str | None = None) -> PluginInfo:
        return self._infos.setdefault(name, PluginInfo(name=name, source=source, version=version))

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        warnings.warn(
            f"sahel_core plugin {info.name!r} ({info.source}): {message}",
            PluginWarning,
            stacklevel=3,
        )

    # -- what plugins provide --------------------------------------------------------------

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin seen, including those that failed to load, with what each provides
        (in the order of :data:`_KINDS`, whatever was asked of the manager first)."""
        self.formats, self.indicators, self.rate_providers, self.reference_data  # noqa: B018
        self.extraction_rules  # noqa: B018
        for info in self._infos.values():
            info.provides = {k: info.provides[k] for k in _KINDS if k in info.provides}
        return list(self._infos.values())

    def _collect(
        self, hook: str, kind: type[T], label: str, key: Callable[[T], str]
    ) -> dict[str, T]:
        found: dict[str, T] = {}
        owners: dict[str, str] = {}
        # Registration order: built-ins first, so they keep their names against newcomers.
        for impl in getattr(self.pluggy.hook, hook).get_hookimpls():
            info = self._infos[impl.plugin_name]
            try:
                items = list(impl.function() or ())
            except Exception as exc:  # Isolation: report, skip this plugin's contribution.
                self._fail(info, f"{hook} raised {type(exc).__name__}: {exc}")
                continue
            for item in items:
                if not isinstance(item, kind):
                    self._fail(info, f"{hook} returned {item!r}, not a {kind.__name__}")
                    continue
                name = key(item)
                if name in found:
                    self._fail(
                        info,
                        f"{label} {name!r} is already provided by plugin {owners[name]!r}; "
                        f"ignored from {info.name!r}",
                    )
                    continue
                found[name], owners[name] = item, info.name
                info.provides.setdefault(label, []).append(name)
        return found

    @cached_property
    def formats(self) -> dict[str, FormatSpec]:
        """File formats by name."""
        return self._collect("sahel_register_formats", FormatSpec, "format", lambda s: s.name)

    @cached_property
    def indicators(self) -> dict[str, IndicatorSpec]:
        """Indicators by name."""
        return self._collect(
            "sahel_register_indicators", IndicatorSpec, "indicator", lambda s: s.name
        )

    @cached_property
    def rate_providers(self) -> dict[str, RateProviderSpec]:
        """Exchange-rate providers by name."""
        return self._collect(
            "sahel_register_rate_providers", RateProviderSpec, "rate provider", lambda s: s.name
        )

    @cached_property
    def reference_data(self) -> dict[str, Any]:
        """Reference-data contributions (:class:`~sahel_core.reference.ReferenceData`) by name."""
        from sahel_core.reference import ReferenceData

        return self._collect(
            "sahel_register_reference_data", ReferenceData, "reference data", lambda s: s.name
        )

    @cached_property
    def extraction_rules(self) -> dict[str, ExtractionRule]:
        """Rules that read records from prose (:mod:`sahel_core.extract`) by name."""
        return self._collect(
            "sahel_register_extraction_rules", ExtractionRule, "extraction rule", lambda s: s.name
        )

    # -- lookups ---------------------------------------------------------------------------

    def format(self, name: str) -> FormatSpec:
        """The format called ``name``; :class:`ReferenceNotFound` lists the known ones."""
        return _named(self.formats, name, "format")

    def indicator(self, name: str) -> IndicatorSpec:
        """The indicator called ``name``; :class:`ReferenceNotFound` lists the known ones."""
        return _named(self.indicators, name, "indicator")

    def detect_format(
        self, path: Path, *, for_reading: bool = True, sniff: bool = True
    ) -> FormatSpec:
        """The format of ``path``: content sniffing first (unless not ``sniff``), then
        extension.

        Sniffers see the first 64 KiB; a format that claims the content wins over one that only
        matches the extension, so an HXL sheet saved as ``.csv`` is read as HXL. Formats of
        installed plugins are asked before the built-ins: a user installs a plugin to have
        their files read by it.
        """
        formats = self.formats  # Collected first: it fills each plugin's ``provides``.
        builtin = {
            name
            for info in self._infos.values()
            if info.source == "built-in"
            for name in info.provides.get("format", ())
        }
        usable = sorted(
            (f for f in formats.values() if (f.read if for_reading else f.write)),
            key=lambda f: f.name in builtin,
        )
        suffix = "".join(path.suffixes[-1:]).lower()
        if for_reading and sniff and path.is_file():
            try:
                with path.open("rb") as file:
                    head = file.read(65536)
            except OSError as exc:  # unreadable (permissions, a device): no format can read it
                raise FormatError(
                    f"cannot read the file: {exc.strerror or exc}", source=str(path)
                ) from None
            for spec in usable:
                if spec.sniff is not None and _safe_sniff(spec, head, path.name):
                    return spec
        for spec in usable:
            if suffix in spec.extensions:
                return spec
        raise PluginError(
            "cannot tell the format; pass --format NAME", source=str(path), field="format"
        )


def _named(specs: dict[str, T], name: str, kind: str) -> T:
    try:
        return specs[name]
    except KeyError:
        known = ", ".join(sorted(specs))
        raise ReferenceNotFound(
            f"no {kind} {name!r}; known: {known}", field=kind, value=name
        ) from None


def _safe_sniff(spec: FormatSpec, head: bytes, name: str) -> bool:
    assert spec.sniff is not None
    try:
        return bool(spec.sniff(head, name))
    except Exception:  # A sniffer that crashes simply does not claim the file.
        return False


def _entry_points() -> Iterable[metadata.EntryPoint]:
    return metadata.entry_points(group=ENTRY_POINT_GROUP)


def load_manager(
    *,
    builtins: bool = True,
    entry_points: bool = True,
    plugins: Iterable[tuple[str, object]] = (),
) -> Manager:
    """A new manager with the built-ins, the installed entry points and ``plugins`` (name, obj).

    Tests use it to build managers with exactly the plugins they need.
    """
    manager = Manager()
    if builtins:
        for module_name in BUILTIN_PLUGINS:
            short = module_name.rsplit(".", 1)[-1]
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:
                manager._fail(manager._info(short, "built-in"), f"import failed: {exc}")
                continue
            manager.register(module, short, source="built-in")
    if entry_points:
        for ep in _entry_points():
            source = f"entry point {ep.name} = {ep.value}"
            version = ep.dist.version if ep.dist is not None else None
            try:
                plugin = ep.load()
            except Exception as exc:
                info = manager._info(ep.name, source, version)
                manager._fail(info, f"import failed: {type(exc).__name__}: {exc}")
                continue
            manager.register(plugin, ep.name, source=source, version=version)
    for name, plugin in plugins:
        manager.register(plugin, name, source="registered in code")
    return manager


@cache
def get_manager() -> Manager:
    """The process-wide manager: built-ins plus installed entry points, built on first call."""
    return load_manager()
