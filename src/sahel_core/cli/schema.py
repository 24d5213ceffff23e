"""``sahel schema ENTITY``: the JSON Schema or the table columns of an entity."""

from __future__ import annotations

import typer

from sahel_core.cli.output import print_json, print_table

__all__ = ["register"]


def _entity(name: str) -> str:
    """An entity name typed on the command line: an unknown one is a usage error (exit 2), as
    for ``read --entity``, not bad data."""
    from sahel_core.errors import ReferenceNotFound
    from sahel_core.tables import entity_type

    try:
        entity_type(name)
    except ReferenceNotFound as exc:
        raise typer.BadParameter(exc.message) from None
    return name


def schema(
    entity: str = typer.Argument(
        ...,
        metavar="ENTITY",
        callback=_entity,
        help="seizure, operation, workshop, donor, agency, country",
    ),
    table: bool = typer.Option(False, "--table", help="Show the canonical table's columns."),
    as_json: bool = typer.Option(False, "--json", help="With --table: print columns as JSON."),
) -> None:
    """Print the JSON Schema of ENTITY, or with --table its canonical table columns."""
    if table:
        from sahel_core.tables import schema as table_schema

        columns = table_schema(entity)
        if as_json:
            print_json({name: str(dtype) for name, dtype in columns.items()})
        else:
            print_table(f"{entity} table", ("column", "type"), columns.items())
        return
    from sahel_core.schema import json_schema

    print_json(json_schema(entity))


def register(app: typer.Typer) -> None:
    """Add ``schema`` to ``app``."""
    app.command("schema")(schema)
