"""Alembic environment of the auth tree."""

from migrations.env_common import run
from shared.tokens import AuthBase as Base

run(Base.metadata)
