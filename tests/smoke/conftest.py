"""Smoke tests run against the real local stack (`gmall-rt stack up`); they fail, never skip, when a
service is missing, because a missing service is exactly what they are there to catch."""

import uuid
from pathlib import Path

import pytest

from gmall_rt.stack.manager import Stack

SMOKE_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items):
    """Mark every smoke test, so `pytest -m "not stack"` runs only what needs no services."""
    for item in items:
        if SMOKE_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack(config):
    stack = Stack(config)
    unhealthy = {row.name: row.health for row in stack.status() if row.health != "healthy"}
    assert not unhealthy, f"the local stack is not healthy (run `gmall-rt stack up`): {unhealthy}"
    return stack


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:10]
