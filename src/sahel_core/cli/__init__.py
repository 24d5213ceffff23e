"""The ``sahel`` command: a thin shell over the library, one module per command.

Each command module has ``register(app)``; commands call public library functions and print
with rich on a terminal or plain JSON with ``--json``. Every error is one line on stderr,
``error: ...``: exit status 1 on bad data, 2 on a usage error; ``--debug`` shows the traceback
of a data error instead.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import typer

from sahel_core import __version__
from sahel_core.cli.output import print_error, use_any_encoding
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
for _command in app.registered_commands:
    # The list of commands shows each docstring's first paragraph with its line breaks, which
    # fall mid-sentence there: one line, wrapped to the terminal.
    if _command.short_help is None and _command.callback and _command.callback.__doc__:
        _command.short_help = " ".join(_command.callback.__doc__.split("\n\n")[0].split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    # --debug is the root command's option, asked for anywhere before "--" (after it, a
    # "--debug" is an argument: a file or a TEXT of that name).
    options = args[: args.index("--")] if "--" in args else args
    debug = "--debug" in options
    if debug:
        args = ["--debug", *(a for a in options if a != "--debug"), *args[len(options) :]]
    use_any_encoding()
    try:
        # Not standalone: typer's own error printing is a multi-line box; its errors come back
        # here to be printed as one line. --help, --version and typer.Exit return their status.
        status = app(args=args, prog_name="sahel", standalone_mode=False)
    except typer.TyperException as exc:  # Usage errors (exit status 2) and file errors.
        # `sahel` alone: the help is the answer; typer's rich help is printed as the error is
        # made (the class is not public: typer itself tests the name).
        if type(exc).__name__ == "NoArgsIsHelpError":
            if help_text := exc.format_message():
                typer.echo(help_text, err=True)
            return exc.exit_code
        print_error(exc.format_message())
        return exc.exit_code
    except typer.Abort:  # EOF at a prompt.
        print_error("aborted")
        return 1
    except SystemExit as exc:  # A broken pipe, or a command that calls sys.exit.
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SahelError as exc:
        if debug:
            raise
        print_error(str(exc))
        return 1
    except OSError as exc:
        if debug:
            raise
        print_error(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 1
    except Exception as exc:  # A bug: still one line, with the way to see more.
        if debug:
            raise
        print_error(f"{type(exc).__name__}: {exc} (rerun with --debug)", prefix="internal error")
        return 70
    if status == INTERRUPTED:  # typer's answer to Ctrl-C, which it otherwise leaves unsaid
        print_error("interrupted")
    return status if isinstance(status, int) else 0


#: The exit status after Ctrl-C (128 + SIGINT), as a shell gives it.
INTERRUPTED = 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
