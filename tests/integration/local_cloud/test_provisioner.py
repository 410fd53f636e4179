"""Provisioning a CDK-shaped template into moto (in-process ``mock_aws``)."""

import importlib
import json

import boto3
import pytest

from local.cloud import streams
from local.cloud.errors import EnvConflictError, ProvisioningError, UnsupportedIntrinsicError
from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import load_template, provision
from local.cloud.testing import instant_waits, wait_for_execution
from tests.fixtures.local_cloud_handlers.lc_template import build_template

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def aws():
    with local_mock_aws(), instant_waits():
        yield


@pytest.fixture
def stack(aws):
    return provision(build_template(), env_overrides={"LC_GREETING": "overridden"})


def test_tables_have_the_templates_keys_indexes_stream_ttl_and_pitr(stack):
    ddb = boto3.client("dynamodb")
    events = stack.table("EventsTable")
    assert events.name == "EventsTable"
    described = ddb.describe_table(TableName="EventsTable")["Table"]
    assert described["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    (gsi,) = described["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_kind"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["kind", "at"]
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert events.stream_arn == described["LatestStreamArn"]
    ttl = ddb.describe_time_to_live(TableName="EventsTable")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = ddb.describe_continuous_backups(TableName="EventsTable")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    audit = ddb.describe_table(TableName="AuditTable")["Table"]  # an AWS::DynamoDB::GlobalTable (TableV2)
    assert [k["AttributeName"] for k in audit["KeySchema"]] == ["user_id", "seq"]
    assert stack.table("AuditTable1A2B3C4D").point_in_time_recovery
    assert stack.table("AuditTable").stream_arn is None


def test_functions_are_created_with_handler_settings_and_resolved_environment(stack):
    lam = boto3.client("lambda")
    config = lam.get_function_configuration(FunctionName="EchoFn")
    assert config["Handler"] == "lc_handlers.echo.handler"
    assert (config["Timeout"], config["MemorySize"], config["Runtime"]) == (20, 512, "python3.13")
    env = config["Environment"]["Variables"]
    assert env["LC_EVENTS_TABLE"] == "EventsTable"
    assert env["LC_TOPIC_ARN"] == stack.topics["AlertsTopicD4E5F6A7"]
    assert env["LC_MACHINE_ARN"] == stack.state_machines["OrderFlow0A1B2C3D"]
    assert env["LC_SECRET_ARN"] == stack.secrets["VenueSecret77AA88BB"]
    assert env["LC_BUCKET"] == "sitebucket"
    assert env["LC_STACK"] == "Inplay-us-east-1"
    echo = stack.function("EchoFnA1B2C3D4")
    assert (echo.name, echo.handler, echo.timeout_seconds) == ("EchoFn", "lc_handlers.echo.handler", 20)
    assert stack.function("EchoFn") is echo
    assert stack.function_by_arn(echo.arn) is echo
    assert set(stack.functions) == {
        "EchoFnA1B2C3D4",
        "FailFn5C7A2E10",
        "RecorderFn0F1E2D3C",
        "StreamFnB4C5D6E7",
        "ApiFn99887766",
    }
    assert stack.environment["LC_GREETING"] == "overridden"
    assert stack.environment["LC_EVENTS_TABLE"] == "EventsTable"


def test_invoke_runs_the_real_handler(stack, monkeypatch):
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)
    response = boto3.client("lambda").invoke(FunctionName="EchoFn", Payload=b'{"hi": 1}')
    result = json.loads(response["Payload"].read())
    assert result["event"] == {"hi": 1}
    assert result["greeting"] == "overridden"


def test_secret_bucket_topic_and_subscriptions_exist(stack):
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=stack.secrets["VenueSecret77AA88BB"])
    value = json.loads(secret["SecretString"])
    assert value["key_id"] == "demo"
    assert len(value["private_key"]) == 24 and value["private_key"].isalnum()
    assert boto3.client("s3").head_bucket(Bucket="sitebucket")["ResponseMetadata"]["HTTPStatusCode"] == 200
    subscriptions = boto3.client("sns").list_subscriptions_by_topic(
        TopicArn=stack.topics["AlertsTopicD4E5F6A7"]
    )
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions["Subscriptions"]] == [
        ("lambda", stack.function("StreamFn").arn)
    ]
    (mapping,) = boto3.client("lambda").list_event_source_mappings(FunctionName="StreamFn")[
        "EventSourceMappings"
    ]
    assert mapping["EventSourceArn"] == stack.table("EventsTable").stream_arn


