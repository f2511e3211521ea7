"""gRPC-Web on the dish's web port, called by a real gRPC-Web client: protobuf-ts's GrpcWebFetchTransport run in
node (tests/e2e/grpcweb/client.mjs; scripts/setup.sh --dev installs it), in both encodings; and the CORS preflight
a browser page sends first."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

CLIENT = Path(__file__).parent / "grpcweb"


@pytest.fixture()
def web_dish(dishes):
    return dishes[0], dishes[1]["ut-ua-kyiv-01"][1]


@pytest.mark.parametrize("fmt", ["binary", "text"])
def test_protobuf_ts_grpcweb_client(web_dish, fmt):
    if shutil.which("node") is None or not (CLIENT / "node_modules").is_dir():
        pytest.fail("the gRPC-Web client is not installed: run scripts/setup.sh --dev (npm ci in tests/e2e/grpcweb)")
    sim, web = web_dish
    out = subprocess.run(["node", str(CLIENT / "client.mjs"), f"http://127.0.0.1:{web}", fmt, "get_status",
                          "get_device_info", "dish_get_config", "get_location", "wifi_get_clients"],
                         capture_output=True, text=True, timeout=60, check=True)
    lines = {d["request"]: d for d in map(json.loads, out.stdout.splitlines())}
    status = lines["get_status"]["response"]["dishGetStatus"]  # json_name keys, as a browser client sees them
    assert status["deviceInfo"]["id"] == "ut-ua-kyiv-01"
    assert status["disablementCode"] == int(sim.terminal("ut-ua-kyiv-01").code)
    assert int(status["deviceState"]["uptimeS"]) >= 45
    assert lines["get_device_info"]["response"]["getDeviceInfo"]["deviceInfo"]["hardwareVersion"]
    assert "dishGetConfig" in lines["dish_get_config"]["response"]
    assert lines["get_location"]["code"] == "PERMISSION_DENIED"
    assert lines["wifi_get_clients"]["code"] == "UNIMPLEMENTED" and "wifi_get_clients" in lines[
        "wifi_get_clients"]["message"]


def test_cors_preflight_lets_a_page_from_another_origin_call_handle(web_dish):
    _, web = web_dish
    r = httpx.options(f"http://127.0.0.1:{web}/SpaceX.API.Device.Device/Handle", headers={
        "Origin": "http://dishy.local:8080", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-grpc-web,x-user-agent"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "http://dishy.local:8080"
    allowed = {h.strip() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-grpc-web", "x-user-agent"} <= allowed
    assert "grpc-status" in r.headers["access-control-expose-headers"]
    bad = httpx.post(f"http://127.0.0.1:{web}/SpaceX.API.Device.Device/Handle", content=b"x",
                     headers={"Content-Type": "application/json"})
    assert bad.status_code == 415 and "application/grpc-web" in bad.text
