"""Named constellations.

Starlink Gen1: the five shells of the FCC's April 2021 modification order (FCC 21-48, SAT-MOD-20200417-00037),
4,408 satellites; Gen2A: the Dec 2022 partial grant (525/530/535 km at 53°/43°/33°, 28 × 120 each); Kuiper: the
FCC's July 2020 authorisation (FCC 20-102: 630 km/51.9° 34×34, 610 km/42° 36×36, 590 km/33° 28×28); OneWeb phase 1
(1,200 km, 87.9°, 12 × 49 — ITU/Ofcom filings as reported publicly).

Starlink Gen2 full (``starlink-gen2-full``, 29,988 satellites): the nine shells of SpaceX's Gen2 amended application
(IBFS/ICFS SAT-AMD-20210818-00105, "Configuration 1", January 2022 update) as tabulated in the FCC's December 2022
partial grant order (FCC 22-91, https://www.fcc.gov/document/fcc-partially-grants-spacex-gen2-broadband-satellite-application,
2022-12-01): 340/345/350 km at 53°/46°/38° (48 × 110 each), 360 km at 96.9° (30 × 120), 525/530/535 km at
53°/43°/33° (28 × 120 each — the part the order granted), 604 km at 148° (12 × 12) and 614 km at 115.7° (18 × 18).
Totals check against the order's summary: 19,440 at 340–360 km, 10,080 at 525–535 km, 468 retrograde at 604/614 km
(also https://convergedigest.blogspot.com/2022/12/fcc-clears-starlink-for-up-to-7500.html, 2022-12-01).
``starlink-all`` is Gen1 + Gen2 full (34,396 satellites). ISLs (+Grid) link satellites within each shell only.
Other sources in docs/references.md. Phasing factors are not published; F = 1 is used throughout (say so when it
matters).
"""

from __future__ import annotations

from leonet.errors import LeonetInputError
from leonet.orbits.walker import Constellation, Shell

_SHELL1 = Shell("starlink-shell1", 550.0, 53.0, 72, 22)

_GEN1 = (
    _SHELL1,
    Shell("starlink-shell2", 540.0, 53.2, 72, 22),
    Shell("starlink-shell3", 570.0, 70.0, 36, 20),
    Shell("starlink-shell4", 560.0, 97.6, 6, 58),
    Shell("starlink-shell5", 560.0, 97.6, 4, 43, raan0_deg=30.0),
)
_GEN2A = (
    Shell("starlink-gen2a-525", 525.0, 53.0, 28, 120),
    Shell("starlink-gen2a-530", 530.0, 43.0, 28, 120),
    Shell("starlink-gen2a-535", 535.0, 33.0, 28, 120),
)
_GEN2_FULL = (
    Shell("starlink-gen2-340", 340.0, 53.0, 48, 110),
    Shell("starlink-gen2-345", 345.0, 46.0, 48, 110),
    Shell("starlink-gen2-350", 350.0, 38.0, 48, 110),
    Shell("starlink-gen2-360", 360.0, 96.9, 30, 120),
    *_GEN2A,
    Shell("starlink-gen2-604", 604.0, 148.0, 12, 12),
    Shell("starlink-gen2-614", 614.0, 115.7, 18, 18),
)

_PRESETS: dict[str, tuple[Shell, ...]] = {
    "starlink-shell1": (_SHELL1,),
    "starlink-gen1": _GEN1,
    "starlink-gen2a": _GEN2A,
    "starlink-gen2-full": _GEN2_FULL,
    "starlink-all": _GEN1 + _GEN2_FULL,
    "kuiper": (
        Shell("kuiper-630", 630.0, 51.9, 34, 34),
        Shell("kuiper-610", 610.0, 42.0, 36, 36),
        Shell("kuiper-590", 590.0, 33.0, 28, 28),
    ),
    "oneweb": (Shell("oneweb-1200", 1200.0, 87.9, 12, 49, raan_spread_deg=180.0),),
}


def preset_names() -> list[str]:
    return sorted(_PRESETS)


def preset(name: str) -> Constellation:
    """The named constellation (see ``preset_names()``)."""
    try:
        return Constellation(name, _PRESETS[name])
    except KeyError:
        raise LeonetInputError(f"unknown preset; choose one of {', '.join(preset_names())}", field="preset",
                               value=name) from None
