"""Summary plots of a run: RTT to the PoP over time (one line per served terminal when there are few, else the
median and the 5–95 % band over the served terminals); served/denied counts by code per slot."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from leonet.io import atomic_path  # noqa: E402

MAX_LINES = 20  # more served terminals than this: the RTT panel shows their distribution, not one line each


def _group_quantiles(group: np.ndarray, values: np.ndarray, n_groups: int, qs) -> np.ndarray:
    """(len(qs), n_groups) nearest-rank quantiles of ``values`` per ``group`` index (NaN for an empty group)."""
    order = np.lexsort((values, group))
    counts = np.bincount(group, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.full((len(qs), n_groups), np.nan)
    have = counts > 0
    for i, q in enumerate(qs):
        pos = starts[have] + np.floor(q * (counts[have] - 1)).astype(np.int64)
        out[i, have] = values[order][pos]
    return out


def summary_figure(table: pa.Table):
    t = table.column("t_s").to_numpy(zero_copy_only=False).astype(float)
    serial = np.asarray(table.column("serial").to_pylist(), dtype=object)
    rtt = np.asarray(table.column("rtt_ms").to_pylist(), dtype=float)
    code = np.asarray(table.column("code").to_pylist(), dtype=object)
    slots, slot_idx = np.unique(t, return_inverse=True)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    ok = np.isfinite(rtt)
    served_terminals = np.unique(serial[ok])
    if served_terminals.size <= MAX_LINES:
        for s in served_terminals:
            sel = serial == s
            ax1.plot(t[sel] / 60, rtt[sel], label=s, lw=1)
    elif ok.any():
        lo, mid, hi = _group_quantiles(slot_idx[ok], rtt[ok], slots.size, (0.05, 0.5, 0.95))
        ax1.fill_between(slots / 60, lo, hi, alpha=0.3, label="5–95 % of served terminals")
        ax1.plot(slots / 60, mid, lw=1.5, label=f"median of {served_terminals.size} served terminals")
    ax1.set_ylabel("RTT to PoP (ms, propagation)")
    if ok.any():
        ax1.legend(fontsize=7, ncol=2)
    ax1.grid(alpha=0.3)
    names, code_idx = np.unique(code.astype(str), return_inverse=True)
    counts = np.bincount(slot_idx * names.size + code_idx, minlength=slots.size * names.size)
    for j, c in enumerate(names):
        ax2.plot(slots / 60, counts.reshape(slots.size, names.size)[:, j], label=c, lw=1)
    ax2.set_xlabel("minutes since start")
    ax2.set_ylabel("terminals")
    ax2.legend(fontsize=7)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def summary_plots(table: pa.Table, out_dir: Path) -> list[Path]:
    fig = summary_figure(table)
    path = out_dir / "summary.png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return [path]
