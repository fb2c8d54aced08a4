"""The hardening tests' world: the four services on one backend, with two enterprises, two sites and their keys.

The three upstreams also run for real under gunicorn on the same databases, so the reports app (in-process)
and railshift's reconciliation reach a real service over HTTP; every other request goes through the
in-process test clients for speed.
"""

from __future__ import annotations

import csv
import importlib
import io
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from shared.auth import encode_token
from tests.conftest import (
    TEST_SECRET,
    Databases,
    RunningService,
    make_settings,
    make_token,
    migrated,
    running_services,
    seed_shipped,
)
from tests.railshift.factories import enterprise_body
from tests.vehicles.factories import plate, vehicle, vin

SERVICES = ("vehicles", "gatecontrol", "railshift", "reports")
UPSTREAMS = ("vehicles", "gatecontrol", "railshift")
# The roles of the authorisation matrix, in the order of its columns.
ROLES = (
    "admin",
    "environment",
    "transport",
    "police",
    "enterprise_a",
    "enterprise_b",
    "gate_x",
    "gate_y",
    "service",
    "none",
    "expired",
    "revoked_key",
)
USCC_A = "91141002MA0HARD01X"  # check characters are filled in by _uscc()
USCC_B = "91141002MA0HARD02X"
SITE_X, SITE_Y = "HX1", "HY1"
GATE_X, GATE_Y = "GX1", "GY1"
CAMERA_X = "CX1"
MONTH = "2026-10"  # a past month with data in it
DAY = "2026-10-15"


def _uscc(first17: str) -> str:
    from shared.identifiers import uscc_check_character

    return first17[:17] + uscc_check_character(first17[:17])


@dataclass
class World:
    """Four in-process apps on one backend, the upstreams running for real, and the seeded ids."""

    backend: str
    apps: dict[str, Flask]
    upstreams: dict[str, RunningService]
    ids: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.apps[service].test_client()

    def call(self, service: str, role: str, method: str, path: str, **kwargs: Any) -> Any:
        """One request as `role` (no Authorization header for 'none')."""
        token = self.tokens[role]
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client(service).open(path, method=method, headers=headers, **kwargs)

    def path_values(self, service: str) -> dict[str, Any]:
        """What each path parameter names in this world: A's / X's seeded resources."""
        ids = self.ids
        return {
            "plate": plate(1), "colour": "yellow", "site_id": SITE_X, "gate_id": GATE_X, "camera_id": CAMERA_X,
            "key_id": ids.get("spare_key_x"), "segment_id": ids.get("segment_x"), "hold_id": ids.get("hold"),
            "uscc": ids.get("uscc_a"), "month": MONTH, "declaration_id": ids.get("declaration_submitted"),
            "entry_id": ids.get("entry_1"), "job_id": ids.get("import_job"), "key": ids.get("target_key"),
            "rule_id": ids.get(f"rule_{service}"), "code": ids.get("machine_a"), "ref": ids.get("inspection_a"),
            "district_code": "141002", "year": 2025,
        }  # fmt: skip

    def ok(self, service: str, role: str, method: str, path: str, **kwargs: Any) -> Any:
        """A setup request that must succeed."""
        response = self.call(service, role, method, path, **kwargs)
        assert 200 <= response.status_code < 300, (method, path, response.status_code, response.get_data()[:800])
        return response


