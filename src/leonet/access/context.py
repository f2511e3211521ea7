"""Build a ``PolicyContext`` from the store (the system of record) or for hypothetical terminals (what-if)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.borders import borders
from leonet.access.policy import PLAN_MAX_SPEED_KMH, PLANS, UNSUPPORTED_HARDWARE, PolicyContext, country_status_array
from leonet.access.zones import ZoneIndex, ZoneRule, zone_area
from leonet.store.models import Account, CountryStatusPeriod, Terminal, WhitelistEntry, Zone, as_utc


def country_statuses(session: Session, at: datetime) -> dict[str, str]:
    return _statuses_at(_country_rows(session), at)


def _country_rows(session: Session) -> list[tuple]:
    """Every licensing period (``country_status_periods``): a country's status is the period valid at the instant."""
    return [(p.iso_a2, p.status, as_utc(p.valid_from), as_utc(p.valid_to))
            for p in session.execute(select(CountryStatusPeriod).order_by(CountryStatusPeriod.iso_a2,
                                                                          CountryStatusPeriod.id)).scalars()]


def _statuses_at(rows: list[tuple], at: datetime) -> dict[str, str]:
    return {iso: status for iso, status, vf, vt in rows if (vf is None or vf <= at) and (vt is None or at < vt)}


@dataclass(frozen=True)
class StoreSnapshot:
    """The store's policy inputs read once (the expensive part), and the few values that depend on the instant
    decided for (licensing validity, days abroad) derived per call: ``at(t)`` costs well under a millisecond, so
    alternating instants never reload the store."""

    base: PolicyContext
    countries: list[tuple]
    abroad_since_s: np.ndarray  # (A,) unix seconds, NaN = at home

    def at(self, at: datetime) -> PolicyContext:
        at = as_utc(at)
        # Licensing changes only at the periods' bounds: between two bounds the status array is the same, so it is
        # built once per interval (per call it was a pass over every period).
        interval = int(np.searchsorted(self._bounds_s, at.timestamp(), side="right"))
        status = self._by_interval.get(interval)
        if status is None:
            statuses = tuple(sorted(_statuses_at(self.countries, at).items()))
            status = _STATUS_MEMO.get(statuses)
            if status is None:
                status = country_status_array(dict(statuses))
                if len(_STATUS_MEMO) > 64:
                    _STATUS_MEMO.clear()
                _STATUS_MEMO[statuses] = status
            if len(self._by_interval) < 4096:
                self._by_interval[interval] = status
        abroad = np.where(np.isnan(self.abroad_since_s), 0.0, (at.timestamp() - self.abroad_since_s) / 86400)
        return replace(self.base, at=at, country_status=status, abroad_days=abroad)

    @cached_property
    def _bounds_s(self) -> np.ndarray:
        """Every licensing period's start and end (unix s), sorted: the instants where a status may change."""
        return np.unique([t.timestamp() for _, _, vf, vt in self.countries for t in (vf, vt) if t is not None])

    @cached_property
    def _by_interval(self) -> dict[int, np.ndarray]:
        return {}


_STATUS_MEMO: dict[tuple, np.ndarray] = {}


def load_snapshot(session: Session) -> StoreSnapshot:
    """Read every policy input from the store in this session's transaction."""
    now = datetime.now(UTC)
    base = load_context(session, now)
    accts = session.execute(select(Account.abroad_since).order_by(Account.id)).scalars().all()
    stamps = np.array([np.nan if a is None else as_utc(a).timestamp() for a in accts], dtype=float)
    return StoreSnapshot(base, _country_rows(session), stamps)


def _country_index(codes: list[str]) -> np.ndarray:
    b = borders()
    lookup = {c: i for i, c in enumerate(b.codes.tolist())}
    return np.array([lookup.get(c, -1) for c in codes], dtype=np.int64)


