"""Decide and record: run the policy against the store's current state and write every *change* of a
terminal's state (its last decided code) to the audit log, in the caller's transaction."""

from __future__ import annotations

import threading
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leonet.access import audit, roam
from leonet.access.context import load_context
from leonet.access.policy import BatchDecision, Decision, decide, decide_batch
from leonet.store.models import AuditRecord, Terminal

_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def policy_epoch(session: Session) -> int:
    """Sequence number of the newest audit record that changed policy inputs (not a terminal-state record)."""
    return session.execute(select(func.max(AuditRecord.seq)).where(AuditRecord.action != "terminal.state")) \
        .scalar_one() or 0


def cached_context(session: Session, at: datetime):
    """The policy context, rebuilt only when a policy input changed (or the instant moved by > 60 s)."""
    key = (str(session.get_bind().url), policy_epoch(session))
    with _CACHE_LOCK:
        hit = _CACHE.get(key[0])
        if hit is not None and hit[0] == key[1] and abs((hit[1].at - at).total_seconds()) <= 60:
            ctx = hit[1]
            return ctx if ctx.at == at else _at(ctx, at)
    ctx = load_context(session, at)
    with _CACHE_LOCK:
        _CACHE[key[0]] = (key[1], ctx)
    return ctx


def _at(ctx, at: datetime):
    from dataclasses import replace

    return replace(ctx, at=at)


def decide_and_record(session: Session, actor: str, serial: str, lat_deg, lon_deg, at: datetime,
                      speed_kmh: float = 0.0) -> Decision:
    ctx = roam.observe_stored(session, actor, cached_context(session, at), serial, lat_deg, lon_deg, at)
    d = decide(ctx, serial, lat_deg, lon_deg, at, speed_kmh)
    term = session.get(Terminal, serial)
    if term is not None and term.last_code != int(d.code):
        audit.append(session, actor, "terminal.state", {"serial": serial, "from": term.last_code,
                                                        "to": d.code.name, "reasons": d.reasons,
                                                        "policy_version": d.policy_version})
        term.last_code = int(d.code)
    return d


def decide_many_and_record(session: Session, actor: str, serials: list[str], lat_deg, lon_deg, at: datetime,
                           speed_kmh) -> BatchDecision:
    ctx = cached_context(session, at)
    acct, abroad, home = roam.classify(ctx, np.asarray(serials), np.asarray(lat_deg, dtype=float),
                                       np.asarray(lon_deg, dtype=float))
    days = np.where(acct >= 0, ctx.abroad_days[np.maximum(acct, 0)] if ctx.abroad_days.size else 0.0, 0.0)
    for i in np.flatnonzero((acct >= 0) & ((abroad & (days == 0)) | (home & (days > 0)))):  # trips that may change
        if ctx.plan[acct[i]] == roam.ROAM:
            ctx = roam.observe_stored(session, actor, ctx, serials[i], lat_deg[i], lon_deg[i], at)
    result = decide_batch(ctx, np.asarray(serials), np.asarray(lat_deg, dtype=float),
                          np.asarray(lon_deg, dtype=float), at, np.asarray(speed_kmh, dtype=float))
    known = {t.serial: t for t in session.execute(select(Terminal).where(Terminal.serial.in_(set(serials))))
             .scalars()}
    for i, serial in enumerate(serials):  # only terminals whose state changed produce a record
        term = known.get(serial)
        code = int(result.codes[i])
        if term is not None and term.last_code != code:
            audit.append(session, actor, "terminal.state", {"serial": serial, "from": term.last_code,
                                                            "to": result.decision(i).code.name,
                                                            "reasons": result.reasons(i),
                                                            "policy_version": result.policy_version})
            term.last_code = code
    return result
