"""The evidence report: JSON (every field), Markdown and self-contained HTML (the map embedded) for people, and a map
framed on the data: reported positions (circles), network fixes (crosses) with their 95 % ellipses, a line from
each reported position to the fix when they disagree, zones and borders. Served at
``/api/v1/incidents/report?format=html|md|json``."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import numpy as np

from leonet.gazetteer import SOURCE as GAZETTEER_SOURCE

GROUPING_NOTE = ("One incident per terminal; terminals on the same account (one buyer, a control-plane record) "
                 "seen within 25 km of each other form one incident. Positions are what the terminal reported and "
                 "what the network measured (delay/Doppler fix, 95 % ellipse), never a true position.")


def _pos(p: dict | None) -> str:
    if not p:
        return "none"
    txt = f"{p['lat_deg']:.4f}°, {p['lon_deg']:.4f}°"
    if p.get("place"):
        txt += f" — {p['place']['text']}"
    if p.get("ellipse_major_km") is not None:
        txt += f" (95 % ellipse {p['ellipse_major_km']:.1f} × {p['ellipse_minor_km']:.1f} km)"
    return txt


def _chain(prov: dict | None) -> str:
    if not prov or not prov.get("chain"):
        return "no recorded sale"
    c = prov["chain"]
    return " → ".join([f"{c[0]['from']} ({c[0]['from_country']})"] + [f"{s['to']} ({s['country']})" for s in c])


def terminal_lines(t: dict) -> list[str]:
    test = t["location_test"]
    stat = "not measured" if test["statistic_max"] is None else f"{test['statistic_max']:.1f}"
    lines = [f"- `{t['serial']}` — {', '.join(t['codes'])}; {t['attempts']} observations, "
             f"{t['first_seen']} → {t['last_seen']}",
             f"  - reported position: {_pos(t['reported'])}",
             f"  - network fix: {_pos(t['estimated'])}"]
    if t.get("separation_km") is not None:
        lines.append(f"  - reported vs network fix: {t['separation_km']:.1f} km apart; test statistic {stat} "
                     f"(threshold {test['threshold']:.1f}){' — FLAGGED' if test['flagged'] else ''}")
    prov = t.get("provenance") or {}
    lines.append(f"  - sales chain: {_chain(prov)}; holder {prov.get('holder', '?')}; account "
                 f"{t.get('account') or prov.get('account')} (home {prov.get('account_home_country')})")
    if t.get("inference"):
        lines.append(f"  - provenance inference: {t['inference']['class']} — {t['inference']['explanation']}")
    return lines


def markdown(incidents, map_name: str | None = "incidents.png") -> str:
    lines = ["# Incidents: attempts to use the service where it is not authorised", "", GROUPING_NOTE,
             f"Place names: {GAZETTEER_SOURCE}.", ""]
    if map_name:
        lines += [f"![map]({map_name})", ""]
    if not incidents:
        lines.append("No incident.")
    for inc in incidents:
        place = f" — {inc.place['text']}" if inc.place else ""
        lines += [f"## {inc.id}: {', '.join(inc.codes)}", "",
                  f"- where: {inc.lat_deg:.3f}°, {inc.lon_deg:.3f}°{place} (spread {inc.radius_km:.1f} km)",
                  f"- when: {inc.first_seen} → {inc.last_seen}, {inc.attempts} observations",
                  f"- grouped by: {inc.grouping}", "- terminals:"]
        for t in inc.terminals:
            lines += ["  " + x for x in terminal_lines(t)]
        lines.append("")
    return "\n".join(lines)


def _code(escaped: str) -> str:
    """Markdown `code` spans of an HTML-escaped line as <code> elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _html(incidents, png: bytes | None) -> str:
    rows = []
    for inc in incidents:
        place = html.escape(inc.place["text"]) if inc.place else ""
        items = "".join("<li>" + "<br>".join(_code(html.escape(x.strip("- ").strip())) for x in terminal_lines(t))
                        + "</li>" for t in inc.terminals)
        rows.append(f"<section id='{inc.id}'><h2>{inc.id}: {html.escape(', '.join(inc.codes))}</h2>"
                    f"<p>{inc.lat_deg:.3f}°, {inc.lon_deg:.3f}° — {place} (spread {inc.radius_km:.1f} km); "
                    f"{html.escape(inc.first_seen)} → {html.escape(inc.last_seen)}; {inc.attempts} observations; "
                    f"grouped by {inc.grouping}</p><ul>{items}</ul></section>")
    img = "" if png is None else f"<img alt='map' src='data:image/png;base64,{base64.b64encode(png).decode()}'>"
    return ("<!doctype html><html><head><meta charset='utf-8'><title>leonet incidents</title><style>"
            "body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}img{max-width:100%}"
            "section{border-left:3px solid #c62828;padding-left:8px;margin:1em 0}li{margin:.4em 0}</style></head>"
            f"<body><h1>Incidents: attempts to use the service where it is not authorised</h1>"
            f"<p>{html.escape(GROUPING_NOTE)}</p><p>Place names: {html.escape(GAZETTEER_SOURCE)}.</p>{img}"
            f"{''.join(rows) or '<p>No incident.</p>'}</body></html>")


