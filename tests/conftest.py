"""Session-wide fixtures shared by every suite.

The CDK stack is synthesized once per test session (in-process, offline, ~10 s); the infra tests
assert on that template, and the local cloud, integration and e2e tests provision from it, so
every suite runs against the same template a user would deploy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.synth import load_template, synthesize
from tests.support.coldstart import cold_start


@pytest.fixture(scope="session")
def cloud_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthesized cloud assembly directory (cdk-nag ran: synth would have raised)."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    synthesize(outdir)
    return outdir


@pytest.fixture(scope="session")
def template_path(cloud_assembly: Path) -> Path:
    return cloud_assembly / "Inplay.template.json"


@pytest.fixture(scope="session")
def template(template_path: Path) -> dict[str, Any]:
    return load_template(template_path)


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Handlers build settings and store clients once per process, as on Lambda (cold start).

    Tests change the environment between cases (table names, the ESPN base URL, moto endpoints),
    so each test starts from a cold start.
    """
    cold_start()
