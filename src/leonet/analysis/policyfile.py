"""Policy files: the zones, whitelists and rules the control plane holds, as one TOML document, so that a policy
compared offline (``leonet compare``) is the one applied to a running system (``leonet policy apply``).

A zone is the API's zone payload (``POST /api/v1/zones``: name, kind, geometry, reason, valid_from, valid_to,
max_speed_kmh; ``geometry_file`` may name a GeoJSON file instead of an inline geometry). A whitelist entry is the
API's whitelist payload (serial, speed_exempt) for a named zone, or a selector over the control plane's own records
(accounts' home country and plan) with the share of them that registered (``registered_fraction``, drawn from a
hash of the serial, so the same terminals are chosen every time). Nothing here can see ground truth.
Field reference: docs/enforcement.md (Policy files)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from leonet.access import audit, service
from leonet.access.reconcile import bulk_digest, serials_digest
from leonet.api.routers.zones import ZoneIn
from leonet.errors import LeonetInputError
from leonet.store.models import Account, Terminal, WhitelistEntry, Zone, as_utc


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rules(_Model):
    location_check: Literal["off", "monitor", "deny"] = "monitor"


class PolicyZone(ZoneIn):
    model_config = ConfigDict(extra="forbid")
    geometry: dict = Field(default_factory=dict)
    geometry_file: str | None = None


class WhitelistRule(_Model):
    zone: str = Field(min_length=1)
    serials: list[str] = Field(default_factory=list)
    account_home: list[str] = Field(default_factory=list, description="Select terminals whose account is in these")
    plans: list[str] = Field(default_factory=list, description="… and on these plans (empty: any)")
    registered_fraction: float = Field(default=1.0, ge=0, le=1)
    speed_exempt: bool = False

    @model_validator(mode="after")
    def _something(self):
        if not self.serials and not self.account_home:
            raise ValueError(f"whitelist for zone {self.zone!r}: give serials or account_home")
        return self


class Policy(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    rules: Rules = Field(default_factory=Rules)
    zones: list[PolicyZone] = Field(default_factory=list)
    whitelist: list[WhitelistRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refs(self):
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise ValueError("zone names must be unique")
        for w in self.whitelist:
            if w.zone not in names:
                raise ValueError(f"whitelist.zone {w.zone!r} is not one of the policy's zones")
        return self

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:16]


def load_policy(path: str | Path) -> Policy:
    """A policy file, or the name of a shipped one (status_quo, whitelist_only, front_line_blocked, speed_cutoff,
    location_verification, mix). Relative ``geometry_file`` paths are read next to the policy file."""
    p = Path(path)
    if not p.exists() and p.suffix == "" and (resources.files("leonet") / "data" / "policies" / f"{p}.toml").is_file():
        p = Path(str(resources.files("leonet") / "data" / "policies" / f"{p}.toml"))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        shipped = sorted(f.name[:-5] for f in (resources.files("leonet") / "data" / "policies").iterdir()
                         if f.name.endswith(".toml"))
        raise LeonetInputError(f"file not found (nor a shipped policy: {', '.join(shipped)})", file=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise LeonetInputError(f"invalid TOML: {exc}", file=str(p)) from None
    for z in data.get("zones", []):
        if isinstance(z, dict) and z.get("geometry_file"):
            gp = p.parent / z["geometry_file"]
            try:
                g = json.loads(gp.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise LeonetInputError("GeoJSON file not found", file=str(p), field="zones.geometry_file",
                                       value=str(gp)) from None
            z["geometry"] = g.get("geometry", g) if g.get("type") == "Feature" else g
    return parse_policy(data, str(p))


def parse_policy(data: dict, origin: str = "policy") -> Policy:
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(x) for x in e["loc"]) or "policy"
        raise LeonetInputError(e["msg"], file=origin, field=field, value=e.get("input")) from None
    from leonet.access.zones import validate_geojson

    for k, z in enumerate(policy.zones):
        if not z.geometry:
            raise LeonetInputError("a zone needs geometry or geometry_file", file=origin, field=f"zones[{k}]",
                                   value=z.name)
        validate_geojson(z.geometry, field=f"zones[{k}].geometry")
    return policy


def _registered(serials: np.ndarray, fraction: float) -> np.ndarray:
    """Deterministic share of serials: the first 8 hex digits of SHA-256(serial) below ``fraction``·2³²."""
    if fraction >= 1.0:
        return np.ones(serials.size, dtype=bool)
    h = np.array([int(hashlib.sha256(s.encode()).hexdigest()[:8], 16) for s in serials.tolist()], dtype=np.int64)
    return h < int(fraction * 2**32)


def select_serials(session: Session, rule: WhitelistRule) -> list[str]:
    """The terminals a whitelist rule names: its serials plus those its selector picks from the records."""
    chosen = set(rule.serials)
    if rule.account_home:
        q = select(Terminal.serial).join(Account, Terminal.account_id == Account.id) \
            .where(Account.home_country.in_(rule.account_home))
        if rule.plans:
            q = q.where(Account.plan.in_(rule.plans))
        serials = np.array(session.execute(q.order_by(Terminal.serial)).scalars().all(), dtype=str)
        chosen |= set(serials[_registered(serials, rule.registered_fraction)].tolist())
    return sorted(chosen)


def apply_policy(session: Session, policy: Policy, actor: str = "policy", replace: bool = True) -> dict:
    """Make the store hold ``policy``. With ``replace``, every zone and whitelist entry still in force (or scheduled)
    is *ended* first, never deleted: it gets a validity end of now (audited, ``zone.end`` per zone; the
    ``policy.apply`` record carries the whitelist end), so decisions already made stay explained by their rows. A
    zone whose name the new policy reuses keeps its row under a dated name (``zone.rename``). One transaction (the
    caller's); one audit record per step."""
    removed = 0
    now = datetime.now(UTC)
    if replace:
        removed = _end_zones(session, policy, actor, now)
        for entry in session.execute(select(WhitelistEntry).where(WhitelistEntry.valid_to.is_(None))).scalars():
            entry.valid_to, entry.ended_by = now, actor
        session.flush()
    audit.append(session, actor, "policy.apply", {"name": policy.name, "digest": policy.digest(),
                                                  "replace": replace, "zones_removed": removed,
                                                  "rules": policy.rules.model_dump(),
                                                  **({"ended_at": now.isoformat()} if replace else {})})
    ids = {}
    for z in policy.zones:
        zone = service.create_zone(session, actor, z.name, z.kind, z.geometry, z.reason, z.valid_from, z.valid_to,
                                   z.max_speed_kmh, z.source, z.as_of)
        ids[z.name] = zone.id
    listed = 0
    bulk: dict[int, dict[str, bool]] = {}  # zone id → {serial: speed_exempt}: every bulk row of the zone so far
    for rule in policy.whitelist:
        serials = select_serials(session, rule)
        known = set(session.execute(select(Terminal.serial).where(Terminal.serial.in_(rule.serials)))
                    .scalars().all()) if rule.serials else set()
        missing = sorted(set(rule.serials) - known)
        if missing:
            raise LeonetInputError("unknown terminal in a whitelist", field=f"whitelist[{rule.zone}].serials",
                                   value=missing[0])
        if serials:
            session.execute(insert(WhitelistEntry), [
                {"zone_id": ids[rule.zone], "terminal_serial": s, "speed_exempt": rule.speed_exempt,
                 "added_by": actor, "added_at": now} for s in serials])
        zone_rows = bulk.setdefault(ids[rule.zone], {})
        zone_rows.update(dict.fromkeys(serials, rule.speed_exempt))
        audit.append(session, actor, "whitelist.bulk_add", {"zone": rule.zone, "zone_id": ids[rule.zone],
                                                            "count": len(serials),
                                                            "speed_exempt": rule.speed_exempt,
                                                            "digest": serials_digest(serials),
                                                            "zone_count": len(zone_rows),
                                                            "zone_digest": bulk_digest(zone_rows)})
        listed += len(serials)
    return {"policy": policy.name, "zones": len(ids), "whitelisted": listed, "zones_removed": removed,
            "location_check": policy.rules.location_check}


def _end_zones(session: Session, policy: Policy, actor: str, now: datetime) -> int:
    """End every zone not yet ended (a scheduled one ends where it would have begun: it never applies); free the
    names the new policy reuses. Returns how many zones were ended."""
    reason = f"replaced by policy {policy.name!r}"
    reused = {z.name.strip() for z in policy.zones}
    ended = 0
    for zone in session.execute(select(Zone).order_by(Zone.id)).scalars().all():
        valid_to = None if zone.valid_to is None else as_utc(zone.valid_to)
        if valid_to is None or valid_to > now:
            start = None if zone.valid_from is None else as_utc(zone.valid_from)
            zone.valid_to = max(now, start) if start is not None else now
            audit.append(session, actor, "zone.end", {"id": zone.id, "name": zone.name,
                                                      "valid_to": zone.valid_to.isoformat(), "reason": reason})
            ended += 1
        if zone.name in reused:
            new_name = f"{zone.name} (ended {as_utc(zone.valid_to):%Y-%m-%dT%H:%M:%SZ}, zone {zone.id})"[-200:]
            audit.append(session, actor, "zone.rename", {"id": zone.id, "from": zone.name, "to": new_name,
                                                         "reason": reason})
            zone.name = new_name
    session.flush()
    return ended


def with_rules(scenario, policy: Policy):
    """The scenario with the policy's location-check rule (off: no check; monitor: flag only; deny: refuse)."""
    lc = scenario.location_check.model_copy(update={
        "enabled": policy.rules.location_check != "off",
        "deny_on_unexpected_location": policy.rules.location_check == "deny"})
    return scenario.model_copy(update={"location_check": lc})
