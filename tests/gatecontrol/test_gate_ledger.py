"""The ledger: filters and keyset pages, streamed exports with Chinese headers, city-day summaries, trips."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy.orm import Session

from gatecontrol.commands.sync import apply_changes
from tests.gatecontrol.factories import SITE_ID, USCC, passage

# 2026-10-31 23:30 in Shanghai is still October; 16:30Z the same evening is 00:30 on 1 November.
LAST_OCTOBER = "2026-10-31T23:30:00+08:00"
FIRST_NOVEMBER = "2026-10-31T16:30:00+00:00"
FIRST_OCTOBER = "2026-10-01T00:00:00+08:00"


def post_all(gate, *bodies) -> None:
    response = gate.post("/api/v1/passages/batch", json={"passages": list(bodies)})
    assert response.get_json()["counts"] == {"created": len(bodies)}, response.get_json()


@pytest.fixture
def october(gate):
    """Five October passages and one just after October in city time."""
    post_all(
        gate,
        passage(event_id="o1", captured_at=FIRST_OCTOBER, emission_stage="4", vehicle_type="重型货车"),
        passage(event_id="o2", captured_at="2026-10-15T09:00:00+08:00", emission_stage="5", vehicle_type="N3"),
        passage(
            event_id="o3",
            captured_at="2026-10-15T10:00:00+08:00",
            gate_id="G2",
            direction="out",
            emission_stage="3",
            vehicle_type="N3",
        ),
        passage(
            event_id="o4",
            captured_at="2026-10-15T11:00:00+08:00",
            plate="无牌",
            emission_stage=None,
            fuel=None,
            vehicle_type="小型客车",
        ),
        passage(event_id="o5", captured_at=LAST_OCTOBER, emission_stage="D", fuel="纯电动", vehicle_type=None),
        passage(event_id="n1", captured_at=FIRST_NOVEMBER, emission_stage="4"),
    )


def test_the_ledger_pages_in_capture_order_without_gaps_or_repeats(as_role, october):
    env = as_role("environment")
    seen, cursor = [], None
    while True:
        query = {"site_id": SITE_ID, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = env.get("/api/v1/ledger", query_string=query).get_json()
        seen += [item["event_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["o1", "o2", "o3", "o4", "o5", "n1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "2026-10-15T00:00:00+08:00", "to": "2026-10-16T00:00:00+08:00"}, ["o2", "o3", "o4"]),
        ({"gate_id": "G2"}, ["o3"]),
        ({"stage": "国四"}, ["o1", "n1"]),
        ({"stage": "D"}, ["o5"]),
        ({"fuel": "battery_electric"}, ["o5"]),
        ({"flag": "incomplete_plate"}, ["o4"]),
        ({"plate": "晋a·12345", "direction": "out"}, ["o3"]),
    ],
    ids=["day", "gate", "stage", "electric", "fuel", "flag", "plate"],
)
def test_the_ledger_filters(as_role, october, query, expected):
    page = as_role("police").get("/api/v1/ledger", query_string={"site_id": SITE_ID, **query}).get_json()
    assert [item["event_id"] for item in page["items"]] == expected


def test_an_enterprise_reads_only_its_own_sites(as_role, october):
    own = as_role("enterprise", uscc=USCC).get("/api/v1/ledger").get_json()
    assert len(own["items"]) == 6
    other = as_role("enterprise", uscc="91110000600037341L")
    assert other.get("/api/v1/ledger").get_json()["items"] == []
    assert other.get("/api/v1/ledger", query_string={"site_id": SITE_ID}).status_code == 403


def test_a_bad_filter_is_422_naming_it(as_role, site):
    response = as_role("police").get("/api/v1/ledger", query_string={"stage": "国九", "flag": "odd"})
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"flag.0"}
    stage = as_role("police").get("/api/v1/ledger", query_string={"stage": "国九"})
    assert stage.status_code == 422 and stage.get_json()["errors"][0]["field"] == "stage"


def download(client, path: str, **query) -> tuple[int, str, bytes]:
    """A streamed download, closed afterwards as a WSGI server would (that ends the request's transaction)."""
    response = client.get(path, query_string=query)
    try:
        return response.status_code, response.content_type, response.get_data()
    finally:
        response.close()


def test_a_site_month_exports_as_csv_with_chinese_headers_and_city_month_bounds(as_role, october):
    status, mimetype, data = download(as_role("environment"), "/api/v1/ledger/export", site_id=SITE_ID, month="2026-10")
    assert (status, mimetype) == (200, "text/csv; charset=utf-8")  # the charset once: some readers choke on two
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["通过时间", "门禁编号", "进出方向", "号牌号码", "号牌颜色", "号牌完整"]
    assert "车辆识别代号(VIN)" in rows[0] and "货物名称" in rows[0] and "照片" in rows[0]
    assert [r[rows[0].index("记录流水号")] for r in rows[1:]] == ["o1", "o2", "o3", "o4", "o5"]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["进出方向"], first["号牌颜色"], first["排放阶段"], first["燃料类型"]) == ("进", "黄", "国四", "柴油")
    assert first["照片"] == "photo://g1/1.jpg"
    no_plate = dict(zip(rows[0], rows[4], strict=True))
    assert "号牌不完整" in no_plate["异常标记"]


