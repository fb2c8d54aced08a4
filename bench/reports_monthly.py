"""The monthly report at city scale, per section and per format, against hand-written SQL on the same data.

Run from the repository root:

    .venv/bin/python bench/reports_monthly.py [--enterprises 1000] [--sites 100] [--passages 1000000]
                                              [--vehicles 1000000] [--repeat 1]

It creates throw-away PostgreSQL databases (auth, vehicles, gatecontrol, railshift, reports), migrates them,
seeds each service's policy rules and reference data, and generates seeded-random data for December 2025 by
COPY: `--vehicles` registered vehicles (trucks in the phase-out plans, public-fleet categories, some retired),
`--sites` gate sites (registered through gatecontrol's API) and `--passages` passages spread over them in the
month, `--enterprises` enterprises with approved declarations (bench/railshift_views.py's generator). It then
starts vehicles, gatecontrol and railshift under gunicorn (2 sync workers) and times, in this process, the
report service building the report (each section over HTTP, as the service does), then rendering XLSX and PDF
from the stored report. The baseline of each section is the same headline figures from hand-written SQL on
the upstream database. One line per figure: name, value, unit, baseline, ratio, goal (issue 8: the report in
all three formats within 30 s). Drops the databases and stops the services at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import io
import random
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from _support import Server, free_port, http_request, throwaway_databases

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import railshift_views  # noqa: E402  (its enterprise and declaration generator)

from shared.auth import encode_token  # noqa: E402
from shared.config import Settings  # noqa: E402
from shared.identifiers import uscc_check_character  # noqa: E402

SEED = 20251231
MONTH = "2025-12"
CITY = "141000"
DISTRICTS = railshift_views.DISTRICTS
UPSTREAMS = ("vehicles", "gatecontrol", "railshift")
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
GOAL_SECONDS = 30.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--passages", type=int, default=1_000_000, help="passages in the month")
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="timed report builds (median printed)")
    parser.add_argument("--verbose", action="store_true", help="print each upstream call's time")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if min(args.enterprises, args.sites, args.passages, args.vehicles, args.repeat) < 1:
        parser.error("every size must be at least 1")
    if args.vehicles > len(PLATE_LETTERS) * 100_000:
        parser.error(f"--vehicles at most {len(PLATE_LETTERS) * 100_000}")
    return args


# ---- data ------------------------------------------------------------------------------------------------


def _copy(url: str, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    """COPY rows into a model's table; every non-null column must be given (so a schema change fails loudly)."""
    import psycopg

    names = [column.name for column in table.columns]
    required = {column.name for column in table.columns if not column.nullable}
    buffer, count = io.StringIO(), 0

    def cell(value: Any) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection, \
            connection.cursor() as cursor, \
            cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:  # fmt: skip
        for row in rows:
            missing = required - row.keys()
            if missing:
                raise RuntimeError(f"the generator gives no value for {table.name}.{sorted(missing)}")
            buffer.write("\t".join(cell(row.get(name)) for name in names) + "\n")
            count += 1
            if buffer.tell() > 1 << 20:
                copy.write(buffer.getvalue())
                buffer.seek(0)
                buffer.truncate()
        copy.write(buffer.getvalue())
    return count


def vehicle_rows(count: int) -> Iterator[dict[str, Any]]:
    """Trucks of every stage (many in the phase-out plans), public-fleet vehicles, private cars; 8 % retired."""
    rng = random.Random(SEED)
    now = datetime(2026, 1, 5, tzinfo=UTC).isoformat()
    kinds = [  # (weight, class, body, fuels, stages, operating)
        (30, "N3", "tractor", ["diesel"], ["china_3", "china_4", "china_4", "china_5", "china_6b"], True),
        (10, "N2", "truck", ["diesel"], ["china_3", "china_4", "china_5", "china_6b"], True),
        (15, "N1", "logistics", ["diesel", "petrol", "battery_electric"], ["china_5", "china_6b"], True),
        (3, "M3", "bus", ["diesel", "battery_electric", "battery_electric", "natural_gas"], ["china_5"], True),
        (3, "M1", "taxi", ["petrol", "battery_electric", "battery_electric"], ["china_6b"], True),
        (2, "N2", "sanitation", ["diesel", "battery_electric"], ["china_5", "china_6b"], False),
        (2, "M1", "official_car", ["petrol", "battery_electric"], ["china_6b"], False),
        (35, "M1", "car", ["petrol", "battery_electric"], ["china_5", "china_6b"], False),
    ]
    weights = [k[0] for k in kinds]
    for number in range(count):
        _, vclass, body, fuels, stages, operating = rng.choices(kinds, weights)[0]
        fuel = rng.choice(fuels)
        registered = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 365 * 18))
        retired = rng.random() < 0.08
        left = registered + timedelta(days=rng.randrange(30, 365 * 6)) if retired else None
        if left is not None and left > date(2025, 12, 31):
            left = None
        district = rng.choice(DISTRICTS)
        first17 = f"91{district}MA{number % 50_000:07d}"
        plate = f"晋{PLATE_LETTERS[number // 100_000]}{number % 100_000:05d}"
        yield {
            "id": number + 1, "plate": plate, "plate_colour": "yellow" if vclass in ("N2", "N3", "M3") else "blue",
            "plate_raw": plate, "vehicle_class": vclass, "body_type": body, "fuel": fuel,
            "emission_stage": None if fuel == "battery_electric" else rng.choice(stages), "stage_inferred": False,
            "operating": operating, "owner_uscc": first17 + uscc_check_character(first17), "district_code": district,
            "registration_date": registered, "status": "scrapped" if left else "active",
            "status_date": left or registered, "out_of_service_on": left, "left_on": left,
            "created_at": now, "updated_at": now,
        }  # fmt: skip


