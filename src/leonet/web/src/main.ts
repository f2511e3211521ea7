// leonet dashboard: the running system on a MapLibre map (no tiles, no token; borders from the bundled
// Natural Earth 1:50m world-atlas), fed by the server's live stream (server-sent events).
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import { feature } from "topojson-client";
import world from "world-atlas/countries-50m.json";
import "./style.css";

type Term = { serial: string; lat: number; lon: number; code: string; served: boolean; sat: number };
type Frame = { t: string; slot: number; slot_s: number; speed: number | null; paused: boolean;
  sat_lat: number[]; sat_lon: number[]; terminals: Term[] };

const CODE_COLOURS: Record<string, string> = {
  OKAY: "#4caf50", BLOCKED_COUNTRY: "#ef5350", BLOCKED_AREA: "#ff7043", MOVING_TOO_FAST_FOR_POLICY: "#ab47bc",
  UNKNOWN_LOCATION: "#ffca28", NO_ACTIVE_ACCOUNT: "#90a4ae", IN_OCEAN: "#29b6f6", ROAM_RESTRICTED: "#8d6e63",
  OUTSIDE_HOME_REGION: "#8d6e63", TOO_FAR_FROM_SERVICE_ADDRESS: "#8d6e63", ACCOUNT_DISABLED: "#616161",
  UNKNOWN_STATE: "#616161", CELL_IS_DISABLED: "#d81b60",
};
const debug: any = ((window as any).__leonet = { frames: 0, satellites: [] as number[], terminals: {},
  frameTimes: [] as number[], errors: [] as string[] });
const $ = (id: string) => document.getElementById(id)!;
let selected: string | null = null;
let last: Frame | null = null;
let isl: number[][] = [];
let synthetic: Term[] = [];

const countries = feature(world as any, (world as any).objects.countries) as any;
const map = new maplibregl.Map({
  container: "map", attributionControl: false, center: [30, 50], zoom: 3.2,
  style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#0b1a33" } }] },
});
const empty = { type: "FeatureCollection", features: [] } as any;
const pointsOf = (xs: number[], ys: number[]) => ({ type: "FeatureCollection", features: xs.map((lon, i) => ({
  type: "Feature", properties: { i }, geometry: { type: "Point", coordinates: [lon, ys[i]] } })) });

map.on("load", async () => {
  map.addSource("countries", { type: "geojson", data: countries });
  map.addLayer({ id: "land", type: "fill", source: "countries", paint: { "fill-color": "#1d2b45" } });
  map.addLayer({ id: "borders", type: "line", source: "countries", paint: { "line-color": "#3d5278", "line-width": 0.6 } });
  for (const id of ["zones", "isl", "links", "sats", "ground", "synthetic", "terms", "ellipse", "estimate", "draft"]) map.addSource(id, { type: "geojson", data: empty });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": ["match", ["get", "kind"],
    "blocked_area", "#ef5350", "whitelist_only", "#ffb74d", "disabled_cells", "#d81b60", "#90caf9"],
    "fill-opacity": 0.18 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones", paint: { "line-color": "#ffb74d", "line-width": 1 } });
  map.addLayer({ id: "isl", type: "line", source: "isl", paint: { "line-color": "#3f51b5", "line-width": 0.4, "line-opacity": 0.5 } });
  map.addLayer({ id: "links", type: "line", source: "links", paint: { "line-color": "#80deea", "line-width": 1.2 } });
  map.addLayer({ id: "sats", type: "circle", source: "sats", paint: { "circle-radius": 1.8, "circle-color": "#e0e0e0" } });
  map.addLayer({ id: "ground", type: "circle", source: "ground", paint: { "circle-radius": 5, "circle-color": "#00000000",
    "circle-stroke-color": ["match", ["get", "kind"], "pop", "#fff176", "#4dd0e1"], "circle-stroke-width": 2 } });
  map.addLayer({ id: "synthetic", type: "circle", source: "synthetic", paint: { "circle-radius": 2, "circle-color": ["get", "colour"] } });
  map.addLayer({ id: "terms", type: "circle", source: "terms", paint: { "circle-radius": 6,
    "circle-color": ["get", "colour"], "circle-stroke-color": "#000", "circle-stroke-width": 1 } });
  map.addLayer({ id: "ellipse", type: "line", source: "ellipse", paint: { "line-color": "#ffee58", "line-width": 2 } });
  map.addLayer({ id: "estimate", type: "circle", source: "estimate", paint: { "circle-radius": 4,
    "circle-color": ["match", ["get", "kind"], "reported", "#ffffff", "#ffee58"] } });
  map.addLayer({ id: "draft-line", type: "line", source: "draft", paint: { "line-color": "#ffffff", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "draft-pts", type: "circle", source: "draft", paint: { "circle-radius": 4, "circle-color": "#ffffff" } });
  map.on("click", (e: any) => { if (drawing) addVertex(e.lngLat.lng, e.lngLat.lat); });
  map.on("click", "terms", (e: any) => { const s = e.features?.[0]?.properties?.serial; if (s) selectTerminal(s); });
  map.on("click", "zones-fill", (e: any) => {
    const p = e.features?.[0]?.properties; if (!p) return;
    new maplibregl.Popup().setLngLat(e.lngLat).setHTML(`<b>${p.name}</b> (${p.kind})<br>${p.reason}`).addTo(map);
  });
  await loadStatic();
  connect();
  requestAnimationFrame(tick);
});

