"""Alembic environment of the vehicles tree."""

from migrations.env_common import run
from vehicles.models import Base

run(Base.metadata)
