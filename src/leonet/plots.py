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

PLOT_COLUMNS = ("t_s", "src", "dst", "rtt_ms")


def read_routes(path: str | Path, columns: tuple[str, ...] | None = None):
    """A routes file (.csv or .parquet) as a pyarrow table; ``columns`` reads only those (the path strings are
    most of a large file)."""
    path = Path(path)
    if not path.exists():
        raise LeonetInputError("file not found", file=str(path))
    if path.suffix.lower() == ".parquet":
        schema = pq.read_schema(path)
        for col in columns or ():
            if col not in schema.names:
                raise LeonetInputError("missing column", file=str(path), field=col)
        return pq.read_table(path, columns=list(columns) if columns else None)
    header = path.open(encoding="utf-8").readline().strip().split(",")
    for col in columns or ():
        if col not in header:
            raise LeonetInputError("missing column", file=str(path), field=col)
    opts = pacsv.ConvertOptions(column_types={"src": "string", "dst": "string", "path": "string"},
                                include_columns=list(columns) if columns else None)
    return pacsv.read_csv(path, convert_options=opts)


def _select_pair(table, text: str | tuple[str, str], routes_path) -> tuple[str, str, object]:
    """Rows of the pair 'SRC,DST' (or a (src, dst) tuple), matched in either order; a name may itself hold commas
    ('Washington, D.C.,New York'): every split at a comma is tried. On a miss, the close names are suggested."""
    import difflib

    if isinstance(text, tuple):
        splits = [text]
    else:
        parts = text.split(",")
        if len(parts) < 2:
            raise LeonetInputError("expected SRC,DST", field="pair", value=text)
        splits = [(",".join(parts[:i]).strip(), ",".join(parts[i:]).strip()) for i in range(1, len(parts))]
    for src, dst in splits:
        for a, b in ((src, dst), (dst, src)):
            sel = table.filter(pc.and_(pc.equal(table["src"], a), pc.equal(table["dst"], b)))
            if sel.num_rows:
                return a, b, sel
    names = sorted(set(pc.unique(table["src"]).to_pylist()) | set(pc.unique(table["dst"]).to_pylist()))
    src, dst = max(splits, key=lambda pair: (pair[0] in names) + (pair[1] in names))  # first split on a tie
    hints = []
    for name in (src, dst):
        if name not in names:
            close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            close = close or [n for n in names if name.lower() in n.lower()][:3]
            hints.append(f"'{name}' is not a ground station in the file" + (
                f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""))
    reason = "; ".join(hints) or "those two ground stations are not a pair in the file"
    raise LeonetInputError(f"pair not in the routes file: {reason}", file=str(routes_path), field="pair",
                           value=text if isinstance(text, str) else ",".join(text))


def plot_rtt_file(routes_path: str | Path, out: str | Path, pairs: list | None = None) -> None:
    """RTT (ms) against time for pairs given as 'SRC,DST' (default: the first five pairs in the file)."""
    table = read_routes(routes_path, PLOT_COLUMNS)
    if not pairs:
        first = table.slice(0, 5)
        pairs = list(zip(first["src"].to_pylist(), first["dst"].to_pylist(), strict=True))
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for text in pairs:
        src, dst, sel = _select_pair(table, text, routes_path)
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
