"""Counter-based random numbers: a value depends only on (seed, slot, terminal, second, stream), never on how many
numbers were drawn before or for whom. So the slot's vectorised model for all terminals and the dish's on-demand
seconds for one terminal see the same draws. SplitMix64 finaliser (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), vectorised with NumPy uint64 arithmetic."""

from __future__ import annotations

import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def uniform(seed: int, slot: int, terminal, second, stream: int) -> np.ndarray:
    """U[0, 1) of shape broadcast(terminal[:, None], second[None, :]) (terminal (M,), second (S,) ints)."""
    t = np.asarray(terminal, dtype=np.uint64)[:, None]
    s = np.asarray(second, dtype=np.uint64)[None, :]
    with np.errstate(over="ignore"):
        key = _mix(np.uint64(seed & 0xFFFFFFFFFFFF) * _GAMMA + np.uint64(stream))
        key = _mix(key ^ (np.uint64(slot & 0xFFFFFFFFFFFF) * _GAMMA))
        z = _mix(key ^ (t * _GAMMA)) ^ (s * _M1)
        z = _mix(z + _GAMMA)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def normal(seed: int, slot: int, terminal, second, stream: int) -> np.ndarray:
    """Standard normal (Box–Muller on two counter-based uniforms)."""
    u1 = uniform(seed, slot, terminal, second, 2 * stream + 1)
    u2 = uniform(seed, slot, terminal, second, 2 * stream + 2)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
