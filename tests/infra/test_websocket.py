"""The live-updates WebSocket API: routes → the websocket function, a throttled and logged stage,
the broadcaster's stream mappings, management endpoint and its ManageConnections grant."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constants import (
    WEBSOCKET_STAGE,
    WEBSOCKET_THROTTLE_BURST,
    WEBSOCKET_THROTTLE_RATE,
    WEBSOCKET_URL_OUTPUT,
    function_logical_id,
    stream_mapping_logical_id,
)
from infra.constructs.websocket import ROUTE_KEYS, WEBSOCKET_API_LOGICAL_ID, WEBSOCKET_STAGE_LOGICAL_ID
from inplay.config import BROADCASTER, FUNCTIONS, WEBSOCKET, Env
from inplay.store.schema import BOTS, CONNECTIONS, POSITIONS
from tests.infra.helpers import as_list, of_type, ref_target, role_statements

pytestmark = pytest.mark.slow

HANDLER = function_logical_id(WEBSOCKET.name)
BROADCASTER_ID = function_logical_id(BROADCASTER.name)


def _routes(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in of_type(resources, "AWS::ApiGatewayV2::Route").values()
    }


def test_one_websocket_api_with_the_three_routes_on_the_websocket_function(resources: dict[str, Any]) -> None:
    [api_id] = of_type(resources, "AWS::ApiGatewayV2::Api")
    assert api_id == WEBSOCKET_API_LOGICAL_ID
    assert resources[api_id]["Properties"]["ProtocolType"] == "WEBSOCKET"
    routes = _routes(resources)
    assert set(routes) == set(ROUTE_KEYS)
    for key, route in routes.items():
        assert route["ApiId"] == {"Ref": api_id}, key
        # No API Gateway authorizer: $connect's handler verifies the ?token= (nag-acknowledged).
        assert route["AuthorizationType"] == "NONE", key
        integration_id = ref_target(route["Target"]["Fn::Join"][1][1])
        assert integration_id is not None, key
        integration = resources[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert {"Fn::GetAtt": [HANDLER, "Arn"]} in integration["IntegrationUri"]["Fn::Join"][1]
    [response] = of_type(resources, "AWS::ApiGatewayV2::RouteResponse").values()
    assert ref_target(response["Properties"]["RouteId"]) in {
        name
        for name, r in of_type(resources, "AWS::ApiGatewayV2::Route").items()
        if r["Properties"]["RouteKey"] == "$default"
    }  # the PONG answer reaches the client


def test_routes_are_acknowledged_for_authorizing_in_the_function(resources: dict[str, Any]) -> None:
    for name, route in of_type(resources, "AWS::ApiGatewayV2::Route").items():
        rules = {r["id"]: r["reason"] for r in route["Metadata"]["cdk_nag"]["rules_to_suppress"]}
        assert "ID token" in rules["AwsSolutions-APIG4"], name


def test_only_this_api_may_invoke_the_websocket_function_per_route(resources: dict[str, Any]) -> None:
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if ref_target(p["Properties"]["FunctionName"]) == HANDLER
    ]
    assert len(permissions) == len(ROUTE_KEYS)
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        parts = permission["SourceArn"]["Fn::Join"][1]
        assert {"Ref": WEBSOCKET_API_LOGICAL_ID} in parts
        assert parts[-1] in {f"/*{key}" for key in ROUTE_KEYS}


def test_stage_is_auto_deployed_throttled_and_access_logged(resources: dict[str, Any]) -> None:
    [stage_id] = of_type(resources, "AWS::ApiGatewayV2::Stage")
    assert stage_id == WEBSOCKET_STAGE_LOGICAL_ID
    stage = resources[stage_id]
    props = stage["Properties"]
    assert props["StageName"] == WEBSOCKET_STAGE
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": WEBSOCKET_THROTTLE_BURST,
        "ThrottlingRateLimit": WEBSOCKET_THROTTLE_RATE,
    }
    access = props["AccessLogSettings"]
    log_group = ref_target(access["DestinationArn"])
    assert log_group is not None
    assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert resources[log_group]["Properties"]["RetentionInDays"] == 90
    fields = json.loads(access["Format"])
    assert {"requestId", "routeKey", "status", "connectionId"} <= set(fields)
    assert not any("body" in value.lower() for value in fields.values())
    # Access logging needs API Gateway's account-level CloudWatch role first.
    assert any(resources[d]["Type"] == "AWS::ApiGateway::Account" for d in as_list(stage["DependsOn"]))


def test_the_broadcaster_reads_the_positions_and_bots_streams(resources: dict[str, Any]) -> None:
    assert BROADCASTER.streams == {Env.POSITIONS_TABLE, Env.BOTS_TABLE}
    for table in (POSITIONS, BOTS):
        mapping = resources[stream_mapping_logical_id(BROADCASTER.name, table.env)]["Properties"]
        assert mapping["FunctionName"] == {"Ref": BROADCASTER_ID}
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table.logical_id, "StreamArn"]}
        assert resources[table.logical_id]["Properties"]["StreamSpecification"] == {
            "StreamViewType": "NEW_AND_OLD_IMAGES"  # messages compare old and new
        }


def test_the_broadcaster_gets_the_management_endpoint(resources: dict[str, Any]) -> None:
    env = resources[BROADCASTER_ID]["Properties"]["Environment"]["Variables"]
    parts = env[Env.WS_ENDPOINT.value]["Fn::Join"][1]
    assert parts[0] == "https://"
    assert parts[1] == {"Ref": WEBSOCKET_API_LOGICAL_ID}
    assert parts[-1] == f"/{WEBSOCKET_STAGE}"
    assert env[Env.CONNECTIONS_TABLE.value] == {"Ref": CONNECTIONS.logical_id}


def test_only_the_broadcaster_may_manage_connections_of_this_stage(resources: dict[str, Any]) -> None:
    for spec in FUNCTIONS:
        role = ref_target(resources[function_logical_id(spec.name)]["Properties"]["Role"])
        assert role is not None
        statements = [
            s
            for s in role_statements(resources, role)
            if any(a.startswith("execute-api:") for a in as_list(s["Action"]))
        ]
        if spec is not BROADCASTER:
            assert statements == [], spec.name
            continue
        [statement] = statements
        assert as_list(statement["Action"]) == ["execute-api:ManageConnections"]
        [resource] = as_list(statement["Resource"])
        parts = resource["Fn::Join"][1]
        assert {"Ref": WEBSOCKET_API_LOGICAL_ID} in parts
        assert parts[-1] == f"/{WEBSOCKET_STAGE}/*/@connections/*"


def test_the_websocket_function_only_touches_the_connections_table(resources: dict[str, Any]) -> None:
    env = resources[HANDLER]["Properties"]["Environment"]["Variables"]
    assert {name for name in env if name.endswith("_TABLE")} == {Env.CONNECTIONS_TABLE.value}
    assert ref_target(env[Env.COGNITO_USER_POOL_ID.value]) is not None  # verifies tokens of this pool


def test_websocket_url_output(template: dict[str, Any]) -> None:
    output = template["Outputs"][WEBSOCKET_URL_OUTPUT]
    parts = output["Value"]["Fn::Join"][1]
    assert parts[0] == "wss://"
    assert parts[1] == {"Ref": WEBSOCKET_API_LOGICAL_ID}
    assert parts[-1] == f"/{WEBSOCKET_STAGE}"
    assert "token" in output["Description"]
