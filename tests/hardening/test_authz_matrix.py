"""Every cell of the authorisation matrix (tests/hardening/authz_matrix.py) against the real apps, both backends.

Each cell sends a well-formed request (the body an allowed caller would send; writes that change state get a
fresh resource per cell), so the status tells what the role may do and not how the input was. Requests go
through the in-process test clients; the upstreams run for real where an answer needs one (reports, railshift's
reconciliation).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.hardening.authz_matrix import KNOWN_BUGS, Cell, cells, operations
from tests.hardening.conftest import (
    DAY,
    GATE_X,
    MONTH,
    SERVICES,
    SITE_X,
    World,
    inspection_body,
    machine_body,
    vehicle_csv,
    wait_for_import,
)
from tests.vehicles.factories import plate, vehicle

Request = dict[str, Any]
Builder = Callable[[World, str], Request]
_serial = itertools.count(100)
_months = itertools.count(0)  # 2000-01 onwards: far from the months the world seeds (2026)


def _fill(template: str, world: World, service: str = "") -> str:
    """The path template with A's / X's seeded resources in it."""
    values = world.path_values(service)
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def _month(world: World) -> str:
    """A past month not used before in this world (one declaration per enterprise and month)."""
    n = next(_months)
    return f"{2000 + n // 12:04d}-{n % 12 + 1:02d}"


def _declaration_csv(uscc: str, month: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["统一社会信用代码", "月份", "方向", "货物类别", "运输方式", "运量(吨)"])
    writer.writerow([uscc, month, "inbound", "coal", "rail", "900"])
    writer.writerow([uscc, month, "inbound", "coal", "other_road", "100"])
    return buffer.getvalue().encode("utf-8-sig")


def _fresh_declaration(world: World, state: str) -> int:
    """A new declaration of A in `state` (draft, submitted or approved)."""
    a = world.ids["uscc_a"]
    declaration = world.ok("railshift", "enterprise_a", "PUT", f"/api/v1/enterprises/{a}/declarations/{_month(world)}",
                           json={"lines": world.ids["declaration_lines"]}).get_json()
    if state in ("submitted", "approved"):
        world.ok("railshift", "enterprise_a", "POST", f"/api/v1/declarations/{declaration['id']}/transitions",
                 json={"action": "submit"})
    if state == "approved":
        world.ok("railshift", "transport", "POST", f"/api/v1/declarations/{declaration['id']}/transitions",
                 json={"action": "approve"})
    return declaration["id"]


def _fresh_entry(world: World) -> str:
    serial = next(_serial)
    world.ok("vehicles", "environment", "PUT", f"/api/v1/vehicles/{plate(serial)}/yellow", json=vehicle(serial))
    return world.ok("vehicles", "environment", "POST", "/api/v1/list-entries", json={
        "subject_type": "vehicle", "plate": plate(serial), "plate_colour": "yellow", "list_kind": "blacklist",
        "reason_code": "roadside_over_emission", "evidence": ["路检"], "authority": "临汾市生态环境局",
        "issued_by": "张三", "effective_from": "2026-01-01"}).get_json()["id"]


def _failed_inspection(world: World) -> str:
    ref = f"HX-FAIL-{next(_serial)}"
    world.ok("vehicles", "environment", "POST", "/api/v1/machinery/inspections",
             json=inspection_body(ref, world.ids["machine_a"], opacity=1.2))
    return ref


def _transition(world: World, role: str) -> Request:
    # each caller takes the step its role takes, on a fresh declaration in the state that step starts from
    if role in ("transport", "admin"):
        return {"path": f"/api/v1/declarations/{_fresh_declaration(world, 'submitted')}/transitions",
                "json": {"action": "approve"}}
    return {"path": f"/api/v1/declarations/{_fresh_declaration(world, 'draft')}/transitions",
            "json": {"action": "submit"}}


def _writable_fields(world: World, service: str, method: str, path: str) -> set[str]:
    """The request body's properties the operation documents as writable (not readOnly)."""
    spec = world.client(service).get("/openapi.json").get_json()
    schema = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return {name for name, prop in schema["properties"].items() if not prop.get("readOnly")}


