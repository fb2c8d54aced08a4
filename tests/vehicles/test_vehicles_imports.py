"""Bulk import: streamed CSV/XLSX, per-row errors with a downloadable report, batches, idempotent re-import."""

from __future__ import annotations

import csv
import io
import json
import time

import openpyxl
import pytest
from click.testing import CliRunner

from tests.conftest import TEST_SECRET
from tests.vehicles.factories import plate, uscc, vin
from vehicles.cli import cli
from vehicles.imports_spec import VEHICLE_TABLE
from vehicles.rules import _ID_CHECK, _ID_WEIGHTS

ZH = ["号牌号码", "号牌颜色", "车辆识别代号", "车辆类型", "使用性质", "燃料种类", "排放阶段", "营运",
      "所有人统一社会信用代码", "行政区划代码", "注册日期", "状态", "状态日期"]  # fmt: skip


def row(serial, **overrides):
    values = {"号牌号码": plate(serial), "号牌颜色": "黄", "车辆识别代号": vin(serial), "车辆类型": "重型货车",
              "使用性质": "牵引车", "燃料种类": "柴油", "排放阶段": "国三", "营运": "是",
              "所有人统一社会信用代码": uscc(1), "行政区划代码": "141002", "注册日期": "2012-05-01",
              "状态": "", "状态日期": ""}  # fmt: skip
    values.update(overrides)
    return [values[h] for h in ZH]


def csv_bytes(rows, headers=ZH, encoding="utf-8-sig"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def good_and_bad_rows():
    return [
        row(1),
        row(2, 排放阶段=""),  # inferred: heavy diesel registered 2012 -> 国三
        row(3, 车辆识别代号="LFWSRXRJ200000003"),  # wrong check digit
        row(4, 号牌号码="晋LO0004"),  # letter O
        row(5, 所有人统一社会信用代码="911410020000000018"),  # wrong check character
        row(6, 状态="报废", 状态日期="2019-03-01"),
        row(7, 排放阶段="国九", 燃料种类="煤"),  # two bad fields in one row
        row(1),  # the same vehicle twice in the file
    ]


def upload(client, data, filename="register.csv", dry_run=False):
    response = client.post("/api/v1/vehicle-imports", data={"file": (io.BytesIO(data), filename),
                                                            "dry_run": "true" if dry_run else "false"},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/vehicle-imports/{job_id}").get_json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish: {job}")


def test_an_upload_imports_valid_rows_and_reports_every_bad_one(as_role):
    clerk = as_role("transport")
    job = upload(clerk, csv_bytes(good_and_bad_rows()))
    assert job["state"] == "done", job
    assert (job["rows_read"], job["rows_inserted"], job["rows_invalid"]) == (8, 3, 5)
    report = clerk.get(f"/api/v1/vehicle-imports/{job['id']}/errors", query_string={"format": "csv"})
    lines = list(csv.reader(io.StringIO(report.data.decode("utf-8-sig"))))
    report.close()
    found = {(int(r[0]), r[1]) for r in lines[1:]}
    assert found == {(4, "vin"), (5, "plate"), (6, "owner_uscc"), (8, "emission_stage"), (8, "fuel"), (9, "plate")}
    reasons = {(int(r[0]), r[1]): r[2] for r in lines[1:]}
    assert "check digit" in reasons[(4, "vin")] and "row 2" in reasons[(9, "plate")]
    registered = clerk.get("/api/v1/vehicles", query_string={"plate_prefix": "晋L"}).get_json()["items"]
    assert {(v["plate"], v["emission_stage"], v["stage_inferred"], v["status"]) for v in registered} == {
        (plate(1), "china_3", False, "active"), (plate(2), "china_3", True, "active"),
        (plate(6), "china_3", False, "scrapped")}
    history = clerk.get(f"/api/v1/vehicles/{plate(6)}/yellow/history").get_json()
    assert [(h["to_value"], h["effective_date"]) for h in history] == [("scrapped", "2019-03-01")]


def test_importing_the_same_file_twice_adds_nothing(as_role):
    clerk, reader = as_role("transport"), as_role("service")
    data = csv_bytes(good_and_bad_rows())
    upload(clerk, data)
    changes_before = reader.get("/api/v1/changes").get_json()["items"]
    again = upload(clerk, data)
    assert (again["rows_inserted"], again["rows_updated"], again["rows_unchanged"], again["rows_invalid"]) == (
        0, 0, 3, 5)
    assert len(clerk.get("/api/v1/vehicles").get_json()["items"]) == 3
    assert reader.get("/api/v1/changes").get_json()["items"] == changes_before
    changed = upload(clerk, csv_bytes([row(1, 排放阶段="国五"), row(6, 状态="")]))
    assert (changed["rows_updated"], changed["rows_unchanged"]) == (1, 1)


def test_a_status_that_differs_from_the_registry_is_refused_for_that_row(as_role):
    clerk = as_role("environment")
    upload(clerk, csv_bytes([row(1)]))
    job = upload(clerk, csv_bytes([row(1, 状态="注销", 状态日期="2020-01-01"), row(2)]))
    assert (job["rows_invalid"], job["rows_inserted"]) == (1, 1)


def test_police_may_not_import_a_register_nor_open_an_import_job(as_role):
    # issue 9: an import writes the registry, so the job, its report, its rerun and the template are not theirs
    clerk, police = as_role("transport"), as_role("police")
    job = upload(clerk, csv_bytes([row(1), row(2, 营运="也许")]))
    sent = police.post("/api/v1/vehicle-imports", data={"file": (io.BytesIO(csv_bytes([row(3)])), "r.csv")},
                       content_type="multipart/form-data")
    assert sent.status_code == 403
    for response in (
        police.get(f"/api/v1/vehicle-imports/{job['id']}"),
        police.get(f"/api/v1/vehicle-imports/{job['id']}/errors"),
        police.post(f"/api/v1/vehicle-imports/{job['id']}/rerun"),
        police.get("/api/v1/vehicle-imports/template", query_string={"format": "csv"}),
    ):
        assert response.status_code == 403, response.request.path
    assert [v["plate"] for v in police.get("/api/v1/vehicles").get_json()["items"]] == [plate(1)]


def test_a_dry_run_checks_everything_and_writes_nothing(as_role):
    clerk = as_role("transport")
    job = upload(clerk, csv_bytes(good_and_bad_rows()), dry_run=True)
    assert (job["dry_run"], job["rows_inserted"], job["rows_invalid"]) == (True, 3, 5)
    assert clerk.get("/api/v1/vehicles").get_json()["items"] == []


def test_a_file_with_missing_columns_is_422_naming_them(as_role):
    data = csv_bytes([["晋L00001", "黄"]], headers=["号牌号码", "号牌颜色"])
    response = as_role("transport").post("/api/v1/vehicle-imports", data={"file": (io.BytesIO(data), "x.csv")},
                                         content_type="multipart/form-data")
    assert response.status_code == 422
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"vehicle_class", "fuel", "registration_date", "district_code"} <= fields


