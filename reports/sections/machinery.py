"""Section 3, non-road mobile machinery (非道路移动机械): vehicles has no machinery API yet, so it is marked."""

from __future__ import annotations

from reports.content import Section
from reports.sections import NotProvided, ReportContext, SectionSpec


def build(ctx: ReportContext, section: Section) -> None:
    """Registrations, spot-check coverage (>= 20 %), failures and LEZ violations, once vehicles serves them."""
    raise NotProvided("vehicles", "not provided by vehicles yet (machinery registration and spot checks, issue 5)")


SPEC = SectionSpec("machinery", 3, "三、非道路移动机械", "Non-road mobile machinery", "vehicles", build)
