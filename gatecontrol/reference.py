"""Reference data gatecontrol ships: response_rules.yaml (what gates refuse during alerts and campaign seasons).

`lantian policy seed` loads it through `seed_reference`, beside the policy rules.
"""

from gatecontrol.commands.alerts import seed_response_rules as seed_reference

__all__ = ["seed_reference"]
