"""/api/v1/policy-rules of the vehicles service: the shared rule resource over this service's table."""

from __future__ import annotations

from shared.api import policy_rules_blueprint
from shared.auth import Role
from vehicles.models import PolicyRule

blp = policy_rules_blueprint(PolicyRule, writer_roles=(Role.ENVIRONMENT, Role.TRANSPORT))
