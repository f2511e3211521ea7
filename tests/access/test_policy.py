"""Decisions: rule order on the example dataset; a batch row answers as that terminal alone (``decide`` is the
batch core on one row: tests/access/test_decision_core.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leonet.access.codes import DisablementCode as C
from leonet.access.policy import decide, decide_batch

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)

SERIALS = ["ut-ua-kyiv-01", "ut-ua-kharkiv-01", "ut-ua-roam-01", "ut-grey-01", "ut-grey-02", "ut-ship-01",
           "ut-drone-01", "ut-mod-01", "unknown-serial"]


def test_codes_match_the_dish_enum():
    assert C.OKAY == 1 and C.BLOCKED_COUNTRY == 6 and C.ROAM_RESTRICTED == 10 and C.BLOCKED_AREA == 16
    assert C.OUTSIDE_HOME_REGION == 17 and C.MOVING_TOO_FAST_FOR_POLICY == 14 and C.UNKNOWN_STATE == 0
    assert 5 not in C._value2member_map_ and 9 not in C._value2member_map_  # reserved in firmware 2026.08


@pytest.mark.parametrize(("serial", "lat", "lon", "speed", "code"), [
    ("ut-ua-kyiv-01", 50.45, 30.52, 0, C.OKAY),
    ("ut-ua-kyiv-01", 49.0, 24.0, 0, C.TOO_FAR_FROM_SERVICE_ADDRESS),
    ("ut-ua-kyiv-01", 52.23, 21.01, 0, C.OUTSIDE_HOME_REGION),
    ("ut-ua-kyiv-01", 50.45, 30.52, 40, C.MOVING_TOO_FAST_FOR_POLICY),
    ("ut-grey-01", 50.60, 36.60, 0, C.BLOCKED_COUNTRY),
    ("ut-grey-02", 48.00, 38.00, 0, C.BLOCKED_AREA),
    ("ut-grey-02", 49.50, 31.00, 0, C.BLOCKED_AREA),  # whitelist-only region, not registered
    ("ut-mod-01", 48.00, 38.00, 120, C.OKAY),  # whitelisted, speed-exempt defence terminal
    ("ut-drone-01", 48.50, 35.00, 150, C.MOVING_TOO_FAST_FOR_POLICY),
    ("ut-ship-01", 55.00, 18.00, 30, C.OKAY),
    ("ut-ua-roam-01", 40.0, -30.0, 0, C.IN_OCEAN),
    ("unknown-serial", 50.0, 30.0, 0, C.NO_ACTIVE_ACCOUNT),
    ("ut-ua-roam-01", math.nan, 30.0, 0, C.UNKNOWN_LOCATION),
    ("ut-ua-kyiv-01", 46.65, 32.62, 0, C.CELL_IS_DISABLED),  # Kherson: disabled H3 cells (before home-region rules)
    ("ut-mod-01", 46.65, 32.62, 0, C.CELL_IS_DISABLED),  # a whitelist does not re-enable a disabled cell
])
def test_rule_outcomes(example_ctx, serial, lat, lon, speed, code):
    d = decide(example_ctx, serial, lat, lon, AT, speed)
    assert d.code == code, d.reasons
    assert d.reasons and d.policy_version.startswith("audit-")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SERIALS), st.floats(35.0, 62.0), st.floats(10.0, 45.0),
                          st.floats(0.0, 300.0)), min_size=1, max_size=30))
def test_single_and_batch_agree_exactly(example_ctx, rows):
    serials = np.array([r[0] for r in rows])
    lat = np.array([r[1] for r in rows])
    lon = np.array([r[2] for r in rows])
    speed = np.array([r[3] for r in rows])
    batch = decide_batch(example_ctx, serials, lat, lon, AT, speed)
    for i, (serial, la, lo, sp) in enumerate(rows):
        single = decide(example_ctx, serial, la, lo, AT, sp)
        assert single.code == batch.codes[i]
        assert single.reasons == batch.reasons(i)


def test_disabled_cells_zone_covers_whole_h3_cells(example_ctx):
    """The disabled area is the union of the H3 res-5 cells whose centres lie in the drawn polygon: a point inside
    such a cell but outside the polygon is disabled too, and a point outside every cell is not."""
    import h3

    zone = next(z for z in example_ctx.zones.zones if z.kind == "disabled_cells")
    cells = h3.geo_to_cells({"type": "Polygon", "coordinates": [[[32.40, 46.55], [32.90, 46.55], [32.90, 46.80],
                                                                  [32.40, 46.80], [32.40, 46.55]]]}, 5)
    assert len(cells) >= 3
    for cell in cells:
        lat, lon = h3.cell_to_latlng(cell)
        assert decide(example_ctx, "ut-mod-01", lat, lon, AT, 0).code == C.CELL_IS_DISABLED
    minx, miny, maxx, maxy = zone.geometry.bounds
    assert decide(example_ctx, "ut-mod-01", maxy + 0.05, maxx + 0.05, AT, 0).code != C.CELL_IS_DISABLED
