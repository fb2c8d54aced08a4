"""The authorisation matrix: every operation of every service × every kind of caller, and the answer it must get.

Read a row as: this caller, sending a well-formed request for this operation, gets this status. Paths are
written after /api/v1 (only /health and /ready are at the root) and as the service's /openapi.json has them.

    ok    a 2xx answer (the caller may do it)
    401   not authenticated: no token, an expired token, a revoked gate key; a gate key outside gatecontrol
          (gate keys are gatecontrol's own tokens, not JWTs: the other services do not know them)
    403   authenticated, but this role may not do this
    403*  another tenant's resource, refused with 403: the rule of railshift (issue 7: "an enterprise touching
          another's declaration → 403"; docs/railshift.md "forbidden, not hidden") and of gatecontrol
    404*  another tenant's resource, answered as if it did not exist (vehicles' list entries: docs/vehicles.md)
    ok*   a listing or search naming another tenant, or open to every tenant: 2xx, and none of A's data in it
    409   the role may do it, the resource's state refuses it (the seeded import finished: nothing to rerun)
    422   refused as invalid input, nothing stored (e.g. a gate key naming another site's gate; an upload
          with another enterprise's credit code in its rows)

The columns (tests/hardening/conftest.py makes them):

    adm   admin                         entA  enterprise A (owns site X, vehicle 晋L00001, the declarations)
    env   environment bureau 生态环境局    entB  enterprise B (owns site Y, vehicle 晋L00002)
    tra   transport bureau 交通运输局      gX    gate key of site X (gatecontrol's lgk_ key)
    pol   police 公安交管                 gY    gate key of site Y
    svc   another lantian service       none  no Authorization header
                                        exp   an expired JWT      rvk   a revoked gate key of site X

Every path names A's / X's resource (plate 晋L00001, site HX1, A's declarations), so entB and gY are the
"another tenant" probes. Where a service's answer differs from a cell, the cell is a bug: KNOWN_BUGS names it
and the test expects it to fail (strict), so fixing the service turns the test red until the entry goes.
test_authz_matrix.py fails listing any operation of a service's /openapi.json missing here.
"""

from __future__ import annotations

from typing import NamedTuple

COLUMNS = ("adm", "env", "tra", "pol", "entA", "entB", "gX", "gY", "svc", "none", "exp", "rvk")
ROLE_OF_COLUMN = dict(
    zip(
        COLUMNS,
        (
            "admin", "environment", "transport", "police", "enterprise_a", "enterprise_b",
            "gate_x", "gate_y", "service", "none", "expired", "revoked_key",
        ),
        strict=True,
    )
)

