"""The living system's run loop: every scheduler slot the control plane decides all terminals in one batch,
authorized terminals are assigned satellites and beams among those that reach their PoP, traffic follows the
cheapest path to the PoP, the network checks terminals' reported positions, usage is metered, and unauthorized
attempts become evidence. Each concern is its own module (network, paths, metering, location, telemetry,
history, views); views read ``leonet.sim.interface`` only."""

from __future__ import annotations

import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from leonet.access.codes import DisablementCode as C
from leonet.access.decisions import cached_context
from leonet.access.detect import EvidenceLog, build_incidents
from leonet.access.policy import decide_batch
from leonet.access.roam import AbroadCounter
from leonet.ground.geometry import look_angles_paired
from leonet.orbits.frames import ecef_to_geodetic, geodetic_to_ecef_km
from leonet.orbits.tle import TleSet
from leonet.radio.modcod import modcod_names
from leonet.radio.runtime import RadioRuntime
from leonet.scenario import Scenario
from leonet.scheduler.cells import cell_centres, cells_of
from leonet.scheduler.slots import assign
from leonet.sim.clock import first_slot_start
from leonet.sim.history import SlotHistory, SlotRecord, path_sampler
from leonet.sim.interface import NetworkView, SecondSamples, SlotState, TerminalView
from leonet.sim.location import LocationChecker
from leonet.sim.metering import Meter
from leonet.sim.mobility import Tracks
from leonet.sim.network import NetworkModel
from leonet.sim.paths import PathModel
from leonet.sim.telemetry import TelemetryLog
from leonet.sim.views import SlotArrays, terminal_view, with_paths


class _StageClock:
    """Adds the wall time since the previous call to ``totals[stage]``."""

    def __init__(self, totals: dict[str, float]):
        self.totals = totals
        self.last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.totals[stage] = self.totals.get(stage, 0.0) + now - self.last
        self.last = now


