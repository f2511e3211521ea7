"""Zone geometry at the edge: GeoJSON positions (2 or 3 numbers), the cells a ``disabled_cells`` zone switches off
(where it was drawn, bounded in number) and zone areas built once per content, not at every policy reload."""

from __future__ import annotations

import pytest
import shapely

from leonet.access import zones
from leonet.access.zones import MAX_DISABLED_CELLS, check_disabled_cells, validate_geojson, zone_area
from leonet.errors import LeonetInputError


def _ring(*positions):
    return {"type": "Polygon", "coordinates": [list(positions)]}


@pytest.mark.parametrize("bad", [[31, 50, 0, 1], [31, True], [31, 50, "x"], [31]])
def test_a_position_is_two_or_three_finite_numbers(bad):
    with pytest.raises(LeonetInputError) as e:
        validate_geojson(_ring([30, 50], bad, [31, 51], [30, 50]))
    assert e.value.field == "geometry.coordinates[0][1]"


def test_altitudes_are_accepted_and_dropped_even_when_mixed():
    geom = validate_geojson(_ring([30, 50, 120.5], [31, 50], [31, 51, 0], [30, 50, 120.5]))
    assert not geom.has_z and geom.area == pytest.approx(0.5)


def test_disabled_cells_are_where_the_zone_was_drawn_even_when_it_spans_180_degrees_of_longitude():
    """H3 reads a polygon 180° wide or more as crossing the antimeridian; every zone is read as drawn."""
    area = zone_area("disabled_cells", _ring([-100, 0], [100, 0], [100, 0.5], [-100, 0.5], [-100, 0]))
    assert area.contains(shapely.Point(0, 0.25)) and area.contains(shapely.Point(-99.5, 0.25))
    assert not area.contains(shapely.Point(179, 0.25)) and not area.contains(shapely.Point(-179, 0.25))


def test_a_disabled_cells_zone_too_large_to_switch_off_cell_by_cell_is_refused(monkeypatch):
    import h3

    monkeypatch.setattr(h3, "geo_to_cells", lambda *a: pytest.fail("cells listed before the size check"))
    with pytest.raises(LeonetInputError) as e:
        check_disabled_cells(validate_geojson(_ring([0, -60], [170, -60], [170, 60], [0, 60], [0, -60])))
    assert e.value.field == "geometry" and "at most" in str(e.value)
    check_disabled_cells(validate_geojson(_ring([30, 45], [40, 45], [40, 52], [30, 52], [30, 45])))  # ~2,300 cells


def test_the_cell_estimate_matches_the_cells_listed():
    import h3

    geom = validate_geojson(_ring([22, 44], [42, 44], [42, 54], [22, 54], [22, 44]))
    listed = len(h3.geo_to_cells(geom.__geo_interface__, zones.DISABLED_CELL_RESOLUTION))
    # H3 joins vertices by great circles, the estimate by lines of constant latitude: a few per cent apart here
    assert zones.disabled_cell_estimate(geom) == pytest.approx(listed, rel=0.05)
    assert listed < MAX_DISABLED_CELLS


def test_a_zone_area_is_built_once_per_content(monkeypatch):
    calls = []
    real = zones.cells_geometry
    monkeypatch.setattr(zones, "cells_geometry", lambda g: calls.append(1) or real(g))
    geometry = _ring([10.125, 40.5], [10.5, 40.5], [10.5, 40.75], [10.125, 40.5])
    first = zone_area("disabled_cells", geometry)
    assert zone_area("disabled_cells", dict(geometry)) is first and len(calls) == 1
    zone_area("blocked_area", geometry)
    assert len(calls) == 1  # another kind: the polygon itself, no cells
