"""The Roam plan's abroad counter, derived from observed positions (never typed in).

Starlink's Roam terms allow use abroad "up to 2 months" per trip; staying longer requires moving the account's
country or returning (https://www.starlink.com/ph/support/article/3717b249-366b-df21-26f7-d4d281b39d8f, SpaceX;
the policy's ``ROAM_ABROAD_LIMIT`` is 60 days). Here a terminal's first observed position on land outside its
account's home country starts its trip; an observed position in the home country ends the trip and resets the
counter (a trip is what the terms count). Positions at sea or unusable neither start nor end a trip. An account's
days abroad are those of its longest-abroad terminal.

Two feeds, one rule: ``AbroadCounter`` for the simulation (every slot's reported positions, kept in memory) and
``observe_stored`` for single reports through the control plane (``Account.abroad_since`` is written only when a
trip starts or ends, with an audit record).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from leonet.access.policy import PLANS, PolicyContext, _valid_position

ROAM = PLANS.index("roam")


def classify(ctx: PolicyContext, serials, lat_deg, lon_deg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per observation: (account index or −1, abroad: on land outside the home country, at home)."""
    lat = np.asarray(lat_deg, dtype=float).ravel()
    lon = np.asarray(lon_deg, dtype=float).ravel()
    term = ctx.terminal_index(np.asarray(serials).ravel())
    acct = np.where(term >= 0, ctx.account_of[np.maximum(term, 0)] if ctx.account_of.size else -1, -1)
    valid = _valid_position(lat, lon) & (acct >= 0)
    country = np.full(lat.size, ctx.countries.sea_index, dtype=np.int64)
    if valid.any():
        country[valid] = ctx.countries.index_batch(lat[valid], lon[valid])
    home = np.where(acct >= 0, ctx.home[np.maximum(acct, 0)] if ctx.home.size else -1, -1)
    on_land = valid & (country != ctx.countries.sea_index)
    return acct, on_land & (country != home), on_land & (country == home)


class AbroadCounter:
    """Trip start time per terminal (unix s, NaN = not abroad), updated from each slot's observations."""

    def __init__(self, n_terminals: int):
        self.since_s = np.full(n_terminals, np.nan)

    def update(self, ctx: PolicyContext, serials, lat_deg, lon_deg, when: datetime) -> PolicyContext:
        """Observe one position per terminal (order fixed across calls) at ``when``; return ``ctx`` with each roam
        account's ``abroad_days`` derived from the observations so far (other plans keep theirs)."""
        acct, abroad, home = classify(ctx, serials, lat_deg, lon_deg)
        t = when.timestamp()
        self.since_s = np.where(abroad & np.isnan(self.since_s), t, self.since_s)
        self.since_s[home] = np.nan
        days = np.where(np.isfinite(self.since_s), (t - self.since_s) / 86_400.0, 0.0)
        per_acct = np.zeros(len(ctx.plan))
        ok = acct >= 0
        np.maximum.at(per_acct, acct[ok], days[ok])
        roam = ctx.plan == ROAM
        return replace(ctx, abroad_days=np.where(roam, per_acct, ctx.abroad_days))


def observe_stored(session, actor: str, ctx: PolicyContext, serial: str, lat_deg, lon_deg,
                   when: datetime) -> PolicyContext:
    """One reported position through the control plane: start or end the account's trip in the store
    (``Account.abroad_since``, audited) and return ``ctx`` with that account's days abroad at ``when``."""
    from sqlalchemy import select

    from leonet.access import audit
    from leonet.store.models import Account, Terminal

    term = ctx.terminal_index([serial])[0]
    if term < 0 or not ctx.account_of.size or ctx.account_of[term] < 0 or ctx.plan[ctx.account_of[term]] != ROAM:
        return ctx  # only Roam accounts count trips (and the country lookup below is not free)
    acct, abroad, home = classify(ctx, [serial], [np.nan if lat_deg is None else lat_deg],
                                  [np.nan if lon_deg is None else lon_deg])
    days_now = float(ctx.abroad_days[acct[0]])
    if not ((abroad[0] and days_now == 0) or (home[0] and days_now > 0)):  # no trip can start or end
        return ctx
    account = session.execute(select(Account).join(Terminal, Terminal.account_id == Account.id)
                              .where(Terminal.serial == serial)).scalar_one_or_none()
    if account is None:
        return ctx
    since = account.abroad_since
    since = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    if abroad[0] and since is None:
        account.abroad_since = since = when
        audit.append(session, actor, "account.trip_start", {"account": account.number, "serial": serial,
                                                            "at": when.isoformat()})
    elif home[0] and since is not None:
        account.abroad_since = since = None
        audit.append(session, actor, "account.trip_end", {"account": account.number, "serial": serial,
                                                          "at": when.isoformat()})
    days = ctx.abroad_days.copy()
    days[acct[0]] = 0.0 if since is None else (when - since).total_seconds() / 86_400.0
    return replace(ctx, abroad_days=days)
