"""SQS queues from the template (with a redrive policy to a queue defined later), and the resources
the local cloud skips on purpose (KMS, resource policies, alarms, async invoke configs) with reasons."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from local.cloud.moto_runtime import local_mock_aws
from local.cloud.provisioner import provision

pytestmark = pytest.mark.timeout(60)


def _template() -> dict[str, Any]:
    return {
        "Resources": {
            "WorkQueue1A2B3C4D": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "VisibilityTimeout": 45,
                    "MessageRetentionPeriod": 1209600,
                    "SqsManagedSseEnabled": True,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters5E6F7A8B", "Arn"]},
                        "maxReceiveCount": 3,
                    },
                },
            },
            "DeadLetters5E6F7A8B": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "OrderedC0FFEE00": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"FifoQueue": True, "ContentBasedDeduplication": True},
            },
            "QueuePolicy0A0B0C0D": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {"Queues": [{"Ref": "WorkQueue1A2B3C4D"}], "PolicyDocument": {"Statement": []}},
            },
            "TopicKey11111111": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}},
            "DepthAlarm22222222": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "Dimensions": [
                        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeadLetters5E6F7A8B", "QueueName"]}}
                    ]
                },
            },
            "ConsumerFn33333333": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "lc_handlers.echo.handler",
                    "Runtime": "python3.13",
                    "Environment": {
                        "Variables": {
                            "QUEUE_URL": {"Ref": "WorkQueue1A2B3C4D"},
                            "DLQ_ARN": {"Fn::GetAtt": ["DeadLetters5E6F7A8B", "Arn"]},
                        }
                    },
                },
            },
            "ConsumerInvokeConfig44444444": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": "ConsumerFn33333333"},
                    "Qualifier": "$LATEST",
                    "DestinationConfig": {
                        "OnFailure": {"Destination": {"Fn::GetAtt": ["DeadLetters5E6F7A8B", "Arn"]}}
                    },
                },
            },
        }
    }


@pytest.fixture
def stack():
    with local_mock_aws():
        yield provision(_template())


def test_queues_are_created_with_their_attributes_and_redrive_policy(stack) -> None:
    sqs = boto3.client("sqs")
    assert set(stack.queues) == {"WorkQueue1A2B3C4D", "DeadLetters5E6F7A8B", "OrderedC0FFEE00"}
    work = sqs.get_queue_attributes(QueueUrl=stack.queues["WorkQueue1A2B3C4D"], AttributeNames=["All"])[
        "Attributes"
    ]
    assert work["VisibilityTimeout"] == "45"
    assert work["MessageRetentionPeriod"] == "1209600"
    dead_letters_arn = "arn:aws:sqs:us-east-1:123456789012:DeadLetters"
    assert json.loads(work["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters_arn,
        "maxReceiveCount": 3,
    }
    assert stack.queues["OrderedC0FFEE00"].endswith("/Ordered.fifo")
    ordered = sqs.get_queue_attributes(QueueUrl=stack.queues["OrderedC0FFEE00"], AttributeNames=["FifoQueue"])
    assert ordered["Attributes"]["FifoQueue"] == "true"
    # Ref is the queue URL and Fn::GetAtt Arn the ARN, as in CloudFormation; both usable with boto3.
    env = stack.function("ConsumerFn").environment
    assert env["QUEUE_URL"] == stack.queues["WorkQueue1A2B3C4D"]
    assert env["DLQ_ARN"] == dead_letters_arn
    sqs.send_message(QueueUrl=env["QUEUE_URL"], MessageBody="hello")
    [message] = sqs.receive_message(QueueUrl=env["QUEUE_URL"])["Messages"]
    assert message["Body"] == "hello"


def test_what_the_local_cloud_does_not_emulate_is_reported_with_a_reason(stack) -> None:
    skipped = {entry.logical_id: entry for entry in stack.skipped}
    assert "KMS" in skipped["TopicKey11111111"].reason
    assert "not enforced" in skipped["QueuePolicy0A0B0C0D"].reason
    assert "alarms" in skipped["DepthAlarm22222222"].reason
    assert "on-failure destination" in skipped["ConsumerInvokeConfig44444444"].reason
    assert not {"WorkQueue1A2B3C4D", "DeadLetters5E6F7A8B", "OrderedC0FFEE00"} & set(skipped)
