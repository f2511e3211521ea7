"""`leonet routes` exactly as issue 3's command contract writes it, plus bad-input messages."""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import resources

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from leonet.cli import app
from leonet.network.latency import compute_chunk, iter_route_chunks
from leonet.network.setup import build_route_job

runner = CliRunner()
DATA = resources.files("leonet") / "data"


@pytest.fixture()
def gs_csv(tmp_path):
    path = tmp_path / "gs.csv"
    path.write_text("name,lat_deg,lon_deg,alt_m\nKyiv,50.45,30.52,179\nWarsaw,52.23,21.01,100\n"
                    "Berlin,52.52,13.40,34\nLondon,51.51,-0.13,11\n")
    return path


def test_routes_contract_csv(tmp_path, gs_csv):
    out = tmp_path / "out.csv"
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("src,dst\nKyiv,London\nWarsaw,Berlin\n")
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv),
                                 "--isls", "plus-grid", "--min-elevation", "25", "--pairs", str(pairs),
                                 "--start", "2026-01-01T00:00:00Z", "--duration", "3", "--step", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open() as f:
        assert f.readline().strip() == "t_s,src,dst,rtt_ms,hops,path"
    rows = list(csv.DictReader(out.open()))
    assert [r["t_s"] for r in rows] == ["0", "0", "1", "1", "2", "2"]
    for r in rows:
        path = r["path"].split("-")
        assert path[0] == r["src"] and path[-1] == r["dst"]
        assert int(r["hops"]) == len(path) - 1
        assert all(p.isdigit() for p in path[1:-1])
        assert 5.0 < float(r["rtt_ms"]) < 100.0


def test_routes_with_tles_isl_file_and_max_range(tmp_path, gs_csv):
    isl = tmp_path / "isls.txt"
    isl.write_text("0 1\n1 2\n2 3\n")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["routes", "--tles", str(DATA / "starlink_sample.tle"), "--ground-stations",
                                 str(gs_csv), "--isls", str(isl), "--max-gsl-range-km", "1500", "--pairs", "all",
                                 "--start", "2020-05-07T12:00:00Z", "--duration", "60", "--step", "10",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert table.num_rows == 6 * 6 and table.column_names == ["t_s", "src", "dst", "rtt_ms", "hops", "path"]


def test_unreachable_rows_have_empty_fields(tmp_path):
    gs = tmp_path / "gs.csv"
    gs.write_text("name,lat_deg,lon_deg,alt_m\nSouthPole,-89.9,0,0\nKyiv,50.45,30.52,0\n")  # shell1 never reaches
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs),
                                 "--duration", "1", "--step", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1] == "0,SouthPole,Kyiv,,,"


@pytest.mark.parametrize(("content", "needle"), [
    ("name,lat_deg,lon_deg,alt_m\nA,91,0,0\nB,0,0,0\n", "line 2, field 'lat_deg', value '91'"),
    ("name,lat_deg,lon_deg,alt_m\nA,10,abc,0\nB,0,0,0\n", "line 2, field 'lon_deg', value 'abc'"),
    ("name,lat,lon\nA,1,2\n", "field 'lat_deg'"),
    ("name,lat_deg,lon_deg,alt_m\nA,1,2,0\nA,3,4,0\n", "line 3, field 'name', value 'A'"),
])
def test_bad_ground_station_csv_names_line_and_field(tmp_path, content, needle):
    gs = tmp_path / "gs.csv"
    gs.write_text(content)
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs),
                                 "--duration", "1", "--step", "1", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert needle in result.output.replace("\n", "")
    assert not (tmp_path / "o.csv").exists()