def _same_as_stored(service: str, listing: str, method: str, path: str) -> Builder:
    """PUT/POST back a stored record (an idempotent no-op for an allowed caller)."""

    def build(world: World, role: str) -> Request:
        found = world.ok(service, "admin", "GET", _fill(listing, world)).get_json()
        if isinstance(found, dict):
            found = found.get("items", found.get("targets", [found]))
        record = found[0]
        writable = _writable_fields(world, service, method, path)
        return {"path": path.format(**record), "json": {k: v for k, v in record.items() if k in writable}}

    return build


def _policy_rule(service: str) -> Builder:
    return _same_as_stored(service, "/api/v1/policy-rules", "POST", "/api/v1/policy-rules")


SITE_MONTH = {"site_id": SITE_X, "month": MONTH}

BUILDERS: dict[tuple[str, str, str], Builder] = {
    # ---- vehicles
    ("vehicles", "POST", "/api/v1/vehicles"): lambda w, r: {"json": vehicle(1, owner_uscc=w.ids["uscc_a"])},
    ("vehicles", "PUT", "/api/v1/vehicles/{plate}/{colour}"):
        lambda w, r: {"json": vehicle(1, owner_uscc=w.ids["uscc_a"])},
    ("vehicles", "POST", "/api/v1/vehicles/{plate}/{colour}/status"): lambda w, r: {
        "path": f"/api/v1/vehicles/{plate(3)}/yellow/status",
        "json": {"status": "scrapped", "effective_date": "2026-03-01", "reason": "报废"}},
    ("vehicles", "POST", "/api/v1/vehicles/{plate}/{colour}/stage-upgrades"): lambda w, r: {
        "path": f"/api/v1/vehicles/{plate(4)}/yellow/stage-upgrades",
        "json": {"emission_stage": "china_6", "effective_date": "2026-03-01", "reason": "重新登记"}},
    ("vehicles", "POST", "/api/v1/vehicle-imports"): lambda w, r: {
        "data": {"file": (io.BytesIO(vehicle_csv(900)), "register.csv"), "dry_run": "true"},
        "content_type": "multipart/form-data"},
    ("vehicles", "GET", "/api/v1/phaseout/progress"):
        lambda w, r: {"query_string": {"plan": "linfen_2024_china4", "as_of": DAY}},
    ("vehicles", "GET", "/api/v1/phaseout/remaining"):
        lambda w, r: {"query_string": {"plan": "linfen_2024_china4", "as_of": DAY}},
    ("vehicles", "GET", "/api/v1/phaseout/remaining.xlsx"):
        lambda w, r: {"query_string": {"plan": "linfen_2024_china4", "as_of": DAY}},
    ("vehicles", "GET", "/api/v1/nev/shares"): lambda w, r: {"query_string": {"jurisdiction": "linfen", "as_of": DAY}},
    ("vehicles", "GET", "/api/v1/nev/shares/export"):
        lambda w, r: {"query_string": {"jurisdiction": "linfen", "as_of": DAY}},
    ("vehicles", "GET", "/api/v1/nev/trend"): lambda w, r: {"query_string": {
        "jurisdiction": "linfen", "category": "bus", "from_month": "2026-01", "to_month": MONTH}},
    ("vehicles", "GET", "/api/v1/nev/trend/export"): lambda w, r: {"query_string": {
        "jurisdiction": "linfen", "category": "bus", "from_month": "2026-01", "to_month": MONTH}},
    ("vehicles", "POST", "/api/v1/policy-rules"): _policy_rule("vehicles"),
    ("vehicles", "POST", "/api/v1/list-entries"): lambda w, r: {"json": {
        "subject_type": "vehicle", "plate": plate(1), "plate_colour": "yellow", "list_kind": "blacklist",
        "reason_code": "roadside_over_emission", "evidence": ["路检-1"], "authority": "临汾市生态环境局",
        "issued_by": "张三", "effective_from": "2026-01-01"}},
    ("vehicles", "GET", "/api/v1/list-entries"): lambda w, r: {"query_string": {"uscc": w.ids["uscc_a"]}},
    ("vehicles", "GET", "/api/v1/list-entries/history"):
        lambda w, r: {"query_string": {"subject_type": "vehicle", "plate": plate(1), "plate_colour": "yellow"}},
    ("vehicles", "POST", "/api/v1/list-entries/{entry_id}/lift"): lambda w, r: {
        "path": f"/api/v1/list-entries/{_fresh_entry(w) if r in ('admin', 'environment') else w.ids['entry_1']}/lift",
        "json": {"reason": "复检合格"}},
    ("vehicles", "POST", "/api/v1/list-entries/{entry_id}/corrections"): lambda w, r: {
        "path": f"/api/v1/list-entries/{_fresh_entry(w) if r in ('admin', 'environment') else w.ids['entry_1']}"
                "/corrections",
        "json": {"reason": "证据编号有误", "changes": {"evidence": ["路检-更正"]}}},
    ("vehicles", "GET", "/api/v1/checks"): lambda w, r: {"query_string": {"plate": plate(1)}},
    ("vehicles", "POST", "/api/v1/checks"): lambda w, r: {"json": {"plate": plate(1)}},
    ("vehicles", "POST", "/api/v1/checks/bulk"): lambda w, r: {"json": {"items": [{"plate": plate(1)}]}},
    ("vehicles", "POST", "/api/v1/emission-tests"): lambda w, r: {"json": {
        "test_ref": "RS-2026-0001", "plate": plate(1), "plate_colour": "yellow", "kind": "roadside",
        "tested_on": "2026-03-01", "passed": True, "station": "临汾检测站"}},
    ("vehicles", "GET", "/api/v1/machinery/machines"):
        lambda w, r: {"query_string": {"owner_uscc": w.ids["uscc_a"]}},
    ("vehicles", "GET", "/api/v1/machinery/inspections"): lambda w, r: {"query_string": {"code": w.ids["machine_a"]}},
    ("vehicles", "GET", "/api/v1/summaries/lists"): lambda w, r: {"query_string": {"month": "2026-09"}},
    ("vehicles", "GET", "/api/v1/summaries/machinery"): lambda w, r: {"query_string": {"month": "2025-12"}},
    ("vehicles", "POST", "/api/v1/machinery/machines"): lambda w, r: {"json": machine_body(1, w.ids["uscc_a"])},
    ("vehicles", "PUT", "/api/v1/machinery/machines/{code}"): lambda w, r: {"json": machine_body(1, w.ids["uscc_a"])},
    ("vehicles", "POST", "/api/v1/machinery/machines/{code}/status"): lambda w, r: {
        "path": "/api/v1/machinery/machines/LF2019A00003/status",
        "json": {"status": "transferred_out", "effective_date": "2026-03-01", "reason": "转出"}},
    ("vehicles", "GET", "/api/v1/machinery/verdict"):
        lambda w, r: {"query_string": {"code": w.ids["machine_a"], "zone": "linfen_nrmm_lez", "date": DAY}},
    ("vehicles", "GET", "/api/v1/machinery/spot-check-plans"):
        lambda w, r: {"query_string": {"year": 2025, "area": "141000"}},
    ("vehicles", "PUT", "/api/v1/machinery/spot-check-plans/{district_code}/{year}"):
        lambda w, r: {"json": {"planned_count": 10, "note": "matrix"}},
    ("vehicles", "POST", "/api/v1/machinery/inspections"):
        lambda w, r: {"json": inspection_body("HX-INSP-1", w.ids["machine_a"])},
    ("vehicles", "POST", "/api/v1/machinery/inspections/{ref}/follow-up"): lambda w, r: {
        "path": f"/api/v1/machinery/inspections/{_failed_inspection(w) if r in ('admin', 'environment') else 'X'}"
                "/follow-up",
        "json": {"follow_up": "repaired", "effective_date": "2025-12-15", "reason": "DPF replaced"}},
    ("vehicles", "GET", "/api/v1/machinery/coverage"): lambda w, r: {"query_string": {"year": 2025}},
    # ---- gatecontrol
    ("gatecontrol", "GET", "/api/v1/completeness/monthly"): lambda w, r: {"query_string": {"month": MONTH}},
    ("gatecontrol", "PUT", "/api/v1/sites/{site_id}"): lambda w, r: {"json": w.ids[f"site_body_{SITE_X}"]},
    ("gatecontrol", "PUT", "/api/v1/sites/{site_id}/gates/{gate_id}"):
        lambda w, r: {"json": {"name": "main gate", "direction": "in"}},
    ("gatecontrol", "PUT", "/api/v1/sites/{site_id}/cameras/{camera_id}"):
        lambda w, r: {"json": {"name": "gate camera", "gate_id": GATE_X}},
    ("gatecontrol", "POST", "/api/v1/sites/{site_id}/keys"): lambda w, r: {"json": {"name": f"key for {r}"}},
    ("gatecontrol", "POST", "/api/v1/sites/{site_id}/keys/{key_id}/revoke"): lambda w, r: {"json": {"reason": "old"}},
    ("gatecontrol", "POST", "/api/v1/passages"): lambda w, r: {"json": {
        "event_id": f"matrix-{r}", "gate_id": GATE_X, "direction": "in", "plate": plate(1), "plate_colour": "yellow",
        "captured_at": f"{DAY}T09:00:00+08:00", "emission_stage": "4", "fuel": "柴油"}},
    ("gatecontrol", "POST", "/api/v1/passages/batch"): lambda w, r: {"json": {"passages": [{
        "event_id": f"matrix-batch-{r}", "gate_id": GATE_X, "direction": "in", "plate": plate(1),
        "plate_colour": "yellow", "captured_at": f"{DAY}T09:30:00+08:00"}]}},
    ("gatecontrol", "POST", "/api/v1/gates/{gate_id}/heartbeat"): lambda w, r: {"json": {}},
    ("gatecontrol", "GET", "/api/v1/sites"): lambda w, r: {"query_string": {"uscc": w.ids["uscc_a"]}},
    ("gatecontrol", "GET", "/api/v1/ledger"): lambda w, r: {"query_string": {"site_id": SITE_X}},
    ("gatecontrol", "GET", "/api/v1/ledger/export"): lambda w, r: {"query_string": SITE_MONTH},
    ("gatecontrol", "GET", "/api/v1/ledger/summary"): lambda w, r: {"query_string": SITE_MONTH},
    ("gatecontrol", "GET", "/api/v1/ledger/audit"): lambda w, r: {"query_string": SITE_MONTH},
    ("gatecontrol", "GET", "/api/v1/trips"): lambda w, r: {"query_string": {"uscc": w.ids["uscc_a"], "month": MONTH}},
    ("gatecontrol", "POST", "/api/v1/alerts"): lambda w, r: {"json": {
        "alert_key": "LF-2026-H1", "level": "orange", "area": "141000", "authority": "临汾市重污染天气应急指挥部",
        "starts_at": "2026-10-10T12:00:00+08:00", "ends_at": "2026-10-12T12:00:00+08:00"}},
    ("gatecontrol", "POST", "/api/v1/response-rules"):
        _same_as_stored("gatecontrol", "/api/v1/response-rules", "POST", "/api/v1/response-rules"),
    ("gatecontrol", "GET", "/api/v1/violations"): lambda w, r: {"query_string": {"month": MONTH, "site_id": SITE_X}},
    ("gatecontrol", "GET", "/api/v1/sites/{site_id}/completeness"): lambda w, r: {"query_string": {"day": DAY}},
    ("gatecontrol", "POST", "/api/v1/sites/{site_id}/cameras/{camera_id}/segments"): lambda w, r: {
        "query_string": {"starts_at": f"{DAY}T08:00:00+08:00", "ends_at": f"{DAY}T08:05:00+08:00"},
        "data": b"\x00\x00\x00\x18ftypmp42", "content_type": "video/mp4"},
    ("gatecontrol", "POST", "/api/v1/holds"): lambda w, r: {"json": {"site_id": SITE_X, "reason": "case 2026-18"}},
    ("gatecontrol", "POST", "/api/v1/holds/{hold_id}/release"): lambda w, r: {"path": "/api/v1/holds/{}/release".format(
        w.ok("gatecontrol", "environment", "POST", "/api/v1/holds", json={"plate": plate(1), "reason": "case"})
        .get_json()["id"])},
    ("gatecontrol", "POST", "/api/v1/policy-rules"): _policy_rule("gatecontrol"),
    # ---- railshift
    ("railshift", "PUT", "/api/v1/enterprises/{uscc}"):
        _same_as_stored("railshift", "/api/v1/enterprises/{uscc}", "PUT", "/api/v1/enterprises/{uscc}"),
    ("railshift", "PUT", "/api/v1/enterprises/{uscc}/declarations/{month}"): lambda w, r: {
        "path": f"/api/v1/enterprises/{w.ids['uscc_a']}/declarations/2026-06",
        "json": {"lines": w.ids["declaration_lines"]}},
    ("railshift", "POST", "/api/v1/declarations/{declaration_id}/transitions"): _transition,
    ("railshift", "POST", "/api/v1/declarations/{declaration_id}/corrections"):
        lambda w, r: {"path": f"/api/v1/declarations/{w.ids['declaration_approved']}/corrections"},
    ("railshift", "POST", "/api/v1/declarations/upload"): lambda w, r: {
        "data": _declaration_csv(w.ids["uscc_a"], "2026-05"), "content_type": "text/csv",
        "query_string": {"filename": "may.csv"}},
    ("railshift", "POST", "/api/v1/declarations/upload/errors"): lambda w, r: {
        "data": _declaration_csv(w.ids["uscc_a"], "2026-05"), "content_type": "text/csv",
        "query_string": {"filename": "may.csv", "format": "csv"}},
    # listings are probed with a filter naming A: B's token must still see only B's
    ("railshift", "GET", "/api/v1/enterprises"): lambda w, r: {"query_string": {"uscc": w.ids["uscc_a"]}},
    ("railshift", "GET", "/api/v1/declarations"): lambda w, r: {"query_string": {"uscc": w.ids["uscc_a"]}},
    ("railshift", "GET", "/api/v1/declarations/export"):
        lambda w, r: {"query_string": {"format": "csv", "uscc": w.ids["uscc_a"]}},
    ("railshift", "GET", "/api/v1/enterprises/{uscc}/ratios"): lambda w, r: {"query_string": {"month": "2026-09"}},
    ("railshift", "GET", "/api/v1/ratios/ranking"): lambda w, r: {"query_string": {"month": "2026-09"}},
    ("railshift", "GET", "/api/v1/ratios/non-compliant"): lambda w, r: {"query_string": {"month": "2026-09"}},
    ("railshift", "GET", "/api/v1/ratios/trend"): lambda w, r: {"query_string": {"from": "2026-01", "to": "2026-09"}},
    ("railshift", "GET", "/api/v1/ratios/city-indicators"):
        lambda w, r: {"query_string": {"month": "2026-09", "city_code": "141000"}},
    ("railshift", "PUT", "/api/v1/targets/{key}"):
        _same_as_stored("railshift", "/api/v1/targets", "PUT", "/api/v1/targets/{key}"),
    ("railshift", "POST", "/api/v1/policy-rules"): _policy_rule("railshift"),
    # ---- reports
    ("reports", "GET", "/api/v1/policy-rules"): lambda w, r: {"query_string": {"as_of": DAY}},
}


