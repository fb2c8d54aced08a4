"""`lantian demo day`: run a city-day against private services (or the configured ones) and print the result."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from shared.cityday.compare import compare_report
from shared.cityday.driver import Api, Reports, Sent, Services, run_city_day
from shared.cityday.model import CityDay
from shared.cityday.scenario import build_city_day
from shared.cityday.truth import for_district

# letters valid in both a plate's serial and a credit code: a run's tag keeps its plates, sites and codes apart
TAG_LETTERS = "ABCEFGHJKLMNPQRTUWXY"


def print_result(plan: CityDay, sent: Sent, reports: dict[str, Reports], echo: Callable[[str], None]) -> bool:
    """What was sent, the answers checked on the way, and each area's report figures against the truth."""
    echo(f"\ncity-day {plan.day} (seed {plan.seed}, tag {plan.tag}): what was sent")
    for what, count in sent.counts.items():
        echo(f"  {what:<48} {count:>7,}")
    echo(f"  {'violations expected (orange alert, 国四-and-below bulk diesel)':<48} "
         f"{plan.expected.sent['violations']:>7,}")  # fmt: skip
    echo("\nanswers checked while sending")
    all_ok = True
    for what, expected, answered in sent.checks:
        ok = expected == answered
        all_ok &= ok
        echo(f"  {'ok ' if ok else 'BAD'} {what}" + ("" if ok else f": expected {expected}, answered {answered}"))
    for area, pair in reports.items():
        view = plan if area == "city" else for_district(plan, area)
        checks = compare_report(view, pair)
        echo(f"\nreport {plan.month} ({area}; lists also {plan.recording_month}) against what was sent")
        echo(f"  {'':3} {'section':<16} {'figure':<58} {'expected':>14} {'report':>14}")
        for check in checks:
            expected, actual = _short(check.expected), _short(check.actual)
            mark = "ok " if check.ok else "BAD"
            echo(f"  {mark} {check.section:<16} {check.figure[:58]:<58} {expected:>14} {actual:>14}")
            if not check.ok:
                echo(f"      {check.difference()}")
        bad = [c for c in checks if not c.ok]
        tail = f"; {len(bad)} DO NOT" if bad else ""
        echo(f"{area}: {len(checks) - len(bad)} of {len(checks)} figures match{tail}")
        all_ok &= not bad
    return all_ok


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 14 else text[:11] + "..."


def run_demo_day(day: date, passages: int, vehicles: int, machines: int, seed: int, against_running: bool,
                 keep: bool, echo: Callable[[str], None]) -> bool:  # fmt: skip
    """Start private services (or use the configured ones), run the day, compare; True when all matches."""
    if against_running:
        return _against_running(day, passages, vehicles, machines, seed, echo)
    from shared.cityday.services import start_private_city

    tmp = Path(tempfile.mkdtemp(prefix="lantian-cityday-"))
    city = None
    try:
        city = start_private_city(tmp, on_step=lambda step: echo(f"private city in {tmp}: {step}"))
        plan = build_city_day(day, seed, passages, vehicles, machines, tag="C")
        api = Services(*(Api(name, city.urls[name], city.token_for)
                         for name in ("vehicles", "gatecontrol", "railshift", "reports")))  # fmt: skip
        started = time.monotonic()
        sent, reports = run_city_day(plan, api, city.sync_registry, log=echo)
        echo(f"sent and reported in {time.monotonic() - started:.0f} s")
        return print_result(plan, sent, reports, echo)
    finally:
        if city is not None:
            city.stop()
        if keep:
            echo(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _against_running(day: date, passages: int, vehicles: int, machines: int, seed: int,
                     echo: Callable[[str], None]) -> bool:  # fmt: skip
    """The configured services (LANTIAN_*_URL); tokens are issued in the configured token register."""
    from shared.cityday.services import run_sync
    from shared.cli import create_token, service_settings

    settings = service_settings("vehicles")
    tokens: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def token_for(role: str, **scope: str) -> str:
        key = (role, tuple(sorted(scope.items())))
        if key not in tokens:
            tokens[key] = create_token(role, f"lantian demo day ({role})", scope.get("uscc"), scope.get("site"), 1)[1]
        return tokens[key]

    # a fresh tag per run, so a second run adds a second day's worth rather than replaying the first
    tag = TAG_LETTERS[int(time.time()) % len(TAG_LETTERS)]
    plan = build_city_day(day, seed, passages, vehicles, machines, tag=tag)
    api = Services(*(Api(name, settings.service_urls[name], token_for)
                     for name in ("vehicles", "gatecontrol", "railshift", "reports")))  # fmt: skip
    sent, reports = run_city_day(plan, api, lambda: run_sync(dict(os.environ)), log=echo)
    # the same comparison: the run's own rows as they are, city-wide figures as the day's difference
    return print_result(plan, sent, reports, echo)
