"""Score one run of a policy against ground truth. Ground truth (which terminals are diverted, how their GPS
behaves) is used HERE ONLY: the policy and the incident builder never see it.

Terminal-hours count only from each terminal's activation (``active_from_s``: before it the kit is off).

- leakage: unauthorised (diverted) terminal-hours served, by cause — why the policy let the kit through: its false
  or missing GPS (``spoofed GPS``, ``jammed GPS``) only when the policy would have refused it at its true position
  that slot (``barred``: the same policy decided on the ground truth, computed by the caller), else ``whitelisted``
  when it is on a whitelist, else ``no rule bars its position``;
- collateral: authorised terminal-hours refused by a policy decision, by disablement code;
- time to detect a diverted kit: from its activation to its first evidence (incident) record;
- time to cut it off: from its activation to the start of the slot after which it is never served again (0 when it
  was never served); a kit never served and refused only ``UNKNOWN_LOCATION`` (its GPS jammed, the network's first
  fix still pending when the run ends) is not cut off: nothing was decided on its position yet;
- incidents raised and their precision: the share of incidents (and of terminals in incidents) that are diverted.
"""

from __future__ import annotations

import numpy as np

from leonet.access.codes import DisablementCode as C

LEAK_CAUSES = ("spoofed GPS", "jammed GPS", "whitelisted", "no rule bars its position")


def leak_cause(gps: np.ndarray, whitelisted: np.ndarray, barred: np.ndarray | None = None) -> np.ndarray:
    """The cause a served diverted kit is put down to (first that applies), shaped like ``barred`` (S, M) — whether
    the policy would refuse the kit at its true position each slot (default: everywhere, shape (M,)); gps and
    whitelisted (M,)."""
    barred = np.ones(gps.shape, dtype=bool) if barred is None else np.asarray(barred, dtype=bool)
    gps, whitelisted = np.broadcast_to(gps, barred.shape), np.broadcast_to(whitelisted, barred.shape)
    cause = np.full(barred.shape, LEAK_CAUSES[3], dtype=object)
    cause[whitelisted] = LEAK_CAUSES[2]
    cause[barred & (gps == 1)] = LEAK_CAUSES[1]
    cause[barred & (gps == 2)] = LEAK_CAUSES[0]
    return cause


def _median_min(x: np.ndarray) -> float | None:
    return float(np.median(x) / 60.0) if x.size else None


def score(codes: np.ndarray, served: np.ndarray, slot_s: float, diverted: np.ndarray, gps: np.ndarray,
          whitelisted: np.ndarray, serials: np.ndarray, incidents: list,
          active_from_s: np.ndarray | None = None, barred: np.ndarray | None = None) -> dict:
    """codes/served (S, M) per slot and terminal; diverted, gps, whitelisted, serials, active_from_s (M,) (default:
    all active from the start); incidents (builder's); barred (S, M): the policy would refuse the terminal at its
    true position (default: everywhere)."""
    s, m = codes.shape
    h = slot_s / 3600.0
    act_s = np.zeros(m) if active_from_s is None else np.asarray(active_from_s, dtype=float)
    active = np.arange(s)[:, None] * slot_s >= act_s[None, :]  # (S, M): the slot starts after activation
    auth = ~diverted
    okay = codes == int(C.OKAY)
    served = served & active
    leak = served & diverted[None, :]
    cause = leak_cause(gps, whitelisted, np.ones((s, m), dtype=bool) if barred is None else barred)
    leak_by = {c: float((leak & (cause == c)).sum() * h) for c in LEAK_CAUSES}
    denied = ~okay & auth[None, :] & active
    names = {int(v): v.name for v in C}
    vals, counts = np.unique(codes[denied], return_counts=True)
    coll_by = {names.get(int(v), str(v)): float(n * h) for v, n in zip(vals, counts, strict=True)}
    unauth_h = float(active[:, diverted].sum() * h)
    auth_h = float(active[:, auth].sum() * h)
    # Detection: first evidence record of each diverted kit.
    first_s = {}
    for inc in incidents:
        for t in inc.terminals:
            first_s[t["serial"]] = min(first_s.get(t["serial"], np.inf), t["first_seen_s"])
    div_idx = np.flatnonzero(diverted & active.any(axis=0))  # kits switched on during the run
    seen = [first_s.get(x, np.nan) for x in serials[div_idx].tolist()]
    detect = np.maximum(np.array(seen, dtype=float) - act_s[div_idx], 0.0)  # from activation
    # Cut-off: the slot after the last one in which the kit was served (never served: cut off from the start).
    any_served = served[:, div_idx].any(axis=0)
    last = np.where(any_served, s - 1 - np.argmax(served[::-1, div_idx], axis=0), -1)
    pending = ~any_served & np.all((codes[:, div_idx] == int(C.UNKNOWN_LOCATION)) | ~active[:, div_idx], axis=0)
    cut = (last < s - 1) & ~pending
    cut_s = np.maximum((last[cut] + 1) * slot_s - act_s[div_idx][cut], 0.0)  # from activation
    in_inc = [[t["serial"] for t in inc.terminals] for inc in incidents]
    div_set = set(serials[np.flatnonzero(diverted)].tolist())
    tp = sum(any(x in div_set for x in members) for members in in_inc)
    flat = [x for members in in_inc for x in members]
    return {
        "slots": s, "terminals": m, "diverted_kits": int(diverted.sum()), "diverted_kits_active": int(div_idx.size),
        "leakage_h": float(leak.sum() * h), "unauthorised_h": unauth_h,
        "leakage_pct": 100.0 * float(leak.sum() * h) / unauth_h if unauth_h else 0.0, "leakage_by_cause_h": leak_by,
        "collateral_h": float(denied.sum() * h), "authorised_h": auth_h,
        "collateral_pct": 100.0 * float(denied.sum() * h) / auth_h if auth_h else 0.0,
        "collateral_by_cause_h": coll_by,
        "detected_pct": 100.0 * float(np.isfinite(detect).mean()) if detect.size else 0.0,
        "time_to_detect_median_min": _median_min(detect[np.isfinite(detect)]),
        "cut_off_pct": 100.0 * float(cut.mean()) if cut.size else 0.0,
        "time_to_cut_off_median_min": _median_min(cut_s),
        "incidents": len(incidents), "precision": tp / len(incidents) if incidents else None,
        "terminal_precision": sum(x in div_set for x in flat) / len(flat) if flat else None,
    }