def request_for(world: World, cell: Cell) -> Request:
    build = BUILDERS.get((cell.service, cell.method, cell.path))
    request = build(world, cell.role) if build else {}
    request.setdefault("path", cell.path)
    request["path"] = _fill(request["path"], world, cell.service)
    return request


# ---- the cells ------------------------------------------------------------------------------------------


def _status_class(status: int) -> str:
    return "ok" if 200 <= status < 300 else str(status)


def _cell_id(cell: Cell) -> str:
    return f"{cell.service}:{cell.method}:{cell.path}:{cell.role}"


def _params() -> list[Any]:
    params = []
    for cell in cells():
        bug = KNOWN_BUGS.get((cell.service, cell.method, cell.path, cell.role))
        marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
        params.append(pytest.param(cell, id=_cell_id(cell), marks=marks))
    return params


@pytest.mark.parametrize("cell", _params())
def test_cell(world: World, cell: Cell) -> None:
    request = request_for(world, cell)
    path = request.pop("path")
    response = world.call(cell.service, cell.role, cell.method, path, **request)
    body = response.get_data()[:600]
    if cell.method == "POST" and cell.path == "/api/v1/vehicle-imports" and response.status_code == 202:
        wait_for_import(world, response.get_json()["id"])
    assert _status_class(response.status_code) == cell.expected, (
        f"{cell.role} {cell.method} {path} on {cell.service}: expected {cell.expected}, "
        f"got {response.status_code} {body!r}"
    )
    if cell.expected in ("401", "403", "404", "409", "422") and path.startswith("/api/"):
        assert response.mimetype == "application/problem+json", response.mimetype
    if cell.expected == "ok" and cell.other_tenant:
        text = response.get_data().decode("utf-8", errors="replace")
        markers = (world.ids["uscc_a"], world.ids["entry_1"], f"site {SITE_X}", world.ids.get("machine_a"),
                   world.ids.get("inspection_a"))
        leaked = [m for m in markers if m and m in text]
        assert not leaked, f"{cell.role} sees A's data ({leaked}) in {cell.method} {path}: {body!r}"


