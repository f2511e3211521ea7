"""The licensing table an analyst can check: every row sourced (URL + date) or marked unknown, no citation of a
file outside the repository, periods that do not overlap, and decisions that use the status valid at their time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leonet.access import seed, service
from leonet.access.codes import DisablementCode as C
from leonet.access.context import country_statuses, load_context
from leonet.access.policy import decide
from leonet.store.session import open_store

ROOT = Path(__file__).resolve().parents[2]


def test_every_row_has_a_public_source_or_is_unknown():
    rows = seed.licensing_rows()
    assert len(rows) > 90
    for r in rows:
        if r["source_url"] == "unknown":
            assert r["status"] == "unknown" and not r["source_date"], r
        else:
            assert re.match(r"https?://\S+$", r["source_url"]), r
            datetime.fromisoformat(r["source_date"])  # a date, not free text
            assert r["status"] in ("licensed", "not_licensed", "blocked"), r


def test_nothing_cites_a_file_outside_the_repository():
    bad = re.compile(r"starlink-facts\.md|ground-radio-facts\.md|shared/reference|/work/")
    offenders = []
    for base in ("src/leonet", "docs", "data", "benchmarks", "scripts"):
        for path in (ROOT / base).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".csv", ".toml", ".proto", ".ts", ".txt"} \
                    and "node_modules" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="ignore")
                offenders += [f"{path.relative_to(ROOT)}" for _ in bad.finditer(text)][:1]
    assert offenders == []


def test_periods_of_a_country_do_not_overlap():
    by_country: dict[str, list[tuple]] = {}
    for r in seed.licensing_rows():
        lo = datetime.fromisoformat(r["valid_from"]) if r["valid_from"] else datetime.min
        hi = datetime.fromisoformat(r["valid_to"]) if r["valid_to"] else datetime.max
        assert lo < hi, r
        by_country.setdefault(r["iso_a2"], []).append((lo, hi))
    for code, spans in by_country.items():
        spans.sort()
        for (_, a_hi), (b_lo, _) in zip(spans, spans[1:], strict=False):
            assert a_hi <= b_lo, code


@pytest.fixture()
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'lic.sqlite'}"
    with open_store(url).begin() as s:
        seed.load_example(s)
    return url


def test_decisions_use_the_status_valid_at_the_decision_time(store):
    """Ukraine: not licensed until 26 Feb 2022, licensed from then (data/licensing.csv)."""
    before, after = datetime(2022, 1, 10, tzinfo=UTC), datetime(2026, 3, 1, 12, tzinfo=UTC)
    with open_store(store)() as s:
        assert country_statuses(s, before)["UA"] == "not_licensed"
        assert country_statuses(s, after)["UA"] == "licensed"
        assert [p.status for p in service.country_history(s, "UA")] == ["not_licensed", "licensed"]
        old, new = load_context(s, before), load_context(s, after)
    assert decide(old, "ut-ua-kyiv-01", 50.45, 30.52, before).code == C.BLOCKED_COUNTRY
    assert decide(new, "ut-ua-kyiv-01", 50.45, 30.52, after).code == C.OKAY


def test_unknown_status_is_refused_with_its_reason(store):
    with open_store(store)() as s:
        assert country_statuses(s, datetime(2026, 3, 1, tzinfo=UTC))["TR"] == "unknown"
        ctx = load_context(s, datetime(2026, 3, 1, 12, tzinfo=UTC))
    d = decide(ctx, "ut-ua-roam-01", 39.93, 32.85)  # Ankara, on the roam plan
    assert d.code == C.BLOCKED_COUNTRY and "unknown licensing status" in d.reasons[0]


def test_countries_plainly_served_are_licensed_with_a_source():
    at = datetime(2026, 3, 1, tzinfo=UTC)
    st = seed.statuses_at(at)
    for cc in ("IT", "ES", "JP", "BR", "DE", "FR", "GB", "US", "PL", "UA", "AU", "MX"):
        assert st[cc] == "licensed", cc
    for cc in ("RU", "BY", "KP"):
        assert st[cc] == "blocked", cc
    assert seed.statuses_at(datetime(2022, 3, 1, tzinfo=UTC))["RU"] == "not_licensed"  # before the export ban


PLACES = {"RU": (55.75, 37.62), "BY": (53.9, 27.57), "KP": (39.03, 125.75), "TR": (39.93, 32.85),
          "IT": (41.9, 12.5)}
# Per plan, what a terminal whose account is at home in Italy is answered in each country (the shipped table).
EXPECTED = {
    "residential": {"RU": C.BLOCKED_COUNTRY, "BY": C.BLOCKED_COUNTRY, "KP": C.BLOCKED_COUNTRY,
                    "TR": C.BLOCKED_COUNTRY, "IT": C.OKAY},
    "roam": {"RU": C.BLOCKED_COUNTRY, "BY": C.BLOCKED_COUNTRY, "KP": C.BLOCKED_COUNTRY, "TR": C.BLOCKED_COUNTRY,
             "IT": C.OKAY},
    "maritime": {"RU": C.BLOCKED_COUNTRY, "BY": C.BLOCKED_COUNTRY, "KP": C.BLOCKED_COUNTRY,
                 "TR": C.BLOCKED_COUNTRY, "IT": C.OKAY},
    "aviation": {"RU": C.BLOCKED_COUNTRY, "BY": C.BLOCKED_COUNTRY, "KP": C.BLOCKED_COUNTRY,
                 "TR": C.UNDER_AVIATION_FLYOVER_LIMITS, "IT": C.OKAY},
    "government": {"RU": C.BLOCKED_COUNTRY, "BY": C.BLOCKED_COUNTRY, "KP": C.BLOCKED_COUNTRY, "TR": C.OKAY,
                   "IT": C.OKAY},
}


def test_each_plan_in_blocked_unknown_and_licensed_countries():
    """docs/access.md "Licensing status by plan": blocked (sanctions: RU, BY, KP) refuses every plan, government and
    aviation included; unknown is treated as not licensed (government exempt, aviation gets flyover limits)."""
    import numpy as np

    from leonet.access.borders import borders
    from leonet.access.policy import PLAN_MAX_SPEED_KMH, PLANS, PolicyContext, country_status_array, decide_batch
    from leonet.access.zones import ZoneIndex

    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    b = borders()
    italy = int(np.flatnonzero(b.codes == "IT")[0])
    n = len(PLANS)
    ctx = PolicyContext(
        at=at, policy_version="t", country_status=country_status_array(seed.statuses_at(at)),
        serials=np.array([f"ut-{k}" for k in range(n)]), account_of=np.arange(n), hardware_ok=np.ones(n, bool),
        plan=np.arange(n), status=np.array(["active"] * n), home=np.full(n, italy),
        service_lat=np.full(n, 41.9), service_lon=np.full(n, 12.5), service_radius_km=np.full(n, np.inf),
        max_speed_kmh=np.array([PLAN_MAX_SPEED_KMH[p] for p in PLANS]), abroad_days=np.zeros(n),
        allowed_keys=np.zeros(0, np.int64), has_allowed=np.zeros(n, bool), zones=ZoneIndex([]),
        whitelist=[], speed_exempt=[], data_cap_gb=np.full(n, np.inf), data_used_gb=np.zeros(n),
        data_used_stamp=np.zeros(n))
    for plan, want in EXPECTED.items():
        for cc, code in want.items():
            lat, lon = PLACES[cc]
            serial = f"ut-{PLANS.index(plan)}"
            got = decide_batch(ctx, np.array([serial]), np.array([lat]), np.array([lon]), at).codes[0]
            assert got == code, (plan, cc, C(got))


def test_a_new_period_trims_and_splits_the_periods_it_overlaps(store):
    t = [datetime(2030, m, 1, tzinfo=UTC) for m in (1, 3, 6)]
    with open_store(store).begin() as s:
        service.set_country(s, "test", "UA", "Ukraine", "blocked", "https://example.org/a", t[0], t[2])
        service.set_country(s, "test", "UA", "Ukraine", "not_licensed", "https://example.org/b", t[1], None)
    with open_store(store)() as s:
        spans = [(p.status, p.valid_from and p.valid_from.replace(tzinfo=UTC), p.valid_to and
                  p.valid_to.replace(tzinfo=UTC)) for p in service.country_history(s, "UA")]
    assert spans[-3:] == [("licensed", datetime(2022, 2, 26, tzinfo=UTC), t[0]), ("blocked", t[0], t[1]),
                          ("not_licensed", t[1], None)]
