"""One decision core: ``decide`` (one terminal) is ``decide_batch`` on one row. Property test over the whole globe,
every plan and every zone kind (blocked area, whitelist-only, monitoring, disabled cells, validity windows, speed
cut-offs, whitelists and speed exemptions): a batch of M rows answers each row exactly as that row alone (code and
reasons). Hand-checked cases per code on a small context whose every input is written out below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leonet.access.borders import borders
from leonet.access.codes import DisablementCode as C
from leonet.access.policy import PLAN_MAX_SPEED_KMH, PLANS, PolicyContext, country_status_array, decide, decide_batch
from leonet.access.zones import ZONE_KINDS, ZoneIndex, ZoneRule, zone_area

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATUSES = ("licensed", "not_licensed", "blocked")
ACCOUNT_STATUSES = ("active", "active", "active", "suspended", "disabled")
CITIES = [(50.45, 30.52), (55.75, 37.62), (35.69, 139.69), (-33.87, 151.21), (40.71, -74.01), (-23.55, -46.63),
          (59.38, 28.19), (-17.8, 178.0), (-16.8, -179.9), (64.73, 177.5), (1.29, 103.85), (30.04, 31.24)]


def _box(lat0, lon0, dlat, dlon):
    lat1, lon1 = min(lat0 + dlat, 89.0), min(lon0 + dlon, 180.0)
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1],
                                                [lon0, lat0]]]}


@st.composite
def zones_st(draw):
    n = draw(st.integers(0, 6))
    out = []
    for k in range(n):
        kind = draw(st.sampled_from(ZONE_KINDS))
        lat0 = draw(st.floats(-85.0, 80.0))
        lon0 = draw(st.floats(-180.0, 170.0))
        size = draw(st.floats(0.2, 0.8)) if kind == "disabled_cells" else draw(st.floats(0.5, 30.0))
        start = draw(st.none() | st.integers(-30, 30).map(lambda d: AT + timedelta(days=d)))
        stop = draw(st.none() | st.integers(-30, 30).map(lambda d: AT + timedelta(days=d)))
        cap = draw(st.none() | st.floats(0.0, 500.0))
        geom = zone_area(kind, _box(lat0, lon0, size, size))
        out.append(ZoneRule(k + 1, f"z{k}", kind, geom, start, stop, f"reason {k}", cap))
    return out


@st.composite
def context_st(draw):
    b = borders()
    ncountry = len(b.codes) - 1
    statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=ncountry, max_size=ncountry))
    country_status = country_status_array(dict(zip(b.codes[:-1].tolist(), statuses, strict=True)))
    n_acct = draw(st.integers(1, 12))
    plan = np.array(draw(st.lists(st.integers(0, len(PLANS) - 1), min_size=n_acct, max_size=n_acct)))
    status = np.array(draw(st.lists(st.sampled_from(ACCOUNT_STATUSES), min_size=n_acct, max_size=n_acct)))
    home = np.array(draw(st.lists(st.integers(0, ncountry - 1), min_size=n_acct, max_size=n_acct)))
    city = draw(st.lists(st.sampled_from(CITIES), min_size=n_acct, max_size=n_acct))
    radius = np.array(draw(st.lists(st.sampled_from([np.inf, 5.0, 50.0, 500.0]), min_size=n_acct,
                                    max_size=n_acct)))
    abroad = np.array(draw(st.lists(st.sampled_from([0.0, 30.0, 61.0, 400.0]), min_size=n_acct, max_size=n_acct)))
    allowed = draw(st.lists(st.lists(st.integers(0, ncountry - 1), max_size=4), min_size=n_acct, max_size=n_acct))
    cap = np.array(draw(st.lists(st.sampled_from([np.inf, 50.0, 1000.0]), min_size=n_acct, max_size=n_acct)))
    used = np.array(draw(st.lists(st.sampled_from([0.0, 49.0, 60.0]), min_size=n_acct, max_size=n_acct)))
    n_term = draw(st.integers(1, 16))
    serials = np.array(sorted(f"ut-{i:03d}" for i in range(n_term)))
    account_of = np.array(draw(st.lists(st.integers(-1, n_acct - 1), min_size=n_term, max_size=n_term)))
    hardware_ok = np.array(draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n_term,
                                         max_size=n_term)))
    zones = draw(zones_st())
    whitelist = [np.unique(np.array(draw(st.lists(st.integers(0, n_term - 1), max_size=n_term)), dtype=np.int64))
                 for _ in zones]
    exempt = [np.unique(np.array(draw(st.lists(st.integers(0, n_term - 1), max_size=n_term)), dtype=np.int64))
              for _ in zones]
    keys = np.unique(np.array([a * 1024 + c for a, cs in enumerate(allowed) for c in cs], dtype=np.int64))
    return PolicyContext(
        at=AT, policy_version="audit-0", country_status=country_status, serials=serials, account_of=account_of,
        hardware_ok=hardware_ok, plan=plan, status=status, home=home,
        service_lat=np.array([c[0] for c in city]), service_lon=np.array([c[1] for c in city]),
        service_radius_km=radius, max_speed_kmh=np.array([PLAN_MAX_SPEED_KMH[PLANS[p]] for p in plan]),
        abroad_days=abroad, allowed_keys=keys, has_allowed=np.array([bool(a) for a in allowed]),
        zones=ZoneIndex(zones), whitelist=whitelist, speed_exempt=exempt, data_cap_gb=cap, data_used_gb=used,
        data_used_stamp=np.zeros(n_acct))


@st.composite
def rows_st(draw, ctx: PolicyContext):
    """Positions anywhere on the globe, inside/near zones, near cities and on the antimeridian; NaNs too."""
    m = draw(st.integers(1, 40))
    rows = []
    boxes = [z.geometry.bounds for z in ctx.zones.zones]
    for _ in range(m):
        how = draw(st.sampled_from(["globe", "city", "zone", "nan"] if boxes else ["globe", "city", "nan"]))
        if how == "globe":
            lat, lon = draw(st.floats(-90.0, 90.0)), draw(st.floats(-180.0, 180.0))
        elif how == "city":
            la, lo = draw(st.sampled_from(CITIES))
            lat = la + draw(st.floats(-0.3, 0.3))
            lon = float(np.clip(lo + draw(st.floats(-0.3, 0.3)), -180, 180))
        elif how == "zone":
            x0, y0, x1, y1 = draw(st.sampled_from(boxes))
            lat = draw(st.floats(max(-90.0, y0 - 0.1), min(90.0, y1 + 0.1)))
            lon = draw(st.floats(max(-180.0, x0 - 0.1), min(180.0, x1 + 0.1)))
        else:
            lat, lon = draw(st.sampled_from([(np.nan, 10.0), (95.0, 10.0), (10.0, 181.0)]))
        serial = draw(st.sampled_from([*ctx.serials.tolist(), "not-a-terminal"]))
        speed = draw(st.sampled_from([0.0, 5.0, 50.0, 150.0, 300.0, 1100.0]))
        rows.append((serial, lat, lon, speed))
    t = AT + timedelta(days=draw(st.integers(-40, 40)))
    return rows, t


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_batch_rows_equal_single_decisions_over_the_globe(data):
    ctx = data.draw(context_st())
    rows, t = data.draw(rows_st(ctx))
    serials = np.array([r[0] for r in rows])
    lat, lon, speed = (np.array([r[k] for r in rows], dtype=float) for k in (1, 2, 3))
    batch = decide_batch(ctx, serials, lat, lon, t, speed)
    for i, (serial, la, lo, sp) in enumerate(rows):
        single = decide(ctx, serial, la, lo, t, sp)
        assert int(single.code) == int(batch.codes[i]), (rows[i], single.reasons, batch.reasons(i))
        assert single.reasons == batch.reasons(i)
    # Permuting the rows permutes the answers: no row's answer depends on its neighbours.
    perm = np.random.default_rng(len(rows)).permutation(len(rows))
    again = decide_batch(ctx, serials[perm], lat[perm], lon[perm], t, speed[perm])
    assert (again.codes == batch.codes[perm]).all()


# --- hand-checked cases -------------------------------------------------------------------------------------------
# One context, every input explicit. Countries (fine borders): UA licensed, PL licensed, DE licensed, IR
# not_licensed, RU blocked, everything else not_licensed.
KYIV, LVIV, WARSAW, BERLIN, TEHRAN, MOSCOW = (50.45, 30.52), (49.84, 24.03), (52.23, 21.01), (52.52, 13.40), \
    (35.69, 51.39), (55.75, 37.62)
ATLANTIC = (40.0, -30.0)
ZONE_BOX = _box(48.0, 37.0, 1.0, 1.0)  # blocked area, terminal ut-06 whitelisted
WL_BOX = _box(49.0, 31.0, 1.0, 1.0)  # whitelist-only, ut-06 whitelisted
MON_BOX = _box(50.0, 30.0, 1.0, 1.0)  # monitoring: no effect, speed cut-off 20 km/h, ut-06 exempt
CELL_BOX = _box(46.55, 32.4, 0.25, 0.5)  # disabled cells
OLD_BOX = _box(51.0, 20.5, 1.5, 1.5)  # blocked area, expired on AT − 1 day (Warsaw inside)
FUTURE_BOX = _box(52.0, 13.0, 1.0, 1.0)  # blocked area from AT + 1 day (Berlin inside)
ACCTS = [  # plan, status, home, service lat/lon, radius, abroad days, allowed, cap, used
    ("residential", "active", "UA", KYIV, 50.0, 0, [], np.inf, 0),  # 0
    ("roam", "active", "UA", (np.nan, np.nan), np.inf, 70, [], np.inf, 0),  # 1: 70 days abroad
    ("roam", "active", "UA", (np.nan, np.nan), np.inf, 10, ["UA", "PL"], np.inf, 0),  # 2: allowed UA, PL
    ("maritime", "active", "PL", (np.nan, np.nan), np.inf, 0, [], np.inf, 0),  # 3
    ("aviation", "active", "DE", (np.nan, np.nan), np.inf, 0, [], np.inf, 0),  # 4
    ("government", "active", "UA", (np.nan, np.nan), np.inf, 0, [], np.inf, 0),  # 5
    ("residential", "suspended", "UA", KYIV, 50.0, 0, [], np.inf, 0),  # 6
    ("residential", "disabled", "UA", KYIV, 50.0, 0, [], np.inf, 0),  # 7
    ("residential", "active", "PL", WARSAW, 50.0, 0, [], 100.0, 120.0),  # 8: over its data cap
]
TERMS = [("ut-00", 0, True), ("ut-01", 1, True), ("ut-02", 2, True), ("ut-03", 3, True), ("ut-04", 4, True),
         ("ut-05", 5, True), ("ut-06", 5, True), ("ut-07", 6, True), ("ut-08", 7, True), ("ut-09", 0, False),
         ("ut-10", 8, True), ("ut-11", -1, True)]


@pytest.fixture(scope="module")
def hand_ctx() -> PolicyContext:
    b = borders()
    idx = {c: i for i, c in enumerate(b.codes.tolist())}
    statuses = {"UA": "licensed", "PL": "licensed", "DE": "licensed", "IR": "not_licensed", "RU": "blocked"}
    zones = [ZoneRule(1, "front", "blocked_area", zone_area("blocked_area", ZONE_BOX), None, None, "front line"),
             ZoneRule(2, "wl", "whitelist_only", zone_area("whitelist_only", WL_BOX), None, None, "registered only"),
             ZoneRule(3, "watch", "monitoring", zone_area("monitoring", MON_BOX), None, None, "watch", 20.0),
             ZoneRule(4, "cells", "disabled_cells", zone_area("disabled_cells", CELL_BOX), None, None, "cells off"),
             ZoneRule(5, "old", "blocked_area", zone_area("blocked_area", OLD_BOX), None, AT - timedelta(days=1),
                      "expired"),
             ZoneRule(6, "soon", "blocked_area", zone_area("blocked_area", FUTURE_BOX), AT + timedelta(days=1), None,
                      "not yet")]
    six = np.array([6], dtype=np.int64)
    keys = sorted(a * 1024 + idx[c] for a, acc in enumerate(ACCTS) for c in acc[6])
    return PolicyContext(
        at=AT, policy_version="audit-1", country_status=country_status_array(statuses),
        serials=np.array([t[0] for t in TERMS]), account_of=np.array([t[1] for t in TERMS]),
        hardware_ok=np.array([t[2] for t in TERMS]), plan=np.array([PLANS.index(a[0]) for a in ACCTS]),
        status=np.array([a[1] for a in ACCTS]), home=np.array([idx[a[2]] for a in ACCTS]),
        service_lat=np.array([a[3][0] for a in ACCTS]), service_lon=np.array([a[3][1] for a in ACCTS]),
        service_radius_km=np.array([a[4] for a in ACCTS], dtype=float),
        max_speed_kmh=np.array([PLAN_MAX_SPEED_KMH[a[0]] for a in ACCTS]),
        abroad_days=np.array([a[5] for a in ACCTS], dtype=float), allowed_keys=np.array(keys, dtype=np.int64),
        has_allowed=np.array([bool(a[6]) for a in ACCTS]), zones=ZoneIndex(zones),
        whitelist=[six, six, np.zeros(0, np.int64), six, np.zeros(0, np.int64), np.zeros(0, np.int64)],
        speed_exempt=[np.zeros(0, np.int64), np.zeros(0, np.int64), six, np.zeros(0, np.int64),
                      np.zeros(0, np.int64), np.zeros(0, np.int64)],
        data_cap_gb=np.array([a[7] for a in ACCTS], dtype=float), data_used_gb=np.array([a[8] for a in ACCTS],
                                                                                         dtype=float),
        data_used_stamp=np.zeros(len(ACCTS)))


HAND = [
    # UNKNOWN_LOCATION
    ("ut-00", np.nan, 30.0, 0, C.UNKNOWN_LOCATION), ("ut-00", 91.0, 30.0, 0, C.UNKNOWN_LOCATION),
    ("ut-11", 10.0, 200.0, 0, C.UNKNOWN_LOCATION),
    # NO_ACTIVE_ACCOUNT: no account, unknown serial, suspended
    ("ut-11", *KYIV, 0, C.NO_ACTIVE_ACCOUNT), ("nobody", *KYIV, 0, C.NO_ACTIVE_ACCOUNT),
    ("ut-07", *KYIV, 0, C.NO_ACTIVE_ACCOUNT),
    # ACCOUNT_DISABLED, UNSUPPORTED_VERSION
    ("ut-08", *KYIV, 0, C.ACCOUNT_DISABLED), ("ut-08", *ATLANTIC, 0, C.ACCOUNT_DISABLED),
    ("ut-09", *KYIV, 0, C.UNSUPPORTED_VERSION), ("ut-09", *MOSCOW, 0, C.UNSUPPORTED_VERSION),
    # BLOCKED_COUNTRY: blocked for everyone, not licensed except government; aviation gets flyover limits
    ("ut-00", *MOSCOW, 0, C.BLOCKED_COUNTRY), ("ut-05", *MOSCOW, 0, C.BLOCKED_COUNTRY),
    ("ut-01", *TEHRAN, 0, C.BLOCKED_COUNTRY), ("ut-05", *TEHRAN, 0, C.OKAY),
    ("ut-04", *TEHRAN, 500, C.UNDER_AVIATION_FLYOVER_LIMITS), ("ut-04", *MOSCOW, 500, C.BLOCKED_COUNTRY),
    # CELL_IS_DISABLED beats whitelists and plans
    ("ut-06", 46.65, 32.62, 0, C.CELL_IS_DISABLED), ("ut-03", 46.65, 32.62, 0, C.CELL_IS_DISABLED),
    # BLOCKED_AREA: blocked zone and whitelist-only zone, unless whitelisted; expired / future zones do nothing
    ("ut-05", 48.5, 37.5, 0, C.BLOCKED_AREA), ("ut-06", 48.5, 37.5, 0, C.OKAY),
    ("ut-01", 49.5, 31.5, 0, C.BLOCKED_AREA), ("ut-06", 49.5, 31.5, 0, C.OKAY),
    ("ut-03", *WARSAW, 0, C.OKAY), ("ut-03", *BERLIN, 0, C.OKAY),
    # MOVING_TOO_FAST_FOR_POLICY: plan limits, zone cut-off (monitoring zone with 20 km/h), exemption
    ("ut-00", *KYIV, 11, C.MOVING_TOO_FAST_FOR_POLICY), ("ut-01", *LVIV, 161, C.MOVING_TOO_FAST_FOR_POLICY),
    ("ut-01", *LVIV, 159, C.OKAY), ("ut-05", 50.5, 30.5, 25, C.MOVING_TOO_FAST_FOR_POLICY),
    ("ut-06", 50.5, 30.5, 25, C.OKAY), ("ut-05", 50.5, 30.5, 15, C.OKAY),
    # IN_OCEAN: residential and roam only; maritime and aviation fine at sea
    ("ut-00", *ATLANTIC, 0, C.IN_OCEAN), ("ut-01", *ATLANTIC, 0, C.IN_OCEAN),
    ("ut-03", *ATLANTIC, 30, C.OKAY), ("ut-04", *ATLANTIC, 900, C.OKAY),
    # OUTSIDE_HOME_REGION / TOO_FAR_FROM_SERVICE_ADDRESS (residential)
    ("ut-00", *WARSAW, 0, C.OUTSIDE_HOME_REGION), ("ut-00", *LVIV, 0, C.TOO_FAR_FROM_SERVICE_ADDRESS),
    ("ut-00", 50.6, 30.6, 0, C.OKAY),
    # ROAM_RESTRICTED: abroad over 60 days (home still fine); outside allowed regions
    ("ut-01", *WARSAW, 0, C.ROAM_RESTRICTED), ("ut-01", *LVIV, 0, C.OKAY),
    ("ut-02", *BERLIN, 0, C.ROAM_RESTRICTED), ("ut-02", *WARSAW, 0, C.OKAY),
    # DATA_OVERAGE_SANDBOX_POLICY: authorized but over its data
    ("ut-10", *WARSAW, 0, C.DATA_OVERAGE_SANDBOX_POLICY), ("ut-10", *BERLIN, 0, C.OUTSIDE_HOME_REGION),
]


@pytest.mark.parametrize(("serial", "lat", "lon", "speed", "code"), HAND)
def test_hand_checked_codes(hand_ctx, serial, lat, lon, speed, code):
    d = decide(hand_ctx, serial, lat, lon, AT, speed)
    assert d.code == code, d.reasons
    assert d.reasons


def test_every_code_the_policy_can_give_is_hand_checked():
    given_codes = {row[-1] for row in HAND}
    expected = {C.UNKNOWN_LOCATION, C.NO_ACTIVE_ACCOUNT, C.ACCOUNT_DISABLED, C.UNSUPPORTED_VERSION,
                C.UNDER_AVIATION_FLYOVER_LIMITS, C.BLOCKED_COUNTRY, C.CELL_IS_DISABLED, C.BLOCKED_AREA,
                C.MOVING_TOO_FAST_FOR_POLICY, C.IN_OCEAN, C.OUTSIDE_HOME_REGION, C.TOO_FAR_FROM_SERVICE_ADDRESS,
                C.ROAM_RESTRICTED, C.DATA_OVERAGE_SANDBOX_POLICY, C.OKAY}
    assert given_codes == expected


def test_validity_window_switches_a_zone_on_and_off(hand_ctx):
    assert decide(hand_ctx, "ut-03", *BERLIN, AT + timedelta(days=2), 0).code == C.BLOCKED_AREA
    assert decide(hand_ctx, "ut-03", *WARSAW, AT - timedelta(days=2), 0).code == C.BLOCKED_AREA
    assert shapely.Point(BERLIN[1], BERLIN[0]).within(hand_ctx.zones.zones[5].geometry)


def test_disabled_cells_across_the_antimeridian_make_a_valid_zone():
    """H3 cells that straddle 180° are cut into their two halves (found by the property test above)."""
    geom = zone_area("disabled_cells", _box(-35.5, 179.6, 0.6, 0.39))
    assert geom.is_valid and geom.bounds[0] >= -180 and geom.bounds[2] <= 180
    west = zone_area("disabled_cells", {"type": "Polygon", "coordinates": [[[-179.99, -35.4], [-179.7, -35.4],
                                                                            [-179.7, -35.1], [-179.99, -35.1],
                                                                            [-179.99, -35.4]]]})
    assert west.is_valid
