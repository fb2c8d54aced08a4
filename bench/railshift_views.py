"""railshift's official views over 2,000 enterprises x 24 months, against one hand-written SQL statement.

Run from the repository root:

    .venv/bin/python bench/railshift_views.py [--enterprises 2000] [--months 24] [--repeat 7]

It creates a throw-away PostgreSQL database (and an auth one), migrates them, seeds the policy rules and
targets.yaml, generates seeded-random enterprises in one city and their approved declarations by COPY (5% of
enterprise-months carry a corrected second version), then times each view through the app in this process
(Flask test client: routing, auth, query, judging every target, JSON) and the same ranking from one hand-written
SQL statement. One line per figure: name, value, unit, baseline, ratio, goal. The goal of issue 7 is a
city-month view within 1 s. Drops the databases at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import io
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NoReturn

from _support import throwaway_databases

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shared.auth import encode_token  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.identifiers import uscc_check_character  # noqa: E402

SEED = 20251231
CITY = "141000"
DISTRICTS = ["141002", "141021", "141022", "141023", "141024", "141025", "141026", "141081", "141082"]
INDUSTRIES = ["steel", "coking", "power", "alumina", "cement", "glass", "coal_mining", "nonferrous", "other"]
SIDINGS = ["none", "planned", "under_construction", "in_service", "in_service"]
GOODS = ["coal", "coke", "iron_ore", "other_bulk", "other"]
MODES = ["rail", "pipeline", "closed_belt", "new_energy_truck", "china_6_truck", "china_5_truck", "other_road"]
BULK = ("coal", "coke", "iron_ore", "other_bulk")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=2000, help="enterprises in the city (default 2000)")
    parser.add_argument("--months", type=int, default=24, help="months of declarations, ending 2025-12 (default 24)")
    parser.add_argument("--lines", type=int, default=10, help="lines per declaration (default 10)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure; the median is printed")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if args.enterprises < 1 or not 1 <= args.months <= 120 or not 1 <= args.lines <= 35 or args.repeat < 1:
        parser.error("--enterprises >= 1, --months 1..120, --lines 1..35, --repeat >= 1")
    return args


def month_list(count: int) -> list[str]:
    out, year, mon = [], 2025, 12
    for _ in range(count):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    return sorted(out)


def generate(url: str, args: argparse.Namespace) -> tuple[int, int, str]:
    """COPY enterprises, declarations and lines; returns (declarations, lines, one credit code)."""
    import psycopg

    rng = random.Random(SEED)
    months = month_list(args.months)
    enterprises, declarations, lines = io.StringIO(), io.StringIO(), io.StringIO()
    now = "2026-01-05 00:00:00+00"
    declaration_id = line_id = 0
    first_uscc = ""
    for eid in range(1, args.enterprises + 1):
        district = rng.choice(DISTRICTS)
        first17 = f"91{district}MA{eid:07d}"
        uscc = first17 + uscc_check_character(first17)
        first_uscc = first_uscc or uscc
        enterprises.write("\t".join([
            str(eid), uscc, f"企业{eid}", rng.choice(INDUSTRIES), district, CITY, rng.choice(["t", "f", "f"]),
            rng.choice(SIDINGS), str(rng.randrange(100_000, 4_000_000)),
            rng.choice(["not_started", "in_progress", "completed"]), "[]", now, now]) + "\n")
        rail_bias = rng.random()
        for month in months:
            version_count = 2 if rng.random() < 0.05 else 1
            for version in range(1, version_count + 1):
                declaration_id += 1
                official = "t" if version == version_count else "f"
                supersedes = str(declaration_id - 1) if version == 2 else "\\N"
                declarations.write("\t".join([
                    str(declaration_id), str(eid), uscc, month, str(version), supersedes, "approved", official,
                    "[]", "\\N", now, now, "bench", now, "\\N", "\\N", "\\N"]) + "\n")
                combos = rng.sample([(d, g, m) for d in ("inbound", "outbound") for g in GOODS for m in MODES],
                                    args.lines)
                for direction, goods, mode in combos:
                    line_id += 1
                    weight = rail_bias * 3 if mode == "rail" else 1.0
                    lines.write(f"{line_id}\t{declaration_id}\t{direction}\t{goods}\t{mode}\t"
                                f"{rng.uniform(100, 20000) * weight:.3f}\n")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection, \
            connection.cursor() as cursor:
        for table, columns, buffer in (
            ("enterprise", "id, uscc, name, industry, district_code, city_code, urban_fringe, siding_status, "
             "annual_bulk_tonnes, ultra_low_status, site_ids, created_at, updated_at", enterprises),
            ("declaration", "id, enterprise_id, uscc, month, version, supersedes_id, status, official, attachments, "
             "note, submitted_at, created_at, created_by, updated_at, reconciliation_status, reconciliation_as_of, "
             "reconciliation", declarations),
            ("declaration_line", "id, declaration_id, direction, goods, mode, tonnes", lines),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return declaration_id, line_id, first_uscc


BASELINE_SQL = """
SELECT e.uscc,
       100 * SUM(l.tonnes) FILTER (WHERE l.mode = 'rail' AND l.goods = ANY(%(bulk)s))
           / NULLIF(SUM(l.tonnes) FILTER (WHERE l.goods = ANY(%(bulk)s)), 0) AS share
