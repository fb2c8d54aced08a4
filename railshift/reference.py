"""Reference data railshift ships: targets.yaml (ratio definitions, applicability, reconciliation parameters).

`lantian policy seed` loads it through `seed_reference`, beside the policy rules.
"""

from railshift.commands.seed import seed_targets as seed_reference

__all__ = ["seed_reference"]
