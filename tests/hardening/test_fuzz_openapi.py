"""Fuzz every operation of every service from its own /openapi.json (schemathesis), on SQLite and PostgreSQL.

For each operation: schema-valid requests (positive), schema-breaking ones (negative), and valid ones whose path
names a seeded row (so GET-by-id reaches real data), sent with a token of a role the authorisation matrix lets
in (and enterprise A's where enterprises may call it). Every answer must be below 500, have a status and a content
type the operation documents (issue 9: errors are documented one by one, no catch-all `default`), match the
response schema the service documents, and an error must be problem+json carrying its status.

LANTIAN_FUZZ_EXAMPLES sets the examples per strategy (default 5, `make fuzz` runs 100); LANTIAN_FUZZ_SEED
changes the (otherwise fixed) random stream. The operations fuzzed are the rows of the authorisation matrix,
which test_authz_matrix keeps equal to the services' OpenAPI. What was sent and answered per operation is
summed up in test-artifacts/hardening/fuzz-<backend>.json (status codes seen, documented, and seen undocumented).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import REPO
from tests.hardening.authz_matrix import operations
from tests.hardening.conftest import DAY, GATE_X, MONTH, SITE_X, World
from tests.vehicles.factories import plate

EXAMPLES = int(os.environ.get("LANTIAN_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("LANTIAN_FUZZ_SEED", "0"))
ARTIFACTS = REPO / "test-artifacts" / "hardening"
# The role each operation is fuzzed as: the first of these the matrix lets in (admin has no tenant or site).
ROLE_PREFERENCE = ("environment", "transport", "police", "service", "gate_x", "enterprise_a", "admin")

# Bugs the fuzzer finds and nobody has fixed yet (none today): a run of an operation that hits only these is
# reported as xfail (a bounded run may or may not hit them); anything else fails. Each gets an exact regression
# test below, marked xfail(strict=True) until it is fixed.
_BUGS: list[tuple[str, str, str, str]] = [
]
# How each bug shows in a schemathesis report (the failing schema property, the undocumented status or content
# type, or the request that got the 500).
SIGNATURES = {
}
# (service, method, path) -> the bugs a run of that operation may hit.
KNOWN_BUGS: dict[tuple[str, str, str], list[str]] = {}
for _service, _method, _path, _reason in _BUGS:
    KNOWN_BUGS.setdefault((_service, _method, _path), []).append(_reason)


def _known(failure: str, bugs: list[str]) -> list[str]:
    """The known bugs that explain a failure report, or [] when it shows something new: every distinct failure
    schemathesis found must be matched by a bug's signature."""
    hits = {bug: len(re.findall(SIGNATURES[bug], failure)) for bug in bugs}
    matched = [bug for bug, count in hits.items() if count]
    found = re.search(r"found (\d+) distinct failure", failure)
    return matched if matched and (found is None or int(found.group(1)) <= sum(hits.values())) else []


def _repair(spec: dict[str, Any]) -> list[str]:
    """Make the spec loadable where it is invalid OpenAPI, returning what was changed (each is a finding):
    marshmallow's Range on Decimal fields is emitted as a string bound ("999999.0"), which schemathesis
    refuses as a schema definition."""
    repairs = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for bound in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(node.get(bound), str):
                    repairs.append(f"{where}/{bound}: {node[bound]!r} is a string, not a number")
                    node[bound] = float(node[bound])
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(spec, "#")
    return repairs


@schemathesis.check
def _problem_json_for_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error is application/problem+json whose `status` is the HTTP status (README: errors)."""
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])
    media = media[0] if isinstance(media, list) else media
    assert media.startswith("application/problem+json"), f"{response.status_code} sent as {media!r}"
    body = json.loads(response.content)
    assert body.get("status") == response.status_code and body.get("code"), f"problem body {body!r}"
    return True


@schemathesis.check
def _documented_status(ctx: Any, response: Any, case: Any) -> bool | None:
    """The status is one the operation documents (a 5xx is not_a_server_error's to report, once)."""
    if response.status_code >= 500:
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    _documented_status,
    content_type_conformance,
    response_schema_conformance,
    _problem_json_for_errors,
]


