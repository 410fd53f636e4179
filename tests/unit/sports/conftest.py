"""Shared fixtures for the ESPN tests."""

from collections.abc import Callable
from typing import Any

import pytest

from tests.unit.sports.espn_fixtures import load


@pytest.fixture
def espn_fixture() -> Callable[[str], dict[str, Any]]:
    return load
