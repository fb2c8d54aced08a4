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


_section, _table = factories.section_of, factories.table_of


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
    # Worst first: the dirty mine misses both; the clean one only the 2020 80 % rail target, carried forward.
    assert failing == [railshift_data["dirty"], railshift_data["clean"]]
    dirty, clean = (row["missed"] for row in _table(section, "non_compliant")["rows"])
    assert "clean" in dirty and "临政办发〔2024〕40号" in dirty
    assert clean == "rail 70.00% >= 80%（临政办发〔2020〕13号 四(三) item 14，沿用（原规定至2020-12-31止））"
    pending = {row["uscc"]: row["status"] for row in _table(section, "not_approved")["rows"]}
    assert pending == {railshift_data["waiting"]: "已提交"}
    cited = {(t["code"], t["document"]) for t in section["targets"]}
    assert ("clean_transport_share.coal", "临政办发〔2024〕40号") in cited
    # The 2020 rail target ended with 2020: cited as carried forward (沿用), not as in force.
    carried = {t["code"]: t["description"] for t in section["targets"]}["rail_share.bulk_freight_with_siding"]
    assert carried.startswith("linfen: 沿用（原规定至2020-12-31止）")
    assert {s["service"] for s in section["sources"]} == {"railshift"}
    assert all(s["as_of"] for s in section["sources"])


def test_the_city_report_includes_every_district(as_role, railshift_data):
    shares = _table(_section(_report(as_role, "city"), "transport"), "shares")
    assert railshift_data["elsewhere"] in {row["uscc"] for row in shares["rows"]}
    assert shares["totals"]["rail_tonnes"] == 1500


def test_each_enterprise_is_judged_against_its_own_target_drawn_as_a_line(as_role, railshift_data):
    section = _section(_report(as_role, DISTRICT), "transport")
    targets = _table(section, "targets")
    rows = {row["uscc"]: row for row in targets["rows"] if row["ratio"] == "清洁运输比例"}
    # Only enterprises with approved figures are judged; the waiting one is listed as not approved instead.
    assert {row["uscc"] for row in targets["rows"]} == set(rows) == {railshift_data["clean"], railshift_data["dirty"]}
    clean, dirty = rows[railshift_data["clean"]], rows[railshift_data["dirty"]]
    assert (clean["ratio"], clean["share"], clean["target"], clean["margin_pp"]) == ("清洁运输比例", 0.9, 0.8, 10.0)
    assert (clean["verdict"], dirty["verdict"], dirty["margin_pp"]) == ("达标", "未达标", -50.0)
    assert "临政办发〔2024〕40号" in dirty["source"]
    assert clean["carried_forward"] is None  # 临政办发〔2024〕40号's 2025 coal target is in force in October 2025
    rail = [row for row in targets["rows"] if row["ratio"] == "铁路运输比例"]
    assert {(row["uscc"], row["target"], row["carried_forward"]) for row in rail} == {
        (code, 0.8, "沿用（原规定至2020-12-31止）") for code in (railshift_data["clean"], railshift_data["dirty"])}
    chart = next(c for c in section["charts"] if c["table"] == "targets")
    assert (chart["kind"], chart["value"], chart["target"]) == ("share_vs_target", "share", "target")


GAP_MONTH = "2025-09"


@pytest.fixture(scope="module")
def gap_data(upstreams):
    """A coal mine declaring 300 t inbound by road while its gate saw two heavy trucks come in (about 60 t)."""
    code = factories.uscc(OTHER_DISTRICT)
    gates = factories.Gatecontrol(upstreams["gatecontrol"].url)
    key = gates.site("RS-R", OTHER_DISTRICT, "侯马对账煤业", owner=code)
    gates.passages(key, factories.passage("2025-09-03T08:00:00+08:00", stage="6"),
                   factories.passage("2025-09-04T08:00:00+08:00", stage="6"))  # fmt: skip
    rail = factories.Railshift(upstreams["railshift"].url)
    rail.enterprise("侯马对账煤业", OTHER_DISTRICT, code=code, site_ids=("RS-R",))
    declaration = rail.approved(code, GAP_MONTH, rail_t=100, clean_road_t=200, dirty_road_t=100)
    return {"uscc": code, "declaration": declaration}


