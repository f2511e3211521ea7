"""Figures (matplotlib, Agg backend): RTT over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from leonet.errors import LeonetInputError  # noqa: E402
from leonet.io import atomic_path  # noqa: E402


def read_routes(path: str | Path):
    path = Path(path)
    if not path.exists():
        raise LeonetInputError("file not found", file=str(path))
    if path.suffix.lower() == ".parquet":
        return pq.read_table(path)
    opts = pacsv.ConvertOptions(column_types={"src": "string", "dst": "string", "path": "string"})
    return pacsv.read_csv(path, convert_options=opts)


def plot_rtt_file(routes_path: str | Path, out: str | Path, pairs: list[str] | None = None) -> None:
    """RTT (ms) against time for pairs given as 'SRC,DST' (default: the first five pairs in the file)."""
    table = read_routes(routes_path)
    for col in ("t_s", "src", "dst", "rtt_ms"):
        if col not in table.column_names:
            raise LeonetInputError("missing column", file=str(routes_path), field=col)
    if not pairs:
        first = table.slice(0, 5)
        pairs = [f"{s},{d}" for s, d in zip(first["src"].to_pylist(), first["dst"].to_pylist(), strict=True)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for text in pairs:
        if text.count(",") != 1:
            raise LeonetInputError("expected SRC,DST", field="pair", value=text)
        src, dst = text.split(",")
        sel = table.filter(pc.and_(pc.equal(table["src"], src), pc.equal(table["dst"], dst)))
        if sel.num_rows == 0:
            raise LeonetInputError("pair not in the routes file", file=str(routes_path), field="pair", value=text)
        ax.plot(sel["t_s"].to_numpy(), sel["rtt_ms"].to_numpy(zero_copy_only=False), label=f"{src} – {dst}")
    ax.set_xlabel("time since start (s)")
    ax.set_ylabel("RTT (ms)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format=out.suffix.lstrip(".") or "png")
    plt.close(fig)