async function loadStatic() {
  const snap = await (await fetch("/api/v1/live/snapshot")).json();
  isl = snap.isl;
  const ground = [...snap.gateways.map((g: any) => ({ ...g, kind: "gateway" })),
    ...snap.pops.map((p: any) => ({ name: p.name, lat: p.lat_deg, lon: p.lon_deg, kind: "pop" }))];
  (map.getSource("ground") as any).setData({ type: "FeatureCollection", features: ground.map((g: any) => ({
    type: "Feature", properties: { name: g.name, kind: g.kind }, geometry: { type: "Point", coordinates: [g.lon, g.lat] } })) });
  const zones = await (await fetch("/api/v1/live/zones")).json();
  (map.getSource("zones") as any).setData(zones);
  const sel = $("wl-zone") as HTMLSelectElement;
  sel.innerHTML = zones.features.map((f: any) => `<option value="${f.properties.id}">${f.properties.name}</option>`).join("");
  const n = Number(new URLSearchParams(location.search).get("synthetic") || 0);
  synthetic = Array.from({ length: n }, (_, i) => ({ serial: `syn-${i}`, lat: -55 + 110 * Math.random(),
    lon: -180 + 360 * Math.random(), code: i % 3 ? "OKAY" : "BLOCKED_COUNTRY", served: i % 3 > 0, sat: -1 }));
  // Load-test terminals are drawn once (they do not move); live terminals update with every frame.
  (map.getSource("synthetic") as any).setData({ type: "FeatureCollection", features: synthetic.map((t) => ({
    type: "Feature", properties: { colour: CODE_COLOURS[t.code] }, geometry: { type: "Point", coordinates: [t.lon, t.lat] } })) });
  debug.synthetic = synthetic.length;
  render(snap);
  $("legend").innerHTML = Object.entries(CODE_COLOURS).slice(0, 7).map(([c, col]) =>
    `<span><i class="dot" style="background:${col}"></i>${c}</span>`).join("");
}

function connect() {
  const es = new EventSource("/api/v1/live/stream?hz=2");
  es.onmessage = (ev) => render(JSON.parse(ev.data));
}

