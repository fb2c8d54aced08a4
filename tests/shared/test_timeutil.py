"""Months, days and deadlines are cut in the city's time zone; storage is UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.timeutil import day_bounds, end_of_day_deadline, local_date, month_bounds, parse_month, to_utc

CST = timezone(timedelta(hours=8))


def test_a_passage_just_after_midnight_in_linfen_belongs_to_that_city_day():
    late_utc = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 October in Shanghai time
    assert local_date(late_utc) == date(2026, 10, 1)


def test_month_bounds_are_shanghai_midnights_in_utc():
    assert month_bounds("2026-10") == (datetime(2026, 9, 30, 16, tzinfo=UTC), datetime(2026, 10, 31, 16, tzinfo=UTC))
    assert month_bounds("2026-12")[1] == datetime(2026, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", "", "2026/10"])
def test_bad_months_say_the_expected_shape(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month(bad)


def test_a_deadline_by_a_day_ends_at_the_following_city_midnight():
    assert end_of_day_deadline(date(2020, 10, 31)) == datetime(2020, 10, 31, 16, tzinfo=UTC)
    start, end = day_bounds(date(2020, 10, 31))
    assert end - start == timedelta(days=1)


def test_naive_times_are_refused_and_offsets_converted():
    with pytest.raises(ValueError, match="offset"):
        to_utc(datetime(2026, 10, 1, 8))
    assert to_utc(datetime(2026, 10, 1, 8, tzinfo=CST)) == datetime(2026, 10, 1, 0, tzinfo=UTC)


def test_month_days_knows_leap_februaries_and_december():
    from shared.timeutil import month_days

    assert [len(month_days(m)) for m in ("2024-02", "2025-02", "2026-12")] == [29, 28, 31]
    assert month_days("2026-12")[-1] == date(2026, 12, 31)


def test_month_arithmetic_crosses_the_year():
    from shared.timeutil import month_range, months_between, previous_month

    assert previous_month("2026-01") == "2025-12"
    assert previous_month("2026-10") == "2026-09"
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-02", "2025-11") == []
    assert month_range("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
