"""Alembic environment of the reports tree."""

from migrations.env_common import run
from reports.models import Base

run(Base.metadata)
