"""Section figures against the real upstream services: data created through their APIs, read back in the report."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import make_token
from tests.reports import factories

MONTH = "2025-10"
DISTRICT = "141002"  # 尧都区
OTHER_DISTRICT = "141081"  # 侯马市


@pytest.fixture(scope="module")
def upstreams(seeded_upstreams):
    return seeded_upstreams


def _section(report: dict, key: str) -> dict:
    section = next(s for s in report["sections"] if s["key"] == key)
    assert section["status"] == "ok", section
    return section


def _table(section: dict, key: str) -> dict:
    return next(t for t in section["tables"] if t["key"] == key)


def _report(as_role, area: str) -> dict:
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{MONTH}", query_string={"area": area, "regenerate": "true"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture(scope="module")
def railshift_data(upstreams):
    """Four coal mines: two approved in the district (one clean, one not), one only submitted, one elsewhere."""
    rail = factories.Railshift(upstreams["railshift"].url)
    clean = rail.enterprise("尧都清洁煤业", DISTRICT)
    dirty = rail.enterprise("尧都汽运煤业", DISTRICT)
    waiting = rail.enterprise("尧都待审煤业", DISTRICT)
    elsewhere = rail.enterprise("侯马煤业", OTHER_DISTRICT)
    rail.approved(clean, MONTH, rail_t=700, clean_road_t=200, dirty_road_t=100)
    rail.approved(dirty, MONTH, rail_t=300, clean_road_t=0, dirty_road_t=700)
    rail.submitted(waiting, MONTH, rail_t=100, clean_road_t=0, dirty_road_t=100)
    rail.approved(elsewhere, MONTH, rail_t=500, clean_road_t=0, dirty_road_t=500)
    return {"clean": clean, "dirty": dirty, "waiting": waiting, "elsewhere": elsewhere}


def test_transport_shares_per_enterprise_add_up_to_the_district_total(as_role, railshift_data):
    section = _section(_report(as_role, DISTRICT), "transport")
    shares = _table(section, "shares")
    rows = {row["uscc"]: row for row in shares["rows"]}
    assert set(rows) == {railshift_data["clean"], railshift_data["dirty"], railshift_data["waiting"]}
    clean, dirty = rows[railshift_data["clean"]], rows[railshift_data["dirty"]]
    assert (clean["rail_tonnes"], clean["bulk_tonnes"], clean["rail_share"]) == (700, 1000, 0.7)
    assert (clean["clean_tonnes"], clean["clean_share"]) == (900, 0.9)
    assert (dirty["rail_share"], dirty["clean_share"]) == (0.3, 0.3)
    # Only approved figures count: the submitted declaration contributes nothing yet.
    assert rows[railshift_data["waiting"]]["rail_tonnes"] == 0
    assert rows[railshift_data["waiting"]]["rail_share"] is None
    totals = shares["totals"]
    assert totals["rail_tonnes"] == sum(r["rail_tonnes"] for r in shares["rows"]) == 1000
    assert totals["bulk_tonnes"] == 2000
    assert totals["rail_share"] == 0.5  # the ratio of the summed parts, not an average of shares
    assert totals["clean_share"] == 0.6
    assert totals["name"] == "合计"


def test_transport_lists_the_non_compliant_and_the_unapproved_with_the_plan_cited(as_role, railshift_data):
    section = _section(_report(as_role, DISTRICT), "transport")
    failing = [row["uscc"] for row in _table(section, "non_compliant")["rows"]]
    assert failing == [railshift_data["dirty"]]
    missed = _table(section, "non_compliant")["rows"][0]["missed"]
    assert "clean" in missed and "临政办发〔2024〕40号" in missed
    pending = {row["uscc"]: row["status"] for row in _table(section, "not_approved")["rows"]}
    assert pending == {railshift_data["waiting"]: "已提交"}
    cited = {(t["code"], t["document"]) for t in section["targets"]}
    assert ("clean_transport_share.coal", "临政办发〔2024〕40号") in cited
    # Targets not in force in October 2025 are not cited (the 2020 rail target ended with 2020).
    assert "rail_share.bulk_freight_with_siding" not in {t["code"] for t in section["targets"]}
    assert {s["service"] for s in section["sources"]} == {"railshift"}
    assert all(s["as_of"] for s in section["sources"])


def test_the_city_report_includes_every_district(as_role, railshift_data):
    shares = _table(_section(_report(as_role, "city"), "transport"), "shares")
    assert railshift_data["elsewhere"] in {row["uscc"] for row in shares["rows"]}
    assert shares["totals"]["rail_tonnes"] == 1500


def test_rules_exist_upstream(upstreams):
    """Guard: the seeded upstream serves its rules (so a missing citation is the report's fault, not the data's)."""
    response = requests.get(
        f"{upstreams['railshift'].url}/api/v1/policy-rules",
        params={"code": "clean_transport_share.coal"},
        headers={"Authorization": f"Bearer {make_token('admin')}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["items"]


VMONTH = "2025-03"  # inside Linfen's 2024 plan (临政办发〔2024〕40号, in force 2024-12-06 to 2025-03-31)


@pytest.fixture(scope="module")
def vehicles_data(upstreams):
    """Four trucks and five buses; one truck retired in the month, one the month before, one bus added."""
    reg = factories.Vehicles(upstreams["vehicles"].url)
    kept_iii = reg.vehicle(DISTRICT, "2010-05-01", stage="china_3")
    gone_iii = reg.vehicle(DISTRICT, "2011-05-01", stage="china_3")
    gone_iv_before = reg.vehicle(OTHER_DISTRICT, "2014-01-01", stage="china_4", vehicle_class="N2")
    reg.vehicle(DISTRICT, "2016-01-01", stage="china_4")
    reg.retire(gone_iii, "scrapped", "2025-03-15")
    reg.retire(gone_iv_before, "scrapped", "2025-02-10")
    bus = {"vehicle_class": "M3", "body_type": "bus"}
    for registered, fuel in (
        ("2020-01-01", "battery_electric"),
        ("2021-01-01", "battery_electric"),
        ("2019-01-01", "diesel"),
        ("2025-03-05", "battery_electric"),
    ):
        reg.vehicle(DISTRICT, registered, fuel=fuel, stage=None if fuel != "diesel" else "china_5", **bus)
    reg.vehicle(OTHER_DISTRICT, "2019-01-01", fuel="diesel", stage="china_5", **bus)
    return {"kept_iii": kept_iii}


def _vreport(as_role, area: str) -> dict:
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{VMONTH}", query_string={"area": area, "regenerate": "true"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_phaseout_progress_per_plan_with_the_month_and_the_overdue(as_role, vehicles_data):
    section = _section(_vreport(as_role, DISTRICT), "phaseout")
    plans = {row["plan"]: row for row in _table(section, "plans")["rows"]}
    china3 = next(row for name, row in plans.items() if "国三" in name and "临汾" in name)
    assert (china3["population"], china3["eliminated"], china3["eliminated_in_month"]) == (2, 1, 1)
    assert (china3["remaining"], china3["overdue"], china3["done_share"]) == (1, 1, 0.5)
    china4 = next(row for name, row in plans.items() if "国四" in name)
    assert (china4["population"], china4["eliminated"], china4["eliminated_in_month"]) == (3, 1, 1)
    assert (china4["remaining"], china4["overdue"]) == (2, 0)
    overdue = _table(section, "overdue")["rows"]
    assert [row["plate"] for row in overdue] == [vehicles_data["kept_iii"]["plate"]]
    documents = {t["document"] for t in section["targets"]}
    assert {"临政办发〔2020〕13号", "临政办发〔2024〕40号"} <= documents


def test_phaseout_district_tables_add_up_to_the_city(as_role, vehicles_data):
    section = _section(_vreport(as_role, "city"), "phaseout")
    plans = {row["plan"]: row for row in _table(section, "plans")["rows"]}
    china4 = next(row for name, row in plans.items() if "国四" in name)
    assert (china4["population"], china4["eliminated"], china4["eliminated_in_month"]) == (4, 2, 1)
    for table in section["tables"]:
        if table["key"].startswith("districts_"):
            assert table["totals"]["population"] == sum(r["population"] for r in table["rows"])
    district_totals = [t["totals"]["population"] for t in section["tables"] if t["key"].startswith("districts_")]
    assert sorted(district_totals) == sorted(row["population"] for row in plans.values())


def test_nev_shares_of_stock_and_additions_against_target_month_on_month(as_role, vehicles_data):
    section = _section(_vreport(as_role, DISTRICT), "nev")
    table = _table(section, "categories")
    bus = next(row for row in table["rows"] if row["category"] == "公交车")
    assert (bus["stock_total"], bus["stock_nev"], bus["stock_share"]) == (4, 3, 0.75)
    assert bus["previous_share"] == 0.6667 and bus["change_pp"] == 8.33
    assert (bus["added_total"], bus["added_nev"], bus["added_share"]) == (1, 1, 1.0)
    assert bus["previous_added_share"] is None  # no bus was registered in February
    assert bus["added_target"] == 1.0  # every new or replaced bus new-energy or clean (临政办发〔2024〕40号)
    assert table["totals"]["stock_total"] == sum(row["stock_total"] for row in table["rows"])
    assert any(t["document"] == "临政办发〔2024〕40号" for t in section["targets"])
    city_bus = next(
        r for r in _table(_section(_vreport(as_role, "city"), "nev"), "categories")["rows"] if r["category"] == "公交车"
    )
    assert (city_bus["stock_total"], city_bus["stock_share"]) == (5, 0.6)


@pytest.fixture(scope="module")
def gate_data(upstreams):
    """Three sites (two in the district); an orange alert on 10-12 October; passages around it and the month."""
    gates = factories.Gatecontrol(upstreams["gatecontrol"].url)
    plant = gates.site("RS-A", DISTRICT, "尧都钢铁")
    coke = gates.site("RS-B", DISTRICT, "尧都焦化")
    far = gates.site("RS-C", OTHER_DISTRICT, "侯马钢铁")
    gates.alert("LF-2025-10", "orange", "141000", "2025-10-10T12:00:00+08:00", "2025-10-12T12:00:00+08:00")
    passage = factories.passage
    gates.passages(
        plant,
        passage("2025-10-11T08:00:00+08:00"),  # 国四 coal truck during the alert: a violation
        passage("2025-10-11T09:00:00+08:00", stage="5"),  # alert day, allowed
        passage("2025-10-05T08:00:00+08:00"),  # 国四 on a normal day
        passage("2025-10-20T08:00:00+08:00", stage="5", plate="晋L1"),  # the camera caught part of the plate
        passage("2025-10-31T23:30:00+08:00", stage="6", gate_id="G2"),  # the month's last local half hour
        passage("2025-11-01T00:10:00+08:00"),  # November in the city
        passage("2025-09-30T23:50:00+08:00"),  # September in the city
    )
    gates.passages(coke, passage("2025-10-10T13:00:00+08:00", stage="D", fuel="纯电动"))
    gates.passages(far, passage("2025-10-11T08:00:00+08:00"))


def test_gate_figures_per_site_with_the_alert_and_its_violations(as_role, gate_data):
    section = _section(_report(as_role, DISTRICT), "gates")
    sites = {row["site"].split()[0]: row for row in _table(section, "sites")["rows"]}
    assert set(sites) == {"RS-A", "RS-B"}
    plant = sites["RS-A"]
    assert (plant["total"], plant["in"], plant["out"]) == (5, 4, 1)
    assert (plant["alert_day_passages"], plant["violations"], plant["china_4_or_below"]) == (2, 1, 2)
    assert (plant["complete_plates"], plant["incomplete_plates"], plant["complete_share"]) == (4, 1, 0.8)
    assert (sites["RS-B"]["total"], sites["RS-B"]["alert_day_passages"], sites["RS-B"]["violations"]) == (1, 1, 0)
    totals = _table(section, "sites")["totals"]
    assert (totals["total"], totals["violations"], totals["alert_day_passages"]) == (6, 1, 3)
    stages = {row["stage"]: row["count"] for row in _table(section, "stages")["rows"]}
    assert stages == {"国四及以下": 2, "国五": 2, "国六": 1, "电动（新能源）": 1, "未知": 0}
    assert _table(section, "stages")["totals"]["count"] == totals["total"]
    alerts = _table(section, "alerts")["rows"]
    assert [(a["alert_key"], a["days"]) for a in alerts] == [("LF-2025-10", 3)]
    assert [v["site_id"] for v in _table(section, "violations")["rows"]] == ["RS-A"]
    assert any(t["document"] == "石政发〔2019〕3号" for t in section["targets"])


def test_the_city_gate_figures_include_the_other_district(as_role, gate_data):
    section = _section(_report(as_role, "city"), "gates")
    totals = _table(section, "sites")["totals"]
    assert (totals["total"], totals["violations"]) == (7, 2)


def test_a_report_with_data_renders_to_xlsx_and_pdf_with_its_figures(as_role, vehicles_data):
    import io

    import openpyxl
    import pypdf

    reader = as_role("environment")
    report = _vreport(as_role, "city")
    query = {"area": "city", "version": report["version"]}
    xlsx = reader.get(f"/api/v1/reports/monthly/{VMONTH}", query_string={**query, "format": "xlsx"})
    assert xlsx.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    plans = workbook["1 柴油货车淘汰"]
    assert [c.value for c in plans[1]][:4] == ["淘汰计划", "截止日期", "应淘汰总数", "累计已淘汰"]
    assert plans["H2"].number_format == "0.0%"
    district_sheets = [name for name in workbook.sheetnames if "分区县" in name]
    assert district_sheets and all(":" not in name for name in district_sheets)
    sheet = workbook[district_sheets[0]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    totals = next(row for row in rows if row[0] == "合计")
    parts = [row for row in rows[: rows.index(totals)]]
    assert totals[1] == sum(row[1] for row in parts)  # 合计 = the districts above it
    pdf = reader.get(f"/api/v1/reports/monthly/{VMONTH}", query_string={**query, "format": "pdf"})
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "各淘汰计划进度" in text and "公交车" in text and vehicles_data["kept_iii"]["plate"] in text
