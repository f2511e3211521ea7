"""Audit checkpoints outside the database: after every committed write that appended to the audit log, the head
(sequence number and hash) is written atomically to a file, signed with HMAC-SHA256 when a key is configured.

The hash chain alone proves that records were not edited *in place*; it cannot prove that the tail was not cut off
or that the whole history was not rewritten and re-chained, because anyone who can write the database can recompute
every hash. The checkpoint closes both: its head must still be in the log with the same hash. Signed, it also
resists an attacker who can write the checkpoint file but does not hold the key. docs/access.md states the threat
model.

Configuration: ``LEONET_AUDIT_CHECKPOINT`` (file path) or the default: for SQLite ``<database file>.audit-head.json``
beside the database; for PostgreSQL ``$XDG_STATE_HOME/leonet/audit-head-<host>-<port>-<database>.json`` (default
``~/.local/state/leonet/…``, the XDG base directory for state that outlives a run:
https://specifications.freedesktop.org/basedir-spec/latest/, read 2026-11-26) on the machine that runs the server
or the CLI — outside the database server, so whoever can write the database cannot also rewrite the checkpoint
unless they hold this machine too. ``leonet audit verify`` on the same machine finds it; elsewhere pass
``--checkpoint``. Signing: ``LEONET_AUDIT_HMAC_KEY`` or ``LEONET_AUDIT_HMAC_KEY_FILE``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_LOCK = threading.Lock()
_WRITTEN: dict[str, int] = {}


_SCRATCH: set[str] = set()  # URLs of this process's scratch stores (see ``scratch``)


def scratch(engine: Engine) -> None:
    """Mark a store as scratch (e.g. one of ``leonet compare``'s per-policy stores): its checkpoint sits beside its
    own file, never at ``$LEONET_AUDIT_CHECKPOINT``, which belongs to the operator's store."""
    _SCRATCH.add(engine.url.render_as_string(hide_password=False))


def path_for(url: str) -> Path | None:
    env = os.environ.get("LEONET_AUDIT_CHECKPOINT")
    if env and url not in _SCRATCH:
        return Path(env)
    if url.startswith("sqlite") and ":memory:" not in url:
        db = url.split(":///", 1)[-1]
        return Path(db + ".audit-head.json") if db else None
    if url.startswith("postgres"):
        from sqlalchemy.engine import make_url

        u = make_url(url)
        ident = re.sub(r"[^A-Za-z0-9._-]", "_", f"{u.host or 'localhost'}-{u.port or 5432}-{u.database or ''}")
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(state) / "leonet" / f"audit-head-{ident}.json"
    return None


def hmac_key() -> bytes | None:
    key = os.environ.get("LEONET_AUDIT_HMAC_KEY")
    if key:
        return key.encode()
    file = os.environ.get("LEONET_AUDIT_HMAC_KEY_FILE")
    if file:
        return Path(file).read_bytes().strip()
    return None


def sign(seq: int, head_hash: str, key: bytes | None) -> str | None:
    return None if key is None else hmac.new(key, f"{seq}:{head_hash}".encode(), hashlib.sha256).hexdigest()


def write(path: Path, seq: int, head_hash: str) -> None:
    """Atomically replace the checkpoint (write, fsync, rename)."""
    body = {"seq": seq, "hash": head_hash, "written_utc": datetime.now(UTC).isoformat(),
            "hmac": sign(seq, head_hash, hmac_key())}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(body, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def after_commit(bind: Engine, head: tuple[int, str]) -> None:
    url = bind.url.render_as_string(hide_password=False)
    path = path_for(url)
    if path is None:
        return
    with _LOCK:  # commits can finish out of order: never move the checkpoint backwards
        key = str(path)
        if _WRITTEN.get(key, 0) >= head[0] and path.exists():
            return
        write(path, *head)
        _WRITTEN[key] = head[0]


def read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def check(records: dict[int, str], last_seq: int, path: Path | None) -> tuple[list[str], list[str]]:
    """(problems, notes) comparing the log (seq → hash) with the checkpoint at ``path``."""
    if path is None:
        return [], ["no audit checkpoint configured (LEONET_AUDIT_CHECKPOINT): a deleted tail or a re-chained "
                    "history cannot be detected"]
    cp = read(path)
    if cp is None:
        if last_seq == 0:
            return [], []
        return [f"audit checkpoint {path} is missing although the log has {last_seq} records"], []
    problems, notes = [], []
    key = hmac_key()
    if key is not None:
        if cp.get("hmac") is None:
            problems.append(f"audit checkpoint {path} is not signed although a signing key is configured")
        elif not hmac.compare_digest(cp["hmac"], sign(int(cp["seq"]), cp["hash"], key)):
            problems.append(f"audit checkpoint {path}: signature does not match (checkpoint forged or key wrong)")
    else:
        notes.append("checkpoint not signed (set LEONET_AUDIT_HMAC_KEY to sign it)")
    seq = int(cp["seq"])
    if seq > last_seq:
        problems.append(f"records {last_seq + 1}..{seq} deleted: the checkpoint saw the log up to {seq}")
    elif records.get(seq) != cp["hash"]:
        problems.append(f"record {seq}: hash differs from the checkpoint (history rewritten and re-chained)")
    if seq < last_seq:
        notes.append(f"{last_seq - seq} record(s) after the checkpoint (seq {seq}) are covered by the chain only")
    return problems, notes


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Every committed transaction that appended audit records moves the checkpoint (API, CLI, simulation)."""
    head = session.info.pop("audit_head", None)
    if head is not None:
        after_commit(session.get_bind(), head)
    if session.info.pop("policy_changed", None):
        from leonet.access.decisions import POLICY

        POLICY.invalidate()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("audit_head", None)
    session.info.pop("policy_changed", None)