def passage_rows(count: int, sites: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """Passages spread over the month and the sites; stages as gates report them; 3 % incomplete plates."""
    rng = random.Random(SEED + 1)
    start = datetime(2025, 11, 30, 16, 0, tzinfo=UTC)  # 2025-12-01 00:00 in the city
    seconds = 31 * 86_400
    stages = ["china_3", "china_4", "china_4", "china_5", "china_5", "china_6b", "electric"]
    for number in range(count):
        site_id, _ = sites[number % len(sites)]
        captured = start + timedelta(seconds=rng.randrange(seconds))
        complete = rng.random() > 0.03
        plate = f"晋L{rng.randrange(100_000):05d}" if complete else "晋L8"
        stage = rng.choice(stages)
        fuel = "battery_electric" if stage == "electric" else "diesel"
        yield {
            "captured_at": captured.isoformat(), "site_id": site_id, "event_id": f"ev{number}",
            "gate_id": "G1" if number % 2 else "G2", "direction": "in" if number % 2 else "out",
            "received_at": captured.isoformat(), "backfill": False, "fingerprint": f"{number:064x}"[-64:],
            "plate": plate, "plate_raw": plate, "plate_colour": "yellow", "plate_complete": complete,
            "reported_stage": stage, "reported_fuel": fuel, "reported_vehicle_type": "重型货车",
            "goods": rng.choice(["煤炭", "焦炭", "铁矿石", "钢材"]), "quantity_t": "31.5", "photos": "[]",
            "vehicle_known": False, "blacklisted": False, "banned_reasons": "[]", "stage": stage, "fuel": fuel,
            "vehicle_class": "N3", "stage_mismatch": False, "fuel_mismatch": False,
        }  # fmt: skip


# ---- set-up -------------------------------------------------------------------------------------------------


def seed_upstream(name: str, url: str, auth_url: str, tmp: Path) -> None:
    """Migrate a service's database and load what it ships as data (rules, reference tables, targets)."""
    import importlib

    from shared.db import unit_of_work
    from shared.migrate import upgrade
    from shared.policy import load_rule_file, seed_rules

    upgrade(name, url)
    settings = Settings(service=name, database_url=url, auth_database_url=auth_url, var_dir=tmp)
    app = importlib.import_module(name).create_app(settings)
    with app.app_context(), unit_of_work() as db_session:
        models = importlib.import_module(f"{name}.models")
        if hasattr(models, "PolicyRule"):
            seed_rules(db_session, models.PolicyRule, load_rule_file(name))
        if name == "vehicles":
            from vehicles.reference import sync_reference

            sync_reference(db_session)
        if name == "gatecontrol":
            from gatecontrol.commands.alerts import seed_response_rules

            seed_response_rules(db_session)
        if name == "railshift":
            from railshift.commands.seed import seed_targets

            seed_targets(db_session)
    app.extensions["lantian.db"].dispose()
    app.extensions["lantian.auth_db"].dispose()


def start(name: str, env: dict[str, str], tmp: Path) -> tuple[Server, str]:
    port = free_port()
    server = Server(name, [sys.executable, "-m", "shared.cli", "serve", name, "--port", str(port), "--workers", "2"],
                    env, tmp / f"{name}.log")  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    server.wait_ready(f"{url}/ready", timeout=120)
    return server, url


def register_sites(url: str, token: str, count: int) -> list[tuple[str, str]]:
    """Sites with an in and an out gate, through gatecontrol's API, as the environment bureau registers them."""
    sites = []
    headers = {"Authorization": f"Bearer {token}"}
    for number in range(count):
        site_id, district = f"BS{number:04d}", DISTRICTS[number % len(DISTRICTS)]
        first17 = f"91{district}MB{number:07d}"
        body = {"uscc": first17 + uscc_check_character(first17), "name": f"站点{number}", "industry": "steel",
                "district_code": district, "key_user": True, "address": "bench"}  # fmt: skip
        status, text = http_request(f"{url}/api/v1/sites/{site_id}", method="PUT", headers=headers, body=body)
        if status not in (200, 201):
            raise RuntimeError(f"site {site_id}: {status} {text[:300]!r}")
        for gate_id, direction in (("G1", "in"), ("G2", "out")):
            http_request(f"{url}/api/v1/sites/{site_id}/gates/{gate_id}", method="PUT", headers=headers,
                         body={"name": gate_id, "direction": direction})  # fmt: skip
        sites.append((site_id, district))
    return sites


# ---- baselines: the headline figures from hand-written SQL ------------------------------------------------------

BASELINE_SQL = {
    "phaseout": (
        "vehicles",
        """
        SELECT district_code, emission_stage, count(*) FILTER (WHERE left_on IS NULL), count(*)
        FROM vehicle WHERE fuel = 'diesel' AND vehicle_class IN ('N2', 'N3') AND operating
          AND emission_stage IN ('china_3', 'china_4') AND registration_date <= '2025-12-31'
        GROUP BY district_code, emission_stage""",
    ),
    "nev": (
        "vehicles",
        """
        SELECT body_type, count(*), count(*) FILTER (WHERE fuel = 'battery_electric'),
               count(*) FILTER (WHERE registration_date >= '2025-12-01')
        FROM vehicle WHERE registration_date <= '2025-12-31' AND (left_on IS NULL OR left_on > '2025-12-31')
        GROUP BY body_type""",
    ),
    "gates": (
        "gatecontrol",
        """
        SELECT site_id, (captured_at AT TIME ZONE 'Asia/Shanghai')::date, stage, count(*),
               count(*) FILTER (WHERE plate_complete)
        FROM passage WHERE captured_at >= '2025-11-30T16:00:00Z' AND captured_at < '2025-12-31T16:00:00Z'
        GROUP BY 1, 2, 3""",
    ),
    "transport": ("railshift", railshift_views.BASELINE_SQL),
}


def sql_seconds(url: str, sql: str) -> float:
    import psycopg

    params = {"bulk": list(railshift_views.BULK), "months": [MONTH], "city": CITY}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        started = time.perf_counter()
        connection.execute(sql, params if "%(" in sql else None).fetchall()
        return time.perf_counter() - started


def line(name: str, value: float, unit: str, baseline: float | None, goal: str) -> None:
    ratio = f"{value / baseline:.1f}x" if baseline else "-"
    base = f"{baseline:.3f}" if baseline is not None else "-"
    print(f"{name}, {value:.3f}, {unit}, {base}, {ratio}, {goal}")


def run(args: argparse.Namespace) -> None:
    from reports import create_app
    from reports.commands import GetMonthlyReport

    print(f"# reports monthly {MONTH}: {args.enterprises} enterprises, {args.sites} sites, {args.passages:,} "
          f"passages, {args.vehicles:,} vehicles; PostgreSQL; gunicorn 2 sync workers per upstream")  # fmt: skip
    names = ["auth", *UPSTREAMS, "reports"]
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="lantian-bench-") as tmp_name, \
            throwaway_databases("postgresql", names, Path(tmp_name), args.pg_admin_url) as urls:  # fmt: skip
        tmp = Path(tmp_name)
        try:
            started = time.perf_counter()
            from shared.migrate import AUTH_TREE, upgrade

            upgrade(AUTH_TREE, urls["auth"])
            upgrade("reports", urls["reports"])
            for name in UPSTREAMS:
                seed_upstream(name, urls[name], urls["auth"], tmp)
            secret = secrets.token_hex(24)
            env = {"PATH": "/usr/bin:/bin", "LANTIAN_SECRET_KEY": secret, "LANTIAN_VAR_DIR": str(tmp),
                   "LANTIAN_AUTH_DATABASE_URL": urls["auth"], "LANTIAN_LOG_LEVEL": "WARNING",
                   "LANTIAN_HTTP_TIMEOUT": "120"}  # fmt: skip
            env.update({f"LANTIAN_{n.upper()}_DATABASE_URL": urls[n] for n in UPSTREAMS})
            upstream_urls = {}
            for name in UPSTREAMS:
                server, upstream_urls[name] = start(name, env, tmp)
                servers.append(server)
            admin = encode_token(secret, role="admin", name="bench")
            setup = time.perf_counter() - started

            started = time.perf_counter()
            from gatecontrol.models import Passage
            from gatecontrol.partitions import create_partition
            from shared.db import make_engine
            from vehicles.models import Vehicle

            sites = register_sites(upstream_urls["gatecontrol"], admin, args.sites)
            engine = make_engine(urls["gatecontrol"])
            with engine.begin() as connection:
                create_partition(connection, MONTH)
            engine.dispose()
            passages = _copy(urls["gatecontrol"], Passage.__table__, passage_rows(args.passages, sites))
            vehicles = _copy(urls["vehicles"], Vehicle.__table__, vehicle_rows(args.vehicles))
            declarations, _, _ = railshift_views.generate(
                urls["railshift"], argparse.Namespace(enterprises=args.enterprises, months=2, lines=10)
            )
            import psycopg

            for name in UPSTREAMS:
                with psycopg.connect(urls[name].replace("postgresql+psycopg://", "postgresql://"),
                                     autocommit=True) as connection:  # fmt: skip
                    connection.execute("VACUUM ANALYZE")
            generation = time.perf_counter() - started
            print(
                f"# setup {setup:.1f} s; generated {passages:,} passages, {vehicles:,} vehicles, {len(sites)} sites, "
                f"{declarations:,} declarations in {generation:.1f} s (COPY; sites through the API)"
            )

            settings = Settings(service="reports", database_url=urls["reports"], auth_database_url=urls["auth"],
                                secret_key=secret, var_dir=tmp, http_timeout=120.0,
                                service_urls={**upstream_urls, "reports": "http://127.0.0.1:1"})  # fmt: skip
            app = create_app(settings)
            timings: dict[str, list[float]] = {}
            failures: dict[str, str] = {}
            totals = []
            for _ in range(args.repeat):
                marks: dict[str, float] = {}

                def progress(spec: Any, result: dict[str, Any] | None, marks: dict[str, float] = marks) -> None:
                    if result is None:
                        marks[spec.key] = time.perf_counter()
                    else:
                        timings.setdefault(spec.key, []).append(time.perf_counter() - marks[spec.key])
                        if result["status"] != "ok" and result["cause"] != "not_provided":
                            failures[spec.key] = result["reason"]  # printed with its figure; the rest goes on

                with app.app_context():
                    begun = time.perf_counter()
                    report = GetMonthlyReport(
                        MONTH, "city", "bench", regenerate=True, allow_partial=True, progress=progress
                    ).run()
                    built = time.perf_counter() - begun
                client = app.test_client()
                headers = {"Authorization": f"Bearer {admin}"}
                formats = {}
                for fmt in ("json", "xlsx", "pdf"):
                    begun = time.perf_counter()
                    response = client.get(f"/api/v1/reports/monthly/{MONTH}", headers=headers,
                                          query_string={"format": fmt, "version": report.version})  # fmt: skip
                    body = response.get_data()
                    formats[fmt] = (time.perf_counter() - begun, len(body))
                    if response.status_code != 200:
                        raise RuntimeError(f"{fmt}: {response.status_code} {body[:300]!r}")
                timings.setdefault("render_xlsx", []).append(formats["xlsx"][0])
                timings.setdefault("render_pdf", []).append(formats["pdf"][0])
                timings.setdefault("serve_json", []).append(formats["json"][0])
                totals.append(built + formats["xlsx"][0] + formats["pdf"][0] + formats["json"][0])
            median: Callable[[list[float]], float] = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
            print("name, value, unit, baseline, ratio, goal")
            for key in ("phaseout", "nev", "machinery", "blacklists", "gates", "transport"):
                baseline = None
                if key in BASELINE_SQL:
                    service, sql = BASELINE_SQL[key]
                    baseline = sql_seconds(urls[service], sql)
                goal = f"(part of 30 s) UNAVAILABLE: {failures[key]}" if key in failures else "(part of 30 s)"
                line(f"section {key}", median(timings[key]), "s", baseline, goal)
            line("render xlsx (from stored JSON)", median(timings["render_xlsx"]), "s", None,
                 f"(part of 30 s; {formats['xlsx'][1]:,} bytes)")  # fmt: skip
            line("render pdf (from stored JSON)", median(timings["render_pdf"]), "s", None,
                 f"(part of 30 s; {formats['pdf'][1]:,} bytes)")  # fmt: skip
            line("serve json (stored)", median(timings["serve_json"]), "s", None, "-")
            sql_total = sum(sql_seconds(urls[s], q) for s, q in BASELINE_SQL.values())
            partial = f" (PARTIAL: {', '.join(sorted(failures))} unavailable)" if failures else ""
            line("report in all three formats", median(totals), "s", sql_total, f"<= {GOAL_SECONDS:.0f} s{partial}")
        except Exception:
            for server in servers:  # what the upstreams said, before their logs go with the temporary directory
                print(f"# {server.name} log:\n{server.log_tail(40)}", file=sys.stderr)
            raise
        finally:
            for server in servers:
                server.stop()


def _raise_interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.WARNING, format="# %(message)s")
        logging.getLogger("reports.sections").setLevel(logging.INFO)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        run(args)
    except KeyboardInterrupt:
        print("# interrupted; databases dropped, services stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