def test_a_site_month_exports_as_xlsx(as_role, october):
    status, _, data = download(
        as_role("environment"), "/api/v1/ledger/export", site_id=SITE_ID, month="2026-10", format="xlsx"
    )
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "通过时间"
    assert len(rows) == 6


def test_daily_summaries_cut_days_in_city_time(as_role, october):
    body = (
        as_role("environment")
        .get("/api/v1/ledger/summary", query_string={"site_id": SITE_ID, "month": "2026-10"})
        .get_json()
    )
    by_day = {item["period"]: item for item in body["items"]}
    assert sorted(by_day) == ["2026-10-01", "2026-10-15", "2026-10-31"]
    mid = by_day["2026-10-15"]
    assert (mid["total"], mid["in"], mid["out"], mid["balance"]) == (3, 2, 1, 1)
    assert mid["by_stage"] == {"china_5": 1, "china_3": 1, "unknown": 1}
    assert mid["complete_plates"] == 2 and mid["complete_plate_share"] == pytest.approx(0.6667)
    assert mid["heavy_trucks_china4_or_below"] == 1  # the 国三 N3; the 国五 one is newer
    assert by_day["2026-10-01"]["heavy_trucks_china4_or_below"] == 1  # 国四 counts


def test_the_monthly_summary_counts_the_whole_city_month(as_role, october):
    body = (
        as_role("environment")
        .get("/api/v1/ledger/summary", query_string={"month": "2026-10", "period": "month"})
        .get_json()
    )
    (item,) = body["items"]
    assert (item["period"], item["total"], item["by_fuel"]["battery_electric"]) == ("2026-10", 5, 1)


def test_trips_follow_the_contract_with_classes_from_the_registry_then_the_gate(as_role, october, db):
    with Session(db.engine) as s, s.begin():  # the registry knows the plate as a medium truck (N2)
        apply_changes(
            s,
            [
                {
                    "seq": 1,
                    "kind": "vehicle.upserted",
                    "key": {"plate": "晋A12345", "plate_colour": "yellow"},
                    "data": {
                        "plate": "晋A12345",
                        "plate_colour": "yellow",
                        "vehicle_class": "N2",
                        "fuel": "diesel",
                        "emission_stage": "china_4",
                    },
                }
            ],
        )
    body = as_role("service").get("/api/v1/trips", query_string={"uscc": USCC, "month": "2026-10"}).get_json()
    assert body["uscc"] == USCC and body["month"] == "2026-10" and body["sites"] == [SITE_ID]
    assert body["totals"] == {"in": {"N2": 3, "M1": 1}, "out": {"N2": 1}}
    assert {(t["site_id"], t["direction"], t["vehicle_class"], t["count"]) for t in body["trips"]} == {
        (SITE_ID, "in", "N2", 3),
        (SITE_ID, "in", "M1", 1),
        (SITE_ID, "out", "N2", 1),
    }
    assert "as_of" in body


def test_unregistered_plates_count_by_the_gates_type_or_as_unknown(as_role, gate):
    post_all(
        gate,
        passage(event_id="t1", plate="晋A00001", captured_at=FIRST_OCTOBER, vehicle_type="重型货车"),
        passage(event_id="t2", plate="晋A00002", captured_at=FIRST_OCTOBER, vehicle_type="拖拉机"),
        passage(event_id="t3", plate="晋A00003", captured_at=FIRST_NOVEMBER, vehicle_type="N3"),
    )
    body = as_role("transport").get("/api/v1/trips", query_string={"uscc": USCC, "month": "2026-10"}).get_json()
    assert body["totals"] == {"in": {"N3": 1, "unknown": 1}, "out": {}}


def test_trips_are_an_enterprises_own_only_and_check_their_input(as_role, site):
    other = as_role("enterprise", uscc="91110000600037341L")
    assert other.get("/api/v1/trips", query_string={"uscc": USCC, "month": "2026-10"}).status_code == 403
    bad = as_role("service").get("/api/v1/trips", query_string={"uscc": USCC, "month": "2026-13"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "month"
    foreign = as_role("service").get("/api/v1/trips", query_string={"uscc": USCC, "month": "2026-10", "site_id": "X"})
    assert foreign.status_code == 404
