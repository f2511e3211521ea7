// The MapLibre map: no tiles, no token, no CDN (borders from the bundled Natural Earth 1:50m world-atlas). MapLibre's
// CSP build runs its worker from a same-origin script file, so the page's Content-Security-Policy needs no blob:.
import maplibregl from "maplibre-gl/dist/maplibre-gl-csp.js";
import workerUrl from "maplibre-gl/dist/maplibre-gl-csp-worker.js?url";
import type { GeoJSONSource, LngLatLike, Map as MlMap, MapGeoJSONFeature, MapMouseEvent } from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import type { Feature, FeatureCollection, Geometry, GeoJsonProperties, Position } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import worldUrl from "world-atlas/countries-50m.json?url";

maplibregl.setWorkerUrl(workerUrl);

export type Collection = FeatureCollection<Geometry, GeoJsonProperties>;
export const EMPTY: Collection = { type: "FeatureCollection", features: [] };
export const SOURCES = ["zones", "isl", "links", "sats", "ground", "synthetic", "terms", "ellipse", "estimate",
  "draft"] as const;
export type SourceId = (typeof SOURCES)[number];

export const CODE_COLOURS: Record<string, string> = {
  OKAY: "#4caf50", BLOCKED_COUNTRY: "#ef5350", BLOCKED_AREA: "#ff7043", MOVING_TOO_FAST_FOR_POLICY: "#ab47bc",
  UNKNOWN_LOCATION: "#ffca28", NO_ACTIVE_ACCOUNT: "#90a4ae", IN_OCEAN: "#29b6f6", ROAM_RESTRICTED: "#8d6e63",
  OUTSIDE_HOME_REGION: "#8d6e63", TOO_FAR_FROM_SERVICE_ADDRESS: "#8d6e63", ACCOUNT_DISABLED: "#616161",
  UNKNOWN_STATE: "#616161", CELL_IS_DISABLED: "#d81b60",
};

export function collection(features: Feature<Geometry, GeoJsonProperties>[]): Collection {
  return { type: "FeatureCollection", features };
}

export function point(coordinates: Position, properties: GeoJsonProperties = {}): Feature<Geometry,
  GeoJsonProperties> {
  return { type: "Feature", properties, geometry: { type: "Point", coordinates } };
}

export function line(coordinates: Position[], properties: GeoJsonProperties = {}): Feature<Geometry,
  GeoJsonProperties> {
  return { type: "Feature", properties, geometry: { type: "LineString", coordinates } };
}

export function createMap(container: string): MlMap {
  return new maplibregl.Map({
    container, attributionControl: false, center: [30, 50], zoom: 3.2,
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background",
      paint: { "background-color": "#0b1a33" } }] },
  });
}

/** Replace a GeoJSON source's data (no-op before the style has loaded). */
export function setData(map: MlMap, id: SourceId, data: Collection): void {
  map.getSource<GeoJSONSource>(id)?.setData(data);
}

async function countries(): Promise<Collection> {
  const r = await fetch(worldUrl);
  if (!r.ok) throw new Error(`world borders: ${r.status}`);
  const topo = (await r.json()) as Topology<{ countries: GeometryCollection }>;
  return feature(topo, topo.objects.countries);
}

/** Add the base layers and every (empty) data layer the dashboard draws into. */
export async function addLayers(map: MlMap): Promise<void> {
  map.addSource("countries", { type: "geojson", data: await countries() });
  map.addLayer({ id: "land", type: "fill", source: "countries", paint: { "fill-color": "#1d2b45" } });
  map.addLayer({ id: "borders", type: "line", source: "countries",
    paint: { "line-color": "#3d5278", "line-width": 0.6 } });
  for (const id of SOURCES) map.addSource(id, { type: "geojson", data: EMPTY });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": ["match", ["get", "kind"],
    "blocked_area", "#ef5350", "whitelist_only", "#ffb74d", "disabled_cells", "#d81b60", "#90caf9"],
  "fill-opacity": 0.18 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones",
    paint: { "line-color": "#ffb74d", "line-width": 1 } });
  map.addLayer({ id: "isl", type: "line", source: "isl",
    paint: { "line-color": "#3f51b5", "line-width": 0.4, "line-opacity": 0.5 } });
  map.addLayer({ id: "links", type: "line", source: "links", paint: { "line-color": "#80deea", "line-width": 1.2 } });
  map.addLayer({ id: "sats", type: "circle", source: "sats",
    paint: { "circle-radius": 1.8, "circle-color": "#e0e0e0" } });
  map.addLayer({ id: "ground", type: "circle", source: "ground", paint: { "circle-radius": 5,
    "circle-color": "#00000000", "circle-stroke-color": ["match", ["get", "kind"], "pop", "#fff176", "#4dd0e1"],
    "circle-stroke-width": 2 } });
  map.addLayer({ id: "synthetic", type: "circle", source: "synthetic",
    paint: { "circle-radius": 2, "circle-color": ["get", "colour"] } });
  map.addLayer({ id: "terms", type: "circle", source: "terms", paint: { "circle-radius": 6,
    "circle-color": ["get", "colour"], "circle-stroke-color": "#000", "circle-stroke-width": 1 } });
  map.addLayer({ id: "ellipse", type: "line", source: "ellipse", paint: { "line-color": "#ffee58", "line-width": 2 } });
  map.addLayer({ id: "estimate", type: "circle", source: "estimate", paint: { "circle-radius": 4,
    "circle-color": ["match", ["get", "kind"], "reported", "#ffffff", "#ffee58"] } });
  map.addLayer({ id: "draft-line", type: "line", source: "draft",
    paint: { "line-color": "#ffffff", "line-width": 2, "line-dasharray": [2, 1] } });
  map.addLayer({ id: "draft-pts", type: "circle", source: "draft",
    paint: { "circle-radius": 4, "circle-color": "#ffffff" } });
}

export type LayerClick = MapMouseEvent & { features?: MapGeoJSONFeature[] };

/** A popup whose content is a DOM node (never an HTML string). */
export function popup(map: MlMap, at: LngLatLike, content: Node): void {
  new maplibregl.Popup().setLngLat(at).setDOMContent(content).addTo(map);
}

/** A 95 % error ellipse as a closed line, from its centre, semi-axes (km) and the major axis' bearing (deg). */
export function ellipse(lat: number, lon: number, major: number, minor: number, angle: number):
  Feature<Geometry, GeoJsonProperties> {
  const pts: Position[] = [];
  const th = (angle * Math.PI) / 180;
  for (let k = 0; k <= 48; k++) {
    const a = (2 * Math.PI * k) / 48;
    const x = major * Math.cos(a), y = minor * Math.sin(a);
    const north = x * Math.cos(th) - y * Math.sin(th), east = x * Math.sin(th) + y * Math.cos(th);
    pts.push([lon + east / (111.32 * Math.cos((lat * Math.PI) / 180)), lat + north / 110.57]);
  }
  return line(pts);
}
