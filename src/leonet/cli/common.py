"""Helpers shared by the CLI modules: turning a user error into a clear message and exit code 2; checking a port
before slow set-up."""

from __future__ import annotations

import socket
import sys
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from leonet.errors import LeonetInputError

err_console = Console(stderr=True)


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


@contextmanager
def user_errors():
    """Print ``LeonetInputError``/``ValueError``/``FileNotFoundError`` and an unreachable database as one clear
    line and exit with code 2 (no traceback). SQLAlchemy is not imported here: a command that never loaded it
    (``routes``) cannot raise its errors, and starts faster without it."""
    try:
        yield
    except (LeonetInputError, ValueError, FileNotFoundError, ConnectionError, PermissionError) as exc:
        fail(str(exc))
    except Exception as exc:
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or not isinstance(exc, sa_exc.OperationalError):
            raise
        first = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else type(exc).__name__
        fail(f"cannot use the database: {first}")


def ensure_port_free(host: str, port: int) -> None:
    """Exit 2 with a clear message if ``host:port`` cannot be bound (checked before any slow set-up)."""
    if not 0 < port < 65536:
        fail(f"field '--port', value {port}: must be 1..65535")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server running there? choose "
                 f"another --port)")


def say(message: str) -> None:
    """A progress line on stderr (stdout stays for results)."""
    err_console.print(escape(message), soft_wrap=True, highlight=False)
