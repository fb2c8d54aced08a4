"""Models and migrations agree, on SQLite and PostgreSQL, for every tree; every tree downgrades cleanly."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from shared.db import make_engine
from shared.migrate import AUTH_TREE, alembic_config, script_heads, upgrade, version_table

TREES = (AUTH_TREE, "vehicles", "gatecontrol", "railshift", "reports", "console")


def _metadata(tree: str):
    if tree == AUTH_TREE:
        return importlib.import_module("shared.tokens").AuthBase.metadata
    return importlib.import_module(f"{tree}.models").Base.metadata


@pytest.mark.parametrize("tree", TREES)
def test_autogenerate_finds_no_difference_after_upgrade(databases, tree):
    url = databases.new(f"mig_{tree}")
    upgrade(tree, url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": version_table(tree)}
            )
            diff = compare_metadata(context, _metadata(tree))
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations of {tree} differ: {diff}"


@pytest.mark.parametrize("tree", TREES)
def test_downgrade_to_base_removes_every_table(databases, tree):
    from alembic import command

    url = databases.new(f"down_{tree}")
    upgrade(tree, url)
    command.downgrade(alembic_config(tree, url), "base")
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names()) - {version_table(tree)}
    finally:
        engine.dispose()
    assert tables == set()


@pytest.mark.parametrize("tree", TREES)
def test_each_tree_has_one_head(tree):
    assert len(script_heads(tree)) == 1
