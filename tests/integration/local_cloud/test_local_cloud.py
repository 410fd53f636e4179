"""The whole local cloud against an in-process moto *server*: the path the demo takes."""

import importlib
import json
import os
import threading
import time

import boto3
import httpx
import pytest

from local.cloud import LocalCloud, lambda_patch
from local.cloud.errors import EnvConflictError, LocalCloudError
from local.cloud.testing import instant_waits, wait_for_execution
from tests.fixtures.local_cloud_handlers.lc_template import build_template, write_template

pytestmark = pytest.mark.timeout(90)


def _eventually(predicate, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def _threads_settle(before):
    def settled():
        return {t for t in threading.enumerate() if t.is_alive()} <= before

    _eventually(settled, timeout=5)


@pytest.fixture
def frontend(tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<title>dash</title>")
    return dist


def test_local_cloud_runs_the_template_end_to_end(tmp_path, frontend, monkeypatch):
    stream = importlib.import_module("lc_handlers.stream")

    stream.RECORDS.clear()
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-profile")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    threads_before = set(threading.enumerate())
    template_path = write_template(tmp_path)
    cloud = LocalCloud(
        template_path,
        http_port=0,
        speed=60,
        env_overrides={"LC_GREETING": "from-override"},
        frontend_dir=frontend,
    )
    with instant_waits(), cloud:
        assert cloud.startup_seconds is not None and cloud.startup_seconds < 30
        assert os.environ["AWS_ENDPOINT_URL"] == cloud.moto_url
        assert os.environ["MOTO_PORT"] == cloud.moto_url.rsplit(":", 1)[1]
        assert os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] == "disabled"
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["LC_GREETING"] == "from-override"
        assert os.environ["LC_EVENTS_TABLE"] == "EventsTable"
        assert lambda_patch.is_installed()

        # The schedule fired at once: the recorder wrote through boto3 → moto server, and the table's
        # stream mapping delivered the INSERT to the stream function.
        ddb = boto3.client("dynamodb")
        items = _eventually(
            lambda: ddb.query(
                TableName="EventsTable",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "aws.events"}},
            )["Items"]
        )
        event = json.loads(items[0]["event"]["S"])
        assert event["detail-type"] == "Scheduled Event"
        assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/RecorderSchedule"]
        assert items[0]["function"]["S"] == "RecorderFn"
        _eventually(lambda: any(r["eventName"] == "INSERT" for r in stream.RECORDS))

        # The REST API through the HTTP adapter, and the dashboard.
        with httpx.Client(timeout=10) as http:
            api = http.get(cloud.api_url + "/health", params={"x": "1"})
            assert api.status_code == 200, api.text
            assert api.json()["resource"] == "/api/{proxy+}" and api.json()["stage"] == "v1"
            assert http.get(cloud.api_url + "/boom").status_code == 502
            assert "<title>dash</title>" in http.get(cloud.http_url + "/").text

        # Step Functions call Lambda back through the server (MOTO_PORT) and Catch by class name.
        sfn = boto3.client("stepfunctions")
        execution = sfn.start_execution(
            stateMachineArn=cloud.provisioned.state_machines["OrderFlow0A1B2C3D"], input='{"market": "M"}'
        )
        result = wait_for_execution(sfn, execution["executionArn"], timeout=20)
        assert result["status"] == "SUCCEEDED", result
        assert json.loads(result["output"])["caught"] == "VenueUnavailableError"

        assert cloud.scheduler is not None
        assert cloud.scheduler.stats()["RecorderSchedule3C4D5E6F"].fired >= 1
        assert "NightlySchedule7A8B9C0D" not in cloud.scheduler.stats()  # DISABLED
        moto_url, http_url = cloud.moto_url, cloud.http_url

    assert not cloud.running
    assert os.environ["AWS_PROFILE"] == "someone-elses-profile"
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert "LC_GREETING" not in os.environ
    assert not lambda_patch.is_installed()
    for url in (moto_url, http_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/", timeout=2)
    _threads_settle(threads_before)
    cloud.stop()  # idempotent
    with pytest.raises(LocalCloudError, match="not running"):
        _ = cloud.provisioned


def test_a_failed_start_cleans_up_after_itself(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    template = build_template()
    template["Resources"]["FailFn5C7A2E10"]["Properties"]["Environment"]["Variables"]["LC_GREETING"] = "bye"
    path = tmp_path / "Conflict.template.json"
    path.write_text(json.dumps(template))
    threads_before = set(threading.enumerate())
    cloud = LocalCloud(path, http_port=0)
    with pytest.raises(EnvConflictError):
        cloud.start()
    assert not cloud.running
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert not lambda_patch.is_installed()
    _threads_settle(threads_before)


def test_a_busy_http_port_is_a_clear_error(tmp_path, monkeypatch):
    import socket

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        cloud = LocalCloud(write_template(tmp_path), http_port=busy.getsockname()[1], schedules_enabled=False)
        with pytest.raises(LocalCloudError, match="cannot listen"):
            cloud.start()
    assert not cloud.running
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_a_busy_moto_port_is_a_clear_error_not_a_hang(monkeypatch):
    import socket

    from local.cloud.moto_runtime import MotoRuntime

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        runtime = MotoRuntime(busy.getsockname()[1])
        with pytest.raises(LocalCloudError, match="cannot start the moto server"):
            runtime.start()
    assert not runtime.running
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_the_moto_runtime_configures_moto_and_restores_it(monkeypatch):
    from moto.core.config import default_user_config

    from local.cloud.moto_runtime import MotoRuntime

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "https://dynamodb.example.invalid")
    before = dict(default_user_config["stepfunctions"])
    with MotoRuntime() as runtime:
        assert default_user_config["stepfunctions"] == {"execute_state_machine": True}
        assert "AWS_ENDPOINT_URL_DYNAMODB" not in os.environ
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        boto3.client("sqs").create_queue(QueueName="q")
        assert boto3.client("sqs").list_queues()["QueueUrls"][0].endswith("/q")
        url = runtime.url
    assert default_user_config["stepfunctions"] == before
    assert os.environ["AWS_ENDPOINT_URL_DYNAMODB"] == "https://dynamodb.example.invalid"
    assert "AWS_ENDPOINT_URL" not in os.environ
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=2)
    # A fresh server starts from an empty moto (stop() reset the state).
    with MotoRuntime():
        assert boto3.client("sqs").list_queues().get("QueueUrls", []) == []