def test_the_template_downloads_and_imports_with_english_headers_from_the_cli(as_role, app, config, tmp_path):
    template = as_role("transport").get("/api/v1/vehicle-imports/template", query_string={"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(template.data), read_only=True)
    assert next(book.worksheets[0].iter_rows(values_only=True))[:2] == ("号牌号码", "号牌颜色")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Plate", "Plate colour", "Vehicle class", "Body type", "Fuel", "Operating", "District code",
                  "Registration date", "Emission stage"])
    sheet.append(["晋L00011", "yellow", "N3", "dump", "diesel", "true", "141002", "2016-02-01", "china_4"])
    sheet.append(["晋L00012", "yellow", "N3", "dump", "diesel", "true", "141099X", "2016-02-01", "china_4"])
    path = tmp_path / "register.xlsx"
    workbook.save(path)
    env = {"LANTIAN_VEHICLES_DATABASE_URL": config.database_url, "LANTIAN_AUTH_DATABASE_URL": config.auth_database_url,
           "LANTIAN_SECRET_KEY": TEST_SECRET, "LANTIAN_VAR_DIR": str(tmp_path)}
    errors = tmp_path / "errors.csv"
    result = CliRunner().invoke(cli, ["import", str(path), "--errors", str(errors)], env=env)
    assert result.exit_code == 0, result.output
    assert "inserted 1" in result.output and "refused 1" in result.output
    assert "district_code" in errors.read_text(encoding="utf-8-sig")
    record = as_role("police").get("/api/v1/vehicles/晋L00011/yellow").get_json()
    assert (record["body_type"], record["emission_stage"]) == ("dump", "china_4")