def test_stream_mapping_from_the_template_delivers_inserts(stack):
    stream = importlib.import_module("lc_handlers.stream")

    stream.RECORDS.clear()
    boto3.client("dynamodb").put_item(TableName="EventsTable", Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert streams.drain(10)  # delivered asynchronously, after the write commits (as on AWS)
    assert [record["eventName"] for record in stream.RECORDS] == ["INSERT"]


def test_schedules_routes_and_skipped_resources_are_reported(stack):
    schedules = {rule.logical_id: rule for rule in stack.schedules}
    assert set(schedules) == {"RecorderSchedule3C4D5E6F", "NightlySchedule7A8B9C0D"}
    recorder = schedules["RecorderSchedule3C4D5E6F"]
    assert (recorder.expression, recorder.enabled) == ("rate(1 minute)", True)
    assert recorder.arn == "arn:aws:events:us-east-1:123456789012:rule/RecorderSchedule"
    (target,) = recorder.targets
    assert (target.kind, target.name, target.input) == ("lambda", "RecorderFn", None)
    nightly = schedules["NightlySchedule7A8B9C0D"]
    assert nightly.enabled is False and nightly.targets[0].input == '{"job":"nightly"}'
    (route,) = stack.routes
    assert (route.method, route.path, route.function_name, route.stage) == (
        "ANY",
        "/api/{proxy+}",
        "ApiFn",
        "v1",
    )
    assert route.binary_media_types == ("application/octet-stream",)
    skipped = {entry.logical_id: entry for entry in stack.skipped}
    assert skipped["FnRole1234ABCD"].type == "AWS::IAM::Role"
    assert "scheduler" in skipped["RecorderSchedule3C4D5E6F"].reason
    assert "event-pattern" in skipped["FillEventsRuleAB12CD34"].reason
    assert "MOCK" in skipped["ApiapiOPTIONS3C3D3E3F"].reason
    assert "email" in skipped["AlertsTopicEmailSub2A2B2C2D"].reason
    for logical_id in ("CDKMetadata", "CoreLayer9F8E7D6C", "ApiFnLogGroupAABBCCDD", "Api5E6D7C8B"):
        assert logical_id in skipped
    # Nothing was registered with EventBridge in moto (the put_events trap).
    assert boto3.client("events").list_rules()["Rules"] == []


def test_the_state_machine_is_executable_and_runs_the_real_asl(stack):
    sfn = boto3.client("stepfunctions")
    arn = stack.state_machines["OrderFlow0A1B2C3D"]
    execution = sfn.start_execution(stateMachineArn=arn, input='{"market": "KXNBA"}')
    result = wait_for_execution(sfn, execution["executionArn"], timeout=20)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"caught": "VenueUnavailableError", "fn": "EchoFn"}


def test_definition_s3_location_with_substitutions(aws, tmp_path):
    template = build_template()
    asl = {"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": "${EchoArn}", "End": True}}}
    (tmp_path / "asset.abc123.json").write_text(json.dumps(asl))
    template["Resources"]["OrderFlow0A1B2C3D"]["Properties"] = {
        "RoleArn": {"Fn::GetAtt": ["FnRole1234ABCD", "Arn"]},
        "DefinitionS3Location": {"Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}"}, "Key": "abc123.json"},
        "DefinitionSubstitutions": {"EchoArn": {"Fn::GetAtt": ["EchoFnA1B2C3D4", "Arn"]}},
    }
    stack = provision(template, asset_dir=tmp_path)
    sfn = boto3.client("stepfunctions")
    definition = json.loads(
        sfn.describe_state_machine(stateMachineArn=stack.state_machines["OrderFlow0A1B2C3D"])["definition"]
    )
    assert definition["States"]["Echo"]["Resource"] == stack.function("EchoFn").arn


def test_an_unsupported_intrinsic_names_the_resource_and_intrinsic(aws):
    template = build_template()
    env = template["Resources"]["EchoFnA1B2C3D4"]["Properties"]["Environment"]["Variables"]
    env["LC_REGION_AZ"] = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    with pytest.raises(UnsupportedIntrinsicError) as info:
        provision(template)
    message = str(info.value)
    assert "EchoFnA1B2C3D4" in message and "LC_REGION_AZ" in message and "Fn::GetAZs" in message


def test_an_unsupported_get_att_is_a_clear_error(aws):
    template = build_template()
    env = template["Resources"]["FailFn5C7A2E10"]["Properties"]["Environment"]["Variables"]
    env["LC_KEY"] = {"Fn::GetAtt": ["FnRole1234ABCD", "RoleId"]}
    with pytest.raises(
        UnsupportedIntrinsicError, match=r"Fn::GetAtt FnRole1234ABCD.RoleId \(AWS::IAM::Role\)"
    ):
        provision(template)


def test_conflicting_function_environments_are_rejected_unless_overridden(aws):
    template = build_template()
    template["Resources"]["FailFn5C7A2E10"]["Properties"]["Environment"]["Variables"]["LC_GREETING"] = "bye"
    with pytest.raises(EnvConflictError, match="LC_GREETING"):
        provision(template)


def test_an_unknown_schedule_expression_names_the_rule(aws):
    template = build_template()
    template["Resources"]["RecorderSchedule3C4D5E6F"]["Properties"]["ScheduleExpression"] = "rate(5 minute)"
    with pytest.raises(ProvisioningError, match=r"RecorderSchedule3C4D5E6F.*rate\(5 minute\)"):
        provision(template)


def test_load_template_errors(tmp_path):
    with pytest.raises(ProvisioningError, match="not found"):
        load_template(tmp_path / "missing.template.json")
    bad = tmp_path / "bad.template.json"
    bad.write_text("{not json")
    with pytest.raises(ProvisioningError, match="not readable JSON"):
        load_template(bad)
    empty = tmp_path / "empty.template.json"
    empty.write_text("{}")
    with pytest.raises(ProvisioningError, match="no Resources"):
        load_template(empty)


def test_explicit_names_in_the_template_are_used(aws):
    template = build_template()
    resources = template["Resources"]
    resources["EventsTable6C3A5F7E"]["Properties"]["TableName"] = "inplay-events"
    resources["EchoFnA1B2C3D4"]["Properties"]["FunctionName"] = {"Fn::Sub": "${AWS::StackName}-echo"}
    stack = provision(template, stack_name="Demo")
    assert stack.table("EventsTable6C3A5F7E").name == "inplay-events"
    assert stack.function("EchoFnA1B2C3D4").name == "Demo-echo"
    assert stack.environment["LC_EVENTS_TABLE"] == "inplay-events"
    definition = boto3.client("stepfunctions").describe_state_machine(
        stateMachineArn=stack.state_machines["OrderFlow0A1B2C3D"]
    )["definition"]
    assert ":function:Demo-echo" in definition
