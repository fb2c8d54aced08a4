"""What every tree's env.py does: run migrations for one service's metadata, SQLite via batch mode."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData

from shared.db import make_engine
from shared.migrate import version_table


def run(metadata: MetaData) -> None:
    """Run the current alembic command online against the configured URL."""
    config = context.config
    tree = config.attributes["tree"]
    url = config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata, tree)
        return
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection, metadata, tree)
    finally:
        engine.dispose()


def _run(connection, metadata: MetaData, tree: str) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table(tree),
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table instead
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