_TABLE = """
[vehicles]
#    path (after /api/v1)                               adm  env  tra  pol  entA entB gX   gY   svc  none exp  rvk
GET  /health                                            ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /ready                                             ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /vehicles                                          ok   ok   ok   ok   403  403  401  401  ok   401  401  401
POST /vehicles                                          ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /vehicles/{plate}/{colour}                         ok   ok   ok   ok   403  403  401  401  ok   401  401  401
PUT  /vehicles/{plate}/{colour}                         ok   ok   ok   403  403  403  401  401  403  401  401  401
POST /vehicles/{plate}/{colour}/status                  ok   ok   ok   403  403  403  401  401  403  401  401  401
POST /vehicles/{plate}/{colour}/stage-upgrades          ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /vehicles/{plate}/{colour}/history                 ok   ok   ok   ok   403  403  401  401  ok   401  401  401
POST /vehicle-imports                                   ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /vehicle-imports/template                          ok   ok   ok   403  403  403  401  401  ok   401  401  401
GET  /vehicle-imports/{job_id}                          ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /vehicle-imports/{job_id}/errors                   ok   ok   ok   403  403  403  401  401  403  401  401  401
POST /vehicle-imports/{job_id}/rerun                    409  409  409  403  403  403  401  401  403  401  401  401
GET  /changes                                           ok   ok   403  ok   403  403  401  401  ok   401  401  401
GET  /phaseout/plans                                    ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /phaseout/progress                                 ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /phaseout/remaining                                ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /phaseout/remaining.xlsx                           ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /nev/shares                                        ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /nev/shares/export                                 ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /nev/trend                                         ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /nev/trend/export                                  ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /policy-rules                                      ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
POST /policy-rules                                      ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /policy-rules/{rule_id}                            ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
GET  /list-entries                                      ok   ok   403  403  ok   ok*  401  401  403  401  401  401
POST /list-entries                                      ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /list-entries/reasons                              ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
GET  /list-entries/history                              ok   ok   403  403  ok   ok*  401  401  403  401  401  401
GET  /list-entries/{entry_id}                           ok   ok   403  403  ok   404* 401  401  403  401  401  401
POST /list-entries/{entry_id}/lift                      ok   ok   403  403  403  403  401  401  403  401  401  401
POST /list-entries/{entry_id}/corrections               ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /checks                                            ok   ok   403  ok   403  403  401  401  ok   401  401  401
POST /checks                                            ok   ok   403  ok   403  403  401  401  ok   401  401  401
POST /checks/bulk                                       ok   ok   403  ok   403  403  401  401  ok   401  401  401
GET  /checks/log                                        ok   ok   403  403  403  403  401  401  403  401  401  401
POST /emission-tests                                    ok   ok   403  ok   403  403  401  401  ok   401  401  401
GET  /summaries/lists                                   ok   ok   403  403  403  403  401  401  ok   401  401  401
GET  /summaries/machinery                               ok   ok   403  403  403  403  401  401  ok   401  401  401
GET  /machinery/machines                                ok   ok   ok   ok   ok   ok*  401  401  ok   401  401  401
POST /machinery/machines                                ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /machinery/machines/{code}                         ok   ok   ok   ok   ok   404* 401  401  ok   401  401  401
PUT  /machinery/machines/{code}                         ok   ok   403  403  403  403  401  401  403  401  401  401
POST /machinery/machines/{code}/status                  ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /machinery/machines/{code}/history                 ok   ok   ok   ok   ok   404* 401  401  ok   401  401  401
GET  /machinery/zones                                   ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
GET  /machinery/verdict                                 ok   ok   ok   ok   ok   404* 401  401  ok   401  401  401
GET  /machinery/spot-check-plans                        ok   ok   403  403  403  403  401  401  ok   401  401  401
PUT  /machinery/spot-check-plans/{district_code}/{year} ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /machinery/inspections                             ok   ok   403  403  ok   ok*  401  401  ok   401  401  401
POST /machinery/inspections                             ok   ok   403  403  403  403  401  401  403  401  401  401
POST /machinery/inspections/{ref}/follow-up             ok   ok   403  403  403  403  401  401  403  401  401  401
GET  /machinery/inspections/{ref}                       ok   ok   403  403  403  403  401  401  ok   401  401  401
GET  /machinery/coverage                                ok   ok   403  403  403  403  401  401  ok   401  401  401

[gatecontrol]
#    path (after /api/v1)                               adm  env  tra  pol  entA entB gX   gY   svc  none exp  rvk
GET  /health                                            ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /ready                                             ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /sites                                             ok   ok   ok   ok   ok   ok*  403  403  ok   401  401  401
GET  /sites/{site_id}                                   ok   ok   ok   ok   ok   403* 403  403  ok   401  401  401
PUT  /sites/{site_id}                                   ok   ok   403  403  403  403  403  403  403  401  401  401
PUT  /sites/{site_id}/gates/{gate_id}                   ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /sites/{site_id}/gates                             ok   ok   ok   ok   ok   403* 403  403  ok   401  401  401
PUT  /sites/{site_id}/cameras/{camera_id}               ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /sites/{site_id}/keys                              ok   ok   403  403  ok   403* 403  403  403  401  401  401
POST /sites/{site_id}/keys                              ok   ok   403  403  ok   403* 403  403  403  401  401  401
POST /sites/{site_id}/keys/{key_id}/revoke              ok   ok   403  403  ok   403* 403  403  403  401  401  401
POST /passages                                          403  403  403  403  403  403  ok   422  403  401  401  401
POST /passages/batch                                    403  403  403  403  403  403  ok   ok*  403  401  401  401
POST /gates/{gate_id}/heartbeat                         403  403  403  403  403  403  ok   404* 403  401  401  401
GET  /ledger                                            ok   ok   ok   ok   ok   403* ok   403* ok   401  401  401
GET  /ledger/export                                     ok   ok   ok   ok   ok   403* ok   403* ok   401  401  401
GET  /ledger/summary                                    ok   ok   ok   ok   ok   403* ok   403* ok   401  401  401
GET  /ledger/audit                                      ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /trips                                             ok   ok   ok   403  ok   403* 403  403  ok   401  401  401
GET  /alerts                                            ok   ok   ok   ok   ok   ok   ok   ok   ok   401  401  401
POST /alerts                                            ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /response-rules                                    ok   ok   ok   ok   ok   ok   ok   ok   ok   401  401  401
POST /response-rules                                    ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /violations                                        ok   ok   ok   ok   ok   403* 403  403  ok   401  401  401
GET  /sites/{site_id}/completeness                      ok   ok   403  403  ok   403* 403  403  ok   401  401  401
GET  /completeness/monthly                              ok   ok   403  403  ok   ok*  403  403  ok   401  401  401
POST /sites/{site_id}/cameras/{camera_id}/segments      ok   ok   403  403  403  403  ok   403* 403  401  401  401
GET  /sites/{site_id}/segments                          ok   ok   403  ok   ok   403* ok   403* 403  401  401  401
GET  /sites/{site_id}/segments/{segment_id}/content     ok   ok   403  ok   ok   403* ok   403* 403  401  401  401
GET  /holds                                             ok   ok   403  ok   403  403  403  403  403  401  401  401
POST /holds                                             ok   ok   403  ok   403  403  403  403  403  401  401  401
POST /holds/{hold_id}/release                           ok   ok   403  ok   403  403  403  403  403  401  401  401
GET  /purge-log                                         ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /policy-rules                                      ok   ok   ok   ok   ok   ok   ok   ok   ok   401  401  401
POST /policy-rules                                      ok   ok   403  403  403  403  403  403  403  401  401  401
GET  /policy-rules/{rule_id}                            ok   ok   ok   ok   ok   ok   ok   ok   ok   401  401  401

[railshift]
#    path (after /api/v1)                               adm  env  tra  pol  entA entB gX   gY   svc  none exp  rvk
GET  /health                                            ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /ready                                             ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /enterprises                                       ok   ok   ok   403  ok   ok*  401  401  ok   401  401  401
GET  /enterprises/{uscc}                                ok   ok   ok   403  ok   403* 401  401  ok   401  401  401
PUT  /enterprises/{uscc}                                ok   403  ok   403  403  403  401  401  403  401  401  401
PUT  /enterprises/{uscc}/declarations/{month}           ok   403  403  403  ok   403* 401  401  403  401  401  401
GET  /declarations                                      ok   ok   ok   403  ok   ok*  401  401  ok   401  401  401
GET  /declarations/{declaration_id}                     ok   ok   ok   403  ok   403* 401  401  ok   401  401  401
POST /declarations/{declaration_id}/transitions         ok   403  ok   403  ok   403* 401  401  403  401  401  401
POST /declarations/{declaration_id}/corrections         ok   403  403  403  ok   403* 401  401  403  401  401  401
POST /declarations/{declaration_id}/reconciliation      ok   403  ok   403  403  403  401  401  403  401  401  401
GET  /declarations/template                             ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
POST /declarations/upload                               ok   403  403  403  ok   422  401  401  403  401  401  401
POST /declarations/upload/errors                        ok   403  403  403  ok   ok   401  401  403  401  401  401
GET  /declarations/export                               ok   ok   ok   403  ok   ok*  401  401  ok   401  401  401
GET  /reviews/pending                                   ok   ok   ok   403  403  403  401  401  403  401  401  401
GET  /enterprises/{uscc}/ratios                         ok   ok   ok   403  ok   403* 401  401  ok   401  401  401
GET  /ratios/ranking                                    ok   ok   ok   403  403  403  401  401  ok   401  401  401
GET  /ratios/non-compliant                              ok   ok   ok   403  403  403  401  401  ok   401  401  401
GET  /ratios/trend                                      ok   ok   ok   403  403  403  401  401  ok   401  401  401
GET  /ratios/city-indicators                            ok   ok   ok   403  403  403  401  401  ok   401  401  401
GET  /targets                                           ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
PUT  /targets/{key}                                     ok   403  ok   403  403  403  401  401  403  401  401  401
GET  /policy-rules                                      ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
POST /policy-rules                                      ok   403  ok   403  403  403  401  401  403  401  401  401
GET  /policy-rules/{rule_id}                            ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401

[reports]
#    path (after /api/v1)                               adm  env  tra  pol  entA entB gX   gY   svc  none exp  rvk
GET  /health                                            ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /ready                                             ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok   ok
GET  /reports/monthly/{month}                           ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /reports/monthly/{month}/versions                  ok   ok   ok   ok   403  403  401  401  ok   401  401  401
GET  /sources                                           ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
GET  /policy-rules                                      ok   ok   ok   ok   ok   ok   401  401  ok   401  401  401
"""


