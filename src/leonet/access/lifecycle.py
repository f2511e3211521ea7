"""Ending things without deleting them: a zone or a whitelist entry gets a validity end (audited, with its actor
and reason); the row stays, so the history of what was in force when remains answerable."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.service import CLOCK_SKEW, Conflict, NotFound, get_zone
from leonet.errors import LeonetInputError
from leonet.store.models import WhitelistEntry, Zone, as_utc


def end_zone(session: Session, actor: str, zone_id: int, reason: str, at: datetime | None = None) -> Zone:
    """The zone stops applying at ``at`` (default now; not in the past, so no decision already made changes)."""
    zone = get_zone(session, zone_id)
    now = datetime.now(UTC)
    at = as_utc(at) if at else now
    if at < now - CLOCK_SKEW:
        raise LeonetInputError("must not be in the past (decisions already made stand)", field="valid_to",
                               value=at.isoformat())
    if zone.valid_to is not None and as_utc(zone.valid_to) <= now:
        raise Conflict(f"zone {zone_id} already ended at {as_utc(zone.valid_to).isoformat()}")
    if zone.valid_from is not None and at <= as_utc(zone.valid_from):
        raise LeonetInputError("must be after valid_from", field="valid_to", value=at.isoformat())
    if not reason or not reason.strip():
        raise LeonetInputError("ending a zone must state its reason", field="reason", value=reason)
    zone.valid_to = at
    session.flush()
    audit.append(session, actor, "zone.end", {"id": zone.id, "name": zone.name, "valid_to": at.isoformat(),
                                              "reason": reason})
    return zone


def end_whitelist(session: Session, actor: str, zone_id: int, serial: str, reason: str) -> WhitelistEntry:
    """The terminal is no longer exempt in this zone, from now on."""
    zone = get_zone(session, zone_id)
    entry = session.execute(select(WhitelistEntry).where(WhitelistEntry.zone_id == zone_id,
                                                         WhitelistEntry.terminal_serial == serial)) \
        .scalar_one_or_none()
    if entry is None:
        raise NotFound(f"terminal {serial!r} is not on zone {zone_id}'s whitelist")
    if entry.valid_to is not None:
        raise Conflict(f"whitelist entry for {serial!r} in zone {zone_id} already ended")
    if not reason or not reason.strip():
        raise LeonetInputError("ending a whitelist entry must state its reason", field="reason", value=reason)
    entry.valid_to, entry.ended_by = datetime.now(UTC), actor
    session.flush()
    audit.append(session, actor, "whitelist.end", {"zone": zone.name, "zone_id": zone.id, "serial": serial,
                                                   "valid_to": entry.valid_to.isoformat(), "reason": reason})
    return entry