def test_reconciliation_gaps_show_how_large_they_are(as_role, gap_data):
    assert gap_data["declaration"]["reconciliation_status"] == "gap", gap_data["declaration"].get("reconciliation")
    response = as_role("environment").get(
        f"/api/v1/reports/monthly/{GAP_MONTH}", query_string={"area": OTHER_DISTRICT, "regenerate": "true"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    section = _section(response.get_json(), "transport")
    gaps = _table(section, "reconciliation_gaps")
    rows = {row["direction"]: row for row in gaps["rows"] if row["uscc"] == gap_data["uscc"]}
    inbound = rows["进厂"]
    assert (inbound["declared_tonnes"], inbound["estimated_tonnes"], inbound["difference_tonnes"]) == (300, 60, 240)
    assert (inbound["trips"], inbound["gap_share"], inbound["threshold"], inbound["over"]) == (2, 0.8, 0.2, "是")
    assert (rows["出厂"]["declared_tonnes"], rows["出厂"]["over"]) == (0, "否")
    totals = gaps["totals"]
    assert (totals["declared_tonnes"], totals["estimated_tonnes"], totals["trips"]) == (
        sum(r["declared_tonnes"] for r in gaps["rows"]), sum(r["estimated_tonnes"] for r in gaps["rows"]),
        sum(r["trips"] for r in gaps["rows"]))  # fmt: skip
    assert any("/api/v1/declarations/{id}" in s["path"] for s in section["sources"])


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
    # The 2020 stock target (100 % by 2020-12-31) is carried forward; the 2024-25 additions one is in force.
    assert (bus["stock_target"], bus["carried_forward"]) == (1.0, "保有目标沿用（原规定至2020-12-31止）")
    assert table["totals"]["stock_total"] == sum(row["stock_total"] for row in table["rows"])
    assert any(t["document"] == "临政办发〔2024〕40号" for t in section["targets"])
    city_bus = next(
        r for r in _table(_section(_vreport(as_role, "city"), "nev"), "categories")["rows"] if r["category"] == "公交车"
    )
    assert (city_bus["stock_total"], city_bus["stock_share"]) == (5, 0.6)


# A response rule of Linfen for the test (the shipped alert rule is Shijiazhuang's and binds no Linfen site):
# during an orange alert, diesel trucks of China IV and below hauling coal may not pass.
LINFEN_ALERT_RULE = {
    "code": "alert.report_test.linfen", "jurisdiction": "141000", "issuer": "临汾市人民政府", "min_level": "orange",
    "directions": ["in", "out"], "fuels": ["diesel"], "max_stage": "china_4", "goods_keywords": ["煤"],
    "industries": ["steel", "coking"], "effective_from": "2019-01-01", "source_document": "临测〔2025〕1号",
    "source_item": "item 1", "description": "report test rule",
}  # fmt: skip


@pytest.fixture(scope="module")
def gate_data(upstreams):
    """Three sites (two in the district); an orange alert on 10-12 October; passages around it and the month."""
    gates = factories.Gatecontrol(upstreams["gatecontrol"].url)
    plant = gates.site("RS-A", DISTRICT, "尧都钢铁")
    coke = gates.site("RS-B", DISTRICT, "尧都焦化")
    far = gates.site("RS-C", OTHER_DISTRICT, "侯马钢铁")
    gates.site("RS-S", DISTRICT, "尧都静默焦化")  # registered, but its gates sent nothing all month
    gates.alert("LF-2025-10", "orange", "141000", "2025-10-10T12:00:00+08:00", "2025-10-12T12:00:00+08:00")
    gates.response_rule(LINFEN_ALERT_RULE)
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
    assert set(sites) == {"RS-A", "RS-B", "RS-S"}  # every site of the district, the one that sent nothing too
    assert (sites["RS-S"]["total"], sites["RS-S"]["complete_share"]) == (0, None)
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
    documents = {t["document"] for t in section["targets"]}
    # Only the rules that can bind a site of the area are cited: Shijiazhuang's plan judges nothing in Linfen.
    assert "临测〔2025〕1号" in documents and "石政发〔2019〕3号" not in documents


def test_silent_sites_and_gates_are_listed_with_the_completeness_of_every_site(as_role, gate_data):
    section = _section(_report(as_role, DISTRICT), "gates")
    table = _table(section, "completeness")
    rows = {row["site"].split()[0]: row for row in table["rows"]}
    assert set(rows) == {"RS-A", "RS-B", "RS-S"}
    silent = rows["RS-S"]
    assert (silent["passages"], silent["days_without_events"], silent["last_event_at"], silent["silent"]) == (
        0, 31, None, "是")  # fmt: skip
    assert (rows["RS-A"]["passages"], rows["RS-A"]["incomplete_plates"], rows["RS-A"]["gates"]) == (5, 1, 2)
    # The completeness view and the ledger count the same passages; the totals are the sums of the sites.
    assert table["totals"]["passages"] == _table(section, "sites")["totals"]["total"] == 6
    for key in ("gates", "gates_silent", "silent_minutes", "days_without_events", "incomplete_plates"):
        assert table["totals"][key] == sum(row[key] for row in table["rows"])
    assert any(c["table"] == "completeness" and c["value"] == "silent_minutes" for c in section["charts"])
    assert any(s["path"].startswith("/api/v1/completeness/monthly?") for s in section["sources"])
    assert not any("注意" in note for note in section["notes"])


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
