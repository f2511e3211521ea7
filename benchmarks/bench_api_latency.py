"""POST /api/v1/decisions single-terminal latency at 200 requests/s from a local, bounded load generator
(loopback only; 2,000 requests by default). Server: `leonet serve` (uvicorn) on the seeded example SQLite store.
Baseline named in the output: the same request's in-process decision time (no HTTP, no store read).

    .venv/bin/python benchmarks/bench_api_latency.py [--rate 200] [--requests 2000] [--db postgresql://…]

With ``--db`` the server uses that store (an empty PostgreSQL database, say); it is seeded first.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

KEY = "bench-admin-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:  # noqa: C901
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--db", default=None, help="Store URL (default: a fresh SQLite file).")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="leonet-bench-")
    url = args.db or f"sqlite:///{tmp}/bench.sqlite"
    subprocess.run([sys.executable, "-m", "leonet", "db", "seed", "--db", url], check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "leonet", "serve", "--port", str(port), "--db", url],
                              env={**os.environ, "LEONET_ADMIN_KEY": KEY}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        client = httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=10,
                              limits=httpx.Limits(max_connections=64))
        body = {"serial": "ut-ua-kyiv-01", "lat_deg": 50.45, "lon_deg": 30.52, "speed_kmh": 0}
        for _ in range(20):
            client.post(f"{base}/api/v1/decisions", json=body)
        latencies, errors = [], []
        lock = threading.Lock()

        def one(i: int) -> None:
            b = {**body, "lat_deg": 50.45 + (i % 7) * 0.01}
            t0 = time.perf_counter()
            r = client.post(f"{base}/api/v1/decisions", json=b)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                (latencies if r.status_code == 200 else errors).append(dt)
                ends.append(time.perf_counter())

        start = time.perf_counter()
        ends = []
        with ThreadPoolExecutor(max_workers=48) as pool:
            for i in range(args.requests):  # open-loop: requests leave on schedule whatever the latency
                delay = start + i / args.rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, i)
        elapsed = max(ends) - start
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
        print(f"POST /api/v1/decisions ({url.split(':')[0]}), {args.requests} requests at {args.rate:.0f}/s offered "
              f"({len(latencies) / elapsed:.0f}/s achieved), {len(errors)} errors")
        print(f"latency p50 {p(0.50):.1f} ms, p90 {p(0.90):.1f} ms, p99 {p(0.99):.1f} ms, "
              f"max {latencies[-1]:.1f} ms")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    in_process_baseline(url, latencies)


def in_process_baseline(url: str, latencies: list[float]) -> None:
    from datetime import UTC, datetime

    from leonet.access.context import load_context
    from leonet.access.policy import decide
    from leonet.store.session import open_store

    with open_store(url)() as s:
        ctx = load_context(s, datetime.now(UTC))
    t0 = time.perf_counter()
    for _ in range(200):
        decide(ctx, "ut-ua-kyiv-01", 50.45, 30.52)
    inproc = (time.perf_counter() - t0) / 200 * 1000
    print(f"baseline (in-process decide(), no HTTP/store): {inproc:.2f} ms; "
          f"HTTP p50 / in-process = {statistics.median(latencies) / inproc:.1f}×")



if __name__ == "__main__":
    main()
