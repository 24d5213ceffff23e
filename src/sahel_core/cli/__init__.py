"""The ``sahel`` command: a thin shell over the library, one module per command.

Each command module has ``register(app)``; commands call public library functions and print
with rich on a terminal or plain JSON with ``--json``. Errors on bad data are one line on
stderr and exit status 1 (usage errors: 2); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from sahel_core import __version__
from sahel_core.errors import SahelError

__all__ = ["app", "main"]

#: Command modules under ``sahel_core.cli``, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "schema",
    "plugins",
    "parse",
    "read",
    "extract",
    "convert",
    "indicators",
    "reconcile",
    "demo",
)

app = typer.Typer(
    name="sahel",
    help="Read, normalize and analyse counter-trafficking programme data from the Sahel.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sahel_core {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    """Read, normalize and analyse counter-trafficking programme data from the Sahel."""


for _name in COMMANDS:
    importlib.import_module(f"sahel_core.cli.{_name}").register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="sahel")
    except SystemExit as exc:  # Typer reports usage errors and --help this way.
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SahelError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc}", err=True)
        return 1
    except OSError as exc:
        if debug:
            raise
        typer.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 1
    except Exception as exc:  # A bug: still one line, with the way to see more.
        if debug:
            raise
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
        return 70
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
