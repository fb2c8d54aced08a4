"""/api/v1/passages: what gate systems post, one at a time or in batches; and gate heartbeats."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import jsonify
from flask.views import MethodView

from gatecontrol.commands import sites
from gatecontrol.commands.passages import IngestPassages, ingest_one
from gatecontrol.rules import passage_flags
from gatecontrol.schemas import (
    BatchResultSchema,
    GateSchema,
    HeartbeatSchema,
    PassageBatchSchema,
    PassageOutSchema,
    PassageSchema,
)
from shared.api import Blueprint, ProblemSchema
from shared.auth import Role, current_principal, require_role
from shared.dumping import flat_dumper
from shared.errors import Forbidden
from shared.runtime import gc_paused

blp = Blueprint("passages", __name__, url_prefix="/api/v1", description="Passages posted by gate systems")
# the single POST's answer, PassageOutSchema's dump at a fraction of marshmallow's cost (a gate's hot path)
_passage_out = flat_dumper(PassageOutSchema())


def _gate_site() -> str:
    principal = current_principal()
    if principal.site is None:
        raise Forbidden("only a site's gate key may post passages")
    return principal.site


@blp.route("/passages")
class Passages(MethodView):
    # an instance (webargs would build one per request from a class), taking clean passages the fast way
    @blp.arguments(PassageSchema(fast_path=True))
    @blp.response(201, PassageOutSchema)
    @blp.alt_response(200, schema=PassageOutSchema, description="the same event was stored before")
    @blp.alt_response(409, schema=ProblemSchema, description="the event_id was stored with other content")
    @require_role(Role.GATE)
    def post(self, passage: dict[str, Any]) -> Any:
        """Store one passage; a retry with the same content returns the stored record."""
        record, created = ingest_one(_gate_site(), passage)
        return jsonify(_passage_out(record)), 201 if created else 200


def _whole_request_gc_paused(view: Callable[..., Any]) -> Callable[..., Any]:
    # gc_paused for the whole batch request: its objects are made before the command runs (the parsed body)
    # and after it (the answer) too
    @wraps(view)
    def paused(*args: Any, **kwargs: Any) -> Any:
        with gc_paused():
            return view(*args, **kwargs)

    return paused


@blp.route("/passages/batch", methods=["POST"])
@_whole_request_gc_paused
@blp.arguments(PassageBatchSchema())
@blp.response(200, BatchResultSchema)
@blp.alt_response(413, schema=ProblemSchema, description="more than 1,000 passages")
@require_role(Role.GATE)
def post_batch(data: dict[str, Any]) -> Any:
    """Store up to 1,000 passages; one result per item, in order. Valid items are stored even if others fail."""
    results = IngestPassages(_gate_site(), data["passages"]).run()
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    items = [
        {
            "index": r.index,
            "event_id": r.event_id,
            "status": r.status,
            "errors": r.errors,
            "flags": passage_flags(r.record) if r.record else [],
        }
        for r in results
    ]
    return {"results": items, "counts": counts}


@blp.route("/gates/<gate_id>/heartbeat", methods=["POST"])
@blp.arguments(HeartbeatSchema())
@blp.response(200, GateSchema)
@require_role(Role.GATE)
def heartbeat(data: dict[str, Any], gate_id: str) -> Any:
    """A gate says it is alive (a silent gate in operating hours is flagged in the completeness report)."""
    return sites.heartbeat(_gate_site(), gate_id, current_principal(), data.get("sent_at"))
