"""The demo city and the targets seed load once: a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from railshift import demo
from railshift.commands.seed import seed_all
from railshift.models import Declaration, DeclarationLine, Enterprise, Target


def _counts(db):
    with db.sessionmaker() as db_session:
        return [db_session.scalar(select(func.count()).select_from(m))
                for m in (Enterprise, Declaration, DeclarationLine, Target)]


def test_demo_seed_twice_adds_its_data_once_and_the_views_see_it(app, db, as_role):
    with app.app_context():
        first = demo.seed()
    once = _counts(db)
    with app.app_context():
        second = demo.seed()
        assert seed_all()["added"] == 0
    assert _counts(db) == once
    assert once[:2] == [12, 144] and once[2] > 144
    assert "12 enterprises and 144 declarations added" in first
    assert "0 enterprises and 0 declarations added" in second
    pending = as_role("transport").get("/api/v1/reviews/pending").get_json()["items"]
    assert [d["month"] for d in pending] == ["2025-12"] * demo.PENDING_LAST_MONTH
    targets = as_role("environment").get("/api/v1/targets").get_json()
    assert {d["code"] for d in targets["ratio_definitions"]} >= {"rail", "clean"}
    assert any(t["key"] == "xinzhou.rail_share.bulk_freight_urban_fringe" and t["urban_fringe"] is True
               for t in targets["targets"])
