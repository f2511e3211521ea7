"""`leonet demo --port PORT --no-browser --speed N`: serves the running system on localhost."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_the_live_system(tmp_path):
    port = _free_port()
    env = {**os.environ, "LEONET_ADMIN_KEY": "demo-key"}
    proc = subprocess.Popen([sys.executable, "-m", "leonet", "demo", "--port", str(port), "--no-browser",
                             "--speed", "60", "--db", f"sqlite:///{tmp_path / 'demo.sqlite'}"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    h = {"Authorization": "Bearer demo-key"}
    try:
        deadline = time.time() + 240  # a loaded 2-core CI box builds the scenario slowly
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        first = httpx.get(f"{base}/api/v1/sim/status", headers=h).json()["slot_index"]
        advanced = time.time() + 60  # ×60: a 15-s slot every 0.25 s when the machine keeps up; a busy one may not
        while httpx.get(f"{base}/api/v1/sim/status", headers=h).json()["slot_index"] <= first:
            assert time.time() < advanced, "the simulation did not advance a slot within 60 s"
            time.sleep(0.25)
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "leonet" in page.text  # the dashboard, or the status page without it
        t = httpx.get(f"{base}/api/v1/sim/terminals/ut-grey-01", headers=h).json()
        assert t["code"] == "BLOCKED_COUNTRY" and t["served"] is False
        incidents = httpx.get(f"{base}/api/v1/sim/incidents", headers=h).json()
        assert any(x["serial"] == "ut-grey-01" for i in incidents for x in i["terminals"])
        rows = httpx.get(f"{base}/api/v1/sim/telemetry", params={"serial": "ut-ua-kyiv-01"}, headers=h).json()
        assert rows and rows[0]["code"] == "OKAY"
        assert httpx.get(f"{base}/api/v1/sim/terminals/nope", headers=h).status_code == 404
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
