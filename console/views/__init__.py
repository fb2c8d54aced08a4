"""The console's pages, one blueprint per area (console/templates/<area>/ holds each area's templates)."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    """Every page blueprint, registered by create_app."""
    from console.views import (
        admin,
        auth,
        enterprise,
        environment,
        gates,
        ledger,
        lists,
        machinery,
        police,
        reports,
        transport,
    )

    return [auth.bp, admin.bp, transport.bp, enterprise.bp, environment.bp, police.bp, reports.bp, lists.bp,
            gates.bp, ledger.bp, machinery.bp]
