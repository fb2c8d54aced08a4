"""/api/v1/emission-tests: vehicle emission test results; a failure starts the repair deadline of the list rules."""

from __future__ import annotations

from typing import Any

from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from vehicles.commands.emission_tests import RecordEmissionTest
from vehicles.schemas.emission_tests import EmissionTestInSchema, EmissionTestSchema

blp = Blueprint("emission_tests", __name__, url_prefix="/api/v1/emission-tests",
                description="Emission test results (annual inspection, roadside, remote sensing, OBD)")


@blp.route("", methods=["POST"])
@blp.arguments(EmissionTestInSchema())
@blp.response(201, EmissionTestSchema)
@blp.alt_response(200, schema=EmissionTestSchema, description="the same report was already recorded")
@blp.alt_response(409, schema=ProblemSchema, description="the report number was recorded with other facts")
@require_role(Role.ENVIRONMENT, Role.POLICE, Role.SERVICE)
def record(facts: dict[str, Any]) -> Any:
    """Record a test; the list rules then run for that vehicle and its owner as of today."""
    test, created = RecordEmissionTest(facts, current_principal().name).run()
    return test, 201 if created else 200
