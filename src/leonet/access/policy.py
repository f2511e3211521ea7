"""Decisions: may this terminal be served here, now? One ``DisablementCode`` plus human-readable reasons and the
policy version (the audit-log sequence number the policy was read at).

Rules apply in this order; the first that matches decides (docs/access.md repeats it):
 1. UNKNOWN_LOCATION     — no usable position (missing, NaN or out of range).
 2. NO_ACTIVE_ACCOUNT    — unknown terminal, no account, or account suspended.
 3. ACCOUNT_DISABLED     — account disabled.
 4. UNSUPPORTED_VERSION  — hardware version no longer supported.
 5. BLOCKED_COUNTRY      — on land in a country whose status is ``blocked``, or ``not_licensed`` / ``unknown``
                           (government accounts are exempt from not_licensed; aviation over an unlicensed country gets
                           UNDER_AVIATION_FLYOVER_LIMITS instead).
 6. CELL_IS_DISABLED     — inside an active ``disabled_cells`` zone: the H3 scheduler cells whose centres lie in
                           the zone are switched off for every terminal (a whitelist does not exempt).
 7. BLOCKED_AREA         — inside an active ``blocked_area`` zone, or an active ``whitelist_only`` zone, and not
                           on that zone's whitelist.
 8. MOVING_TOO_FAST_FOR_POLICY — faster than the account's limit (or the plan's default), or than an active zone's
                           speed cut-off unless whitelisted there as speed-exempt.
 9. IN_OCEAN             — at sea on a residential or roam plan.
10. OUTSIDE_HOME_REGION / TOO_FAR_FROM_SERVICE_ADDRESS — residential outside its home country / service radius.
11. ROAM_RESTRICTED      — roam outside its allowed regions, or abroad for more than 60 days (the "2 months
                           abroad" rule of the Roam terms, see ``roam``).
12. DATA_OVERAGE_SANDBOX_POLICY — authorized here, but the account has used its plan's data for the billing
                           period (``data_cap_gb``): sandboxed (only the operator's site reachable) until the
                           period restarts or data is added.
13. OKAY.

There is one rule core, ``decide_batch`` (arrays of M terminals, vectorised; countries through the border grid index,
which answers exactly as the polygon test — tests/access/test_borders.py); ``decide`` is that core on one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from leonet.access.borders import DEFAULT_SCALE, borders
from leonet.access.codes import DisablementCode as C
from leonet.access.zones import ZoneIndex
from leonet.orbits.frames import great_circle_km

PLANS = ("residential", "roam", "maritime", "aviation", "government")
PLAN_MAX_SPEED_KMH = {"residential": 10.0, "roam": 160.0, "maritime": 100.0, "aviation": 1200.0,
                      "government": float("inf")}  # roam in motion ≤ 160 km/h: https://www.starlink.com/ph/support/article/3717b249-366b-df21-26f7-d4d281b39d8f
ROAM_ABROAD_LIMIT = timedelta(days=60)
UNSUPPORTED_HARDWARE = frozenset({"rev1_pre_production", "rev1_proto"})
STATUS_CODES = {"sea": 0, "licensed": 1, "not_licensed": 2, "blocked": 3, "unknown": 4}
# ``unknown``: no public source for the country's status (data/licensing.csv). Treated as not licensed: the twin
# authorises service only where a source says it is licensed.


@dataclass
class Decision:
    code: C
    reasons: list[str]
    policy_version: str

    def as_dict(self) -> dict:
        return {"code": self.code.name, "code_value": int(self.code), "reasons": self.reasons,
                "policy_version": self.policy_version}


@dataclass
class PolicyContext:
    """Everything a decision needs, as arrays. Terminals are sorted by serial."""

    at: datetime
    policy_version: str
    country_status: np.ndarray  # (K+1,) int8 per border country index (last = sea), STATUS_CODES values
    serials: np.ndarray  # (T,) str, sorted
    account_of: np.ndarray  # (T,) int, −1 none
    hardware_ok: np.ndarray  # (T,) bool
    plan: np.ndarray  # (A,) int index into PLANS
    status: np.ndarray  # (A,) str: active | suspended | disabled
    home: np.ndarray  # (A,) int border-country index
    service_lat: np.ndarray  # (A,) float (NaN none)
    service_lon: np.ndarray
    service_radius_km: np.ndarray  # (A,) float (inf none)
    max_speed_kmh: np.ndarray  # (A,) float
    abroad_days: np.ndarray  # (A,) float, days abroad at ``at`` (0 = at home)
    allowed_keys: np.ndarray  # sorted int64 account·1024 + border-country index of each allowed region
    has_allowed: np.ndarray  # (A,) bool: the account restricts its regions
    zones: ZoneIndex = field(default_factory=lambda: ZoneIndex([]))
    whitelist: list[np.ndarray] = field(default_factory=list)  # per zone: sorted terminal indices
    speed_exempt: list[np.ndarray] = field(default_factory=list)  # per zone: sorted terminal indices
    border_scale: str = DEFAULT_SCALE
    data_cap_gb: np.ndarray | None = None  # (A,) float, inf = unlimited
    data_used_gb: np.ndarray | None = None  # (A,) float
    data_used_stamp: np.ndarray | None = None  # (A,) float: when data_used_gb was last set (unix s, 0 never)

    def over_data_cap(self, a: np.ndarray) -> np.ndarray:
        """Per account index (−1 = none): used ≥ cap."""
        a = np.asarray(a)
        if self.data_cap_gb is None or self.data_cap_gb.size == 0:
            return np.zeros(a.shape, dtype=bool)
        k = np.maximum(a, 0)
        return (a >= 0) & (self.data_used_gb[k] >= self.data_cap_gb[k])

    @property
    def countries(self):
        return borders(self.border_scale)

    @classmethod
    def load(cls, session, at: datetime | None = None) -> PolicyContext:
        """From the store, valid at ``at`` (see ``leonet.access.context.load_context``)."""
        from leonet.access.context import load_context

        return load_context(session, at)

    def terminal_index(self, serials) -> np.ndarray:
        s = np.asarray(serials, dtype=self.serials.dtype if self.serials.size else str)
        if self.serials.size == 0:
            return np.full(s.shape, -1)
        idx = np.clip(np.searchsorted(self.serials, s), 0, len(self.serials) - 1)
        return np.where(self.serials[idx] == s, idx, -1)


def _valid_position(lat, lon):
    return np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)


def _in_sorted(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    if sorted_ref.size == 0:
        return np.zeros(values.shape, dtype=bool)
    i = np.clip(np.searchsorted(sorted_ref, values), 0, sorted_ref.size - 1)
    return sorted_ref[i] == values


@dataclass
class BatchDecision:
    """Codes (M,) int16 plus what is needed to render each terminal's reasons on demand."""

    codes: np.ndarray
    policy_version: str
    detail: dict

    def reasons(self, i: int) -> list[str]:
        return _render(self.detail, i)

    def decision(self, i: int) -> Decision:
        return Decision(C(int(self.codes[i])), self.reasons(i), self.policy_version)

    @property
    def names(self) -> np.ndarray:
        lut = np.array([C(v).name if v in C._value2member_map_ else "" for v in range(18)], dtype=object)
        return lut[self.codes]


