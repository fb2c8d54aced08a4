"""Heavy-pollution alerts: declared as data; passages breaking a response rule in force become violations."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

import gatecontrol
from gatecontrol.commands.alerts import seed_response_rules
from tests.gatecontrol.factories import SITE_ID, USCC, passage, site_body

ALERT = {
    "alert_key": "LF-2026-07",
    "level": "orange",
    "area": "141000",
    "authority": "临汾市重污染天气应急指挥部",
    "starts_at": "2026-10-10T12:00:00+08:00",
    "ends_at": "2026-10-12T12:00:00+08:00",
}
# the shipped alert rule is Shijiazhuang's (石政发〔2019〕3号): it binds plants there, during alerts there
SJZ_ALERT = {**ALERT, "alert_key": "SJZ-2026-07", "area": "130100", "authority": "石家庄市重污染天气应急指挥部"}
SJZ_DISTRICT = "130102"  # 长安区


@pytest.fixture
def rules(db):
    with Session(db.engine) as s, s.begin():
        return seed_response_rules(s)


@pytest.fixture
def in_shijiazhuang(env_client, site) -> None:
    """The test plant moved to Shijiazhuang, where the shipped alert rule binds."""
    assert env_client.put(f"/api/v1/sites/{SITE_ID}", json=site_body(district_code=SJZ_DISTRICT)).status_code == 200


def post_all(gate, *bodies):
    counts = gate.post("/api/v1/passages/batch", json={"passages": list(bodies)}).get_json()["counts"]
    assert counts == {"created": len(bodies)}


def test_an_alert_is_declared_once_and_a_changed_repeat_is_409(env_client):
    first = env_client.post("/api/v1/alerts", json=ALERT)
    again = env_client.post("/api/v1/alerts", json=ALERT)
    changed = env_client.post("/api/v1/alerts", json={**ALERT, "level": "red"})
    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 409)
    assert changed.get_json()["errors"] == [{"field": "level", "reason": "differs from the declared alert"}]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"level": "purple"}, "level"), ({"ends_at": ALERT["starts_at"]}, "ends_at"), ({"area": "99"}, "area")],
)
def test_a_bad_alert_is_422(env_client, change, field):
    response = env_client.post("/api/v1/alerts", json={**ALERT, **change})
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_only_the_environment_bureau_declares_alerts(as_role):
    assert as_role("transport").post("/api/v1/alerts", json=ALERT).status_code == 403


def test_seeding_response_rules_twice_adds_them_once(db):
    with Session(db.engine) as s, s.begin():
        first = seed_response_rules(s)
    with Session(db.engine) as s, s.begin():
        second = seed_response_rules(s)
    shipped = len(yaml.safe_load((Path(gatecontrol.__file__).parent / "response_rules.yaml").read_text("utf-8")))
    assert shipped >= 4  # Linfen's own alert rule among them, so the demo city's alerts have consequences
    assert first["added"] == shipped and second == {"added": 0, "updated": 0, "unchanged": shipped}


def test_passages_at_the_start_of_an_alert_violate_and_at_its_end_do_not(env_client, gate, rules, in_shijiazhuang):
    env_client.post("/api/v1/alerts", json=SJZ_ALERT)
    post_all(
        gate,
        passage(event_id="before", captured_at="2026-10-10T11:59:59+08:00"),
        passage(event_id="start", captured_at="2026-10-10T12:00:00+08:00"),
        passage(event_id="last", captured_at="2026-10-12T11:59:59+08:00", gate_id="G2", direction="out"),
        passage(event_id="end", captured_at="2026-10-12T12:00:00+08:00"),
        passage(event_id="clean", captured_at="2026-10-11T08:00:00+08:00", emission_stage="5"),
        passage(event_id="no-bulk", captured_at="2026-10-11T08:00:00+08:00", goods="钢材"),
        passage(event_id="gas", captured_at="2026-10-11T08:00:00+08:00", fuel="LNG"),
    )
    report = env_client.get("/api/v1/violations", query_string={"month": "2026-10"}).get_json()
    assert [v["event_id"] for v in report["violations"]] == ["start", "last"]
    first = report["violations"][0]
    assert (first["alert_key"], first["alert_level"], first["rule_code"]) == (
        "SJZ-2026-07",
        "orange",
        "alert.bulk_diesel_china4_or_below.shijiazhuang_2019",
    )
    assert first["source"] == "石政发〔2019〕3号 三(六) item 30"
    assert report["by_site_day"] == [
        {"site_id": SITE_ID, "day": "2026-10-10", "count": 1},
        {"site_id": SITE_ID, "day": "2026-10-12", "count": 1},
    ]


def test_a_yellow_alert_does_not_trigger_an_orange_rule_and_other_areas_are_not_covered(
    env_client, gate, rules, in_shijiazhuang
):
    env_client.post("/api/v1/alerts", json={**SJZ_ALERT, "alert_key": "Y1", "level": "yellow"})
    env_client.post("/api/v1/alerts", json={**SJZ_ALERT, "alert_key": "XT1", "area": "130500"})  # Xingtai
    post_all(gate, passage(event_id="p", captured_at="2026-10-11T08:00:00+08:00"))
    assert env_client.get("/api/v1/violations", query_string={"month": "2026-10"}).get_json()["violations"] == []


def test_a_listed_dev_zone_plant_may_not_see_fuel_trucks_in_the_campaign_season(env_client, gate, rules, as_role):
    env_client.put(f"/api/v1/sites/{SITE_ID}", json=site_body(dev_zone_listed=True))
    post_all(
        gate,
        passage(event_id="in-season", captured_at="2025-01-15T08:00:00+08:00", backfill=True),
        passage(event_id="electric", captured_at="2025-01-15T09:00:00+08:00", fuel="纯电动", emission_stage="D"),
    )
    report = env_client.get("/api/v1/violations", query_string={"month": "2025-01"}).get_json()
    assert [(v["event_id"], v["alert_key"]) for v in report["violations"]] == [("in-season", None)]
    own = as_role("enterprise", uscc=USCC).get("/api/v1/violations", query_string={"month": "2025-01"}).get_json()
    assert len(own["violations"]) == 1


def test_violations_export_and_count_in_the_monthly_summary(env_client, gate, rules, in_shijiazhuang):
    env_client.post("/api/v1/alerts", json=SJZ_ALERT)
    post_all(
        gate,
        passage(event_id="v1", captured_at="2026-10-11T08:00:00+08:00"),
        passage(event_id="ok", captured_at="2026-10-20T08:00:00+08:00"),
    )
    response = env_client.get("/api/v1/violations", query_string={"month": "2026-10", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    response.close()
    assert rows[0][:3] == ["站点", "日期", "通过时间"] and len(rows) == 2
    summary = env_client.get("/api/v1/ledger/summary", query_string={"month": "2026-10", "period": "month"}).get_json()
    assert summary["items"][0]["violations"] == 1


def test_the_audit_view_samples_records_and_splits_normal_and_alert_days(env_client, gate, rules):
    env_client.post("/api/v1/alerts", json=ALERT)
    post_all(
        gate,
        *[
            passage(event_id=f"a{i}", captured_at=f"2026-10-{d:02d}T08:00:00+08:00")
            for i, d in enumerate([3, 3, 3, 11, 20, 20])
        ],
    )
    body = env_client.get(
        "/api/v1/ledger/audit", query_string={"site_id": SITE_ID, "month": "2026-10", "sample": 4, "seed": 7}
    ).get_json()
    again = env_client.get(
        "/api/v1/ledger/audit", query_string={"site_id": SITE_ID, "month": "2026-10", "sample": 4, "seed": 7}
    ).get_json()
    assert body["population"] == 6 and len(body["records"]) == 4
    assert [r["event_id"] for r in body["records"]] == [r["event_id"] for r in again["records"]]
    assert all(r["photos"] for r in body["records"])
    alert_days = {d["day"]: (d["count"], d["alert_level"]) for d in body["alert_days"]}
    assert alert_days == {"2026-10-10": (0, "orange"), "2026-10-11": (1, "orange"), "2026-10-12": (0, "orange")}
    normal = {d["day"]: d["count"] for d in body["normal_days"]}
    assert len(normal) == 28 and normal["2026-10-03"] == 3 and normal["2026-10-20"] == 2


RULE = {"code": "alert.china3_heavy_trucks.taiyuan_2018", "jurisdiction": "140100", "issuer": "太原市人民政府",
        "min_level": "yellow", "max_stage": "国三",
        "heavy_trucks_only": True, "directions": ["in"], "effective_from": "2018-09-29",
        "source_document": "并政发〔2018〕40号", "source_item": "二(六) item 28",
        "description": "yellow or worse: no heavy truck of 国三 or older enters"}  # fmt: skip


def test_a_bureau_adds_a_response_rule_once_and_it_judges_passages(env_client, gate):
    env_client.put(f"/api/v1/sites/{SITE_ID}", json=site_body(district_code="140105"))  # Taiyuan, 小店区
    first = env_client.post("/api/v1/response-rules", json=RULE)
    again = env_client.post("/api/v1/response-rules", json=RULE)
    changed = env_client.post("/api/v1/response-rules", json={**RULE, "min_level": "orange"})
    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 409)
    assert first.get_json()["max_stage"] == "china_3"
    assert changed.get_json()["errors"] == [{"field": "min_level", "reason": "differs from the stored rule"}]
    env_client.post("/api/v1/alerts", json={**ALERT, "level": "yellow", "area": "140100"})
    post_all(gate,
             passage(event_id="old-heavy", captured_at="2026-10-11T08:00:00+08:00", emission_stage="3"),
             passage(event_id="old-light", captured_at="2026-10-11T08:00:00+08:00", emission_stage="3",
                     vehicle_type="轻型货车"),
             passage(event_id="old-out", captured_at="2026-10-11T08:00:00+08:00", emission_stage="2",
                     gate_id="G2", direction="out"))  # fmt: skip
    report = env_client.get("/api/v1/violations", query_string={"month": "2026-10"}).get_json()
    assert [(v["event_id"], v["rule_code"]) for v in report["violations"]] == [("old-heavy", RULE["code"])]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"max_stage": "国九"}, "max_stage"), ({"min_level": None}, "min_level"), ({"season_from": "10-01"}, "season_to"),
     ({"fuels": ["coal"]}, "fuels.0"), ({"source_item": None}, "source_item"),
     ({"jurisdiction": None}, "jurisdiction"), ({"jurisdiction": "1401"}, "jurisdiction")],
)  # fmt: skip
def test_a_bad_response_rule_is_422_naming_the_field(env_client, change, field):
    body = {k: v for k, v in {**RULE, **change}.items() if v is not None}
    response = env_client.post("/api/v1/response-rules", json=body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_a_month_search_skips_rules_that_cannot_bind_the_site():
    from datetime import date

    from gatecontrol.rules import rule_may_apply
    from shared.timeutil import month_days

    dev_zone_season = {
        "jurisdiction": "141000", "effective_from": date(2024, 10, 1), "effective_to": date(2025, 3, 31),
        "season_from": "10-01", "season_to": "03-31", "dev_zone_listed_only": True, "industries": [],
    }  # fmt: skip
    listed = {"dev_zone_listed": True, "industry": "steel", "district_code": "141002"}
    unlisted = {**listed, "dev_zone_listed": False}
    assert rule_may_apply(dev_zone_season, listed, month_days("2025-03"))
    assert not rule_may_apply(dev_zone_season, unlisted, month_days("2025-03")), "only listed plants"
    assert not rule_may_apply(dev_zone_season, listed, month_days("2025-04")), "after the rule's end"
    assert not rule_may_apply(dev_zone_season, listed, month_days("2024-09")), "before the season and the rule"
    cement_only = {"jurisdiction": "141000", "effective_from": date(2020, 1, 1), "industries": ["cement"]}
    assert not rule_may_apply(cement_only, listed, month_days("2025-03"))
    elsewhere = {**listed, "district_code": "140105"}
    assert not rule_may_apply(dev_zone_season, elsewhere, month_days("2025-03")), "a Taiyuan plant"


HEBEI_RULE = {**RULE, "code": "alert.china3_heavy_trucks.hebei_test", "jurisdiction": "130000", "issuer": "河北省"}
LINFEN_SHIPPED = "alert.bulk_diesel_china4_or_below.linfen_2024"
LINFEN_RULE = {**RULE, "code": "alert.china3_heavy_trucks.linfen_test", "jurisdiction": "141000", "issuer": "临汾市"}


def test_a_rule_of_another_province_never_fires_on_a_linfen_alert_or_site(env_client, gate, rules):
    assert env_client.post("/api/v1/response-rules", json=HEBEI_RULE).status_code == 201
    env_client.post("/api/v1/alerts", json=ALERT)  # orange over Linfen: the shipped Shijiazhuang rule's level too
    post_all(gate,
             passage(event_id="coal-china4", captured_at="2026-10-11T08:00:00+08:00"),
             passage(event_id="china3-heavy", captured_at="2026-10-11T09:00:00+08:00", emission_stage="3"))  # fmt: skip
    violations = env_client.get("/api/v1/violations", query_string={"month": "2026-10"}).get_json()["violations"]
    cited = {v["rule_code"] for v in violations}
    assert cited <= {LINFEN_SHIPPED}, "only Linfen's own rule binds a Linfen site"
    assert not cited & {HEBEI_RULE["code"], "alert.bulk_diesel_china4_or_below.shijiazhuang_2019"}
    summary = env_client.get("/api/v1/ledger/summary", query_string={"month": "2026-10", "period": "month"})
    assert summary.get_json()["items"][0]["violations"] == len(violations)


def test_a_city_rule_fires_in_each_of_its_districts_and_nowhere_else(client, env_client, gate):
    assert env_client.post("/api/v1/response-rules", json=LINFEN_RULE).status_code == 201
    env_client.post("/api/v1/alerts", json={**ALERT, "level": "yellow"})
    env_client.post("/api/v1/alerts", json={**SJZ_ALERT, "level": "red"})
    for site_id, district in (("XF", "141023"), ("SJZ", SJZ_DISTRICT)):  # Xiangfen (Linfen), Shijiazhuang
        env_client.put(f"/api/v1/sites/{site_id}", json=site_body(district_code=district))
        env_client.put(f"/api/v1/sites/{site_id}/gates/G1", json={"name": "in", "direction": "in"})
    old_heavy = {"captured_at": "2026-10-11T08:00:00+08:00", "emission_stage": "3"}
    post_all(gate, passage(event_id="yaodu", **old_heavy))
    for site_id in ("XF", "SJZ"):
        key = env_client.post(f"/api/v1/sites/{site_id}/keys", json={"name": "pc"}).get_json()["key"]
        other = client.post("/api/v1/passages", json=passage(event_id=site_id, **old_heavy),
                            headers={"Authorization": f"Bearer {key}"})  # fmt: skip
        assert other.status_code == 201
    report = env_client.get("/api/v1/violations", query_string={"month": "2026-10"}).get_json()
    assert [(v["site_id"], v["rule_code"]) for v in report["violations"]] == [
        ("S1", LINFEN_RULE["code"]), ("XF", LINFEN_RULE["code"]),
    ]  # fmt: skip


def test_rules_are_listed_with_their_jurisdiction_and_by_area(env_client, rules):
    env_client.post("/api/v1/response-rules", json=HEBEI_RULE)
    listed = {r["code"]: r for r in env_client.get("/api/v1/response-rules").get_json()}
    shipped = listed["alert.bulk_diesel_china4_or_below.shijiazhuang_2019"]
    assert (shipped["jurisdiction"], shipped["issuer"]) == ("130100", "石家庄市人民政府")

    def codes(area: str) -> list[str]:
        return [r["code"] for r in env_client.get("/api/v1/response-rules", query_string={"area": area}).get_json()]

    assert codes("141002") == [LINFEN_SHIPPED, "season.dev_zone_no_fuel_or_gas_vehicles.linfen_2024"]
    assert codes("140105") == ["alert.bulk_transport_response.taiyuan_2018"]
    assert codes("130102") == ["alert.bulk_diesel_china4_or_below.shijiazhuang_2019", HEBEI_RULE["code"]]
    assert codes("130000") == codes("130102") and codes("150000") == []
    assert env_client.get("/api/v1/response-rules", query_string={"area": "13"}).status_code == 422
    changed = env_client.post("/api/v1/response-rules", json={**HEBEI_RULE, "jurisdiction": "130100"})
    assert changed.status_code == 409 and changed.get_json()["errors"][0]["field"] == "jurisdiction"


def test_the_migration_gives_stored_rules_the_issuers_jurisdiction(databases, backend, monkeypatch):
    import sqlalchemy as sa

    from shared.db import make_engine
    from shared.migrate import upgrade

    monkeypatch.setenv("LANTIAN_CITY_CODE", "141000")
    url = databases.new("gate_jurisdiction")
    upgrade("gatecontrol", url, "gate_0002")
    engine = make_engine(url)
    columns = "code, directions, fuels, goods_keywords, industries, dev_zone_listed_only, heavy_trucks_only, " \
              "effective_from, source_document, source_item, description, min_level"  # fmt: skip
    values = "'[]', '[]', '[]', '[]', false, false, '2019-06-26', 'doc', 'item', 'text', 'orange'"
    try:
        with engine.begin() as connection:
            for code in ("alert.bulk_diesel_china4_or_below.shijiazhuang_2019", "alert.posted_by_the_bureau"):
                connection.execute(sa.text(f"INSERT INTO response_rule ({columns}) VALUES ('{code}', {values})"))
        upgrade("gatecontrol", url)
        with engine.connect() as connection:
            stored = dict(connection.execute(sa.text("SELECT code, jurisdiction FROM response_rule")).all())
    finally:
        engine.dispose()
    assert stored == {"alert.bulk_diesel_china4_or_below.shijiazhuang_2019": "130100",
                      "alert.posted_by_the_bureau": "141000"}  # fmt: skip
