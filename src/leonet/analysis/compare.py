"""``leonet compare``: the same scenario under each policy, one full simulation per policy (its own store), in
parallel on Dask (a LocalCluster by default, or any scheduler by address); each run scored against ground truth
(analysis.scoring) and the evidence it raised written next to the table."""

from __future__ import annotations

import math
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from leonet.analysis.policyfile import Policy, apply_policy, with_rules
from leonet.scenario import Scenario


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "policy"


def run_policy(scenario: Scenario, policy: Policy, name: str, out_dir: str | None = None,
               duration_s: float | None = None) -> dict:
    """One policy: fresh scratch store (licensing, population records, example data if the scenario asks), the
    policy applied, every slot simulated; returns the scores (see analysis.scoring) and timings. The scratch store
    is removed afterwards."""
    import shutil

    scratch = Path(tempfile.mkdtemp(prefix="leonet-compare-"))
    try:
        return _run_policy(scenario, policy, name, out_dir, duration_s, f"sqlite:///{scratch / 'store.sqlite'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_policy(scenario: Scenario, policy: Policy, name: str, out_dir: str | None, duration_s: float | None,
                url: str) -> dict:
    from leonet.access import checkpoint, seed
    from leonet.sim.engine import Simulation
    from leonet.sim.population import ensure_records
    from leonet.store.session import open_store

    t0 = time.perf_counter()
    if duration_s is not None:  # the population (tracks, activation times) is generated for the run's duration
        scenario = scenario.model_copy(update={"duration_s": float(duration_s)})
    sessions = open_store(url)
    checkpoint.scratch(sessions.kw["bind"])  # never moves the operator's $LEONET_AUDIT_CHECKPOINT
    if scenario.control_plane == "example":
        with sessions.begin() as session:
            seed.load_example(session)
    pop = ensure_records(scenario, sessions)
    with sessions.begin() as session:
        applied = apply_policy(session, policy, actor=f"compare:{name}")
    sim = Simulation(with_rules(scenario, policy), db_url=url, record=False)
    try:
        return _simulate(sim, sessions, scenario, policy, name, out_dir, duration_s, pop, applied, t0)
    finally:
        sim.sessions.kw["bind"].dispose()
        sessions.kw["bind"].dispose()


def _simulate(sim, sessions, scenario, policy, name, out_dir, duration_s, pop, applied, t0) -> dict:
    from sqlalchemy import select

    from leonet.access.codes import DisablementCode as C
    from leonet.access.detect import write_evidence
    from leonet.access.policy import decide_batch
    from leonet.analysis.scoring import score
    from leonet.store.models import WhitelistEntry

    t_setup = time.perf_counter() - t0
    n_slots = max(1, math.ceil((duration_s or scenario.duration_s) / scenario.slot_s))
    m = len(sim.serials_arr)
    # Ground truth for scoring: the population's terminals (hand-placed ones have none and are left out).
    n_hand = m - (len(pop) if pop is not None else 0)
    cols = slice(n_hand, m)
    kits = n_hand + np.flatnonzero(pop.diverted) if pop is not None else np.zeros(0, dtype=np.int64)
    codes = np.empty((n_slots, m), dtype=np.int16)
    served = np.empty((n_slots, m), dtype=bool)
    barred = np.ones((n_slots, m), dtype=bool)
    for k in range(n_slots):
        sim.step()
        st = sim.slot_state()  # the declared read interface (leonet.sim.interface.SlotState)
        codes[k], served[k] = st.code, st.sat >= 0
        # Scoring only: would this policy refuse each diverted kit where it really is (leakage causes)?
        barred[k, kits] = decide_batch(sim.slot_context, st.serial[kits], st.true_lat_deg[kits],
                                       st.true_lon_deg[kits], st.t_utc, st.speed_kmh[kits]).codes != int(C.OKAY)
    incidents = sim.incidents()
    t_run = time.perf_counter() - t0 - t_setup
    with sessions() as session:
        listed = set(session.execute(select(WhitelistEntry.terminal_serial)).scalars())
    serials = sim.serials_arr[cols]
    ours = set(serials.tolist())
    result = {"policy": name, "policy_name": policy.name, "applied": applied,
              **score(codes[:, cols], served[:, cols], scenario.slot_s, pop.diverted if pop is not None
                      else np.zeros(0, bool), pop.gps if pop is not None else np.zeros(0, np.int8),
                      np.isin(serials, list(listed)), serials,
                      [i for i in incidents if any(t["serial"] in ours for t in i.terminals)],
                      pop.active_from_s if pop is not None else None, barred[:, cols]),
              "setup_s": t_setup, "run_s": t_run}
    if out_dir is not None:
        write_evidence(incidents, Path(out_dir) / slug(name), sim.zones_geojson())
    return result


def _piece(shared: tuple, name: str, policy: Policy) -> dict:
    """One policy's run, its evidence files sent back as bytes (``files``): a worker may be on another machine or
    in another working directory, so the caller writes them."""
    from leonet.distributed import folder_bytes

    scenario, duration_s = shared
    with tempfile.TemporaryDirectory(prefix="leonet-compare-out-") as tmp:
        result = run_policy(scenario, policy, name, tmp, duration_s)
        return {**result, "files": folder_bytes(tmp)}


def compare(scenario: Scenario, policies: dict[str, Policy], out_dir: Path, scheduler: str | None = None,
            workers: int = 2, duration_s: float | None = None, local: bool = False) -> list[dict]:
    """Run every policy (on Dask unless ``local``) and write compare.csv/.md/.json/.png into ``out_dir``."""
    from leonet.analysis.report import write_table
    from leonet.distributed import dask_client, map_in_order, write_folder_bytes

    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pieces = list(policies.items())
    shared = (scenario, duration_s)
    if local:
        results, n_workers = list(map_in_order(None, _piece, pieces, shared=shared)), 0
    else:
        with dask_client(scheduler, workers) as client:
            n_workers = len(client.scheduler_info()["workers"])
            results = list(map_in_order(client, _piece, pieces, shared=shared))
    for result in results:
        write_folder_bytes(result.pop("files"), out_dir)
    wall = time.perf_counter() - t0
    write_table(results, out_dir, {"wall_s": wall, "workers": n_workers, "scenario": scenario.name})
    return results
