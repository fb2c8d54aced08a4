"""Compare a declaration's road tonnage with the heavy-truck trips gatecontrol recorded at the enterprise's gates."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from railshift.daos import declaration_or_404, parameters_in_force
from railshift.models import Declaration
from railshift.rules import declared_road_tonnes, reconcile, sum_lines
from railshift.terms import ReconciliationStatus
from shared.client import service_client
from shared.db import unit_of_work, utcnow
from shared.errors import LantianError
from shared.timeutil import month_range

logger = logging.getLogger(__name__)
GATECONTROL = "gatecontrol"
PAYLOAD_PREFIX = "payload."
GAP_THRESHOLD = "reconciliation.gap_threshold"


def fetch_trips(uscc: str, month: str, site_ids: list[str]) -> dict[str, Any]:
    """gatecontrol's trip counts for the enterprise's sites in the month (contract: GET /api/v1/trips)."""
    params: dict[str, Any] = {"uscc": uscc, "month": month}
    if site_ids:
        params["site_id"] = site_ids
    return service_client(GATECONTROL).get("/api/v1/trips", params=params)


def reconcile_declaration(declaration_id: int) -> Declaration:
    """Fetch the gate ledger's trips and store ok / gap / unavailable on the declaration; never raises for
    gatecontrol being down or refusing, because the reviewer must still be able to review."""
    with unit_of_work() as db_session:
        declaration = declaration_or_404(db_session, declaration_id)
        enterprise = declaration.enterprise
        last_day = month_range(declaration.month)[1]
        parameters = parameters_in_force(db_session, "", last_day)
        totals = sum_lines(declaration.lines)
        uscc, month, site_ids = declaration.uscc, declaration.month, list(enterprise.site_ids or [])
    # The HTTP call happens outside any transaction: no lock is held while gatecontrol answers.
    result: dict[str, Any]
    if not site_ids:
        result = {"status": ReconciliationStatus.UNAVAILABLE.value,
                  "reason": "the enterprise has no gate sites registered (site_ids is empty)"}
    else:
        try:
            ledger = fetch_trips(uscc, month, site_ids)
        except LantianError as exc:
            logger.warning("gate ledger unavailable for reconciliation", extra={"declaration": declaration_id})
            result = {"status": ReconciliationStatus.UNAVAILABLE.value,
                      "reason": f"gatecontrol could not be read: {exc.detail}"}
        else:
            payloads = {
                code.removeprefix(PAYLOAD_PREFIX): p.value
                for code, p in parameters.items()
                if code.startswith(PAYLOAD_PREFIX)
            }
            threshold = parameters[GAP_THRESHOLD].value if GAP_THRESHOLD in parameters else Decimal(20)
            result = reconcile(declared_road_tonnes(totals), ledger.get("totals", {}), payloads, threshold)
            result["payloads"] = payloads
            result["sites"] = ledger.get("sites", site_ids)
            result["ledger_as_of"] = ledger.get("as_of")
    with unit_of_work() as db_session:
        declaration = declaration_or_404(db_session, declaration_id)
        declaration.reconciliation_status = result["status"]
        declaration.reconciliation_as_of = utcnow()
        declaration.reconciliation = _jsonable(result)
        db_session.flush()
    return declaration


def _jsonable(value: Any) -> Any:
    """Decimals to strings for the JSON column."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
