"""GetMonthlyReport: return the stored report of a month and area, or build it from the upstreams and store it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from reports import daos
from reports.content import SectionStatus, UnavailableCause
from reports.models import MonthlyReport
from reports.rules import area_name, report_status, validate_area, validate_month
from reports.sections import ReportContext, SectionSpec, in_context, run_section, sections
from shared.db import session, unit_of_work, utcnow
from shared.errors import Conflict, NotFound, UpstreamError, UpstreamUnavailable

logger = logging.getLogger(__name__)
SECTION_WORKERS = 4  # sections built at once; each upstream runs several workers (LANTIAN_WORKERS)
Progress = Callable[[SectionSpec, dict[str, Any] | None], None]


def _detached(report: MonthlyReport) -> MonthlyReport:
    """The stored report, loaded, with the read transaction ended: rendering a PDF must not hold SQLite's lock."""
    db_session = session()
    db_session.expunge(report)
    db_session.rollback()
    return report


def missing_sections(data: dict[str, Any]) -> set[tuple[int, str | None]]:
    """(number, service) of each section a report lacks because an upstream failed (not the not-provided ones)."""
    return {
        (s["number"], s.get("service"))
        for s in data["sections"]
        if s["status"] == SectionStatus.UNAVAILABLE and s.get("cause") != UnavailableCause.NOT_PROVIDED
    }


def _no_progress(spec: SectionSpec, result: dict[str, Any] | None) -> None:
    return None


@dataclass
class GetMonthlyReport:
    """The report of `month` for `area`: the newest stored version if it is complete, unless `regenerate`.

    A new report reads every upstream; if one fails the whole request fails naming it, unless `allow_partial`,
    in which case the report has that section marked unavailable. When the newest stored version is partial, a
    plain request reads the upstreams again: a complete report is stored as a new version; a partial one missing
    the same sections as the stored one is not stored again (the stored one is returned, so a console polling a
    down service adds no versions); one missing other sections is a different report and is stored.
    `regenerate` always stores what it built.
    """

    month: str
    area: str | None
    actor: str
    regenerate: bool = False
    allow_partial: bool = False
    version: int | None = None
    progress: Progress = _no_progress

    def run(self) -> MonthlyReport:
        settings = current_app.extensions["lantian.settings"]
        month = validate_month(self.month, utcnow(), settings.timezone)
        area = validate_area(self.area, settings.city_code)
        if self.version is not None:
            stored = daos.report_version(session(), month, area, self.version)
            if stored is None:
                raise NotFound(f"no version {self.version} of the {month} report for {area} is stored")
            return _detached(stored)
        newest = None
        if not self.regenerate:
            newest = daos.latest_report(session(), month, area, complete_only=False)
            if newest is not None and newest.status == "complete":
                return _detached(newest)
            newest = _detached(newest) if newest is not None else None
        # End the lookup's transaction before the upstream calls: on SQLite every transaction holds the write
        # lock (BEGIN IMMEDIATE), and a build may take a while.
        session().rollback()
        data = self._build(month, area, settings.timezone, settings.city_code)
        missing = missing_sections(data)
        if newest is not None and missing and missing == missing_sections(newest.data):
            logger.info("report %s %s: still partial, v%d returned again", month, area, newest.version)
            return newest
        return self._store(month, area, data)

    def _build(self, month: str, area: str, tz: str, city_code: str) -> dict[str, Any]:
        ctx = ReportContext(month=month, area=area, tz=tz, city_code=city_code)
        specs = sections()
        results: dict[str, dict[str, Any]] = {}
        # The sections read different services (or different views of one): read them side by side. Progress is
        # reported from this thread, as each section finishes.
        with ThreadPoolExecutor(max_workers=SECTION_WORKERS) as pool:
            futures = {}
            for spec in specs:
                self.progress(spec, None)
                futures[pool.submit(in_context(run_section), spec, ctx)] = spec
            for future in as_completed(futures):
                spec = futures[future]
                results[spec.key] = future.result()
                self.progress(spec, results[spec.key])
        built = [results[spec.key] for spec in specs]
        failed = [
            s for s in built if s["status"] == SectionStatus.UNAVAILABLE and s["cause"] != UnavailableCause.NOT_PROVIDED
        ]
        if failed and not self.allow_partial:
            first = failed[0]
            detail = (
                f"the {month} report needs the {first['service']} service for section {first['number']} "
                f"({first['title_zh']}): {first['reason']}; try again later, or ask with allow_partial=true "
                "for a report with that section marked unavailable"
            )
            error = UpstreamUnavailable if first["cause"] == UnavailableCause.SERVICE_DOWN else UpstreamError
            headers = {"Retry-After": "30"} if error is UpstreamUnavailable else None
            raise error(
                detail,
                service=first["service"],
                headers=headers,
                sections=[{"number": s["number"], "service": s["service"], "reason": s["reason"]} for s in failed],
            )
        # When each upstream's data was read (the newest read of it): the report reflects it as of then.
        inputs_as_of: dict[str, str] = {}
        for section in built:
            for source in section["sources"]:
                if source["read_at"] and source["read_at"] > inputs_as_of.get(source["service"], ""):
                    inputs_as_of[source["service"]] = source["read_at"]
        return {
            "month": month,
            "area": area,
            "area_name": area_name(area, city_code),
            "city_code": city_code,
            "jurisdiction": ctx.jurisdiction,
            "status": report_status(built),
            "inputs_as_of": inputs_as_of,
            "sections": built,
        }

    def _store(self, month: str, area: str, data: dict[str, Any]) -> MonthlyReport:
        created_at = utcnow()
        for attempt in range(3):
            try:
                with unit_of_work() as db_session:
                    version = daos.next_version(db_session, month, area)
                    report = MonthlyReport(
                        month=month, area=area, version=version, status=data["status"],
                        data={**data, "version": version, "generated_at": created_at.isoformat(),
                              "generated_by": self.actor},
                        inputs_as_of=data["inputs_as_of"], created_at=created_at, created_by=self.actor,
                    )  # fmt: skip
                    db_session.add(report)
                return report
            except IntegrityError:
                # Another request stored the same version meanwhile; a plain request takes theirs.
                logger.info("report %s %s: version taken concurrently (attempt %d)", month, area, attempt + 1)
                if not self.regenerate:
                    stored = daos.latest_report(session(), month, area, complete_only=data["status"] == "complete")
                    if stored is not None:
                        return stored
        raise Conflict(f"the {month} report for {area} was being stored by another request; try again")


@dataclass
class ListReportVersions:
    """Every stored version of a month's report for an area."""

    month: str
    area: str | None

    def run(self) -> dict[str, Any]:
        settings = current_app.extensions["lantian.settings"]
        month = validate_month(self.month, utcnow(), settings.timezone)
        area = validate_area(self.area, settings.city_code)
        return {"month": month, "area": area, "versions": daos.list_versions(session(), month, area)}
