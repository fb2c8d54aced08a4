"""railshift's request and response schemas (marshmallow), one module per resource."""

from railshift.schemas.common import MAX_TONNES, month_or_422, uscc_or_422
from railshift.schemas.declarations import (
    DeclarationInSchema,
    DeclarationQuerySchema,
    DeclarationSchema,
    DeclarationSummarySchema,
    PendingQuerySchema,
    PendingSchema,
    TransitionSchema,
)
from railshift.schemas.enterprises import EnterpriseInSchema, EnterpriseQuerySchema, EnterpriseSchema
from railshift.schemas.files import ExportQuerySchema, FormatQuerySchema, UploadQuerySchema, UploadResultSchema
from railshift.schemas.ratios import CityIndicatorsSchema, EnterpriseRatiosSchema, NonCompliantSchema, RankingSchema
from railshift.schemas.targets import TargetInSchema, TargetSchema, TargetsSchema
from railshift.schemas.views import CityIndicatorQuerySchema, RatioQuerySchema, TrendQuerySchema, ViewQuerySchema

__all__ = [
    "MAX_TONNES",
    "CityIndicatorQuerySchema",
    "CityIndicatorsSchema",
    "DeclarationInSchema",
    "DeclarationQuerySchema",
    "DeclarationSchema",
    "DeclarationSummarySchema",
    "EnterpriseInSchema",
    "EnterpriseQuerySchema",
    "EnterpriseRatiosSchema",
    "EnterpriseSchema",
    "ExportQuerySchema",
    "FormatQuerySchema",
    "NonCompliantSchema",
    "PendingQuerySchema",
    "PendingSchema",
    "RankingSchema",
    "RatioQuerySchema",
    "TargetInSchema",
    "TargetSchema",
    "TargetsSchema",
    "TransitionSchema",
    "TrendQuerySchema",
    "UploadQuerySchema",
    "UploadResultSchema",
    "ViewQuerySchema",
    "month_or_422",
    "uscc_or_422",
]
