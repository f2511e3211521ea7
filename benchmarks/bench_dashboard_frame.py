"""Dashboard responsiveness: median frame time (requestAnimationFrame interval) with the full starlink-gen1
constellation (4,408 satellites) streamed live plus 10,000 terminals drawn, in Debian's chromium with software WebGL
(SwiftShader, no GPU) while the same machine runs the simulation server.

Named targets: 250 ms (4 frames/s, the budget this project sets for software GL on a 2-core machine) and 16.7 ms
(60 frames/s, a display's refresh). A GPU-backed browser is far faster than software GL.

    LEONET_CHROMIUM=/usr/bin/chromium .venv/bin/python benchmarks/bench_dashboard_frame.py [--terminals 10000]
        [--runs 3] [--seconds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared demo/browser harness in tests/e2e

from tests.e2e.browser import ARGS, open_dashboard, start_demo, stop_demo  # noqa: E402

SOFTWARE_GL_BUDGET_MS = 250.0
DISPLAY_60FPS_MS = 1000.0 / 60.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--terminals", type=int, default=10_000, help="load-test terminals drawn (?synthetic=N)")
    ap.add_argument("--runs", type=int, default=3, help="page loads; the figure is the median of their medians")
    ap.add_argument("--seconds", type=float, default=5.0, help="frames sampled per run after the page settles")
    args = ap.parse_args()
    chromium = os.environ.get("LEONET_CHROMIUM", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    proc, base, _ = start_demo(Path(tempfile.mkdtemp(prefix="leonet-bench-dash-")))
    medians = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            for run in range(args.runs):
                page, errors = open_dashboard(browser, f"{base}/?synthetic={args.terminals}")
                drawn = page.evaluate("window.__leonet.synthetic")
                if drawn != args.terminals:
                    raise SystemExit(f"the page drew {drawn} load-test terminals, not {args.terminals}")
                page.wait_for_timeout(args.seconds * 1000)
                times = page.evaluate("window.__leonet.frameTimes.slice(-60)")
                med = statistics.median(times)
                medians.append(med)
                print(f"run {run + 1}: median frame time {med:.1f} ms over the last {len(times)} frames"
                      + (f" ({len(errors)} console errors)" if errors else ""))
                page.context.close()
            browser.close()
    finally:
        stop_demo(proc)
    med = statistics.median(medians)
    print(f"dashboard frame time, gen1 (4,408 satellites) + {args.terminals:,} terminals, software WebGL: "
          f"median {med:.1f} ms ({1000 / med:.1f} frames/s) over {args.runs} runs")
    print(f"  ratio to the {SOFTWARE_GL_BUDGET_MS:.0f} ms software-GL budget: {med / SOFTWARE_GL_BUDGET_MS:.2f} "
          f"({'met' if med < SOFTWARE_GL_BUDGET_MS else 'NOT met'})")
    print(f"  ratio to the 60 frames/s budget ({DISPLAY_60FPS_MS:.1f} ms): {med / DISPLAY_60FPS_MS:.2f}")


if __name__ == "__main__":
    main()
