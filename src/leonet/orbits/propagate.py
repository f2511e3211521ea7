"""Satellite positions over time from any source: an analytic Walker constellation or SGP4 TLEs."""

from __future__ import annotations

import numpy as np
from sgp4.api import SatrecArray

from leonet.orbits.frames import teme_to_ecef_km
from leonet.orbits.timegrid import jd_split
from leonet.orbits.tle import TleSet
from leonet.orbits.walker import Constellation


def sgp4_teme_km(tles: TleSet, t_unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SGP4 (``sgp4.SatrecArray``) TEME positions (T, N, 3) km and error codes (T, N); 0 = ok.

    A satellite whose propagation fails at an instant (e.g. decayed) gets NaN positions there and its SGP4 error
    code, as a value, not an exception.
    """
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    jd, fr = jd_split(t)
    err, r, _v = SatrecArray(tles.satrecs).sgp4(jd, fr)  # (N, T), (N, T, 3)
    r = np.transpose(r, (1, 0, 2))
    err = err.T
    r[err != 0] = np.nan
    return r, err


def positions_ecef_km(source: Constellation | TleSet, t_unix_s: np.ndarray, dut1_s: float = 0.0) -> np.ndarray:
    """ECEF positions (T, N, 3) km of every satellite at Unix seconds (T,)."""
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    if isinstance(source, Constellation):
        return source.positions_ecef_km(t, dut1_s)
    r_teme, _err = sgp4_teme_km(source, t)
    return teme_to_ecef_km(r_teme, t, dut1_s)
