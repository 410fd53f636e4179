from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.kalshi.support import Venue, running_venue


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[Venue]:
    with running_venue(tmp_path) as running:
        yield running
