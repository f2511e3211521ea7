"""A scenario's ``[population]`` made real for a run: generated (deterministic from the seed), its control-plane
records bulk-inserted once, and its terminals appended to the scenario's hand-placed ones.

The simulation gets each terminal's true track and GPS behaviour (it needs them to move the terminal and to report
its position); the control plane gets only the records (population.records)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from leonet.population.generate import GPS_KINDS, PopulationArrays, generate
from leonet.population.records import insert_records
from leonet.scenario import Scenario, TerminalSpec, Waypoint


def population_of(scenario: Scenario) -> PopulationArrays | None:
    if scenario.population is None:
        return None
    return generate(scenario.population, scenario.seed, scenario.duration_s)


def ensure_records(scenario: Scenario, sessions, pop: PopulationArrays | None = None) -> PopulationArrays | None:
    """Generate the population and store its records (licensing first if the store has none)."""
    from leonet.access import seed
    from leonet.store.models import Country

    pop = pop if pop is not None else population_of(scenario)
    if pop is None:
        return None
    with sessions.begin() as session:
        if session.execute(select(func.count()).select_from(Country)).scalar_one() == 0:
            seed.load_licensing(session)
        insert_records(session, pop)
    return pop


def terminal_specs(pop: PopulationArrays) -> list[TerminalSpec]:
    """The population as scenario terminals (already validated arrays: built without re-validation)."""
    moving = pop.speed_kmh > 0
    out = []
    cols = zip(pop.serial.tolist(), pop.lat0_deg.tolist(), pop.lon0_deg.tolist(), pop.lat1_deg.tolist(),
               pop.lon1_deg.tolist(), pop.speed_kmh.tolist(), moving.tolist(), pop.gps.tolist(),
               pop.spoof_lat_deg.tolist(), pop.spoof_lon_deg.tolist(), pop.active_from_s.tolist(), strict=True)
    for s, la, lo, la1, lo1, v, mv, g, sla, slo, act in cols:
        out.append(TerminalSpec.model_construct(
            serial=s, lat_deg=la, lon_deg=lo, alt_m=0.0,
            track=[Waypoint.model_construct(lat_deg=la1, lon_deg=lo1)] if mv else [], speed_kmh=v if mv else 0.0,
            loop=True, gps=GPS_KINDS[g], spoof_lat_deg=None if np.isnan(sla) else sla,
            spoof_lon_deg=None if np.isnan(slo) else slo, demand_mbps=50.0, active_from_s=act, label=""))
    return out


def materialise(scenario: Scenario, sessions) -> tuple[Scenario, PopulationArrays | None]:
    """The scenario with its population's terminals added (records stored), and the population (ground truth)."""
    pop = ensure_records(scenario, sessions)
    if pop is None:
        return scenario, None
    return scenario.model_copy(update={"terminals": list(scenario.terminals) + terminal_specs(pop)}), pop