class Fuzzer:
    """One service's schemathesis schema over its in-process app, and what the runs saw."""

    def __init__(self, world: World, service: str) -> None:
        self.world = world
        self.service = service
        spec = world.client(service).get("/openapi.json").get_json()
        self.documented = copy.deepcopy(spec)
        self.repairs = _repair(spec)
        self.schema = schemathesis.openapi.from_dict(spec)
        self.schema.app = world.apps[service]
        self.examples = 0
        self.statuses: dict[str, Counter[int]] = {}

    def run(self, method: str, path: str, role: str, seeded: dict[str, Any]) -> list[str]:
        """Fuzz one operation as `role`; returns the failures found (empty when none)."""
        operation = self.schema[path][method]
        token = self.world.tokens[role]
        headers = {"Authorization": f"Bearer {token}"}
        statuses = self.statuses.setdefault(f"{method} {path}", Counter())
        strategies = [
            ("positive", operation.as_strategy(GenerationMode.POSITIVE)),
            ("negative", operation.as_strategy(GenerationMode.NEGATIVE)),
        ]
        if seeded:
            strategies.append(("seeded", operation.as_strategy(GenerationMode.POSITIVE, path_parameters=seeded)))
        failures = []
        for label, strategy in strategies:

            @hypothesis.given(case=strategy)
            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=SEED == 0,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.seed(SEED)
            def fuzz(case: Any) -> None:
                self.examples += 1
                try:
                    response = case.call(headers=headers)
                except Exception as exc:  # an exception escaping the app (e.g. raised while streaming)
                    raise AssertionError(f"{type(exc).__name__} escaped the app: {exc}") from exc
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                fuzz()
            except Unsatisfiable:
                continue  # nothing to vary (no parameters, no body): the other strategies cover it
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"[{label}, as {role}] {type(exc).__name__}: {exc}")
        return failures


# ---- the bugs the fuzzer found, each as one exact request (strict: fixing the service turns these red) ------

INT_PATHS = [
    ("vehicles", "GET", "/api/v1/policy-rules/{id}"),
    ("gatecontrol", "GET", "/api/v1/policy-rules/{id}"),
    ("railshift", "GET", "/api/v1/policy-rules/{id}"),
    ("gatecontrol", "POST", "/api/v1/holds/{id}/release"),
    ("gatecontrol", "GET", f"/api/v1/sites/{SITE_X}/segments/{{id}}/content"),
    ("railshift", "GET", "/api/v1/declarations/{id}"),
    ("railshift", "POST", "/api/v1/declarations/{id}/corrections"),
    ("railshift", "POST", "/api/v1/declarations/{id}/reconciliation"),
]
ROLE_FOR_INT_PATH = {"POST /api/v1/declarations/{id}/corrections": "enterprise_a",
                     "POST /api/v1/declarations/{id}/reconciliation": "transport"}


@pytest.mark.parametrize(("service", "method", "path"), INT_PATHS, ids=[f"{s}:{m}:{p}" for s, m, p in INT_PATHS])
def test_an_id_out_of_range_is_404(world: World, service: str, method: str, path: str) -> None:
    role = ROLE_FOR_INT_PATH.get(f"{method} {path}", "environment")
    huge = 2**31 if world.backend == "postgresql" else 2**64  # an id the backend's integer column cannot hold
    response = world.call(service, role, method, path.format(id=huge))
    assert response.status_code == 404, (response.status_code, response.get_data()[:300])


@pytest.mark.parametrize("path", ["/api/v1/nev/shares/export", "/api/v1/nev/trend/export"])
def test_a_newline_in_the_jurisdiction_cannot_break_the_download_header(world: World, path: str) -> None:
    query = {"jurisdiction": "linfen\r\nX-Injected: 1", "as_of": DAY, "category": "bus",
             "from_month": "2026-01", "to_month": "2026-02"}
    response = world.call("vehicles", "environment", "GET", path, query_string=query)
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert "X-Injected" not in response.headers
    fallback = response.headers["Content-Disposition"].split(";")[1]
    assert re.fullmatch(r' filename="[A-Za-z0-9._-]+"', fallback), fallback


