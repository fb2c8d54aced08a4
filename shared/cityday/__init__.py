"""A whole city-day end to end (issue 9): a seeded scenario sent to the four real services over HTTP, the
plain-Python truth of what was sent, and the monthly report's figures checked against it.

- `model`: the city's constants, the plan's parts and the expected figures;
- `scenario`: the deterministic plan of one city-day (vehicles, machines, lists, sites, passages, alerts,
  outage and backlog, duplicate retries, declarations, review and a correction);
- `truth`: the expected figures the plan implies, for the city or one district, in plain Python;
- `driver`: sends the plan to running services and checks every answer on the way;
- `compare`: the monthly report's figures against the expected ones, one check per figure;
- `services`: the four services started privately (throw-away databases, free ports), for `lantian demo day`
  and the end-to-end test.
"""

from shared.cityday.compare import Check, compare_report
from shared.cityday.model import CityDay, Expected
from shared.cityday.scenario import build_city_day
from shared.cityday.truth import for_district

__all__ = ["Check", "CityDay", "Expected", "build_city_day", "compare_report", "for_district"]