class Simulation:
    """Run a scenario slot by slot; implements ``leonet.sim.interface.SimulationView``."""

    def __init__(self, scenario: Scenario, db_url: str | None = None, seed: int | None = None,
                 record: bool = True):
        from leonet.access import seed as seeding
        from leonet.store.session import open_store

        self.scenario = scenario
        self.scenario_name = scenario.name
        self._lock = threading.RLock()
        self.rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self.record = record
        if db_url is None:
            db_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='leonet-sim-')) / 'leonet.sqlite'}"
        self.db_url = db_url
        self.sessions = open_store(db_url)
        if scenario.control_plane == "example":
            with self.sessions.begin() as session:
                seeding.load_example(session)
        from leonet.sim.population import materialise

        scenario, self.population = materialise(scenario, self.sessions)  # ground truth: scoring/debug only
        self.scenario = scenario
        self.net = NetworkModel.from_scenario(scenario)
        self.paths = PathModel(self.net)
        self._slot_s = float(scenario.slot_s)
        self._start = first_slot_start(scenario.start, self._slot_s)
        self.slot_index = -1
        self._build_terminals()
        self.meter = Meter(self.serials_arr)
        self.roaming = AbroadCounter(len(self.serials_arr))  # Roam trips from the reported positions (access/roam.py)
        self.location = LocationChecker(scenario.location_check, len(self.serials_arr), self.net.num_sats,
                                        self._slot_s, self.rng)
        store_rows = record and len(self._serials) <= scenario.telemetry_store_max_terminals
        self.telemetry = TelemetryLog(self.sessions if store_rows else None, self.serials_arr)
        self.history = SlotHistory(len(self._serials), self._slot_s)
        self.radio = RadioRuntime(scenario)
        self._sampler = path_sampler(self._positions_of, self._terminal_at, self.paths.gw_ecef_km,
                                     self.paths.fibre_equiv_km)
        self.evidence = EvidenceLog(self.location.threshold)  # only what the operator can know
        self._incidents_cache: tuple[int, list] | None = None
        self._arrays = self._initial_arrays()
        self.slot_context = None  # the PolicyContext the last slot was decided with
        self._slot_state_cache: tuple[int, SlotState] | None = None
        self.stage_s: dict[str, float] = {}  # wall time per stage, summed over the slots run

    def _build_terminals(self) -> None:
        ts = self.scenario.terminals
        self._serials = [t.serial for t in ts]
        self._index = {s: i for i, s in enumerate(self._serials)}
        self.serials_arr = np.array(self._serials)
        self.labels = [t.label for t in ts]
        self.tracks = Tracks.from_lists([(t.lat_deg, t.lon_deg) for t in ts],
                                        [[(w.lat_deg, w.lon_deg) for w in t.track] for t in ts],
                                        [t.speed_kmh for t in ts], [t.loop for t in ts])
        self.alt_km = np.array([t.alt_m for t in ts]) / 1e3
        self.gps = np.array([t.gps for t in ts])
        self.spoof_lat = np.array([np.nan if t.spoof_lat_deg is None else t.spoof_lat_deg for t in ts])
        self.spoof_lon = np.array([np.nan if t.spoof_lon_deg is None else t.spoof_lon_deg for t in ts])
        self.demand = np.array([t.demand_mbps for t in ts])
        self.active_from_s = np.array([t.active_from_s for t in ts], dtype=float)  # activation (s from start)
        self.moving = self.tracks.speed_km_s > 0
        self._cells = cells_of(self.tracks.lat_deg[:, 0], self.tracks.lon_deg[:, 0],
                               self.scenario.network.cell_resolution)
        self._cell_lat, self._cell_lon = self._centres(self._cells)
        self.meta = self._terminal_meta()
        self._decision = None
        self._spoof_denied = np.zeros(len(ts), dtype=bool)

    @staticmethod
    def _centres(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cell centre of every terminal (each distinct cell computed once)."""
        u, inv = np.unique(cells, return_inverse=True)
        lat, lon = cell_centres(u)
        return lat[inv], lon[inv]

    def _terminal_meta(self) -> list[dict]:
        from sqlalchemy import select

        from leonet.store.models import Account, Terminal

        with self.sessions() as session:  # two queries, whatever the number of terminals
            terms = {t.serial: t for t in session.execute(select(Terminal)).scalars()}
            accts = {a.id: a for a in session.execute(select(Account)).scalars()}
        out = []
        for s in self._serials:
            term = terms.get(s)
            acct = accts.get(term.account_id) if term is not None else None
            out.append({"kit_number": term.kit_number if term else "", "hardware_version":
                        term.hardware_version if term else "", "software_version":
                        term.software_version if term else "", "country_code": acct.home_country if acct else "",
                        "plan": acct.plan if acct else ""})
        return out

    def _initial_arrays(self) -> SlotArrays:
        m = len(self._serials)
        nan = np.full(m, np.nan)
        lat, lon, speed, heading = self.tracks.at(0.0)
        none = np.full(m, -1, dtype=np.int64)
        st = SlotState(self._start, -1, self._slot_s, self.serials_arr, np.zeros(m, np.int16), none, none,
                       np.full(m, "", dtype=object), np.full(m, "", dtype=object), nan, nan, nan, lat, lon, speed,
                       nan, nan, np.zeros(m, bool), np.zeros(m), np.zeros(m, np.int8), np.zeros(m, bool),
                       pop_ping_latency_ms=nan, pop_ping_drop_rate=np.ones(m), downlink_mbps=np.zeros(m),
                       uplink_mbps=np.zeros(m), downlink_capacity_mbps=np.zeros(m), uplink_capacity_mbps=np.zeros(m),
                       sinr_db=nan, modcod=np.full(m, "", dtype=object), rain_mm_h=np.zeros(m))
        return SlotArrays(st, heading, self._cells.copy(), nan, nan, nan, nan, nan, np.full(m, "", dtype=object),
                          np.full(m, None, dtype=object), none, lambda i: ["not yet decided"])

    # -- SimulationView ------------------------------------------------------------------------------------
    @property
    def start_utc(self) -> datetime:
        return self._start

    @property
    def now_utc(self) -> datetime:
        return self._start + timedelta(seconds=max(self.slot_index, 0) * self._slot_s)

    @property
    def slot_s(self) -> float:
        return self._slot_s

    def serials(self) -> list[str]:
        return list(self._serials)

    def slot_state(self) -> SlotState:
        with self._lock:
            arr = self._arrays
            if self._slot_state_cache is None or self._slot_state_cache[0] != arr.state.slot_index:
                self._slot_state_cache = (arr.state.slot_index, with_paths(arr.state, arr.path_suffix))
            return self._slot_state_cache[1]

    def terminal(self, serial: str) -> TerminalView:
        i = self._index.get(serial)
        if i is None:
            raise KeyError(serial)
        with self._lock:
            return terminal_view(self._arrays, i, self.meta[i], self.net.ground.gw_names, float(self.alt_km[i]),
                                 str(self.gps[i]), self.labels[i], 0.0)

    def seconds(self, serial: str, start_utc: datetime, end_utc: datetime) -> SecondSamples:
        i = self._index.get(serial)
        if i is None:
            raise KeyError(serial)
        with self._lock:
            return self.history.samples(i, start_utc.timestamp(), end_utc.timestamp(), self._sampler,
                                        self.radio.seconds)

    def network(self) -> NetworkView:
        g = self.net.ground
        return NetworkView(self.net.name, self.net.num_sats, self.net.isl_edges, g.gw_names, g.gw_lat_deg,
                           g.gw_lon_deg, g.gw_country, tuple(g.pop_names[p] for p in g.gw_pop), g.pop_names,
                           g.pop_lat_deg, g.pop_lon_deg, (self.net.description,))

    def satellites_geodetic(self, t_utc: datetime) -> dict:
        lat, lon, alt = ecef_to_geodetic(self.net.positions_ecef_km(np.array([t_utc.timestamp()]))[0])
        return {"lat_deg": lat, "lon_deg": lon, "alt_km": alt}

    # -- helpers for per-second samples ------------------------------------------------------------------------
    def _positions_of(self, sats: np.ndarray, t_unix_s: np.ndarray) -> np.ndarray:
        src = self.net.source
        if isinstance(src, TleSet):
            from leonet.orbits.propagate import positions_ecef_km

            sub = TleSet([src.names[k] for k in sats], [src.satrecs[k] for k in sats], src.source)
            return positions_ecef_km(sub, t_unix_s)
        return self.net.positions_ecef_km(t_unix_s)[:, sats, :]

    def _terminal_at(self, i: int, t_unix_s: np.ndarray):
        one = Tracks(self.tracks.lat_deg[i:i + 1], self.tracks.lon_deg[i:i + 1], self.tracks.cum_km[i:i + 1],
                     self.tracks.speed_km_s[i:i + 1], self.tracks.loop[i:i + 1])
        rows = [one.at(float(t - self._start.timestamp())) for t in t_unix_s]  # K ≤ slot_s steps, one terminal
        return (np.array([r[0][0] for r in rows]), np.array([r[1][0] for r in rows]),
                np.full(len(rows), self.alt_km[i]))

    # -- one slot ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one scheduler slot."""
        with self._lock:
            self.slot_index += 1
            self._slot(self.slot_index * self._slot_s)

    def context(self, when: datetime):
        """The control plane's policy context at ``when`` (re-read only when a policy input changed)."""
        with self.sessions() as session:
            return cached_context(session, when)

    def _reported(self, lat, lon):
        """(what the GPS reports: NaN when jammed, the false fix when spoofed; the position decided on: the report,
        or the network's own fix when there is no report — position source STARLINK)."""
        gps_lat = np.where(self.gps == "spoofed", self.spoof_lat, np.where(self.gps == "jammed", np.nan, lat))
        gps_lon = np.where(self.gps == "spoofed", self.spoof_lon, np.where(self.gps == "jammed", np.nan, lon))
        est_lat, est_lon = self.location.est_lat, self.location.est_lon
        use_fix = ~np.isfinite(gps_lat) & np.isfinite(est_lat)
        return (gps_lat, gps_lon), (np.where(use_fix, est_lat, gps_lat), np.where(use_fix, est_lon, gps_lon))

    def _velocity_ecef_km_s(self, lat, lon, speed_kmh, heading_deg) -> np.ndarray:
        """True velocity (M, 3) km/s from speed and heading (clockwise from north)."""
        from leonet.ground.geometry import enu_basis

        basis = enu_basis(lat, lon)
        h = np.deg2rad(np.nan_to_num(heading_deg))
        v = np.nan_to_num(speed_kmh) / 3600.0
        return (v * np.sin(h))[:, None] * basis[:, 0] + (v * np.cos(h))[:, None] * basis[:, 1]

    def _slot(self, t_s: float) -> None:
        clock = _StageClock(self.stage_s)
        when = self._start + timedelta(seconds=t_s)
        t_unix = when.timestamp()
        net = self.scenario.network
        lat, lon, speed, heading = self.tracks.at(t_s)
        active = t_s >= self.active_from_s  # a kit not yet activated is off: no report, no decision, no uplink
        (gps_lat, gps_lon), (rep_lat, rep_lon) = self._reported(lat, lon)
        gps_lat, gps_lon, rep_lat, rep_lon = (np.where(active, v, np.nan) for v in (gps_lat, gps_lon, rep_lat, rep_lon))
        ctx = self.roaming.update(self.meter.apply(self.context(when)), self.serials_arr, rep_lat, rep_lon, when)
        decision = decide_batch(ctx, self.serials_arr, rep_lat, rep_lon, when, speed)
        self.slot_context = ctx  # what this slot was decided with (analysis.compare re-decides on the truth)
        clock("decide")
        codes = decision.codes.copy()
        check = self.scenario.location_check
        spoof_deny = self.location.flagged & bool(check.enabled and check.deny_on_unexpected_location)
        codes[spoof_deny & (codes == int(C.OKAY))] = int(C.UNKNOWN_LOCATION)
        codes[~active] = int(C.UNKNOWN_STATE)
        authorized = codes == int(C.OKAY)
        if self.moving.any():
            self._cells[self.moving] = cells_of(lat[self.moving], lon[self.moving], net.cell_resolution)
            self._cell_lat[self.moving], self._cell_lon[self.moving] = self._centres(self._cells[self.moving])
        sat_pos = self.net.positions_ecef_km(np.array([t_unix]))[0]
        x = geodetic_to_ecef_km(lat, lon, self.alt_km)
        country = ctx.countries.codes[decision.detail["country"]]
        clock("positions")
        prep = self.paths.prepare(sat_pos, country)
        clock("routing")
        # Every active terminal signals to its best satellite in view (refused ones too: they must hear their
        # code), so the network can measure it; candidates are searched for the authorized terminals and for the
        # refused ones the location check measures this slot; only authorized ones are assigned.
        want = active & (authorized | self.location.measured_this_slot(len(lat)))
        ct, cs, ce = self.net.user_candidates(self._cells, np.flatnonzero(want), sat_pos, self._cell_lat,
                                              self._cell_lon)
        first = np.ones(ct.size, dtype=bool)
        first[1:] = ct[1:] != ct[:-1]
        heard_by = np.full(len(lat), -1, dtype=np.int64)
        heard_by[ct[first]] = cs[first]
        auth_rows = authorized[ct]
        ct, cs, ce = ct[auth_rows], cs[auth_rows], ce[auth_rows]
        ok = prep.reachable(ct, cs)  # only satellites that carry the traffic to the terminal's PoP
        clock("candidates")
        a = assign(authorized, ct[ok], cs[ok], ce[ok], self._cells, self.demand, len(sat_pos),
                   net.beams_per_satellite, net.beam_capacity_mbps, presorted=True)
        clock("assign")
        routes = self.paths.route(prep, sat_pos, x, a.satellite)
        served = routes.path_id >= 0
        az = np.full(len(lat), np.nan)
        el = np.full(len(lat), np.nan)
        rng_km = np.full(len(lat), np.nan)
        if served.any():
            el[served], az[served], rng_km[served] = look_angles_paired(x[served], lat[served], lon[served],
                                                                        sat_pos[a.satellite[served]])
        prev = self._arrays.state.sat
        handover = served & (prev != a.satellite)
        clock("paths")
        radio = self.radio.slot(self.slot_index, t_s, t_unix, lat, lon, self._cells, np.where(served, a.satellite, -1),
                                el, rng_km, routes.rtt_ms, handover, self.demand)
        if self.scenario.radio.enabled:
            self.meter.add(served, radio.downlink_mbps + radio.uplink_mbps, self._slot_s)
        else:
            self.meter.add(served, a.throughput_mbps, self._slot_s)
        clock("radio")
        self.location.check(self.net.positions_ecef_km, t_s, t_unix, x,
                            self._velocity_ecef_km_s(lat, lon, speed, heading),
                            np.where(a.satellite >= 0, a.satellite, heard_by), gps_lat, gps_lon, speed)
        clock("location")
        pop_names = np.array(list(self.net.ground.pop_names) + [""], dtype=object)
        loc = self.location
        state = SlotState(when, self.slot_index, self._slot_s, self.serials_arr, codes, a.satellite, routes.gateway,
                          pop_names[routes.pop], np.full(len(lat), "", dtype=object), routes.rtt_ms, rep_lat,
                          rep_lon, lat, lon, speed, az, el, handover, np.where(served, a.throughput_mbps, 0.0),
                          a.reason.astype(np.int8), loc.flagged.copy(),
                          pop_ping_latency_ms=radio.pop_ping_latency_ms, pop_ping_drop_rate=radio.pop_ping_drop_rate,
                          downlink_mbps=radio.downlink_mbps, uplink_mbps=radio.uplink_mbps,
                          downlink_capacity_mbps=radio.downlink_capacity_mbps,
                          uplink_capacity_mbps=radio.uplink_capacity_mbps, sinr_db=radio.sinr_db,
                          modcod=modcod_names(radio.modcod), rain_mm_h=radio.rain_mm_h)
        labels = np.append(routes.path_label, None)
        suffix = labels[routes.path_id]
        self._decision, self._spoof_denied = decision, spoof_deny & (decision.codes == int(C.OKAY))
        self._arrays = SlotArrays(state, heading, self._cells.copy(), loc.est_lat.copy(), loc.est_lon.copy(),
                                  loc.major_km.copy(), loc.minor_km.copy(), loc.angle_deg.copy(), country, suffix,
                                  routes.path_id, self._reasons_fn(decision, self._spoof_denied))
        # Evidence: the position the GPS reported (none when jammed), the network's fix, the test statistic.
        self.evidence.record(t_s, self.serials_arr, codes, gps_lat, gps_lon, loc.est_lat, loc.est_lon, loc.major_km,
                             loc.minor_km, loc.angle_deg, loc.d2, loc.flagged)
        self.history.add(SlotRecord(self.slot_index, t_unix, a.satellite.astype(np.int32),
                                    routes.path_id.astype(np.int32), codes.astype(np.int16),
                                    a.reason.astype(np.int8), state.allocated_mbps.astype(np.float32), routes))
        clock("views")
        if self.record:
            self.telemetry.append(state, t_s, suffix, loc.est_lat, loc.est_lon, loc.major_km)
            clock("record")

    @staticmethod
    def _reasons_fn(decision, spoof_denied):
        def reasons(i: int) -> list[str]:
            if spoof_denied[i]:
                return ["network-measured position is inconsistent with the reported GPS position"]
            return decision.reasons(i)

        return reasons

    def incidents(self) -> list:
        """Incidents from the evidence log (reported positions, network fixes, control-plane records only)."""
        from leonet.access.inference import bulk_records
        from leonet.gazetteer import gazetteer

        with self._lock:
            if self._incidents_cache and self._incidents_cache[0] == self.evidence.count:
                return self._incidents_cache[1]
            if not self.evidence.count:
                return []
            g = gazetteer()
            with self.sessions() as session:
                iso = lambda t: (self._start + timedelta(seconds=t)).isoformat()  # noqa: E731
                out = build_incidents(self.evidence.arrays(), iso, lambda serials: bulk_records(session, serials),
                                      self.evidence.threshold, lambda la, lo: g.nearest(la, lo).as_dict())
            self._incidents_cache = (self.evidence.count, out)
            return out

    def zones_geojson(self) -> list[dict]:
        from leonet.access.zones import zones_geojson

        with self.sessions() as session:
            return zones_geojson(session)
