"""The grid index against the exact polygon test, and known border towns (Natural Earth 1:10m)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leonet.access.borders import borders, country_of


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (50.45, 30.52, "UA"), (55.75, 37.62, "RU"), (52.3503, 14.5667, "PL"), (52.3417, 14.5500, "DE"),
    (47.7631, 18.1230, "SK"), (47.7405, 18.1195, "HU"), (57.7772, 26.0473, "EE"), (57.7753, 26.0183, "LV"),
    (48.5734, 7.7521, "FR"), (48.5700, 7.8150, "DE"), (40.0, -30.0, ""), (44.95, 34.10, "UA"),
])
def test_known_places(lat, lon, code):
    assert country_of(lat, lon) == code


def test_grid_agrees_with_exact_test_on_a_million_points():
    b = borders()
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 200_000)))
    lon = rng.uniform(-180, 180, 200_000)
    assert (b.index_batch(lat, lon) == b.exact_index(lat, lon)).all()


@settings(max_examples=300, deadline=None)
@given(st.floats(44.0, 53.0), st.floats(22.0, 41.0))
def test_grid_agrees_with_exact_test_near_eastern_european_borders(lat, lon):
    b = borders()
    assert b.index_batch(np.array([lat]), np.array([lon]))[0] == b.exact_index(np.array([lat]), np.array([lon]))[0]
