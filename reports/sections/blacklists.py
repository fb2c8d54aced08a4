"""Section 4, blacklists and key supervision (黑名单与重点监管): vehicles has no list API yet, so it is marked."""

from __future__ import annotations

from reports.content import Section
from reports.sections import NotProvided, ReportContext, SectionSpec


def build(ctx: ReportContext, section: Section) -> None:
    """Entries added and lifted by reason, enterprises listed, once vehicles serves its lists."""
    raise NotProvided("vehicles", "not provided by vehicles yet (blacklist and key-supervision lists, issue 5)")


SPEC = SectionSpec("blacklists", 4, "四、黑名单与重点监管", "Blacklists and key supervision", "vehicles", build)