def test_drafts_refused_to_a_bureau_before_the_export_starts(world: World) -> None:
    response = world.call("railshift", "transport", "GET", "/api/v1/declarations/export",
                          query_string={"status": "draft", "format": "csv"})
    assert response.status_code == 403
    response.get_data()


EXTREME_REQUESTS = [
    ("gatecontrol", f"/api/v1/sites/{SITE_X}/completeness", {"day": "9999-12-31"}),
    ("gatecontrol", f"/api/v1/sites/{SITE_X}/completeness", {"day": "0001-01-01"}),
    ("gatecontrol", "/api/v1/completeness/monthly", {"month": "0001-01"}),
    ("gatecontrol", "/api/v1/completeness/monthly", {"month": "9999-12"}),
    ("gatecontrol", "/api/v1/ledger/summary", {"month": "0001-01"}),
    ("gatecontrol", "/api/v1/ledger/summary", {"month": "9999-12"}),
    ("gatecontrol", "/api/v1/ledger/export", {"month": "9999-12", "site_id": SITE_X}),
    ("gatecontrol", "/api/v1/ledger/audit", {"month": "0001-01", "site_id": SITE_X}),
    ("gatecontrol", "/api/v1/violations", {"month": "0001-01"}),
    ("gatecontrol", "/api/v1/violations", {"month": "9999-12"}),
    ("gatecontrol", "/api/v1/alerts", {"from": "0001-01-01T00:00:00+14:00"}),
    ("gatecontrol", "/api/v1/alerts", {"to": "9999-12-31T23:59:59-12:00"}),
    ("gatecontrol", "/api/v1/ledger", {"from": "0001-01-01T00:00:00+14:00"}),
    ("gatecontrol", f"/api/v1/sites/{SITE_X}/segments", {"from": "0001-01-01T00:00:00+14:00"}),
    ("vehicles", "/api/v1/summaries/lists", {"month": "0001-01"}),
    ("vehicles", "/api/v1/summaries/lists", {"month": "9999-12"}),
    ("reports", "/api/v1/reports/monthly/0001-01", {}),
]


@pytest.mark.parametrize(("service", "path", "query"), EXTREME_REQUESTS,
                         ids=[f"{s}:{p}?{'&'.join(f'{k}={v}' for k, v in q.items())}" for s, p, q in EXTREME_REQUESTS])
def test_a_date_at_the_edge_of_the_calendar_is_4xx(world: World, service: str, path: str, query: dict) -> None:
    response = world.call(service, "admin", "GET", path, query_string=query)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])


def test_a_report_version_out_of_range_is_4xx(world: World) -> None:
    response = world.call("reports", "environment", "GET", "/api/v1/reports/monthly/2026-10",
                          query_string={"version": str(2**64)})
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])


NUL_REQUESTS = [
    ("gatecontrol", "PUT", f"/api/v1/sites/{SITE_X}/cameras/CX9", {"name": "camera\u0000"}),
    ("vehicles", "POST", "/api/v1/checks/bulk", {"items": [{"plate": "晋L00001\u0000"}]}),
]


@pytest.mark.parametrize(("service", "method", "path", "body"), NUL_REQUESTS,
                         ids=[f"{s}:{m}:{p}" for s, m, p, _ in NUL_REQUESTS])
def test_a_nul_character_is_refused_not_a_500(world: World, service: str, method: str, path: str, body: dict) -> None:
    response = world.call(service, "environment", method, path, json=body)
    assert response.status_code == 422 or (
        path.endswith("/bulk") and response.status_code == 200
        and response.get_json()["items"][0].get("errors")  # a bulk check answers a bad item inline
    ), (response.status_code, response.get_data()[:300])


def _conforms(world: World, service: str, method: str, path: str, response: Any) -> None:
    spec = world.client(service).get("/openapi.json").get_json()
    _repair(spec)
    schema = schemathesis.openapi.from_dict(spec)
    schema[path][method].validate_response(response)


