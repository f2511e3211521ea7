"""Decide and record. The policy context is read from the store once per policy change (single flight: threads
arriving together while it loads wait for that one load) and derived per instant; every decision is written to the
decision history, and every *change* of a terminal's state (its last decided code) to the audit log."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from leonet.access import audit, roam, tx
from leonet.access.context import StoreSnapshot, load_snapshot
from leonet.access.policy import BatchDecision, Decision, PolicyContext, decide, decide_batch
from leonet.store.models import AuditRecord, DecisionRecord, Terminal


def policy_epoch(session: Session) -> int:
    """Sequence number of the newest audit record that changed policy inputs (not a terminal-state or login record)."""
    return session.execute(select(func.max(AuditRecord.seq))
                           .where(AuditRecord.action.notin_(audit.NON_POLICY_ACTIONS))).scalar_one() or 0


class PolicyCache:
    """One ``StoreSnapshot`` per store URL, replaced atomically when the policy epoch moves."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, StoreSnapshot]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.loads = 0  # how many times the store was read (tests: simultaneous first requests load once)
        self._checked: dict[str, float] = {}  # url → monotonic time the epoch was last read

    def invalidate(self) -> None:
        """A policy input changed in this process: the next decision reads the epoch again."""
        self._checked.clear()

    def fresh(self, url: str) -> StoreSnapshot | None:
        """The snapshot, if its epoch was confirmed less than EPOCH_CHECK_S ago and nothing changed here since."""
        hit = self._entries.get(url)
        if hit is not None and time.monotonic() - self._checked.get(url, -1e9) < EPOCH_CHECK_S:
            return hit[1]
        return None

    def snapshot(self, session: Session) -> StoreSnapshot:
        url = str(session.get_bind().url)
        epoch = policy_epoch(session)
        hit = self._entries.get(url)
        if hit is not None and hit[0] >= epoch:
            self._checked[url] = time.monotonic()
            return hit[1]
        with self._guard:
            lock = self._locks.setdefault(url, threading.Lock())
        with lock:  # single flight: the others wait here, then find the fresh entry
            hit = self._entries.get(url)
            if hit is not None and hit[0] >= epoch:
                return hit[1]
            snap = load_snapshot(session)
            warm_up(snap)
            self.loads += 1
            self._entries[url] = (epoch, snap)  # one assignment: readers see the old or the new, never a mix
            self._checked[url] = time.monotonic()
            return snap

    def context(self, session: Session, at: datetime) -> PolicyContext:
        return self.snapshot(session).at(at)


# Points that reach every lazily loaded index a decision uses (the border grid, the fine border and coast layers, the
# zone index): inland, on a land border, on a coast, at sea. Decided once per load, before the snapshot is served,
# so the first real decision does not pay for loading them (a 0.3 s stall there queues a whole second of traffic).
_WARM_LAT_DEG = np.array([50.45, 50.38, 46.48, 0.0, 48.8566])
_WARM_LON_DEG = np.array([30.52, 23.9, 30.73, -30.0, 2.3522])


def warm_up(snap: StoreSnapshot) -> None:
    """Decide a few positions for a serial the store does not know (nothing recorded, nothing returned)."""
    at = datetime.now(UTC)
    ctx = snap.at(at)
    serials = np.array(["leonet-warm-up"] * _WARM_LAT_DEG.size)
    roam.classify(ctx, serials, _WARM_LAT_DEG, _WARM_LON_DEG)
    decide_batch(ctx, serials, _WARM_LAT_DEG, _WARM_LON_DEG, at, np.zeros(_WARM_LAT_DEG.size))
    ctx.zones.members(_WARM_LAT_DEG, _WARM_LON_DEG)


EPOCH_CHECK_S = 1.0  # another process's policy change (CLI, second server) is seen within this long
POLICY = PolicyCache()


def cached_context(session: Session, at: datetime) -> PolicyContext:
    """The policy context valid at ``at``, read from the store only when a policy input changed."""
    return POLICY.context(session, at)


def _zone_of(ctx: PolicyContext, lat, lon, at: datetime) -> int | None:
    if lat is None or lon is None or not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    for z, idx in enumerate(ctx.zones.members(np.array([float(lat)]), np.array([float(lon)]))):
        if idx.size and ctx.zones.zones[z].active_at(at):
            return ctx.zones.zones[z].zone_id
    return None


def _record(session: Session, actor: str, rows: list[dict]) -> None:
    """Append decisions to the history and audit state changes, in the caller's (write) transaction. Core
    statements, not the ORM's unit of work: this runs once per decision and the flush bookkeeping was most of it."""
    now = datetime.now(UTC)
    serials = {r["serial"] for r in rows}
    last = dict(session.execute(select(Terminal.serial, Terminal.last_code)
                                .where(Terminal.serial.in_(serials))).all())
    session.execute(insert(DecisionRecord), [{"recorded_at": now, "actor": actor,
                                              **{k: v for k, v in r.items() if k != "value"}} for r in rows])
    changed: dict[str, int] = {}
    for r in rows:
        serial = r["serial"]
        if serial in last and last[serial] != r["value"]:
            audit.append(session, actor, "terminal.state", {"serial": serial, "from": last[serial],
                                                            "to": r["code"], "reasons": r["reasons"],
                                                            "policy_version": r["policy_version"]})
            last[serial] = changed[serial] = r["value"]
    for serial, value in changed.items():
        session.execute(update(Terminal).where(Terminal.serial == serial).values(last_code=value))


