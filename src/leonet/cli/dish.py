"""``leonet dish serve``: emulated dishes speaking the user terminal's gRPC API."""

from __future__ import annotations

from pathlib import Path

import typer

from leonet.cli.common import user_errors

dish_app = typer.Typer(help="Emulated user terminals (the dish's local gRPC API).", no_args_is_help=True)


@dish_app.command("serve")
def serve(terminal: list[str] = typer.Option(..., "--terminal", help="Serial (repeat for several dishes)."),
          port: list[int] = typer.Option([9200], "--port", help="One port per --terminal (repeat), or one port "
                                         "for the first dish with the next ones counting up."),
          scenario: Path = typer.Option(None, "--scenario", help="Scenario TOML (default: the shipped one)."),
          speed: float = typer.Option(1.0, "--speed", help="Simulation speed, × real time."),
          db: str = typer.Option(None, "--db", help="Store URL (default: a temporary SQLite file)."),
          attach: str = typer.Option(None, "--attach", help="URL of a running `leonet demo` (e.g. "
                                     "http://127.0.0.1:8000): serve its terminals instead of running a simulation."),
          api_key: str = typer.Option(None, "--api-key", envvar="LEONET_ADMIN_KEY",
                                      help="Admin or regulator key for --attach (default: $LEONET_ADMIN_KEY).")
          ) -> None:
    """Serve simulated terminals on 127.0.0.1 (plaintext gRPC, reflection on): attached to a running simulation
    (--attach URL), or running the scenario live in this process."""
    from leonet.dish.server import DishView, wait_forever
    from leonet.dish.server import serve as start

    with user_errors():
        if attach:
            from leonet.dish.remote import RemoteSimulation

            if not api_key:
                raise ValueError("field 'api_key', value None: --attach needs an admin or regulator key "
                                 "(--api-key, or LEONET_ADMIN_KEY set for both `leonet demo` and this command)")
            sim = RemoteSimulation(attach, api_key)
        else:
            from leonet.scenario import default_scenario_path, load_scenario
            from leonet.sim.engine import Simulation

            sim = Simulation(load_scenario(scenario or default_scenario_path()), db)
        ports = dish_ports(terminal, port)
        try:
            views = [(DishView(sim, s), p) for s, p in zip(terminal, ports, strict=True)]
        except KeyError as exc:
            raise ValueError(f"field 'terminal', value {exc.args[0]!r}: not a terminal of the scenario "
                             f"(see `leonet terminals`)") from None
        if not attach:
            from leonet.sim.runner import LiveRunner

            LiveRunner(sim, speed).start()
        servers = start(views)
    for view, p in views:
        typer.echo(f"dish {view.serial} on 127.0.0.1:{p} (SpaceX.API.Device.Device, reflection on)", err=True)
    wait_forever(servers)


def dish_ports(terminals: list[str], ports: list[int]) -> list[int]:
    """Ports of the dishes: one given → consecutive from it; as many as terminals → paired in order."""
    if len(ports) == 1:
        ports = [ports[0] + k for k in range(len(terminals))]
    if len(ports) != len(terminals):
        raise ValueError(f"field 'port', value {ports}: give one --port, or one per --terminal ({len(terminals)})")
    if len(set(ports)) != len(ports):
        raise ValueError(f"field 'port', value {ports}: every dish needs its own port")
    bad = [p for p in ports if not 1 <= p <= 65535]
    if bad:
        raise ValueError(f"field 'port', value {bad[0]}: must be within 1..65535")
    return ports


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.add_typer(dish_app, name="dish")
