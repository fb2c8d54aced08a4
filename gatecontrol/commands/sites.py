"""Sites, gates, cameras and gate keys: idempotent upserts, keys issued once and stored hashed."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from gatecontrol import daos
from gatecontrol.cache import app_cache
from gatecontrol.models import Camera, Gate, GateHeartbeat, GateKey, Site
from shared.auth import Principal, Role, TokenRevoked, Unauthorized
from shared.db import session, unit_of_work, utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.pagination import Page, keyset_page
from shared.query import area_prefix

KEY_PREFIX = "lgk_"  # lantian gate key: never mistaken for a JWT, easy to spot in a leaked config file
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lantian"'}


def _apply(record: Any, data: dict[str, Any]) -> bool:
    changed = False
    for name, value in data.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def upsert_site(site_id: str, data: dict[str, Any]) -> tuple[Site, bool]:
    """Create or update a site; returns (site, created). Sending the same body again changes nothing."""
    with unit_of_work() as db_session:
        site = db_session.get(Site, site_id)
        if site is None:
            site = Site(site_id=site_id, **data)
            db_session.add(site)
            return site, True
        if _apply(site, data):
            site.updated_at = utcnow()
        return site, False


def upsert_gate(site_id: str, gate_id: str, data: dict[str, Any]) -> tuple[Gate, bool]:
    """Create or update a gate of a site; returns (gate, created)."""
    with unit_of_work() as db_session:
        daos.get_site(db_session, site_id)
        gate = db_session.get(Gate, (site_id, gate_id))
        if gate is None:
            gate = Gate(site_id=site_id, gate_id=gate_id, **data)
            db_session.add(gate)
            return gate, True
        _apply(gate, data)
        return gate, False


def upsert_camera(site_id: str, camera_id: str, data: dict[str, Any]) -> tuple[Camera, bool]:
    """Create or update a camera of a site; returns (camera, created)."""
    with unit_of_work() as db_session:
        daos.get_site(db_session, site_id)
        if data.get("gate_id"):
            daos.get_gate(db_session, site_id, data["gate_id"])
        camera = db_session.get(Camera, (site_id, camera_id))
        if camera is None:
            camera = Camera(site_id=site_id, camera_id=camera_id, **data)
            db_session.add(camera)
            return camera, True
        _apply(camera, data)
        return camera, False


def list_gates(site_id: str, principal: Principal) -> list[dict[str, Any]]:
    """A site's gates in id order, each with whether it is operating and silent now."""
    from gatecontrol.commands.completeness import gate_status  # completeness imports this module

    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    gates = db_session.scalars(select(Gate).where(Gate.site_id == site_id).order_by(Gate.gate_id))
    last = daos.last_events(db_session, site_id, utcnow() - timedelta(days=7))
    columns = [c.key for c in Gate.__table__.columns]
    return [{**{c: getattr(g, c) for c in columns}, **gate_status(g, last.get(g.gate_id))} for g in gates]


def list_sites(args: dict[str, Any], principal: Principal) -> Page[Any]:
    """Sites in id order, filtered by area (a district, or a city's districts), credit code, industry and
    key-user flag; an enterprise sees only its own."""
    query = select(Site)
    if principal.role == Role.ENTERPRISE:
        query = query.where(Site.uscc == principal.uscc)
    if args.get("area"):
        query = query.where(Site.district_code.startswith(area_prefix(args["area"])))
    for name in ("uscc", "industry", "key_user"):
        if args.get(name) is not None:
            query = query.where(getattr(Site, name) == args[name])
    return keyset_page(session(), query, [Site.site_id], args["limit"], args.get("cursor"))


