"""Completeness of a site's gate data, one module per subject: gates (operating window, silent now, gaps),
daily (one site's day), monthly (every site of an area in a month)."""

from gatecontrol.commands.completeness.daily import completeness_report
from gatecontrol.commands.completeness.gates import Gap, gate_status, operating_window
from gatecontrol.commands.completeness.monthly import COUNTS, TOTALS, is_silent_site, monthly_completeness

__all__ = [
    "COUNTS", "TOTALS", "Gap", "completeness_report", "gate_status", "is_silent_site", "monthly_completeness",
    "operating_window",
]  # fmt: skip
