"""The local cloud's DynamoDB survives a restart and a crash: a tripped kill switch stays tripped."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inplay.risk.kill_switch import KillSwitchState
from inplay.store import bots
from inplay.store.bots import DynamoBotControls
from inplay.store.schema import BOTS
from local.cloud import LocalCloud
from local.cloud.persistence import JOURNAL_NAME

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]

REPO = Path(__file__).resolve().parents[3]
USER = "user-1"
TRIPPED_AT = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)


@contextmanager
def _cloud(template_path: Path, state_dir: Path) -> Iterator[tuple[LocalCloud, DynamoBotControls]]:
    bots._model_for.cache_clear()  # a new moto endpoint per start
    with LocalCloud(
        template_path, http_port=0, frontend_dir=None, schedules_enabled=False, state_dir=state_dir
    ) as cloud:
        yield cloud, DynamoBotControls(cloud.provisioned.table(BOTS.logical_id).name, host=cloud.moto_url)


def _trip(controls: DynamoBotControls) -> None:
    tripped = controls.trip(
        USER,
        trigger="daily_loss",
        reason="daily loss 120.00 > limit 100.00",
        values={"loss": "120.00", "limit": "100.00"},
        by="kill_switch",
        event_id="ks-1",
        at=TRIPPED_AT,
    )
    assert tripped is not None and tripped.tripped


def test_a_tripped_kill_switch_survives_a_restart_and_so_does_its_reset(
    template_path: Path, tmp_path: Path
) -> None:
    threads_before = set(threading.enumerate())
    with _cloud(template_path, tmp_path) as (cloud, controls):
        assert cloud.restored is not None and cloud.restored.restored == 0
        _trip(controls)
    with _cloud(template_path, tmp_path) as (cloud, controls):
        assert cloud.restored is not None
        assert cloud.restored.items.get(cloud.provisioned.table(BOTS.logical_id).name) == 1
        switch = controls.kill_switch(USER)
        assert switch.state is KillSwitchState.TRIPPED
        assert (switch.trigger, switch.by, switch.event_id) == ("daily_loss", "kill_switch", "ks-1")
        assert switch.values == {"loss": "120.00", "limit": "100.00"}
        assert switch.changed_at == TRIPPED_AT
        assert (
            controls.trip(
                USER, trigger="manual", reason="again", values={}, by="x", event_id="e", at=TRIPPED_AT
            )
            is None
        )
        assert controls.reset(USER, reason="reviewed", by="operator", at=TRIPPED_AT) is not None
    with _cloud(template_path, tmp_path) as (_, controls):
        assert controls.kill_switch(USER).state is KillSwitchState.ACTIVE
    leaked = {t for t in threading.enumerate() if t.is_alive()} - threads_before
    assert not [t for t in leaked if t.name.startswith("ddb-stream:")]


def test_without_a_state_dir_nothing_is_kept(template_path: Path, tmp_path: Path) -> None:
    bots._model_for.cache_clear()
    with LocalCloud(template_path, http_port=0, frontend_dir=None, schedules_enabled=False) as cloud:
        assert cloud.restored is None
        _trip(DynamoBotControls(cloud.provisioned.table(BOTS.logical_id).name, host=cloud.moto_url))
    assert not list(tmp_path.iterdir())
    with _cloud(template_path, tmp_path) as (_, controls):
        assert controls.kill_switch(USER).state is KillSwitchState.ACTIVE


CRASHING_CLOUD = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from inplay.store.bots import DynamoBotControls
    from inplay.store.schema import BOTS
    from local.cloud import LocalCloud

    template, state_dir = sys.argv[1:3]
    cloud = LocalCloud(template, http_port=0, frontend_dir=None, schedules_enabled=False, state_dir=state_dir)
    cloud.start()
    controls = DynamoBotControls(cloud.provisioned.table(BOTS.logical_id).name, host=cloud.moto_url)
    controls.trip(
        "user-1", trigger="manual", reason="crash test", values={"n": "1"}, by="tester", event_id="ks-crash",
        at=datetime(2026, 1, 15, 2, 0, tzinfo=UTC),
    )
    print("tripped", flush=True)
    time.sleep(120)
    """
)


def test_a_tripped_kill_switch_survives_a_crash(template_path: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_CLOUD, str(template_path), str(tmp_path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # bounded by the test timeout
        assert line.strip() == "tripped", process.stderr.read() if process.stderr else ""
    finally:
        process.kill()  # SIGKILL: no clean stop, no compaction, no flush but the journal's own
        process.wait(30)
    assert process.returncode == -9
    assert (tmp_path / JOURNAL_NAME).exists()
    with _cloud(template_path, tmp_path) as (_, controls):
        switch = controls.kill_switch(USER)
        assert switch.state is KillSwitchState.TRIPPED
        assert (switch.trigger, switch.event_id) == ("manual", "ks-crash")