def authorise_site(principal: Principal, site: Site) -> None:
    """Enterprises act only on their own sites, gates only on their own site."""
    if principal.role == Role.ENTERPRISE and principal.uscc != site.uscc:
        raise Forbidden(f"site {site.site_id} belongs to another enterprise")
    if principal.role == Role.GATE and principal.site != site.site_id:
        raise Forbidden(f"this gate key belongs to site {principal.site}, not {site.site_id}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(site_id: str, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A new gate key for a site (shown once). Naming retire_key_id rotates that key out after the overlap."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with unit_of_work() as db_session:
        site = daos.get_site(db_session, site_id)
        authorise_site(principal, site)
        if data.get("retire_key_id"):
            old = db_session.get(GateKey, data["retire_key_id"])
            if old is None or old.site_id != site_id:
                raise NotFound(f"site {site_id} has no key {data['retire_key_id']!r}")
            if old.revoked_at is not None:
                raise Conflict(
                    f"key {old.key_id} is already revoked",
                    errors=[{"field": "retire_key_id", "reason": "already revoked"}],
                )
            old.expires_at = now + timedelta(hours=data["overlap_hours"])
        record = GateKey(
            key_id=uuid.uuid4().hex,
            site_id=site_id,
            key_hash=hash_key(key),
            name=data["name"],
            created_at=now,
            created_by=principal.name,
        )
        db_session.add(record)
    return {"key_id": record.key_id, "key": key, "site_id": site_id, "name": record.name, "created_at": now}


def list_keys(site_id: str, principal: Principal) -> list[GateKey]:
    """A site's keys (ids and dates, never the keys)."""
    db_session = session()
    authorise_site(principal, daos.get_site(db_session, site_id))
    query = select(GateKey).where(GateKey.site_id == site_id).order_by(GateKey.created_at)
    return list(db_session.scalars(query))


def revoke_key(site_id: str, key_id: str, principal: Principal, reason: str) -> GateKey:
    """Revoke a key at once; revoking a revoked key again is a no-op."""
    with unit_of_work() as db_session:
        authorise_site(principal, daos.get_site(db_session, site_id))
        record = db_session.get(GateKey, key_id)
        if record is None or record.site_id != site_id:
            raise NotFound(f"site {site_id} has no key {key_id!r}")
        if record.revoked_at is None:
            record.revoked_at, record.revoked_reason = utcnow(), reason
        return record


def resolve_gate_key(token: str, now: datetime | None = None) -> Principal:
    """The gate Principal behind a gate key, or 401 (unknown, revoked or expired after rotation).

    Lookups are cached as long as a revoked JWT may still be honoured (LANTIAN_REVOCATION_CACHE_SECONDS),
    so a revocation or rotation takes effect everywhere within that time, as for every other token.
    """
    key_hash = hash_key(token)

    def load() -> tuple[str, str, str, datetime | None, datetime | None] | None:
        record = daos.key_by_hash(session(), key_hash)
        if record is None:
            return None
        return record.key_id, record.site_id, record.name, record.revoked_at, record.expires_at

    found = app_cache("gate_keys").get(key_hash, load)
    if found is None:
        raise Unauthorized("the gate key is not valid", headers=CHALLENGE)
    key_id, site_id, name, revoked_at, expires_at = found
    moment = now or utcnow()
    if revoked_at is not None:
        raise TokenRevoked("the gate key has been revoked", headers=CHALLENGE)
    if expires_at is not None and expires_at <= moment:
        raise TokenRevoked("the gate key was rotated out; use the site's newer key", headers=CHALLENGE)
    return Principal(f"gatekey:{key_id}", f"gate key {name}", Role.GATE, site=site_id)


def heartbeat(site_id: str, gate_id: str, principal: Principal, sent_at: datetime | None) -> Gate:
    """Record a gate's heartbeat (the server's clock decides; the gate's is only kept in the log)."""
    with unit_of_work() as db_session:
        authorise_site(principal, daos.get_site(db_session, site_id))
        gate = daos.get_gate(db_session, site_id, gate_id)
        now = utcnow()
        gate.last_heartbeat_at = now
        minute = now.replace(second=0, microsecond=0)
        statement = daos.dialect_insert(db_session, GateHeartbeat.__table__).values(
            site_id=site_id, gate_id=gate_id, minute=minute
        )
        db_session.execute(statement.on_conflict_do_nothing())
        return gate
