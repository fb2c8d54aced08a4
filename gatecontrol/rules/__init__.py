"""Pure rules of the gate ledger, one module per subject: passages (fingerprints, capture windows, flags),
enrichment (registry facts, mismatches, list entries in force), alerts (response rules), completeness (gaps)."""

from gatecontrol.rules.alerts import (
    ALERT_LEVELS,
    HEAVY_CLASSES,
    area_covers,
    breaks_rule,
    in_jurisdiction,
    level_rank,
    rule_applies,
    rule_may_apply,
)
from gatecontrol.rules.completeness import clipped_gaps, silent_gaps
from gatecontrol.rules.enrichment import (
    ELECTRIC,
    Enrichment,
    class_from_gate,
    enrich,
    entry_active,
    in_season,
    stages_differ,
)
from gatecontrol.rules.passages import (
    FUTURE_TOLERANCE,
    INPUT_COLUMNS,
    capture_window_problem,
    differing_fields,
    fingerprint,
    months_before,
    passage_flags,
    stored_values,
)

__all__ = [
    "ALERT_LEVELS", "ELECTRIC", "FUTURE_TOLERANCE", "HEAVY_CLASSES", "INPUT_COLUMNS", "Enrichment", "area_covers",
    "breaks_rule", "capture_window_problem", "class_from_gate", "clipped_gaps", "differing_fields", "enrich",
    "entry_active", "fingerprint", "in_jurisdiction", "in_season", "level_rank", "months_before", "passage_flags",
    "rule_applies", "rule_may_apply", "silent_gaps", "stages_differ", "stored_values",
]  # fmt: skip
