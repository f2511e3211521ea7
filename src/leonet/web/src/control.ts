// The control panel (whitelist a terminal, record a sale, draw and upload a zone, the time control), through the
// session: state-changing requests carry the CSRF header (session.ts), the server decides what the role may do.
import type { Map as MlMap } from "maplibre-gl";
import { button, byId, input, select, textarea } from "./dom";
import { collection, line, point, setData } from "./map";
import { NotAllowed, send } from "./session";

const message = (text: string): void => { byId("control-msg").textContent = text; };

/** Send a change; the answer's status and the server's message (as text) land in the panel. */
export async function change(path: string, body: unknown): Promise<boolean> {
  try {
    const r = await send(path, body);
    message(`${r.status}: ${r.text.slice(0, 200)}`);
    return r.ok;
  } catch (e) {
    message(e instanceof NotAllowed ? `403: ${e.message}` : `failed: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

/** Drawing a zone: click vertices on the map, then "finish polygon" writes the closed ring into the GeoJSON box. */
export class Draft {
  drawing = false;
  vertices: [number, number][] = [];

  constructor(private readonly map: MlMap) {}

  start(): void {
    this.drawing = true;
    this.vertices = [];
    this.show();
  }

  add(lon: number, lat: number): void {
    if (!this.drawing) return;
    this.vertices.push([Math.round(lon * 1e5) / 1e5, Math.round(lat * 1e5) / 1e5]);
    this.show();
  }

  finish(): void {
    if (this.vertices.length < 3) return;
    const first = this.vertices[0];
    textarea("zone-geojson").value = JSON.stringify({ type: "Polygon", coordinates: [[...this.vertices, first]] });
    this.drawing = false;
    this.vertices = [];
    this.show();
    message("polygon ready: name it, give a reason, then upload");
  }

  private show(): void {
    const v = this.vertices;
    const ring = v.length > 2 ? [...v, v[0]] : v;
    setData(this.map, "draft", collection([...(ring.length > 1 ? [line(ring)] : []), ...v.map((p) => point(p))]));
    byId("draw-msg").textContent = this.drawing ? `${v.length} vertices; click the map to add more` : "";
    button("draw-done").disabled = !(this.drawing && v.length >= 3);
  }
}

/** Wire the panel's buttons. ``zonesChanged`` reloads the zone layer and lists after an upload. */
export function wireControls(draft: Draft, zonesChanged: () => Promise<void>, paused: () => boolean): void {
  button("wl-go").addEventListener("click", () => void change(
    `/api/v1/zones/${encodeURIComponent(select("wl-zone").value)}/whitelist`, { serial: input("wl-serial").value }));
  button("sale-go").addEventListener("click", () => void change(
    `/api/v1/terminals/${encodeURIComponent(input("sale-serial").value)}/sales`, {
      seller: input("sale-seller").value, buyer: input("sale-buyer").value, country: input("sale-country").value,
      channel: select("sale-channel").value, at: new Date().toISOString() }));
  button("zone-go").addEventListener("click", async () => {
    let geometry: unknown;
    try {
      geometry = JSON.parse(textarea("zone-geojson").value);
    } catch {
      message("GeoJSON is not valid JSON");
      return;
    }
    if (await change("/api/v1/zones", { name: input("zone-name").value, kind: select("zone-kind").value,
      reason: input("zone-reason").value, geometry })) await zonesChanged();
  });
  button("draw-go").addEventListener("click", () => draft.start());
  button("draw-done").addEventListener("click", () => draft.finish());
  button("pause").addEventListener("click", () => void change("/api/v1/live/control", { paused: !paused() }));
  select("speed").addEventListener("change", () => void change("/api/v1/live/control",
    { speed: Number(select("speed").value) }));
}
