"""Alembic, one version tree per service (migrations/<service>) plus the shared auth tree."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
AUTH_TREE = "auth"


def version_table(tree: str) -> str:
    """Each tree keeps its own version table, so trees never mistake each other's revisions."""
    return f"alembic_version_{tree}"


def alembic_config(tree: str, url: str) -> Config:
    """The alembic Config of one version tree, pointed at a database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / tree))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["tree"] = tree
    return config


def upgrade(tree: str, url: str, revision: str = "heads") -> None:
    """Migrate one tree's database to `revision` (default: the newest)."""
    command.upgrade(alembic_config(tree, url), revision)


def script_heads(tree: str) -> set[str]:
    """The newest revisions the code ships for a tree."""
    script = ScriptDirectory.from_config(alembic_config(tree, "sqlite://"))
    return set(script.get_heads())


def database_heads(connection: Connection, tree: str) -> set[str]:
    """The revisions a database is at for a tree (empty if never migrated)."""
    context = MigrationContext.configure(connection, opts={"version_table": version_table(tree)})
    return set(context.get_current_heads())


def is_current(engine: Engine, tree: str, expected: set[str]) -> bool:
    """Whether the database is migrated to exactly the revisions the code expects."""
    with engine.connect() as connection:
        return database_heads(connection, tree) == expected