def _seed_tenants(world: World) -> None:
    """Enterprises A and B, their sites X and Y with a gate, a camera and keys, vehicles, list entries,
    declarations in each state, a passage, a hold, a video segment, machines, an import job: what the paths
    of the matrix and the seeded fuzzing point at."""
    ids = world.ids
    a, b = ids["uscc_a"], ids["uscc_b"]
    # gatecontrol: site X of A, site Y of B, one gate each; X has a camera; keys
    for site, code, gate in ((SITE_X, a, GATE_X), (SITE_Y, b, GATE_Y)):
        body = {"uscc": code, "name": f"site {site}", "industry": "steel", "district_code": "141002",
                "key_user": True, "address": "尧都区"}
        ids[f"site_body_{site}"] = body
        world.ok("gatecontrol", "environment", "PUT", f"/api/v1/sites/{site}", json=body)
        world.ok("gatecontrol", "environment", "PUT", f"/api/v1/sites/{site}/gates/{gate}",
                 json={"name": "main gate", "direction": "in"})
    world.ok("gatecontrol", "environment", "PUT", f"/api/v1/sites/{SITE_X}/cameras/{CAMERA_X}",
             json={"name": "gate camera", "gate_id": GATE_X})
    keys = {}
    for name, site in (("gate_x", SITE_X), ("gate_y", SITE_Y), ("revoked_key", SITE_X), ("spare_x", SITE_X)):
        issued = world.ok("gatecontrol", "environment", "POST", f"/api/v1/sites/{site}/keys",
                          json={"name": name}).get_json()
        keys[name] = issued
    world.ok("gatecontrol", "environment", "POST",
             f"/api/v1/sites/{SITE_X}/keys/{keys['revoked_key']['key_id']}/revoke", json={"reason": "lost"})
    world.tokens.update({name: keys[name]["key"] for name in ("gate_x", "gate_y", "revoked_key")})
    ids["spare_key_x"] = keys["spare_x"]["key_id"]
    passage = {"event_id": "seed-1", "gate_id": GATE_X, "direction": "in", "plate": plate(1),
               "plate_colour": "yellow", "captured_at": f"{DAY}T08:00:00+08:00", "emission_stage": "4",
               "fuel": "柴油", "vehicle_type": "重型货车", "goods": "煤炭", "quantity_t": "31.5"}
    world.ok("gatecontrol", "gate_x", "POST", "/api/v1/passages", json=passage)
    segment = world.ok("gatecontrol", "gate_x", "POST", f"/api/v1/sites/{SITE_X}/cameras/{CAMERA_X}/segments",
                       query_string={"starts_at": f"{DAY}T08:00:00+08:00", "ends_at": f"{DAY}T08:05:00+08:00"},
                       data=b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4").get_json()
    ids["segment_x"] = segment["id"]
    hold = world.ok("gatecontrol", "environment", "POST", "/api/v1/holds",
                    json={"site_id": SITE_X, "reason": "case 2026-17"}).get_json()
    ids["hold"] = hold["id"]
    # railshift: both enterprises, A with declarations in draft, submitted and approved states
    for code, site in ((a, SITE_X), (b, SITE_Y)):
        world.ok("railshift", "transport", "PUT", f"/api/v1/enterprises/{code}",
                 json=enterprise_body(site_ids=[site]))
    lines = [
        {"direction": "inbound", "goods": "coal", "mode": "rail", "tonnes": "800"},
        {"direction": "inbound", "goods": "coal", "mode": "other_road", "tonnes": "200"},
    ]
    ids["declaration_lines"] = lines
    for month, state in (("2026-07", "draft"), ("2026-08", "submitted"), ("2026-09", "approved")):
        decl = world.ok("railshift", "enterprise_a", "PUT", f"/api/v1/enterprises/{a}/declarations/{month}",
                        json={"lines": lines}).get_json()
        if state != "draft":
            world.ok("railshift", "enterprise_a", "POST", f"/api/v1/declarations/{decl['id']}/transitions",
                     json={"action": "submit"})
        if state == "approved":
            world.ok("railshift", "transport", "POST", f"/api/v1/declarations/{decl['id']}/transitions",
                     json={"action": "approve"})
        ids[f"declaration_{state}"] = decl["id"]
    # vehicles: one vehicle of A, one of B, each blacklisted; two more of A whose status and stage change
    for serial in (3, 4):
        world.ok("vehicles", "environment", "PUT", f"/api/v1/vehicles/{plate(serial)}/yellow",
                 json=vehicle(serial, owner_uscc=a, vin=vin(serial)))
    for serial, code in ((1, a), (2, b)):
        world.ok("vehicles", "environment", "PUT", f"/api/v1/vehicles/{plate(serial)}/yellow",
                 json=vehicle(serial, owner_uscc=code, vin=vin(serial)))
        entry = world.ok("vehicles", "environment", "POST", "/api/v1/list-entries", json={
            "subject_type": "vehicle", "plate": plate(serial), "plate_colour": "yellow",
            "list_kind": "blacklist", "reason_code": "roadside_over_emission", "evidence": [f"路检-{serial}"],
            "authority": "临汾市生态环境局", "issued_by": "张三", "effective_from": "2026-01-01"}).get_json()
        ids[f"entry_{serial}"] = entry["id"]
    for service in ("vehicles", "gatecontrol", "railshift"):
        rules = world.ok(service, "environment", "GET", "/api/v1/policy-rules").get_json()["items"]
        ids[f"rule_{service}"] = rules[0]["id"]
    if "/api/v1/machinery/machines" in world.client("vehicles").get("/openapi.json").get_json()["paths"]:
        _seed_machinery(world)
    ids["target_key"] = world.ok("railshift", "transport", "GET", "/api/v1/targets").get_json()["targets"][0]["key"]
    job = world.ok("vehicles", "environment", "POST", "/api/v1/vehicle-imports", data={
        "file": (io.BytesIO(vehicle_csv(800)), "register.csv"), "dry_run": "true"},
        content_type="multipart/form-data").get_json()
    ids["import_job"] = job["id"]
    wait_for_import(world, job["id"])


def machine_body(serial: int, owner: str) -> dict[str, Any]:
    """A 国三 diesel excavator working in Yaodu (tests/vehicles/machinery_factories.py has the same shape)."""
    return {
        "code": f"LF2019A{serial:05d}", "machine_type": "excavator", "fuel": "diesel", "emission_stage": "nonroad_3",
        "engine_model": "YC6J220-T300", "engine_number": f"E{serial:08d}", "product_id": f"PIN{serial:010d}",
        "manufacture_date": "2018-05-01", "owner_uscc": owner, "site": "尧都区 滨河西路项目工地",
        "district_code": "141002", "registered_on": "2019-11-20",
    }  # fmt: skip


def inspection_body(ref: str, code: str, **changes: Any) -> dict[str, Any]:
    body = {"inspection_ref": ref, "code": code, "inspected_on": "2025-12-10", "on_construction_site": True,
            "disclosure_ok": True, "pollution_control_ok": True, "registration_ok": True,
            "online_monitoring_ok": True, "emission_tested": True, "opacity": 0.5, "opacity_limit": 0.8}
    return {**body, **changes}


def _seed_machinery(world: World) -> None:
    """Machines 1 and 3 of A, 2 of B; an inspection of A's machine 1."""
    for serial, owner in ((1, world.ids["uscc_a"]), (2, world.ids["uscc_b"]), (3, world.ids["uscc_a"])):
        world.ok("vehicles", "environment", "POST", "/api/v1/machinery/machines", json=machine_body(serial, owner))
    world.ok("vehicles", "environment", "POST", "/api/v1/machinery/inspections",
             json=inspection_body("HX-INSP-1", "LF2019A00001"))
    world.ids.update(machine_a="LF2019A00001", inspection_a="HX-INSP-1")


def vehicle_csv(serial: int) -> bytes:
    """A register file with one valid row (Chinese headers, as the template has them)."""
    headers = ["号牌号码", "号牌颜色", "车辆识别代号", "车辆类型", "使用性质", "燃料种类", "排放阶段", "营运",
               "所有人统一社会信用代码", "行政区划代码", "注册日期", "状态", "状态日期"]  # fmt: skip
    row = [plate(serial), "黄", vin(serial), "重型货车", "牵引车", "柴油", "国三", "是", "", "141002",
           "2012-05-01", "", ""]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerow(row)
    return buffer.getvalue().encode("utf-8-sig")


def wait_for_import(world: World, job_id: str) -> None:
    """Imports run in the background: wait for the job to finish (before the world is torn down)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = world.call("vehicles", "environment", "GET", f"/api/v1/vehicle-imports/{job_id}").get_json()
        if job.get("state") in ("done", "failed"):
            return
        time.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish")


@pytest.fixture(scope="module")
def make_world(
    backend: str, databases: Databases, auth_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], World]]:
    """make_world() -> a fresh World on the current backend (its servers stop at the end of the module)."""
    made: list[World] = []
    with ExitStack() as stack:

        def make() -> World:
            tmp = tmp_path_factory.mktemp("hardening")
            urls = {name: migrated(databases, name) for name in SERVICES}
            for name in UPSTREAMS:
                seed_shipped(name, urls[name], auth_database_url, tmp)
            upstream_urls = {name: urls[name] for name in UPSTREAMS}
            upstreams = stack.enter_context(running_services(tmp, upstream_urls, auth_database_url))
            world = World(backend, {}, upstreams)
            made.append(world)
            service_urls = {n: s.url for n, s in upstreams.items()}
            for name in SERVICES:
                settings = make_settings(name, urls[name], auth_database_url, tmp / name)
                settings = settings.with_changes(service_urls={**settings.service_urls, **service_urls})
                world.apps[name] = importlib.import_module(name).create_app(settings)
            world.ids.update(uscc_a=_uscc(USCC_A), uscc_b=_uscc(USCC_B))
            world.tokens.update({
                "admin": make_token("admin"),
                "environment": make_token("environment"),
                "transport": make_token("transport"),
                "police": make_token("police"),
                "service": make_token("service"),
                "enterprise_a": make_token("enterprise", uscc=world.ids["uscc_a"], name="enterprise A"),
                "enterprise_b": make_token("enterprise", uscc=world.ids["uscc_b"], name="enterprise B"),
                "none": None,
                "expired": encode_token(TEST_SECRET, role="environment", name="expired",
                                        expires_in=timedelta(seconds=-60)),
            })
            _seed_tenants(world)
            return world

        yield make
        for world in made:
            for flask_app in world.apps.values():
                flask_app.extensions["lantian.db"].dispose()
                flask_app.extensions["lantian.auth_db"].dispose()


@pytest.fixture(scope="module")
def world(make_world: Callable[[], World]) -> World:
    return make_world()
