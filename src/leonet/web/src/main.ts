// leonet dashboard: the running system on a MapLibre map, fed by the server's live stream, behind a sign-in.
// Sign-in: a key from the login link's fragment (`#key=…`, removed at once) or typed into the prompt is traded for
// an HttpOnly session cookie; the page then shows what the session's role may see.
import { Draft, wireControls } from "./control";
import { byId, button, input } from "./dom";
import { Live, notify, type Debug } from "./live";
import { addLayers, createMap, popup } from "./map";
import { renderLegend, zonePopup } from "./panels";
import { login, logout, mayUse, resume, session, takeKeyFromFragment, whenLoggedOut } from "./session";
import type { LayerClick } from "./map";
import type { SessionInfo } from "./types";
import "./style.css";

declare global {
  interface Window { __leonet: Debug }
}

const map = createMap("map");
const draft = new Draft(map);
const debug: Debug = window.__leonet = {
  frames: 0, slot: -1, satellites: [], terminals: {}, frameTimes: [], errors: [], synthetic: 0, notices: [],
  selectTerminal: (serial) => live.selectTerminal(serial), addVertex: (lon, lat) => draft.add(lon, lat),
  project: (lon, lat) => { const p = map.project([lon, lat]); return [p.x, p.y]; },
};
/** Which roles see the terminal panel and its provenance chain (a viewer sees map data, no provenance). */
const SEE: Record<"terminal" | "provenance", string> = { terminal: "admin regulator viewer",
  provenance: "admin regulator" };
const live = new Live(map, debug, (part) => { const s = session(); return s !== null && mayUse(SEE[part], s.role); });
const mapReady = new Promise<void>((resolve, reject) => map.on("load", () => addLayers(map).then(resolve, reject)));

function showLogin(why: string): void {
  live.stop();
  byId("login").hidden = false;
  byId("bar").hidden = true;
  byId("side").hidden = true;
  byId("login-msg").textContent = why;
  input("login-key").value = "";
  input("login-key").focus();
}

async function enter(who: SessionInfo): Promise<void> {
  byId("login").hidden = true;
  byId("bar").hidden = false;
  byId("side").hidden = false;
  byId("whoami").textContent = `signed in: ${who.role}${who.owner ? ` (${who.owner})` : ""}`;
  notify(debug, "");
  for (const node of document.querySelectorAll<HTMLElement>("[data-roles]")) {
    node.hidden = !mayUse(node.dataset.roles, who.role);
  }
  await mapReady;
  await live.start();
}

async function signIn(key: string): Promise<void> {
  try {
    await enter(await login(key));
  } catch (e) {
    showLogin(e instanceof Error ? e.message : String(e));
  }
}

byId("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const key = input("login-key").value;
  input("login-key").value = "";
  void signIn(key);
});
button("logout").addEventListener("click", () => void logout());
whenLoggedOut((why) => showLogin(why));
window.addEventListener("leonet-session-ended", () => showLogin("your session has ended: sign in again"));

map.on("click", (e) => draft.add(e.lngLat.lng, e.lngLat.lat));
map.on("click", "terms", (e: LayerClick) => {
  const serial = e.features?.[0]?.properties?.serial;
  if (typeof serial === "string") void live.selectTerminal(serial);
});
map.on("click", "zones-fill", (e: LayerClick) => {
  const p = e.features?.[0]?.properties;
  if (p) popup(map, e.lngLat, zonePopup(String(p.name ?? ""), String(p.kind ?? ""), String(p.reason ?? "")));
});
renderLegend(byId("legend"));
wireControls(draft, () => live.loadZones(), () => live.last?.paused ?? false);
window.addEventListener("error", (e) => debug.errors.push(String(e.message)));

let prev = performance.now();
function tick(now: number): void {
  debug.frameTimes.push(now - prev);
  if (debug.frameTimes.length > 600) debug.frameTimes.shift();
  prev = now;
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);

async function boot(): Promise<void> {
  const key = takeKeyFromFragment();
  if (key) return signIn(key);
  try {
    const who = await resume();
    if (who) await enter(who);
    else showLogin("");
  } catch (e) {
    showLogin(e instanceof Error ? e.message : String(e));
  }
}
void boot();
