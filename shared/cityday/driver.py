"""Send a city-day plan to running services over plain HTTP and check every answer on the way.

Each step says what it sent; an answer other than the one the API promises (201 new, 200 same again,
409 other content under the same key, `duplicate` in a resent batch) stops the run with the request and the
answer, because a city-day whose inputs were not taken as sent cannot be compared with its truth.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests

from shared.cityday.model import LEZ_DISTRICT, CityDay, Passage, corrected

logger = logging.getLogger(__name__)
BATCH = 25  # a gate PC flushing every few minutes
BACKLOG_BATCH = 100  # the backlog after the outage goes in larger batches


class ScenarioError(RuntimeError):
    """A service answered something other than what its API promises for what the scenario sent."""


class Api:
    """One service, called with a bearer token per role (tokens come from `token_for(role, **scope)`)."""

    def __init__(self, name: str, url: str, token_for: Callable[..., str]) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.token_for = token_for
        self.http = requests.Session()

    def call(
        self,
        method: str,
        path: str,
        *,
        role: str = "admin",
        token: str | None = None,
        expect: Iterable[int] = (200, 201),
        scope: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """The answer's JSON (with `_status`); raises ScenarioError on any other status than expected."""
        bearer = token or self.token_for(role, **(scope or {}))
        response = self.http.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {bearer}"},
                                     timeout=120, **kwargs)  # fmt: skip
        if response.status_code not in tuple(expect):
            raise ScenarioError(f"{self.name} {method} {path}: {response.status_code} {response.text[:800]}")
        body = response.json() if response.content else {}
        return {"_status": response.status_code, **body} if isinstance(body, dict) else body


@dataclass
class Services:
    vehicles: Api
    gatecontrol: Api
    railshift: Api
    reports: Api


@dataclass
class Sent:
    """What the run sent and what the services answered, counted (printed by `lantian demo day`)."""

    counts: Counter[str] = field(default_factory=Counter)
    checks: list[tuple[str, Any, Any]] = field(default_factory=list)  # (what, expected, answered)

    def check(self, what: str, expected: Any, answered: Any) -> None:
        self.checks.append((what, expected, answered))


def _parallel(function: Callable[[Any], Any], items: list[Any], workers: int = 4) -> list[Any]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


def register(plan: CityDay, api: Services, sent: Sent) -> None:
    """Vehicles, machines, inspections and list entries in vehicles; police checks of a listed plate."""
    vehicles = api.vehicles

    def put_vehicle(body: dict[str, Any]) -> int:
        path = f"/api/v1/vehicles/{quote(body['plate'])}/{body['plate_colour']}"
        return vehicles.call("PUT", path, role="environment", json=body)["_status"]

    statuses = Counter(_parallel(put_vehicle, plan.vehicles))
    sent.counts.update({"vehicles registered": statuses[201], "vehicles already there": statuses[200]})
    for change in plan.changes:
        kind = "status" if change["kind"] == "status" else "stage-upgrades"
        path = f"/api/v1/vehicles/{quote(change['plate'])}/{change['plate_colour']}/{kind}"
        vehicles.call("POST", path, role="environment", json=change["body"])
    sent.counts["vehicles scrapped or re-engined"] = len(plan.changes)
    for machine in plan.machines:
        vehicles.call("POST", "/api/v1/machinery/machines", role="environment", json=machine)
    sent.counts["machines registered"] = len(plan.machines)
    for inspection in plan.inspections:
        vehicles.call("POST", "/api/v1/machinery/inspections", role="environment", json=inspection)
    again = vehicles.call("POST", "/api/v1/machinery/inspections", role="environment", json=plan.inspections[0])
    sent.check("inspection resent: 200, not stored twice", 200, again["_status"])
    sent.counts["inspections"] = len(plan.inspections)
    for change in plan.machine_changes:
        vehicles.call("POST", f"/api/v1/machinery/machines/{change['code']}/status", role="environment",
                      json=change["body"])  # fmt: skip
    for follow_up in plan.follow_ups:
        vehicles.call("POST", f"/api/v1/machinery/inspections/{follow_up['ref']}/follow-up", role="environment",
                      json=follow_up["body"])  # fmt: skip
    sent.counts.update({"machines scrapped": len(plan.machine_changes), "spot-check follow-ups": len(plan.follow_ups)})
    ids = []
    for entry in plan.entries:
        ids.append(vehicles.call("POST", "/api/v1/list-entries", role="environment", json=entry)["id"])
    again = vehicles.call("POST", "/api/v1/list-entries", role="environment", json=plan.entries[0])
    sent.check("list entry resent: the same entry, 200", (200, ids[0]), (again["_status"], again["id"]))
    for index in plan.lifted:
        vehicles.call("POST", f"/api/v1/list-entries/{ids[index]}/lift", role="environment",
                      json={"reason": "复检合格（城市一日）"})  # fmt: skip
    sent.counts.update({"list entries": len(ids), "list entries lifted": len(plan.lifted)})
    listed = plan.entries[0]
    answer = vehicles.call("GET", "/api/v1/checks", role="police", params={"plate": listed["plate"]})
    sent.check(f"police check of listed {listed['plate']}: blacklisted", True, answer["blacklisted"])
    clean = next(v for v in plan.vehicles if v["plate"] not in {e.get("plate") for e in plan.entries})
    answer = vehicles.call("GET", "/api/v1/checks", role="police", params={"plate": clean["plate"]})
    sent.check(f"police check of unlisted {clean['plate']}: not blacklisted", False, answer["blacklisted"])


