"""Read any supported file into canonical tables, and write canonical tables to any format.

The format is chosen by name (``format="csv"``), else by content (each format's sniffer sees the
first 64 KiB), else by the file extension, among the formats the plugins register. A reader
that finds the file is not of its format after all (:class:`~sahel_core.errors.NotThisFormat`:
its sniffer guessed) has it read by its extension's format, with a first note saying why; the
first error is raised if that fails too. A plugin
that crashes on a file is reported as a :class:`~sahel_core.errors.FormatError` naming the file
and the plugin; errors on bad data (:class:`~sahel_core.errors.SahelError`) pass through as
they are.

:func:`read_stream` reads a stream (standard input: ``sahel read -``) the same way, kept in a
temporary file first: a pipe is read once, and the formats look at a file twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sahel_core.errors import FormatError, NotThisFormat, PluginError, SahelError
from sahel_core.specs import FormatSpec, ReadOptions, ReadResult, WriteOptions

if TYPE_CHECKING:
    import polars as pl

    from sahel_core.plugins import Manager

__all__ = ["read", "read_stream", "write"]


def _manager(manager: Manager | None) -> Manager:
    """``manager``, else the process-wide one (loaded on first use); shared with
    :mod:`sahel_core.indicators`."""
    if manager is not None:
        return manager
    from sahel_core.plugins import get_manager

    return get_manager()


def _panic() -> type[BaseException]:
    # Rust panics inside polars surface as BaseException, past ``except Exception``.
    import polars as pl

    return pl.exceptions.PanicException


def read(
    path: str | Path,
    *,
    format: str | None = None,
    options: ReadOptions | None = None,
    manager: Manager | None = None,
) -> ReadResult:
    """Read ``path`` into canonical tables with exact accounting of its records.

    ``options`` carries the entity, a column mapping (``{"pays": "country"}``), the locale of
    numbers and the encoding. Raises :class:`~sahel_core.errors.FormatError` when no format
    can read the file, :class:`~sahel_core.errors.SahelError` subclasses on bad data; rows that
    are merely bad become ``rejections`` in the result.
    """
    path = Path(path)
    options = options or ReadOptions()
    if not path.is_file():
        # A pipe or a device exists but is read once, and the formats look at a file twice
        # (its head to know it, then the whole).
        if path.is_dir():
            reason = "a directory, not a file"
        elif path.exists():
            reason = "not a regular file (a pipe or a device): save it to a file first"
        else:
            reason = "no such file"
        raise FormatError(reason, source=str(path))
    plugins = _manager(manager)
    spec = plugins.format(format) if format else plugins.detect_format(path)
    if spec.read is None:
        raise FormatError(f"format {spec.name!r} cannot read files", source=str(path))
    try:
        return _read_as(spec, path, options)
    except NotThisFormat as exc:
        # A sniffer guessed: the UNODC one claims any workbook named "*seizure*", its text
        # being out of sight in the zip. The file's extension then says which format to try;
        # if that fails too, the first error is the one to tell.
        fallback = None if format else _by_extension(plugins, path)
        if fallback is None or fallback.name == spec.name:
            raise
        try:
            result = _read_as(fallback, path, options)
        except SahelError:
            raise exc from None
        result.notes.insert(0, f"not {spec.name} ({exc.message}): read as {fallback.name}")
        return result


def read_stream(
    stream: BinaryIO,
    *,
    name: str = "stdin",
    format: str | None = None,
    options: ReadOptions | None = None,
    manager: Manager | None = None,
) -> ReadResult:
    """Read the bytes of ``stream`` (standard input) as :func:`read` reads a file.

    ``name`` stands for the file: the result's source, the file its rows cite and the errors'
    source. Without ``format`` the format is told by the content alone, there being no file
    extension. The bytes are kept in a temporary file, removed once read: the formats look
    at a file twice (its head to know it, then the whole), and a pipe is read once.
    """
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sahel-") as folder:
        path = Path(folder, Path(name).name)
        try:
            with path.open("wb") as file:
                shutil.copyfileobj(stream, file)
        except OSError as exc:
            raise FormatError(f"cannot read it: {exc.strerror or exc}", source=name) from None
        if not path.stat().st_size:
            raise FormatError("empty: nothing was piped in", source=name)
        try:
            result = read(path, format=format, options=options, manager=manager)
        except SahelError as exc:
            if exc.source == str(path):  # the temporary file means nothing to the user
                exc.source = name
            raise
    result.source = name
    return result


def _read_as(spec: FormatSpec, path: Path, options: ReadOptions) -> ReadResult:
    assert spec.read is not None
    try:
        result = spec.read(path, options)
    except SahelError as exc:
        raise exc.located(source=str(path)) from None
    except (Exception, _panic()) as exc:
        raise _crash(spec, path, "reading", exc) from exc
    if not isinstance(result, ReadResult):
        raise PluginError(
            f"format {spec.name!r} returned {type(result).__name__}, not a ReadResult",
            source=str(path),
        )
    return result


def _by_extension(plugins: Manager, path: Path) -> FormatSpec | None:
    """The reading format registered for ``path``'s extension, if any."""
    try:
        found = plugins.detect_format(path, sniff=False)
    except SahelError:
        return None
    return found if found.read is not None else None


def write(
    table: pl.DataFrame,
    path: str | Path,
    entity: str | type,
    *,
    format: str | None = None,
    options: WriteOptions | None = None,
    manager: Manager | None = None,
) -> None:
    """Write the canonical ``table`` of ``entity`` to ``path``.

    The format is ``format`` or the one registered for the extension. The table must have the
    entity's canonical columns (extra columns are left out); they are written in canonical
    order and types. A table that is no entity's (a reader's extra table, such as IATI
    ``transaction``) is written as it is.
    """
    from sahel_core.entities import ENTITY_TYPES
    from sahel_core.errors import StructureError
    from sahel_core.tables import entity_type, schema

    path = Path(path)
    plugins = _manager(manager)
    spec = plugins.format(format) if format else plugins.detect_format(path, for_reading=False)
    if spec.write is None:
        raise FormatError(f"format {spec.name!r} cannot write files", source=str(path))
    if isinstance(entity, str) and entity.lower() not in ENTITY_TYPES:
        name, canonical = entity.lower(), table
    else:
        name = entity_type(entity).__name__.lower()
        columns = schema(name)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise StructureError(
                f"not a canonical {name} table",
                [(f"$.{c}", "missing column", None) for c in missing],
            )
        canonical = table.select([table[c].cast(t) for c, t in columns.items()])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a folder should be, a read-only disk
        reason = exc.strerror or str(exc)
        message = f"cannot make the folder {path.parent}: {reason}"
        raise FormatError(message, source=str(path)) from None
    try:
        spec.write(canonical, path, name, options or WriteOptions())
    except SahelError as exc:
        raise exc.located(source=str(path)) from None
    except (Exception, _panic()) as exc:
        raise _crash(spec, path, "writing", exc) from exc


def _crash(spec: FormatSpec, path: Path, doing: str, exc: BaseException) -> FormatError:
    return FormatError(
        f"format {spec.name!r} failed {doing} the file: {type(exc).__name__}: {exc}",
        source=str(path),
    )
