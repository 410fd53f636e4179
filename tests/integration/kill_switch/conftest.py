from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.kill_switch.support import KillSwitchHarness, running_kill_switch


@pytest.fixture
def ks(template_path: Path, tmp_path: Path) -> Iterator[KillSwitchHarness]:
    with running_kill_switch(template_path, tmp_path) as running:
        yield running
