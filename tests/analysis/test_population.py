"""The population model: deterministic, vectorised, where the spec says, validated with clear errors; its records
carry only what an operator holds."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from leonet.access.borders import country_of
from leonet.errors import LeonetInputError
from leonet.population.generate import generate, load_use_area
from leonet.population.records import insert_records
from leonet.population.spec import Population
from leonet.scenario import load_scenario
from leonet.store.models import Account, Organisation, Terminal, Transfer
from leonet.store.session import open_store
from tests.analysis.conftest import SMALL


def test_same_seed_same_population_and_groups_independent(small_population):
    a, b = generate(small_population, 0), generate(small_population, 0)
    for k in ("serial", "lat0_deg", "lon0_deg", "gps", "route", "account_key", "speed_kmh"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    other = Population.model_validate({**SMALL, "seed": 4})
    assert not np.array_equal(generate(other, 0).lat0_deg, a.lat0_deg)
    # Dropping the sea group leaves the Ukrainian group's terminals unchanged.
    fewer = Population.model_validate({**SMALL, "legit": SMALL["legit"][:1]})
    c = generate(fewer, 0)
    ua = a.group == 0
    assert np.array_equal(c.lat0_deg[c.group == 0], a.lat0_deg[ua])


def test_placement_follows_the_spec(small_population):
    p = generate(small_population, 0)
    assert len(p) == 110 and p.diverted.sum() == 40
    ua = p.group == 0
    assert (country_of(p.lat0_deg[ua], p.lon0_deg[ua]) == "UA").all()
    occupied = load_use_area("occupied_side_illustrative", None)
    assert not shapely.contains_xy(occupied, p.lon0_deg[ua], p.lat0_deg[ua]).any()
    sea = p.group == 1
    assert (country_of(p.lat0_deg[sea], p.lon0_deg[sea]) == "").all()
    # Diverted kits: 5–30 km from the line (in a local km frame; 2 km for the flat-earth offsets), east of it.
    line = load_use_area("front_line_illustrative", None)
    d = p.diverted
    k = np.cos(np.deg2rad(48.5)) * 111.2
    km_line = shapely.transform(line, lambda xy: xy * [k, 111.2])
    km_pts = shapely.points(p.lon0_deg[d] * k, p.lat0_deg[d] * 111.2)
    dist_km = shapely.distance(km_line, km_pts)
    assert (dist_km <= 32.0).all() and (dist_km >= 3.0).all()
    west = shapely.transform(km_line, lambda xy: xy - [10.0, 0.0])  # the line moved 10 km west
    assert (shapely.distance(west, km_pts) > dist_km).all()
    spoofed = p.gps == 2
    assert spoofed.any() and (country_of(p.spoof_lat_deg[spoofed], p.spoof_lon_deg[spoofed]) != "RU").all()
    assert np.isnan(p.spoof_lat_deg[~spoofed]).all()
    # Residential dishes do not move; every plan comes from the mix.
    assert (p.speed_kmh[p.plan == 0] == 0).all()
    assert set(np.unique(p.plan[ua]).tolist()) <= {0, 1, 4}


def test_kits_on_a_lot_share_an_account(small_population):
    p = generate(small_population, 0)
    gulf = p.route == 0
    _, counts = np.unique(p.account_key[gulf], return_counts=True)
    assert counts.max() == 4 and counts.sum() == gulf.sum()
    legit = p.route < 0
    assert np.unique(p.account_key[legit]).size == legit.sum()


def test_scale_and_a_million_in_one_call():
    spec = Population.model_validate({**SMALL, "scale": 0.5})
    assert len(generate(spec, 0)) == 55
    big = Population.model_validate({"legit": [{**SMALL["legit"][0], "count": 1_000_000}]})
    p = generate(big, 1)
    assert len(p) == 1_000_000 and np.unique(p.serial).size == 1_000_000


@pytest.mark.parametrize(("patch", "needle"), [
    ({"legit": [{**SMALL["legit"][0], "plans": {"business": 1.0}}]}, "plans.business"),
    ({"legit": [{**SMALL["legit"][0], "country": "Ukraine"}]}, "ISO 3166-1"),
    ({"legit": [{**SMALL["legit"][1], "bbox": [21.0, 54.5, 15.0, 58.5]}]}, "bbox"),
    ({"diverted": [{**SMALL["diverted"][0], "spoof_to": None}]}, "spoof_to"),
    ({"diverted": [{**SMALL["diverted"][0], "routes": [{"chain": ["US", "AE"], "share": 1, "account_country": "AE",
                                                       "recorded_steps": 3}]}]}, "recorded_steps"),
])
def test_bad_spec_names_the_field(patch, needle):
    body = {**SMALL, **patch}
    with pytest.raises(ValueError) as exc:
        Population.model_validate(body)
    assert needle in str(exc.value)


def test_scenario_file_resolves_relative_geojson(tmp_path):
    line = tmp_path / "line.geojson"
    line.write_text('{"type": "LineString", "coordinates": [[37.0, 48.0], [38.0, 49.0]]}')
    text = ('start = 2026-03-01T12:00:00Z\nseed = 1\npops = []\ngateways = []\n[population]\n'
            '[[population.diverted]]\nname = "x"\ncount = 5\nsource = "test"\nuse_area = "line.geojson"\n'
            '[[population.diverted.routes]]\nchain = ["US", "RU"]\nshare = 1\naccount_country = "RU"\n')
    (tmp_path / "s.toml").write_text(text)
    sc = load_scenario(tmp_path / "s.toml")
    assert len(generate(sc.population, sc.seed)) == 5
    (tmp_path / "s.toml").write_text(text.replace("line.geojson", "missing.geojson"))
    with pytest.raises(LeonetInputError, match="missing.geojson"):
        generate(load_scenario(tmp_path / "s.toml").population, 1)


def test_records_hold_only_what_the_operator_knows(small_population, tmp_path):
    p = generate(small_population, 0)
    sessions = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with sessions.begin() as s:
        counts = insert_records(s, p)
    with sessions.begin() as s:
        assert insert_records(s, p) == {"created": False}  # idempotent
    with sessions() as s:
        assert s.execute(select(func.count()).select_from(Terminal)).scalar_one() == 110
        assert counts["terminals"] == 110
        n_acc = np.unique(p.account_key).size
        assert s.execute(select(func.count()).select_from(Account)).scalar_one() == n_acc
        # Gulf route: 2 of 3 sales recorded → the holder is the Kyrgyz trader, not the customer.
        gulf = str(p.serial[np.flatnonzero(p.route == 0)[0]])
        t = s.get(Terminal, gulf)
        holder = s.get(Organisation, t.holder_id)
        assert (holder.kind, holder.country) == ("reseller", "KG")
        steps = s.execute(select(Transfer.country).where(Transfer.terminal_serial == gulf)
                          .order_by(Transfer.seq)).scalars().all()
        assert steps == ["AE", "KG"]
        assert s.get(Account, t.account_id).home_country == "AE"
        ua = str(p.serial[np.flatnonzero(p.route == 1)[0]])
        assert s.execute(select(Transfer.country).where(Transfer.terminal_serial == ua)
                         .order_by(Transfer.seq)).scalars().all() == ["PL", "UA"]
        cols = {c.name for c in Terminal.__table__.columns} | {c.name for c in Account.__table__.columns}
        assert not {"diverted", "gps", "true_lat_deg"} & cols


@pytest.mark.postgres
def test_records_on_postgres_keep_sequences_usable(small_population, pg_url):
    """Explicit ids on PostgreSQL: the sequences are moved past them, so the next ordinary insert works."""
    import uuid

    from sqlalchemy import create_engine, text

    from leonet.access import service
    from leonet.store.session import normalise_url

    name = f"leonet_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    sessions = open_store(normalise_url(pg_url).rsplit("/", 1)[0] + f"/{name}")
    p = generate(small_population, 0)
    with sessions.begin() as s:
        insert_records(s, p)
    with sessions.begin() as s:
        org = service.create_org(s, "t", "A new reseller", "reseller", "PL")
        acct = service.create_account(s, "t", "ACC-NEW", "A new reseller", "roam", "PL")
    with sessions() as s:
        assert org.id > s.execute(select(func.count()).select_from(Organisation)).scalar_one() - 1
        assert s.execute(select(func.count()).select_from(Terminal)).scalar_one() == 110
        from leonet.access.reconcile import reconcile

        assert reconcile(s) == []  # the load's digest holds for rows read back from PostgreSQL too
        assert acct.id is not None


def test_activation_times_follow_the_spec_and_the_seed():
    spec = {**SMALL, "diverted": [{**SMALL["diverted"][0], "count": 400,
                                   "activation": {"at_start": 0.25, "over_s": 1800}}]}
    pop = generate(Population.model_validate(spec), 0, duration_s=3600.0)
    again = generate(Population.model_validate(spec), 0, duration_s=3600.0)
    assert np.array_equal(pop.active_from_s, again.active_from_s)
    div, legit = pop.active_from_s[pop.diverted], pop.active_from_s[~pop.diverted]
    assert (legit == 0).all()  # default: every legitimate terminal is on from the start
    assert 0.18 < (div == 0).mean() < 0.32 and div.max() <= 1800.0
    later = div[div > 0]
    assert abs(np.median(later) - 900.0) < 150.0  # uniform over 30 min
    # The activation draws have their own generator: positions and GPS do not move.
    base = generate(Population.model_validate({**SMALL, "diverted": [{**SMALL["diverted"][0], "count": 400}]}), 0,
                    duration_s=3600.0)
    assert np.array_equal(base.lat0_deg, pop.lat0_deg) and np.array_equal(base.gps, pop.gps)


def test_audit_verify_accepts_a_population_load_and_catches_edits_to_it(small_population, tmp_path):
    """The load is one audit record (counts, key ranges, a digest of the rows): `leonet audit verify` must not call
    every bulk-inserted row 'inserted directly', and must still catch a row added, deleted or edited behind the
    control plane's back."""
    from sqlalchemy import delete, text, update

    from leonet.access import seed, service
    from leonet.access.reconcile import reconcile

    p = generate(small_population, 0)
    sessions = open_store(f"sqlite:///{tmp_path / 'p.sqlite'}")
    with sessions.begin() as s:
        seed.load_example(s)
        insert_records(s, p)
    serial = str(p.serial[np.flatnonzero(p.route == 0)[0]])  # a Gulf kit: its chain stops at the Kyrgyz trader
    with sessions.begin() as s:  # later changes through the control plane are logged one by one
        holder = s.get(Organisation, s.get(Terminal, serial).holder_id).name
        service.record_sale(s, "t", serial, holder, "Gulf Sat Trading", datetime(2025, 12, 1, tzinfo=UTC),
                            "indirect", "AE")
    with sessions() as s:
        assert reconcile(s) == []
    with sessions.begin() as s:
        s.execute(update(Transfer).where(Transfer.terminal_serial == serial, Transfer.seq == 1).values(country="US"))
    with sessions() as s:
        assert any("transfers" in x and "population" in x for x in reconcile(s))
    with sessions.begin() as s:
        s.execute(update(Transfer).where(Transfer.terminal_serial == serial, Transfer.seq == 1).values(country="AE"))
        s.execute(delete(Transfer).where(Transfer.terminal_serial == str(p.serial[0])))
        s.execute(delete(Terminal).where(Terminal.serial == str(p.serial[0])))
    with sessions() as s:
        problems = reconcile(s)
        assert any("terminals" in x for x in problems) and any("transfers" in x for x in problems)
    with sessions.begin() as s:
        s.execute(text("INSERT INTO organisations (name, kind, country) VALUES ('Ghost', 'reseller', 'RU')"))
    with sessions() as s:
        assert any("organisations" in x for x in reconcile(s))
