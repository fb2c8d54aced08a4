"""What the report reads from the other services: their readiness and the policy rules they judge by."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError

from reports import UPSTREAMS
from reports.schemas import ServiceRuleSchema
from shared.client import service_client
from shared.db import utcnow
from shared.errors import LantianError, UpstreamError

PAGE_SIZE = 500
UPSTREAM_RULE = ServiceRuleSchema()


def upstream_status() -> list[dict[str, Any]]:
    """Each upstream service's readiness, as the report would find it now; never raises."""
    statuses = []
    for service in UPSTREAMS:
        client = service_client(service)
        entry: dict[str, Any] = {"service": service, "url": client.base_url, "checked_at": utcnow()}
        try:
            client.get("/ready")
            entry.update(status="ready", detail="ready")
        except LantianError as exc:
            entry.update(status="unavailable", detail=exc.detail)
        statuses.append(entry)
    return statuses


def policy_rules_in_force(day: date, services: tuple[str, ...] = UPSTREAMS) -> list[dict[str, Any]]:
    """Every rule in force on `day` in the named services, tagged with the service that holds it.

    Fails with the upstream's name if one is down: a report must not silently judge against nothing.
    """
    rules: list[dict[str, Any]] = []
    for service in services:
        client = service_client(service)
        cursor = None
        while True:
            params: dict[str, Any] = {"as_of": day.isoformat(), "limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/policy-rules", params=params)
            try:
                rules.extend(UPSTREAM_RULE.load({**rule, "service": service}) for rule in page["items"])
            except ValidationError as exc:
                raise UpstreamError(
                    f"the {service} service sent a policy rule reports cannot read: {exc.messages}", service=service
                ) from exc
            cursor = page["next_cursor"]
            if not cursor:
                break
    return rules
