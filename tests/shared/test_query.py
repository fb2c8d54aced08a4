"""The month and area query fields: every service explains a bad month or area in the same words."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from gatecontrol.schemas import MonthlyCompletenessQuerySchema
from shared.query import MonthAreaQuerySchema, area_prefix, month_or_422, uscc_or_422

BAD = {"month": "2025-13", "area": "14100"}
REASONS = {"month": ["month must look like YYYY-MM between 1900-01 and 2999-12 (e.g. 2026-10), got '2025-13'"],
           "area": ["a division code is six digits; got 5"]}


@pytest.mark.parametrize("schema", [MonthAreaQuerySchema, MonthlyCompletenessQuerySchema])
def test_a_bad_month_and_area_are_each_named_with_their_reason(schema: type) -> None:
    assert schema().validate(BAD) == REASONS


def test_the_area_is_optional_and_read_as_its_six_digits() -> None:
    assert MonthAreaQuerySchema().load({"month": "2025-12"}) == {"month": "2025-12", "area": None}
    assert MonthAreaQuerySchema().load({"month": "2025-12", "area": " 141000 "})["area"] == "141000"


def test_path_parameters_name_their_field() -> None:
    assert month_or_422("2025-12") == "2025-12"
    with pytest.raises(ValidationError) as month:
        month_or_422("2025-1", field="period")
    assert list(month.value.messages) == ["period"]
    with pytest.raises(ValidationError) as uscc:
        uscc_or_422("91141000")
    assert list(uscc.value.messages) == ["uscc"]


def test_an_area_covers_the_districts_under_it() -> None:
    assert [area_prefix(a) for a in ("140000", "141000", "141002")] == ["14", "1410", "141002"]
