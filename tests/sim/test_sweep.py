"""Scenario sweeps (`leonet run A.toml B.toml …`): the same files serially and on a running Dask scheduler."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
from typer.testing import CliRunner

from leonet.cli import app
from leonet.scenario import default_scenario_path


def test_sweep_on_a_scheduler_equals_the_serial_sweep(tmp_path, monkeypatch):
    """Relative paths, as a user types them, and workers that do not share the client's working directory (as on
    another machine): the scenarios are read and the outputs written where the user ran the command."""
    from dask.distributed import LocalCluster

    for name in ("first", "second"):
        shutil.copy(default_scenario_path(), tmp_path / f"{name}.toml")
    scenarios = ["first.toml", "second.toml"]
    elsewhere = tmp_path / "workers-cwd"
    elsewhere.mkdir()
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    serial = runner.invoke(app, ["run", *scenarios, "--duration", "30s", "--out", "serial"])
    assert serial.exit_code == 0, serial.output
    assert "2/2" in serial.output
    monkeypatch.chdir(elsewhere)  # the workers' processes start here
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(tmp_path)
        remote = runner.invoke(app, ["run", *scenarios, "--duration", "30s", "--out", "dask", "--scheduler",
                                     cluster.scheduler_address])
        one = runner.invoke(app, ["run", "first.toml", "--duration", "30s", "--out", "one", "--scheduler",
                                  cluster.scheduler_address])
    assert one.exit_code == 0, one.output
    # one scenario on a scheduler writes where `leonet run first.toml --out one` writes: into one/, not one/first/
    assert pq.read_table(tmp_path / "one" / "telemetry.parquet").equals(
        pq.read_table(tmp_path / "serial" / "first" / "telemetry.parquet"))
    assert remote.exit_code == 0, remote.output
    assert list(elsewhere.iterdir()) == []
    for name in ("first", "second"):
        a = pq.read_table(tmp_path / "serial" / name / "telemetry.parquet")
        b = pq.read_table(tmp_path / "dask" / name / "telemetry.parquet")
        assert a.num_rows > 0 and a.equals(b)
        assert (tmp_path / "serial" / name / "incidents.json").read_text() == \
            (tmp_path / "dask" / name / "incidents.json").read_text()
        assert sorted(f.name for f in (tmp_path / "serial" / name).iterdir()) == \
            sorted(f.name for f in (tmp_path / "dask" / name).iterdir())


def test_sweep_refuses_clashing_names(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        shutil.copy(default_scenario_path(), tmp_path / d / "same.toml")
    r = CliRunner().invoke(app, ["run", str(tmp_path / "a/same.toml"), str(tmp_path / "b/same.toml"), "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code == 2 and "same file name" in r.output
