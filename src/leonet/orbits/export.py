"""Write a Walker constellation as TLEs, so other tools (and SGP4) can fly the same satellites."""

from __future__ import annotations

import numpy as np

from leonet.orbits.tle import format_tle
from leonet.orbits.walker import Constellation

_XKE = 60.0 / np.sqrt(6378.135**3 / 398600.8)  # SGP4 WGS72: sqrt(GM) in Earth radii^1.5 per minute
_J2_WGS72 = 0.001082616


def kozai_mean_motion_rev_day(brouwer_rad_s: float, inclination_deg: float) -> float:
    """The TLE (Kozai) mean motion whose SGP4 'un-Kozai' recovery gives ``brouwer_rad_s`` (e = 0)."""
    target = brouwer_rad_s * 60.0  # rad/min
    cos_i = np.cos(np.deg2rad(inclination_deg))
    factor = 0.75 * _J2_WGS72 * (3 * cos_i**2 - 1)
    n_k = target
    for _ in range(30):  # fixed point on n_k = n0'' (1 + δ0(n_k)), as in SGP4's initialisation
        a1 = (_XKE / n_k) ** (2.0 / 3.0)
        d1 = factor / a1**2
        a0 = a1 * (1 - d1 / 3 - d1**2 - 134.0 / 81.0 * d1**3)
        n_k = target * (1 + factor / a0**2)
    return float(n_k * 1440.0 / (2 * np.pi))


def constellation_tles(constellation: Constellation, first_catnum: int = 90000) -> str:
    """3-line TLEs for every satellite (index order), epoch = the constellation's epoch."""
    lines = []
    index = 0
    for shell in constellation.shells:
        raan, u = shell.elements()
        n = np.sqrt(398_600.4418 / shell.semi_major_axis_km**3)
        mm = kozai_mean_motion_rev_day(n, shell.inclination_deg)
        for r, a in zip(np.rad2deg(raan), np.rad2deg(u), strict=True):
            catnum = (first_catnum + index) % 100000
            lines.append(format_tle(f"{shell.name}-{index}", catnum, constellation.epoch, shell.inclination_deg,
                                    float(r), 0.0, 0.0, float(a), mm))
            index += 1
    return "".join(lines)
