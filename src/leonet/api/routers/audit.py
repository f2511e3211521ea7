"""Audit log export and verification."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.keys import Principal
from leonet.api.auth import require
from leonet.api.deps import read_db
from leonet.store.models import AuditRecord

router = APIRouter(tags=["audit"])


@router.get("/audit")
def export(after: int = Query(0, ge=0, le=2**31 - 1), limit: int = Query(1000, ge=1, le=100_000),
           session: Session = Depends(read_db), _: Principal = Depends(require("admin", "regulator"))) -> list:
    rows = session.execute(select(AuditRecord).where(AuditRecord.seq > after).order_by(AuditRecord.seq)
                           .limit(limit)).scalars()
    return [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "payload": r.payload,
             "prev_hash": r.prev_hash, "hash": r.hash} for r in rows]


@router.get("/audit/verify")
def verify(session: Session = Depends(read_db), _: Principal = Depends(require("admin", "regulator"))) -> dict:
    problems = audit.verify(session)
    return {"ok": not problems, "problems": problems, "records": audit.count(session)}
