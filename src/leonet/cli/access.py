"""Control-plane commands: ``leonet serve``, ``leonet db upgrade|seed``, ``leonet decide``, ``leonet audit verify``."""

from __future__ import annotations

from pathlib import Path

import typer

from leonet.cli.common import user_errors

db_app = typer.Typer(help="Database schema and seed data.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

DB_HELP = "SQLAlchemy URL (sqlite:///file.sqlite or postgresql://…); default $LEONET_DB or sqlite:///leonet.sqlite."


def serve(port: int = typer.Option(8000, "--port", help="TCP port to listen on."),
          db: str = typer.Option(None, "--db", help=DB_HELP),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (0.0.0.0: every interface)."),
          cors_origin: list[str] = typer.Option(None, "--cors-origin",
                                                help="Allow cross-origin requests from this origin, e.g. "
                                                     "https://ops.example.org (repeatable; default: none).")) -> None:
    """Run the REST API (OpenAPI at /docs); creates/upgrades the schema on first start."""
    import uvicorn

    from leonet.api.app import create_app

    with user_errors():
        app = create_app(db, cors_origins=cors_origin or ())
    from leonet.web.serve import attach_dashboard

    attach_dashboard(app)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@db_app.command("upgrade")
def db_upgrade(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Create or upgrade the schema (Alembic head)."""
    from leonet.store.session import default_url, normalise_url, upgrade

    url = normalise_url(db or default_url())
    upgrade(url)
    typer.echo(f"schema at head: {url.split('@')[-1]}")


@db_app.command("seed")
def db_seed(db: str = typer.Option(None, "--db", help=DB_HELP),
            example: bool = typer.Option(True, "--example/--licensing-only",
                                         help="Also load the default scenario's example dataset.")) -> None:
    """Load the licensing table (data/licensing.csv) and, by default, the example dataset."""
    from leonet.access import seed
    from leonet.store.session import open_store

    sessions = open_store(db)
    with sessions.begin() as session:
        n = seed.load_licensing(session)
        result = seed.load_example(session) if example else {}
    typer.echo(f"licensing rows: {n}; example dataset {'created' if result.get('created') else 'unchanged'}")


def decide(
    plan: str = typer.Option(..., "--plan", help="residential | roam | maritime | aviation | government"),
    positions: Path = typer.Option(..., "--positions", help="CSV: terminal,lat_deg,lon_deg,speed_kmh"),
    out: Path = typer.Option(..., "--out", help="CSV: terminal,code,reasons"),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    at: str = typer.Option(None, "--at", help="ISO-8601 UTC instant (default now)."),
) -> None:
    """What-if: decide hypothetical terminals on a plan against the shipped licensing table and borders plus the
    zones in the database."""
    from leonet.access.whatif import decide_csv

    with user_errors():
        n, counts = decide_csv(plan, positions, out, db, at)
    typer.echo(f"decided {n} terminals: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@audit_app.command("verify")
def audit_verify(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Walk the hash chain; exit 1 and list the problems if any record was edited or deleted."""
    from leonet.access import audit
    from leonet.store.session import open_store

    with open_store(db)() as session:
        problems = audit.verify(session)
        n = audit.count(session)
    if problems:
        for p in problems:
            typer.echo(f"TAMPERED: {p}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {n} records")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.command("serve")(serve)
    app.command("decide")(decide)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
