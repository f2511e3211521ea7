"""Decide and record: run the policy against the store's current state and write every *change* of a
terminal's state (its last decided code) to the audit log, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.context import load_context
from leonet.access.policy import BatchDecision, Decision, decide, decide_batch
from leonet.store.models import Terminal


def decide_and_record(session: Session, actor: str, serial: str, lat_deg, lon_deg, at: datetime,
                      speed_kmh: float = 0.0) -> Decision:
    ctx = load_context(session, at)
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
    ctx = load_context(session, at)
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
