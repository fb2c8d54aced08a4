"""marshmallow schemas of the gatecontrol API: sites, gates, keys, passages, ledger queries, alerts."""

from gatecontrol.schemas.alerts import AlertSchema, ResponseRuleSchema, ViolationQuerySchema
from gatecontrol.schemas.common import ID, SITE_ID
from gatecontrol.schemas.ledger import (
    FLAGS,
    AuditQuerySchema,
    CompletenessQuerySchema,
    ExportQuerySchema,
    LedgerQuerySchema,
    MonthlyCompletenessQuerySchema,
    SummaryQuerySchema,
    TripsQuerySchema,
)
from gatecontrol.schemas.passages import (
    BatchItemResultSchema,
    BatchResultSchema,
    PassageBatchSchema,
    PassageOutSchema,
    PassageSchema,
    fast_load,
)
from gatecontrol.schemas.sites import (
    CameraSchema,
    GateSchema,
    HeartbeatSchema,
    KeyInfoSchema,
    KeyRequestSchema,
    KeySchema,
    RevokeKeySchema,
    SiteQuerySchema,
    SiteSchema,
)

__all__ = [
    "FLAGS", "ID", "SITE_ID", "AlertSchema", "AuditQuerySchema", "BatchItemResultSchema", "BatchResultSchema",
    "CameraSchema", "CompletenessQuerySchema", "ExportQuerySchema", "GateSchema", "HeartbeatSchema",
    "KeyInfoSchema", "KeyRequestSchema", "KeySchema", "LedgerQuerySchema", "MonthlyCompletenessQuerySchema",
    "PassageBatchSchema",
    "PassageOutSchema", "PassageSchema", "ResponseRuleSchema", "RevokeKeySchema",
    "SiteQuerySchema", "SiteSchema", "SummaryQuerySchema",
    "TripsQuerySchema", "ViolationQuerySchema", "fast_load",
]  # fmt: skip