FROM enterprise e
LEFT JOIN declaration d ON d.enterprise_id = e.id AND d.official AND d.month = ANY(%(months)s)
LEFT JOIN declaration_line l ON l.declaration_id = d.id
WHERE e.city_code = %(city)s
GROUP BY e.uscc
ORDER BY share DESC NULLS LAST, e.uscc
"""


def timed(call: Any, repeat: int) -> float:
    """Median milliseconds of `repeat` calls after one unmeasured warm-up call."""
    call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(args: argparse.Namespace) -> None:
    from railshift import create_app
    from railshift.commands.seed import seed_targets
    from railshift.models import PolicyRule
    from shared.db import unit_of_work
    from shared.migrate import AUTH_TREE, upgrade
    from shared.policy import load_rule_file, seed_rules

    months = month_list(args.months)
    last = months[-1]
    print(f"# railshift views: {args.enterprises} enterprises x {args.months} months ({months[0]}..{last}), "
          f"{args.lines} lines per declaration, PostgreSQL, median of {args.repeat} runs")
    with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp, \
            throwaway_databases("postgresql", ["auth", "railshift"], Path(tmp), args.pg_admin_url) as urls:
        started = time.perf_counter()
        upgrade(AUTH_TREE, urls["auth"])
        upgrade("railshift", urls["railshift"])
        secret = secrets.token_hex(24)
        settings = Settings(service="railshift", database_url=urls["railshift"], auth_database_url=urls["auth"],
                            secret_key=secret, var_dir=Path(tmp))
        app = create_app(settings)
        with app.app_context(), unit_of_work() as db_session:
            seed_rules(db_session, PolicyRule, load_rule_file("railshift"))
            seed_targets(db_session)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        declarations, lines, uscc = generate(urls["railshift"], args)
        generation = time.perf_counter() - started
        print(f"# setup {setup:.1f} s; generated {declarations:,} declarations and {lines:,} lines "
              f"in {generation:.1f} s (COPY)")
        client = app.test_client()
        headers = {"Authorization": f"Bearer {encode_token(secret, role='transport', name='bench')}"}

        def view(path: str, **query: str) -> Any:
            def call() -> None:
                response = client.get(path, query_string=query, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}: {response.get_data(as_text=True)}")
            return call

        import psycopg

        connection = psycopg.connect(urls["railshift"].replace("postgresql+psycopg://", "postgresql://"))

        def baseline(period_months: list[str]) -> Any:
            def call() -> None:
                connection.execute(BASELINE_SQL, {"bulk": list(BULK), "months": period_months, "city": CITY}).fetchall()
            return call

        ytd = [m for m in months if m[:4] == last[:4]]
        base_month = timed(baseline([last]), args.repeat)
        base_ytd = timed(baseline(ytd), args.repeat)
        figures = [
            ("ranking city-month", view("/api/v1/ratios/ranking", month=last, city_code=CITY), base_month),
            ("ranking city year-to-date", view("/api/v1/ratios/ranking", month=last, city_code=CITY, period="ytd"),
             base_ytd),
            ("non-compliant city-month", view("/api/v1/ratios/non-compliant", month=last, city_code=CITY),
             base_month),
            ("enterprise month + ytd vs targets", view(f"/api/v1/enterprises/{uscc}/ratios", month=last), base_month),
            (f"trend {len(months)} months", view("/api/v1/ratios/trend", **{"from": months[0], "to": last},
                                                 city_code=CITY), base_month),
        ]
        print(f"hand-written SQL ranking city-month, {base_month:.1f}, ms, {base_month:.1f}, 1.00, (the baseline)")
        print(f"hand-written SQL ranking year-to-date, {base_ytd:.1f}, ms, {base_ytd:.1f}, 1.00, (the baseline)")
        for name, call, base in figures:
            value = timed(call, args.repeat)
            print(f"railshift {name}, {value:.1f}, ms, {base:.1f}, {value / base:.2f}, <= 1000 ms (issue 7)",
                  flush=True)
        connection.close()
        app.extensions["lantian.db"].dispose()
        app.extensions["lantian.auth_db"].dispose()


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    started = time.perf_counter()
    try:
        run(args)
    except KeyboardInterrupt:
        print("# interrupted; databases dropped", file=sys.stderr)
        return 130
    except (RuntimeError, ValueError) as exc:
        print(f"# benchmark failed: {exc}", file=sys.stderr)
        return 1
    print(f"# total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
