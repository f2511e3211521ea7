"""``leonet dish serve``: emulated dishes speaking the user terminal's gRPC API."""

from __future__ import annotations

from pathlib import Path

import typer

from leonet.cli.common import user_errors

dish_app = typer.Typer(help="Emulated user terminals (the dish's local gRPC API).", no_args_is_help=True)


@dish_app.command("serve")
def serve(terminal: list[str] = typer.Option(..., "--terminal", help="Serial (repeat for several dishes)."),
          port: list[int] = typer.Option([9200], "--port", help="gRPC port: one per --terminal (repeat), or one "
                                         "for the first dish with the next ones counting up by 2 (each dish's "
                                         "gRPC-Web port follows its gRPC port, like a real dish's 9200/9201)."),
          web_port: list[int] = typer.Option(None, "--web-port", help="gRPC-Web port per dish (default: its gRPC "
                                             "port + 1; 0 turns gRPC-Web off)."),
          scenario: Path = typer.Option(None, "--scenario", help="Scenario TOML (default: the shipped one)."),
          speed: float = typer.Option(1.0, "--speed", help="Simulation speed, × real time (with --attach: the "
                                      "attached run's speed, so the dish's clock keeps pace between its reads)."),
          db: str = typer.Option(None, "--db", help="Store URL (default: a temporary SQLite file)."),
          attach: str = typer.Option(None, "--attach", help="URL of a running `leonet demo` (e.g. "
                                     "http://127.0.0.1:8000): serve its terminals instead of running a simulation."),
          api_key: str = typer.Option(None, "--api-key", envvar=["LEONET_API_KEY", "LEONET_ADMIN_KEY"],
                                      help="API key for --attach (default: $LEONET_API_KEY, else "
                                      "$LEONET_ADMIN_KEY).")
          ) -> None:
    """Serve simulated terminals on 127.0.0.1 (plaintext gRPC, reflection on): attached to a running simulation
    (--attach URL), or running the scenario live in this process."""
    from leonet.dish.server import DishView, wait_forever
    from leonet.dish.server import serve as start

    with user_errors():
        if attach:
            from leonet.dish.remote import RemoteSimulation

            if not api_key:
                raise ValueError("field 'api_key', value None: --attach needs an API key of the running server "
                                 "(--api-key, or LEONET_API_KEY)")
            sim = RemoteSimulation(attach, api_key)
            blocked: dict = {}
            kinds: dict = {}
        else:
            from leonet.scenario import default_scenario_path, load_scenario
            from leonet.sim.engine import Simulation

            sc = load_scenario(scenario or default_scenario_path())
            blocked = {t.serial: [(o.az_from_deg, o.az_to_deg, o.max_el_deg) for o in t.obstructions]
                       for t in sc.terminals}
            kinds = {t.serial: t.dish or sc.radio.dish for t in sc.terminals}
            sim = Simulation(sc, db)
        ports = dish_ports(terminal, port)
        webs = web_ports(ports, web_port or [])
        try:
            views = [(DishView(sim, s, speed=speed, obstructions=blocked.get(s, ()), model=kinds.get(s)), p, w)
                     for s, p, w in zip(terminal, ports, webs, strict=True)]
        except KeyError as exc:
            raise ValueError(f"field 'terminal', value {exc.args[0]!r}: not a terminal of the scenario "
                             f"(see `leonet terminals`)") from None
        if not attach:
            from leonet.sim.runner import LiveRunner

            LiveRunner(sim, speed).start()
        servers = start(views)
    for view, p, w in views:
        web = f", gRPC-Web on 127.0.0.1:{w}" if w else ""
        typer.echo(f"dish {view.serial} on 127.0.0.1:{p} (SpaceX.API.Device.Device, reflection on{web})", err=True)
    wait_forever(servers)


def dish_ports(terminals: list[str], ports: list[int]) -> list[int]:
    """gRPC ports of the dishes: one given → every second port from it (the one between is the dish's gRPC-Web
    port); as many as terminals → paired in order."""
    if len(ports) == 1:
        ports = [ports[0] + 2 * k for k in range(len(terminals))]
    if len(ports) != len(terminals):
        raise ValueError(f"field 'port', value {ports}: give one --port, or one per --terminal ({len(terminals)})")
    if len(set(ports)) != len(ports):
        raise ValueError(f"field 'port', value {ports}: every dish needs its own port")
    bad = [p for p in ports if not 1 <= p <= 65535]
    if bad:
        raise ValueError(f"field 'port', value {bad[0]}: must be within 1..65535")
    return ports


def web_ports(ports: list[int], web: list[int]) -> list[int | None]:
    """gRPC-Web ports: given one per dish (0 = off), or each gRPC port + 1."""
    if not web:
        web = [p + 1 for p in ports]
    if len(web) != len(ports):
        raise ValueError(f"field 'web_port', value {web}: give one --web-port per --terminal ({len(ports)})")
    out = [w or None for w in web]
    used = [p for p in ports] + [w for w in out if w]
    if len(set(used)) != len(used):
        raise ValueError(f"field 'web_port', value {web}: clashes with a gRPC port or another dish's")
    bad = [w for w in out if w and not 1 <= w <= 65535]
    if bad:
        raise ValueError(f"field 'web_port', value {bad[0]}: must be within 1..65535")
    return out


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.add_typer(dish_app, name="dish")
