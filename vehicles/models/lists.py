"""Blacklist / key-supervision entries, their append-only events, and the police check audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from vehicles.models.base import Base


class ListEntry(Base):
    """One listing (黑名单 / 重点监管) of a subject; its facts are never edited, a correction is a new entry.

    The lift columns are written once, by the lift event (they mirror list_entry_event for fast reads).
    """

    __tablename__ = "list_entry"
    __table_args__ = (
        Index("ix_list_entry_subject", "subject_type", "subject_key"),
        Index("ix_list_entry_plate", "plate"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(12))  # vehicle | machinery | enterprise
    # "plate|colour" for a vehicle, the machinery code, or the enterprise's uscc
    subject_key: Mapped[str] = mapped_column(String(64))
    plate: Mapped[str | None] = mapped_column(String(12))
    plate_colour: Mapped[str | None] = mapped_column(String(16))
    list_kind: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str] = mapped_column(String(40))
    evidence: Mapped[list[str]] = mapped_column(JSON)
    authority: Mapped[str] = mapped_column(String(200))  # issuing authority (发布机关)
    issued_by: Mapped[str] = mapped_column(String(100))  # the person who issued it
    effective_from: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # inclusive last day
    seasonal_scope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    supersedes: Mapped[str | None] = mapped_column(String(32))  # the entry this one corrects
    # Set on entries the rule job made: the rule and its evidence, so running the job again adds nothing.
    rule_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    lift_reason: Mapped[str | None] = mapped_column(Text)


class ListEntryEvent(Base):
    """What happened to an entry (added, lifted, corrected), by whom and why; rows are never updated."""

    __tablename__ = "list_entry_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("list_entry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # added | lifted | corrected
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    related_entry: Mapped[str | None] = mapped_column(String(32))  # corrected: the new entry


class CheckLog(Base):
    """One plate looked up through the check API: who, when, what was asked, what was answered (audit)."""

    __tablename__ = "check_log"
    __table_args__ = (Index("ix_check_log_checked_at", "checked_at"), Index("ix_check_log_plate", "plate"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    role: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[str | None] = mapped_column(String(32))  # set for the items of one bulk request
    query_raw: Mapped[str | None] = mapped_column(String(80))  # as typed or read by the camera (truncated)
    plate: Mapped[str | None] = mapped_column(String(12))  # normalised
    plate_colour: Mapped[str | None] = mapped_column(String(16))
    valid: Mapped[bool] = mapped_column(Boolean)
    found: Mapped[bool] = mapped_column(Boolean)
    blacklisted: Mapped[bool] = mapped_column(Boolean)
    banned: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)  # ban codes, entry ids, suggestions, errors
