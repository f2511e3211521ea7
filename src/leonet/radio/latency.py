"""What the dish reports as ``pop_ping_latency_ms`` and ``pop_ping_drop_rate``, second by second.

latency = propagation RTT to the PoP and back (the engine's path, unchanged)
        + user-link access delay (frame alignment; on the uplink the request–grant exchange with the satellite's
          scheduler, which processes packets on board — Mike Puchol, 2021-06-09,
          https://lists.bufferbloat.net/pipermail/starlink/attachments/20210609/c34805a3/attachment.html)
        + processing + queueing that grows with the beam's utilisation (bufferbloat: "RTTs can be in the 100's of
          ms ... these RTTs accrue in the Starlink network", U. Speidel 2023-05-13,
          https://lists.bufferbloat.net/pipermail/starlink/2023-May/001867.html)
        + at each global reconfiguration (slot boundary, seconds 12/27/42/57) the measured spike, and jitter.
drop  = small at slot boundaries (~1 % loss bursts, https://blog.wirelessmoves.com/2024/07/analyzing-packet-loss-
        in-starlink.html, 2024) and larger when the serving satellite changes (loss correlated with handovers,
        Kassem et al., IMC 2022, https://openreview.net/forum?id=09EcD8pU0GD).
Every parameter is a field of ``LatencyParams`` (= the scenario's ``[latency]`` section) with its source there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet import C_KM_S
from leonet.radio import noise


@dataclass(frozen=True)
class LatencyParams:
    # Downlink OFDM frame 1/750 s ≈ 1.33 ms (Aerospace Corp., "Position and Navigation Using Starlink", IEEE
    # Aerospace 2024, https://www.scribd.com/document/837412490/Position-and-Navigation-Using-Starlink).
    frame_ms: float = 1000.0 / 750.0
    # Frames between a granted request and the data on air (grant decode + the transmit frame) [assumption: the
    # minimum request–grant cycle of a frame-based MAC: one frame to receive the grant, one to send].
    request_grant_frames: float = 2.0
    # Processing in dish, satellite, gateway and PoP router together [assumption; "processing delay isn't a huge
    # factor because we also see RTTs well under 30 ms", Speidel 2023-05-13 (URL above)].
    processing_ms: float = 2.0
    # Jitter: mean successive-RTT difference 6.7 ms (G. Huston/APNIC, May 2024,
    # https://www.theregister.com/2024/05/22/starlink_tcp_performance_evaluation/). Half-normal |N(0, σ)| per
    # ping; i.i.d. half-normal samples plus the two frame-alignment uniforms have E|X1 − X2| ≈ 0.67σ (numerical),
    # so σ = 10 ms reproduces 6.7 ms (benchmarks/fidelity_vs_measured.py prints the simulated figure).
    jitter_sigma_ms: float = 10.0
    # Queueing: M/M/1 waiting time ρ/(1 − ρ) × service time (one frame), capped by the buffer; the cap from
    # Speidel's "100's of ms" (URL above).
    max_queue_ms: float = 150.0
    # Reconfiguration spikes: ≈140 ms at the start and ≈75 ms at the end of each 15-s period (Aalborg University,
    # arXiv 2601.08439, 2026, https://arxiv.org/html/2601.08439v1); lasting ``spike_window_ms`` of the second
    # [assumption: the paper reports the peak, a 1-s average sees peak × window/1000].
    spike_start_ms: float = 140.0
    spike_end_ms: float = 75.0
    spike_window_ms: float = 100.0
    # Loss: 1 % bursts at reconfigurations (wirelessmoves 2024); at a satellite change [assumption: 10 %, between
    # the 1 % bursts and the "up to 50 %" worst case of Kassem et al. IMC 2022].
    reconfig_drop_rate: float = 0.01
    handover_drop_rate: float = 0.10
    idle_drop_rate: float = 0.0


@dataclass(frozen=True)
class NoiseKey:
    """Where the random terms of a block of seconds come from: seed, slot index, terminal indices (M,), seconds in
    the slot (S,). The same key gives the same numbers whatever else is computed (``leonet.radio.noise``)."""

    seed: int
    slot: int
    terminal: np.ndarray
    second: np.ndarray

    def uniform(self, stream: int) -> np.ndarray:
        return noise.uniform(self.seed, self.slot, self.terminal, self.second, stream)

    def normal(self, stream: int) -> np.ndarray:
        return noise.normal(self.seed, self.slot, self.terminal, self.second, stream)


def access_ms(up_range_km, key: NoiseKey, p: LatencyParams):
    """User-link access delay (ms) of one ping per (terminal, second): downlink frame alignment + one frame; uplink:
    wait for a request opportunity, request/grant round trip to the satellite, then the granted frames."""
    r = np.asarray(up_range_km, float)
    f = p.frame_ms
    return key.uniform(1) * f + f + key.uniform(2) * f + 2.0 * r / C_KM_S * 1000.0 + p.request_grant_frames * f


def mean_access_ms(up_range_km, p: LatencyParams):
    """Expectation of ``access_ms``."""
    up_ms = 2.0 * np.asarray(up_range_km, float) / C_KM_S * 1000.0
    return 2.0 * p.frame_ms + up_ms + p.request_grant_frames * p.frame_ms


def queue_ms(utilisation, p: LatencyParams):
    """Mean queueing delay (ms) at air-time utilisation ρ (0–1): ρ/(1 − ρ) frames, capped at ``max_queue_ms``."""
    rho = np.clip(np.asarray(utilisation, float), 0.0, 1.0)
    with np.errstate(divide="ignore"):
        w = np.where(rho < 1.0, rho / (1.0 - rho) * p.frame_ms, np.inf)
    return np.minimum(w, p.max_queue_ms)


def per_second(prop_rtt_ms, up_range_km, utilisation, slot_s: int, handover, key: NoiseKey, p: LatencyParams):
    """Per-second pop-ping latency (ms) and drop rate, shape (M, S) for the terminals and seconds of ``key``.

    prop_rtt_ms, up_range_km (M, S): propagation RTT to the PoP and the terminal→satellite range, each second
    (NaN where unserved); utilisation (M,): the beam's air-time utilisation; handover (M,) bool: the serving
    satellite changed at this slot's start."""
    prop = np.asarray(prop_rtt_ms, float)
    m, s = prop.shape
    served = np.isfinite(prop)
    sec = np.asarray(key.second)[None, :]
    first = sec == 0
    last = sec == slot_s - 1
    queue = queue_ms(np.asarray(utilisation, float), p)[:, None]
    lat = prop + access_ms(np.nan_to_num(np.asarray(up_range_km, float)), key, p) + p.processing_ms + queue
    lat = lat + np.abs(key.normal(3)) * p.jitter_sigma_ms
    lat = lat + np.where(first, p.spike_start_ms * p.spike_window_ms / 1000.0, 0.0)
    lat = lat + np.where(last, p.spike_end_ms * p.spike_window_ms / 1000.0, 0.0)
    lat = np.where(served, lat, np.nan)
    ho = np.asarray(handover, bool)[:, None]
    drop = np.full((m, s), p.idle_drop_rate)
    drop = np.where(first | last, np.maximum(drop, p.reconfig_drop_rate), drop)
    drop = np.where(first & ho, np.maximum(drop, p.handover_drop_rate), drop)
    drop = np.where(served, drop, 1.0)
    return lat, drop


def slot_mean(prop_rtt_ms, up_range_km, utilisation, slot_s: int, handover, p: LatencyParams):
    """Expected mean over a slot of ``per_second`` (M,), for telemetry: the slot-start geometry, no sampling."""
    prop = np.asarray(prop_rtt_ms, float)
    served = np.isfinite(prop)
    spikes = (p.spike_start_ms + (p.spike_end_ms if slot_s > 1 else 0.0)) * p.spike_window_ms / 1000.0 / slot_s
    lat = (prop + mean_access_ms(np.nan_to_num(np.asarray(up_range_km, float)), p) + p.processing_ms
           + queue_ms(utilisation, p) + p.jitter_sigma_ms * np.sqrt(2.0 / np.pi) + spikes)
    first = np.where(np.asarray(handover, bool), max(p.handover_drop_rate, p.reconfig_drop_rate),
                     max(p.reconfig_drop_rate, p.idle_drop_rate))
    last = max(p.reconfig_drop_rate, p.idle_drop_rate) if slot_s > 1 else 0.0
    drop = (first + last + max(slot_s - 2, 0) * p.idle_drop_rate) / slot_s
    return np.where(served, lat, np.nan), np.where(served, drop, 1.0)
