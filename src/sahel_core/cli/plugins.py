"""``sahel plugins``: which plugins are loaded, what they add, and what failed."""

from __future__ import annotations

import typer

from sahel_core.cli.output import print_json, print_table

__all__ = ["register"]


def plugins(
    as_json: bool = typer.Option(False, "--json", help="Print plain JSON (a list of plugins)."),
) -> None:
    """List plugins: name, version, source, hooks, what each adds, load errors."""
    from sahel_core.plugins import get_manager

    infos = get_manager().plugins
    if as_json:
        print_json([info.as_dict() for info in infos])
        return
    rows = [
        (
            info.name,
            info.version or "",
            info.source,
            "\n".join(f"{k}: {', '.join(v)}" for k, v in info.provides.items()),
            "\n".join(info.errors) or "ok",
        )
        for info in infos
    ]
    print_table("sahel_core plugins", ("plugin", "version", "source", "adds", "status"), rows)


def register(app: typer.Typer) -> None:
    """Add ``plugins`` to ``app``."""
    app.command("plugins")(plugins)
