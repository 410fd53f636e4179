"""Fixtures for the ESPN replay tests."""

from __future__ import annotations

import pytest

from tests.unit.replay.helpers import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