def test_a_correction_refused_by_the_declaration_state_is_a_documented_409(world: World) -> None:
    draft = world.ids["declaration_draft"]
    response = world.call("railshift", "enterprise_a", "POST", f"/api/v1/declarations/{draft}/corrections")
    assert response.status_code == 409, (response.status_code, response.get_data()[:300])
    spec = world.client("railshift").get("/openapi.json").get_json()
    responses = spec["paths"]["/api/v1/declarations/{declaration_id}/corrections"]["post"]["responses"]
    assert responses["409"]["content"]["application/problem+json"]  # KeyError while the 409 is undocumented


def test_a_hold_on_a_plate_longer_than_a_plate_is_refused(world: World) -> None:
    response = world.call("gatecontrol", "environment", "POST", "/api/v1/holds",
                          json={"plate": "晋L" + "1" * 20, "reason": "case 2026-18"})
    assert response.status_code == 422, (response.status_code, response.get_data()[:300])


class UndocumentedContentType(Exception):
    """An answer in a content type its operation does not document."""


DOWNLOADS = [
    ("gatecontrol", "/api/v1/violations", "/api/v1/violations", {"month": MONTH, "format": "csv"}),
    ("reports", "/api/v1/reports/monthly/{month}", f"/api/v1/reports/monthly/{MONTH}", {"format": "xlsx"}),
]


@pytest.mark.parametrize(("service", "path", "url", "query"), DOWNLOADS,
                         ids=[f"{s}:{p}?{q['format']}" for s, p, _, q in DOWNLOADS])
def test_a_download_is_sent_in_a_documented_content_type(
    world: World, service: str, path: str, url: str, query: dict[str, str]
) -> None:
    response = world.call(service, "environment", "GET", url, query_string=query)
    body = response.get_data()  # a streamed file is read to its end, closing its request context
    assert response.status_code == 200, (response.status_code, body[:300])
    spec = world.client(service).get("/openapi.json").get_json()
    documented = set(spec["paths"][path]["get"]["responses"]["200"].get("content", {}))
    if response.mimetype not in documented:
        raise UndocumentedContentType(f"{response.mimetype} is not one of {sorted(documented)}")


# Reads of seeded rows whose answers once broke their documented shape (null where non-nullable, a decimal
# string documented as a number, history actions outside the documented enum).
DOCUMENTED_SHAPES = [
    ("vehicles", "GET", "/api/v1/vehicles/{plate}/{colour}"),
    ("gatecontrol", "GET", "/api/v1/holds"),
    ("gatecontrol", "GET", "/api/v1/ledger"),
    ("railshift", "GET", "/api/v1/targets"),
    ("gatecontrol", "GET", "/api/v1/sites/{site_id}/gates"),
    ("railshift", "GET", "/api/v1/declarations/{declaration_id}"),
]


@pytest.mark.parametrize(("service", "method", "path"), DOCUMENTED_SHAPES,
                         ids=[f"{s}:{m}:{p}" for s, m, p in DOCUMENTED_SHAPES])
def test_seeded_rows_are_sent_as_documented(world: World, service: str, method: str, path: str) -> None:
    filled = path.format(**world.path_values(service))
    response = world.call(service, "environment", method, filled)
    assert response.status_code == 200, response.get_data()[:300]
    _conforms(world, service, method, path, response)


# Lists a body holds at most `maxItems` of (issue 9): the service, the path, the list's property, an item the
# seeded world already has (so a full list stores nothing new), and who may post it.
SEEDED_PASSAGE = {"event_id": "seed-1", "gate_id": GATE_X, "direction": "in", "plate": plate(1),
                  "plate_colour": "yellow", "captured_at": f"{DAY}T08:00:00+08:00", "emission_stage": "4",
                  "fuel": "柴油", "vehicle_type": "重型货车", "goods": "煤炭", "quantity_t": "31.5"}
CAPPED_LISTS = [
    ("vehicles", "/api/v1/checks/bulk", "items", {"plate": plate(1), "plate_colour": "yellow"}, "environment"),
    ("gatecontrol", "/api/v1/passages/batch", "passages", SEEDED_PASSAGE, "gate_x"),
]


