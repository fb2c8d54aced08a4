"""A whole city-day end to end: vehicles, machinery and lists registered, sites and keys opened, a day of gate
traffic with an orange alert, an outage's backlog and duplicate retries, declarations and the bureau's review;
then the monthly report, every figure of it the day determines checked against what was sent (issue 9)."""

from __future__ import annotations

from datetime import date

import pytest

from shared.cityday.compare import Check, compare_report
from shared.cityday.scenario import build_city_day
from shared.cityday.truth import for_district

pytestmark = pytest.mark.e2e


def _failures(checks: list[Check]) -> str:
    return "\n".join(f"{c.section} | {c.figure}: {c.difference()}" for c in checks if not c.ok)


def _section_checks(city_day, prefix: str) -> list[Check]:
    """The section's figures in the city's report and in each district's."""
    checks = []
    for area, reports in city_day.reports.items():
        view = city_day.plan if area == "city" else for_district(city_day.plan, area)
        for check in compare_report(view, reports):
            if check.section.split(" ")[0] == prefix:
                check.section = f"{area}: {check.section}"
                checks.append(check)
    assert {c.section.split(":")[0] for c in checks} == set(city_day.reports), "an area compared no figures"
    return checks


def test_the_plan_is_the_same_for_the_same_seed_and_exercises_every_case():
    one = build_city_day(date(2025, 12, 10), seed=7, passages=400, vehicles=60, machines=12, tag="T")
    again = build_city_day(date(2025, 12, 10), seed=7, passages=400, vehicles=60, machines=12, tag="T")
    other = build_city_day(date(2025, 12, 10), seed=8, passages=400, vehicles=60, machines=12, tag="T")
    assert [p.body for p in one.passages] == [p.body for p in again.passages]
    assert [p.body for p in one.passages] != [p.body for p in other.passages]
    sent = one.expected.sent
    assert sent["retries"] and sent["backfilled"] and sent["violations"]
    assert any(v["emission_stage"] == "china_4" and v["fuel"] == "diesel" for v in one.vehicles)
    assert one.expected.stage_groups["unknown"] == 0  # every passage has a stage, from the registry or the gate
    assert sum(row["incomplete_plates"] for row in one.expected.sites.values())


def test_every_answer_on_the_way_was_the_one_the_api_promises(city_day):
    wrong = [(what, expected, answered) for what, expected, answered in city_day.sent.checks if expected != answered]
    assert not wrong, wrong
    counts = city_day.sent.counts
    assert counts["live passages posted"] + counts["backlog passages posted (backfill)"] == len(city_day.plan.passages)


def test_the_reports_are_complete(city_day):
    for reports in city_day.reports.values():
        for report in (reports.after, reports.recording_after):
            assert report["status"] == "complete"
            assert [s["status"] for s in report["sections"]] == ["ok"] * 6


def _no_trucks_in_scope(city_day, check: Check) -> bool:
    """A district report's 'eliminated this month' of the China III plan, the district having no truck in its
    scope (尧都区: the scenario registers no China III truck there)."""
    area = check.section.split(":")[0]
    if area == "city" or not check.figure.startswith("国三 plan: eliminated_in_month"):
        return False
    return for_district(city_day.plan, area).expected.phaseout["国三"]["population"] == 0


def test_phaseout_section_counts_the_days_old_trucks_in_each_plan(city_day):
    """Section 1: the China III and China IV plans' trucks in scope, eliminated (two scrapped, one re-engined
    this month), remaining, overdue, per district, and the overdue plates."""
    checks = [c for c in _section_checks(city_day, "1") if not _no_trucks_in_scope(city_day, c)]
    assert not _failures(checks), _failures(checks)


def test_a_district_without_trucks_of_a_plan_eliminated_none_this_month(city_day):
    checks = [c for c in _section_checks(city_day, "1") if _no_trucks_in_scope(city_day, c)]
    assert checks
    assert not _failures(checks), _failures(checks)


def test_nev_section_counts_the_public_fleets_stock_and_additions(city_day):
    """Section 2: per public-fleet category, the stock and the month's additions, new-energy among them."""
    checks = _section_checks(city_day, "2")
    assert not _failures(checks), _failures(checks)


def test_gate_section_counts_each_passage_once_backlog_included_and_every_violation(city_day):
    """Section 5: passages per site in/out, 国四-and-below, plates, alert-day passages, violations per site and
    listed, completeness (gates, unknown vehicles, backfilled, days without passages), stage groups."""
    checks = _section_checks(city_day, "5")
    assert not _failures(checks), _failures(checks)
    assert any(c.figure.endswith("backfilled") and c.expected for c in checks)


def test_transport_section_shows_approved_shares_review_states_and_the_gap(city_day):
    """Section 6: rail and clean tonnes and shares of the approved declaration only, the returned and the
    pending ones listed as not approved, the under-declared road haulage as a reconciliation gap."""
    checks = _section_checks(city_day, "6")
    assert not _failures(checks), _failures(checks)
    assert any(c.section.endswith("6 gaps") and c.figure.endswith("gap") for c in checks)


def test_machinery_section_counts_registrations_coverage_failures_and_the_lez_violation(city_day):
    """Section 3: machines in service by type and stage, coverage per district, failures, LEZ violations."""
    checks = _section_checks(city_day, "3")
    assert not _failures(checks), _failures(checks)


def test_lists_section_shows_entries_in_the_month_they_are_recorded(city_day):
    """Section 4: entries back-dated to the scenario's month are counted when recorded (this month's report:
    added by reason and subject, one lifted, in force at the end, the carrier listed), not in December's."""
    checks = _section_checks(city_day, "4")
    assert not _failures(checks), _failures(checks)
