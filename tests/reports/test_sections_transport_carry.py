"""Section 6 in December 2025: targets whose plan period has ended are still judged, carried forward (railshift
targets.yaml carry_forward), and the report marks each one 沿用 with the day its rule ended."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.conftest import make_token
from tests.reports import factories

MONTH = "2025-12"  # Linfen's 2024-25 campaign (临政办发〔2024〕40号) ended 2025-03-31; its 2025 coal target has not
DISTRICT = "141023"  # 襄汾县: no other report test declares freight here

_section, _table = factories.section_of, factories.table_of


@pytest.fixture(scope="module")
def upstreams(seeded_upstreams):
    return seeded_upstreams


@pytest.fixture(scope="module")
def december(upstreams, app):
    """A steel plant (its only targets lapsed: 2024-25 campaign, 2020 plan) and a coal mine (2025 target in force),
    both with a siding; the report of their district for December 2025."""
    rail = factories.Railshift(upstreams["railshift"].url)
    steel = rail.enterprise("襄汾沿用钢铁", DISTRICT, industry="steel")
    coal = rail.enterprise("襄汾现行煤业", DISTRICT)
    rail.approved(steel, MONTH, rail_t=500, clean_road_t=200, dirty_road_t=300)  # rail = clean energy = 50 %
    rail.approved(coal, MONTH, rail_t=700, clean_road_t=200, dirty_road_t=100)  # rail 70 %, clean 90 %
    with app.test_client() as client:
        headers = {"Authorization": f"Bearer {make_token('environment')}"}
        response = client.get(f"/api/v1/reports/monthly/{MONTH}", headers=headers,
                              query_string={"area": DISTRICT, "regenerate": "true"})  # fmt: skip
        assert response.status_code == 200, response.get_data(as_text=True)
        xlsx = client.get(f"/api/v1/reports/monthly/{MONTH}", headers=headers,
                          query_string={"area": DISTRICT, "format": "xlsx"})  # fmt: skip
        assert xlsx.status_code == 200
    return {"steel": steel, "coal": coal, "section": _section(response.get_json(), "transport"), "xlsx": xlsx.data}


def test_december_2025_judges_enterprises_whose_targets_are_carried_forward(december):
    rows = {(row["uscc"], row["ratio"]): row for row in _table(december["section"], "targets")["rows"]}
    steel, coal = december["steel"], december["coal"]
    assert set(rows) == {(steel, "新能源及清洁能源运输比例"), (steel, "铁路运输比例"), (coal, "清洁运输比例"),
                         (coal, "铁路运输比例")}  # fmt: skip
    campaign = rows[(steel, "新能源及清洁能源运输比例")]
    assert (campaign["share"], campaign["target"], campaign["verdict"]) == (0.5, 0.6, "未达标")
    assert campaign["carried_forward"] == "沿用（原规定至2025-03-31止）"
    assert "临政办发〔2024〕40号" in campaign["source"]
    assert rows[(steel, "铁路运输比例")]["carried_forward"] == "沿用（原规定至2020-12-31止）"
    in_force = rows[(coal, "清洁运输比例")]
    assert (in_force["target"], in_force["verdict"], in_force["carried_forward"]) == (0.8, "达标", None)
    verdicts = {row["uscc"]: row["compliant"] for row in _table(december["section"], "shares")["rows"]}
    assert verdicts == {steel: "未达标", coal: "未达标"}  # the coal mine misses the carried 80 % rail target


def test_the_non_compliant_list_and_the_cited_rules_mark_the_carry_forward(december):
    section = december["section"]
    missed = {row["uscc"]: row["missed"] for row in _table(section, "non_compliant")["rows"]}
    assert "沿用（原规定至2025-03-31止）" in missed[december["steel"]]
    assert "沿用（原规定至2020-12-31止）" in missed[december["coal"]]
    cited = {t["code"]: t["description"] for t in section["targets"]}
    assert "沿用（原规定至2025-03-31止）" in cited["clean_transport_share.steel_cement_linfen"]
    assert "沿用" not in cited["clean_transport_share.coal"]  # in force on the month's last day
    assert any("沿用" in note and "carried forward" in note for note in section["notes"])


def test_the_xlsx_target_sheet_has_the_carry_forward_column(december):
    sheet = openpyxl.load_workbook(io.BytesIO(december["xlsx"]))["6.2 各企业考核指标与目标"]
    header = [c.value for c in sheet[1]]
    column = header.index("目标沿用")
    values = {row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"沿用（原规定至2025-03-31止）", "沿用（原规定至2020-12-31止）"} <= values
