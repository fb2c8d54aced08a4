"""`lantian demo seed` for railshift: a dozen enterprises and a year (2025) of declarations, most approved."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from railshift.commands.seed import seed_targets
from railshift.models import Declaration, DeclarationLine, Enterprise, Transition
from railshift.rules import city_code_of
from shared.db import unit_of_work
from shared.identifiers import uscc_check_character
from shared.timeutil import months_between

YEAR = "2025"
# (name, industry, district, urban fringe, siding, annual bulk tonnes, ultra-low status, rail share around)
ENTERPRISES = [
    ("临汾示范钢铁有限公司", "steel", "141002", False, "in_service", 4_200_000, "completed", 0.82),
    ("尧都建邦焦化有限公司", "coking", "141002", True, "in_service", 2_100_000, "not_started", 0.74),
    ("侯马华晋水泥有限公司", "cement", "141081", False, "none", 900_000, "in_progress", 0.10),
    ("霍州汾河煤业有限公司", "coal_mining", "141082", False, "in_service", 3_000_000, "not_started", 0.65),
    ("襄汾宏达有色金属有限公司", "nonferrous", "141023", False, "planned", 1_600_000, "not_started", 0.20),
    ("洪洞立恒钢铁有限公司", "steel", "141024", False, "under_construction", 2_500_000, "in_progress", 0.35),
    ("曲沃晋南电力有限公司", "power", "141021", False, "in_service", 1_200_000, "completed", 0.90),
    ("翼城兴盛玻璃有限公司", "glass", "141022", False, "none", 300_000, "not_started", 0.0),
    ("忻府云中钢铁有限公司", "steel", "140902", True, "in_service", 1_800_000, "completed", 0.91),
    ("原平同煤焦化有限公司", "coking", "140981", False, "in_service", 1_400_000, "not_started", 0.83),
    ("太原小店铝业有限公司", "alumina", "140105", False, "in_service", 2_000_000, "completed", 0.55),
    ("清徐美锦焦化有限公司", "coking", "140121", False, "in_service", 2_600_000, "completed", 0.61),
]
PENDING_LAST_MONTH = 3  # the last few enterprises' December declarations await review


def _uscc(index: int, district: str) -> str:
    first17 = f"91{district}MADEM{index:04d}"
    return first17 + uscc_check_character(first17)


def _lines(rng: random.Random, industry: str, monthly: float, rail_share: float) -> list[dict[str, object]]:
    goods = {"steel": ["iron_ore", "coal", "coke"], "coking": ["coal", "coke"], "coal_mining": ["coal"],
             "power": ["coal"], "alumina": ["other_bulk", "coal"], "nonferrous": ["other_bulk"],
             "cement": ["other_bulk", "coal"], "glass": ["other_bulk"]}.get(industry, ["other_bulk"])
    out = []
    share = max(0.0, min(1.0, rail_share + rng.uniform(-0.06, 0.06)))
    for index, kind in enumerate(goods):
        tonnes = monthly / len(goods) * rng.uniform(0.8, 1.2)
        direction = "outbound" if (industry in ("coal_mining", "coking") and kind in ("coal", "coke") and index) \
            else "inbound"
        rail = Decimal(str(round(tonnes * share, 1)))
        road = Decimal(str(round(tonnes - float(rail), 1)))
        out.append({"direction": direction, "goods": kind, "mode": "rail", "tonnes": rail})
        out.append({"direction": direction, "goods": kind, "mode": rng.choice(["china_6_truck", "china_5_truck"]),
                    "tonnes": (road * Decimal("0.6")).quantize(Decimal("0.1"))})
        out.append({"direction": direction, "goods": kind, "mode": "new_energy_truck",
                    "tonnes": (road * Decimal("0.4")).quantize(Decimal("0.1"))})
    out.append({"direction": "outbound", "goods": "other", "mode": "other_road",
                "tonnes": Decimal(str(round(monthly * 0.1, 1)))})
    return out


def seed() -> str:
    """Load the targets, the demo enterprises and their 2025 declarations; a second run adds nothing."""
    rng = random.Random(2025)
    added_enterprises = added_declarations = 0
    months = months_between(f"{YEAR}-01", f"{YEAR}-12")
    with unit_of_work() as db_session:
        targets = seed_targets(db_session)
        for index, (name, industry, district, fringe, siding, tonnes, ule, rail) in enumerate(ENTERPRISES):
            code = _uscc(index, district)
            enterprise = db_session.scalars(select(Enterprise).where(Enterprise.uscc == code)).one_or_none()
            if enterprise is None:
                enterprise = Enterprise(
                    uscc=code, name=name, industry=industry, district_code=district,
                    city_code=city_code_of(district), urban_fringe=fringe, siding_status=siding,
                    annual_bulk_tonnes=Decimal(tonnes), ultra_low_status=ule, site_ids=[f"S-DEMO-{index:03d}"],
                )
                db_session.add(enterprise)
                db_session.flush()
                added_enterprises += 1
            existing = set(db_session.scalars(select(Declaration.month).where(
                Declaration.enterprise_id == enterprise.id)))
            for month in months:
                lines = _lines(rng, industry, tonnes / 12, rail)  # drawn even when skipped: same data each run
                if month in existing:
                    continue
                pending = month == months[-1] and index >= len(ENTERPRISES) - PENDING_LAST_MONTH
                _declare(db_session, enterprise, month, lines, pending)
                added_declarations += 1
    return (f"targets {targets['added']} added; {added_enterprises} enterprises and {added_declarations} "
            f"declarations added ({YEAR}, {len(ENTERPRISES)} enterprises x {len(months)} months)")


def _declare(db_session: Session, enterprise: Enterprise, month: str, lines: list[dict], pending: bool) -> None:
    year, mon = int(month[:4]), int(month[5:])
    submitted = datetime(year + (mon == 12), mon % 12 + 1, 5, 2, tzinfo=UTC)
    status = "submitted" if pending else "approved"
    declaration = Declaration(
        enterprise=enterprise, uscc=enterprise.uscc, month=month, version=1, status=status,
        official=not pending, attachments=[{"name": f"{month} waybills", "ref": f"demo://waybills/{month}"}],
        submitted_at=submitted, created_at=submitted, updated_at=submitted, created_by="demo",
        lines=[DeclarationLine(**line) for line in lines if line["tonnes"]],
    )
    steps = [("create", None, "draft", "enterprise"), ("submit", "draft", "submitted", "enterprise")]
    if not pending:
        steps.append(("approve", "submitted", "approved", "transport"))
    declaration.transitions = [
        Transition(action=a, from_status=f, to_status=t, actor=f"demo {role}", actor_role=role,
                   at=submitted + timedelta(days=i))
        for i, (a, f, t, role) in enumerate(steps)
    ]
    db_session.add(declaration)
