"""The change feed (contract §3): whole records in commit order; a reader never misses or repeats one."""

from __future__ import annotations

import random
import threading
import time

from tests.vehicles.factories import change_status, plate, register, vehicle
from vehicles.commands import registry as registry_commands

FEED = "/api/v1/changes"


def _drain(reader, cursor=None, limit=500):
    items = []
    while True:
        query = {"limit": limit} | ({"after": cursor} if cursor else {})
        page = reader.get(FEED, query_string=query).get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return items, cursor


def test_every_change_is_listed_once_with_the_whole_record(as_role):
    clerk, reader = as_role("transport"), as_role("service")
    register(clerk, vehicle(1))
    register(clerk, vehicle(1))  # unchanged: no change
    register(clerk, vehicle(2, emission_stage=...))
    change_status(clerk, vehicle(1), "scrapped", "2021-01-05")
    items, cursor = _drain(reader, limit=1)
    assert [(i["kind"], i["key"]["plate"]) for i in items] == [
        ("vehicle.upserted", plate(1)),
        ("vehicle.upserted", plate(2)),
        ("vehicle.status_changed", plate(1)),
    ]
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    last = items[-1]
    assert last["key"] == {"plate": plate(1), "plate_colour": "yellow"}
    assert last["data"]["status"] == "scrapped" and last["data"]["vehicle_class"] == "N3"
    assert set(last["data"]) >= {
        "plate",
        "plate_raw",
        "plate_colour",
        "vin",
        "vehicle_class",
        "body_type",
        "fuel",
        "emission_stage",
        "stage_inferred",
        "operating",
        "owner_uscc",
        "district_code",
        "registration_date",
        "scrap_deadline",
        "status",
    }
    assert items[1]["data"]["stage_inferred"] is True
    again = reader.get(FEED, query_string={"after": cursor}).get_json()
    assert again == {"items": [], "next_cursor": cursor, "has_more": False}


def test_a_malformed_cursor_or_limit_is_422_naming_it(as_role):
    reader = as_role("service")
    for query, field in (({"after": "abc"}, "after"), ({"after": "-1"}, "after"), ({"limit": 1001}, "limit")):
        response = reader.get(FEED, query_string=query)
        assert response.status_code == 422
        assert response.get_json()["errors"][0]["field"] == field
    assert as_role("transport").get(FEED).status_code == 403


def test_concurrent_writers_never_make_a_polling_reader_miss_a_change(app, as_role, monkeypatch):
    original = registry_commands.append_changes

    def slow_append(session, changes):
        seqs = original(session, changes)
        time.sleep(random.uniform(0, 0.02))  # hold the transaction open between numbering and commit
        return seqs

    monkeypatch.setattr(registry_commands, "append_changes", slow_append)
    writers, per_writer = 4, 6
    done = threading.Event()
    errors: list[str] = []

    def write(worker: int) -> None:
        clerk = as_role("transport")
        for n in range(per_writer):
            serial = worker * 100 + n
            response = clerk.put(f"/api/v1/vehicles/{plate(serial)}/yellow", json=vehicle(serial))
            if response.status_code != 201:
                errors.append(str(response.get_json()))

    seen: list[int] = []

    def read() -> None:
        reader, cursor = as_role("service"), None
        while True:
            finished = done.is_set()
            items, cursor = _drain(reader, cursor, limit=3)
            seen.extend(i["seq"] for i in items)
            if finished:
                return
            time.sleep(0.005)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    everything, _ = _drain(as_role("service"))
    assert len(everything) == writers * per_writer
    assert seen == [i["seq"] for i in everything], "the polling reader missed or repeated a change"