class Cell(NamedTuple):
    service: str
    method: str
    path: str
    role: str
    expected: str  # "ok", "401", "403", "404", "409", "422"
    other_tenant: bool  # the cell probes another tenant's resource (marked * in the table)


def operations() -> dict[tuple[str, str, str], dict[str, str]]:
    """(service, method, path) -> {role: expected as written in the table}."""
    rows: dict[tuple[str, str, str], dict[str, str]] = {}
    service = ""
    for line in _TABLE.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("["):
            service = line.strip("[] ")
            continue
        method, path, *answers = line.split()
        if path not in ("/health", "/ready"):  # the operations routes; every other path is under /api/v1
            path = "/api/v1" + path
        if len(answers) != len(COLUMNS):
            raise ValueError(f"{service} {method} {path}: {len(answers)} answers for {len(COLUMNS)} columns")
        key = (service, method, path)
        if key in rows:
            raise ValueError(f"{service} {method} {path} is in the table twice")
        rows[key] = {ROLE_OF_COLUMN[c]: a for c, a in zip(COLUMNS, answers, strict=True)}
    return rows


def cells() -> list[Cell]:
    """Every cell of the table."""
    found = []
    for (service, method, path), answers in operations().items():
        for role, answer in answers.items():
            found.append(Cell(service, method, path, role, answer.rstrip("*"), answer.endswith("*")))
    return found


# Cells where the service answers otherwise today: (service, method, path, role) -> the bug.
KNOWN_BUGS: dict[tuple[str, str, str, str], str] = {}
