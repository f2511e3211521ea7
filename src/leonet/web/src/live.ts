// The live view: the static picture (ground segment, zones, load-test terminals) and the frames the server streams
// (server-sent events over the session cookie: EventSource sends same-origin cookies by itself).
import type { Map as MlMap } from "maplibre-gl";
import { byId, input, select } from "./dom";
import { CODE_COLOURS, EMPTY, collection, ellipse, line, point, setData } from "./map";
import { renderIncidents, renderTerminal, renderZones } from "./panels";
import { NotAllowed, Unauthenticated, getJson, resume } from "./session";
import { type Frame, type Term, isFrame, isIncidents, isSnapshot, isTerminalDetail, isZones } from "./types";

export interface Debug {
  frames: number; slot: number; satellites: number[]; terminals: Record<string, string>; frameTimes: number[];
  errors: string[]; synthetic: number; notices: string[];
  selectTerminal: (serial: string) => Promise<void>; addVertex: (lon: number, lat: number) => void;
  project: (lon: number, lat: number) => [number, number];
}

/** A message for the user in the side panel (403s and failures), kept in the debug log for tests too. */
export function notify(debug: Debug, text: string): void {
  const n = byId("notice");
  n.textContent = text;
  n.hidden = !text;
  if (text) debug.notices.push(text);
}

export class Live {
  last: Frame | null = null;
  private isl: [number, number][] = [];
  private selected: string | null = null;
  private stream: EventSource | null = null;
  private denied = new Set<string>();

  constructor(private readonly map: MlMap, private readonly debug: Debug,
    private readonly canSee: (part: "terminal" | "provenance") => boolean) {}

  /** Report a failure: 403 says what the role may not see (once per view), 401 is handled by the session. */
  private failed(view: string, e: unknown): void {
    if (e instanceof Unauthenticated) return;
    if (e instanceof NotAllowed) {
      if (!this.denied.has(view)) notify(this.debug, `Your role may not see ${view}: ${e.message}`);
      this.denied.add(view);
      return;
    }
    notify(this.debug, `${view}: ${e instanceof Error ? e.message : String(e)}`);
  }

  async start(): Promise<void> {
    this.denied.clear();
    try {
      const snap = await getJson("/api/v1/live/snapshot", isSnapshot);
      this.isl = snap.isl;
      setData(this.map, "ground", collection([
        ...snap.gateways.map((g) => point([g.lon, g.lat], { name: g.name, kind: "gateway" })),
        ...snap.pops.map((p) => point([p.lon_deg, p.lat_deg], { name: p.name, kind: "pop" }))]));
      this.render(snap);
    } catch (e) {
      this.failed("the live map", e);
      return;
    }
    await this.loadZones();
    this.drawSynthetic(Number(new URLSearchParams(location.search).get("synthetic") ?? 0));
    this.connect();
  }

  stop(): void {
    this.stream?.close();
    this.stream = null;
    this.selected = null;
    this.last = null;
    for (const id of ["terms", "sats", "links", "isl", "ground", "zones", "ellipse", "estimate"] as const) {
      setData(this.map, id, EMPTY);
    }
  }

  async loadZones(): Promise<void> {
    try {
      const zones = await getJson("/api/v1/live/zones", isZones);
      setData(this.map, "zones", zones);
      renderZones(byId("zone-list"), select("wl-zone"), zones);
    } catch (e) {
      this.failed("the zones", e);
    }
  }

  private connect(): void {
    const es = new EventSource("/api/v1/live/stream?hz=2");
    this.stream = es;
    es.onmessage = (ev: MessageEvent<string>) => {
      const f: unknown = JSON.parse(ev.data);
      if (isFrame(f)) this.render(f);
    };
    es.onerror = () => {
      if (es.readyState !== EventSource.CLOSED || this.stream !== es) return; // the browser retries by itself
      // Closed for good (e.g. 401 after the session expired): ask who we are; no session → the key prompt.
      void resume().then((who) => {
        if (who && this.stream === es) window.setTimeout(() => this.stream === es && this.connect(), 2000);
        else if (!who) window.dispatchEvent(new Event("leonet-session-ended"));
      });
    };
  }