function render(f: Frame) {
  const prevSlot = last?.slot;
  last = f;
  debug.frames += 1;
  debug.satellites = [f.sat_lon[0], f.sat_lat[0], f.sat_lon[1], f.sat_lat[1]];
  debug.slot = f.slot;
  for (const t of f.terminals) debug.terminals[t.serial] = t.code;
  $("clock").textContent = f.t.replace("T", " ").slice(0, 19) + " UTC";
  $("slot").textContent = `slot ${f.slot} · ×${f.speed ?? "?"}${f.paused ? " (paused)" : ""}`;
  $("pause").textContent = f.paused ? "resume" : "pause";
  (map.getSource("sats") as any)?.setData(pointsOf(f.sat_lon, f.sat_lat));
  (map.getSource("terms") as any)?.setData({ type: "FeatureCollection", features: f.terminals.map((t) => ({ type: "Feature",
    properties: { serial: t.serial, code: t.code, colour: CODE_COLOURS[t.code] ?? "#9e9e9e" },
    geometry: { type: "Point", coordinates: [t.lon, t.lat] } })) });
  const links = f.terminals.filter((t) => t.sat >= 0 && ($("show-links") as HTMLInputElement).checked).map((t) => ({
    type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: [[t.lon, t.lat], [f.sat_lon[t.sat], f.sat_lat[t.sat]]] } }));
  (map.getSource("links") as any)?.setData({ type: "FeatureCollection", features: links });
  const showIsl = ($("show-isl") as HTMLInputElement).checked;
  (map.getSource("isl") as any)?.setData(showIsl ? { type: "FeatureCollection", features: isl.filter(([a, b]) =>
    Math.abs(f.sat_lon[a] - f.sat_lon[b]) < 90).map(([a, b]) => ({ type: "Feature", properties: {}, geometry: {
      type: "LineString", coordinates: [[f.sat_lon[a], f.sat_lat[a]], [f.sat_lon[b], f.sat_lat[b]]] } })) } : empty);
  if (selected && prevSlot !== f.slot) selectTerminal(selected);
  if (prevSlot !== f.slot) loadIncidents();
}

function ellipse(lat: number, lon: number, major: number, minor: number, angle: number) {
  const pts = [];
  for (let k = 0; k <= 48; k++) {
    const a = (2 * Math.PI * k) / 48, th = (angle * Math.PI) / 180;
    const x = major * Math.cos(a), y = minor * Math.sin(a);
    const north = x * Math.cos(th) - y * Math.sin(th), east = x * Math.sin(th) + y * Math.cos(th);
    pts.push([lon + east / (111.32 * Math.cos((lat * Math.PI) / 180)), lat + north / 110.57]);
  }
  return { type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: pts } };
}

function chart(values: (number | null)[], label: string) {
  const c = document.createElement("canvas"); c.className = "chart"; c.width = 330; c.height = 70;
  const g = c.getContext("2d")!; const v = values.filter((x) => x !== null) as number[];
  const max = Math.max(1, ...v), min = Math.min(0, ...v);
  g.strokeStyle = "#80deea"; g.beginPath();
  values.forEach((y, i) => { if (y === null) return; const px = (i / Math.max(1, values.length - 1)) * 330;
    const py = 65 - ((y - min) / (max - min || 1)) * 60; i ? g.lineTo(px, py) : g.moveTo(px, py); });
  g.stroke(); g.fillStyle = "#9ab"; g.fillText(`${label} (max ${max.toFixed(1)})`, 4, 10);
  return c;
}

// The radio model's view of the terminal: SINR, MODCOD, speed-test capacity, rain; uplink and loss charts.
function radioPanel(el: HTMLElement, s: any, h: any) {
  const fmt = (v: number | null | undefined, unit: string, digits = 1) => (v == null ? "—" : `${v.toFixed(digits)} ${unit}`);
  const line = document.createElement("div"); line.id = "terminal-radio";
  line.textContent = `radio: SINR ${fmt(s.sinr_db, "dB")} · ${s.modcod || "no MODCOD"} · speed test ↓ ${fmt(s.downlink_capacity_mbps, "Mb/s", 0)}`
    + ` ↑ ${fmt(s.uplink_capacity_mbps, "Mb/s", 0)} · pop ping ${fmt(s.pop_ping_latency_ms, "ms")} · rain ${fmt(s.rain_mm_h, "mm/h")}`;
  el.appendChild(line);
  if (h.uplink_mbps) el.appendChild(chart(h.uplink_mbps, "uplink Mb/s"));
  if (h.pop_ping_drop_rate) el.appendChild(chart(h.pop_ping_drop_rate.map((x: number | null) => (x === null ? null : 100 * x)), "pop ping drop %"));
}