def _max_items(spec: dict[str, Any], path: str, prop: str) -> int:
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]["properties"][prop]["maxItems"]


@pytest.mark.parametrize(("service", "path", "prop", "item", "role"), CAPPED_LISTS,
                         ids=[f"{s}:{p}" for s, p, *_ in CAPPED_LISTS])
def test_a_list_is_capped_where_the_openapi_says(
    world: World, service: str, path: str, prop: str, item: dict[str, Any], role: str
) -> None:
    cap = _max_items(world.client(service).get("/openapi.json").get_json(), path, prop)
    full = world.call(service, role, "POST", path, json={prop: [item] * cap})
    assert full.status_code < 300, (full.status_code, full.get_data()[:300])
    over = world.call(service, role, "POST", path, json={prop: [item] * (cap + 1)})
    assert over.status_code == 413, (over.status_code, over.get_data()[:300])
    assert over.get_json()["errors"][0]["field"] == prop and str(cap) in over.get_json()["detail"]


# ---- the fuzzing ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzers(world: World) -> Any:
    made = {service: Fuzzer(world, service) for service in world.apps}
    yield made
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    summary = {
        service: {
            "examples": fuzzer.examples,
            "spec_repairs": fuzzer.repairs,
            "operations": {
                op: {
                    "seen": dict(sorted(seen.items())),
                    "documented": sorted(_documented(fuzzer.documented, op)),
                    "undocumented": sorted({str(status) for status in seen} - _documented(fuzzer.documented, op)),
                }
                for op, seen in fuzzer.statuses.items()
            },
        }
        for service, fuzzer in made.items()
    }
    target = ARTIFACTS / f"fuzz-{world.backend}.json"
    target.write_text(json.dumps(summary, indent=1, ensure_ascii=False))


def _documented(spec: dict[str, Any], op: str) -> set[str]:
    method, path = op.split(" ", 1)
    return set(spec["paths"][path][method.lower()].get("responses", {}))


def _role_for(answers: dict[str, str]) -> str:
    """A role the matrix lets through the role check (2xx, or 409 where the seeded state refuses)."""
    return next((role for role in ROLE_PREFERENCE if answers[role].rstrip("*") in ("ok", "409")), "admin")


def _params() -> list[Any]:
    return [pytest.param(service, method, path, answers, id=f"{service}:{method}:{path}")
            for (service, method, path), answers in operations().items()]


@pytest.mark.parametrize(("service", "method", "path", "answers"), _params())
def test_operation_survives_fuzzing(
    fuzzers: dict[str, Fuzzer], world: World, service: str, method: str, path: str, answers: dict[str, str]
) -> None:
    fuzzer = fuzzers[service]
    values = world.path_values(service)
    item = fuzzer.documented["paths"][path]  # flask-smorest declares path parameters on the path item
    declared = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
    names = [p["name"] for p in declared if p["in"] == "path"]
    seeded = {name: values[name] for name in names if values.get(name) is not None}
    role = _role_for(answers)
    failures = fuzzer.run(method, path, role, seeded)
    if answers["enterprise_a"].startswith("ok") and role != "enterprise_a":
        failures += fuzzer.run(method, path, "enterprise_a", seeded)
    bugs = KNOWN_BUGS.get((service, method, path), [])
    unknown = [f[:4000] for f in failures if not _known(f, bugs)]
    assert not unknown, f"{service} {method} {path}:\n\n" + "\n\n".join(unknown)
    if failures:  # only bugs already recorded (each has its exact regression test above)
        pytest.xfail(" | ".join(sorted({b for f in failures for b in _known(f, bugs)})))


def test_every_service_publishes_valid_openapi(fuzzers: dict[str, Fuzzer]) -> None:
    """Bounds are numbers (OpenAPI 3.0); _repair lists every place where they are not."""
    invalid = {service: fuzzer.repairs for service, fuzzer in fuzzers.items() if fuzzer.repairs}
    assert not invalid, invalid
