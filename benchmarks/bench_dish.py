"""Emulated dishes under Home Assistant's polling: the time of one coordinator update (status, location, sleep
config, status, history_stats through starlink_grpc, as homeassistant/components/starlink/coordinator.py does) against
a dish of the live default scenario, and the number of such dishes one process could keep up with.

Baseline: Home Assistant's own budget for that update, a 4 s timeout every 5 s (coordinator.py:
``asyncio.timeout(4)``, ``update_interval=timedelta(seconds=5)``). Prints the median cycle time, its ratio to the
4 s budget, and 5 s / cycle (dishes per process at HA's interval, one client at a time)."""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time

import starlink_grpc

from leonet.dish.server import DishView, serve
from leonet.sim import Simulation, default_scenario_path, load_scenario
from leonet.sim.runner import LiveRunner

HA_TIMEOUT_S = 4.0
HA_INTERVAL_S = 5.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cycles", type=int, default=40)
    ap.add_argument("--terminal", default="ut-ua-kyiv-01")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sim = Simulation(load_scenario(default_scenario_path()), f"sqlite:///{tmp}/b.sqlite")
        for _ in range(3):
            sim.step()
        runner = LiveRunner(sim, 1.0).start()
        port = _port()
        servers = serve([(DishView(sim, args.terminal), port)])
        ctx = starlink_grpc.ChannelContext(target=f"127.0.0.1:{port}")
        start = None
        times = []
        try:
            for k in range(args.cycles + 1):
                t0 = time.perf_counter()
                starlink_grpc.status_data(ctx)
                starlink_grpc.location_data(ctx)
                starlink_grpc.get_sleep_config(ctx)
                starlink_grpc.status_data(ctx)
                index, *_ = starlink_grpc.history_stats(-1 if start is not None else 1, start=start, context=ctx)
                start = index["end_counter"]
                if k:  # the first cycle loads the protocol by reflection
                    times.append(time.perf_counter() - t0)
                time.sleep(0.05)
        finally:
            runner.stop()
            for s in servers:
                s.stop(0)
            ctx.close()
    med = statistics.median(times)
    print(f"Home Assistant update cycle against one emulated dish: median {med * 1000:.1f} ms over {len(times)} "
          f"cycles (p90 {sorted(times)[int(0.9 * (len(times) - 1))] * 1000:.1f} ms)")
    print(f"ratio to HA's {HA_TIMEOUT_S:.0f} s budget: {med / HA_TIMEOUT_S:.4f} ({HA_TIMEOUT_S / med:.0f}x headroom); "
          f"upper bound on dishes one process serves at HA's {HA_INTERVAL_S:.0f} s interval (sequential clients): "
          f"~{HA_INTERVAL_S / med:.0f}")


if __name__ == "__main__":
    main()
