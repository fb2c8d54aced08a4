"""Phase-out progress and NEV share over a generated registry of 1,000,000 vehicles, against hand-written SQL.

Run from the repository root:

    .venv/bin/python bench/vehicles_progress.py [--rows 1000000] [--repeat 5]

Creates a throw-away PostgreSQL database, migrates it, fills `vehicle` with seeded-random rows in one
INSERT ... SELECT FROM generate_series (trucks of every stage and status, public-fleet vehicles of every
category and fuel, dated scrappings and upgrades) and loads the policy rules. Then times, in process through
the Flask test client (parsing, auth, SQL, serialisation), the city-wide calls
GET /api/v1/phaseout/progress (plan linfen_2020_china3, and by district) and GET /api/v1/nev/shares, each
next to one hand-written SQL statement giving the same counts. Prints one line per figure (name, value, unit,
baseline, ratio, goal: <= 2 s a call), then drops the database.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _support import throwaway_databases

from shared.auth import encode_token
from shared.config import Settings
from shared.migrate import upgrade

GOAL_SECONDS = 2.0

FILL = """
SELECT setseed(0.42);
INSERT INTO vehicle (plate, plate_colour, plate_raw, vehicle_class, body_type, fuel, emission_stage, stage_inferred,
    operating, owner_uscc, district_code, registration_date, status, status_date, out_of_service_on, left_on,
    prior_stage, stage_upgraded_on, replaces_plate, replaces_plate_colour, created_at, updated_at)
SELECT plate, 'yellow', plate, cls, body, fuel, stage, random() < 0.2, random() < 0.85,
    '91141002MA' || lpad((n % 500)::text, 7, '0') || 'X', district, reg,
    CASE WHEN gone IS NULL THEN 'active' ELSE how END, coalesce(gone, reg),
    gone, CASE WHEN how IN ('scrapped', 'deregistered', 'transferred_out') THEN gone END,
    CASE WHEN up THEN 'china_3' END, CASE WHEN up THEN DATE '2020-08-01' END,
    CASE WHEN random() < 0.1 THEN 'X' || n END, CASE WHEN random() < 0.1 THEN 'yellow' END, now(), now()
FROM (
  SELECT n, 'B' || lpad(n::text, 9, '0') AS plate,
    (ARRAY['N3','N2','N1','M3','M1'])[1 + floor(random() * 5)::int] AS cls,
    (ARRAY['tractor','dump','van','bus','taxi','sanitation','postal_express','official_car','logistics',
           'muck_truck','concrete_mixer'])[1 + floor(random() * 11)::int] AS body,
    (ARRAY['diesel','diesel','diesel','natural_gas','petrol','battery_electric','plug_in_hybrid'])
        [1 + floor(random() * 7)::int] AS fuel,
    (ARRAY['china_2','china_3','china_3','china_4','china_4','china_5','china_6a'])[1 + floor(random() * 7)::int]
        AS stage,
    (ARRAY['141002','141021','141023','141024','141081','141082'])[1 + floor(random() * 6)::int] AS district,
    DATE '2006-01-01' + floor(random() * 7000)::int AS reg,
    CASE WHEN random() < 0.4 THEN DATE '2019-01-01' + floor(random() * 2400)::int END AS gone,
    (ARRAY['scrapped','deregistered','transferred_out','plate_void'])[1 + floor(random() * 4)::int] AS how,
    random() < 0.01 AS up
  FROM generate_series(1, %(rows)s) AS n) AS g;
UPDATE vehicle SET status_date = registration_date, out_of_service_on = NULL, left_on = NULL, status = 'active'
  WHERE out_of_service_on < registration_date;
UPDATE vehicle SET emission_stage = 'china_5' WHERE stage_upgraded_on IS NOT NULL;
ANALYZE vehicle;
"""

PROGRESS_SQL = """
SELECT count(*),
  sum(CASE WHEN registration_date <= DATE '2020-03-13' AND (left_on IS NULL OR left_on > DATE '2020-03-13')
      AND (CASE WHEN stage_upgraded_on > DATE '2020-03-13' THEN prior_stage ELSE emission_stage END)
          IN ('china_0','china_1','china_2','china_3') THEN 1 ELSE 0 END),
  sum(CASE WHEN left_on <= DATE '2020-11-01' OR (CASE WHEN stage_upgraded_on > DATE '2020-11-01' THEN prior_stage
      ELSE emission_stage END) NOT IN ('china_0','china_1','china_2','china_3') THEN 1 ELSE 0 END)
FROM vehicle
WHERE fuel = 'diesel' AND vehicle_class IN ('N2','N3') AND operating
  AND ((registration_date <= DATE '2020-03-13' AND (left_on IS NULL OR left_on > DATE '2020-03-13')
        AND (CASE WHEN stage_upgraded_on > DATE '2020-03-13' THEN prior_stage ELSE emission_stage END)
            IN ('china_0','china_1','china_2','china_3'))
    OR (registration_date > DATE '2020-03-13' AND registration_date <= DATE '2020-11-01'
        AND (CASE WHEN stage_upgraded_on > registration_date THEN prior_stage ELSE emission_stage END)
            IN ('china_0','china_1','china_2','china_3')))