def test_unknown_preset_and_malformed_tle(tmp_path, gs_csv):
    result = runner.invoke(app, ["routes", "--preset", "starlink-gen9", "--ground-stations", str(gs_csv),
                                 "--duration", "1", "--step", "1", "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "field 'preset', value 'starlink-gen9'" in result.output
    lines = (DATA / "starlink_sample.tle").read_text().splitlines()[:6]
    lines[4] = lines[4][:20] + "x" + lines[4][21:]  # corrupt the epoch of the second satellite
    bad = tmp_path / "bad.tle"
    bad.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["routes", "--tles", str(bad), "--ground-stations", str(gs_csv), "--isls",
                                 "none", "--start", "2020-05-07T12:00:00Z", "--duration", "1", "--step", "1",
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "bad.tle, line 5" in result.output and "epoch day" in result.output


def test_tles_with_mixed_epochs_need_start(tmp_path, gs_csv):
    result = runner.invoke(app, ["routes", "--tles", str(DATA / "starlink_sample.tle"), "--ground-stations",
                                 str(gs_csv), "--isls", "none", "--duration", "1", "--step", "1",
                                 "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "--start" in result.output
    # the message suggests a start that works as given
    import re

    suggested = re.search(r"--start (\S+Z)", result.output).group(1)
    result = runner.invoke(app, ["routes", "--tles", str(DATA / "starlink_sample.tle"), "--ground-stations",
                                 str(gs_csv), "--isls", "none", "--duration", "1", "--step", "1", "--start",
                                 suggested, "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 0, result.output


def test_dask_chunks_identical_to_serial(gs_csv):
    job = build_route_job(preset="starlink-shell1", tles=None, ground_stations=gs_csv, duration=6, step=0.5)
    a = [t for t in iter_route_chunks(job, chunk_steps=3)]
    b = [t for t in iter_route_chunks(job, chunk_steps=3, use_dask=True, workers=2)]
    assert len(a) == len(b) == 4
    for x, y in zip(a, b, strict=True):
        assert x.equals(y)
    whole = compute_chunk(job, 0, job.grid.count)
    assert whole.equals(pa.concat_tables(a))


def test_plot_rtt_and_export(tmp_path, gs_csv):
    out = tmp_path / "r.csv"
    runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv),
                        "--duration", "20", "--step", "1", "--out", str(out)])
    png = tmp_path / "rtt.png"
    result = runner.invoke(app, ["plot", "rtt", str(out), "--out", str(png), "--pair", "Kyiv,London"])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    tle = tmp_path / "shell1.tle"
    result = runner.invoke(app, ["constellation", "export", "--preset", "starlink-shell1", "--out", str(tle)])
    assert result.exit_code == 0
    assert len(tle.read_text().splitlines()) == 3 * 1584


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "leonet", "constellation", "list"], capture_output=True, text=True)
    assert out.returncode == 0 and "starlink-gen1" in out.stdout and "4408" in out.stdout


def test_forwarding_state_export_follows_to_the_destination(tmp_path, gs_csv):
    out, fwd = tmp_path / "r.csv", tmp_path / "fwd.csv"
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv),
                                 "--duration", "1", "--step", "1", "--out", str(out), "--forwarding-out", str(fwd)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(fwd.open()))
    assert len(rows) == 1584 * 4 and set(rows[0]) == {"t_s", "node", "dst", "next_hop"}
    hop = {(r["node"], r["dst"]): r["next_hop"] for r in rows}
    route = next(r for r in csv.DictReader(out.open()) if r["dst"] == "London")
    path = route["path"].split("-")
    # Following the exported next hops from the first satellite reproduces the routed path.
    node, walked = path[1], [path[1]]
    while node != "London":
        node = hop[(node, "London")]
        walked.append(node)
    assert walked == path[1:]


def test_routes_on_a_running_scheduler_by_address(tmp_path, gs_csv):
    """`--scheduler tcp://…` against a LocalCluster started here (2 workers): the same file as the serial run."""
    from dask.distributed import LocalCluster

    args = ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv), "--duration", "4",
            "--step", "0.5", "--chunk-steps", "2"]
    serial = runner.invoke(app, args + ["--out", str(tmp_path / "serial.csv")])
    assert serial.exit_code == 0, serial.output
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = runner.invoke(app, args + ["--out", str(tmp_path / "dask.csv"), "--scheduler",
                                            cluster.scheduler_address])
    assert remote.exit_code == 0, remote.output
    assert "8/8 steps" in remote.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "serial.csv").read_bytes()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, gs_csv):
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv),
                                 "--duration", "1", "--step", "1", "--out", str(tmp_path / "o.csv"),
                                 "--scheduler", "tcp://127.0.0.1:18899"])
    assert result.exit_code == 2 and "scheduler" in result.output


