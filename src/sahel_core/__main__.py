"""``python -m sahel_core`` runs the ``sahel`` command."""

from sahel_core.cli import run

run()
