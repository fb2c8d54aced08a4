"""Shares against every applicable target: exact boundaries, the urban fringe, several targets at once, views."""

from __future__ import annotations

from tests.railshift.factories import (
    LINFEN_DISTRICT,
    XINZHOU_DISTRICT,
    approved,
    declare,
    line,
    rail_split,
    register,
    step,
)


def _ratios(as_role, code, month, role="transport", **query):
    scope = {"uscc": code} if role == "enterprise" else {}
    response = as_role(role, **scope).get(f"/api/v1/enterprises/{code}/ratios", query_string={"month": month, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _by_key(view):
    return {t["key"]: t for t in view["targets"]}


def test_exactly_80_percent_by_rail_meets_the_linfen_siding_target_and_a_tonne_less_misses(as_role, seeded):
    exact = register(as_role)
    approved(as_role, exact, "2020-05", rail_split(800, 200))
    short = register(as_role)
    approved(as_role, short, "2020-05", rail_split("799.999", "200.001"))
    met = _by_key(_ratios(as_role, exact, "2020-05")["month"])["linfen.rail_share.bulk_freight_with_siding"]
    assert (met["share"], met["target"], met["compliant"], met["margin_pp"]) == ("80.00", "80", True, "0.00")
    assert met["source_document"] == "临政办发〔2020〕13号"
    missed = _by_key(_ratios(as_role, short, "2020-05")["month"])["linfen.rail_share.bulk_freight_with_siding"]
    assert missed["compliant"] is False and missed["share"] == "80.00"  # rounds to 80.00 but is below it


def test_the_urban_fringe_is_judged_against_90_percent_and_other_sites_against_80(as_role, seeded):
    lines = rail_split(850, 150, road_mode="china_5_truck")
    fringe = register(as_role, district=XINZHOU_DISTRICT, urban_fringe=True)
    plain = register(as_role, district=XINZHOU_DISTRICT, urban_fringe=False)
    approved(as_role, fringe, "2020-06", lines)
    approved(as_role, plain, "2020-06", lines)
    fringe_targets = _by_key(_ratios(as_role, fringe, "2020-06")["month"])
    plain_targets = _by_key(_ratios(as_role, plain, "2020-06")["month"])
    assert "xinzhou.rail_share.bulk_freight_with_siding" not in fringe_targets
    rail90 = fringe_targets["xinzhou.rail_share.bulk_freight_urban_fringe"]
    assert (rail90["target"], rail90["compliant"], rail90["margin_pp"]) == ("90", False, "-5.00")
    assert "xinzhou.rail_share.bulk_freight_urban_fringe" not in plain_targets
    rail80 = plain_targets["xinzhou.rail_share.bulk_freight_with_siding"]
    assert (rail80["compliant"], rail80["margin_pp"]) == (True, "5.00")


def test_a_steel_plant_is_judged_against_each_of_its_targets_at_once(as_role, seeded):
    code = register(as_role, district=XINZHOU_DISTRICT)
    lines = [
        line("inbound", "iron_ore", "rail", 600), line("inbound", "iron_ore", "closed_belt", 200),
        line("inbound", "coal", "china_5_truck", 100), line("inbound", "coke", "other_road", 100),
        line("outbound", "other", "other_road", 5000),  # steel products: not bulk, not in these shares
    ]
    approved(as_role, code, "2020-07", lines)
    view = _ratios(as_role, code, "2020-07")["month"]
    targets = _by_key(view)
    assert set(targets) == {
        "xinzhou.rail_share.bulk_freight_with_siding",
        "xinzhou.clean_transport_share.steel_ultra_low",
        "xinzhou.clean_transport.steel_remaining_truck_min_stage",
    }
    rail = targets["xinzhou.rail_share.bulk_freight_with_siding"]
    assert (rail["share"], rail["compliant"]) == ("60.00", False)
    clean = targets["xinzhou.clean_transport_share.steel_ultra_low"]
    assert (clean["share"], clean["compliant"], clean["margin_pp"]) == ("80.00", True, "0.00")
    road = targets["xinzhou.clean_transport.steel_remaining_truck_min_stage"]
    assert (road["share"], road["target"], road["compliant"]) == ("50.00", "100", False)
    assert view["compliant"] is False
    assert view["shares"]["clean"]["denominator_tonnes"] == "6000"


def test_linfen_2025_clean_transport_targets_follow_the_industry(as_role, seeded):
    coal = register(as_role, industry="coal_mining", siding_status="none", annual_bulk_tonnes="100000")
    approved(as_role, coal, "2025-05", [line("outbound", "coal", "new_energy_truck", 700),
                                        line("outbound", "coal", "china_6_truck", 100),
                                        line("outbound", "coal", "china_5_truck", 200)])
    targets = _by_key(_ratios(as_role, coal, "2025-05")["month"])
    assert set(targets) == {"linfen.clean_transport_share.coal"}
    verdict = targets["linfen.clean_transport_share.coal"]
    assert (verdict["share"], verdict["compliant"]) == ("80.00", True)


def test_a_large_shipper_without_a_siding_is_flagged_from_exactly_1_5_mt(as_role, seeded):
    at = register(as_role, siding_status="planned", annual_bulk_tonnes="1500000")
    below = register(as_role, siding_status="planned", annual_bulk_tonnes="1499999.999")
    for code in (at, below):
        approved(as_role, code, "2020-05", rail_split(0, 100))
    flagged = _ratios(as_role, at, "2020-05")["month"]
    assert [f["rule_code"] for f in flagged["flags"]] == ["siding_obligation.bulk_freight_volume"]
    assert flagged["compliant"] is False
    assert _ratios(as_role, below, "2020-05")["month"]["flags"] == []


def test_official_figures_count_only_approved_versions_and_drafts_show_only_to_their_enterprise(as_role, seeded):
    code = register(as_role)
    approved(as_role, code, "2020-04", rail_split(900, 100))
    may = approved(as_role, code, "2020-05", rail_split(700, 300))
    correction = as_role("enterprise", uscc=code).post(f"/api/v1/declarations/{may['id']}/corrections").get_json()
    declare(as_role, code, "2020-05", rail_split(1000, 0))
    official = _ratios(as_role, code, "2020-05")
    assert official["basis"] == "approved"
    assert official["month"]["shares"]["rail"]["share"] == "70.00"
    assert official["ytd"]["shares"]["rail"]["share"] == "80.00"  # (900 + 700) / 2000
    mine = _ratios(as_role, code, "2020-05", role="enterprise", include_drafts=True)
    assert mine["basis"] == f"version {correction['version']} (draft)"
    assert mine["month"]["shares"]["rail"]["share"] == "100.00"
    assert mine["ytd"]["shares"]["rail"]["share"] == "95.00"  # (900 + 1000) / 2000


def test_a_reviewer_sees_the_shares_and_verdicts_of_the_version_under_review_before_approving_it(as_role, seeded):
    code = register(as_role)
    approved(as_role, code, "2020-04", rail_split(900, 100))
    may = approved(as_role, code, "2020-05", rail_split(700, 300))
    correction = as_role("enterprise", uscc=code).post(f"/api/v1/declarations/{may['id']}/corrections").get_json()
    declare(as_role, code, "2020-05", rail_split(1000, 0))
    assert step(as_role, correction["id"], "submit", "enterprise", code).status_code == 200
    for role in ("transport", "environment"):
        review = _ratios(as_role, code, "2020-05", role=role, declaration_id=correction["id"])
        assert review["basis"] == "version 2 (submitted)"
        assert review["declaration"] == {"id": correction["id"], "version": 2, "status": "submitted",
                                         "official": False}
        assert review["month"]["shares"]["rail"]["share"] == "100.00"
        assert review["ytd"]["shares"]["rail"]["share"] == "95.00"  # (900 + 1000) / 2000
        rail = _by_key(review["month"])["linfen.rail_share.bulk_freight_with_siding"]
        assert (rail["share"], rail["status"], rail["compliant"]) == ("100.00", "compliant", True)
    approved_one = _ratios(as_role, code, "2020-05", declaration_id=may["id"])
    assert approved_one["basis"] == "approved" and approved_one["month"]["shares"]["rail"]["share"] == "70.00"
    # the official figures stay the approved version's until the correction is approved
    assert _ratios(as_role, code, "2020-05")["month"]["shares"]["rail"]["share"] == "70.00"
    ranking = as_role("transport").get("/api/v1/ratios/ranking",
                                       query_string={"month": "2020-05", "city_code": "141000"}).get_json()
    assert [r["share"] for r in ranking["items"] if r["uscc"] == code] == ["70.00"]


def test_a_first_declaration_under_review_is_judged_not_shown_as_undeclared(as_role, seeded):
    code = register(as_role)
    draft = declare(as_role, code, "2020-06", rail_split(600, 400))
    assert step(as_role, draft["id"], "submit", "enterprise", code).status_code == 200
    assert _ratios(as_role, code, "2020-06")["month"]["declared"] is False
    review = _ratios(as_role, code, "2020-06", declaration_id=draft["id"])
    assert review["basis"] == "version 1 (submitted)" and review["month"]["declared"] is True
    rail = _by_key(review["month"])["linfen.rail_share.bulk_freight_with_siding"]
    assert (rail["share"], rail["compliant"], rail["margin_pp"]) == ("60.00", False, "-20.00")


def test_a_versions_ratios_follow_who_may_read_that_declaration(as_role, seeded):
    code, other = register(as_role), register(as_role)
    submitted = declare(as_role, code, "2020-05", rail_split(800, 200))
    assert step(as_role, submitted["id"], "submit", "enterprise", code).status_code == 200
    draft = declare(as_role, other, "2020-05", rail_split(1, 0))
    mine = _ratios(as_role, other, "2020-05", role="enterprise", declaration_id=draft["id"])
    assert mine["basis"] == "version 1 (draft)" and mine["month"]["shares"]["rail"]["share"] == "100.00"
    refusals = [
        # another tenant's declaration, asked by an enterprise under its own credit code
        ("enterprise", other, {"declaration_id": submitted["id"]}, 403, None),
        # a draft, asked by a bureau
        ("transport", other, {"declaration_id": draft["id"]}, 403, None),
        # a version of another enterprise, or of another month
        ("transport", other, {"declaration_id": submitted["id"]}, 422, "declaration_id"),
        ("transport", code, {"declaration_id": submitted["id"], "month": "2020-04"}, 422, "declaration_id"),
        ("transport", code, {"declaration_id": 987654}, 422, "declaration_id"),
        ("enterprise", code, {"declaration_id": submitted["id"], "include_drafts": True}, 422, "declaration_id"),
    ]
    for role, asked, query, status, field in refusals:
        caller = as_role(role, uscc=asked) if role == "enterprise" else as_role(role)
        response = caller.get(f"/api/v1/enterprises/{asked}/ratios", query_string={"month": "2020-05", **query})
        assert response.status_code == status, (query, response.get_json())
        if field:
            assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()


def test_city_ranking_non_compliant_list_and_trend(as_role, seeded):
    best, middle, worst = (register(as_role) for _ in range(3))
    xinzhou = register(as_role, district=XINZHOU_DISTRICT)
    approved(as_role, best, "2020-05", rail_split(950, 50))
    approved(as_role, middle, "2020-05", rail_split(800, 200))
    approved(as_role, worst, "2020-05", rail_split(500, 500))
    approved(as_role, xinzhou, "2020-05", rail_split(1, 0))
    approved(as_role, best, "2020-04", rail_split(100, 100))
    undeclared = register(as_role)
    declare(as_role, undeclared, "2020-05", rail_split(1000, 0))  # a draft: not in official views
    query = {"month": "2020-05", "city_code": "141000"}
    ranking = as_role("transport").get("/api/v1/ratios/ranking", query_string=query).get_json()
    assert [(r["uscc"], r["rank"], r["share"]) for r in ranking["items"]] == [
        (best, 1, "95.00"), (middle, 2, "80.00"), (worst, 3, "50.00"), (undeclared, None, None)]
    assert (ranking["enterprises"], ranking["declared"], ranking["share"]) == (4, 3, "75.00")
    listed = as_role("environment").get("/api/v1/ratios/non-compliant", query_string=query).get_json()["items"]
    assert [(r["uscc"], r["worst_margin_pp"]) for r in listed] == [(worst, "-30.00")]
    ytd = as_role("transport").get("/api/v1/ratios/ranking", query_string={**query, "period": "ytd"}).get_json()
    assert ytd["items"][0]["uscc"] == best and ytd["items"][0]["share"] == "87.50"  # (950 + 100) / 1200
    by_district = as_role("transport").get("/api/v1/ratios/ranking", query_string={
        "month": "2020-05", "district_code": XINZHOU_DISTRICT}).get_json()
    assert [r["uscc"] for r in by_district["items"]] == [xinzhou]
    trend = as_role("service").get("/api/v1/ratios/trend", query_string={
        "from": "2020-03", "to": "2020-05", "city_code": "141000"}).get_json()
    assert [(p["month"], p["declared"], p["shares"]["rail"]["share"]) for p in trend["points"]] == [
        ("2020-03", 0, None), ("2020-04", 1, "50.00"), ("2020-05", 3, "75.00")]


def test_views_refuse_bad_queries_and_enterprises(as_role, seeded):
    code = register(as_role, district=LINFEN_DISTRICT)
    assert as_role("enterprise", uscc=code).get("/api/v1/ratios/ranking",
                                                 query_string={"month": "2020-05"}).status_code == 403
    for query, field in (({"month": "2099-01"}, "month"), ({"month": "2020-5"}, "month"),
                         ({"month": "2020-05", "ratio": "teleport"}, "ratio")):
        response = as_role("transport").get("/api/v1/ratios/ranking", query_string=query)
        assert response.status_code == 422, response.get_json()
        assert field in [e["field"] for e in response.get_json()["errors"]]
    other = register(as_role)
    assert as_role("enterprise", uscc=code).get(f"/api/v1/enterprises/{other}/ratios",
                                                 query_string={"month": "2020-05"}).status_code == 403


def test_city_indicators_count_connected_key_enterprises_and_city_wide_coal_and_coke_by_rail(as_role, seeded):
    steel = register(as_role, industry="steel", siding_status="in_service")
    power = register(as_role, industry="power", siding_status="in_service")
    register(as_role, industry="coking", siding_status="under_construction")
    register(as_role, industry="glass", siding_status="none")  # not a listed key industry
    mine = register(as_role, industry="coal_mining", siding_status="in_service")
    approved(as_role, steel, "2020-05", rail_split(700, 300, goods="coke"))
    approved(as_role, mine, "2020-05", [*rail_split(900, 100), line("outbound", "iron_ore", "other_road", 999)])
    approved(as_role, power, "2020-04", rail_split(100, 0))
    body = as_role("transport").get("/api/v1/ratios/city-indicators", query_string={
        "month": "2020-05", "city_code": "141000", "period": "month"}).get_json()
    found = {i["key"]: i for i in body["indicators"]}
    connected = found["linfen.siding_connection.key_industrial_enterprises"]
    assert (connected["connected"], connected["listed"], connected["share"], connected["compliant"]) == (
        2, 3, "66.67", False)
    mines = found["linfen.siding_connection.key_coal_mines"]
    assert (mines["connected"], mines["listed"], mines["compliant"]) == (1, 1, True)
    coal_coke = found["linfen.rail_share.coal_coke"]
    assert (coal_coke["share"], coal_coke["denominator_tonnes"], coal_coke["compliant"]) == ("80.00", "2000", True)
    ytd = as_role("transport").get("/api/v1/ratios/city-indicators", query_string={
        "month": "2020-05", "city_code": "141000"}).get_json()
    assert {i["key"]: i for i in ytd["indicators"]}["linfen.rail_share.coal_coke"]["share"] == "80.95"  # 1700 / 2100
