from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.order_workflow.support import Harness, running_harness


@pytest.fixture
def harness(template_path: Path, tmp_path: Path) -> Iterator[Harness]:
    with running_harness(template_path, tmp_path) as running:
        yield running
