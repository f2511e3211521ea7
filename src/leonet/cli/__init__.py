"""`leonet` command line: one typer app; each area registers its own commands from its own module.

Modules: ``engine`` (routes, plot, constellation), ``access`` (serve, db, decide, audit),
``sim`` (run, demo, terminals), ``dish`` (dish serve). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="leonet",
    help="leonet: a digital twin of a LEO satellite internet system and its service-authorization control plane.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)



@app.command()
def version() -> None:
    """Print leonet's version."""
    from leonet import __version__

    typer.echo(__version__)


_AREAS = ("engine", "access", "sim", "dish", "analysis")

for _name in _AREAS:
    _module = importlib.import_module(f"leonet.cli.{_name}")
    _module.register(app)


def main() -> None:
    app()
