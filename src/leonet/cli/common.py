"""Helpers shared by the CLI modules: turning a user error into a clear message and exit code 2."""

from __future__ import annotations

from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from leonet.errors import LeonetInputError

err_console = Console(stderr=True)


@contextmanager
def user_errors():
    """Print ``LeonetInputError``/``ValueError``/``FileNotFoundError`` as one clear line and exit with code 2."""
    try:
        yield
    except (LeonetInputError, ValueError, FileNotFoundError, ConnectionError, PermissionError) as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(code=2) from None