def test_large_extra_outputs_say_their_size_before_they_are_written(tmp_path):
    """--forwarding-out and --hypatia-out can dwarf the routes file (satellites × ground stations per step): a large
    one is announced with its size before any file is written, and the estimate is within 2× of what is written."""
    import re

    cities = (DATA / "cities_top100.csv").read_text().splitlines()
    gs = tmp_path / "gs64.csv"
    gs.write_text("\n".join(cities[:65]) + "\n")  # header + 64 cities
    fwd, hyp = tmp_path / "fwd.csv", tmp_path / "hyp"
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs),
                                 "--duration", "1", "--step", "1", "--out", str(tmp_path / "r.csv"),
                                 "--forwarding-out", str(fwd), "--hypatia-out", str(hyp)])
    assert result.exit_code == 0, result.output
    out = result.output
    first_write = out.index("wrote")
    note = re.search(r"forwarding state: ([\d,]+) rows .*?about ([\d,]+) MB as CSV", out)
    assert note and note.start() < first_write, out
    assert int(note.group(1).replace(",", "")) == 1584 * 64 == sum(1 for _ in fwd.open()) - 1
    assert 0.5 < int(note.group(2).replace(",", "")) * 1e6 / fwd.stat().st_size < 2
    note = re.search(r"Hypatia state: fstate_0.txt ([\d,]+) lines \(about ([\d,]+) MB\)", out)
    assert note and note.start() < first_write, out
    lines = (hyp / "fstate_0.txt").read_text().splitlines()
    assert int(note.group(1).replace(",", "")) == len(lines) == 1584 * 64 + 64 * 63
    assert 0.5 < int(note.group(2).replace(",", "")) * 1e6 / (hyp / "fstate_0.txt").stat().st_size < 2


def test_names_with_commas_plot_by_pair_and_are_refused_for_hypatia(tmp_path):
    """A ground station may be called 'Washington, D.C.': the routes file quotes it, plot rtt finds the pair (given
    with its comma, or by default), and --hypatia-out refuses it up front (Hypatia's file is split at commas)."""
    gs = tmp_path / "gs.csv"
    gs.write_text('name,lat_deg,lon_deg,alt_m\n"Washington, D.C.",38.9,-77.04,10\nNew York,40.7,-74.0,10\n')
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs),
                                 "--duration", "3", "--step", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for extra in (["--pair", "New York,Washington, D.C."], ["--pair", "Washington, D.C., New York"], []):
        png = tmp_path / "p.png"
        png.unlink(missing_ok=True)
        result = runner.invoke(app, ["plot", "rtt", str(out), "--out", str(png), *extra])
        assert result.exit_code == 0, (extra, result.output)
        assert png.read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["plot", "rtt", str(out), "--out", str(tmp_path / "x.png"), "--pair",
                                 "Washington DC,New York"])
    assert result.exit_code == 2 and "did you mean 'Washington, D.C.'" in result.output
    hyp = tmp_path / "hyp"
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs),
                                 "--duration", "3", "--step", "1", "--out", str(tmp_path / "r2.csv"),
                                 "--hypatia-out", str(hyp)])
    assert result.exit_code == 2 and "Washington, D.C." in result.output and "comma" in result.output
    assert not (tmp_path / "r2.csv").exists() and not hyp.exists()


def test_pairs_file_name_miss_suggests_close_names(tmp_path, gs_csv):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("src,dst\nKyiv,Warsaw\nLondon,Berlim\n")
    result = runner.invoke(app, ["routes", "--preset", "starlink-shell1", "--ground-stations", str(gs_csv),
                                 "--pairs", str(pairs), "--duration", "1", "--step", "1", "--out",
                                 str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "line 3" in result.output and "'Berlim'" in result.output and "did you mean 'Berlin'" in result.output
