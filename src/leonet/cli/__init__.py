"""`leonet` command line: one typer app; each area registers its own commands from its own module.

Modules: ``engine`` (routes, plot, constellation), ``access`` (serve, db, decide, audit),
``sim`` (run, demo, terminals), ``dish`` (dish serve). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import importlib
import re

import typer
from typer.core import TyperOption

app = typer.Typer(
    name="leonet",
    help="leonet: a digital twin of a LEO satellite internet system and its service-authorization control plane.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _flag_has_no_value(self, ctx):  # noqa: ANN001, ANN202 - signature of TyperOption.display_type_rich
    """A switch (``--dask``) takes no value: show no ``<bool>`` after it in ``--help``."""
    if self.is_flag and not self.count and self.metavar is None:
        return None
    return _display_type_rich(self, ctx)


_display_type_rich = TyperOption.display_type_rich
TyperOption.display_type_rich = _flag_has_no_value

# Environment variables each command reads, shown at the end of its --help (the code that reads them:
# store/session.py LEONET_DB, access/keys.py LEONET_ADMIN_KEY, access/borders.py LEONET_CACHE; options declared
# with envvar=…: LEONET_API_KEY).
_DB = "LEONET_DB (database URL when --db is not given; default sqlite:///leonet.sqlite)"
_KEY = "LEONET_ADMIN_KEY (when set, an admin API key with this value is created)"
_CACHE = "LEONET_CACHE (cache folder for border lookups; default ~/.cache/leonet)"
# access/checkpoint.py: every commit that appends audit records moves the head checkpoint.
_AUDIT = ("LEONET_AUDIT_CHECKPOINT (audit head checkpoint file; default beside a SQLite database), "
          "LEONET_AUDIT_HMAC_KEY or LEONET_AUDIT_HMAC_KEY_FILE (its signing key)")
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "serve": (_DB, _KEY, _AUDIT, _CACHE), "demo": (_KEY, _AUDIT, _CACHE), "run": (_AUDIT, _CACHE),
    "terminals": (_CACHE,), "decide": (_DB, _CACHE), "db": (_DB, _AUDIT), "audit": (_DB, _AUDIT),
    "zones": (_DB, _AUDIT), "compare": (_CACHE,), "provenance": (_DB,), "population": (_DB, _AUDIT, _CACHE),
    "policy": (_DB, "LEONET_API_KEY (the admin key for --api when --key is not given)", _AUDIT),
    "dish": ("LEONET_API_KEY or LEONET_ADMIN_KEY (the key for --attach when --api-key is not given)", _CACHE),
}


@app.command()
def version() -> None:
    """Print leonet's version."""
    from leonet import __version__

    typer.echo(__version__)


_AREAS = ("engine", "access", "sim", "dish", "analysis")

for _name in _AREAS:
    _module = importlib.import_module(f"leonet.cli.{_name}")
    _module.register(app)


def _environment_epilogs():
    """Append 'Environment: …' to the help of every command (and group) that reads environment variables;
    the others say they read none."""
    from rich.markup import escape

    command = typer.main.get_command(app)
    for name, sub in command.commands.items():
        names = ENVIRONMENT.get(name, ())
        text = ("Environment: " + "; ".join(names) + ".") if names else "Environment: reads no variables."
        targets = [sub, *getattr(sub, "commands", {}).values()]
        for target in targets:
            target.epilog = text
            if target.help:  # plain prose: no rich markup, no hard line breaks inside a paragraph
                target.help = escape(re.sub(r"(?<!\n)\n(?!\n)", " ", target.help))
            for param in target.params:
                if getattr(param, "help", None):
                    param.help = escape(param.help)
    return command


_COMMAND = None


def main() -> None:
    global _COMMAND
    _COMMAND = _COMMAND or _environment_epilogs()
    _COMMAND()

