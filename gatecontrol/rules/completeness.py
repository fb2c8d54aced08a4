"""Pure rules of completeness: the silent gaps of a gate's operating hours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta


def silent_gaps(
    heard: Sequence[datetime], opens: datetime, closes: datetime, window: timedelta
) -> list[tuple[datetime, datetime]]:
    """Stretches of operating time [opens, closes) longer than `window` in which nothing was heard from a gate."""
    gaps = []
    previous = opens
    for moment in [*(t for t in heard if opens <= t < closes), closes]:
        if moment - previous > window:
            gaps.append((previous, moment))
        previous = max(previous, moment)
    return gaps


def clipped_gaps(
    raw: Iterable[tuple[datetime | None, datetime | None]], opens: datetime, closes: datetime, window: timedelta
) -> list[tuple[datetime, datetime]]:
    """The silent gaps of [opens, closes) given a gate's long gaps between consecutive things heard.

    `raw` holds every stretch longer than `window` between two consecutive moments heard (None: before the
    first / after the last). Cut to the operating hours, the ones still longer than the window are exactly
    what `silent_gaps` finds from the full list of moments: a stretch that short inside was short outside.
    """
    gaps = []
    for earlier, later in raw:
        start = opens if earlier is None else max(earlier, opens)
        end = closes if later is None else min(later, closes)
        if end - start > window:
            gaps.append((start, end))
    return sorted(gaps)