def render(incidents, zones: list[dict], fmt: str) -> tuple[str | bytes, str]:
    """(body, media type) for ``fmt`` in json | md | html."""
    if fmt == "json":
        return json.dumps([i.as_dict() for i in incidents], indent=2), "application/json"
    if fmt == "md":
        return markdown(incidents, None), "text/markdown; charset=utf-8"
    if fmt == "html":
        return _html(incidents, map_png(incidents, zones) if incidents else None), "text/html; charset=utf-8"
    raise ValueError(f"format must be json, md or html, got {fmt!r}")


def write_report(incidents, out_dir, zones: list[dict]) -> list[Path]:
    from leonet.io import atomic_path

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = map_png(incidents, zones)
    paths = [out_dir / "incidents.json", out_dir / "incidents.md", out_dir / "incidents.png",
             out_dir / "incidents.html"]
    texts = [json.dumps([i.as_dict() for i in incidents], indent=2), markdown(incidents), None,
             _html(incidents, png)]
    for p, txt in zip(paths, texts, strict=True):
        with atomic_path(p) as tmp:
            tmp.write_bytes(png) if txt is None else tmp.write_text(txt, encoding="utf-8")
    return paths


def frame(incidents, margin_frac: float = 0.15, min_span_deg: float = 2.0) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1) around every reported and estimated position, with a margin."""
    lat, lon = [], []
    for inc in incidents:
        for t in inc.terminals:
            for key in ("reported", "estimated"):
                if t.get(key):
                    lat.append(t[key]["lat_deg"])
                    lon.append(t[key]["lon_deg"])
    if not lat:
        return -180.0, -60.0, 180.0, 75.0
    la, lo = np.array(lat), np.array(lon)
    cy, cx = (la.min() + la.max()) / 2, (lo.min() + lo.max()) / 2
    hy = max(la.max() - la.min(), min_span_deg) * (0.5 + margin_frac)
    hx = max(lo.max() - lo.min(), min_span_deg) * (0.5 + margin_frac)
    return float(cx - hx), float(max(cy - hy, -90)), float(cx + hx), float(min(cy + hy, 90))


def map_png(incidents, zones: list[dict]) -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import shapely
    from matplotlib.patches import Ellipse

    from leonet.access.borders import borders

    x0, y0, x1, y1 = frame(incidents)
    fig, ax = plt.subplots(figsize=(9, 7))
    box = shapely.box(x0, y0, x1, y1)
    b = borders("50m")
    for poly in b.parts[shapely.intersects(b.parts, box)]:
        ax.plot(*poly.exterior.xy, color="0.6", lw=0.6)
    for z in zones:
        for poly in shapely.get_parts(shapely.geometry.shape(z["geometry"])):
            ax.fill(*poly.exterior.xy, alpha=0.15, color="red" if z["kind"] == "blocked_area" else "orange",
                    label=z["name"])
    kmdeg = 111.195
    for inc in incidents:
        for t in inc.terminals:
            r, e = t.get("reported"), t.get("estimated")
            if r:
                ax.scatter(r["lon_deg"], r["lat_deg"], s=22, facecolors="none", edgecolors="C0", zorder=3,
                           label="reported position")
            if e:
                ax.scatter(e["lon_deg"], e["lat_deg"], s=22, marker="x", color="C3", zorder=3,
                           label="network fix (95 % ellipse)")
                if e.get("ellipse_major_km"):
                    c = np.cos(np.deg2rad(e["lat_deg"]))
                    ax.add_patch(Ellipse((e["lon_deg"], e["lat_deg"]), 2 * e["ellipse_major_km"] / kmdeg / c,
                                         2 * e["ellipse_minor_km"] / kmdeg, angle=90 - (e["ellipse_angle_deg"] or 0),
                                         fill=False, color="C3", lw=0.6))
            if r and e and (t.get("separation_km") or 0) > 5:
                ax.plot([r["lon_deg"], e["lon_deg"]], [r["lat_deg"], e["lat_deg"]], color="C3", lw=0.8, ls="--")
        if np.isfinite(inc.lat_deg):
            ax.annotate(inc.id, (inc.lon_deg, inc.lat_deg), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1 / max(np.cos(np.deg2rad((y0 + y1) / 2)), 0.1))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.set_title("Unauthorised-use incidents: reported positions and network fixes")
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        uniq = dict(zip(labels, handles, strict=True))
        ax.legend(uniq.values(), uniq.keys(), fontsize=7, loc="best")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
