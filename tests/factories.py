"""Small builders of test data (not fixtures), shared by the test modules."""

from __future__ import annotations

from typing import Any


def policy_rule(**overrides: Any) -> dict[str, Any]:
    """A valid policy rule body, as a bureau clerk would post it."""
    body: dict[str, Any] = {
        "code": "rail_share.bulk_freight_with_siding",
        "jurisdiction": "linfen",
        "subject": "enterprises with a rail siding, bulk freight",
        "value": "80",
        "value_date": None,
        "unit": "percent",
        "comparison": ">=",
        "effective_from": "2024-01-01",
        "effective_to": None,
        "source_document": "临政办发〔2024〕40号",
        "source_item": "item 3",
        "source_file": "policy/002_fe68c595ce07523d.txt",
        "source_excerpt": None,
        "description": "Bulk freight by rail at least 80% for enterprises with a siding.",
    }
    body.update(overrides)
    return body