def decide_batch(ctx: PolicyContext, serials, lat_deg, lon_deg, t: datetime | None = None,
                 speed_kmh=None) -> BatchDecision:
    """Vectorised decisions for M terminals: serials (M,), lat_deg/lon_deg (M,), speed_kmh (M,) or scalar."""
    lat = np.asarray(lat_deg, dtype=np.float64).ravel()
    lon = np.asarray(lon_deg, dtype=np.float64).ravel()
    m = lat.size
    speed = np.broadcast_to(np.asarray(0.0 if speed_kmh is None else speed_kmh, dtype=np.float64), (m,))
    t = t or ctx.at
    term = ctx.terminal_index(np.asarray(serials).ravel())
    acct = np.where(term >= 0, ctx.account_of[np.maximum(term, 0)] if ctx.account_of.size else -1, -1)
    has = acct >= 0
    a = np.maximum(acct, 0)
    status = np.where(has, ctx.status[a] if ctx.status.size else "", "")
    plan = np.where(has, ctx.plan[a] if ctx.plan.size else -1, -1)
    codes = np.full(m, int(C.OKAY), dtype=np.int16)
    open_ = np.ones(m, dtype=bool)

    def rule(mask, code):
        nonlocal open_
        hit = open_ & mask
        codes[hit] = int(code)
        open_ &= ~hit

    valid = _valid_position(lat, lon)
    rule(~valid, C.UNKNOWN_LOCATION)
    rule(~has | (status == "suspended"), C.NO_ACTIVE_ACCOUNT)
    rule(status == "disabled", C.ACCOUNT_DISABLED)
    rule(~np.where(term >= 0, ctx.hardware_ok[np.maximum(term, 0)] if ctx.hardware_ok.size else True, True),
         C.UNSUPPORTED_VERSION)
    country = np.full(m, ctx.countries.sea_index, dtype=np.int32)
    if valid.any():
        country[valid] = ctx.countries.index_batch(lat[valid], lon[valid])
    cstat = ctx.country_status[country]
    is_gov = plan == PLANS.index("government")
    is_air = plan == PLANS.index("aviation")
    unlicensed = (cstat == 2) | (cstat == 4)
    rule(unlicensed & is_air, C.UNDER_AVIATION_FLYOVER_LIMITS)
    rule((cstat == 3) | (unlicensed & ~is_gov), C.BLOCKED_COUNTRY)
    # Zones, sparse: only the points inside each zone are touched.
    blocked_zone = np.full(m, -1, dtype=np.int64)
    cell_zone = np.full(m, -1, dtype=np.int64)
    zone_cap = np.full(m, np.inf)
    for z, idx in enumerate(ctx.zones.members(lat, lon)):
        zone = ctx.zones.zones[z]
        idx = idx[valid[idx]]
        if idx.size == 0 or not zone.active_at(t):
            continue
        tz = term[idx]
        if zone.kind == "disabled_cells":
            first = idx[cell_zone[idx] < 0]
            cell_zone[first] = z
        if zone.kind in ("blocked_area", "whitelist_only"):
            barred = idx[~(_in_sorted(tz, ctx.whitelist[z]) & (tz >= 0))]
            first = barred[blocked_zone[barred] < 0]
            blocked_zone[first] = z
        if zone.max_speed_kmh is not None:
            capped = idx[~(_in_sorted(tz, ctx.speed_exempt[z]) & (tz >= 0))]
            zone_cap[capped] = np.minimum(zone_cap[capped], zone.max_speed_kmh)
    rule(cell_zone >= 0, C.CELL_IS_DISABLED)
    rule(blocked_zone >= 0, C.BLOCKED_AREA)
    acct_cap = np.where(has, ctx.max_speed_kmh[a] if ctx.max_speed_kmh.size else np.inf, np.inf)
    cap = np.minimum(zone_cap, acct_cap)
    rule(speed > cap, C.MOVING_TOO_FAST_FOR_POLICY)
    at_sea = country == ctx.countries.sea_index
    res, roam = PLANS.index("residential"), PLANS.index("roam")
    rule(at_sea & ((plan == res) | (plan == roam)), C.IN_OCEAN)
    home = np.where(has, ctx.home[a] if ctx.home.size else -1, -1)
    rule((plan == res) & (country != home), C.OUTSIDE_HOME_REGION)
    dist = great_circle_km(lat, lon, ctx.service_lat[a] if ctx.service_lat.size else np.nan,
                           ctx.service_lon[a] if ctx.service_lon.size else np.nan)
    radius = ctx.service_radius_km[a] if ctx.service_radius_km.size else np.full(m, np.inf)
    rule((plan == res) & (dist > radius), C.TOO_FAR_FROM_SERVICE_ADDRESS)
    restricted = np.where(has, ctx.has_allowed[a] if ctx.has_allowed.size else False, False)
    not_allowed = restricted & ~_in_sorted(a.astype(np.int64) * 1024 + country, ctx.allowed_keys)
    rule((plan == roam) & not_allowed, C.ROAM_RESTRICTED)
    abroad = np.where(has, ctx.abroad_days[a] if ctx.abroad_days.size else 0.0, 0.0)
    rule((plan == roam) & (country != home) & (abroad > ROAM_ABROAD_LIMIT.days), C.ROAM_RESTRICTED)
    rule(has & ctx.over_data_cap(a), C.DATA_OVERAGE_SANDBOX_POLICY)
    detail = {"ctx": ctx, "serials": np.asarray(serials).ravel(), "country": country, "blocked_zone": blocked_zone,
              "cell_zone": cell_zone,
              "cap": cap, "zone_cap": zone_cap, "speed": speed, "dist": dist, "codes": codes, "abroad": abroad,
              "has": has, "status": status, "plan": plan, "home": home}
    return BatchDecision(codes, ctx.policy_version, detail)


