"""The comparison table (CSV + Markdown) and the trade-off plot (collateral vs leakage, one point per policy)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from leonet.analysis.scoring import LEAK_CAUSES

COLUMNS = ("policy", "leakage_h", "leakage_pct", "collateral_h", "collateral_pct", "diverted_kits",
           "diverted_kits_active", "detected_pct",
           "time_to_detect_median_min", "cut_off_pct", "time_to_cut_off_median_min", "incidents", "precision",
           "terminal_precision", "run_s")


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"
    return str(v)


def rows(results: list[dict]) -> tuple[list[str], list[list]]:
    codes = sorted({c for r in results for c in r["collateral_by_cause_h"]})
    header = list(COLUMNS) + [f"leakage_h[{c}]" for c in LEAK_CAUSES] + [f"collateral_h[{c}]" for c in codes]
    out = []
    for r in results:
        out.append([r[c] for c in COLUMNS] + [r["leakage_by_cause_h"].get(c, 0.0) for c in LEAK_CAUSES]
                   + [r["collateral_by_cause_h"].get(c, 0.0) for c in codes])
    return header, out


def write_table(results: list[dict], out_dir: Path, meta: dict) -> list[Path]:
    from leonet.io import atomic_path

    header, body = rows(results)
    paths = [out_dir / "compare.csv", out_dir / "compare.md", out_dir / "compare.json", out_dir / "compare.png"]
    with atomic_path(paths[0]) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows([["" if v is None else v for v in row] for row in body])
    main = len(COLUMNS)
    md = [f"# Policy comparison: {meta.get('scenario', '')}", "",
          f"{len(results)} policies, {meta.get('workers', '?')} Dask workers, wall time {meta.get('wall_s', 0):.1f} s. "
          "Leakage = unauthorised (diverted) terminal-hours served; collateral = authorised terminal-hours refused "
          "(both counted from each terminal's activation); times to detect and to cut off from each kit's "
          "activation; diverted_kits_active = kits switched on during the run; precision = share of incidents (and "
          "of terminals in incidents) that involve a diverted kit. Ground truth is used for these scores only.", "",
          "| " + " | ".join(header[:main]) + " |", "|" + "---|" * main]
    md += ["| " + " | ".join(_fmt(v) for v in row[:main]) + " |" for row in body]
    md += ["", "## By cause (terminal-hours)", "", "| policy | " + " | ".join(header[main:]) + " |",
           "|" + "---|" * (len(header) - main + 1)]
    md += [f"| {row[0]} | " + " | ".join(_fmt(v) for v in row[main:]) + " |" for row in body]
    md += ["", "![trade-off](compare.png)", ""]
    with atomic_path(paths[1]) as tmp:
        tmp.write_text("\n".join(md), encoding="utf-8")
    with atomic_path(paths[2]) as tmp:
        tmp.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=str), encoding="utf-8")
    plot(results, paths[3])
    return paths


def plot(results: list[dict], path: Path) -> None:
    import matplotlib.pyplot as plt

    from leonet.io import atomic_path

    fig = figure(results)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)


def figure(results: list[dict]):
    """The trade-off figure: one point per policy; labels of points that (nearly) coincide are stacked, not drawn
    over each other."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    xs = [r["collateral_pct"] for r in results]
    ys = [r["leakage_pct"] for r in results]
    for r, x, y in zip(results, xs, ys, strict=True):
        ax.scatter(x, y, s=40 + 2 * r["detected_pct"], zorder=3)
    ax.set_xlabel("collateral: authorised terminal-hours refused (%)")
    ax.set_ylabel("leakage: unauthorised terminal-hours served (%)")
    ax.set_title("Enforcement trade-off (marker size: share of diverted kits detected)")
    ax.margins(x=0.12, y=0.08)  # room for the labels right of the rightmost point
    ax.set_xlim(left=min(-1.0, ax.get_xlim()[0]))
    ax.set_ylim(bottom=min(-2.0, ax.get_ylim()[0]))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    placed: list = []  # display-space boxes of the labels drawn so far
    renderer = fig.canvas.get_renderer()
    for r, x, y in zip(results, xs, ys, strict=True):
        for k in range(len(results)):  # the first free slot: 5 pt right, 11 pt further down per label in the way
            text = ax.annotate(r["policy"], (x, y), fontsize=8, xytext=(5, 4 - 11 * k), textcoords="offset points")
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(b) for b in placed):
                break
            text.remove()
        placed.append(box)
    fig.tight_layout()
    return fig
