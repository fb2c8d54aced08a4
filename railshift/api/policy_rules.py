"""/api/v1/policy-rules of the railshift service: the shared rule resource over this service's table."""

from __future__ import annotations

from railshift.models import PolicyRule
from shared.api import policy_rules_blueprint
from shared.auth import Role

blp = policy_rules_blueprint(PolicyRule, writer_roles=(Role.TRANSPORT,))
