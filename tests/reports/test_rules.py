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
