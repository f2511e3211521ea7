"""Metering: the data each served terminal uses, added to its account's stored usage so a data cap takes effect
during the run. Usage per slot = the scheduler's allocated downlink share × the slot (no uplink model yet)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np


class Meter:
    def __init__(self, serials: np.ndarray):
        self.serials = serials
        self.used_gb = np.zeros(len(serials))  # data each terminal used since its account's usage was set
        self._last_stamp: np.ndarray | None = None  # stamps of the accounts' usage records last slot

    def add(self, served: np.ndarray, allocated_mbps: np.ndarray, slot_s: float) -> None:
        """Meter one slot: (M,) served mask and allocated Mb/s."""
        self.used_gb += np.where(served, allocated_mbps, 0.0) * slot_s / 8000.0

    def apply(self, ctx):
        """The policy context with this run's metered data added to each capped account's stored usage. When the
        stored usage of an account is set anew (a new billing period, data added), its metering restarts."""
        if ctx.data_cap_gb is None or not np.isfinite(ctx.data_cap_gb).any():
            return ctx
        ti = ctx.terminal_index(self.serials)
        acct = (np.where(ti >= 0, ctx.account_of[np.maximum(ti, 0)], -1) if ctx.account_of.size
                else np.full(ti.size, -1))
        if self._last_stamp is not None:
            n = min(len(self._last_stamp), len(ctx.data_used_stamp))
            reset = np.flatnonzero(ctx.data_used_stamp[:n] != self._last_stamp[:n])
            self.used_gb[np.isin(acct, reset)] = 0.0
        self._last_stamp = ctx.data_used_stamp.copy()
        ok = acct >= 0
        extra = np.bincount(acct[ok], weights=self.used_gb[ok], minlength=len(ctx.data_used_gb))
        return replace(ctx, data_used_gb=ctx.data_used_gb + extra)
