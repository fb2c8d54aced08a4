"""The report's pure rules: months and areas asked for, totals from parts, shares, alert days, stage buckets."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.content import Column, ColumnFormat
from reports.rules import share, totals_row, validate_area, validate_month
from reports.sections.gates import alert_days, covers, stage_group
from shared.errors import ValidationFailed

TZ = "Asia/Shanghai"


def test_the_current_city_month_may_be_asked_for_but_not_the_next():
    # 2026-10-31 17:00 UTC is already 1 November in the city.
    now = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert validate_month("2026-11", now, TZ) == "2026-11"
    with pytest.raises(ValidationFailed) as raised:
        validate_month("2026-12", now, TZ)
    assert raised.value.errors[0]["field"] == "month"
    # One hour earlier it is still October in the city: November has not begun.
    with pytest.raises(ValidationFailed):
        validate_month("2026-11", datetime(2026, 10, 31, 15, 59, tzinfo=UTC), TZ)


def test_areas_are_the_city_or_its_districts():
    assert validate_area(None, "141000") == "city"
    assert validate_area("CITY", "141000") == "city"
    assert validate_area("141002", "141000") == "141002"
    for bad in ("140105", "141000", "1410O2", "14100"):
        with pytest.raises(ValidationFailed) as raised:
            validate_area(bad, "141000")
        assert raised.value.errors[0]["field"] == "area"


def test_totals_sum_the_parts_and_recompute_shares_from_summed_parts():
    columns = [
        Column("name", "名称", "Name"),
        Column("num", "分子", "Numerator", ColumnFormat.DECIMAL, "sum"),
        Column("den", "分母", "Denominator", ColumnFormat.DECIMAL, "sum"),
        Column("share", "比例", "Share", ColumnFormat.PERCENT, "ratio", ("num", "den")),
        Column("target", "目标", "Target", ColumnFormat.PERCENT),
    ]
    rows = [
        {"name": "a", "num": 9, "den": 10, "share": 0.9, "target": 0.8},
        {"name": "b", "num": 10, "den": 100, "share": 0.1, "target": 0.8},
        {"name": "c", "num": None, "den": 0, "share": None, "target": None},
    ]
    totals = totals_row(columns, rows)
    assert totals == {"name": "合计", "num": 19, "den": 110, "share": 0.1727, "target": None}
    assert totals["share"] != (0.9 + 0.1) / 2  # not the average of the shares


def test_decimal_parts_add_up_exactly():
    columns = [Column("name", "名称", "Name"), Column("t", "吨", "t", ColumnFormat.DECIMAL, "sum")]
    assert totals_row(columns, [{"t": 0.1}, {"t": 0.2}])["t"] == 0.3


def test_share_is_none_without_a_denominator_and_rounds_half_up():
    assert share(1, 0) is None and share(None, 5) is None
    assert share(2, 3) == 0.6667 and share(1, 8) == 0.125


@pytest.mark.parametrize(
    ("stage", "group"),
    [("china_0", "china_4_or_below"), ("china_4", "china_4_or_below"), ("china_5", "china_5"),
     ("china_6a", "china_6"), ("china_6b", "china_6"), ("electric", "electric"), (None, "unknown"), ("X", "unknown")],
)  # fmt: skip
def test_stage_groups(stage, group):
    assert stage_group(stage) == group


def test_alerts_cover_their_area_and_the_city_sees_its_districts_alerts():
    assert covers("141000", "141002", "141000")  # the city's alert covers a district
    assert covers("140000", "141002", "141000")  # the province's too
    assert not covers("141081", "141002", "141000")  # another district's does not
    assert covers("141081", "city", "141000")  # but it is an alert day in the city
    assert not covers("140100", "city", "141000")  # Taiyuan's is not


def test_alert_days_are_city_days_clipped_to_the_month():
    start, end = datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC)
    noon_to_noon = {"starts_at": "2026-10-10T12:00:00+08:00", "ends_at": "2026-10-12T12:00:00+08:00"}
    assert alert_days([noon_to_noon], start, end, TZ) == {date(2026, 10, 10), date(2026, 10, 11), date(2026, 10, 12)}
    ends_at_midnight = {"starts_at": "2026-10-20T00:00:00+08:00", "ends_at": "2026-10-21T00:00:00+08:00"}
    assert alert_days([ends_at_midnight], start, end, TZ) == {date(2026, 10, 20)}
    across_months = {"starts_at": "2026-09-29T08:00:00+08:00", "ends_at": "2026-10-02T08:00:00+08:00"}
    assert alert_days([across_months], start, end, TZ) == {date(2026, 10, 1), date(2026, 10, 2)}


def test_machinery_coverage_per_district_is_judged_against_the_target_and_adds_up():
    from reports.content import Table
    from reports.rules import with_totals
    from reports.sections.machinery import coverage_rows, target_fraction

    assert target_fraction("0.20") == 0.2 and target_fraction("20") == 0.2 and target_fraction(None) is None
    coverage = {"by_district": [{"district_code": "141081", "registered": 10, "tested": 1, "share": "0.1000"},
                                {"district_code": "141002", "registered": 40, "tested": 10, "share": "0.2500"},
                                {"district_code": "141023", "registered": 0, "tested": 0, "share": None}]}  # fmt: skip
    rows = coverage_rows(coverage, 0.2)
    assert [(r["district_code"], r["share"], r["verdict"]) for r in rows] == [
        ("141002", 0.25, "达标"), ("141023", None, "无登记机械"), ("141081", 0.1, "未达标")]  # fmt: skip
    assert rows[0]["district"] == "尧都区"
    columns = [Column("district", "区县", "District"), Column("registered", "登记", "R", ColumnFormat.INTEGER, "sum"),
               Column("tested", "抽检", "T", ColumnFormat.INTEGER, "sum"),
               Column("share", "覆盖率", "S", ColumnFormat.PERCENT, "ratio", ("tested", "registered"))]  # fmt: skip
    totals = with_totals(Table("coverage", "", "", columns, rows)).totals
    assert (totals["registered"], totals["tested"], totals["share"]) == (50, 11, 0.22)


def test_machinery_follow_up_counts_each_outcome_once():
    from reports.sections.machinery import follow_up_rows

    failures = [{"follow_up": "open"}, {"follow_up": "blacklisted"}, {"follow_up": "open"}, {"follow_up": "new_kind"}]
    rows = follow_up_rows(failures)
    assert [(r["follow_up"], r["count"]) for r in rows] == [("待整改", 2), ("列入黑名单", 1), ("new_kind", 1)]


def test_list_changes_put_added_and_lifted_side_by_side_and_sum_per_reason():
    from reports.sections.blacklists import change_rows, reason_rows

    summary = {
        "added": [{"list_kind": "blacklist", "reason_code": "obd_tampering", "reason_zh": "破坏篡改OBD",
                   "subject_kind": "vehicle", "count": 3},
                  {"list_kind": "key_supervision", "reason_code": "fleet_over_emission", "reason_zh": "超标",
                   "subject_kind": "enterprise", "count": 1},
                  {"list_kind": "blacklist", "reason_code": "fleet_over_emission", "reason_zh": "超标",
                   "subject_kind": "enterprise", "count": 2}],
        "lifted": [{"list_kind": "blacklist", "reason_code": "obd_tampering", "reason_zh": "破坏篡改OBD",
                    "subject_kind": "vehicle", "count": 1},
                   {"list_kind": "blacklist", "reason_code": "obd_tampering", "reason_zh": "破坏篡改OBD",
                    "subject_kind": "machinery", "count": 1}],
    }  # fmt: skip
    changes = change_rows(summary)
    assert [(r["list_kind"], r["reason_code"], r["subject"], r["added"], r["lifted"]) for r in changes] == [
        ("黑名单", "fleet_over_emission", "企业", 2, 0), ("黑名单", "obd_tampering", "非道路移动机械", 0, 1),
        ("黑名单", "obd_tampering", "机动车", 3, 1), ("重点监管", "fleet_over_emission", "企业", 1, 0)]  # fmt: skip
    sources = {"obd_tampering": {"source_document": "临政办发〔2024〕40号", "source_item": "三(五) item 29"}}
    reasons = reason_rows(changes, sources)
    assert [(r["reason_code"], r["added"], r["lifted"], r["source"]) for r in reasons] == [
        ("fleet_over_emission", 3, 0, None),
        ("obd_tampering", 3, 2, "临政办发〔2024〕40号 三(五) item 29"),
    ]


def test_a_site_that_sent_nothing_is_silent_and_listed():
    from reports.sections.gates import completeness_rows

    counts = {"gates": 2, "gates_silent": 0, "silent_minutes": 0, "days_without_events": 0, "passages": 5,
              "incomplete_plates": 0, "unknown_vehicles": 1, "backfilled": 0}  # fmt: skip
    items = [{**counts, "site_id": "S2", "name": "静默", "district_code": "141002", "passages": 0,
              "days_without_events": 31, "last_event_at": None},
             {**counts, "site_id": "S1", "name": "正常", "district_code": "141002", "last_event_at": "2025-10-31"},
             {**counts, "site_id": "S3", "name": "断线", "district_code": "141002", "gates_silent": 1,
              "silent_minutes": 120, "last_event_at": "2025-10-30"}]  # fmt: skip
    rows = completeness_rows(items)
    assert [(r["site"], r["silent"]) for r in rows] == [("S1 正常", "否"), ("S2 静默", "是"), ("S3 断线", "是")]


def test_a_reconciliation_gap_row_per_direction_says_how_large_it_is():
    from reports.sections.transport import gap_rows

    declaration = {"version": 2, "status": "approved", "reconciliation": {
        "status": "gap", "threshold_percent": "20",
        "directions": {"in": {"declared_road_tonnes": "300", "estimated_tonnes": "60", "trips": {"N3": 2},
                              "gap_percent": "80.00"},
                       "out": {"declared_road_tonnes": "90", "estimated_tonnes": "100", "trips": {"N3": 3, "N2": 1},
                               "gap_percent": "10.00"}}}}  # fmt: skip
    rows = gap_rows("煤业", "91141002MA0000001X", declaration)
    assert [(r["direction"], r["declared_tonnes"], r["estimated_tonnes"], r["difference_tonnes"], r["trips"],
             r["gap_share"], r["over"]) for r in rows] == [
        ("进厂", 300, 60, 240, 2, 0.8, "是"), ("出厂", 90, 100, -10, 4, 0.1, "否")]  # fmt: skip
    assert gap_rows("煤业", "x", {"version": 1, "status": "submitted", "reconciliation": None}) == []


def test_a_report_missing_the_same_sections_is_the_same_partial_report():
    from reports.commands import missing_sections

    def report(*unavailable):
        missing = [{"number": n, "service": s, "status": "unavailable", "cause": c} for n, s, c in unavailable]
        return {"sections": [*missing, {"number": 1, "service": "vehicles", "status": "ok", "cause": None}]}

    down = report((6, "railshift", "service_down"), (3, "vehicles", "not_provided"))
    assert missing_sections(down) == {(6, "railshift")}
    assert missing_sections(down) != missing_sections(report((5, "gatecontrol", "service_down")))
    assert missing_sections(report((3, "vehicles", "not_provided"))) == set()


def test_the_enterprises_whose_targets_are_shown_are_the_non_compliant_first_furthest_below_first():
    from reports.sections.transport import judged_first

    rail = {"items": [
        {"uscc": "A", "declared": True, "share": "90.00"}, {"uscc": "B", "declared": True, "share": "10.00"},
        {"uscc": "C", "declared": False, "share": None}, {"uscc": "D", "declared": True, "share": "50.00"},
        {"uscc": "E", "declared": True, "share": "70.00"},
    ]}  # fmt: skip
    failing = {"items": [{"uscc": "E", "worst_margin_pp": "-5.00"}, {"uscc": "A", "worst_margin_pp": "-31.61"}]}
    assert [row["uscc"] for row in judged_first(rail, failing, 10)] == ["A", "E", "B", "D"]
    assert [row["uscc"] for row in judged_first(rail, failing, 3)] == ["A", "E", "B"]
