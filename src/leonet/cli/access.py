"""Control-plane commands: ``leonet serve``, ``leonet db upgrade|seed``, ``leonet decide``, ``leonet audit verify``,
``leonet zones import``."""

from __future__ import annotations

from pathlib import Path

import typer

from leonet.cli.common import ensure_port_free, say, user_errors

db_app = typer.Typer(help="Database schema and seed data.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
zones_app = typer.Typer(help="Geofenced zones.", no_args_is_help=True)

CHECKPOINT_HELP = ("Head checkpoint file (default $LEONET_AUDIT_CHECKPOINT, or <sqlite file>.audit-head.json, or for "
                   "PostgreSQL ~/.local/state/leonet/audit-head-HOST-PORT-DB.json).")
HOST_HELP = "Interface to bind; beyond localhost every endpoint still needs a key (except health and docs)."
DB_HELP = "SQLAlchemy URL (sqlite:///file.sqlite or postgresql://…); default $LEONET_DB or sqlite:///leonet.sqlite."


def serve(port: int = typer.Option(8000, "--port", help="TCP port to listen on."),
          db: str = typer.Option(None, "--db", help=DB_HELP),
          host: str = typer.Option("127.0.0.1", "--host", help=HOST_HELP),
          cors_origin: list[str] = typer.Option(None, "--cors-origin",
                                                help="Allow cross-origin requests from this origin, e.g. "
                                                     "https://ops.example.org (repeatable; default: none).")) -> None:
    """Run the REST API (OpenAPI at /docs); creates/upgrades the schema on first start."""
    import time

    started = time.monotonic()
    ensure_port_free(host, port)
    import uvicorn

    from leonet.api.app import create_app
    from leonet.store.session import default_url, display_url, normalise_url

    url = normalise_url(db or default_url())
    say(f"leonet serve: opening the store {display_url(url)} (schema upgraded to head if needed)")
    with user_errors():
        app = create_app(url, started_monotonic=started, cors_origins=cors_origin or ())
    from leonet.web.serve import attach_dashboard

    attach_dashboard(app)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    say(f"listening on {base}/ — loading the policy context (borders, licensing, zones); "
        f"{base}/api/v1/ready answers 200 when done")
    if host not in ("127.0.0.1", "localhost", "::1"):
        say(f"note: bound to {host}: reachable beyond this machine; every endpoint except health, readiness and "
            "docs needs a key")
    app.state.readiness.on_ready.append(lambda s: say(f"ready in {s:.1f} s: {base}/  (API docs {base}/docs)"))
    uvicorn.run(app, host=host, port=port, log_level="warning")


@db_app.command("import")
def db_import(kind: str = typer.Argument(..., help="organisations | terminals | sales | accounts"),
              csv_file: Path = typer.Argument(..., help="CSV with a header row (docs/access.md lists the columns)."),
              db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Import a CSV of organisations, terminals, sales or accounts: every row or none (errors name the line)."""
    from leonet.access import bulk, tx
    from leonet.store.session import open_store

    with user_errors():
        text = csv_file.read_text(encoding="utf-8-sig")
        with tx.write(open_store(db)) as session:
            n = bulk.import_csv(session, "cli-import", kind, text, source=str(csv_file))
    typer.echo(f"imported {n} {kind}")


@db_app.command("upgrade")
def db_upgrade(db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Create or upgrade the schema (Alembic head)."""
    from leonet.store.session import default_url, normalise_url, upgrade

    with user_errors():
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

    with user_errors(), open_store(db).begin() as session:
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
def audit_verify(db: str = typer.Option(None, "--db", help=DB_HELP),
                 checkpoint: Path = typer.Option(None, "--checkpoint", help=CHECKPOINT_HELP)) -> None:
    """Prove the state: walk the hash chain, compare its head with the checkpoint kept outside the database (a
    deleted tail or a rewritten, re-chained history), and replay the log against the state tables (direct edits,
    by table and key). Exit 1 listing the problems; exit 2 if the database does not exist or has no schema."""
    from sqlalchemy import select  # here, not at the top: every other command starts without SQLAlchemy

    from leonet.access import audit
    from leonet.access import checkpoint as cp
    from leonet.access.reconcile import reconcile
    from leonet.store.models import AuditRecord
    from leonet.store.session import default_url, normalise_url, open_existing

    with user_errors():
        url = normalise_url(db or default_url())
        sessions = open_existing(url)
        with sessions() as session:
            problems = audit.verify(session)
            n = audit.count(session)
            hashes = {seq: h for seq, h in session.execute(select(AuditRecord.seq, AuditRecord.hash))}
            cp_problems, notes = cp.check(hashes, max(hashes, default=0),
                                          checkpoint if checkpoint is not None else cp.path_for(url))
            state_problems = reconcile(session)
        sessions.kw["bind"].dispose()
    for note in notes:
        say(f"note: {note}")
    everything = problems + cp_problems + state_problems
    if everything:
        for p in everything:
            typer.echo(f"TAMPERED: {p}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log intact: {n} records; checkpoint matches; state tables agree with the log")


@zones_app.command("import")
def zones_import(
    file: Path = typer.Argument(..., help="GeoJSON: FeatureCollection, Feature or (Multi)Polygon"),
    source: str = typer.Option(..., "--source", help="Where the boundaries come from (URL or description)."),
    as_of: str = typer.Option(..., "--as-of", help="The date the source describes (ISO-8601)."),
    kind: str = typer.Option(None, "--kind", help="blocked_area | whitelist_only | monitoring | disabled_cells, "
                                                  "for features without properties.kind"),
    reason: str = typer.Option(None, "--reason", help="For features without properties.reason."),
    db: str = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Import zones from a GeoJSON file; every zone keeps its source and date (all features or none)."""
    from leonet.access.zone_import import import_geojson
    from leonet.store.session import open_store

    with user_errors():
        with open_store(db).begin() as session:
            zones = import_geojson(session, "cli", file, source, as_of, kind, reason)
            names = [(z.id, z.name, z.kind) for z in zones]
    for zid, name, zkind in names:
        typer.echo(f"zone {zid}: {name} ({zkind})")
    typer.echo(f"imported {len(names)} zone(s) from {file} (source {source}, as of {as_of})")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.command("serve")(serve)
    app.command("decide")(decide)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(zones_app, name="zones")
