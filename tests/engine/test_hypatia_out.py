"""`leonet routes --hypatia-out` against the files Hypatia's own satgenpy wrote for the same inputs
(tests/data/hypatia_small, provenance in its PROVENANCE.md): same static files, same interface numbering and
bandwidth file, and the same forwarding state except where two next hops are equally short (a tie, within the
half-kilometre that separates satgenpy's PyEphem positions from leonet's SGP4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from leonet.cli import app
from leonet.network.gsl import GslIndex
from leonet.network.routing import distances_to_ground
from leonet.network.setup import build_route_job
from leonet.orbits.propagate import positions_ecef_km

REF = Path(__file__).resolve().parents[1] / "data" / "hypatia_small"
N, G = 144, 5
TIE_KM = 0.5


def _states(folder: Path) -> list[dict[tuple[int, int], tuple[int, int, int]]]:
    """Full forwarding state at each step (the files after the first hold only changes)."""
    states, cur = [], {}
    for t_ns in (0, 1_000_000_000, 2_000_000_000):
        for line in (folder / f"fstate_{t_ns}.txt").read_text().split():
            v = [int(x) for x in line.split(",")]
            cur[(v[0], v[1])] = (v[2], v[3], v[4])
        states.append(dict(cur))
    return states


def test_hypatia_state_files_match_satgenpy(tmp_path):
    gs = tmp_path / "gs.csv"
    rows = [line.split(",") for line in (REF / "ground_stations.txt").read_text().splitlines()]
    gs.write_text("name,lat_deg,lon_deg,alt_m\n" + "".join(f"{r[1]},{r[2]},{r[3]},{r[4]}\n" for r in rows))
    out = tmp_path / "hyp"
    args = ["--tles", str(REF / "tles.txt"), "--ground-stations", str(gs), "--isls", str(REF / "isls.txt"),
            "--max-gsl-range-km", "2500", "--start", "2000-01-01T00:00:00Z", "--duration", "3", "--step", "1"]
    result = CliRunner().invoke(app, ["routes", *args, "--out", str(tmp_path / "r.csv"), "--hypatia-out", str(out)])
    assert result.exit_code == 0, result.output

    assert (out / "isls.txt").read_text() == (REF / "isls.txt").read_text()
    ours, theirs = (out / "tles.txt").read_text().splitlines(), (REF / "tles.txt").read_text().splitlines()
    assert ours[1:] == theirs[1:]  # same named TLEs; header 'orbits sats-per-orbit' is 1 × 144 here, 12 × 12 there
    assert np.prod([int(x) for x in ours[0].split()]) == np.prod([int(x) for x in theirs[0].split()]) == N
    for a, b in zip((out / "ground_stations.txt").read_text().splitlines(), rows, strict=True):
        a = a.split(",")
        assert a[:2] == b[:2]
        assert np.allclose([float(x) for x in a[2:]], [float(x) for x in b[2:]], rtol=0, atol=1e-3)  # metres
    desc = dict(line.split("=") for line in (out / "description.txt").read_text().split())
    ref = dict(line.split("=") for line in (REF / "description.txt").read_text().split())
    assert float(desc["max_gsl_length_m"]) == float(ref["max_gsl_length_m"])
    # the same 80-km grazing rule, from leonet's SGP4 radius instead of satgenpy's nominal altitude: within 5 %
    assert abs(float(desc["max_isl_length_m"]) / float(ref["max_isl_length_m"]) - 1) < 0.05
    for t_ns in (0, 1_000_000_000, 2_000_000_000):
        assert (out / f"gsl_if_bandwidth_{t_ns}.txt").read_text() == (REF / f"gsl_if_bandwidth_{t_ns}.txt").read_text()

    # forwarding state: identical, or a tie by leonet's own distances
    job = build_route_job(preset=None, tles=REF / "tles.txt", ground_stations=gs, isls=str(REF / "isls.txt"),
                          max_gsl_range_km=2500.0, start="2000-01-01T00:00:00Z", duration=3, step=1)
    pos = positions_ecef_km(job.source, job.grid.t_unix_s)
    gsl = GslIndex(job.sites.ecef_km, job.sites.lat_deg, job.sites.lon_deg, job.gsl)
    same = differ = 0
    for k, (mine, hyp) in enumerate(zip(_states(out), _states(REF), strict=True)):
        assert mine.keys() == hyp.keys() and len(mine) == N * G + G * (G - 1)
        mask, rng = gsl.step(pos[k])
        isl_m = 1000 * np.linalg.norm(pos[k][job.isl_edges[:, 0]] - pos[k][job.isl_edges[:, 1]], axis=1)
        assert isl_m.max() <= float(desc["max_isl_length_m"])  # ns-3 requires every ISL within the stated maximum
        dist, _ = distances_to_ground(pos[k], job.isl_edges, job.sites.ecef_km, mask, rng)
        for key, decision in mine.items():
            if decision == hyp[key]:
                same += 1
                continue
            differ += 1
            node, dst = key[0], key[1] - N
            a, b = decision[0], hyp[key][0]
            assert a >= 0 and b >= 0, f"reachability differs at step {k}: {key}"
            if node < N:  # satellite → ground: both next hops lead there equally short
                via = [rng[dst, node] if hop == N + dst else np.linalg.norm(pos[k][node] - pos[k][hop]) + dist[dst, hop]
                       for hop in (a, b)]
                assert abs(via[0] - via[1]) < TIE_KM, f"step {k} {key}: {decision} vs {hyp[key]}"
            else:  # ground → ground: both first satellites equally short
                src = node - N
                assert abs((rng[src, a] + dist[dst, a]) - (rng[src, b] + dist[dst, b])) < TIE_KM
    print(f"forwarding entries identical: {same} of {same + differ}")
    assert same > 0.95 * (same + differ)


def test_tles_of_other_epochs_are_written_at_the_start(tmp_path):
    """Hypatia's ns-3 module flies every satellite from its TLE's epoch at simulation time 0, and satgenpy refuses
    TLEs of different epochs: from real TLEs (the shipped CelesTrak snapshot: many epochs, none the start) tles.txt
    holds every satellite at the run's start, as its own SGP4 orbit — within 0.2 km over the run of python-sgp4 on
    the input TLEs."""
    from datetime import UTC, datetime

    from leonet.network.setup import resolve_tles
    from leonet.orbits.tle import parse_tle_text

    snapshot = resolve_tles("starlink-latest")
    records = snapshot.records[:60]
    source = tmp_path / "in.tle"
    source.write_text("".join(f"{n}\n{r[1]}\n{r[2]}\n" for n, r in zip(snapshot.names, records, strict=False)))
    gs = tmp_path / "gs.csv"
    gs.write_text("name,lat_deg,lon_deg,alt_m\nKyiv,50.45,30.52,179\nWarsaw,52.23,21.01,100\n")
    out = tmp_path / "hyp"
    args = ["routes", "--tles", str(source), "--ground-stations", str(gs), "--isls", "none", "--start",
            "2026-05-13T12:00:00Z", "--duration", "600", "--step", "300", "--out", str(tmp_path / "r.csv"),
            "--hypatia-out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len({r[1][18:32] for r in records}) > 1  # the input really has several epochs

    text = (out / "tles.txt").read_text()
    lines = text.splitlines()
    assert lines[0] == "1 60"
    assert [int(lines[1 + 3 * i].split()[1]) for i in range(60)] == list(range(60))  # satgenpy's id check
    assert {lines[2 + 3 * i][18:32] for i in range(60)} == {"26133.50000000"}  # 2026-05-13 12:00 UTC, day 133
    written = parse_tle_text(text, "tles.txt")
    t = datetime(2026, 5, 13, 12, tzinfo=UTC).timestamp() + np.array([0.0, 300.0, 600.0])
    given = parse_tle_text(source.read_text(), "in.tle")
    offset_km = np.linalg.norm(positions_ecef_km(written, t) - positions_ecef_km(given, t), axis=2)
    assert np.isfinite(offset_km).all() and offset_km.max() < 0.2
    assert "re-epoched" in result.output