  /** Load-test terminals (``?synthetic=N``): drawn once, they do not move. */
  private drawSynthetic(n: number): void {
    const terms: Term[] = Array.from({ length: Math.max(0, Math.min(n, 1_000_000)) }, (_, i) => ({
      serial: `syn-${i}`, lat: -55 + 110 * Math.random(), lon: -180 + 360 * Math.random(),
      code: i % 3 ? "OKAY" : "BLOCKED_COUNTRY", served: i % 3 > 0, sat: -1 }));
    setData(this.map, "synthetic", collection(terms.map((t) => point([t.lon, t.lat],
      { colour: CODE_COLOURS[t.code] ?? "#9e9e9e" }))));
    this.debug.synthetic = terms.length;
  }

  render(f: Frame): void {
    const prevSlot = this.last?.slot;
    this.last = f;
    const d = this.debug;
    d.frames += 1;
    d.satellites = [f.sat_lon[0], f.sat_lat[0], f.sat_lon[1], f.sat_lat[1]];
    d.slot = f.slot;
    for (const t of f.terminals) d.terminals[t.serial] = t.code;
    byId("clock").textContent = `${f.t.replace("T", " ").slice(0, 19)} UTC`;
    byId("slot").textContent = `slot ${f.slot} · ×${f.speed ?? "?"}${f.paused ? " (paused)" : ""}`;
    byId("pause").textContent = f.paused ? "resume" : "pause";
    setData(this.map, "sats", collection(f.sat_lon.map((lon, i) => point([lon, f.sat_lat[i]], { i }))));
    setData(this.map, "terms", collection(f.terminals.map((t) => point([t.lon, t.lat],
      { serial: t.serial, code: t.code, colour: CODE_COLOURS[t.code] ?? "#9e9e9e" }))));
    const links = input("show-links").checked ? f.terminals.filter((t) => t.sat >= 0)
      .map((t) => line([[t.lon, t.lat], [f.sat_lon[t.sat], f.sat_lat[t.sat]]])) : [];
    setData(this.map, "links", collection(links));
    setData(this.map, "isl", input("show-isl").checked ? collection(this.isl
      .filter(([a, b]) => Math.abs(f.sat_lon[a] - f.sat_lon[b]) < 90)
      .map(([a, b]) => line([[f.sat_lon[a], f.sat_lat[a]], [f.sat_lon[b], f.sat_lat[b]]]))) : EMPTY);
    if (prevSlot !== f.slot) {
      if (this.selected) void this.selectTerminal(this.selected);
      void this.loadIncidents();
    }
  }

  async selectTerminal(serial: string): Promise<void> {
    if (!this.canSee("terminal")) return;
    this.selected = serial;
    let d;
    try {
      d = await getJson(`/api/v1/live/terminals/${encodeURIComponent(serial)}`, isTerminalDetail);
    } catch (e) {
      this.failed(`terminal ${serial}`, e);
      return;
    }
    const s = d.state;
    renderTerminal(byId("terminal"), d, this.canSee("provenance"));
    const est = s.estimated_lat_deg !== null && s.estimated_lon_deg !== null && s.ellipse_major_km !== null;
    setData(this.map, "ellipse", est && s.estimated_lat_deg !== null && s.estimated_lon_deg !== null
      ? collection([ellipse(s.estimated_lat_deg, s.estimated_lon_deg, Math.max(s.ellipse_major_km ?? 0, 0.5),
        Math.max(s.ellipse_minor_km ?? 0, 0.5), s.ellipse_angle_deg ?? 0)]) : EMPTY);
    const pts = [];
    if (s.reported_lat_deg !== null && s.reported_lon_deg !== null) {
      pts.push(point([s.reported_lon_deg, s.reported_lat_deg], { kind: "reported" }));
    }
    if (est && s.estimated_lat_deg !== null && s.estimated_lon_deg !== null) {
      pts.push(point([s.estimated_lon_deg, s.estimated_lat_deg], { kind: "estimate" }));
    }
    setData(this.map, "estimate", collection(pts));
    const wl = input("wl-serial");
    if (!wl.value) wl.value = serial;
  }

  private async loadIncidents(): Promise<void> {
    if (this.denied.has("the incidents")) return;
    try {
      const list = await getJson("/api/v1/live/incidents", isIncidents);
      renderIncidents(byId("incident-list"), list, (serial) => void this.selectTerminal(serial));
    } catch (e) {
      this.failed("the incidents", e);
    }
  }
}
