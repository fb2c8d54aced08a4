"""gatecontrol commands: each owns its transaction."""
