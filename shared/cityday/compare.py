"""The monthly report's figures against the truth of a city-day, one `Check` per figure.

Rows of the scenario's own sites and enterprises are compared as they are (their ids are the scenario's);
city-wide figures (stages, machinery, lists) as the difference between the report built before the day and
the one built after it, so the comparison also holds on a city that already had data (`--against-running`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.cityday.driver import Reports
from shared.cityday.model import CITY, CityDay

STAGE_LABELS = {"国四及以下": "china_4_or_below", "国五": "china_5", "国六": "china_6", "电动（新能源）": "electric",
                "未知": "unknown"}  # fmt: skip
LIST_ZH = {"blacklist": "黑名单", "key_supervision": "重点监管"}
SUBJECT_ZH = {"vehicle": "机动车", "machinery": "非道路移动机械", "enterprise": "企业"}
STATUS_ZH = {"submitted": "已提交", "returned": "已退回", "resubmitted": "已重新提交", "approved": "已审核通过"}


@dataclass
class Check:
    """One figure: where it is in the report, what the scenario sent implies, what the report says."""

    section: str
    figure: str
    expected: Any
    actual: Any

    @property
    def ok(self) -> bool:
        return _same(self.expected, self.actual)

    def difference(self) -> str:
        """For a mismatch of two mappings: the keys that differ, expected -> reported."""
        if not (isinstance(self.expected, dict) and isinstance(self.actual, dict)):
            return f"expected {self.expected!r}, report {self.actual!r}"
        keys = sorted(set(self.expected) | set(self.actual), key=str)
        return "; ".join(f"{k}: {self.expected.get(k)} -> {self.actual.get(k)}" for k in keys
                         if not _same(self.expected.get(k), self.actual.get(k)))  # fmt: skip


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Decimal | float) and isinstance(actual, int | float | Decimal):
        return abs(Decimal(str(expected)) - Decimal(str(actual))) <= Decimal("0.0005")
    if isinstance(expected, tuple) and isinstance(actual, tuple) and len(expected) == len(actual):
        return all(_same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_same(v, actual[k]) for k, v in expected.items())
    return expected == actual


def _section(report: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in report["sections"] if s["key"] == key)


def _table(section: dict[str, Any], key: str) -> dict[str, Any]:
    return next((t for t in section.get("tables") or [] if t["key"] == key), {"rows": [], "totals": None})


def _rows_by(section: dict[str, Any], table: str, column: str) -> dict[str, dict[str, Any]]:
    return {str(row[column]): row for row in _table(section, table)["rows"]}


def _count_delta(before: dict[str, Any], after: dict[str, Any], table: str, key: str, value: str,
                 section: str) -> Counter[str]:  # fmt: skip
    """after - before of a counted column per row label, in one table of one section."""
    delta: Counter[str] = Counter()
    for row in _table(_section(after, section), table)["rows"]:
        delta[str(row[key])] += int(row[value] or 0)
    for row in _table(_section(before, section), table)["rows"]:
        delta[str(row[key])] -= int(row[value] or 0)
    return +delta  # zeros and (impossible) negatives dropped: compared with the expected non-zero counts


def _note_number(section: dict[str, Any], pattern: str) -> int | None:
    for note in section.get("notes") or []:
        if match := re.search(pattern, note):
            return int(match.group(1))
    return None


def compare_report(plan: CityDay, reports: Reports) -> list[Check]:
    """Every figure of the month's report (and the lists of the recording month's) the city-day determines."""
    before, after = reports.before, reports.after
    checks = [Check("report", "status", "complete", after.get("status"))]
    checks += _phaseout(plan, before, after)
    checks += _nev(plan, before, after)
    checks += _gates(plan, before, after)
    checks += _transport(plan, after)
    checks += _machinery(plan, before, after)
    checks += _lists(plan, reports)
    return checks


def _gates(plan: CityDay, before: dict[str, Any], after: dict[str, Any]) -> list[Check]:
    expected, section = plan.expected, _section(after, "gates")
    checks = [Check("5", "section status", "ok", section["status"])]
    if section["status"] != "ok":
        return checks
    sites = {row["site"].split(" ")[0]: row for row in _table(section, "sites")["rows"]}
    completeness = {row["site"].split(" ")[0]: row for row in _table(section, "completeness")["rows"]}
    for site_id, truth in expected.sites.items():
        row, complete = sites.get(site_id, {}), completeness.get(site_id, {})
        for column in ("total", "in", "out", "china_4_or_below", "complete_plates", "incomplete_plates",
                       "alert_day_passages", "violations"):  # fmt: skip
            checks.append(Check("5 sites", f"{site_id} {column}", truth[column], row.get(column)))
        for column in ("gates", "incomplete_plates", "unknown_vehicles", "backfilled", "days_without_events"):
            checks.append(Check("5 completeness", f"{site_id} {column}", truth[column], complete.get(column)))
        checks.append(Check("5 completeness", f"{site_id} passages (duplicates once, backlog in)", truth["total"],
                            complete.get("passages")))  # fmt: skip
        checks.append(Check("5 completeness", f"{site_id} silent minutes (backlog fills the outage)",
                            truth["silent_minutes"], complete.get("silent_minutes")))  # fmt: skip
        checks.append(Check("5 completeness", f"{site_id} gates_silent", truth["gates_silent"],
                            complete.get("gates_silent")))  # fmt: skip
        checks.append(Check("5 completeness", f"{site_id} last passage", truth["last_event_at"],
                            _instant(complete.get("last_event_at"))))  # fmt: skip
        checks.append(Check("5 completeness", f"{site_id} silent site", "是", complete.get("silent")))
        share = None if not truth["total"] else Decimal(truth["complete_plates"]) / truth["total"]
        checks.append(Check("5 sites", f"{site_id} complete-plate share", share, row.get("complete_share")))
    stages = _count_delta(before, after, "stages", "stage", "count", "gates")
    checks.append(Check("5 stages", "passages by stage group (added by the day)", dict(+expected.stage_groups),
                        {STAGE_LABELS.get(k, k): v for k, v in stages.items()}))  # fmt: skip
    alerts = _rows_by(section, "alerts", "alert_key")
    for alert in [plan.alert, *plan.other_alerts]:
        area = alert["area"]  # the city's alert covers its districts; a district's is an alert day in the city
        shown = area == CITY or (plan.area == "city" and area[:4] == CITY[:4]) or area == plan.area
        days = alerts.get(alert["alert_key"], {}).get("days")
        label = f"{alert['level']} alert over {area}: days in the month"
        checks.append(Check("5 alerts", label, expected.alert_days if shown else None, days))
    listed: Counter[tuple[str, str, str]] = Counter(
        (row["site_id"], str(row["day"])[:10], row["plate"])
        for row in _table(section, "violations")["rows"]
        if row["site_id"] in expected.sites
    )
    if sum(expected.violations.values()) <= 200 - sum(1 for r in _table(section, "violations")["rows"]
                                                      if r["site_id"] not in expected.sites):  # fmt: skip
        checks.append(Check("5 violations", "violations listed (site, day, plate)", dict(expected.violations),
                            dict(listed)))  # fmt: skip
        # each names the alert that put the rule in force: the day's, or an equal one already declared over it
        keys = {row["alert_key"] for row in _table(section, "violations")["rows"] if row["site_id"] in expected.sites}
        orange = {row["alert_key"] for row in _table(section, "alerts")["rows"] if row["level"] in ("orange", "red")}
        checks.append(Check("5 violations", "each names an orange-or-worse alert of the month", set(), keys - orange))
    checks += _warnings(section, "5")
    return checks


def _instant(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _warnings(section: dict[str, Any], number: str) -> list[Check]:
    """The report flags its own inconsistencies (parts not adding up to an upstream's total) in a 注意 note."""
    flagged = [note for note in section.get("notes") or [] if note.startswith("注意")]
    return [Check(number, "no inconsistency flagged by the report", [], flagged)]


def _phaseout(plan: CityDay, before: dict[str, Any], after: dict[str, Any]) -> list[Check]:
    section = _section(after, "phaseout")
    checks = [Check("1", "section status", "ok", section["status"])]
    if section["status"] != "ok":
        return checks
    old = _section(before, "phaseout")
    for marker, truth in plan.expected.phaseout.items():
        index, row = next(((i, r) for i, r in enumerate(_table(section, "plans")["rows"]) if marker in r["plan"]),
                          (None, {}))  # fmt: skip
        was = next((r for r in _table(old, "plans")["rows"] if marker in r["plan"]), {})
        for column in ("population", "eliminated", "eliminated_in_month", "remaining", "overdue"):
            got = None if row.get(column) is None else int(row[column]) - int(was.get(column) or 0)
            checks.append(Check("1 plans", f"{marker} plan: {column} (added by the day's fleet)", truth[column], got))
        if index is not None and any(t["key"] == f"districts_{index}" for t in section["tables"]):
            districts: Counter[str] = Counter()
            for report, sign in ((after, 1), (before, -1)):
                rows = _table(_section(report, "phaseout"), f"districts_{index}")["rows"]
                for district_row in rows:
                    districts[str(district_row["district"]).split(" ")[0]] += sign * int(district_row["population"])
            checks.append(Check("1 districts", f"{marker} plan: in scope per district", dict(truth["districts"]),
                                dict(+districts)))  # fmt: skip
    overdue = {row["plate"] for row in _table(section, "overdue")["rows"]}
    own = {v["plate"] for v in plan.vehicles}
    want = set().union(*(t["overdue_plates"] for t in plan.expected.phaseout.values()))
    if len(_table(section, "overdue")["rows"]) < 200:
        checks.append(Check("1 overdue", "the day's overdue trucks listed", sorted(want), sorted(overdue & own)))
    return checks


def _nev(plan: CityDay, before: dict[str, Any], after: dict[str, Any]) -> list[Check]:
    section = _section(after, "nev")
    checks = [Check("2", "section status", "ok", section["status"])]
    if section["status"] != "ok":
        return checks
    for column in ("stock_total", "stock_nev", "added_total", "added_nev"):
        got = _count_delta(before, after, "categories", "category", column, "nev")
        want = {category: counts[column] for category, counts in plan.expected.nev.items() if counts[column]}
        checks.append(Check("2 categories", f"{column} per category (the day's fleet)", want, dict(got)))
    return checks


def _transport(plan: CityDay, after: dict[str, Any]) -> list[Check]:
    section = _section(after, "transport")
    checks = [Check("6", "section status", "ok", section["status"])]
    if section["status"] != "ok":
        return checks
    shares = _rows_by(section, "shares", "uscc")
    pending = _rows_by(section, "not_approved", "uscc")
    gaps: dict[str, list[dict[str, Any]]] = {}
    for row in _table(section, "reconciliation_gaps")["rows"]:
        gaps.setdefault(row["uscc"], []).append(row)
    for uscc, truth in plan.expected.transport.items():
        row = shares.get(uscc, {})
        name = truth["name"]
        checks.append(Check("6 shares", f"{name} declared (approved)", "是" if truth["approved"] else "否",
                            row.get("declared")))  # fmt: skip
        official = truth["approved"]
        for column in ("rail_tonnes", "bulk_tonnes", "clean_tonnes", "all_tonnes"):
            checks.append(Check("6 shares", f"{name} {column}", truth[column] if official else Decimal(0),
                                row.get(column)))  # fmt: skip
        if official:
            rail = (truth["rail_tonnes"] / truth["bulk_tonnes"]).quantize(Decimal("0.0001"))
            clean = (truth["clean_tonnes"] / truth["all_tonnes"]).quantize(Decimal("0.0001"))
            checks.append(Check("6 shares", f"{name} rail share", rail, row.get("rail_share")))
            checks.append(Check("6 shares", f"{name} clean share", clean, row.get("clean_share")))
        status = None if official else STATUS_ZH[truth["status"]]
        checks.append(Check("6 not approved", f"{name} review state", status, pending.get(uscc, {}).get("status")))
        shown = {r["direction"]: r for r in gaps.get(uscc, [])}
        if truth["reconciliation"] == "gap":
            for direction, zh in (("in", "进厂"), ("out", "出厂")):
                figures, got = truth["directions"][direction], shown.get(zh, {})
                checks.append(Check("6 gaps", f"{name} {zh} declared road t", figures["declared"],
                                    got.get("declared_tonnes")))  # fmt: skip
                checks.append(Check("6 gaps", f"{name} {zh} gate-estimated t", figures["estimated"],
                                    got.get("estimated_tonnes")))  # fmt: skip
                checks.append(Check("6 gaps", f"{name} {zh} gate trips", figures["trips"], got.get("trips")))
                checks.append(Check("6 gaps", f"{name} {zh} gap", figures["gap_percent"] / 100, got.get("gap_share")))
        else:
            checks.append(Check("6 gaps", f"{name} reconciles (not in the gap table)", 0, len(shown)))
        if official:  # the targets table shows the share each target measures, as railshift judged it
            measured = {r["ratio"]: r for r in _table(section, "targets")["rows"] if r["uscc"] == uscc}
            for ratio, numerator, denominator in (("铁路运输比例", "rail_tonnes", "bulk_tonnes"),
                                                  ("清洁运输比例", "clean_tonnes", "all_tonnes")):  # fmt: skip
                if ratio in measured:
                    checks.append(Check("6 targets", f"{name} {ratio} judged on",
                                        (truth[numerator], truth[denominator]),
                                        (Decimal(str(measured[ratio]["numerator_tonnes"])),
                                         Decimal(str(measured[ratio]["denominator_tonnes"])))))  # fmt: skip
    checks += _warnings(section, "6")
    return checks


def _machinery(plan: CityDay, before: dict[str, Any], after: dict[str, Any]) -> list[Check]:
    section, truth = _section(after, "machinery"), plan.expected.machinery
    if section["status"] != "ok":
        return [Check("3", "section status", "ok", section["status"])]
    old = _section(before, "machinery")
    checks = [Check("3", "section status", "ok", section["status"])]
    checks.append(Check("3 types", "machines in service at month end by type", dict(truth["by_type"]),
                        dict(_count_delta(before, after, "types", "code", "count", "machinery"))))  # fmt: skip
    checks.append(Check("3 stages", "machines in service at month end by stage", dict(truth["by_stage"]),
                        dict(_count_delta(before, after, "stages", "code", "count", "machinery"))))  # fmt: skip
    for column in ("registered", "tested"):
        want = {d: c[column] for d, c in truth["coverage"].items() if c[column]}
        got = _count_delta(before, after, "coverage", "district_code", column, "machinery")
        checks.append(Check("3 coverage", f"{column} per district (this year)", want, dict(got)))
    zh = {
        "open": "待整改",
        "repaired": "已维修",
        "retested_pass": "复检合格",
        "removed": "撤场",
        "blacklisted": "列入黑名单",
    }
    want = {zh[k]: n for k, n in truth["follow_up"].items()}
    got = _count_delta(before, after, "follow_up", "follow_up", "count", "machinery")
    checks.append(Check("3 follow-up", "the month's failures by follow-up", want, dict(got)))
    prefix = f"LFCD{plan.tag}"  # the scenario's machines (registered in the area or found working in it)
    failures = [r for r in _table(section, "failures")["rows"] if r["machine_code"].startswith(prefix)]
    checks.append(Check("3 failures", "failing spot checks this month", truth["failures_total"], len(failures)))
    lez = [r for r in _table(section, "lez_violations")["rows"] if r["machine_code"].startswith(prefix)]
    checks.append(Check("3 LEZ", "low-emission-zone violations this month", truth["lez_violations_total"], len(lez)))
    notes = (
        ("new registrations this month", r"本月新登记 (\d+) 台", "new_in_month"),
        ("China I and below still in service", r"国一及以下仍在用 (\d+) 台", "below_china_1_active"),
        ("in service at month end", r"月末登记在用 (\d+) 台", "active_at_month_end"),
    )
    for label, pattern, key in notes:
        now, then = _note_number(section, pattern), _note_number(old, pattern)
        got = None if now is None else now - (then or 0)
        checks.append(Check("3 notes", label, truth[key], got))
    checks += _warnings(section, "3")
    return checks


def _lists(plan: CityDay, reports: Reports) -> list[Check]:
    truth, month, recording = plan.expected.lists_month, plan.month, plan.recording_month
    checks = []
    for name, before, after in (("scenario", reports.before, reports.after),
                                ("recording", reports.recording_before, reports.recording_after)):  # fmt: skip
        section = _section(after, "blacklists")
        label = f"4 ({month})" if name == "scenario" else f"4 ({recording})"
        checks.append(Check(label, "section status", "ok", section["status"]))
        if section["status"] != "ok":
            continue
        shown = name == "recording"  # the month's report shows the lists as recorded by its end
        active: Counter[str] = Counter()
        for report, sign in ((after, 1), (before, -1)):
            for row in _table(_section(report, "blacklists"), "active")["rows"]:
                active[f"{row['list_kind']}/{row['subject']}"] += sign * int(row["count"])
        want = {f"{LIST_ZH[k]}/{SUBJECT_ZH[s]}": n for (k, s), n in truth["active_at_month_end"].items()}
        checks.append(Check(label, "entries in force at month end (list/subject)", want if shown else {},
                            dict(+active)))  # fmt: skip
        for column in ("added", "lifted"):
            by_reason: Counter[str] = Counter()
            for (_, reason, _), count in truth[column].items():
                by_reason[reason] += count
            got = _count_delta(before, after, "reasons", "reason_code", column, "blacklists")
            checks.append(Check(label, f"entries {column} by reason", dict(by_reason) if shown else {}, dict(got)))
        changes: Counter[str] = Counter()
        for report, sign in ((after, 1), (before, -1)):
            for row in _table(_section(report, "blacklists"), "changes")["rows"]:
                changes[f"{row['list_kind']}/{row['reason_code']}/{row['subject']}"] += sign * int(row["added"])
        want = {f"{LIST_ZH[k]}/{r}/{SUBJECT_ZH[s]}": n for (k, r, s), n in truth["added"].items()}
        checks.append(Check(label, "entries added by list/reason/subject", want if shown else {}, dict(+changes)))
        listed = {row["uscc"]: row for row in _table(section, "enterprises")["rows"]}
        for uscc in sorted(truth["enterprises"]):
            checks.append(Check(label, f"{uscc} listed (added this month)", "是" if shown else None,
                                listed.get(uscc, {}).get("added_in_month")))  # fmt: skip
    return checks


def mismatches(checks: list[Check]) -> list[Check]:
    return [check for check in checks if not check.ok]