def open_sites(plan: CityDay, api: Services, sent: Sent) -> dict[str, str]:
    """The response rule, the alert, sites with their gates and one key each; returns site -> gate key."""
    gate = api.gatecontrol
    gate.call("POST", "/api/v1/response-rules", role="environment", json=plan.response_rule)
    keys = {}
    for site in plan.sites:
        body = {"uscc": site.uscc, "name": site.name, "industry": site.industry, "district_code": site.district,
                "key_user": True, "address": site.name, "dev_zone_listed": False}  # fmt: skip
        gate.call("PUT", f"/api/v1/sites/{site.site_id}", role="environment", json=body)
        for gate_id, direction in site.gates.items():
            gate.call("PUT", f"/api/v1/sites/{site.site_id}/gates/{gate_id}", role="environment",
                      json={"name": f"{gate_id} {direction}", "direction": direction})  # fmt: skip
        keys[site.site_id] = gate.call("POST", f"/api/v1/sites/{site.site_id}/keys", role="environment",
                                       json={"name": "gate PC (city-day)"})["key"]  # fmt: skip
    first = gate.call("POST", "/api/v1/alerts", role="environment", json=plan.alert)
    again = gate.call("POST", "/api/v1/alerts", role="environment", json=plan.alert)
    sent.check("alert declared twice: 200 the second time", (201, 200), (first["_status"], again["_status"]))
    for alert in plan.other_alerts:
        gate.call("POST", "/api/v1/alerts", role="environment", json=alert)
    sent.counts.update({"sites": len(plan.sites), "gates": sum(len(s.gates) for s in plan.sites), "keys": len(keys)})
    return keys


def _batch(api: Api, key: str, passages: list[dict[str, Any]]) -> Counter[str]:
    answer = api.call("POST", "/api/v1/passages/batch", token=key, expect=(200,), json={"passages": passages})
    refused = [item for item in answer["results"] if item["status"] in ("rejected", "conflict")]
    if refused:
        raise ScenarioError(f"gatecontrol refused {len(refused)} passages of a batch: {refused[:3]}")
    return Counter(item["status"] for item in answer["results"])


def replay_traffic(plan: CityDay, api: Services, keys: dict[str, str], sent: Sent) -> None:
    """The day's live traffic per site in time order (batches, some single posts), retries of some of it with
    the same content, one retry with other content, then the outage's backlog in batches, one resent whole."""
    gate = api.gatecontrol
    statuses: Counter[str] = Counter()
    for site in plan.sites:
        live = [p for p in plan.passages if p.site_id == site.site_id and p.live]
        buffer: list[dict[str, Any]] = []
        for passage in live:
            if passage.single:
                answer = gate.call("POST", "/api/v1/passages", token=keys[site.site_id], expect=(201,),
                                   json=passage.body)  # fmt: skip
                statuses["created"] += answer["_status"] == 201
                continue
            buffer.append(passage.body)
            if len(buffer) == BATCH:
                statuses += _batch(gate, keys[site.site_id], buffer)
                buffer = []
        if buffer:
            statuses += _batch(gate, keys[site.site_id], buffer)
    sent.check("live passages stored once each", sum(p.live for p in plan.passages), statuses["created"])
    sent.counts["live passages posted"] = statuses["created"]
    _retries(plan, gate, keys, sent)
    backlog: dict[str, list[Passage]] = {}
    for passage in plan.passages:
        if not passage.live:
            backlog.setdefault(passage.site_id, []).append(passage)
    created = duplicates = 0
    for site_id, passages in backlog.items():
        chunks = [[p.body for p in passages[i : i + BACKLOG_BATCH]] for i in range(0, len(passages), BACKLOG_BATCH)]
        for chunk in chunks:
            created += _batch(gate, keys[site_id], chunk)["created"]
        resent = _batch(gate, keys[site_id], chunks[0])  # the gate PC timed out and sends the batch again
        duplicates += resent["duplicate"]
        sent.check(f"backlog batch resent at {site_id}: all duplicate", {"duplicate": len(chunks[0])}, dict(resent))
    sent.check("backlog stored once each", sum(not p.live for p in plan.passages), created)
    sent.counts.update({"backlog passages posted (backfill)": created, "backlog passages resent": duplicates})
    replayed: Counter[str] = Counter()
    for site in plan.sites:  # a gate PC restarted without its sent-log re-sends its whole day
        bodies = [p.body for p in plan.passages if p.site_id == site.site_id]
        for start in range(0, len(bodies), BACKLOG_BATCH):
            replayed += _batch(gate, keys[site.site_id], bodies[start : start + BACKLOG_BATCH])
    sent.check("the whole day re-sent: every passage a duplicate", {"duplicate": len(plan.passages)}, dict(replayed))
    sent.counts["passages re-sent after a gate PC restart"] = replayed["duplicate"]


