"""Queries and bulk writes of gatecontrol, one module per subject (sites, passages, registry replica); they take a
session and never commit."""

from gatecontrol.daos.dialect import dialect_insert
from gatecontrol.daos.passages import (
    COPY_FROM_ROWS,
    JSON_COLUMNS,
    PASSAGE_COLUMNS,
    claim_and_insert_if_registry_unchanged,
    claim_and_insert_passages,
    claim_passage_keys,
    claims_with_insert,
    insert_passages,
    last_events,
    stored_passages,
)
from gatecontrol.daos.registry import RegistryGuard, registry_guard, vehicle_registry
from gatecontrol.daos.sites import gate_ids, get_gate, get_site, key_by_hash, sites_of

__all__ = [
    "COPY_FROM_ROWS", "JSON_COLUMNS", "PASSAGE_COLUMNS", "RegistryGuard", "claim_and_insert_if_registry_unchanged",
    "claim_and_insert_passages", "claim_passage_keys", "claims_with_insert", "dialect_insert", "gate_ids", "get_gate",
    "get_site", "insert_passages", "key_by_hash", "last_events", "registry_guard", "sites_of", "stored_passages",
    "vehicle_registry",
]  # fmt: skip