"""

NEV_SQL = """
SELECT body_type, fuel, count(*) FROM vehicle
WHERE body_type IN ('bus','taxi','sanitation','postal_express','official_car','logistics','muck_truck',
                    'concrete_mixer')
  AND registration_date <= DATE '2025-03-31' AND (out_of_service_on IS NULL OR out_of_service_on > DATE '2025-03-31')
GROUP BY body_type, fuel
UNION ALL
SELECT body_type, fuel, count(*) FROM vehicle
WHERE body_type IN ('bus','taxi','sanitation','postal_express','official_car','logistics','muck_truck',
                    'concrete_mixer')
  AND registration_date BETWEEN DATE '2024-12-06' AND DATE '2025-03-31'
GROUP BY body_type, fuel
"""


def _median_seconds(call, repeat: int) -> float:
    call()  # warm caches and plans
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    import psycopg

    import vehicles
    from shared.db import unit_of_work
    from shared.policy import load_rule_file, seed_rules
    from vehicles.models import PolicyRule

    with tempfile.TemporaryDirectory(prefix="lantian-bench-progress-") as tmp, throwaway_databases(
        "postgresql", ["vehicles"], Path(tmp), args.pg_admin_url
    ) as urls:
        url = urls["vehicles"]
        upgrade("vehicles", url)
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        started = time.perf_counter()
        with psycopg.connect(plain_url, autocommit=True) as connection:
            for statement in FILL.split(";\n"):
                if statement.strip():
                    connection.execute(statement.replace("%(rows)s", str(int(args.rows))))
        generated = time.perf_counter() - started
        key = secrets.token_hex(24)
        settings = Settings(service="vehicles", database_url=url, auth_database_url=f"sqlite+pysqlite:///{tmp}/a.db",
                            secret_key=key, var_dir=Path(tmp))  # fmt: skip
        upgrade("auth", settings.auth_database_url)
        app = vehicles.create_app(settings)
        with app.app_context(), unit_of_work() as session:
            seed_rules(session, PolicyRule, load_rule_file("vehicles"))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {encode_token(key, role='environment', name='bench')}"}

        def get(path: str, **query: str) -> None:
            response = client.get(path, query_string=query, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.get_data(as_text=True)[:500]}")

        with psycopg.connect(plain_url) as connection:
            population, baseline, eliminated = connection.execute(PROGRESS_SQL).fetchone()
            answer = client.get("/api/v1/phaseout/progress", headers=headers,
                                query_string={"plan": "linfen_2020_china3", "as_of": "2020-11-01"}).get_json()["city"]
            same = (answer["baseline"], answer["baseline"] + answer["added_since_baseline"], answer["eliminated"]) == (
                baseline, population, eliminated)
            if not same:
                raise RuntimeError(f"endpoint and SQL disagree: {answer} vs {(population, baseline, eliminated)}")
            progress_sql = _median_seconds(lambda: connection.execute(PROGRESS_SQL).fetchall(), args.repeat)
            nev_sql = _median_seconds(lambda: connection.execute(NEV_SQL).fetchall(), args.repeat)
        figures = [
            ("phase-out progress city-wide (linfen_2020_china3)", progress_sql, lambda: get(
                "/api/v1/phaseout/progress", plan="linfen_2020_china3", as_of="2020-11-01")),
            ("phase-out progress by district", progress_sql, lambda: get(
                "/api/v1/phaseout/progress", plan="linfen_2020_china3", as_of="2020-11-01", by="district")),
            ("NEV shares city-wide, 8 categories", nev_sql, lambda: get(
                "/api/v1/nev/shares", jurisdiction="linfen", as_of="2025-03-31", **{"from": "2024-12-06"})),
            ("NEV monthly trend, bus, 24 months", nev_sql, lambda: get(
                "/api/v1/nev/trend", jurisdiction="linfen", category="bus", from_month="2023-04",
                to_month="2025-03")),
        ]  # fmt: skip
        print(f"# {args.rows:,} vehicles generated in {generated:.1f} s (INSERT ... SELECT generate_series); "
              f"medians of {args.repeat} calls after one warm-up; phase-out answer = SQL answer "
              f"(baseline {baseline:,}, eliminated {eliminated:,})")
        print(f"hand-written SQL, phase-out counts, {progress_sql:.3f}, s, {progress_sql:.3f}, 1.00, (the baseline)")
        print(f"hand-written SQL, NEV counts, {nev_sql:.3f}, s, {nev_sql:.3f}, 1.00, (the baseline)")
        for name, baseline, call in figures:
            seconds = _median_seconds(call, args.repeat)
            print(f"{name}, {seconds:.3f}, s, {baseline:.3f}, {seconds / baseline:.2f}, <= {GOAL_SECONDS} s a call")
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
