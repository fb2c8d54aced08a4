"""Alembic environment of the railshift tree."""

from migrations.env_common import run
from railshift.models import Base

run(Base.metadata)
