"""The Lambda patch under ``mock_aws``: every trigger runs the real handler in-process."""

import importlib
import io
import json
import zipfile

import boto3
import pytest

from local.cloud import streams
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.testing import instant_waits, wait_for_execution

pytestmark = pytest.mark.timeout(60)


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.txt", "")
    return buffer.getvalue()


@pytest.fixture
def aws():
    with local_mock_aws(), instant_waits():
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="lc-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda")
        arns = {}
        for name, handler in [
            ("echo", "lc_handlers.echo.handler"),
            ("fail", "lc_handlers.failing.handler"),
            ("collect", "lc_handlers.stream.handler"),
        ]:
            arns[name] = lam.create_function(
                FunctionName=name,
                Runtime="python3.13",
                Role=role,
                Handler=handler,
                Code={"ZipFile": _zip()},
                Timeout=7,
                MemorySize=192,
            )["FunctionArn"]
        yield {"lambda": lam, "role": role, "arns": arns}


@pytest.fixture(autouse=True)
def _clear_records():
    failing = importlib.import_module("lc_handlers.failing")
    stream = importlib.import_module("lc_handlers.stream")

    stream.RECORDS.clear()
    failing.CALLS.clear()


def test_direct_invoke_returns_the_handlers_result(aws):
    response = aws["lambda"].invoke(FunctionName="echo", Payload=json.dumps({"x": 1}))
    assert "FunctionError" not in response
    result = json.loads(response["Payload"].read())
    assert result["event"] == {"x": 1}
    assert result["function_name"] == "echo"
    assert result["memory_limit_in_mb"] == 192
    assert result["invoked_function_arn"] == aws["arns"]["echo"]
    assert 6_000 < result["remaining_ms"] <= 7_000


def test_an_exception_surfaces_as_function_error_named_after_its_class(aws):
    response = aws["lambda"].invoke(FunctionName="fail", Payload=json.dumps({"market": "KXNBA"}))
    assert response["FunctionError"]
    body = json.loads(response["Payload"].read())
    assert body["errorType"] == "VenueUnavailableError"
    assert body["errorMessage"] == "venue down for KXNBA"


def test_step_functions_retry_and_catch_match_the_error_class_name(aws):
    definition = {
        "StartAt": "Place",
        "States": {
            "Place": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": aws["arns"]["fail"], "Payload.$": "$"},
                "Retry": [{"ErrorEquals": ["VenueUnavailableError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [
                    {"ErrorEquals": ["SomethingElse"], "Next": "Wrong"},
                    {"ErrorEquals": ["VenueUnavailableError"], "ResultPath": "$.error", "Next": "Pause"},
                ],
                "Next": "Wrong",
            },
            "Pause": {"Type": "Wait", "Seconds": 3600, "Next": "Recovered"},
            "Recovered": {"Type": "Pass", "End": True},
            "Wrong": {"Type": "Fail", "Error": "WrongPath"},
        },
    }
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name="flow", definition=json.dumps(definition), roleArn=aws["role"])
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"market": "M1"})
    )
    result = wait_for_execution(sfn, execution["executionArn"], timeout=20)
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["error"]["Error"] == "VenueUnavailableError"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "venue down for M1"
    failing = importlib.import_module("lc_handlers.failing")

    assert len(failing.CALLS) == 2  # the first try and one retry


def test_sns_publish_runs_the_subscribed_lambda(aws):
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=aws["arns"]["collect"])
    sns.publish(TopicArn=topic, Message="kill switch tripped", Subject="ALERT")
    stream = importlib.import_module("lc_handlers.stream")

    assert [record["Sns"]["Message"] for record in stream.RECORDS] == ["kill switch tripped"]
    assert stream.RECORDS[0]["EventSource"] == "aws:sns"


def test_a_dynamodb_stream_mapping_delivers_insert_records(aws):
    ddb = boto3.client("dynamodb")
    table = ddb.create_table(
        TableName="games",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    aws["lambda"].create_event_source_mapping(
        EventSourceArn=table["LatestStreamArn"], FunctionName="collect", StartingPosition="TRIM_HORIZON"
    )
    ddb.put_item(TableName="games", Item={"pk": {"S": "nba#1"}, "score": {"N": "3"}})
    stream = importlib.import_module("lc_handlers.stream")

    assert streams.drain(10)  # delivered asynchronously, after the write commits (as on AWS)

    assert [record["eventName"] for record in stream.RECORDS] == ["INSERT"]
    assert stream.RECORDS[0]["dynamodb"]["NewImage"] == {"pk": {"S": "nba#1"}, "score": {"N": "3"}}


def test_instant_waits_is_scoped_and_restores_moto():
    import time as real_time

    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    before = WaitFunction._wait_interval
    with instant_waits():
        assert WaitFunction._wait_interval is not before
        assert vars(retrier_decl)["time"] is not real_time
        assert vars(retrier_decl)["time"].monotonic() > 0  # everything but sleep is the real module
    assert WaitFunction._wait_interval is before
    assert vars(retrier_decl)["time"] is real_time
