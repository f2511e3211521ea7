"""Detection and evidence from what the operator can know: each slot, the terminals the control plane refused for
an unauthorised-use reason or the network's location check flagged, with the position each REPORTED (none when
its GPS is jammed), the network's own delay/Doppler fix with its 95 % error ellipse, and the test statistic. Never
the true position: that stays inside the simulation.

Incidents: one per terminal, except that terminals on the same account (a control-plane record: one buyer) whose
evidence positions lie within ``GROUP_RADIUS_KM`` of each other form one incident (a coherent group: one lot of
kits used together). Unrelated terminals are never merged because they are near each other. The evidence
position of a terminal is its reported position, or the network's fix when it reported none or the check found
the report inconsistent."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from leonet.access.codes import DisablementCode as C
from leonet.orbits.frames import geodetic_to_ecef_km, great_circle_km

UNAUTHORIZED_CODES = ("BLOCKED_COUNTRY", "BLOCKED_AREA", "CELL_IS_DISABLED", "MOVING_TOO_FAST_FOR_POLICY")
# UNKNOWN_LOCATION alone (no position at all, e.g. a jammed GPS and no network fix yet) is not evidence of
# unauthorised use; the location check's refusals are recorded because the check flagged the terminal.
UNEXPECTED_LOCATION = "UNEXPECTED_LOCATION"  # evidence kind: the location check flagged the reported position
GROUP_RADIUS_KM = 25.0
_FIELDS = ("t_s", "serial", "code", "rep_lat", "rep_lon", "est_lat", "est_lon", "major_km", "minor_km",
           "angle_deg", "stat", "flagged")


class EvidenceLog:
    """Per-slot observations of refused or flagged terminals (arrays appended once per slot)."""

    def __init__(self, threshold: float):
        self.threshold = threshold
        self._chunks: list[dict] = []
        self.count = 0
        self._bad = np.array(sorted(int(C[n]) for n in UNAUTHORIZED_CODES))

    def record(self, t_s: float, serials, codes, rep_lat, rep_lon, est_lat, est_lon, major_km, minor_km,
               angle_deg, stat, flagged) -> None:
        """All arrays (M,) for one slot; keeps the refused (unauthorised-use codes) or flagged terminals."""
        keep = np.flatnonzero(np.isin(codes, self._bad) | flagged)
        if keep.size == 0:
            return
        lut = np.array([C(v).name if v in C._value2member_map_ else "" for v in range(18)], dtype=object)
        names = lut[codes[keep]]
        names = np.where(names == "OKAY", UNEXPECTED_LOCATION, names)
        self._chunks.append({"t_s": np.full(keep.size, float(t_s)), "serial": np.asarray(serials)[keep],
                             "code": names, "rep_lat": rep_lat[keep], "rep_lon": rep_lon[keep],
                             "est_lat": est_lat[keep], "est_lon": est_lon[keep], "major_km": major_km[keep],
                             "minor_km": minor_km[keep], "angle_deg": angle_deg[keep], "stat": stat[keep],
                             "flagged": flagged[keep].astype(bool)})
        self.count += 1

    def arrays(self) -> dict[str, np.ndarray]:
        if not self._chunks:
            return {k: np.zeros(0) for k in _FIELDS}
        return {k: np.concatenate([c[k] for c in self._chunks]) for k in _FIELDS}


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
    place: dict | None = None
    grouping: str = "terminal"  # terminal | account
    terminals: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _f(v) -> float | None:
    return float(v) if np.isfinite(v) else None


def _last_finite(t, v, sel):
    """Index (within sel) of the latest row whose value is finite, or -1."""
    ok = np.flatnonzero(np.isfinite(v[sel]))
    return int(ok[np.argmax(t[sel][ok])]) if ok.size else -1


def terminal_evidence(a: dict[str, np.ndarray], threshold: float, start_iso) -> list[dict]:
    """One evidence dict per terminal in the log (sorted by serial)."""
    out = []
    order = np.argsort(a["serial"], kind="stable")
    serials, starts = np.unique(a["serial"][order], return_index=True)
    bounds = np.r_[starts, order.size]
    for s, lo, hi in zip(serials.tolist(), bounds[:-1], bounds[1:], strict=True):
        sel = order[lo:hi]
        t = a["t_s"][sel]
        r = _last_finite(a["t_s"], a["rep_lat"], sel)
        e = _last_finite(a["t_s"], a["est_lat"], sel)
        flagged = bool(a["flagged"][sel].any())
        rep = None if r < 0 else {"lat_deg": float(a["rep_lat"][sel][r]), "lon_deg": float(a["rep_lon"][sel][r])}
        est = None if e < 0 else {"lat_deg": float(a["est_lat"][sel][e]), "lon_deg": float(a["est_lon"][sel][e]),
                                  "ellipse_major_km": _f(a["major_km"][sel][e]),
                                  "ellipse_minor_km": _f(a["minor_km"][sel][e]),
                                  "ellipse_angle_deg": _f(a["angle_deg"][sel][e])}
        stat = a["stat"][sel]
        use_est = est is not None and (rep is None or flagged)
        pos = est if use_est else rep
        out.append({"serial": s, "codes": sorted(set(a["code"][sel].tolist())),
                    "first_seen": start_iso(float(t.min())), "last_seen": start_iso(float(t.max())),
                    "first_seen_s": float(t.min()), "attempts": int(sel.size),
                    "reported": rep, "estimated": est,
                    "separation_km": None if rep is None or est is None else float(great_circle_km(
                        rep["lat_deg"], rep["lon_deg"], est["lat_deg"], est["lon_deg"])),
                    "location_test": {"statistic_max": _f(np.nanmax(stat)) if np.isfinite(stat).any() else None,
                                      "threshold": threshold, "flagged": flagged,
                                      "statistic": "-log10 p of the robust goodness of fit (trimmed chi-square) "
                                                   "of the network's delay and Doppler measurements over the last "
                                                   "window to the reported position; clock, altitude and velocity "
                                                   "estimated"},
                    "evidence_position": None if pos is None else {
                        "lat_deg": pos["lat_deg"], "lon_deg": pos["lon_deg"],
                        "source": "network estimate" if use_est else "reported"}})
    return out


def group(terms: list[dict], account_of: dict[str, str | None], radius_km: float = GROUP_RADIUS_KM) -> np.ndarray:
    """Incident label per terminal: same account AND evidence positions within ``radius_km`` (single linkage)."""
    n = len(terms)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    lat = np.array([t["evidence_position"]["lat_deg"] if t["evidence_position"] else np.nan for t in terms])
    lon = np.array([t["evidence_position"]["lon_deg"] if t["evidence_position"] else np.nan for t in terms])
    acct = np.array([account_of.get(t["serial"]) or f"\0{t['serial']}" for t in terms])
    ok = np.flatnonzero(np.isfinite(lat))
    pairs = np.zeros((0, 2), dtype=np.int64)
    if ok.size > 1:
        xyz = geodetic_to_ecef_km(lat[ok], lon[ok], np.zeros(ok.size))
        p = cKDTree(xyz).query_pairs(radius_km, output_type="ndarray")
        p = ok[p] if p.size else p.reshape(0, 2)
        pairs = p[acct[p[:, 0]] == acct[p[:, 1]]] if p.size else p
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def build_incidents(a: dict[str, np.ndarray], start_iso, records_of, threshold: float = float("nan"),
                    place_of=None) -> list[Incident]:
    """Incidents from an evidence log's arrays. ``records_of(serials)`` → {serial: control-plane record dict with
    at least 'account' and 'provenance'}; ``place_of(lat, lon)`` → gazetteer place dict (optional)."""
    terms = terminal_evidence(a, threshold, start_iso)
    if not terms:
        return []
    records = records_of([t["serial"] for t in terms])
    for t in terms:
        rec = records.get(t["serial"]) or {}
        t.update({k: v for k, v in rec.items()})
        t.setdefault("provenance", None)
        if place_of is not None:
            for key in ("reported", "estimated"):
                if t[key] is not None:
                    t[key]["place"] = place_of(t[key]["lat_deg"], t[key]["lon_deg"])
    labels = group(terms, {t["serial"]: t.get("account") for t in terms})
    first = np.array([t["first_seen_s"] for t in terms])
    order = sorted(np.unique(labels).tolist(), key=lambda k: (first[labels == k].min(), k))
    out = []
    for n, k in enumerate(order):
        members = [terms[i] for i in np.flatnonzero(labels == k)]
        pos = [m["evidence_position"] for m in members if m["evidence_position"]]
        lat = np.array([p["lat_deg"] for p in pos])
        lon = np.array([p["lon_deg"] for p in pos])
        clat = float(lat.mean()) if lat.size else float("nan")
        clon = float(np.rad2deg(np.arctan2(np.sin(np.deg2rad(lon)).mean(), np.cos(np.deg2rad(lon)).mean()))) \
            if lon.size else float("nan")
        radius = float(great_circle_km(lat, lon, clat, clon).max()) if lat.size else 0.0
        out.append(Incident(
            id=f"INC-{n + 1:04d}", first_seen=min(m["first_seen"] for m in members),
            last_seen=max(m["last_seen"] for m in members),
            codes=sorted({c for m in members for c in m["codes"]}), lat_deg=clat, lon_deg=clon, radius_km=radius,
            attempts=sum(m["attempts"] for m in members),
            place=place_of(clat, clon) if place_of is not None and lat.size else None,
            grouping="account" if len(members) > 1 else "terminal", terminals=members))
    return out


def write_evidence(incidents: list[Incident], out_dir, zones: list[dict] | None = None) -> list:
    """incidents.json, incidents.md, incidents.html and incidents.png in ``out_dir`` (see evidence_report)."""
    from leonet.access.evidence_report import write_report

    return write_report(incidents, out_dir, zones or [])
