"""Bulk import: streamed CSV/XLSX, per-row errors with a downloadable report, batches, idempotent re-import."""

from __future__ import annotations

import csv
import io
import time

import openpyxl
from click.testing import CliRunner

from tests.conftest import TEST_SECRET
from tests.vehicles.factories import plate, uscc, vin
from vehicles.cli import cli

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
    clerk = as_role("police")
    upload(clerk, csv_bytes([row(1)]))
    job = upload(clerk, csv_bytes([row(1, 状态="注销", 状态日期="2020-01-01"), row(2)]))
    assert (job["rows_invalid"], job["rows_inserted"]) == (1, 1)


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
    clerk = as_role("police")
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
    clerk, reader = as_role("police"), as_role("service")
    raw = "晋L\\0 0\t021"
    # enough rows for the bulk (COPY) path of PostgreSQL, which must escape them
    job = upload(clerk, csv_bytes([row(21, 号牌号码=raw, 排放阶段=""), *(row(n) for n in range(100, 160))]))
    assert job["rows_inserted"] == 61, job
    record = clerk.get(f"/api/v1/vehicles/{plate(21)}/yellow").get_json()
    assert (record["plate_raw"], record["stage_inferred"]) == (raw, True)
    change = reader.get("/api/v1/changes").get_json()["items"][0]
    assert change["data"]["plate_raw"] == raw and change["key"] == {"plate": plate(21), "plate_colour": "yellow"}