def _row(serial, d: Decision, lat, lon, speed, at, zone_id) -> dict:
    finite = lambda v: None if v is None or not np.isfinite(v) else float(v)  # noqa: E731
    return {"serial": serial, "at": at, "code": d.code.name, "value": int(d.code), "reasons": list(d.reasons),
            "lat_deg": finite(lat), "lon_deg": finite(lon), "speed_kmh": float(speed or 0.0), "zone_id": zone_id,
            "policy_version": d.policy_version}


def _context(sessions, at: datetime) -> PolicyContext:
    """The context without touching the store when this process's snapshot is known current (see PolicyCache)."""
    snap = POLICY.fresh(str(sessions.kw["bind"].url))
    if snap is not None:
        return snap.at(at)
    with tx.read(sessions) as session:
        return cached_context(session, at)


def decide_committed(sessions, actor: str, serial: str, lat_deg, lon_deg, at: datetime,
                     speed_kmh: float = 0.0) -> Decision:
    """Decide from a read-only snapshot (no lock held while the policy runs or loads), then record it in one short
    write transaction, committed before returning."""
    ctx = _context(sessions, at)
    with tx.write(sessions) as session:  # short: the context is already loaded
        ctx = roam.observe_stored(session, actor, ctx, serial, lat_deg, lon_deg, at)
        d = decide(ctx, serial, lat_deg, lon_deg, at, speed_kmh)
        _record(session, actor, [_row(serial, d, lat_deg, lon_deg, speed_kmh, at,
                                      _zone_of(ctx, lat_deg, lon_deg, at))])
    return d


def decide_many_committed(sessions, actor: str, serials: list[str], lat_deg, lon_deg, at: datetime,
                          speed_kmh) -> BatchDecision:
    ctx = _context(sessions, at)
    with tx.write(sessions) as session:
        result, rows = _batch(session, ctx, actor, serials, lat_deg, lon_deg, at, speed_kmh)
        _record(session, actor, rows)
    return result


def decide_and_record(session: Session, actor: str, serial: str, lat_deg, lon_deg, at: datetime,
                      speed_kmh: float = 0.0) -> Decision:
    ctx = roam.observe_stored(session, actor, cached_context(session, at), serial, lat_deg, lon_deg, at)
    d = decide(ctx, serial, lat_deg, lon_deg, at, speed_kmh)
    _record(session, actor, [_row(serial, d, lat_deg, lon_deg, speed_kmh, at, _zone_of(ctx, lat_deg, lon_deg, at))])
    return d


def decide_many_and_record(session: Session, actor: str, serials: list[str], lat_deg, lon_deg, at: datetime,
                           speed_kmh) -> BatchDecision:
    result, rows = _batch(session, cached_context(session, at), actor, serials, lat_deg, lon_deg, at, speed_kmh)
    _record(session, actor, rows)
    return result


def _batch(session: Session, ctx: PolicyContext, actor: str, serials: list[str], lat_deg, lon_deg, at: datetime,
           speed_kmh):
    lat, lon = np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float)
    speed = np.asarray(speed_kmh, dtype=float)
    acct, abroad, home = roam.classify(ctx, np.asarray(serials), lat, lon)
    days = np.where(acct >= 0, ctx.abroad_days[np.maximum(acct, 0)] if ctx.abroad_days.size else 0.0, 0.0)
    for i in np.flatnonzero((acct >= 0) & ((abroad & (days == 0)) | (home & (days > 0)))):  # trips that may change
        if ctx.plan[acct[i]] == roam.ROAM:
            ctx = roam.observe_stored(session, actor, ctx, serials[i], lat[i], lon[i], at)
    result = decide_batch(ctx, np.asarray(serials), lat, lon, at, speed)
    zone_ids = np.full(lat.size, -1, dtype=np.int64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    members = ctx.zones.members(np.where(ok, lat, 0.0), np.where(ok, lon, 0.0)) if ok.any() else []
    for z in range(len(members) - 1, -1, -1):  # the first active zone wins, as in _zone_of
        if ctx.zones.zones[z].active_at(at):
            idx = members[z][ok[members[z]]]
            zone_ids[idx] = ctx.zones.zones[z].zone_id
    return result, [_row(s, result.decision(i), lat[i], lon[i], speed[i], at,
                         None if zone_ids[i] < 0 else int(zone_ids[i])) for i, s in enumerate(serials)]
