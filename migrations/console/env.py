"""Alembic environment of the console tree."""

from console.models import Base
from migrations.env_common import run

run(Base.metadata)