async function selectTerminal(serial: string) {
  selected = serial;
  const r = await fetch(`/api/v1/live/terminals/${encodeURIComponent(serial)}`);
  if (!r.ok) return;
  const d = await r.json(); const s = d.state;
  const p = d.provenance;
  const chain = p?.chain?.length ? [p.chain[0].from, ...p.chain.map((x: any) => `${x.to} (${x.channel}, ${x.country})`)].join(" → ") : "—";
  const el = $("terminal");
  el.innerHTML = `<h2>Terminal ${s.serial}</h2><div>${s.label ?? ""}</div>
    <div>code: <span class="code ${s.code === "OKAY" ? "ok" : "denied"}" id="terminal-code">${s.code}</span>
    ${s.served ? `· served by satellite ${s.satellite} via ${s.gateway} → ${s.pop}` : "· not served"}</div>
    <div>${(s.reasons ?? []).join("; ")}</div>
    <div>alerts: ${(s.alerts ?? []).join(", ") || "none"}</div>
    <div>reported: ${s.reported_lat_deg?.toFixed?.(4) ?? "—"}, ${s.reported_lon_deg?.toFixed?.(4) ?? "—"} ·
      network: ${s.estimated_lat_deg?.toFixed?.(4) ?? "—"}, ${s.estimated_lon_deg?.toFixed?.(4) ?? "—"}
      ${s.ellipse_major_km ? `(95 % ellipse ${s.ellipse_major_km.toFixed(2)} × ${s.ellipse_minor_km.toFixed(2)} km)` : ""}</div>
    <div>RTT ${s.rtt_ms?.toFixed?.(1) ?? "—"} ms · ${(s.downlink_bps / 1e6).toFixed(0)} Mb/s · ${s.speed_kmh.toFixed(0)} km/h</div>
    <h3>Provenance</h3><div id="provenance">${chain}${p ? ` — ${p.indirect ? "indirect" : "direct"}; countries ${p.countries.join(" → ")}` : ""}</div>`;
  el.appendChild(chart(d.history.rtt_ms, "RTT ms"));
  el.appendChild(chart(d.history.downlink_bps.map((x: number | null) => (x === null ? null : x / 1e6)), "downlink Mb/s"));
  radioPanel(el, s, d.history);
  const est = s.estimated_lat_deg != null && s.ellipse_major_km != null;
  (map.getSource("ellipse") as any)?.setData(est ? { type: "FeatureCollection", features: [ellipse(s.estimated_lat_deg,
    s.estimated_lon_deg, Math.max(s.ellipse_major_km, 0.5), Math.max(s.ellipse_minor_km, 0.5), s.ellipse_angle_deg)] } : empty);
  const pts = [];
  if (s.reported_lat_deg != null) pts.push({ type: "Feature", properties: { kind: "reported" }, geometry: { type: "Point", coordinates: [s.reported_lon_deg, s.reported_lat_deg] } });
  if (est) pts.push({ type: "Feature", properties: { kind: "estimate" }, geometry: { type: "Point", coordinates: [s.estimated_lon_deg, s.estimated_lat_deg] } });
  (map.getSource("estimate") as any)?.setData({ type: "FeatureCollection", features: pts });
  (document.getElementById("wl-serial") as HTMLInputElement).value ||= serial;
}
debug.selectTerminal = selectTerminal;

