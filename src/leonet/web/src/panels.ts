// The side panels (legend, terminal, incidents, zones), built node by node: server strings only ever become text.
import { el, fill } from "./dom";
import { CODE_COLOURS } from "./map";
import type { Incident, Provenance, TerminalDetail, Zones } from "./types";

const fixed = (v: number | null | undefined, digits: number): string =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—";

export function renderLegend(node: HTMLElement): void {
  fill(node, ...Object.entries(CODE_COLOURS).slice(0, 7).map(([code, colour]) => {
    const dot = el("i", { className: "dot" });
    dot.style.backgroundColor = colour; // CSSOM, not a style attribute: allowed by the CSP
    return el("span", {}, dot, code);
  }));
}

/** A small line chart on a canvas (nulls are gaps). */
export function chart(values: (number | null)[], label: string): HTMLCanvasElement {
  const c = el("canvas", { className: "chart", width: 330, height: 70 });
  const g = c.getContext("2d");
  if (g === null) return c;
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const max = Math.max(1, ...v), min = Math.min(0, ...v);
  g.strokeStyle = "#80deea";
  g.beginPath();
  values.forEach((y, i) => {
    if (y === null || !Number.isFinite(y)) return;
    const px = (i / Math.max(1, values.length - 1)) * 330;
    const py = 65 - ((y - min) / (max - min || 1)) * 60;
    if (i) g.lineTo(px, py);
    else g.moveTo(px, py);
  });
  g.stroke();
  g.fillStyle = "#9ab";
  g.fillText(`${label} (max ${max.toFixed(1)})`, 4, 10);
  return c;
}

function provenanceText(p: Provenance | null): string {
  if (!p) return "—";
  const chain = p.chain.length ? [p.chain[0].from, ...p.chain.map((x) => `${x.to} (${x.channel}, ${x.country})`)]
    .join(" → ") : "—";
  return `${chain} — ${p.indirect ? "indirect" : "direct"}; countries ${p.countries.join(" → ")}`;
}

/** The radio model's view of the terminal: SINR, MODCOD, speed-test capacity, PoP ping, rain. */
function radioLine(s: TerminalDetail["state"]): HTMLElement {
  const v = (x: number | null | undefined, unit: string, digits = 1): string =>
    typeof x === "number" && Number.isFinite(x) ? `${x.toFixed(digits)} ${unit}` : "—";
  return el("div", { id: "terminal-radio" }, `radio: SINR ${v(s.sinr_db, "dB")} · ${s.modcod || "no MODCOD"} · `
    + `speed test ↓ ${v(s.downlink_capacity_mbps, "Mb/s", 0)} ↑ ${v(s.uplink_capacity_mbps, "Mb/s", 0)} · `
    + `pop ping ${v(s.pop_ping_latency_ms, "ms")} · rain ${v(s.rain_mm_h, "mm/h")}`);
}

export function renderTerminal(node: HTMLElement, d: TerminalDetail, showProvenance: boolean): void {
  const s = d.state;
  const served = s.served ? `· served by satellite ${s.satellite ?? "?"} via ${s.gateway ?? "?"} → ${s.pop ?? "?"}`
    : "· not served";
  const ellipse = s.ellipse_major_km ? ` (95 % ellipse ${fixed(s.ellipse_major_km, 2)} × ${
    fixed(s.ellipse_minor_km, 2)} km)` : "";
  const downlink = typeof s.downlink_bps === "number" ? (s.downlink_bps / 1e6).toFixed(0) : "—";
  fill(node,
    el("h2", {}, `Terminal ${s.serial}`),
    el("div", {}, s.label ?? ""),
    el("div", {}, "code: ", el("span", { id: "terminal-code", className: `code ${s.code === "OKAY" ? "ok"
      : "denied"}` }, s.code), ` ${served}`),
    el("div", {}, (s.reasons ?? []).join("; ")),
    el("div", {}, `alerts: ${(s.alerts ?? []).join(", ") || "none"}`),
    el("div", {}, `reported: ${fixed(s.reported_lat_deg, 4)}, ${fixed(s.reported_lon_deg, 4)} · network: ${
      fixed(s.estimated_lat_deg, 4)}, ${fixed(s.estimated_lon_deg, 4)}${ellipse}`),
    el("div", {}, `RTT ${fixed(s.rtt_ms, 1)} ms · ${downlink} Mb/s · ${fixed(s.speed_kmh, 0)} km/h`),
    showProvenance && el("h3", {}, "Provenance"),
    showProvenance && el("div", { id: "provenance" }, provenanceText(d.provenance)),
    chart(d.history.rtt_ms, "RTT ms"),
    chart(d.history.downlink_bps.map((x) => (x === null ? null : x / 1e6)), "downlink Mb/s"),
    radioLine(s),
    d.history.uplink_mbps && chart(d.history.uplink_mbps, "uplink Mb/s"),
    d.history.pop_ping_drop_rate && chart(d.history.pop_ping_drop_rate.map((x) => (x === null ? null : 100 * x)),
      "pop ping drop %"));
}

export function renderIncidents(node: HTMLElement, list: Incident[], onSelect: (serial: string) => void): void {
  fill(node, ...list.map((i) => {
    const lines = i.terminals.map((t) => el("div", {}, `${t.serial} (${t.provenance?.indirect ? "indirect"
      : "direct"}: ${t.provenance?.countries?.join("→") ?? "?"})`));
    const item = el("div", { className: "incident" }, el("b", {}, i.id), ` ${i.codes.join(", ")}`, ...lines);
    const first = i.terminals[0]?.serial;
    if (first) {
      item.dataset.serial = first;
      item.addEventListener("click", () => onSelect(first));
    }
    return item;
  }));
}

export function renderZones(list: HTMLElement, choose: HTMLSelectElement, zones: Zones): void {
  const props = zones.features.map((f) => f.properties);
  fill(list, ...props.map((p) => el("li", { className: `zone ${p.kind}` }, el("b", {}, p.name), ` (${p.kind})`,
    p.reason ? ` — ${p.reason}` : "")));
  const keep = choose.value;
  fill(choose, ...props.map((p) => el("option", { value: String(p.id) }, p.name)));
  if (props.some((p) => String(p.id) === keep)) choose.value = keep;
}

/** What a click on a zone shows: its name, kind and reason, as text. */
export function zonePopup(name: string, kind: string, reason: string): HTMLElement {
  return el("div", { className: "zone-popup" }, el("b", {}, name), ` (${kind})`, el("br"), reason);
}
