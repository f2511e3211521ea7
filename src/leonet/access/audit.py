"""Append-only, hash-chained audit log. Each record's hash covers the previous hash and the record's canonical
JSON, so editing or deleting any record breaks the chain from there on; ``verify`` finds where."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from leonet.access import checkpoint as _checkpoint  # noqa: F401  (moves the checkpoint after commits)
from leonet.store.models import AuditRecord

GENESIS = "0" * 64
_LOCK_KEY = 0x1E0_AD17


def _digest(prev_hash: str, seq: int, at: datetime, actor: str, action: str, payload: dict) -> str:
    body = json.dumps({"seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "actor": actor,
                       "action": action, "payload": payload}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


# Records that change nothing a decision reads: a terminal's state change, a browser login or logout.
NON_POLICY_ACTIONS = ("terminal.state", "session.open", "session.close")


def append(session: Session, actor: str, action: str, payload: dict, at: datetime | None = None) -> AuditRecord:
    """Add a record in the caller's transaction (so it commits, or rolls back, with the change it records)."""
    at = at or datetime.now(UTC)
    payload = json.loads(json.dumps(payload, default=str))
    if session.get_bind().dialect.name == "postgresql":
        # One appender at a time, until this transaction ends (SQLite serialises writers with BEGIN IMMEDIATE).
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.execute(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).scalar_one_or_none()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    record = AuditRecord(seq=seq, at=at, actor=actor, action=action, payload=payload, prev_hash=prev,
                         hash=_digest(prev, seq, at, actor, action, payload))
    session.add(record)
    session.flush()
    session.info["audit_head"] = (seq, record.hash)  # checkpointed after the commit (leonet.access.checkpoint)
    if action not in NON_POLICY_ACTIONS:
        session.info["policy_changed"] = True  # the decision cache re-reads the epoch after the commit
    return record


def head(session: Session) -> tuple[int, str]:
    """(sequence number, hash) of the newest record; (0, genesis) when empty."""
    last = session.execute(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).scalar_one_or_none()
    return (0, GENESIS) if last is None else (last.seq, last.hash)


def verify(session: Session) -> list[str]:
    """Problems found walking the chain: edited records, deleted records (gaps), broken links. [] = intact."""
    problems = []
    prev_hash, expected_seq = GENESIS, 1
    for rec in session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars():
        if rec.seq != expected_seq:
            problems.append(f"record(s) {expected_seq}..{rec.seq - 1} deleted")
        if rec.prev_hash != prev_hash:
            problems.append(f"record {rec.seq}: link to the previous record is broken")
        if _digest(rec.prev_hash, rec.seq, rec.at if rec.at.tzinfo else rec.at.replace(tzinfo=UTC), rec.actor,
                   rec.action, rec.payload) != rec.hash:
            problems.append(f"record {rec.seq}: content does not match its hash (edited)")
        prev_hash, expected_seq = rec.hash, rec.seq + 1
    return problems


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditRecord)).scalar_one()
