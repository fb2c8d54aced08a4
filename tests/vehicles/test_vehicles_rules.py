"""The pure rules, without HTTP: stage inference, stage merging, status transitions, deadline arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from shared.errors import Conflict, ValidationFailed
from vehicles.reference import inference_rows
from vehicles.rules import (
    InferenceRow,
    StatusState,
    change_status,
    days_to_deadline,
    infer_stage,
    merge_stage,
    overdue,
    split_terms,
    stage_at,
    stages_at_most,
    validate_person_id,
)
from vehicles.terms import VehicleStatus


@pytest.fixture(scope="module")
def table():
    return [
        InferenceRow(i, split_terms(r["fuels"]), split_terms(r["classes"]), r["registered_from"], r["registered_to"],
                     r["emission_stage"])
        for i, r in enumerate(inference_rows(), 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fuel", "vehicle_class", "registered", "stage"),
    [
        ("diesel", "N3", date(2008, 6, 30), "china_2"),
        ("diesel", "N3", date(2008, 7, 1), "china_3"),
        ("diesel", "N2", date(2017, 6, 30), "china_4"),
        ("diesel", "N3", date(2017, 7, 1), "china_5"),
        ("diesel", "N1", date(2014, 12, 31), "china_3"),  # light diesel: stage IV only from 2015
        ("petrol", "M1", date(2014, 12, 31), "china_4"),
        ("natural_gas", "M3", date(2023, 7, 1), "china_6b"),
        ("plug_in_hybrid", "M1", date(2020, 7, 1), "china_6a"),
        ("battery_electric", "M3", date(2020, 7, 1), None),
    ],
)
def test_the_most_specific_row_for_the_registration_date_wins(table, fuel, vehicle_class, registered, stage):
    assert infer_stage(table, fuel, vehicle_class, registered)[0] == stage


def test_a_recorded_stage_survives_an_inferred_one_but_not_the_other_way_round():
    assert merge_stage("china_5", False, "china_3", True) == ("china_5", False)
    assert merge_stage("china_3", True, "china_5", False) == ("china_5", False)
    assert merge_stage("china_3", True, "china_4", True) == ("china_4", True)
    assert merge_stage("china_3", False, "china_4", False) == ("china_4", False)


def test_the_stage_before_an_upgrade_applies_until_the_upgrade_day():
    assert stage_at("china_5", "china_3", date(2020, 8, 1), date(2020, 7, 31)) == "china_3"
    assert stage_at("china_5", "china_3", date(2020, 8, 1), date(2020, 8, 1)) == "china_5"
    assert stages_at_most("china_3") == ["china_0", "china_1", "china_2", "china_3"]


def test_status_transitions_keep_the_dates_the_reports_count_from():
    start = StatusState("active", date(2015, 1, 1), None, None)
    void = change_status(start, date(2015, 1, 1), VehicleStatus.PLATE_VOID, date(2020, 1, 1))
    assert (void.out_of_service_on, void.left_on) == (date(2020, 1, 1), None)
    scrapped = change_status(void, date(2015, 1, 1), VehicleStatus.SCRAPPED, date(2020, 5, 1))
    assert (scrapped.out_of_service_on, scrapped.left_on) == (date(2020, 1, 1), date(2020, 5, 1))
    with pytest.raises(Conflict):
        change_status(scrapped, date(2015, 1, 1), VehicleStatus.ACTIVE, date(2021, 1, 1))
    moved = change_status(start, date(2015, 1, 1), VehicleStatus.TRANSFERRED_OUT, date(2019, 1, 1))
    back = change_status(moved, date(2015, 1, 1), VehicleStatus.ACTIVE, date(2019, 6, 1))
    assert (back.out_of_service_on, back.left_on) == (None, None)
    with pytest.raises(ValidationFailed):
        change_status(start, date(2015, 1, 1), VehicleStatus.SCRAPPED, date(2014, 12, 31))
    with pytest.raises(ValidationFailed):
        change_status(void, date(2015, 1, 1), VehicleStatus.SCRAPPED, date(2019, 12, 31))


def test_deadline_arithmetic_at_the_boundary():
    deadline = date(2020, 10, 31)
    assert (days_to_deadline(deadline, date(2020, 10, 31)), overdue(deadline, date(2020, 10, 31), 7)) == (0, 0)
    assert (days_to_deadline(deadline, date(2020, 11, 1)), overdue(deadline, date(2020, 11, 1), 7)) == (-1, 7)
    assert (days_to_deadline(None, date(2020, 11, 1)), overdue(None, date(2030, 1, 1), 7)) == (None, 0)


def test_person_ids_carry_a_check_character():
    assert validate_person_id("11010119900307447 7".replace(" ", "")) == "110101199003074477"
    with pytest.raises(ValueError, match="check character"):
        validate_person_id("110101199003074478")
