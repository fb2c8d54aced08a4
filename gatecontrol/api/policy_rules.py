"""/api/v1/policy-rules of the gatecontrol service: the shared rule resource over this service's table."""

from __future__ import annotations

from gatecontrol.models import PolicyRule
from shared.api import policy_rules_blueprint
from shared.auth import Role

blp = policy_rules_blueprint(PolicyRule, writer_roles=(Role.ENVIRONMENT,))
