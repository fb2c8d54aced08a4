"""Small builders that create report inputs in the real upstream services, through their HTTP APIs."""

from __future__ import annotations

import itertools
from typing import Any

import requests

from shared.identifiers import uscc_check_character
from tests.conftest import make_token

_serial = itertools.count(1)


def uscc(district: str) -> str:
    """A fresh valid unified social credit code registered in `district`."""
    first17 = f"91{district}MR{next(_serial):07d}"
    return first17 + uscc_check_character(first17)


def section_of(report: dict[str, Any], key: str) -> dict[str, Any]:
    """A section of a report, asserting it is there (not marked unavailable)."""
    section = next(s for s in report["sections"] if s["key"] == key)
    assert section["status"] == "ok", section
    return section


def table_of(section: dict[str, Any], key: str) -> dict[str, Any]:
    """A table of a section by its key."""
    return next(t for t in section["tables"] if t["key"] == key)


class Upstream:
    """Calls one running service as a given role."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, method: str, path: str, role: str = "admin", expect: tuple[int, ...] = (200, 201), **kwargs: Any):
        scope = kwargs.pop("scope", {})
        headers = {"Authorization": f"Bearer {make_token(role, **scope)}"}
        response = requests.request(method, f"{self.url}{path}", headers=headers, timeout=15, **kwargs)
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json() if response.content else None


class Railshift(Upstream):
    """Enterprises and declarations in railshift."""

    def enterprise(self, name: str, district: str, industry: str = "coal_mining", *, code: str | None = None,
                   site_ids: tuple[str, ...] = ()) -> str:  # fmt: skip
        code = code or uscc(district)
        body = {"name": name, "industry": industry, "district_code": district, "urban_fringe": False,
                "siding_status": "in_service", "annual_bulk_tonnes": "2000000", "ultra_low_status": "completed",
                "site_ids": list(site_ids)}  # fmt: skip
        self.call("PUT", f"/api/v1/enterprises/{code}", "transport", json=body)
        return code

    def _declare(self, code: str, month: str, rail_t: int, clean_road_t: int, dirty_road_t: int) -> dict:
        lines = [{"direction": "inbound", "goods": "coal", "mode": mode, "tonnes": str(tonnes)}
                 for mode, tonnes in (("rail", rail_t), ("china_6_truck", clean_road_t), ("other_road", dirty_road_t))
                 if tonnes]  # fmt: skip
        declaration = self.call(
            "PUT",
            f"/api/v1/enterprises/{code}/declarations/{month}",
            "enterprise",
            scope={"uscc": code},
            json={"lines": lines},
        )
        self.call(
            "POST",
            f"/api/v1/declarations/{declaration['id']}/transitions",
            "enterprise",
            scope={"uscc": code},
            json={"action": "submit"},
        )
        return declaration

    def submitted(self, code: str, month: str, **tonnes: int) -> dict:
        return self._declare(code, month, **tonnes)

    def approved(self, code: str, month: str, **tonnes: int) -> dict:
        declaration = self._declare(code, month, **tonnes)
        return self.call(
            "POST", f"/api/v1/declarations/{declaration['id']}/transitions", "transport", json={"action": "approve"}
        )


class Vehicles(Upstream):
    """Vehicles in the vehicles registry, registered and retired as a clerk would."""

    serial = itertools.count(1)

    def vehicle(
        self,
        district: str,
        registered: str,
        *,
        fuel: str = "diesel",
        stage: str | None = "china_4",
        vehicle_class: str = "N3",
        body_type: str = "tractor",
    ) -> dict[str, Any]:
        number = next(self.serial)
        first17 = f"91{district}MW{number:07d}"
        body = {"plate": f"晋L{number:05d}", "plate_colour": "yellow", "vehicle_class": vehicle_class,
                "body_type": body_type, "fuel": fuel, "emission_stage": stage, "operating": True,
                "owner_uscc": first17 + uscc_check_character(first17), "district_code": district,
                "registration_date": registered}  # fmt: skip
        if stage is None:
            del body["emission_stage"]
        self.call("PUT", f"/api/v1/vehicles/{body['plate']}/yellow", "environment", json=body)
        return body

    def retire(self, body: dict[str, Any], status: str, day: str) -> None:
        self.call(
            "POST",
            f"/api/v1/vehicles/{body['plate']}/yellow/status",
            "environment",
            json={"status": status, "effective_date": day, "reason": "report test"},
        )

    def listed(self, subject: dict[str, Any], list_kind: str, reason: str, effective_from: str) -> dict[str, Any]:
        """A list entry about `subject` ({"subject_type": "vehicle", "plate", "plate_colour"} or an enterprise's)."""
        body = {**subject, "list_kind": list_kind, "reason_code": reason, "evidence": ["报告测试"],
                "authority": "临汾市生态环境局", "issued_by": "报告测试", "effective_from": effective_from}  # fmt: skip
        return self.call("POST", "/api/v1/list-entries", "environment", json=body)

    def lift(self, entry: dict[str, Any]) -> None:
        self.call("POST", f"/api/v1/list-entries/{entry['id']}/lift", "environment", json={"reason": "复检合格"})

    machine_serial = itertools.count(1)

    def machine(self, district: str, registered_on: str, machine_type: str = "excavator",
                stage: str = "nonroad_3") -> str:  # fmt: skip
        """A diesel machine registered (编码登记) in `district`; its registration code."""
        number = next(self.machine_serial)
        code = f"LF2019R{number:05d}"
        body = {"code": code, "machine_type": machine_type, "fuel": "diesel", "emission_stage": stage,
                "engine_model": "YC6J220-T300", "engine_number": f"ER{number:07d}", "product_id": f"PINR{number:09d}",
                "manufacture_date": "2010-05-01", "owner_uscc": uscc(district), "site": "报告测试工地",
                "district_code": district, "registered_on": registered_on}  # fmt: skip
        self.call("POST", "/api/v1/machinery/machines", "environment", json=body)
        return code

    def inspect(self, code: str, day: str, *, opacity: float, limit: float = 0.8) -> dict[str, Any]:
        """An on-site spot check with an emission test (failed when the opacity is over the limit)."""
        body = {"inspection_ref": f"RPT-{code}-{day}", "code": code, "inspected_on": day,
                "on_construction_site": True, "disclosure_ok": True, "pollution_control_ok": True,
                "registration_ok": True, "online_monitoring_ok": True, "emission_tested": True, "opacity": opacity,
                "opacity_limit": limit}  # fmt: skip
        return self.call("POST", "/api/v1/machinery/inspections", "environment", json=body)


class Gatecontrol(Upstream):
    """Sites, gate keys, passages and alerts in gatecontrol."""

    events = itertools.count(1)

    def site(self, site_id: str, district: str, name: str, owner: str | None = None) -> str:
        code = owner or uscc(district)
        body = {"uscc": code, "name": name, "industry": "steel", "district_code": district, "key_user": True,
                "address": name}  # fmt: skip
        self.call("PUT", f"/api/v1/sites/{site_id}", "environment", json=body)
        for gate_id, direction in (("G1", "in"), ("G2", "out")):
            self.call(
                "PUT",
                f"/api/v1/sites/{site_id}/gates/{gate_id}",
                "environment",
                json={"name": f"{direction} gate", "direction": direction},
            )
        return self.call("POST", f"/api/v1/sites/{site_id}/keys", "environment", json={"name": "gate PC"})["key"]

    def passages(self, key: str, *bodies: dict[str, Any]) -> None:
        response = requests.post(
            f"{self.url}/api/v1/passages/batch",
            json={"passages": list(bodies)},
            headers={"Authorization": f"Bearer {key}"},
            timeout=15,
        )
        assert response.status_code in (200, 201), response.text[:500]
        assert response.json()["counts"] == {"created": len(bodies)}, response.json()

    def response_rule(self, body: dict[str, Any]) -> None:
        self.call("POST", "/api/v1/response-rules", "environment", json=body)

    def alert(self, key: str, level: str, area: str, starts_at: str, ends_at: str) -> None:
        self.call("POST", "/api/v1/alerts", "environment",
                  json={"alert_key": key, "level": level, "area": area, "authority": "临汾市重污染天气应急指挥部",
                        "starts_at": starts_at, "ends_at": ends_at})  # fmt: skip


def passage(captured_at: str, *, stage: str = "4", fuel: str = "柴油", plate: str | None = None,
            goods: str = "煤炭", gate_id: str = "G1") -> dict[str, Any]:  # fmt: skip
    """A heavy truck passing a gate, as a gate system sends it."""
    number = next(Gatecontrol.events)
    return {"event_id": f"ev-{number}", "gate_id": gate_id, "direction": "in" if gate_id == "G1" else "out",
            "plate": plate or f"晋L{number:05d}", "plate_colour": "yellow", "captured_at": captured_at,
            "emission_stage": stage, "fuel": fuel, "vehicle_type": "重型货车", "goods": goods, "quantity_t": "31.5",
            "photos": [f"photo://{number}.jpg"]}  # fmt: skip