async function loadIncidents() {
  const list = await (await fetch("/api/v1/live/incidents")).json();
  $("incident-list").innerHTML = list.map((i: any) => `<div class="incident" data-serial="${i.terminals[0]?.serial}">
    <b>${i.id}</b> ${i.codes.join(", ")}<br>${i.terminals.map((t: any) => `${t.serial} (${t.provenance?.indirect ? "indirect" : "direct"}: ${t.provenance?.countries?.join("→") ?? "?"})`).join("<br>")}</div>`).join("");
  document.querySelectorAll(".incident").forEach((n) => n.addEventListener("click", () => selectTerminal((n as HTMLElement).dataset.serial!)));
}

async function api(path: string, body: any) {
  const key = ($("key") as HTMLInputElement).value;
  const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json", Authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  const text = await r.text();
  $("control-msg").textContent = `${r.status}: ${text.slice(0, 200)}`;
  return r.ok;
}
$("wl-go").addEventListener("click", () => api(`/api/v1/zones/${($("wl-zone") as HTMLSelectElement).value}/whitelist`,
  { serial: ($("wl-serial") as HTMLInputElement).value }));
$("sale-go").addEventListener("click", () => api(`/api/v1/terminals/${encodeURIComponent(($("sale-serial") as HTMLInputElement).value)}/sales`, {
  seller: ($("sale-seller") as HTMLInputElement).value, buyer: ($("sale-buyer") as HTMLInputElement).value,
  country: ($("sale-country") as HTMLInputElement).value, channel: ($("sale-channel") as HTMLSelectElement).value,
  at: new Date().toISOString() }));
$("zone-go").addEventListener("click", async () => {
  let geometry; try { geometry = JSON.parse(($("zone-geojson") as HTMLTextAreaElement).value); } catch { $("control-msg").textContent = "GeoJSON is not valid JSON"; return; }
  if (await api("/api/v1/zones", { name: ($("zone-name") as HTMLInputElement).value, kind: ($("zone-kind") as HTMLSelectElement).value,
    reason: ($("zone-reason") as HTMLInputElement).value, geometry })) (map.getSource("zones") as any).setData(await (await fetch("/api/v1/live/zones")).json());
});
// Drawing a zone: click vertices on the map, then "finish polygon" writes the closed ring into the GeoJSON box.
let drawing = false;
let vertices: [number, number][] = [];
function showDraft() {
  const ring = vertices.length > 2 ? [...vertices, vertices[0]] : vertices;
  (map.getSource("draft") as any)?.setData({ type: "FeatureCollection", features: [
    ...(ring.length > 1 ? [{ type: "Feature", properties: {}, geometry: { type: "LineString", coordinates: ring } }] : []),
    ...vertices.map((v) => ({ type: "Feature", properties: {}, geometry: { type: "Point", coordinates: v } }))] });
  $("draw-msg").textContent = drawing ? `${vertices.length} vertices; click the map to add more` : "";
  ($("draw-done") as HTMLButtonElement).disabled = !(drawing && vertices.length >= 3);
}
function addVertex(lon: number, lat: number) {
  vertices.push([Math.round(lon * 1e5) / 1e5, Math.round(lat * 1e5) / 1e5]);
  showDraft();
}
debug.addVertex = addVertex;
$("draw-go").addEventListener("click", () => { drawing = true; vertices = []; showDraft(); });
$("draw-done").addEventListener("click", () => {
  if (vertices.length < 3) return;
  ($("zone-geojson") as HTMLTextAreaElement).value = JSON.stringify({ type: "Polygon", coordinates: [[...vertices, vertices[0]]] });
  drawing = false; vertices = []; showDraft();
  $("control-msg").textContent = "polygon ready: name it, give a reason, then upload";
});
$("pause").addEventListener("click", () => api("/api/v1/live/control", { paused: !(last?.paused) }));
$("speed").addEventListener("change", () => api("/api/v1/live/control", { speed: Number(($("speed") as HTMLSelectElement).value) }));
window.addEventListener("error", (e) => debug.errors.push(String(e.message)));

let prev = performance.now();
function tick(now: number) {
  debug.frameTimes.push(now - prev); if (debug.frameTimes.length > 600) debug.frameTimes.shift();
  prev = now; requestAnimationFrame(tick);
}
