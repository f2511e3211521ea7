"""Walker-delta shells and constellations made of them, with an analytic circular + J2 propagator.

Satellites are indexed shell by shell, plane by plane, slot by slot: index = offset(shell) + plane·S + slot.
The propagator is two-body circular motion plus the J2 secular drift of the ascending node and of the argument of
latitude (Vallado, *Fundamentals of Astrodynamics*, 4th ed., §9.6, for e = 0). Its error against SGP4 is stated in
docs/engine.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from leonet.errors import LeonetInputError
from leonet.orbits.frames import gmst82_rad, rotate_z
from leonet.orbits.timegrid import unix_s

MU_KM3_S2 = 398_600.4418  # WGS84 gravitational parameter
J2 = 1.08262668e-3  # WGS84 / EGM96 J2
RE_J2_KM = 6378.137


@dataclass(frozen=True)
class Shell:
    """One Walker shell: ``planes`` × ``sats_per_plane`` satellites on circular orbits at ``altitude_km``."""

    name: str
    altitude_km: float
    inclination_deg: float
    planes: int
    sats_per_plane: int
    phasing: int = 1  # Walker phasing factor F: adjacent planes are shifted by 360°·F/(P·S) in argument of latitude
    raan_spread_deg: float = 360.0  # 360 for a Walker delta, 180 for a Walker star
    raan0_deg: float = 0.0

    def __post_init__(self) -> None:
        checks = {"altitude_km": self.altitude_km > 100, "planes": self.planes >= 1,
                  "sats_per_plane": self.sats_per_plane >= 1, "inclination_deg": 0 <= self.inclination_deg <= 180,
                  "raan_spread_deg": 0 < self.raan_spread_deg <= 360,
                  "phasing": 0 <= self.phasing < max(1, self.planes)}
        for name, ok in checks.items():
            if not ok:
                raise LeonetInputError("out of range for a Walker shell", field=name, value=getattr(self, name))

    @property
    def num_sats(self) -> int:
        return self.planes * self.sats_per_plane

    @property
    def semi_major_axis_km(self) -> float:
        return RE_J2_KM + self.altitude_km

    def elements(self) -> tuple[np.ndarray, np.ndarray]:
        """Initial (RAAN, argument of latitude) in radians for every satellite, each (num_sats,)."""
        p = np.repeat(np.arange(self.planes), self.sats_per_plane)
        s = np.tile(np.arange(self.sats_per_plane), self.planes)
        raan = np.deg2rad(self.raan0_deg + p * self.raan_spread_deg / self.planes)
        u = 2 * np.pi * (s / self.sats_per_plane + self.phasing * p / (self.planes * self.sats_per_plane))
        return raan, u

    def rates_rad_s(self) -> tuple[float, float]:
        """Secular (dRAAN/dt, du/dt) in rad/s for a circular orbit under J2."""
        a = self.semi_major_axis_km
        n = np.sqrt(MU_KM3_S2 / a**3)
        k = 1.5 * J2 * (RE_J2_KM / a) ** 2
        cos_i = np.cos(np.deg2rad(self.inclination_deg))
        raan_dot = -k * n * cos_i
        # du/dt = dω/dt + dM/dt, e = 0: (3/4)nJ2(R/a)²(5cos²i − 1) + n[1 + (3/4)J2(R/a)²(3cos²i − 1)]
        u_dot = n + 0.5 * k * n * (5 * cos_i**2 - 1) + 0.5 * k * n * (3 * cos_i**2 - 1)
        return float(raan_dot), float(u_dot)


@dataclass(frozen=True)
class Constellation:
    """Shells flown together; ``epoch`` is when each shell's ``elements()`` hold."""

    name: str
    shells: tuple[Shell, ...]
    epoch: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))

    @property
    def num_sats(self) -> int:
        return sum(s.num_sats for s in self.shells)

    @property
    def shell_offsets(self) -> np.ndarray:
        """Index of each shell's first satellite, shape (len(shells) + 1,)."""
        return np.concatenate([[0], np.cumsum([s.num_sats for s in self.shells])]).astype(np.int64)

    @property
    def shell_of(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.shells)), [s.num_sats for s in self.shells])

    @property
    def plane_of(self) -> np.ndarray:
        return np.concatenate([np.repeat(np.arange(s.planes), s.sats_per_plane) for s in self.shells])

    @property
    def slot_of(self) -> np.ndarray:
        return np.concatenate([np.tile(np.arange(s.sats_per_plane), s.planes) for s in self.shells])

    def with_epoch(self, epoch: datetime) -> Constellation:
        return Constellation(self.name, self.shells, epoch)

    def _element_arrays(self):
        raan0, u0, raan_dot, u_dot, inc, a = [], [], [], [], [], []
        for s in self.shells:
            r, u = s.elements()
            rd, ud = s.rates_rad_s()
            raan0.append(r)
            u0.append(u)
            raan_dot.append(np.full(s.num_sats, rd))
            u_dot.append(np.full(s.num_sats, ud))
            inc.append(np.full(s.num_sats, np.deg2rad(s.inclination_deg)))
            a.append(np.full(s.num_sats, s.semi_major_axis_km))
        return [np.concatenate(v) for v in (raan0, u0, raan_dot, u_dot, inc, a)]

    def positions_eci_km(self, t_unix_s: np.ndarray) -> np.ndarray:
        """Mean-equator (TEME-like) positions at Unix seconds (T,) → (T, N, 3) km."""
        raan0, u0, raan_dot, u_dot, inc, a = self._element_arrays()
        dt = np.asarray(t_unix_s, dtype=np.float64)[:, None] - unix_s(self.epoch)
        raan = raan0 + raan_dot * dt
        u = u0 + u_dot * dt
        cr, sr, cu, su, ci, si = np.cos(raan), np.sin(raan), np.cos(u), np.sin(u), np.cos(inc), np.sin(inc)
        out = np.empty(u.shape + (3,))
        out[..., 0] = a * (cr * cu - sr * su * ci)
        out[..., 1] = a * (sr * cu + cr * su * ci)
        out[..., 2] = a * su * si
        return out

    def positions_ecef_km(self, t_unix_s: np.ndarray, dut1_s: float = 0.0) -> np.ndarray:
        """ECEF positions (T, N, 3) km at Unix seconds (T,)."""
        t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
        return rotate_z(self.positions_eci_km(t), gmst82_rad(t, dut1_s))
