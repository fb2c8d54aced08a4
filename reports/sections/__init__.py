"""The report's sections: each a plain function reading one upstream over HTTP and returning a Section.

A section whose upstream fails becomes status 'unavailable' naming the service and why, never zeros; the
command decides whether that fails the whole report (it does unless the caller allows a partial report).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import current_app, g

from reports.content import Section, SectionStatus, Source, Target, UnavailableCause
from reports.rules import CITY, jurisdictions
from shared.client import service_client
from shared.db import utcnow
from shared.errors import UpstreamError, UpstreamUnavailable
from shared.timeutil import month_bounds, month_range, previous_month

logger = logging.getLogger(__name__)
T = TypeVar("T")
A = TypeVar("A")
PAGE_LIMIT = 500
MAX_PAGES = 10_000  # a runaway cursor must not loop for ever


class NotProvided(Exception):
    """The upstream has no API for this section yet: the section is marked, never filled with zeros."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(reason)
        self.service = service
        self.reason = reason


class UnreadableUpstream(Exception):
    """The upstream answered, but with data the section cannot read (a field missing or of the wrong kind)."""


@dataclass
class ReportContext:
    """What every section needs: the month and area asked for, and a recorder of what it read."""

    month: str
    area: str
    tz: str
    city_code: str
    sources: list[Source] = field(default_factory=list)

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) of the month in the city's zone, in UTC."""
        return month_bounds(self.month, self.tz)

    @property
    def last_day(self) -> date:
        return month_range(self.month)[1]

    @property
    def previous(self) -> str:
        return previous_month(self.month)

    @property
    def jurisdiction(self) -> str:
        """The name the city's plans use in policy rules (e.g. linfen); the city code if none is known."""
        return jurisdictions().get(self.city_code, self.city_code)

    @property
    def area_params(self) -> dict[str, str]:
        """Query parameters restricting an upstream view to the area: the city's code or the district's."""
        return {"city_code": self.city_code} if self.area == CITY else {"district_code": self.area}

    @property
    def area_code(self) -> str:
        """The area as one division code: the city's code for the city report, else the district's."""
        return self.city_code if self.area == CITY else self.area

    @property
    def district_param(self) -> dict[str, str]:
        """Only a district filter (for upstreams that serve one city and take no city code)."""
        return {} if self.area == CITY else {"district_code": self.area}

    def get(self, service: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a JSON document from an upstream and record it as a source of the current section."""
        started = time.perf_counter()
        body = service_client(service).get(path, params=params)
        seconds = round(time.perf_counter() - started, 3)
        logger.info("read %s %s in %.3f s", service, path, seconds, extra={"seconds": seconds})
        as_of = body.get("as_of") if isinstance(body, dict) else None
        query = f"?{urlencode(params or {}, doseq=True)}" if params else ""
        read_at = utcnow().isoformat()
        self.sources.append(Source(service, f"{path}{query}", str(as_of) if as_of else read_at, read_at))
        return body

    def get_all(self, service: str, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a keyset-paginated upstream list (`items`, `next_cursor`), recorded once as a source."""
        query = {**(params or {}), "limit": PAGE_LIMIT}
        first = True
        for _ in range(MAX_PAGES):
            body = service_client(service).get(path, params=query)
            if first:
                read_at = utcnow().isoformat()
                listed = f"?{urlencode(params, doseq=True)}" if params else ""
                self.sources.append(Source(service, f"{path}{listed}", str(body.get("as_of") or read_at), read_at))
                first = False
            yield from body["items"]
            if not body.get("next_cursor"):
                return
            query["cursor"] = body["next_cursor"]
        raise UnreadableUpstream(f"{service} {path} kept sending pages past {MAX_PAGES}")


def in_context(function: Callable[..., T]) -> Callable[..., T]:
    """`function` made to run in a worker thread with this app, and this request's id sent on to the upstreams."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    request_id = g.get("request_id")

    def run(*args: Any) -> T:
        with app.test_request_context():  # a request context of its own, so the client passes X-Request-ID on
            if request_id:
                g.request_id = request_id
            return function(*args)

    return run


def parallel(function: Callable[[A], T], items: list[A], workers: int = 2) -> list[T]:
    """function(item) for every item, `workers` at a time in threads, results in the order of the items."""
    if len(items) < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(in_context(function), items))


@dataclass(frozen=True)
class SectionSpec:
    """One section: its place, titles, the upstream it reads and the function that builds it."""

    key: str
    number: int
    title_zh: str
    title_en: str
    service: str
    build: Callable[[ReportContext, Section], None]


def run_section(spec: SectionSpec, ctx: ReportContext) -> dict[str, Any]:
    """Build one section; an upstream failure becomes an 'unavailable' section naming the service."""
    section = Section(spec.key, spec.number, spec.title_zh, spec.title_en, service=spec.service)
    ctx = replace(ctx, sources=section.sources)  # each section records its own sources, even when run in parallel
    try:
        spec.build(ctx, section)
    except NotProvided as exc:
        return _unavailable(spec, UnavailableCause.NOT_PROVIDED, exc.reason)
    except UpstreamUnavailable as exc:
        return _unavailable(spec, UnavailableCause.SERVICE_DOWN, exc.detail)
    except UpstreamError as exc:
        upstream = exc.extra.get("upstream") or {}
        detail = upstream.get("detail") if isinstance(upstream, dict) else None
        return _unavailable(spec, UnavailableCause.UPSTREAM_ERROR, f"{exc.detail}: {detail}" if detail else exc.detail)
    except (UnreadableUpstream, KeyError, TypeError, ValueError) as exc:
        logger.warning("section %s could not read %s", spec.key, spec.service, exc_info=True)
        reason = f"the {spec.service} service sent data the report cannot read ({type(exc).__name__}: {exc})"
        return _unavailable(spec, UnavailableCause.UPSTREAM_ERROR, reason)
    return section.to_dict()


def _unavailable(spec: SectionSpec, cause: str, reason: str) -> dict[str, Any]:
    section = Section(
        spec.key, spec.number, spec.title_zh, spec.title_en,
        status=SectionStatus.UNAVAILABLE, service=spec.service, cause=cause, reason=reason,
    )  # fmt: skip
    return section.to_dict()


def sections() -> list[SectionSpec]:
    """The six sections of the monthly report, in order."""
    from reports.sections import blacklists, gates, machinery, nev, phaseout, transport

    return [phaseout.SPEC, nev.SPEC, machinery.SPEC, blacklists.SPEC, gates.SPEC, transport.SPEC]


def cited_rules(
    ctx: ReportContext, service: str, codes: set[str] | None = None, prefixes: tuple[str, ...] = ()
) -> list[Target]:
    """The city's policy rules in force on the month's last day at the upstream: the targets a section judged by."""
    targets = []
    query = {"as_of": ctx.last_day.isoformat(), "jurisdiction": ctx.jurisdiction}
    for rule in ctx.get_all(service, "/api/v1/policy-rules", query):
        code = rule["code"]
        if (codes is not None and code in codes) or (prefixes and code.startswith(prefixes)):
            value = rule.get("value") if rule.get("value") is not None else rule.get("value_date")
            targets.append(
                Target(code=code, document=rule["source_document"], item=rule["source_item"], value=value,
                       unit=rule.get("unit"), comparison=rule.get("comparison"),
                       description=f"{rule['jurisdiction']}: {rule['subject']}")
            )  # fmt: skip
    return targets
