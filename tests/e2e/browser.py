"""Shared by the dashboard's browser tests and its frame-time benchmark: start a `leonet demo` (its printout kept
in a file), and open the dashboard in Debian's chromium through the demo's login flow."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
KEY = "dash-admin-key"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(tmp: Path, *extra: str) -> tuple[subprocess.Popen, str, Path]:
    """A `leonet demo` on a free port with ``KEY`` as LEONET_ADMIN_KEY; returns (process, base URL, printout)."""
    if not (ROOT / "src/leonet/web/dist/index.html").is_file():
        raise RuntimeError("dashboard not built: run scripts/setup.sh (npm run build in src/leonet/web)")
    port = free_port()
    out = tmp / "demo.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "leonet", "demo", "--port", str(port), "--no-browser",
                                 "--speed", "15", "--db", f"sqlite:///{tmp / 'demo.sqlite'}", *extra],
                                env={**os.environ, "LEONET_ADMIN_KEY": KEY}, stdout=sink,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    start = time.time()
    while time.time() - start < 120:
        if proc.poll() is not None:
            raise RuntimeError(f"leonet demo exited: {out.read_text(encoding='utf-8')[-2000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    return proc, base, out


def stop_demo(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def new_key(base: str, role: str, **fields) -> str:
    """Mint a key of ``role`` through the API with the admin key."""
    r = httpx.post(f"{base}/api/v1/keys", headers={"Authorization": f"Bearer {KEY}"},
                   json={"role": role, "label": f"test {role}", **fields}, timeout=10)
    r.raise_for_status()
    return r.json()["key"]


def open_dashboard(browser, url: str, key: str | None = KEY, *, frames: int = 1):
    """A new browser context (own cookies) on the dashboard, signed in through a ``#key=`` link when ``key`` is
    given (else ``url`` carries the fragment itself); waits for live frames. Returns (page, console errors)."""
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + (f"#key={key}" if key else ""))
    page.wait_for_function(f"() => window.__leonet && window.__leonet.frames > {frames}", timeout=60_000)
    return page, errors