def test_a_gb18030_csv_imports_and_the_error_report_downloads_as_xlsx(as_role):
    clerk = as_role("environment")
    job = upload(clerk, csv_bytes([row(1), row(2, 营运="也许")], encoding="gb18030"))
    assert (job["rows_inserted"], job["rows_invalid"]) == (1, 1)
    report = clerk.get(f"/api/v1/vehicle-imports/{job['id']}/errors", query_string={"format": "xlsx"})
    data = report.data
    report.close()
    rows = list(openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[1][:3] == (3, "operating", "must be true or false (是/否, 营运/非营运)")
    assert rows[1][3] == "也许"
    assert clerk.get("/api/v1/vehicle-imports/nope").status_code == 404


def test_raw_plates_with_backslashes_and_tabs_are_kept_as_received(as_role):
    clerk, reader = as_role("environment"), as_role("service")
    raw = "晋L\\0 0\t021"
    # enough rows for the bulk (COPY) path of PostgreSQL, which must escape them
    job = upload(clerk, csv_bytes([row(21, 号牌号码=raw, 排放阶段=""), *(row(n) for n in range(100, 160))]))
    assert job["rows_inserted"] == 61, job
    record = clerk.get(f"/api/v1/vehicles/{plate(21)}/yellow").get_json()
    assert (record["plate_raw"], record["stage_inferred"]) == (raw, True)
    change = reader.get("/api/v1/changes").get_json()["items"][0]
    assert change["data"]["plate_raw"] == raw and change["key"] == {"plate": plate(21), "plate_colour": "yellow"}


# ---- the set-wise PostgreSQL import and the row-wise one agree ----------------------------------------------

ALL = [c.zh for c in VEHICLE_TABLE.columns]


def full_row(serial, **overrides):
    values = dict(zip(ZH, row(serial), strict=True))
    values.update(overrides)
    return [values.get(h, "") for h in ALL]


def person_id(serial):
    first17 = f"14100219800101{serial:03d}"
    return first17 + _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def first_register():
    """Every kind of row: canonical, tolerated spellings (read in Python), refused, blank, repeated."""
    return [
        full_row(1),
        full_row(2, 排放阶段=""),  # inferred
        full_row(3, 号牌号码="晋l 00003", 车辆识别代号=vin(3).lower()),  # tolerated spellings
        full_row(4, 车辆识别代号="LFWSRXRJ200000003"),  # wrong check digit
        [""] * len(ALL),  # blank: counted in row numbers, not read
        full_row(6, 所有人统一社会信用代码="", 所有人身份证号=person_id(6)),
        full_row(7, 所有人身份证号=person_id(7)),  # a credit code and a person id
        full_row(8, 号牌号码="晋LD00008", 号牌颜色="绿", 燃料种类="纯电动", 排放阶段=""),  # electric: nothing inferred
        full_row(9, 燃料种类="纯电动", 排放阶段="D"),
        full_row(10, 状态="报废", 状态日期="2019-03-01"),
        full_row(11, 状态="转出"),
        full_row(12, 强制报废日期="2011-01-01"),  # before registration
        full_row(13, 被更新车辆号牌="晋L99913", 被更新车辆号牌颜色="黄"),
        full_row(14, 被更新车辆号牌="晋L99914"),  # colour missing
        full_row(15, 注册日期="2999-01-01"),
        full_row(2, 排放阶段="国四"),  # plate 2 again in the same batch of four: refused
        full_row(17, 行政区划代码="１４１００２", 排放阶段="  "),  # full-width digits; blank stage: inferred
        full_row(18, 营运="也许"),
        full_row(19, 所有人统一社会信用代码="", 所有人身份证号=person_id(19).lower()),  # ends in x: read in Python
        full_row(20, 号牌号码="晋Ｌ０００２０"),  # full-width
        full_row(20, 排放阶段="国四"),  # plate 20 again in the same batch: refused
        full_row(1, 排放阶段="国五"),  # plate 1 again in a later batch: applied after the first
        full_row(22, 车辆类型="轻型货车", 燃料种类="汽油", 注册日期="2008-07-01", 排放阶段=""),
        full_row(23, 排放阶段="国六b", 车辆识别代号=""),
        full_row(24, 状态="正常", 状态日期="2020-01-01"),
    ]


def second_register():
    """Updates on top of the first: changed, unchanged, a recorded stage kept, a status conflict, new rows."""
    return [
        full_row(1, 排放阶段="国六a"),  # changed
        full_row(2, 排放阶段="国五"),  # a recorded stage replaces an inferred one
        full_row(13, 排放阶段=""),  # an inferred stage never replaces a recorded one: unchanged
        full_row(10, 状态="注销", 状态日期="2020-01-01"),  # refused: status differs from the registry
        full_row(11),  # unchanged
        full_row(30),
        full_row(31, 排放阶段=""),
    ]


def write_csv(path, rows):
    path.write_bytes(csv_bytes(rows, headers=ALL))
    return path


def run_import(app, path, **options):
    from vehicles.commands.imports import RunImport, create_job

    with app.app_context():
        dry_run = options.pop("dry_run", False)
        job = create_job(path.name, "-", dry_run, "test")
        return RunImport(job.id, path, path.name, TEST_SECRET, "test", dry_run, options.pop("batch_size", 4),
                         **options).run()


def snapshot(app, job):
    from sqlalchemy import select

    from shared.db import session
    from vehicles.models import ChangeLog, ImportRowError, Vehicle, VehicleEvent

    with app.app_context():
        s = session()
        columns = [c for c in Vehicle.__table__.c if c.key not in ("id", "created_at", "updated_at")]
        vehicles = sorted(tuple(r) for r in s.execute(select(*columns)))
        events = sorted((e.kind, str(e.effective_date), e.from_value, e.to_value, e.reason)
                        for e in s.scalars(select(VehicleEvent)))
        feed = list(s.execute(select(ChangeLog.seq, ChangeLog.kind, ChangeLog.key, ChangeLog.data)
                              .order_by(ChangeLog.seq)))
        errors = [(e.row, e.field, e.reason, e.value) for e in
                  s.scalars(select(ImportRowError).where(ImportRowError.job_id == job.id)
                            .order_by(ImportRowError.row, ImportRowError.id))]
        s.rollback()
    assert [r.seq for r in feed] == list(range(1, len(feed) + 1))
    counters = (job.state, job.rows_read, job.rows_invalid, job.rows_inserted, job.rows_updated, job.rows_unchanged)
    # items of one commit may come in any order; the set of items and their kinds must agree
    items = sorted((kind, json.dumps(key, sort_keys=True), json.dumps(data, sort_keys=True))
                   for _, kind, key, data in feed)
    return {"counters": counters, "errors": errors, "vehicles": vehicles, "events": events, "feed": items}


def clear_registry(app):
    from sqlalchemy import delete

    from vehicles.models import ChangeLog, ImportJob, ImportRowError, Vehicle, VehicleEvent

    with app.app_context(), app.extensions["lantian.db"].engine.begin() as connection:
        for model in (ImportRowError, ImportJob, ChangeLog, VehicleEvent, Vehicle):
            connection.execute(delete(model.__table__))


def test_the_set_wise_import_and_the_row_wise_one_agree_row_for_row(app, db, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("the set-wise import is PostgreSQL's; SQLite imports row by row")
    first, second = write_csv(tmp_path / "first.csv", first_register()), write_csv(tmp_path / "second.csv",
                                                                                    second_register())
    results = {}
    modes = {"row-wise": {"setwise": False}, "set-wise": {"setwise": True},
             "set-wise, every row read in Python": {"setwise": True, "sql_checks": False},
             "set-wise, chunks of 5 rows": {"setwise": True, "chunk_rows": 5}}
    for mode, options in modes.items():
        clear_registry(app)
        one = snapshot(app, run_import(app, first, **options))
        dry = snapshot(app, run_import(app, second, dry_run=True, **options))
        two = snapshot(app, run_import(app, second, **options))
        results[mode] = (one, dry, two)
    expected = results.pop("row-wise")
    one, dry, two = expected
    assert one["counters"] == ("done", 24, 7, 15, 2, 0)
    assert [(r, f) for r, f, _, _ in one["errors"]] == [
        (5, "vin"), (8, "owner_person_id"), (13, "scrap_deadline"), (15, "replaces_plate_colour"),
        (16, "registration_date"), (19, "operating"), (22, "plate")]
    assert one["errors"][-1][2] == "same plate and colour as row 21 of this file"
    assert dry["counters"] == two["counters"] == ("done", 7, 1, 2, 3, 1)
    assert two["errors"] == [(5, "status", "the vehicle is scrapped since 2019-03-01; change its status with POST "
                              "/api/v1/vehicles/{plate}/{colour}/status (date and reason)", "deregistered")]
    for mode, result in results.items():
        for name, got, want in zip(("first", "dry run", "second"), result, expected, strict=True):
            assert got == want, f"{mode}, {name} import differs from the row-wise one"


def test_a_csv_postgresql_cannot_copy_as_is_is_read_the_tolerant_way(app, db, tmp_path):
    """A ragged line, a line holding only \\. (COPY's end of data) and GB18030 all import every row."""
    ragged = csv_bytes([row(1), row(2)]).replace(plate(2).encode(), b"X").rstrip(b"\r\n") + b",extra\r\n"
    ragged += "\r\n".join(",".join(r) for r in [row(3)]).encode() + b"\r\n"
    dotted = csv_bytes([row(4), ["\\."], row(5)])
    for name, data, inserted, invalid in (("ragged.csv", ragged, 2, 1), ("dotted.csv", dotted, 2, 1),
                                          ("gb.csv", csv_bytes([row(6), row(7)], encoding="gb18030"), 2, 0)):
        path = tmp_path / name
        path.write_bytes(data)
        job = run_import(app, path)
        assert (job.state, job.rows_inserted, job.rows_invalid) == ("done", inserted, invalid), (name, job.detail)


# ---- interrupted uploads (a worker that died mid-import) ---------------------------------------------------------


def silence(app, job_id, minutes, **changes):
    """Make a job look as a dead worker leaves it: running, its last heartbeat `minutes` ago."""
    from datetime import timedelta

    from shared.db import utcnow
    from vehicles.models import ImportJob

    with app.app_context(), app.extensions["lantian.db"].sessionmaker() as s, s.begin():
        job = s.get(ImportJob, job_id)
        job.state, job.finished_at, job.heartbeat_at = "running", None, utcnow() - timedelta(minutes=minutes)
        for name, value in changes.items():
            setattr(job, name, value)


def wait_for(client, job_id):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/vehicle-imports/{job_id}").get_json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish: {job}")


def registry_counts(app):
    from sqlalchemy import func, select

    from shared.db import session
    from vehicles.models import ChangeLog, Vehicle

    with app.app_context():
        s = session()
        counts = tuple(s.scalar(select(func.count()).select_from(m)) for m in (Vehicle, ChangeLog))
        s.rollback()
    return counts


def test_a_silent_job_reads_as_interrupted_and_a_rerun_finishes_it_without_duplicates(app, config, as_role, tmp_path):
    clerk = as_role("transport")
    spool = config.var_dir / "imports"
    spool.mkdir(parents=True, exist_ok=True)
    bad = full_row(7, 车辆识别代号="LFWSRXRJ200000003")
    full = write_csv(spool / "upload.csv", [full_row(n) for n in range(1, 7)] + [bad])
    # the worker committed the first three rows, then died: its job stays running with an old heartbeat
    job = run_import(app, write_csv(tmp_path / "first-batch.csv", [full_row(n) for n in range(1, 4)]))
    silence(app, job.id, 11, spool_path=str(full))
    assert registry_counts(app) == (3, 3)

    seen = clerk.get(f"/api/v1/vehicle-imports/{job.id}").get_json()
    assert seen["state"] == "interrupted"
    assert "3 rows were read and committed (3 inserted" in seen["detail"]
    assert f"/api/v1/vehicle-imports/{job.id}/rerun" in seen["detail"]

    response = clerk.post(f"/api/v1/vehicle-imports/{job.id}/rerun")
    assert response.status_code == 202, response.get_json()
    done = wait_for(clerk, job.id)
    assert done["state"] == "done", done
    assert done["attempt"] == 2 and "the interrupted run had committed 3 rows" in done["detail"]
    counters = [done[k] for k in ("rows_read", "rows_inserted", "rows_unchanged", "rows_updated", "rows_invalid")]
    assert counters == [7, 3, 3, 0, 1]
    assert registry_counts(app) == (6, 6)  # no vehicle and no feed item twice
    report = clerk.get(f"/api/v1/vehicle-imports/{job.id}/errors").data.decode("utf-8-sig")
    assert report.count("\n") == 2  # the header and the one bad row, reported once
    assert not full.exists()  # the spooled file is removed once the rerun is over

    again = clerk.post(f"/api/v1/vehicle-imports/{job.id}/rerun")
    assert again.status_code == 409 and "done" in again.get_json()["detail"]


def test_a_rerun_whose_spooled_file_is_gone_asks_for_the_file_again(app, as_role, tmp_path):
    clerk = as_role("environment")
    job = run_import(app, write_csv(tmp_path / "part.csv", [full_row(1)]))
    silence(app, job.id, 30, spool_path=str(tmp_path / "gone.csv"))
    seen = clerk.get(f"/api/v1/vehicle-imports/{job.id}").get_json()
    assert seen["state"] == "interrupted" and "upload the file again" in seen["detail"]
    response = clerk.post(f"/api/v1/vehicle-imports/{job.id}/rerun")
    assert response.status_code == 409
    assert "upload the file again" in response.get_json()["detail"]


def test_a_live_job_is_not_interrupted_and_a_rerun_starts_nothing(app, as_role, tmp_path):
    clerk = as_role("environment")
    path = write_csv(tmp_path / "live.csv", [full_row(1)])
    job = run_import(app, path)
    silence(app, job.id, 9, spool_path=str(path))  # nine minutes silent: under the ten of the setting
    seen = clerk.get(f"/api/v1/vehicle-imports/{job.id}").get_json()
    assert seen["state"] == "running"
    response = clerk.post(f"/api/v1/vehicle-imports/{job.id}/rerun")
    assert response.status_code == 200 and response.get_json()["attempt"] == 1
    assert path.exists()


def test_a_run_whose_job_was_rerun_meanwhile_writes_nothing(app, tmp_path):
    from vehicles.commands.imports import RunImport, create_job

    path = write_csv(tmp_path / "zombie.csv", [full_row(1), full_row(2)])
    with app.app_context():
        job = create_job(path.name, "-", False, "test")
    silence(app, job.id, 20, attempt=2)
    with app.app_context():
        command = RunImport(job.id, path, path.name, TEST_SECRET, "test", attempt=1)
        after = command.run()
    assert command.superseded and after.state == "running" and after.rows_read == 0
    assert registry_counts(app) == (0, 0)


def test_a_job_is_interrupted_from_exactly_the_stale_minutes_on():
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from vehicles.commands.imports import is_interrupted, job_as_read
    from vehicles.models import ImportJob

    beat = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert not is_interrupted("running", beat, beat + timedelta(minutes=10) - timedelta(seconds=1), 10)
    assert is_interrupted("running", beat, beat + timedelta(minutes=10), 10)
    assert is_interrupted("queued", beat, beat + timedelta(minutes=10), 10)
    assert not is_interrupted("done", beat, beat + timedelta(days=1), 10)
    columns = {c.key: None for c in ImportJob.__table__.columns}
    job = SimpleNamespace(**{**columns, "id": "j1", "state": "running", "heartbeat_at": None, "created_at": beat,
                             "rows_read": 0, "rows_inserted": 0, "rows_updated": 0, "rows_unchanged": 0,
                             "rows_invalid": 0})
    assert job_as_read(job, 10, beat + timedelta(minutes=10))["state"] == "interrupted"  # never beat: from creation
    assert job_as_read(job, 10, beat + timedelta(minutes=9))["state"] == "running"


def test_an_import_that_flips_the_operating_flag_records_it_in_the_history(app, db, backend, as_role, tmp_path):
    from vehicles.commands.registry import city_today

    clerk = as_role("transport")
    first = write_csv(tmp_path / "first.csv", [full_row(1), full_row(2), full_row(3, 营运="否")])
    second = write_csv(tmp_path / "second.csv", [full_row(1, 营运="非营运"), full_row(2), full_row(3, 营运="营运")])
    modes = {"default": {}} | ({"row-wise": {"setwise": False}} if backend == "postgresql" else {})
    for options in modes.values():
        clear_registry(app)
        run_import(app, first, **options)
        dry = run_import(app, second, dry_run=True, **options)
        assert snapshot(app, dry)["events"] == []
        job = run_import(app, second, **options)
        assert (job.state, job.rows_updated, job.rows_unchanged) == ("done", 2, 1)
        today = city_today().isoformat()
        for serial, flip in ((1, ("operating", "non_operating")), (3, ("non_operating", "operating"))):
            events = clerk.get(f"/api/v1/vehicles/{plate(serial)}/yellow/history").get_json()
            assert [(e["kind"], e["effective_date"], e["from_value"], e["to_value"]) for e in events] == [
                ("operating_changed", today, *flip)]
        assert clerk.get(f"/api/v1/vehicles/{plate(2)}/yellow/history").get_json() == []
