"""Detection and evidence: attempts to use the service where it is not authorized, clustered in space and time
into incidents; each incident lists its terminals, where and when, and each terminal's provenance chain."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from leonet.orbits.frames import geodetic_to_ecef_km

UNAUTHORIZED_CODES = ("BLOCKED_COUNTRY", "BLOCKED_AREA", "CELL_IS_DISABLED", "MOVING_TOO_FAST_FOR_POLICY",
                      "UNKNOWN_LOCATION")


@dataclass
class Incident:
    id: str
    first_seen: str
    last_seen: str
    codes: list[str]
    lat_deg: float
    lon_deg: float
    radius_km: float
    attempts: int
    terminals: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def cluster(t_s: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray, radius_km: float = 50.0,
            window_s: float = 3600.0) -> np.ndarray:
    """Cluster labels (A,) for attempts: linked when within ``radius_km`` and ``window_s`` (single linkage, in a
    space where one hour counts as ``radius_km``)."""
    if len(t_s) == 0:
        return np.zeros(0, dtype=np.int64)
    xyz = geodetic_to_ecef_km(lat_deg, lon_deg, np.zeros(len(t_s)))
    pts = np.c_[xyz, np.asarray(t_s) / window_s * radius_km]
    pairs = cKDTree(pts).query_pairs(radius_km, output_type="ndarray")
    n = len(t_s)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def build_incidents(attempts: dict[str, np.ndarray], start_iso, provenance_of) -> list[Incident]:
    """attempts: arrays t_s, serial, lat_deg, lon_deg (where the network places the terminal), code (names).
    ``start_iso(t_s)`` formats a time; ``provenance_of(serial)`` returns the provenance dict or None."""
    labels = cluster(attempts["t_s"], attempts["lat_deg"], attempts["lon_deg"])
    out = []
    for k in np.unique(labels):
        sel = labels == k
        lat, lon = attempts["lat_deg"][sel], attempts["lon_deg"][sel]
        clat, clon = float(np.mean(lat)), float(np.mean(lon))
        spread = float(np.max(np.hypot((lat - clat) * 111.0, (lon - clon) * 111.0 * np.cos(np.deg2rad(clat)))))
        serials = sorted(set(attempts["serial"][sel].tolist()))
        terms = []
        for s in serials:
            ts = sel & (attempts["serial"] == s)
            terms.append({"serial": s, "codes": sorted(set(attempts["code"][ts].tolist())),
                          "first_seen": start_iso(float(attempts["t_s"][ts].min())),
                          "lat_deg": float(attempts["lat_deg"][ts][-1]), "lon_deg": float(attempts["lon_deg"][ts][-1]),
                          "provenance": provenance_of(s)})
        t = attempts["t_s"][sel]
        out.append(Incident(f"INC-{int(k) + 1:04d}", start_iso(float(t.min())), start_iso(float(t.max())),
                            sorted(set(attempts["code"][sel].tolist())), clat, clon, spread, int(sel.sum()), terms))
    return out


def write_evidence(incidents: list[Incident], out_dir: Path, zones: list[dict] | None = None) -> list[Path]:
    """incidents.json, incidents.md (readable report) and incidents.png (map) in ``out_dir``."""
    from leonet.io import atomic_path

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "incidents.json", out_dir / "incidents.md", out_dir / "incidents.png"]
    with atomic_path(paths[0]) as tmp:
        tmp.write_text(json.dumps([i.as_dict() for i in incidents], indent=2), encoding="utf-8")
    _map(incidents, paths[2], zones or [])
    lines = ["# Incidents: attempts to use the service where it is not authorized", "",
             "![map](incidents.png)", ""]
    for inc in incidents:
        lines += [f"## {inc.id}: {', '.join(inc.codes)}", "",
                  f"- where: {inc.lat_deg:.3f}°, {inc.lon_deg:.3f}° (spread {inc.radius_km:.1f} km)",
                  f"- when: {inc.first_seen} → {inc.last_seen}, {inc.attempts} attempts", "- terminals:"]
        for t in inc.terminals:
            p = t["provenance"] or {}
            chain = " → ".join([p["chain"][0]["from"]] + [s["to"] for s in p["chain"]]) if p.get("chain") else "?"
            how = "indirect" if p.get("indirect") else "direct"
            lines.append(f"  - `{t['serial']}` ({', '.join(t['codes'])}): {chain}; sold {how}; countries "
                         f"crossed: {' → '.join(p.get('countries', []))}; account {p.get('account')} "
                         f"(home {p.get('account_home_country')})")
        lines.append("")
    with atomic_path(paths[1]) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return paths


def _map(incidents: list[Incident], path: Path, zones: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely

    from leonet.access.borders import borders
    from leonet.io import atomic_path

    fig, ax = plt.subplots(figsize=(9, 6))
    b = borders("50m")
    box = shapely.box(14, 43, 45, 58)
    for poly in b.parts[shapely.intersects(b.parts, box)]:
        x, y = poly.exterior.xy
        ax.plot(x, y, color="0.6", lw=0.6)
    for z in zones:
        for poly in shapely.get_parts(shapely.geometry.shape(z["geometry"])):
            x, y = poly.exterior.xy
            ax.fill(x, y, alpha=0.15, color="red" if z["kind"] == "blocked_area" else "orange",
                    label=z["name"])
    for inc in incidents:
        ax.scatter([t["lon_deg"] for t in inc.terminals], [t["lat_deg"] for t in inc.terminals], s=30, zorder=3)
        ax.annotate(inc.id, (inc.lon_deg, inc.lat_deg), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlim(14, 45)
    ax.set_ylim(43, 58)
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title("Unauthorized-use incidents (zones illustrative)")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(dict(zip(labels, handles, strict=True)).values(), dict(zip(labels, handles, strict=True)).keys(),
                  fontsize=7, loc="upper left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
