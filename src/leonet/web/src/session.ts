// Browser session: an API key is traded once for the server's HttpOnly, SameSite=Strict session cookie
// (POST /api/v1/session); every later request rides on that cookie. The page never stores the key.
import type { Role, SessionInfo } from "./types";

export const SESSION_URL = "/api/v1/session";
const CSRF_HEADER = { "X-Requested-With": "leonet" };

/** The request failed because the session is missing or expired (401): the page returns to the key prompt. */
export class Unauthenticated extends Error {}

/** The session's role may not do this (403): the message says so; the page stays signed in. */
export class NotAllowed extends Error {}

let current: SessionInfo | null = null;
const onLogout: Array<(why: string) => void> = [];

export function session(): SessionInfo | null {
  return current;
}

export function whenLoggedOut(f: (why: string) => void): void {
  onLogout.push(f);
}

function loggedOut(why: string): void {
  if (current === null) return; // already signed out: a late 401 from a request in flight changes nothing
  current = null;
  for (const f of onLogout) f(why);
}

function isSessionInfo(x: unknown): x is SessionInfo {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.role === "string" && (o.owner === undefined || o.owner === null || typeof o.owner === "string");
}

async function readSession(r: Response): Promise<SessionInfo> {
  const body: unknown = await r.json();
  if (!isSessionInfo(body)) throw new Error("the server's session answer has no role");
  return body;
}

async function detail(r: Response): Promise<string> {
  try {
    const body: unknown = await r.json();
    if (typeof body === "object" && body !== null && "detail" in body) {
      const d = (body as { detail: unknown }).detail;
      return typeof d === "string" ? d : JSON.stringify(d);
    }
  } catch {
    /* not JSON: the status says enough */
  }
  return r.statusText;
}

/** Trade a key for the session cookie. Rejects with a readable message when the key is refused. */
export async function login(key: string): Promise<SessionInfo> {
  const r = await fetch(SESSION_URL, { method: "POST", credentials: "same-origin",
    headers: { Authorization: `Bearer ${key.trim()}`, ...CSRF_HEADER } });
  if (r.status === 401) throw new Unauthenticated(`key not accepted: ${await detail(r)}`);
  if (!r.ok) throw new Error(`sign-in failed (${r.status}): ${await detail(r)}`);
  current = await readSession(r);
  return current;
}

/** Who the session cookie belongs to, or null when there is no (valid) session. */
export async function resume(): Promise<SessionInfo | null> {
  const r = await fetch(SESSION_URL, { credentials: "same-origin" });
  if (r.status === 401) return null;
  if (!r.ok) throw new Error(`session check failed (${r.status}): ${await detail(r)}`);
  current = await readSession(r);
  return current;
}

export async function logout(): Promise<void> {
  try {
    await fetch(SESSION_URL, { method: "DELETE", credentials: "same-origin", headers: CSRF_HEADER });
  } finally {
    loggedOut("signed out");
  }
}

/** A key handed over in the URL fragment (`#key=…`, from `leonet demo`'s login link), removed from the address
 * bar and history at once so it is neither bookmarked nor shown. */
export function takeKeyFromFragment(): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const key = params.get("key");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return key && key.trim() ? key.trim() : null;
}

/** fetch() with the session cookie; state-changing methods carry the CSRF header. 401 ends the session. */
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? "GET").toUpperCase();
  const headers = new Headers(init.headers);
  if (method !== "GET" && method !== "HEAD") headers.set("X-Requested-With", CSRF_HEADER["X-Requested-With"]);
  const r = await fetch(path, { ...init, method, headers, credentials: "same-origin" });
  if (r.status === 401) {
    loggedOut("your session has ended: sign in again");
    throw new Unauthenticated(await detail(r));
  }
  if (r.status === 403) throw new NotAllowed(await detail(r));
  return r;
}

/** GET a JSON document through the session. */
export async function getJson<T>(path: string, guard: (x: unknown) => x is T): Promise<T> {
  const r = await api(path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await detail(r)}`);
  const body: unknown = await r.json();
  if (!guard(body)) throw new Error(`${path}: unexpected answer`);
  return body;
}

/** POST/PUT a JSON body through the session; the status and the server's message come back. */
export async function send(path: string, body: unknown, method = "POST"): Promise<{ ok: boolean; status: number;
  text: string }> {
  const r = await api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { ok: r.ok, status: r.status, text: await r.text() };
}

/** Which roles may use a part of the page (elements carry `data-roles="admin regulator"`). */
export function mayUse(roles: string | undefined, role: Role): boolean {
  return roles === undefined || roles.split(/\s+/).includes(role);
}
