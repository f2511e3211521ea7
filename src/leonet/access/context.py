"""Build a ``PolicyContext`` from the store (the system of record) or for hypothetical terminals (what-if)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.borders import borders
from leonet.access.policy import PLAN_MAX_SPEED_KMH, PLANS, UNSUPPORTED_HARDWARE, PolicyContext, country_status_array
from leonet.access.zones import ZoneIndex, ZoneRule, zone_area
from leonet.store.models import Account, CountryStatusPeriod, Terminal, WhitelistEntry, Zone


def _aware(t: datetime | None) -> datetime | None:
    return None if t is None else (t if t.tzinfo else t.replace(tzinfo=UTC))


def country_statuses(session: Session, at: datetime) -> dict[str, str]:
    """{iso_a2: status} of the licensing periods valid at ``at`` (countries with no period valid then are absent,
    i.e. not licensed)."""
    out = {}
    for p in session.execute(select(CountryStatusPeriod)).scalars():
        if (p.valid_from is None or _aware(p.valid_from) <= at) and (p.valid_to is None or at < _aware(p.valid_to)):
            out[p.iso_a2] = p.status
    return out


def _country_index(codes: list[str]) -> np.ndarray:
    b = borders()
    lookup = {c: i for i, c in enumerate(b.codes.tolist())}
    return np.array([lookup.get(c, -1) for c in codes], dtype=np.int64)


def load_context(session: Session, at: datetime | None = None) -> PolicyContext:
    """Read licensing, terminals, accounts, zones and whitelists valid at ``at`` (default now)."""
    at = _aware(at) or datetime.now(UTC)
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
    abroad_days = np.array([0.0 if a.abroad_since is None else (at - _aware(a.abroad_since)).total_seconds() / 86400
                            for a in accts])
    keys = sorted(i * 1024 + int(ci) for i, a in enumerate(accts)
                  for ci in _country_index(list(a.allowed_regions or [])) if ci >= 0)
    zones = [z for z in session.execute(select(Zone).order_by(Zone.id)).scalars()]
    rules = [ZoneRule(z.id, z.name, z.kind, zone_area(z.kind, z.geometry), _aware(z.valid_from), _aware(z.valid_to),
                      z.reason, z.max_speed_kmh) for z in zones]
    entries = session.execute(select(WhitelistEntry)).scalars().all()
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
        data_used_stamp=np.array([_aware(a.data_used_at).timestamp() if a.data_used_at else 0.0 for a in accts]))


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
