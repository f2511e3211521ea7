"""What each caller may see: object-level authorization, applied in queries (not after the fact).

admin and regulator see everything; a reseller sees the terminals its organisation holds or has held (it appears in
their provenance chain), the sales it is party to, and the accounts those terminals are attached to; a terminal
key sees its own terminal only. A reseller asking about anything else gets 404 — the same answer as for something
that does not exist, so it learns nothing about other resellers' holdings."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from leonet.access.keys import Principal
from leonet.access.service import NotFound
from leonet.store.models import Account, Terminal, Transfer

ALL_SEEING = ("admin", "regulator")


def _reseller_serials(org_id: int | None):
    parties = select(Transfer.terminal_serial).where(or_(Transfer.from_id == org_id, Transfer.to_id == org_id))
    return or_(Terminal.holder_id == org_id, Terminal.serial.in_(parties))


def terminals(who: Principal) -> Select:
    q = select(Terminal).order_by(Terminal.serial)
    if who.role in ALL_SEEING:
        return q
    if who.role == "reseller":
        return q.where(_reseller_serials(who.organisation_id))
    if who.role == "terminal":
        return q.where(Terminal.serial == who.terminal_serial)
    return q.where(False)


def sales(who: Principal) -> Select:
    q = select(Transfer).order_by(Transfer.id)
    if who.role in ALL_SEEING:
        return q
    if who.role == "reseller":
        return q.where(or_(Transfer.from_id == who.organisation_id, Transfer.to_id == who.organisation_id))
    return q.where(False)


def accounts(who: Principal) -> Select:
    q = select(Account).order_by(Account.id)
    if who.role in ALL_SEEING:
        return q
    if who.role == "reseller":
        ids = select(Terminal.account_id).where(_reseller_serials(who.organisation_id))
        return q.where(Account.id.in_(ids))
    return q.where(False)


def terminal(session: Session, who: Principal, serial: str) -> Terminal:
    term = session.execute(terminals(who).where(Terminal.serial == serial)).scalar_one_or_none()
    if term is None:
        raise NotFound(f"unknown serial: field 'serial', value {serial!r}")
    return term


def account(session: Session, who: Principal, number: str) -> Account:
    acct = session.execute(accounts(who).where(Account.number == number)).scalar_one_or_none()
    if acct is None:
        raise NotFound(f"unknown account: field 'number', value {number!r}")
    return acct


def page(session: Session, q: Select, offset: int, limit: int) -> list:
    return list(session.execute(q.offset(offset).limit(limit)).scalars())
