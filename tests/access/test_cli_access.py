"""`leonet decide` and `leonet serve` exactly as issue 4's command contract writes them."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from leonet.cli import app


def test_decide_contract(tmp_path):
    positions = tmp_path / "in.csv"
    positions.write_text("terminal,lat_deg,lon_deg,speed_kmh\nkyiv,50.45,30.52,0\nmoscow,55.75,37.62,0\n"
                         "atlantic,40.0,-30.0,0\nslubice,52.3503,14.5667,0\nfast,50.45,30.52,400\n")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["decide", "--plan", "roam", "--positions", str(positions), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open() as f:
        assert f.readline().strip().replace('"', "") == "terminal,code,reasons"
    rows = {r["terminal"]: r for r in csv.DictReader(out.open())}
    assert rows["kyiv"]["code"] == "OKAY"
    assert rows["moscow"]["code"] == "BLOCKED_COUNTRY" and "RU" in rows["moscow"]["reasons"]
    assert rows["atlantic"]["code"] == "IN_OCEAN"
    assert rows["slubice"]["code"] == "OKAY"
    assert rows["fast"]["code"] == "MOVING_TOO_FAST_FOR_POLICY"


def test_decide_bad_row_names_line_and_field(tmp_path):
    positions = tmp_path / "in.csv"
    positions.write_text("terminal,lat_deg,lon_deg,speed_kmh\na,50,30,0\nb,95,30,0\n")
    result = CliRunner().invoke(app, ["decide", "--plan", "roam", "--positions", str(positions), "--out",
                                      str(tmp_path / "o.csv"), "--db", f"sqlite:///{tmp_path / 'd.sqlite'}"])
    assert result.exit_code == 2 and "line 3" in result.output and "lat_deg" in result.output
    assert not (tmp_path / "o.csv").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_contract_with_env_admin_key(tmp_path):
    port = _free_port()
    env = {**os.environ, "LEONET_ADMIN_KEY": "k-admin-123"}
    proc = subprocess.Popen([sys.executable, "-m", "leonet", "serve", "--port", str(port), "--db",
                             f"sqlite:///{tmp_path / 's.sqlite'}"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{base}/api/v1/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert httpx.get(f"{base}/api/v1/zones").status_code == 401
        r = httpx.get(f"{base}/api/v1/zones", headers={"Authorization": "Bearer k-admin-123"})
        assert r.status_code == 200 and r.json() == []
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "leonet"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
