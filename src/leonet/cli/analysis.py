"""Enforcement analysis commands: ``leonet compare``, ``leonet policy apply``, ``leonet provenance terminal|flows``,
``leonet population generate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leonet.cli.common import user_errors

policy_app = typer.Typer(help="Policy files: zones, whitelists and rules as one document.", no_args_is_help=True)
provenance_app = typer.Typer(help="Where terminals came from and how they reached where they are used.",
                             no_args_is_help=True)
population_app = typer.Typer(help="A scenario's generated population.", no_args_is_help=True)

DB_HELP = "SQLAlchemy URL (sqlite:///file.sqlite or postgresql://…); default $LEONET_DB or sqlite:///leonet.sqlite."


def compare(
    scenario: Path = typer.Argument(..., help="Scenario TOML (with a [population] section to score anything)"),
    policy: list[str] = typer.Option(..., "--policy", help="NAME=POLICY.toml (or NAME=shipped-name); repeat"),
    out: Path = typer.Option(..., "--out", help="Output directory"),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a LocalCluster)"),
    workers: int = typer.Option(2, "--workers", min=1, help="LocalCluster worker processes"),
    duration_s: float = typer.Option(None, "--duration-s", help="Override the scenario's duration (s)"),
) -> None:
    """Run the same scenario under each policy in parallel and report leakage, collateral, time to detect and to
    cut off, incidents and their precision: compare.csv, compare.md, compare.json, compare.png (+ evidence per
    policy)."""
    from leonet.analysis.compare import compare as run
    from leonet.analysis.policyfile import load_policy
    from leonet.errors import LeonetInputError
    from leonet.scenario import load_scenario

    with user_errors():
        sc = load_scenario(scenario)
        policies = {}
        for item in policy:
            name, sep, path = item.partition("=")
            if not sep or not name or not path:
                raise LeonetInputError("must be NAME=POLICY.toml", field="--policy", value=item)
            if name in policies:
                raise LeonetInputError("policy names must be unique", field="--policy", value=name)
            policies[name] = load_policy(path)
        if duration_s is not None and duration_s <= 0:
            raise LeonetInputError("must be > 0", field="--duration-s", value=duration_s)
        results = run(sc, policies, out, scheduler, workers, duration_s)
    for r in results:
        typer.echo(f"{r['policy']:>24}: leakage {r['leakage_pct']:5.1f} %  collateral {r['collateral_pct']:5.1f} %  "
                   f"detected {r['detected_pct']:5.1f} %  incidents {r['incidents']}")
    typer.echo(f"table → {out / 'compare.md'}, plot → {out / 'compare.png'}")


@policy_app.command("apply")
def policy_apply(
    policy: str = typer.Argument(..., help="POLICY.toml or a shipped name (status_quo, whitelist_only, …)"),
    api: str = typer.Option(None, "--api", help="Base URL of a running leonet API (needs an admin key)"),
    key: str = typer.Option(None, "--key", envvar="LEONET_API_KEY", help="Admin API key (or $LEONET_API_KEY)"),
    db: str = typer.Option(None, "--db", help=DB_HELP),
    keep: bool = typer.Option(False, "--keep", help="Add to the stored zones instead of replacing them"),
) -> None:
    """Make the control plane hold this policy (through the API, or straight into the store)."""
    from leonet.analysis.policyfile import apply_policy, load_policy

    with user_errors():
        pol = load_policy(policy)
        if api:
            import httpx

            if not key:
                raise ValueError("--api needs an admin key: --key KEY or $LEONET_API_KEY")
            r = httpx.post(api.rstrip("/") + "/api/v1/policy", params={"replace": str(not keep).lower()},
                           json=pol.model_dump(mode="json"), headers={"Authorization": f"Bearer {key}"},
                           timeout=120)
            if r.status_code >= 400:
                raise ValueError(f"API answered {r.status_code}: {r.text[:300]}")
            result = r.json()
        else:
            from leonet.store.session import open_store

            with open_store(db).begin() as session:
                result = apply_policy(session, pol, "cli", replace=not keep)
    typer.echo(json.dumps(result))


@provenance_app.command("terminal")
def provenance_terminal(serial: str = typer.Argument(..., help="Terminal serial, e.g. ut-00000061."),
                        db: str = typer.Option(None, "--db", help=DB_HELP),
                        as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """The terminal's sales chain, where it was observed and how it most likely got there."""
    from leonet.access import inference
    from leonet.access.service import NotFound
    from leonet.store.session import open_store

    with user_errors():
        with open_store(db)() as session:
            try:
                rep = inference.terminal_report(session, serial)
            except NotFound as exc:
                raise ValueError(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(rep, indent=2))
        return
    inf, prov = rep["inference"], rep["provenance"]
    typer.echo(f"{serial}: {inf['class']}")
    typer.echo(f"  {inf['explanation']}")
    for s in prov["chain"]:
        typer.echo(f"  sale {s['seq']}: {s['from']} → {s['to']} delivered in {s['country']} ({s['channel']}, "
                   f"{s['at'][:10]})")
    typer.echo(f"  holder: {prov['holder']}; account {prov['account']} (home {prov['account_home_country']})")
    obs = rep["observations"]
    if obs:
        typer.echo("  observed: " + ", ".join(f"{c} ×{n}" for c, n in obs["countries"].items()))


@provenance_app.command("flows")
def provenance_flows(into: str = typer.Option(..., "--into", help="ISO country sold into"),
                     observed_in: str = typer.Option(..., "--observed-in", help="ISO country observed in"),
                     via: bool = typer.Option(False, "--via", help="Any delivery into --into, not only the last"),
                     db: str = typer.Option(None, "--db", help=DB_HELP),
                     as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Terminals sold into (or via) one country and observed in another, with the evidence."""
    from leonet.access import inference
    from leonet.store.session import open_store

    with user_errors():
        with open_store(db)() as session:
            rep = inference.flows(session, into, observed_in, via)
    if as_json:
        typer.echo(json.dumps(rep, indent=2))
        return
    typer.echo(f"sold {'via' if via else 'into'} {into}: {rep['sold']}; observed in {observed_in}: {rep['observed']} "
               f"({', '.join(f'{k} {v}' for k, v in rep['classes'].items()) or 'none'})")
    for t in rep["terminals"]:
        where = t["last_seen_in_country"]
        typer.echo(f"  {t['serial']}: {t['inference']['class']}; {t['observations_in_country']} observations in "
                   f"{observed_in}, last {where['place']['text']}; {t['inference']['explanation']}")


@population_app.command("generate")
def population_generate(scenario: Path = typer.Argument(..., help="Scenario TOML with a [population] section."),
                        db: str = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Generate the scenario's population and bulk-insert its control-plane records (licensing first if absent)."""
    import time

    from leonet.scenario import load_scenario
    from leonet.sim.population import ensure_records, population_of
    from leonet.store.session import open_store

    with user_errors():
        sc = load_scenario(scenario)
        if sc.population is None:
            raise ValueError(f"{scenario}: no [population] section")
        t0 = time.perf_counter()
        pop = population_of(sc)
        t1 = time.perf_counter()
        ensure_records(sc, open_store(db), pop)
        t2 = time.perf_counter()
    typer.echo(f"{len(pop)} terminals ({int(pop.diverted.sum())} diverted) generated in {t1 - t0:.2f} s; records "
               f"stored in {t2 - t1:.2f} s")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
    app.add_typer(policy_app, name="policy")
    app.add_typer(provenance_app, name="provenance")
    app.add_typer(population_app, name="population")
