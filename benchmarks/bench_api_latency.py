"""The control plane under load, as an operator would try it: `leonet serve` (a real process) on SQLite and on
PostgreSQL, `POST /api/v1/decisions` offered open-loop (requests leave on schedule whatever the latency; loopback;
at most ``--max-in-flight`` outstanding) at 200 and 1,000 requests/s. Every response and every failure is looked at:
anything but 200 is an error (at 1,000/s a 503 is counted apart as *shed*, with its own latency), a timeout or a
refused connection is an error. Also: start-to-ready time (the server's own figure from /api/v1/ready) and the
server's peak RSS while 50 decisions arrive at once right after start, and /api/v1/health latency during overload.

Targets (issue 15): 0 errors and p99 < 50 ms at 200/s on both stores; at 1,000/s only fast 503s and health still
answering (< 1 s); start-to-ready < 10 s; peak RSS < 1.5 GB. Baseline named in the output: the in-process decision.

    .venv/bin/python benchmarks/bench_api_latency.py [--pg postgresql://…] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import psutil

KEY = "bench-admin-key"
BODY = {"serial": "ut-ua-kyiv-01", "lat_deg": 50.45, "lon_deg": 30.52, "speed_kmh": 0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_pg(base_url: str) -> str:
    import uuid

    from sqlalchemy import create_engine, text

    from leonet.store.session import normalise_url

    name = f"leonet_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return normalise_url(base_url).rsplit("/", 1)[0] + f"/{name}"


class Rss:
    """Peak resident set size of a process tree, sampled every 20 ms in a thread."""

    def __init__(self, pid: int):
        self.proc, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = self.proc.memory_info().rss + sum(c.memory_info().rss for c in self.proc.children(True))
                self.peak = max(self.peak, rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self.thread.join()
        return self.peak


async def burst_at_start(base: str, n: int) -> tuple[int, int]:
    """``n`` decisions at once, as soon as the server accepts connections: (answered 200, other)."""
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=120,
                                 limits=httpx.Limits(max_connections=n)) as c:
        while True:
            try:
                await c.get("/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        rs = await asyncio.gather(*(c.post("/api/v1/decisions", json=BODY) for _ in range(n)),
                                  return_exceptions=True)
    ok = sum(1 for r in rs if not isinstance(r, BaseException) and r.status_code == 200)
    return ok, n - ok


async def open_loop(base: str, rate: float, seconds: float, max_in_flight: int) -> dict:
    n = int(rate * seconds)
    ok_ms, shed_ms, errors, health_ms = [], [], {}, []
    in_flight = 0
    done_at: list[float] = []
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=5,
                                 limits=limits) as c, httpx.AsyncClient(base_url=base, timeout=5) as hc:

        async def one(i: int) -> None:
            nonlocal in_flight
            in_flight += 1
            t0 = time.perf_counter()
            try:
                r = await c.post("/api/v1/decisions", json={**BODY, "lat_deg": 50.45 + (i % 7) * 0.01})
                dt = (time.perf_counter() - t0) * 1000
                if r.status_code == 200:
                    ok_ms.append(dt)
                elif r.status_code == 503:
                    shed_ms.append(dt)
                else:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
            except httpx.TimeoutException:
                errors["timeout"] = errors.get("timeout", 0) + 1
            except httpx.TransportError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            finally:
                in_flight -= 1
                done_at.append(time.perf_counter())

        async def probe_health(stop: asyncio.Event) -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    await hc.get("/api/v1/health", timeout=5)
                    health_ms.append((time.perf_counter() - t0) * 1000)
                except httpx.TransportError:
                    health_ms.append(5000.0)
                await asyncio.sleep(0.25)

        stop = asyncio.Event()
        prober = asyncio.create_task(probe_health(stop))
        tasks = []
        start = time.perf_counter()
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight >= max_in_flight:  # the load generator is bounded: count it, do not queue
                errors["client-bound"] = errors.get("client-bound", 0) + 1
                continue
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        stop.set()
        await prober
    elapsed = max(done_at) - start if done_at else seconds
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")  # noqa: E731
    return {"offered": rate, "n": n, "achieved": len(ok_ms) / elapsed, "p50": q(ok_ms, 0.5), "p99": q(ok_ms, 0.99),
            "ok": len(ok_ms), "shed": len(shed_ms), "shed_p99": q(shed_ms, 0.99), "errors": errors,
            "health_max": max(health_ms) if health_ms else float("nan")}


def run_store(label: str, url: str, seconds: float, max_in_flight: int) -> None:
    subprocess.run([sys.executable, "-m", "leonet", "db", "seed", "--db", url], check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t_start = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "leonet", "serve", "--port", str(port), "--db", url],
                              env={**os.environ, "LEONET_ADMIN_KEY": KEY}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    rss = Rss(server.pid)
    try:
        ok, bad = asyncio.run(burst_at_start(base, 50))
        while True:
            r = httpx.get(f"{base}/api/v1/ready", timeout=5)
            if r.status_code == 200:
                break
            time.sleep(0.1)
        ready_s, seen_s = r.json()["start_to_ready_s"], time.monotonic() - t_start
        peak = rss.stop()
        print(f"[{label}] start-to-ready {ready_s:.1f} s (server), {seen_s:.1f} s incl. interpreter start (client); "
              f"50 decisions at once right after start: {ok} answered 200, {bad} other; peak RSS "
              f"{peak / 2**30:.2f} GB (target < 1.5 GB: {'met' if peak < 1.5 * 2**30 else 'NOT met'})")
        for rate in (200.0, 1000.0):
            r = asyncio.run(open_loop(base, rate, seconds if rate < 500 else seconds / 2, max_in_flight))
            errs = sum(r["errors"].values())
            print(f"[{label}] {rate:.0f}/s offered ({r['n']} requests): achieved {r['achieved']:.0f}/s, p50 "
                  f"{r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, errors {errs} {r['errors'] or ''}, shed (503) "
                  f"{r['shed']} (p99 {r['shed_p99']:.1f} ms), health max {r['health_max']:.0f} ms")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def in_process_baseline(url: str) -> float:
    from datetime import UTC, datetime

    from leonet.access.context import load_context
    from leonet.access.policy import decide
    from leonet.store.session import open_store

    with open_store(url)() as s:
        ctx = load_context(s, datetime.now(UTC))
    t0 = time.perf_counter()
    for _ in range(200):
        decide(ctx, "ut-ua-kyiv-01", 50.45, 30.52)
    return (time.perf_counter() - t0) / 200 * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=os.environ.get("LEONET_TEST_PG_URL"),
                    help="PostgreSQL server URL (a fresh database is created in it); default $LEONET_TEST_PG_URL")
    ap.add_argument("--seconds", type=float, default=10.0, help="duration at 200/s (1,000/s runs half as long)")
    ap.add_argument("--max-in-flight", type=int, default=256)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="leonet-bench-")
    stores = [("sqlite", f"sqlite:///{tmp}/bench.sqlite")]
    if args.pg:
        stores.append(("postgresql", fresh_pg(args.pg)))
    else:
        print("(no --pg / $LEONET_TEST_PG_URL: PostgreSQL skipped)")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    for label, url in stores:
        run_store(label, url, args.seconds, args.max_in_flight)
    base = in_process_baseline(stores[0][1])
    print(f"baseline: in-process decide() {base:.2f} ms per decision (no HTTP, no store)")


if __name__ == "__main__":
    main()