def test_every_operation_of_every_service_is_in_the_table(world: World) -> None:
    """A new endpoint must get a row (a decision for every role) before it ships."""
    table = set(operations())
    missing = []
    for service in SERVICES:
        spec = world.client(service).get("/openapi.json").get_json()
        for path, item in spec["paths"].items():
            for method in item:
                if method in ("get", "put", "post", "patch", "delete") and (service, method.upper(), path) not in table:
                    missing.append(f"{service} {method.upper()} {path}")
    assert not missing, "operations missing from tests/hardening/authz_matrix.py:\n" + "\n".join(missing)


def test_the_table_names_only_operations_that_exist(world: World) -> None:
    known = set()
    for service in SERVICES:
        spec = world.client(service).get("/openapi.json").get_json()
        known |= {(service, m.upper(), p) for p, item in spec["paths"].items() for m in item}
    stale = sorted(f"{s} {m} {p}" for s, m, p in operations() if (s, m, p) not in known)
    assert not stale, "rows for operations the services no longer have:\n" + "\n".join(stale)


def test_a_gate_key_never_posts_for_another_site(world: World) -> None:
    """Site Y's key naming site X's gate: the batch answers per item, and nothing lands in X's ledger."""
    body = {"passages": [{"event_id": "y-into-x", "gate_id": GATE_X, "direction": "in", "plate": plate(1),
                          "plate_colour": "yellow", "captured_at": f"{DAY}T10:00:00+08:00"}]}
    answer = world.ok("gatecontrol", "gate_y", "POST", "/api/v1/passages/batch", json=body).get_json()
    assert answer["results"][0]["status"] == "rejected", answer
    ledger = world.ok("gatecontrol", "environment", "GET", "/api/v1/ledger",
                             query_string={"site_id": SITE_X, "limit": 500}).get_json()
    assert "y-into-x" not in {p["event_id"] for p in ledger["items"]}


@pytest.mark.parametrize(
    ("role", "state", "action"),
    [("enterprise_a", "submitted", "approve"), ("enterprise_a", "submitted", "return"),
     ("transport", "draft", "submit"), ("environment", "submitted", "approve")],
)
def test_who_takes_which_review_step(world: World, role: str, state: str, action: str) -> None:
    """The matrix sends each role its own step; here each role tries another's: an enterprise never approves
    its own declaration, the bureau never submits for it."""
    declaration = _fresh_declaration(world, state)
    body = {"action": action, "reasons": ["数据不全"], "comment": "x"}
    response = world.call("railshift", role, "POST", f"/api/v1/declarations/{declaration}/transitions",
                                 json=body)
    assert response.status_code == 403, response.get_json()
