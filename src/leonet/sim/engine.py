"""The living system: every 15-second slot the control plane decides all terminals in one batch, authorized
terminals are assigned satellites and beams, traffic lands at a gateway and reaches its PoP, the network checks
terminals' reported positions, and unauthorized attempts become evidence."""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

from leonet import C_KM_S
from leonet.access import service, verify
from leonet.access.codes import DisablementCode as C
from leonet.access.decisions import cached_context
from leonet.access.detect import UNAUTHORIZED_CODES, build_incidents
from leonet.access.policy import decide_batch
from leonet.access.roam import AbroadCounter
from leonet.access.zones import zone_area
from leonet.ground.geometry import look_angles, look_angles_paired
from leonet.network.isl import plus_grid
from leonet.network.routing import distances_to_ground
from leonet.orbits.frames import ecef_to_geodetic, geodetic_to_ecef_km, great_circle_km
from leonet.orbits.presets import preset
from leonet.scenario import Scenario
from leonet.scheduler.cells import cell_centres, cell_names, cells_of
from leonet.scheduler.slots import Assignment, assign
from leonet.sim.mobility import Tracks
from leonet.sim.state import TerminalHistory, TerminalState
from leonet.sim.telemetry import TelemetryLog

HISTORY_S = 900
MAX_RANGE_KM = 1200.0  # beyond the slant range at 25° elevation for every preset shell (~1,120 km at 570 km)


