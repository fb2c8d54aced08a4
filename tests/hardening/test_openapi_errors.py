"""Every operation of the four services documents the errors it really sends (issue 9), each as problem+json.

How lantian serves a request fixes most of them: a token checked before any /api/ view (401) against the
revocation list in the auth database (503, as any database loss), check_content_type (415 for a body sent to a
POST/PUT/PATCH), a path naming a row (404; 422 when a text value is malformed), a body read by webargs (400
unreadable JSON, 413 too large, 422 invalid), query arguments (422). The authorisation matrix says which callers
each operation refuses and how (401, 403, 404*, 409, 422): each of those statuses must be documented too.
The fuzzing (test_fuzz_openapi) fails on any status an operation answers with but does not document.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_settings
from tests.hardening.authz_matrix import operations
from tests.hardening.conftest import SERVICES

METHODS = ("get", "put", "post", "patch", "delete")
ERRORS = ("400", "401", "403", "404", "409", "413", "415", "422", "503")


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each service's /openapi.json (the document needs no database rows, so an empty SQLite file serves)."""
    tmp: Path = tmp_path_factory.mktemp("openapi")
    found = {}
    for name in SERVICES:
        settings = make_settings(name, f"sqlite:///{tmp}/{name}.db", f"sqlite:///{tmp}/auth.db", tmp / name)
        app = importlib.import_module(name).create_app(settings)
        try:
            response = app.test_client().get("/openapi.json")
            assert response.status_code == 200
            found[name] = response.get_json()
        finally:
            app.extensions["lantian.db"].dispose()
            app.extensions["lantian.auth_db"].dispose()
    return found


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], list[dict[str, Any]]]]:
    """(method, path, operation, parameters of the path and the operation) of every operation."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                yield method, path, operation, [*item.get("parameters", []), *operation.get("parameters", [])]


def _missing(spec: dict[str, Any], wanted: Any) -> list[str]:
    """'METHOD path: statuses' for every operation not documenting all that wanted(method, path, op, params) says."""
    missing = []
    for method, path, operation, parameters in _operations(spec):
        absent = sorted(set(wanted(method, path, operation, parameters)) - set(operation["responses"]))
        if absent:
            missing.append(f"{method.upper()} {path}: {', '.join(absent)}")
    return missing


@pytest.mark.parametrize("service", SERVICES)
def test_every_api_operation_documents_401_and_503(specs: dict[str, dict[str, Any]], service: str) -> None:
    def wanted(method: str, path: str, operation: dict[str, Any], parameters: list[Any]) -> set[str]:
        return {"401", "503"} if path.startswith("/api/") else set()

    assert not _missing(specs[service], wanted)


@pytest.mark.parametrize("service", SERVICES)
def test_a_path_naming_a_row_documents_404_and_a_text_one_422(specs: dict[str, dict[str, Any]], service: str) -> None:
    """A malformed plate or credit code in the path is a 422; an integer id that is not one never reaches the
    view (the route does not match: 404)."""

    def wanted(method: str, path: str, operation: dict[str, Any], parameters: list[Any]) -> set[str]:
        in_path = [p for p in parameters if p["in"] == "path"]
        statuses = {"404"} if in_path else set()
        return statuses | ({"422"} if any(p["schema"]["type"] != "integer" for p in in_path) else set())

    assert not _missing(specs[service], wanted)


@pytest.mark.parametrize("service", SERVICES)
def test_query_arguments_document_422(specs: dict[str, dict[str, Any]], service: str) -> None:
    def wanted(method: str, path: str, operation: dict[str, Any], parameters: list[Any]) -> set[str]:
        return {"422"} if any(p["in"] == "query" for p in parameters) else set()

    assert not _missing(specs[service], wanted)


@pytest.mark.parametrize("service", SERVICES)
def test_a_body_documents_413_415_422_and_json_400(specs: dict[str, dict[str, Any]], service: str) -> None:
    def wanted(method: str, path: str, operation: dict[str, Any], parameters: list[Any]) -> set[str]:
        statuses = {"415"} if method in ("post", "put", "patch") and path.startswith("/api/") else set()
        content = operation.get("requestBody", {}).get("content", {})
        if content:
            statuses |= {"413", "415", "422"}
        if "application/json" in content:
            statuses.add("400")
        return statuses

    assert not _missing(specs[service], wanted)


@pytest.mark.parametrize("service", SERVICES)
def test_every_refusal_in_the_authorisation_matrix_is_documented(
    specs: dict[str, dict[str, Any]], service: str
) -> None:
    """401, 403, 403* (another tenant's), 404* (hidden), 409 and 422 as the matrix has them."""
    missing = []
    for (row_service, method, path), answers in operations().items():
        if row_service != service:
            continue
        refusals = {answer.rstrip("*") for answer in answers.values()} - {"ok"}
        absent = refusals - set(specs[service]["paths"][path][method.lower()]["responses"])
        if absent:
            missing.append(f"{method} {path}: {', '.join(sorted(absent))}")
    assert not missing


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = spec["components"][section][name]
    return node


@pytest.mark.parametrize("service", SERVICES)
def test_errors_are_documented_one_by_one_as_problem_json(specs: dict[str, dict[str, Any]], service: str) -> None:
    """No catch-all `default` (it would make every status 'documented'); each error is problem+json."""
    spec = specs[service]
    wrong = []
    for method, path, operation, _ in _operations(spec):
        if "default" in operation["responses"]:
            wrong.append(f"{method.upper()} {path}: default")
        for status, response in operation["responses"].items():
            if status in ERRORS:
                content = _resolve(spec, response).get("content", {})
                schema = content.get("application/problem+json", {}).get("schema", {})
                if schema.get("$ref") != "#/components/schemas/Problem":
                    wrong.append(f"{method.upper()} {path} {status}: {sorted(content)}")
    assert not wrong


def test_the_health_probe_documents_no_error(specs: dict[str, dict[str, Any]]) -> None:
    """/health answers without a token or a database: nothing but 200 to document."""
    for service in SERVICES:
        assert set(specs[service]["paths"]["/health"]["get"]["responses"]) == {"200"}, service
