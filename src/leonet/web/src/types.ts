// What the server sends the dashboard (leonet.api.routers.live and /api/v1/session), with light run-time guards:
// a body that does not have the expected shape is an error shown to the user, never a half-drawn page.
import type { FeatureCollection, Geometry } from "geojson";

export type Role = string; // admin | reseller | regulator | viewer | terminal (the server decides)

export interface SessionInfo { role: Role; owner?: string | null; expires_utc?: string }

export interface Term { serial: string; lat: number; lon: number; code: string; served: boolean; sat: number }

export interface Frame {
  t: string; slot: number; slot_s: number; speed: number | null; paused: boolean;
  sat_lat: number[]; sat_lon: number[]; terminals: Term[];
}

export interface Snapshot extends Frame {
  gateways: { name: string; lat: number; lon: number; pop?: string }[];
  pops: { name: string; lat_deg: number; lon_deg: number }[];
  isl: [number, number][];
}

export interface ZoneProps { id: number; name: string; kind: string; reason: string }
export type Zones = FeatureCollection<Geometry, ZoneProps>;

export interface ChainStep { from: string; to: string; channel: string; country: string }
export interface Provenance { chain: ChainStep[]; indirect: boolean; countries: string[]; holder?: string }

export interface TerminalState {
  serial: string; label?: string; code: string; served: boolean; satellite: number | null;
  gateway: string | null; pop: string | null; reasons?: string[]; alerts?: string[];
  reported_lat_deg: number | null; reported_lon_deg: number | null;
  estimated_lat_deg: number | null; estimated_lon_deg: number | null;
  ellipse_major_km: number | null; ellipse_minor_km: number | null; ellipse_angle_deg: number | null;
  rtt_ms: number | null; downlink_bps: number | null; speed_kmh: number | null;
  // the radio model's view (issue 11): absent from servers without it
  sinr_db?: number | null; modcod?: string | null; downlink_capacity_mbps?: number | null;
  uplink_capacity_mbps?: number | null; pop_ping_latency_ms?: number | null; rain_mm_h?: number | null;
}

export interface TerminalDetail {
  state: TerminalState; provenance: Provenance | null;
  history: { t_s: (number | null)[]; rtt_ms: (number | null)[]; downlink_bps: (number | null)[];
    uplink_mbps?: (number | null)[]; pop_ping_drop_rate?: (number | null)[] };
}

export interface IncidentTerminal { serial: string; provenance?: { indirect?: boolean; countries?: string[] } | null }
export interface Incident { id: string; codes: string[]; terminals: IncidentTerminal[] }

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
const isArr = Array.isArray;

export function isFrame(x: unknown): x is Frame {
  return isObj(x) && typeof x.t === "string" && typeof x.slot === "number" && isArr(x.sat_lat)
    && isArr(x.sat_lon) && isArr(x.terminals);
}

export function isSnapshot(x: unknown): x is Snapshot {
  return isFrame(x) && isObj(x) && isArr(x.gateways) && isArr(x.pops) && isArr(x.isl);
}

export function isZones(x: unknown): x is Zones {
  return isObj(x) && x.type === "FeatureCollection" && isArr(x.features)
    && x.features.every((f) => isObj(f) && isObj(f.properties) && typeof f.properties.name === "string");
}

export function isTerminalDetail(x: unknown): x is TerminalDetail {
  return isObj(x) && isObj(x.state) && typeof x.state.serial === "string" && typeof x.state.code === "string"
    && isObj(x.history) && isArr(x.history.rtt_ms) && isArr(x.history.downlink_bps);
}

export function isIncidents(x: unknown): x is Incident[] {
  return isArr(x) && x.every((i) => isObj(i) && typeof i.id === "string" && isArr(i.codes) && isArr(i.terminals));
}
