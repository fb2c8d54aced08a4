"""Alembic environment of the gatecontrol tree."""

from gatecontrol.models import Base
from migrations.env_common import run

run(Base.metadata)