def load_context(session: Session, at: datetime | None = None) -> PolicyContext:
    """Read licensing, terminals, accounts, zones and whitelists valid at ``at`` (default now)."""
    at = as_utc(at) or datetime.now(UTC)
    seq, _ = audit.head(session)
    terms = session.execute(select(Terminal).order_by(Terminal.serial)).scalars().all()
    accts = session.execute(select(Account).order_by(Account.id)).scalars().all()
    row_of = {a.id: i for i, a in enumerate(accts)}
    serials = np.array([t.serial for t in terms], dtype=str) if terms else np.array([], dtype="<U1")
    account_of = np.array([row_of.get(t.account_id, -1) if t.account_id is not None else -1 for t in terms],
                          dtype=np.int64)
    hardware_ok = np.array([t.hardware_version not in UNSUPPORTED_HARDWARE for t in terms], dtype=bool)
    plan = np.array([PLANS.index(a.plan) for a in accts], dtype=np.int64)
    home = _country_index([a.home_country for a in accts])
    abroad_days = np.array([0.0 if a.abroad_since is None else (at - as_utc(a.abroad_since)).total_seconds() / 86400
                            for a in accts])
    keys = sorted(i * 1024 + int(ci) for i, a in enumerate(accts)
                  for ci in _country_index(list(a.allowed_regions or [])) if ci >= 0)
    zones = [z for z in session.execute(select(Zone).order_by(Zone.id)).scalars()]
    rules = [ZoneRule(z.id, z.name, z.kind, zone_area(z.kind, z.geometry), as_utc(z.valid_from), as_utc(z.valid_to),
                      z.reason, z.max_speed_kmh) for z in zones]
    entries = [e for e in session.execute(select(WhitelistEntry)).scalars()
               if e.valid_to is None or as_utc(e.valid_to) > at]  # ended entries no longer exempt
    index_of_serial = {s: i for i, s in enumerate(serials.tolist())}
    zone_pos = {z.id: k for k, z in enumerate(zones)}
    listed = [[] for _ in zones]
    exempt = [[] for _ in zones]
    for e in entries:
        k, ti = zone_pos.get(e.zone_id), index_of_serial.get(e.terminal_serial)
        if k is None or ti is None:
            continue
        listed[k].append(ti)
        if e.speed_exempt:
            exempt[k].append(ti)
    return PolicyContext(
        at=at, policy_version=f"audit-{seq}", country_status=country_status_array(country_statuses(session, at)),
        serials=serials, account_of=account_of, hardware_ok=hardware_ok, plan=plan,
        status=np.array([a.status for a in accts], dtype=object).astype(str) if accts else np.array([], dtype=str),
        home=home, service_lat=np.array([np.nan if a.service_lat_deg is None else a.service_lat_deg for a in accts]),
        service_lon=np.array([np.nan if a.service_lon_deg is None else a.service_lon_deg for a in accts]),
        service_radius_km=np.array([np.inf if a.service_radius_km is None else a.service_radius_km for a in accts]),
        max_speed_kmh=np.array([PLAN_MAX_SPEED_KMH[a.plan] if a.max_speed_kmh is None else a.max_speed_kmh
                                for a in accts]),
        abroad_days=abroad_days, allowed_keys=np.array(keys, dtype=np.int64),
        has_allowed=np.array([bool(a.allowed_regions) for a in accts], dtype=bool),
        zones=ZoneIndex(rules), whitelist=[np.array(sorted(x), dtype=np.int64) for x in listed],
        speed_exempt=[np.array(sorted(x), dtype=np.int64) for x in exempt],
        data_cap_gb=np.array([np.inf if a.data_cap_gb is None else a.data_cap_gb for a in accts], dtype=float),
        data_used_gb=np.array([a.data_used_gb or 0.0 for a in accts], dtype=float),
        data_used_stamp=np.array([as_utc(a.data_used_at).timestamp() if a.data_used_at else 0.0 for a in accts]))


def hypothetical_context(base: PolicyContext, plan: str, serials: np.ndarray, lat_deg: np.ndarray,
                         lon_deg: np.ndarray) -> PolicyContext:
    """What-if: the given terminals each with an active account of ``plan`` (home = the country where it stands,
    residential service address = its position, roam = every licensed country), against the base context's
    licensing and zones. Terminals are not whitelisted anywhere."""
    if plan not in PLANS:
        from leonet.errors import LeonetInputError

        raise LeonetInputError(f"unknown plan; choose one of {', '.join(PLANS)}", field="plan", value=plan)
    order = np.argsort(serials, kind="stable")
    serials = np.asarray(serials, dtype=str)[order]
    m = serials.size
    home = borders(base.border_scale).index_batch(np.asarray(lat_deg, dtype=float)[order],
                                                  np.asarray(lon_deg, dtype=float)[order])
    return PolicyContext(
        at=base.at, policy_version=base.policy_version, country_status=base.country_status, serials=serials,
        account_of=np.arange(m), hardware_ok=np.ones(m, dtype=bool), plan=np.full(m, PLANS.index(plan)),
        status=np.full(m, "active"), home=home, service_lat=np.asarray(lat_deg, dtype=float)[order],
        service_lon=np.asarray(lon_deg, dtype=float)[order], service_radius_km=np.full(m, np.inf),
        max_speed_kmh=np.full(m, PLAN_MAX_SPEED_KMH[plan]), abroad_days=np.zeros(m),
        allowed_keys=np.zeros(0, dtype=np.int64), has_allowed=np.zeros(m, dtype=bool), zones=base.zones,
        whitelist=[np.zeros(0, dtype=np.int64) for _ in base.zones.zones],
        speed_exempt=[np.zeros(0, dtype=np.int64) for _ in base.zones.zones], border_scale=base.border_scale)


def shipped_context(at: datetime) -> PolicyContext:
    """A context with no store: no terminals, accounts or zones (what-ifs fill in hypothetical terminals; the
    caller sets the licensing statuses)."""
    empty_i = np.zeros(0, dtype=np.int64)
    empty_f = np.zeros(0, dtype=float)
    return PolicyContext(
        at=as_utc(at), policy_version="shipped", country_status=country_status_array({}),
        serials=np.array([], dtype="<U1"), account_of=empty_i, hardware_ok=np.zeros(0, dtype=bool), plan=empty_i,
        status=np.array([], dtype=str), home=empty_i, service_lat=empty_f, service_lon=empty_f,
        service_radius_km=empty_f, max_speed_kmh=empty_f, abroad_days=empty_f, allowed_keys=empty_i,
        has_allowed=np.zeros(0, dtype=bool), zones=ZoneIndex([]), whitelist=[], speed_exempt=[],
        data_cap_gb=empty_f, data_used_gb=empty_f, data_used_stamp=empty_f)
