"""The gatecontrol service's tables (its own database; no other service reads them)."""

from gatecontrol.models.alerts import Alert, ResponseRule
from gatecontrol.models.base import Base, PolicyRule
from gatecontrol.models.ledger import FLAG_COLUMNS, FeedCursor, ListEntry, Passage, PassageKey, VehicleFact
from gatecontrol.models.retention import LegalHold, PurgeLog, VideoSegment
from gatecontrol.models.sites import Camera, Gate, GateHeartbeat, GateKey, Site

__all__ = [
    "FLAG_COLUMNS", "Alert", "Base", "Camera", "FeedCursor", "Gate", "GateHeartbeat", "GateKey", "LegalHold",
    "ListEntry", "Passage", "PassageKey", "PolicyRule", "PurgeLog", "ResponseRule", "Site", "VehicleFact",
    "VideoSegment",
]  # fmt: skip