STAGE_ZH = {"3": "国三", "4": "国IV", "5": "国五", "6": "国六", "D": "D"}
FUEL_ZH = {"diesel": "柴油", "petrol": "汽油", "natural_gas": "天然气", "battery_electric": "纯电动"}


def _said_otherwise(body: dict[str, Any]) -> dict[str, Any]:
    """The same passage as a gate PC after a software update writes it: the instant in UTC, the stage and fuel
    in Chinese. The same content (gatecontrol compares normalised values), so a retry, not a conflict."""
    moment = datetime.fromisoformat(body["captured_at"]).astimezone(UTC)
    return {**body, "captured_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "emission_stage": STAGE_ZH.get(body["emission_stage"], body["emission_stage"]),
            "fuel": FUEL_ZH.get(body["fuel"], body["fuel"])}  # fmt: skip


def _retries(plan: CityDay, gate: Api, keys: dict[str, str], sent: Sent) -> None:
    retried = [plan.passages[i] for i in plan.retries]
    singles, batched = retried[: len(retried) // 2], retried[len(retried) // 2 :]
    for number, passage in enumerate(singles):
        body = passage.body if number % 2 else _said_otherwise(passage.body)
        answer = gate.call("POST", "/api/v1/passages", token=keys[passage.site_id], expect=(200,), json=body)
        if answer["event_id"] != passage.body["event_id"]:
            raise ScenarioError(f"a retry of {passage.body['event_id']} answered {answer['event_id']}")
    duplicates: Counter[str] = Counter()
    for site_id in {p.site_id for p in batched}:
        bodies = [p.body for p in batched if p.site_id == site_id]
        duplicates += _batch(gate, keys[site_id], bodies + bodies[:1])  # the same event twice in one batch too
    expected = len(batched) + len({p.site_id for p in batched})
    sent.check("retried passages: 200 / duplicate, nothing stored", {"duplicate": expected}, dict(duplicates))
    sent.counts["retries sent (same event_id, same content)"] = len(singles) + expected
    passage = plan.passages[plan.conflict]
    other = {**passage.body, "goods": "与原记录不同的货物"}
    answer = gate.call("POST", "/api/v1/passages", token=keys[passage.site_id], expect=(409,), json=other)
    fields = sorted({e.get("field") for e in answer.get("errors", [])})
    sent.check("a retry with other content: 409 naming the field", ["goods"], fields)
    sent.counts["conflicting retries (refused)"] = 1


def declare_and_review(plan: CityDay, api: Services, sent: Sent) -> None:
    """Each site's enterprise registered in railshift (with its site), declares the month and submits; the
    transport bureau approves one (the approval retried) and returns one; the third awaits review."""
    rail = api.railshift
    for site in plan.sites:
        rail.call("PUT", f"/api/v1/enterprises/{site.uscc}", role="transport", json={
            "name": site.name, "industry": site.rail_industry, "district_code": site.district, "urban_fringe": False,
            "siding_status": "in_service", "annual_bulk_tonnes": "1200000", "ultra_low_status": "completed",
            "site_ids": [site.site_id]})  # fmt: skip
        scope = {"uscc": site.uscc}
        body = {
            "lines": plan.declarations[site.uscc],
            "attachments": [{"name": "waybills", "ref": f"doc://{site.uscc}"}],
        }
        path = f"/api/v1/enterprises/{site.uscc}/declarations/{plan.month}"
        declaration = rail.call("PUT", path, role="enterprise", scope=scope, json=body)
        rail.call("POST", f"/api/v1/declarations/{declaration['id']}/transitions", role="enterprise", scope=scope,
                  json={"action": "submit"})  # fmt: skip
        action = plan.review.get(site.uscc)
        path = f"/api/v1/declarations/{declaration['id']}/transitions"
        if action == "approve":
            rail.call("POST", path, role="transport", json={"action": "approve", "comment": "台账相符"})
            again = rail.call("POST", path, role="transport", json={"action": "approve", "comment": "台账相符"})
            sent.check("approval retried: 200, still approved", (200, "approved"), (again["_status"], again["status"]))
            _correct(rail, declaration["id"], site.uscc, corrected(plan.declarations[site.uscc]), sent)
        elif action == "return":
            rail.call("POST", path, role="transport", json={"action": "return", "reasons": ["公路运量与门禁车次不符"]})
    sent.counts.update({"declarations submitted": len(plan.sites),
                        "approved": sum(a == "approve" for a in plan.review.values()),
                        "returned": sum(a == "return" for a in plan.review.values())})  # fmt: skip


def _correct(rail: Api, declaration_id: int, uscc: str, lines: list[dict[str, Any]], sent: Sent) -> None:
    """The enterprise corrects its approved declaration (a new version, reviewed again) and the bureau approves
    the correction: it becomes the official version, the first stays approved but no longer official."""
    scope = {"uscc": uscc}
    version = rail.call("POST", f"/api/v1/declarations/{declaration_id}/corrections", role="enterprise", scope=scope)
    month = version["month"]
    rail.call("PUT", f"/api/v1/enterprises/{uscc}/declarations/{month}", role="enterprise", scope=scope,
              json={"lines": lines})  # fmt: skip
    path = f"/api/v1/declarations/{version['id']}/transitions"
    rail.call("POST", path, role="enterprise", scope=scope, json={"action": "submit"})
    rail.call("POST", path, role="transport", json={"action": "approve", "comment": "更正核实"})
    official = rail.call("GET", "/api/v1/declarations", role="transport", params={"uscc": uscc, "official": "true"})
    items = official.get("items", official) if isinstance(official, dict) else official
    sent.check("the approved correction is the official version", [version["id"]], [d["id"] for d in items])
    sent.counts["corrections approved"] += 1


def monthly_report(api: Services, month: str, area: str = "city") -> dict[str, Any]:
    """A monthly report (the city's or a district's), built now from what the upstreams hold (a new version)."""
    return api.reports.call("GET", f"/api/v1/reports/monthly/{month}", role="environment",
                            params={"area": area, "regenerate": "true"})  # fmt: skip


@dataclass
class Reports:
    """One area's reports of the scenario's month and of the month the entries are recorded in (this one),
    each built before the day (the baseline) and after it."""

    before: dict[str, Any]
    after: dict[str, Any]
    recording_before: dict[str, Any]
    recording_after: dict[str, Any]


def _reports(api: Services, plan: CityDay, areas: Iterable[str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per area: the report of the scenario's month and of the recording month (the same when they are)."""
    built = {}
    for area in areas:
        month = monthly_report(api, plan.month, area)
        same = plan.recording_month == plan.month
        built[area] = (month, month if same else monthly_report(api, plan.recording_month, area))
    return built


def run_city_day(plan: CityDay, api: Services, sync_registry: Callable[[], None],
                 log: Callable[[str], None] = logger.info,
                 areas: tuple[str, ...] = ("city", LEZ_DISTRICT)) -> tuple[Sent, dict[str, Reports]]:  # fmt: skip
    """Send the whole day; returns what was sent and, per area, the reports before and after it."""
    sent = Sent()
    log(f"reports {plan.month} and {plan.recording_month} of {', '.join(areas)} before the day (baseline)")
    before = _reports(api, plan, areas)
    log(f"vehicles: {len(plan.vehicles)} vehicles, {len(plan.machines)} machines, {len(plan.entries)} list entries")
    register(plan, api, sent)
    log("gatecontrol: syncing the registry replica from the vehicles change feed")
    sync_registry()
    log(f"gatecontrol: {len(plan.sites)} sites, the response rule, alert {plan.alert['alert_key']}")
    keys = open_sites(plan, api, sent)
    log(f"gatecontrol: replaying {len(plan.passages)} passages (outage at {plan.outage[0]}, then its backlog)")
    replay_traffic(plan, api, keys, sent)
    log("railshift: declarations and the bureau's review")
    declare_and_review(plan, api, sent)
    log(f"reports: building the {plan.month} and {plan.recording_month} reports of {', '.join(areas)}")
    after = _reports(api, plan, areas)
    return sent, {area: Reports(before[area][0], after[area][0], before[area][1], after[area][1]) for area in areas}
