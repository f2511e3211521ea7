"""Summary plots of a run: RTT per served terminal over time; served/denied counts by code per slot."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from leonet.io import atomic_path  # noqa: E402


def summary_plots(table: pa.Table, out_dir: Path) -> list[Path]:
    data = table.to_pydict()
    t = np.array(data["t_s"], dtype=float)
    serial = np.array(data["serial"])
    rtt = np.array([np.nan if v is None else v for v in data["rtt_ms"]], dtype=float)
    code = np.array(data["code"])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    for s in np.unique(serial):
        sel = serial == s
        if np.isfinite(rtt[sel]).any():
            ax1.plot(t[sel] / 60, rtt[sel], label=s, lw=1)
    ax1.set_ylabel("RTT to PoP (ms, propagation)")
    ax1.legend(fontsize=7, ncol=2)
    ax1.grid(alpha=0.3)
    slots = np.unique(t)
    for c in np.unique(code):
        ax2.plot(slots / 60, [(code[t == s] == c).sum() for s in slots], label=c, lw=1)
    ax2.set_xlabel("minutes since start")
    ax2.set_ylabel("terminals")
    ax2.legend(fontsize=7)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    path = out_dir / "summary.png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return [path]