def _render(d: dict, i: int) -> list[str]:
    """Human-readable reasons for terminal i of a batch (the same text ``decide`` gives)."""
    ctx, code = d["ctx"], C(int(d["codes"][i]))
    b = ctx.countries
    where = "at sea" if d["country"][i] == b.sea_index else f"in {b.codes[d['country'][i]]}"
    serial = str(d["serials"][i])
    plan = PLANS[d["plan"][i]] if d["plan"][i] >= 0 else "none"
    if code == C.UNKNOWN_LOCATION:
        return ["no usable position for the terminal"]
    if code == C.NO_ACTIVE_ACCOUNT:
        if not d["has"][i]:
            return [f"terminal {serial} has no active account"]
        return [f"account of terminal {serial} is {d['status'][i]}"]
    if code == C.ACCOUNT_DISABLED:
        return [f"account of terminal {serial} is disabled"]
    if code == C.UNSUPPORTED_VERSION:
        return [f"hardware of terminal {serial} is no longer supported"]
    cc = b.codes[d["country"][i]]
    if code == C.UNDER_AVIATION_FLYOVER_LIMITS:
        return [f"aviation service is not licensed over {cc}"]
    if code == C.BLOCKED_COUNTRY:
        status = {2: "not licensed", 3: "blocked", 4: "of unknown licensing status (no public source; treated as not "
                  "licensed)"}[int(ctx.country_status[d["country"][i]])]
        return [f"position is in {cc}, where service is {status}"]
    if code == C.CELL_IS_DISABLED:
        z = ctx.zones.zones[d["cell_zone"][i]]
        return [f"position is in a disabled cell of zone '{z.name}': {z.reason}"]
    if code == C.BLOCKED_AREA:
        z = ctx.zones.zones[d["blocked_zone"][i]]
        how = "blocked area" if z.kind == "blocked_area" else "whitelist-only region; terminal is not whitelisted"
        return [f"position is in zone '{z.name}' ({how}): {z.reason}"]
    if code == C.MOVING_TOO_FAST_FOR_POLICY:
        by = "zone speed cut-off" if d["zone_cap"][i] <= d["cap"][i] else f"{plan} plan limit"
        return [f"speed {d['speed'][i]:.0f} km/h exceeds the {by} of {d['cap'][i]:.0f} km/h"]
    if code == C.IN_OCEAN:
        return [f"position is at sea; the {plan} plan covers land only"]
    if code == C.OUTSIDE_HOME_REGION:
        return [f"position is {where}, outside the account's home country {b.codes[d['home'][i]]}"]
    if code == C.TOO_FAR_FROM_SERVICE_ADDRESS:
        return [f"position is {d['dist'][i]:.1f} km from the service address"]
    if code == C.DATA_OVERAGE_SANDBOX_POLICY:
        ai = int(ctx.account_of[ctx.terminal_index(np.array([serial]))[0]])
        return [f"account has used {ctx.data_used_gb[ai]:.1f} GB of its {ctx.data_cap_gb[ai]:.1f} GB plan data; "
                f"sandboxed until the billing period restarts"]
    if code == C.ROAM_RESTRICTED:
        if d["abroad"][i] > ROAM_ABROAD_LIMIT.days and d["country"][i] != d["home"][i]:
            return [f"roaming abroad for {d['abroad'][i]:.0f} days, more than the 60-day limit"]
        return [f"position is {where}, outside the roam plan's allowed regions"]
    return [f"service authorized {where} on the {plan} plan"]


def decide(ctx: PolicyContext, serial: str, lat_deg: float | None, lon_deg: float | None,
           t: datetime | None = None, speed_kmh: float | None = 0.0) -> Decision:
    """One terminal: ``decide_batch`` on one row (there is one rule core; see the module docstring)."""
    lat = np.nan if lat_deg is None else float(lat_deg)
    lon = np.nan if lon_deg is None else float(lon_deg)
    speed = 0.0 if speed_kmh is None else float(speed_kmh)
    return decide_batch(ctx, np.array([str(serial)]), np.array([lat]), np.array([lon]), t,
                        np.array([speed])).decision(0)


def country_status_array(statuses: dict[str, str], scale: str = DEFAULT_SCALE) -> np.ndarray:
    """Per border-country index: STATUS_CODES of the given {iso_a2: status}; countries not listed are
    not_licensed, and the sea slot is 0."""
    b = borders(scale)
    out = np.full(len(b.codes), STATUS_CODES["not_licensed"], dtype=np.int8)
    for code, status in statuses.items():
        hits = np.flatnonzero(b.codes == code)
        out[hits] = STATUS_CODES[status]
    out[b.sea_index] = STATUS_CODES["sea"]
    return out


def now_utc() -> datetime:
    return datetime.now(UTC)
