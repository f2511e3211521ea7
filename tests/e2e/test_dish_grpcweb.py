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


PAGE = """<!doctype html><meta charset="utf-8"><title>dish page</title><script>
// A page on another origin reads the dish by gRPC-Web, as the dish's own web UI does: Request{get_device_info{}}
// is field 1008 (tag 0x82 0x3f, empty message), framed (flag 0, 4-byte length), sent as grpc-web-text.
async function readDish(url) {
  const frame = new Uint8Array([0, 0, 0, 0, 3, 0x82, 0x3f, 0x00]);
  const r = await fetch(url + "/SpaceX.API.Device.Device/Handle", {method: "POST", body: btoa(String.fromCharCode(
    ...frame)), headers: {"content-type": "application/grpc-web-text", "x-grpc-web": "1", "accept":
    "application/grpc-web-text"}});
  const raw = atob(await r.text());
  return {status: r.status, text: raw, trailer: raw.slice(raw.indexOf("grpc-status"))};
}
</script>"""


def test_a_page_in_chromium_reads_the_dish_across_origins(web_dish, chromium_path, tmp_path):
    """Debian's chromium (Playwright) on a page from another origin: the CORS preflight and the gRPC-Web call."""
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    (tmp_path / "index.html").write_text(PAGE)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    _, web = web_dish
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{site.server_address[1]}/index.html")
            out = page.evaluate("url => readDish(url)", f"http://localhost:{web}")
            browser.close()
    finally:
        site.shutdown()
    assert out["status"] == 200
    assert "ut-ua-kyiv-01" in out["text"] and out["trailer"].startswith("grpc-status:0")
