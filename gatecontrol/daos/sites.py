"""Queries of sites, gates and gate keys; they take a session and never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gatecontrol.models import Gate, GateKey, Site
from shared.errors import NotFound


def get_site(db_session: Session, site_id: str) -> Site:
    """The site, or 404."""
    site = db_session.get(Site, site_id)
    if site is None:
        raise NotFound(f"no site {site_id!r}")
    return site


def get_gate(db_session: Session, site_id: str, gate_id: str) -> Gate:
    """The gate of a site, or 404."""
    gate = db_session.get(Gate, (site_id, gate_id))
    if gate is None:
        raise NotFound(f"site {site_id!r} has no gate {gate_id!r}")
    return gate


def gate_ids(db_session: Session, site_id: str) -> set[str]:
    """The ids of a site's gates."""
    return set(db_session.scalars(select(Gate.gate_id).where(Gate.site_id == site_id)))


def key_by_hash(db_session: Session, key_hash: str) -> GateKey | None:
    return db_session.scalars(select(GateKey).where(GateKey.key_hash == key_hash)).one_or_none()


def sites_of(db_session: Session, uscc: str, site_ids: Sequence[str] = ()) -> list[Site]:
    """An enterprise's sites (all, or the ones named), in id order."""
    query = select(Site).where(Site.uscc == uscc).order_by(Site.site_id)
    if site_ids:
        query = query.where(Site.site_id.in_(site_ids))
    return list(db_session.scalars(query))