class Simulation:
    """Run a scenario slot by slot. Thread-safe reads under ``lock``."""

    def __init__(self, scenario: Scenario, db_url: str | None = None, seed: int | None = None,
                 record: bool = True):
        from leonet.access import seed as seeding
        from leonet.store.session import open_store

        self.scenario = scenario
        self.lock = threading.RLock()
        self.rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self.record = record
        if db_url is None:
            db_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='leonet-sim-')) / 'leonet.sqlite'}"
        self.db_url = db_url
        self.sessions = open_store(db_url)
        if scenario.control_plane == "example":
            with self.sessions.begin() as session:
                seeding.load_example(session)
        net = scenario.network
        self.constellation = preset(net.constellation).with_epoch(scenario.start)
        self.isl = plus_grid(self.constellation)
        self.start = scenario.start
        self.slot_s = scenario.slot_s
        self.slot_index = -1
        self._build_ground()
        self._build_terminals()
        self.telemetry = TelemetryLog(self.sessions if record else None, self.serials_arr)
        self._attempts: list[dict] = []
        self._incidents_cache: tuple[int, list] | None = None

    # -- set-up ------------------------------------------------------------------------------------------
    def _build_ground(self) -> None:
        s = self.scenario
        self.gw_names = [g.name for g in s.gateways]
        self.gw_lat = np.array([g.lat_deg for g in s.gateways])
        self.gw_lon = np.array([g.lon_deg for g in s.gateways])
        self.gw_ecef = geodetic_to_ecef_km(self.gw_lat, self.gw_lon, np.array([g.alt_m for g in s.gateways]) / 1e3)
        self.gw_country = [g.country for g in s.gateways]
        pops = {p.name: p for p in s.pops}
        self.gw_pop = [g.pop for g in s.gateways]
        fibre = great_circle_km(self.gw_lat, self.gw_lon, [pops[g.pop].lat_deg for g in s.gateways],
                                [pops[g.pop].lon_deg for g in s.gateways])
        self.gw_fibre_equiv_km = fibre / s.network.fibre_speed_fraction  # vacuum-equivalent length
        rules = s.network.landing_rules
        self.rule_countries = list(rules)
        self.rule_masks = np.ones((1 + len(rules), len(self.gw_names)), dtype=bool)  # row 0: any gateway
        for k, country in enumerate(self.rule_countries):
            self.rule_masks[k + 1] = np.isin(self.gw_names, rules[country])

    def _build_terminals(self) -> None:
        ts = self.scenario.terminals
        self.serials = [t.serial for t in ts]
        self.serials_arr = np.array(self.serials)
        self._metered_gb = np.zeros(len(self.serials))  # data each terminal used since its account's usage was set
        self.roaming = AbroadCounter(len(self.serials))  # Roam trips from the reported positions (access/roam.py)
        self._last_usage_stamp: np.ndarray | None = None  # stamps of the accounts' usage records last slot
        self.labels = [t.label for t in ts]
        self.tracks = Tracks.from_lists([(t.lat_deg, t.lon_deg) for t in ts],
                                        [[(w.lat_deg, w.lon_deg) for w in t.track] for t in ts],
                                        [t.speed_kmh for t in ts], [t.loop for t in ts])
        self.alt_km = np.array([t.alt_m for t in ts]) / 1e3
        self.gps = np.array([t.gps for t in ts])
        self.spoof_lat = np.array([np.nan if t.spoof_lat_deg is None else t.spoof_lat_deg for t in ts])
        self.spoof_lon = np.array([np.nan if t.spoof_lon_deg is None else t.spoof_lon_deg for t in ts])
        self.demand = np.array([t.demand_mbps for t in ts])
        self.moving = self.tracks.speed_km_s > 0
        m = len(ts)
        self._cells = cells_of(self.tracks.lat_deg[:, 0], self.tracks.lon_deg[:, 0],
                               self.scenario.network.cell_resolution)
        self.meta = self._terminal_meta()
        nan = np.full(m, np.nan)
        self.state = {"code": np.zeros(m, dtype=np.int16), "sat": np.full(m, -1), "gw": np.full(m, -1),
                      "rtt_ms": nan.copy(), "thr_mbps": np.zeros(m), "reason": np.zeros(m, dtype=np.int8),
                      "est_lat": nan.copy(), "est_lon": nan.copy(), "major": nan.copy(), "minor": nan.copy(),
                      "angle": nan.copy(), "flagged": np.zeros(m, dtype=bool), "d2": nan.copy(),
                      "inconsistent": np.zeros(m, dtype=np.int64),
                      "lat": nan.copy(), "lon": nan.copy(), "rep_lat": nan.copy(), "rep_lon": nan.copy(),
                      "speed": np.zeros(m), "heading": np.zeros(m), "az": nan.copy(), "el": nan.copy(),
                      "handover": np.zeros(m, dtype=bool), "country": np.array([""] * m, dtype="<U2")}
        self._decision = None
        self._spoof_denied = np.zeros(m, dtype=bool)
        self._prev_meas: verify.Measurements | None = None
        hist = m if self.record else 0
        self._hist = {k: np.full((hist, HISTORY_S), np.nan) for k in ("rtt", "drop", "dl", "ul")}
        self._hist_t = np.full(HISTORY_S, np.nan)
        self._outages: list[list[tuple[float, float, str]]] = [[] for _ in range(m)]

    def _terminal_meta(self) -> list[dict]:
        from sqlalchemy import select

        from leonet.store.models import Account, Terminal

        with self.sessions() as session:  # two queries, whatever the number of terminals
            terms = {t.serial: t for t in session.execute(select(Terminal)).scalars()}
            accts = {a.id: a for a in session.execute(select(Account)).scalars()}
        out = []
        for s in self.serials:
            term = terms.get(s)
            acct = accts.get(term.account_id) if term is not None else None
            out.append({"kit_number": term.kit_number if term else "", "hardware_version":
                        term.hardware_version if term else "", "software_version":
                        term.software_version if term else "", "country_code": acct.home_country if acct else "",
                        "plan": acct.plan if acct else ""})
        return out

    # -- time --------------------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.start + timedelta(seconds=max(self.slot_index, 0) * self.slot_s)

    def t_unix(self, t_s: float) -> float:
        return self.start.timestamp() + t_s

    def satellites_geodetic(self, t: datetime) -> dict:
        pos = self.constellation.positions_ecef_km(np.array([t.timestamp()]))[0]
        lat, lon, alt = ecef_to_geodetic(pos)
        return {"lat_deg": lat, "lon_deg": lon, "alt_km": alt}

    # -- one slot ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one scheduler slot."""
        with self.lock:
            self.slot_index += 1
            t_s = self.slot_index * self.slot_s
            self._slot(t_s)
            self.slot_started_monotonic = time.monotonic()

    def context(self, when: datetime):
        """The control plane's policy context at ``when`` (re-read only when a policy input changed)."""
        with self.sessions() as session:
            return cached_context(session, when)

    def _metered(self, ctx):
        """The context with this run's metered data added to each capped account's stored usage. When the stored
        usage of an account is set anew (a new billing period, data added), its metering restarts."""
        if ctx.data_cap_gb is None or not np.isfinite(ctx.data_cap_gb).any():
            return ctx
        ti = ctx.terminal_index(self.serials_arr)
        acct = np.where(ti >= 0, ctx.account_of[np.maximum(ti, 0)], -1) if ctx.account_of.size else np.full(ti.size, -1)
        if self._last_usage_stamp is not None:
            n = min(len(self._last_usage_stamp), len(ctx.data_used_stamp))
            reset = np.flatnonzero(ctx.data_used_stamp[:n] != self._last_usage_stamp[:n])
            self._metered_gb[np.isin(acct, reset)] = 0.0
        self._last_usage_stamp = ctx.data_used_stamp.copy()
        ok = acct >= 0
        extra = np.bincount(acct[ok], weights=self._metered_gb[ok], minlength=len(ctx.data_used_gb))
        return replace(ctx, data_used_gb=ctx.data_used_gb + extra)

    def _reported(self, lat, lon):
        rep_lat = np.where(self.gps == "spoofed", self.spoof_lat, np.where(self.gps == "jammed", np.nan, lat))
        rep_lon = np.where(self.gps == "spoofed", self.spoof_lon, np.where(self.gps == "jammed", np.nan, lon))
        # Without GPS the network's own fix (if any) stands in: position source STARLINK.
        use_fix = (self.gps == "jammed") & np.isfinite(self.state["est_lat"])
        return np.where(use_fix, self.state["est_lat"], rep_lat), np.where(use_fix, self.state["est_lon"], rep_lon)

    def _slot(self, t_s: float) -> None:
        st = self.state
        when = self.start + timedelta(seconds=t_s)
        lat, lon, speed, heading = self.tracks.at(t_s)
        rep_lat, rep_lon = self._reported(lat, lon)
        ctx = self.roaming.update(self._metered(self.context(when)), self.serials_arr, rep_lat, rep_lon, when)
        decision = decide_batch(ctx, self.serials_arr, rep_lat, rep_lon, when, speed)
        codes = decision.codes.copy()
        check = self.scenario.location_check
        spoof_deny = st["flagged"] & bool(check.enabled and check.deny_on_unexpected_location)
        codes[spoof_deny & (codes == int(C.OKAY))] = int(C.UNKNOWN_LOCATION)
        authorized = codes == int(C.OKAY)
        if self.moving.any():
            self._cells[self.moving] = cells_of(lat[self.moving], lon[self.moving],
                                                self.scenario.network.cell_resolution)
        sat_pos = self.constellation.positions_ecef_km(np.array([self.t_unix(t_s)]))[0]
        x = geodetic_to_ecef_km(lat, lon, self.alt_km)
        cand_t, cand_s, cand_e = self._candidates(sat_pos, authorized)
        a = assign(authorized, cand_t, cand_s, cand_e, self._cells, self.demand, len(sat_pos),
                   self.scenario.network.beams_per_satellite, self.scenario.network.beam_capacity_mbps,
                   presorted=True)
        rtt, gw = self._rtt(sat_pos, x, a.satellite, decision.detail["country"], ctx)
        served = a.satellite >= 0
        az = np.full(len(lat), np.nan)
        el = np.full(len(lat), np.nan)
        if served.any():
            el[served], az[served], _ = look_angles_paired(x[served], lat[served], lon[served],
                                                           sat_pos[a.satellite[served]])
        handover = served & (st["sat"] != a.satellite)
        # Metering: downlink share + the 10 % uplink of TerminalState, over the slot (GB).
        self._metered_gb += np.where(served, a.throughput_mbps, 0.0) * 1.1 * self.slot_s / 8000.0
        st["speed"] = speed
        self._location_check(t_s, x, a.satellite, rep_lat, rep_lon)
        country = ctx.countries.codes[decision.detail["country"]]
        st.update(code=codes, sat=a.satellite, gw=gw, rtt_ms=rtt, thr_mbps=a.throughput_mbps, reason=a.reason,
                  lat=lat, lon=lon, rep_lat=rep_lat, rep_lon=rep_lon, speed=speed, heading=heading, az=az, el=el,
                  handover=handover, country=country)
        self._decision, self._spoof_denied = decision, spoof_deny & (decision.codes == int(C.OKAY))
        self._record_attempts(t_s, codes, lat, lon)
        if self.record:
            self._history(t_s)
            self.telemetry.append(self.slot_index, t_s, st)

    def _candidates(self, sat_pos, authorized):
        """(terminal, satellite, elevation) triples in view, evaluated at each terminal's cell centre."""
        want = np.flatnonzero(authorized)
        if want.size == 0:
            return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
        cells, inv = np.unique(self._cells[want], return_inverse=True)
        clat, clon = cell_centres(cells)
        cx = geodetic_to_ecef_km(clat, clon, np.zeros(len(cells)))
        hits = cKDTree(sat_pos).query_ball_point(cx, MAX_RANGE_KM)
        lens = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        cs = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits]) if lens.sum() else np.zeros(0, int)
        cc = np.repeat(np.arange(len(cells)), lens)
        rel = sat_pos[cs] - cx[cc]
        up = cx[cc] / np.linalg.norm(cx[cc], axis=1, keepdims=True)
        elev = np.rad2deg(np.arcsin(np.einsum("kc,kc->k", rel, up) / np.linalg.norm(rel, axis=1)))
        ok = elev >= self.scenario.network.min_elevation_deg
        cs, cc, elev = cs[ok], cc[ok], elev[ok]
        # Per cell, best elevation first (stable, so ties keep the k-d tree's order); then each terminal takes its
        # cell's list: terminal-major and sorted, as ``assign(presorted=True)`` expects.
        o = np.lexsort((-elev, cc))
        cs, cc, elev = cs[o], cc[o], elev[o]
        cstart = np.searchsorted(cc, np.arange(len(cells)))
        reps = np.bincount(cc, minlength=len(cells))[inv]
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        k = np.repeat(cstart[inv], reps) + offs
        return np.repeat(want, reps), cs[k], elev[k]

    def _rtt(self, sat_pos, x, sat, country_idx, ctx):
        """Terminal → satellite → (ISLs) → gateway → fibre → PoP, round trip (ms); and the gateway index."""
        m = len(sat)
        rtt = np.full(m, np.nan)
        gw = np.full(m, -1)
        served = np.flatnonzero(sat >= 0)
        if served.size == 0:
            return rtt, gw
        e, _, rng = look_angles(self.gw_ecef, self.gw_lat, self.gw_lon, sat_pos)
        mask = e >= self.scenario.network.min_elevation_deg
        dist, _ = distances_to_ground(sat_pos, self.isl, self.gw_ecef, mask, rng)
        total = dist + self.gw_fibre_equiv_km[:, None]  # (G, N)
        group = np.zeros(m, dtype=np.int64)
        codes = ctx.countries.codes[country_idx]
        for k, c in enumerate(self.rule_countries):
            group[codes == c] = k + 1
        restricted = np.where(self.rule_masks[:, :, None], total[None, :, :], np.inf)  # (R, G, N)
        best_gw = restricted.argmin(axis=1)  # (R, N)
        best = np.take_along_axis(restricted, best_gw[:, None, :], axis=1)[:, 0, :]
        s = sat[served]
        up = np.linalg.norm(sat_pos[s] - x[served], axis=1)
        one_way = up + best[group[served], s]
        ok = np.isfinite(one_way)
        rtt[served[ok]] = 2.0 * one_way[ok] / C_KM_S * 1000.0
        gw[served[ok]] = best_gw[group[served[ok]], s[ok]]
        return rtt, gw

    def _location_check(self, t_s, x, sat, rep_lat, rep_lon) -> None:
        cfg = self.scenario.location_check
        if not cfg.enabled:
            return
        m, k = len(sat), cfg.samples_per_slot
        times = self.t_unix(t_s) + np.linspace(0, self.slot_s, k, endpoint=False)
        pos = self.constellation.positions_ecef_km(times)
        vel = (self.constellation.positions_ecef_km(times + 0.5) - self.constellation.positions_ecef_km(times - 0.5))
        served = sat >= 0
        sp = np.full((m, k, 3), np.nan)
        sv = np.full((m, k, 3), np.nan)
        sp[served] = np.transpose(pos[:, sat[served]], (1, 0, 2))
        sv[served] = np.transpose(vel[:, sat[served]], (1, 0, 2))
        meas = verify.simulate(x, sp, sv, cfg.range_noise_m, cfg.range_rate_noise_mps, self.rng)
        both = meas if self._prev_meas is None else verify.Measurements(
            np.concatenate([self._prev_meas.sat_pos_km, sp], 1), np.concatenate([self._prev_meas.sat_vel_km_s, sv], 1),
            np.concatenate([self._prev_meas.range_km, meas.range_km], 1),
            np.concatenate([self._prev_meas.range_rate_km_s, meas.range_rate_km_s], 1))
        self._prev_meas = meas
        have = np.isfinite(both.range_km).sum(axis=1) >= 3
        st = self.state
        if not have.any():
            return
        idx = np.flatnonzero(have)
        sub = verify.Measurements(both.sat_pos_km[idx], both.sat_vel_km_s[idx], both.range_km[idx],
                                  both.range_rate_km_s[idx])
        fix = verify.estimate(sub, self.alt_km[idx], cfg.range_noise_m, cfg.range_rate_noise_mps)
        flag, d2 = verify.inconsistent(fix, rep_lat[idx], rep_lon[idx], cfg.chi2_threshold)
        # The two-slot estimate assumes a terminal at rest across both slots. A moving terminal is judged on the
        # current slot alone, by the goodness of fit of the position it reports (no fix needed, so the single
        # pass's mirror ambiguity does not matter); its shown fix stays the two-slot estimate's.
        still = self.state["speed"][idx] < 5.0
        moving = idx[~still]
        if moving.size:
            now = verify.Measurements(sp[moving], sv[moving], meas.range_km[moving], meas.range_rate_km_s[moving])
            mflag, mcost = verify.fit_inconsistent(now, rep_lat[moving], rep_lon[moving], self.alt_km[moving],
                                                   cfg.range_noise_m, cfg.range_rate_noise_mps)
            flag[~still] = mflag
            d2[~still] = mcost  # the fit's χ² statistic stands in for the Mahalanobis distance (NaN: not judged)
        st["est_lat"][idx], st["est_lon"][idx] = fix.lat_deg, fix.lon_deg
        st["major"][idx], st["minor"][idx], st["angle"][idx] = fix.major_km, fix.minor_km, fix.angle_deg
        # Flag only after two inconsistent checks in a row (one bad fix is not evidence); keep the flag while
        # no new fix arrives (a denied terminal is not measured).
        count = st["inconsistent"][idx]
        count = np.where(flag, count + 1, np.where(np.isfinite(d2), 0, count))
        st["inconsistent"][idx] = count
        st["flagged"][idx] = count >= 2
        st["d2"][idx] = d2

    def _record_attempts(self, t_s, codes, lat, lon) -> None:
        bad = np.flatnonzero(np.isin(codes, [int(C[name]) for name in UNAUTHORIZED_CODES]))
        if bad.size:
            lut = np.array([C(v).name if v in C._value2member_map_ else "" for v in range(18)], dtype=object)
            self._attempts.append({"t_s": np.full(bad.size, t_s), "serial": self.serials_arr[bad],
                                   "lat_deg": lat[bad], "lon_deg": lon[bad], "code": lut[codes[bad]]})

    def _history(self, t_s: float) -> None:
        """Fifteen 1-second samples per terminal for this slot (ring buffer of HISTORY_S seconds)."""
        st = self.state
        n = int(self.slot_s)
        slots = (np.arange(n) + int(t_s)) % HISTORY_S
        served = st["sat"] >= 0
        m = len(served)
        jitter = self.rng.normal(0, 2.0, (m, n))
        spike = np.zeros((m, n))
        spike[:, 0] = np.where(st["handover"], 30.0, 0.0)  # handover at the slot boundary (Huston 2024)
        self._hist["rtt"][:, slots] = np.where(served[:, None], st["rtt_ms"][:, None] + 8.0 + np.abs(jitter) + spike,
                                               np.nan)
        drop = np.where(served[:, None], 0.002, 1.0) * np.ones((m, n))
        drop[:, 0] = np.where(st["handover"], 0.05, drop[:, 0])
        self._hist["drop"][:, slots] = drop
        self._hist["dl"][:, slots] = np.where(served, st["thr_mbps"] * 1e6, 0.0)[:, None] * np.ones(n)
        self._hist["ul"][:, slots] = np.where(served, st["thr_mbps"] * 1e6 * 0.1, 0.0)[:, None] * np.ones(n)
        self._hist_t[slots] = t_s + np.arange(n)
        for i in np.flatnonzero(~served):
            cause = self._outage_cause(i)
            out = self._outages[i]
            if out and out[-1][0] + out[-1][1] >= t_s and out[-1][2] == cause:
                out[-1] = (out[-1][0], out[-1][1] + self.slot_s, cause)
            else:
                out.append((t_s, self.slot_s, cause))
            del out[:-50]

    def _outage_cause(self, i: int) -> str:
        r = int(self.state["reason"][i])
        if r == Assignment.NOT_AUTHORIZED:
            return "NO_SCHEDULE"
        if r == Assignment.NO_SATELLITE:
            return "NO_SATS"
        return "NO_DOWNLINK"

    # -- views -------------------------------------------------------------------------------------------
    def terminal(self, serial: str) -> TerminalState:
        with self.lock:
            i = self.serials.index(serial) if serial in self.serials else None
            if i is None:
                raise KeyError(serial)
            st, meta = self.state, self.meta[i]
            served = bool(st["sat"][i] >= 0)
            code = C(int(st["code"][i])) if self.slot_index >= 0 else C.UNKNOWN_STATE
            alerts = set()
            if st["flagged"][i]:
                alerts.add("unexpected_location")
            if meta["country_code"] and st["country"][i] and st["country"][i] != meta["country_code"]:
                alerts.add("roaming")
            fin = lambda v: None if not np.isfinite(v) else float(v)  # noqa: E731
            gw = int(st["gw"][i])
            t_in_slot = 0.0
            return TerminalState(
                serial=serial, kit_number=meta["kit_number"], hardware_version=meta["hardware_version"],
                software_version=meta["software_version"], country_code=meta["country_code"], plan=meta["plan"],
                served=served, code=code, reasons=self._reasons(i), alerts=alerts,
                satellite=int(st["sat"][i]) if served else None, gateway=self.gw_names[gw] if gw >= 0 else None,
                pop=self.gw_pop[gw] if gw >= 0 else None, cell_h3=cell_names(self._cells[i:i + 1])[0] or None,
                rtt_ms=fin(st["rtt_ms"][i]), downlink_bps=float(st["thr_mbps"][i] * 1e6),
                uplink_bps=float(st["thr_mbps"][i] * 1e5), drop_rate=0.002 if served else 1.0,
                true_lat_deg=float(st["lat"][i]), true_lon_deg=float(st["lon"][i]), alt_m=float(self.alt_km[i] * 1e3),
                reported_lat_deg=None if self.gps[i] == "jammed" else fin(st["rep_lat"][i]),
                reported_lon_deg=None if self.gps[i] == "jammed" else fin(st["rep_lon"][i]),
                position_source="NONE" if self.gps[i] == "jammed" else "GPS",
                estimated_lat_deg=fin(st["est_lat"][i]), estimated_lon_deg=fin(st["est_lon"][i]),
                ellipse_major_km=fin(st["major"][i]), ellipse_minor_km=fin(st["minor"][i]),
                ellipse_angle_deg=fin(st["angle"][i]), speed_kmh=float(st["speed"][i]),
                heading_deg=float(st["heading"][i]), azimuth_deg=fin(st["az"][i]), elevation_deg=fin(st["el"][i]),
                seconds_to_slot_end=self.slot_s - t_in_slot, slot_index=self.slot_index,
                uptime_s=(self.slot_index + 1) * self.slot_s, label=self.labels[i],
                outage_cause=None if served else self._outage_cause(i),
                capacity_limited=int(st["reason"][i]) == Assignment.CAPACITY)

    def _reasons(self, i: int) -> list[str]:
        if self._decision is None:
            return ["not yet decided"]
        if self._spoof_denied[i]:
            return ["network-measured position is inconsistent with the reported GPS position"]
        return self._decision.reasons(i)

    def history(self, serial: str, seconds: int = HISTORY_S) -> TerminalHistory:
        with self.lock:
            i = self.serials.index(serial)
            order = np.argsort(self._hist_t)
            valid = order[np.isfinite(self._hist_t[order])][-seconds:]
            return TerminalHistory(self._hist_t[valid].copy(), self._hist["rtt"][i, valid].copy(),
                                   self._hist["drop"][i, valid].copy(), self._hist["dl"][i, valid].copy(),
                                   self._hist["ul"][i, valid].copy(), list(self._outages[i]))

    def incidents(self) -> list:
        with self.lock:
            if self._incidents_cache and self._incidents_cache[0] == len(self._attempts):
                return self._incidents_cache[1]
            if not self._attempts:
                return []
            att = {k: np.concatenate([a[k] for a in self._attempts]) for k in self._attempts[0]}
            with self.sessions() as session:
                def prov(serial):
                    try:
                        return service.provenance(session, serial)
                    except service.NotFound:
                        return None

                out = build_incidents(att, lambda t: (self.start + timedelta(seconds=t)).isoformat(), prov)
            self._incidents_cache = (len(self._attempts), out)
            return out

    def zones_geojson(self) -> list[dict]:
        from sqlalchemy import select

        from leonet.store.models import Zone

        with self.sessions() as session:
            # Shown as the area each zone acts on (disabled_cells: its H3 cells, not the polygon drawn).
            return [{"id": z.id, "name": z.name, "kind": z.kind, "reason": z.reason,
                     "geometry": shapely.geometry.mapping(zone_area(z.kind, z.geometry))}
                    for z in session.execute(select(Zone)).scalars()]
