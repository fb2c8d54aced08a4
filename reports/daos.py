"""Queries on stored monthly reports; they take a session and never commit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.models import MonthlyReport


def latest_report(db_session: Session, month: str, area: str, *, complete_only: bool = True) -> MonthlyReport | None:
    """The newest stored version for the month and area (only complete ones unless asked otherwise)."""
    query = select(MonthlyReport).where(MonthlyReport.month == month, MonthlyReport.area == area)
    if complete_only:
        query = query.where(MonthlyReport.status == "complete")
    return db_session.scalars(query.order_by(MonthlyReport.version.desc()).limit(1)).first()


def report_version(db_session: Session, month: str, area: str, version: int) -> MonthlyReport | None:
    """One stored version, or None."""
    query = select(MonthlyReport).where(
        MonthlyReport.month == month, MonthlyReport.area == area, MonthlyReport.version == version
    )
    return db_session.scalars(query).first()


def next_version(db_session: Session, month: str, area: str) -> int:
    """The version number a new report of the month and area gets."""
    query = select(func.max(MonthlyReport.version)).where(MonthlyReport.month == month, MonthlyReport.area == area)
    return (db_session.scalar(query) or 0) + 1


def list_versions(db_session: Session, month: str, area: str) -> list[MonthlyReport]:
    """Every stored version of the month and area, newest first."""
    query = select(MonthlyReport).where(MonthlyReport.month == month, MonthlyReport.area == area)
    return list(db_session.scalars(query.order_by(MonthlyReport.version.desc())))
