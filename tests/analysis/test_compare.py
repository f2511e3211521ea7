"""Policy files and `leonet compare`: the shipped policies parse and apply; the same scenario under each policy
gives the expected ordering of leakage and collateral; Dask and the serial path give the same scores."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select

from leonet.access import seed
from leonet.access.codes import DisablementCode as C
from leonet.access.reconcile import reconcile
from leonet.analysis.compare import compare, run_policy
from leonet.analysis.policyfile import apply_policy, load_policy, parse_policy, select_serials
from leonet.analysis.scoring import score
from leonet.errors import LeonetInputError
from leonet.store.models import WhitelistEntry, Zone
from leonet.store.session import open_store

SHIPPED = ("status_quo", "whitelist_only", "front_line_blocked", "speed_cutoff", "location_verification", "mix")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_policies_load(name):
    p = load_policy(name)
    assert p.name and all(z.geometry for z in p.zones)


def test_bad_policy_names_the_field(tmp_path):
    with pytest.raises(LeonetInputError, match="whitelist.zone"):
        parse_policy({"name": "x", "whitelist": [{"zone": "nowhere", "serials": ["a"]}]})
    with pytest.raises(LeonetInputError, match="rules.location_check"):
        parse_policy({"name": "x", "rules": {"location_check": "maybe"}})
    with pytest.raises(LeonetInputError, match=r"zones\[0\].geometry"):
        parse_policy({"name": "x", "zones": [{"name": "z", "kind": "blocked_area", "reason": "r",
                                              "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}}]})
    (tmp_path / "p.toml").write_text('name = "x"\n[[zones]]\nname = "z"\nkind = "blocked_area"\nreason = "r"\n'
                                     'geometry_file = "missing.geojson"\n')
    with pytest.raises(LeonetInputError, match="missing.geojson"):
        load_policy(tmp_path / "p.toml")
    with pytest.raises(LeonetInputError, match="nor a shipped policy: front_line_blocked, location_verification"):
        load_policy("front_line")  # a typo: the shipped names are listed


def test_apply_replaces_zones_and_resolves_selectors(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    with sessions.begin() as s:
        seed.load_example(s)
    with sessions() as s:
        before = {z.id: z.name for z in s.execute(select(Zone)).scalars()}
        listed_before = s.execute(select(func.count()).select_from(WhitelistEntry)).scalar_one()
    with sessions.begin() as s:
        out = apply_policy(s, load_policy("whitelist_only"))
    with sessions() as s:
        now = datetime.now(UTC)
        zones = s.execute(select(Zone).order_by(Zone.id)).scalars().all()
        in_force = [z.name for z in zones if z.valid_to is None or z.valid_to.replace(tzinfo=UTC) > now]
        assert in_force == ["Ukraine whitelist-only region (illustrative)"]
        # the replaced zones and whitelist entries are ended, never deleted: same rows, a validity end; a name the
        # new policy reuses moves to a dated one
        old = {z.id: z for z in zones if z.id in before}
        assert set(old) == set(before) and all(z.valid_to is not None for z in old.values())
        assert all(z.name == before[i] or z.name.startswith(f"{before[i]} (ended ") for i, z in old.items())
        assert any(z.name != before[i] for i, z in old.items())
        assert s.execute(select(func.count()).select_from(WhitelistEntry)
                         .where(WhitelistEntry.valid_to.is_not(None))).scalar_one() == listed_before
        n = s.execute(select(func.count()).select_from(WhitelistEntry)
                      .where(WhitelistEntry.valid_to.is_(None))).scalar_one()
        assert reconcile(s) == []  # the audit log replays to exactly these rows
        assert out == {"policy": "whitelist-only region", "zones": 1, "whitelisted": n, "zones_removed": 3,
                       "location_check": "monitor"}
        rule = load_policy("whitelist_only").whitelist[0]
        every = select_serials(s, rule.model_copy(update={"registered_fraction": 1.0}))
        assert set(select_serials(s, rule)) <= set(every) and "ut-grey-01" not in every  # AE account
        assert select_serials(s, rule) == select_serials(s, rule)


def test_applying_the_same_policy_twice_ends_the_first_and_keeps_its_name_free(tmp_path):
    sessions = open_store(f"sqlite:///{tmp_path / 'b.sqlite'}")
    with sessions.begin() as s:
        seed.load_example(s)
    for _ in range(2):
        with sessions.begin() as s:
            apply_policy(s, load_policy("front_line_blocked"))
    with sessions() as s:
        zones = s.execute(select(Zone).order_by(Zone.id)).scalars().all()
        now = datetime.now(UTC)
        in_force = [z for z in zones if z.valid_to is None or z.valid_to.replace(tzinfo=UTC) > now]
        names = [z.name for z in load_policy("front_line_blocked").zones]
        assert sorted(z.name for z in in_force) == sorted(names)
        renamed = [z for z in zones if z not in in_force and " (ended " in z.name]
        assert len(renamed) == len(names) and all(z.valid_to is not None for z in renamed)
        assert reconcile(s) == []


def test_scores_from_hand_made_arrays():
    codes = np.array([[1, 1, 16], [1, 16, 16]], dtype=np.int16)
    served = codes == 1
    r = score(codes, served, 3600.0, np.array([True, False, False]), np.array([2, 0, 0], np.int8),
              np.zeros(3, bool), np.array(["d", "a", "b"]), [])
    assert r["leakage_h"] == 2.0 and r["leakage_by_cause_h"]["spoofed GPS"] == 2.0 and r["leakage_pct"] == 100.0
    assert r["collateral_h"] == 3.0 and r["collateral_by_cause_h"] == {"BLOCKED_AREA": 3.0}
    assert r["cut_off_pct"] == 0.0 and r["detected_pct"] == 0.0 and r["precision"] is None


def test_front_line_block_cuts_leakage_at_a_cost(small_scenario, tmp_path):
    sq = run_policy(small_scenario, load_policy("status_quo"), "status quo", str(tmp_path))
    fl = run_policy(small_scenario, load_policy("front_line_blocked"), "front line", str(tmp_path))
    assert sq["diverted_kits"] == fl["diverted_kits"] == 40 and sq["slots"] == 4
    assert fl["leakage_h"] < sq["leakage_h"]
    assert sq["leakage_by_cause_h"]["no rule bars its position"] > 0
    # A jammed kit reports no position, but its signalling uplink gives the network a fix, decided on (position
    # source STARLINK): under the status quo that fix is in Ukraine, where the kit really is and which the status quo
    # serves — its leakage is put down to no rule barring its position, not to its GPS.
    assert sq["leakage_by_cause_h"]["jammed GPS"] < sq["leakage_by_cause_h"]["no rule bars its position"]
    assert fl["leakage_by_cause_h"]["no rule bars its position"] == 0  # what leaks is spoofed GPS
    assert fl["leakage_by_cause_h"]["spoofed GPS"] > 0
    assert fl["detected_pct"] > sq["detected_pct"] and fl["incidents"] > sq["incidents"]
    assert (tmp_path / "front-line" / "incidents.html").exists()


def test_dask_and_serial_agree_and_tables_are_written(small_scenario, tmp_path):
    from dask.distributed import LocalCluster

    policies = {"status quo": load_policy("status_quo"), "mix": load_policy("mix")}
    local = compare(small_scenario, policies, tmp_path / "serial", duration_s=30, local=True)
    # An in-process cluster reached by its address (--scheduler): the workers share this process's loaded borders.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = compare(small_scenario, policies, tmp_path / "dask", scheduler=cluster.scheduler_address,
                       duration_s=30)
    keys = ("leakage_h", "collateral_h", "incidents", "detected_pct", "leakage_by_cause_h", "collateral_by_cause_h")
    assert [{k: r[k] for k in keys} for r in local] == [{k: r[k] for k in keys} for r in dask]
    rows = list(csv.DictReader((tmp_path / "dask" / "compare.csv").open()))
    assert [r["policy"] for r in rows] == ["status quo", "mix"]
    md = (tmp_path / "dask" / "compare.md").read_text()
    assert "| status quo |" in md and "1 Dask workers" in md
    assert (tmp_path / "dask" / "compare.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_on_workers_in_another_directory_writes_the_evidence_here(small_scenario, tmp_path, monkeypatch):
    """--scheduler workers may be on another machine or in another working directory: the evidence each policy
    raised comes back to the caller and lands under the --out the user gave (here relative), nowhere else."""
    from pathlib import Path

    from dask.distributed import LocalCluster

    elsewhere = tmp_path / "workers-cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the worker process starts here
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(tmp_path)
        compare(small_scenario, {"front line": load_policy("front_line_blocked")}, Path("out"),
                scheduler=cluster.scheduler_address, duration_s=30)
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "out" / "front-line" / "incidents.html").exists()
    assert (tmp_path / "out" / "compare.csv").exists()


def test_scores_count_from_activation():
    """Kit 0 is on from the start, kit 1 from 2 h: hours, time to detect and to cut off count from activation; a
    terminal refused before its activation (it is off) is not collateral."""
    from types import SimpleNamespace

    codes = np.array([[1, 0, 0], [1, 0, 16], [16, 1, 16], [16, 16, 16]], dtype=np.int16)
    served = codes == 1
    inc = [SimpleNamespace(terminals=[{"serial": "d0", "first_seen_s": 7200.0}, {"serial": "d1",
                                                                                 "first_seen_s": 10800.0}])]
    r = score(codes, served, 3600.0, np.array([True, True, False]), np.zeros(3, np.int8), np.zeros(3, bool),
              np.array(["d0", "d1", "a"]), inc, active_from_s=np.array([0.0, 7200.0, 3600.0]))
    assert r["unauthorised_h"] == 4.0 + 2.0 and r["leakage_h"] == 3.0
    assert r["authorised_h"] == 3.0 and r["collateral_h"] == 3.0  # slots 1–3 of the authorised terminal
    assert r["time_to_detect_median_min"] == pytest.approx((7200.0 + 3600.0) / 2 / 60)
    # d0 last served in slot 1 → cut off at 2 h; d1 last served in slot 2 → cut off at 3 h, 1 h after activation.
    assert r["cut_off_pct"] == 100.0 and r["time_to_cut_off_median_min"] == pytest.approx((120 + 60) / 2)


def test_jammed_kit_still_awaiting_its_first_fix_is_not_cut_off():
    """Kit 0 (jammed) is refused UNKNOWN_LOCATION from its activation to the end: its first network fix is still
    pending, nothing was decided on its position — not a cut-off. Kit 1 is refused BLOCKED_AREA from the start (cut
    off at 0); kit 2 is served, then refused UNKNOWN_LOCATION (the location check denies it: cut off)."""
    U, B, S = int(C.UNKNOWN_LOCATION), int(C.BLOCKED_AREA), int(C.UNKNOWN_STATE)
    codes = np.array([[S, B, 0], [U, B, U], [U, B, U]], dtype=np.int16)
    r = score(codes, codes == 0, 60.0, np.ones(3, bool), np.array([1, 0, 2], np.int8), np.zeros(3, bool),
              np.array(["j", "b", "s"]), [], active_from_s=np.array([60.0, 0.0, 0.0]))
    assert r["diverted_kits_active"] == 3
    assert r["cut_off_pct"] == pytest.approx(200 / 3) and r["time_to_cut_off_median_min"] == pytest.approx(0.5)


def test_leak_cause_is_the_gps_only_where_the_policy_bars_the_true_position():
    """A jammed or spoofed kit served where the policy would serve it anyway (its true position is not barred)
    leaked because no rule bars its position, not because of its GPS."""
    codes = np.zeros((2, 3), dtype=np.int16)
    barred = np.array([[False, False, False], [True, True, True]])
    r = score(codes, codes == 0, 3600.0, np.ones(3, bool), np.array([1, 2, 0], np.int8),
              np.array([False, False, True]), np.array(["j", "s", "w"]), [], barred=barred)
    assert r["leakage_by_cause_h"] == {"spoofed GPS": 1.0, "jammed GPS": 1.0, "whitelisted": 2.0,
                                       "no rule bars its position": 2.0}


def test_tradeoff_plot_labels_of_coinciding_policies_do_not_overlap():
    """Two policies with the same scores (e.g. the status quo and a location check that caught no spoofer) land on
    one point: both names stay readable."""
    import matplotlib.pyplot as plt

    from leonet.analysis.report import figure

    base = {"collateral_pct": 0.7, "leakage_pct": 70.3, "detected_pct": 6.7}
    fig = figure([{**base, "policy": "status quo"}, {**base, "policy": "location check"},
                  {**base, "collateral_pct": 0.9, "policy": "front line"}, {**base, "leakage_pct": 8.0,
                                                                              "policy": "whitelist"}])
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    plt.close(fig)
    assert len(boxes) == 4
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_compare_scratch_stores_leave_the_operators_audit_checkpoint_alone(small_scenario, tmp_path, monkeypatch):
    """With $LEONET_AUDIT_CHECKPOINT set for the operator's store, `leonet compare` (its own scratch stores, one per
    policy) must not move that checkpoint, or `leonet audit verify` of the real store reports a rewritten history."""
    from leonet.access import checkpoint
    from leonet.store.models import AuditRecord

    monkeypatch.setenv("LEONET_AUDIT_CHECKPOINT", str(tmp_path / "operator.audit-head.json"))
    sessions = open_store(f"sqlite:///{tmp_path / 'operator.sqlite'}")
    with sessions.begin() as s:
        seed.load_example(s)
    before = (tmp_path / "operator.audit-head.json").read_text()
    monkeypatch.setattr(checkpoint, "_WRITTEN", {})  # `leonet compare` is another process (as are its Dask workers)
    compare(small_scenario, {"status quo": load_policy("status_quo")}, tmp_path / "cmp", duration_s=15, local=True)
    assert (tmp_path / "operator.audit-head.json").read_text() == before
    with sessions() as s:
        records = dict(s.execute(select(AuditRecord.seq, AuditRecord.hash)).all())
    assert checkpoint.check(records, max(records), tmp_path / "operator.audit-head.json")[0] == []


def test_a_kit_not_yet_switched_on_reports_nothing(small_scenario):
    """Before its activation a kit is off: no reported position in the slot state or telemetry (which the inference
    reads as sightings), and no Roam trip started from a position it never sent."""
    from leonet.population.spec import Population
    from leonet.sim.engine import Simulation

    pop = small_scenario.population.model_dump()
    pop["diverted"][0]["activation"] = {"at_start": 0.0, "over_s": 1e6}  # practically none on within the run
    sim = Simulation(small_scenario.model_copy(update={"population": Population.model_validate(pop)}), record=False)
    sim.step()
    st = sim.slot_state()
    off = st.t_utc.timestamp() - sim.start_utc.timestamp() < sim.active_from_s
    assert off.sum() >= 30 and (st.code[off] == int(C.UNKNOWN_STATE)).all()
    assert np.isnan(st.lat_deg[off]).all() and np.isnan(st.lon_deg[off]).all()
    assert np.isnan(sim.roaming.since_s[off]).all()


def test_compare_removes_its_scratch_stores(small_scenario, tmp_path, monkeypatch):
    """Each policy runs in its own scratch SQLite store; a compare must not leave them behind (a 1-M-terminal
    population makes each one large)."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run_policy(small_scenario, load_policy("status_quo"), "status quo", None, 15)
    assert list(scratch.iterdir()) == []


def test_policy_zone_keeps_its_source_and_date(tmp_path):
    """A zone in a policy file is user-supplied like an imported one: its source and the date it describes are kept."""
    sessions = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    pol = parse_policy({"name": "x", "zones": [{
        "name": "z", "kind": "blocked_area", "reason": "r", "source": "https://example.org/line.geojson",
        "as_of": "2026-02-05T00:00:00Z",
        "geometry": {"type": "Polygon", "coordinates": [[[36, 48], [37, 48], [37, 49], [36, 49], [36, 48]]]}}]})
    with sessions.begin() as s:
        apply_policy(s, pol)
    with sessions() as s:
        z = s.execute(select(Zone).where(Zone.name == "z")).scalar_one()
        assert z.source == "https://example.org/line.geojson"
        assert z.as_of.replace(tzinfo=UTC) == datetime(2026, 2, 5, tzinfo=UTC)
