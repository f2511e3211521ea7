"""Simulation commands: ``leonet run``, ``leonet demo``, ``leonet terminals``."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from leonet.cli.common import user_errors
from leonet.errors import LeonetInputError


def parse_duration(text: str) -> float:
    """'3600', '90s', '15m', '1h', '1h30m' → seconds."""
    m = re.fullmatch(r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text)
    if not m or not any(m.groups()):
        from leonet.errors import LeonetInputError

        raise LeonetInputError("expected seconds or a duration like 90s, 15m, 1h", field="duration", value=text)
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s


def run(scenario: list[Path] = typer.Argument(..., help="Scenario TOML file(s); several make a sweep."),
        duration: str = typer.Option(None, "--duration", help="e.g. 1h, 15m, 900 (default: the scenario's)."),
        out: Path = typer.Option(..., "--out", help="Output directory (a sweep: one sub-folder per scenario)."),
        db: str = typer.Option(None, "--db", help="Store URL (default: a SQLite file in the output directory)."),
        dask: bool = typer.Option(False, "--dask", help="Run the scenarios on a local Dask cluster."),
        scheduler: str = typer.Option(None, "--scheduler", help="Run the scenarios on the Dask scheduler at this "
                                                               "address, e.g. tcp://HOST:8786."),
        workers: int = typer.Option(None, "--workers", help="Local Dask workers (default 2)."),
        ) -> None:
    """Run a scenario as a batch: telemetry, incidents (JSON + report with map) and plots into OUT. Several
    scenarios (a sweep) run independently into OUT/<file stem>/, serially or on Dask with the same files."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from leonet.scenario import load_scenario
    from leonet.sim.engine import Simulation
    from leonet.sim.runner import run_batch

    cols = (TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with user_errors():
        seconds = parse_duration(duration) if duration else None
        if len(scenario) > 1 or dask or scheduler:
            from leonet.sweep import run_sweep

            if db:
                raise LeonetInputError("a sweep keeps one SQLite store per scenario; leave out --db",
                                       field="db", value=db)
            with Progress(*cols) as bar:
                task = bar.add_task("scenarios", total=len(scenario))
                for summary in run_sweep(scenario, seconds, out, scheduler=scheduler, use_dask=dask,
                                         workers=workers, progress=lambda _: bar.advance(task, 1)):
                    bar.console.print(f"{summary['scenario']}: {summary['slots']} slots, {summary['rows']} "
                                      f"telemetry rows, {summary['incidents']} incidents → {summary['out']}")
            return
        sc = load_scenario(scenario[0])
        seconds = sc.duration_s if seconds is None else seconds
        out.mkdir(parents=True, exist_ok=True)
        sim = Simulation(sc, db or f"sqlite:///{(out / 'leonet.sqlite').resolve()}")
        with Progress(*cols) as bar:
            task = bar.add_task("slots", total=max(1, int(round(seconds / sc.slot_s))))
            summary = run_batch(sim, seconds, out, lambda n: bar.advance(task, n))
    typer.echo(f"{summary['slots']} slots, {summary['rows']} telemetry rows, {summary['incidents']} incidents → {out}")


def terminals(scenario: Path = typer.Option(None, "--scenario", help="Scenario TOML (default: the shipped one)."),
              out: Path = typer.Option(..., "--out", help="CSV: serial,lat_deg,lon_deg,code,…")) -> None:
    """The scenario's terminals at its start, with their decided code."""
    import pyarrow as pa

    from leonet.io import write_tables
    from leonet.scenario import default_scenario_path, load_scenario
    from leonet.sim.engine import Simulation

    with user_errors():
        sim = Simulation(load_scenario(scenario or default_scenario_path()), record=False)
        sim.step()
        sc = sim.scenario
        states = [sim.terminal(s) for s in sim.serials()]
        table = pa.table({"serial": [s.serial for s in states], "lat_deg": [s.true_lat_deg for s in states],
                          "lon_deg": [s.true_lon_deg for s in states], "code": [s.code.name for s in states],
                          "served": [s.served for s in states], "gps": [t.gps for t in sc.terminals],
                          "label": [s.label for s in states]})
        write_tables(out, [table])
    typer.echo(f"wrote {len(states)} terminals to {out}")


def demo(port: int = typer.Option(8000, "--port", help="TCP port of the API and dashboard."),
         speed: float = typer.Option(1.0, "--speed", help="×real time"),
         no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a web browser."),
         scenario: Path = typer.Option(None, "--scenario", help="Scenario TOML (default: the shipped one)."),
         db: str = typer.Option(None, "--db", help="Store URL (default: .leonet/demo.sqlite)."),
         host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (0.0.0.0: every interface).")) -> None:
    """Run the default scenario live (real time × --speed) with the API on http://127.0.0.1:PORT/; prints a
    one-time login link (http://127.0.0.1:PORT/#key=…) for the dashboard."""
    import time
    import webbrowser

    from leonet.cli.common import ensure_port_free, say

    started = time.monotonic()
    ensure_port_free(host, port)

    import uvicorn

    from leonet.api.app import create_app
    from leonet.api.routers import sim as sim_router
    from leonet.api.status_page import router as status_router
    from leonet.scenario import default_scenario_path, load_scenario
    from leonet.sim.engine import Simulation
    from leonet.sim.runner import LiveRunner

    with user_errors():
        sc = load_scenario(scenario or default_scenario_path())
        if db is None:
            Path(".leonet").mkdir(exist_ok=True)
            db = f"sqlite:///{Path('.leonet/demo.sqlite').resolve()}"
        say(f"leonet demo: building '{sc.name}' (constellation, ground stations, routing, example data)…")
        sim = Simulation(sc, db)
    from leonet.web.serve import attach_dashboard, dashboard_built

    runner = LiveRunner(sim, speed).start()
    # The built dashboard owns "/"; without it (no npm at install time) a plain status page does.
    routers = [sim_router.router] + ([] if dashboard_built() else [status_router])
    with user_errors():
        app = create_app(db, extra_routers=routers, live=sim, started_monotonic=started)
    app.state.runner = runner
    attach_dashboard(app)
    url = f"http://{host}:{port}/"
    login = f"{url}#key={demo_login_key(app)}"
    typer.echo(f"leonet demo: {sc.name}, {len(sim.serials())} terminals, {sim.network().num_sats} satellites, "
               f"×{speed:g} real time → {url}  (API docs {url}docs)")
    typer.echo(f"login link (role admin, a new key for this run, valid {DEMO_LINK_HOURS} h; anyone who has it can act "
               f"as admin here): {login}")
    app.state.readiness.on_ready.append(lambda s: say(f"ready in {s:.1f} s: {url}"))
    if not no_browser:
        webbrowser.open(login)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        runner.stop()


DEMO_LINK_OWNER = "leonet demo login link"
DEMO_LINK_HOURS = 12  # as long as a dashboard session may last


def demo_login_key(app) -> str:
    """A new admin key for this run's login link, expiring in 12 h; the previous runs' link keys are revoked (each
    audited), so an old link printed in a terminal's scrollback no longer signs anyone in."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from leonet.access import keys, tx
    from leonet.store.models import ApiKey

    with tx.write(app.state.sessions) as session:
        old = session.execute(select(ApiKey.id).where(ApiKey.owner == DEMO_LINK_OWNER,
                                                      ApiKey.revoked_at.is_(None))).scalars().all()
        for key_id in old:
            keys.revoke(session, None, key_id, reason="a new leonet demo login link")
        key, _ = keys.create(session, None, "admin", owner=DEMO_LINK_OWNER,
                             expires_at=datetime.now(UTC) + timedelta(hours=DEMO_LINK_HOURS))
    return key


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.command("run")(run)
    app.command("terminals")(terminals)
    app.command("demo")(demo)
