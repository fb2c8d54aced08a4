"""Section 2 in October 2025: every Linfen NEV target's plan had ended (2020 ones 2020-12-31, 临政办发〔2024〕40号
2025-03-31), yet the fleets are still judged against them, carried forward (vehicles nev_targets.yaml carry_forward),
and the report marks each one 沿用 with the day its rule ended."""

from __future__ import annotations

import pytest

from reports.sections.nev import carried_cell
from tests.conftest import make_token
from tests.reports import factories

MONTH = "2025-10"
DISTRICT = "141024"  # 洪洞县: no other report test registers vehicles here

_section, _table = factories.section_of, factories.table_of


@pytest.fixture(scope="module")
def upstreams(seeded_upstreams):
    return seeded_upstreams


@pytest.fixture(scope="module")
def october(upstreams, app):
    """Three buses of the district (two battery-electric, one of them registered in October) and its report.

    All registered after March 2025, so the city-wide March figures test_sections.py reads do not count them."""
    reg = factories.Vehicles(upstreams["vehicles"].url)
    bus = {"vehicle_class": "M3", "body_type": "bus"}
    reg.vehicle(DISTRICT, "2025-05-06", fuel="battery_electric", stage=None, **bus)
    reg.vehicle(DISTRICT, "2025-06-03", stage="china_6a", **bus)
    reg.vehicle(DISTRICT, "2025-10-10", fuel="battery_electric", stage=None, **bus)
    with app.test_client() as client:
        response = client.get(f"/api/v1/reports/monthly/{MONTH}",
                              headers={"Authorization": f"Bearer {make_token('environment')}"},
                              query_string={"area": DISTRICT, "regenerate": "true"})  # fmt: skip
        assert response.status_code == 200, response.get_data(as_text=True)
    return _section(response.get_json(), "nev")


def test_october_2025_judges_the_fleets_against_carried_targets_and_marks_them(october):
    rows = {row["category"]: row for row in _table(october, "categories")["rows"]}
    bus = rows["公交车"]
    assert (bus["stock_total"], bus["stock_nev"], bus["stock_target"]) == (3, 2, 1.0)
    assert (bus["added_total"], bus["added_nev"], bus["added_target"]) == (1, 1, 1.0)
    assert bus["verdict"] == "未达标"  # 2 of 3 against the carried 100 % stock target; before: 无目标或无数据
    assert bus["carried_forward"] == "保有目标沿用（原规定至2020-12-31止）；新增目标沿用（原规定至2025-03-31止）"
    assert rows["邮政快递车"]["carried_forward"] == "新增目标沿用（原规定至2025-03-31止）"  # no stock target
    assert rows["混凝土搅拌车"]["carried_forward"] is None  # no target at all


def test_the_cited_rules_and_the_notes_say_the_targets_are_carried(october):
    cited = {t["code"]: t["description"] for t in october["targets"]}
    assert "沿用（原规定至2020-12-31止）" in cited["nev_share.bus_stock"]
    assert "沿用（原规定至2025-03-31止）" in cited["nev_or_clean_share.bus_new_or_replaced"]
    assert any("沿用" in note and "carried forward" in note for note in october["notes"])


def test_a_target_in_force_is_not_marked():
    in_force = {"carried_forward": False, "rule_effective_to": "2025-03-31"}
    lapsed = {"carried_forward": True, "rule_effective_to": "2020-12-31"}
    assert carried_cell(in_force, in_force) is None
    assert carried_cell(lapsed, in_force) == "保有目标沿用（原规定至2020-12-31止）"
    assert carried_cell(None, None) is None
