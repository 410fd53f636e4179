"""Reading a template's WebSocket API: stage and route → function, as CDK synthesizes them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from local.cloud.errors import ProvisioningError
from local.cloud.websocket_routes import websocket_apis


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Other": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "WebSocketApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "WEBSOCKET"}},
        "HttpApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "WebSocketApi"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": _join(
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":apigateway:",
                    {"Ref": "AWS::Region"},
                    ":lambda:path/2015-03-31/functions/",
                    {"Fn::GetAtt": ["Fn", "Arn"]},
                    "/invocations",
                ),
            },
        },
        "ConnectRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "WebSocketApi"},
                "RouteKey": "$connect",
                "Target": _join("integrations/", {"Ref": "Integration"}),
            },
        },
        "DefaultRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "WebSocketApi"},
                "RouteKey": "$default",
                "Target": "integrations/Integration",
            },
        },
        "HttpRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "RouteKey": "GET /x",
                "Target": "integrations/Integration",
            },
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "WebSocketApi"}, "StageName": "live"},
        },
    }
}


def test_routes_and_stage_of_the_websocket_api_only() -> None:
    [api] = websocket_apis(TEMPLATE)
    assert api.logical_id == "WebSocketApi"
    assert api.stage == "live"
    assert dict(api.routes) == {"$connect": "Fn", "$default": "Fn"}


def test_no_websocket_api_and_no_resources() -> None:
    assert websocket_apis({"Resources": {"Fn": TEMPLATE["Resources"]["Fn"]}}) == ()
    assert websocket_apis({}) == ()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("ConnectRoute", "Target"), "routes/x", "integrations/<integration id>"),
        (("ConnectRoute", "RouteKey"), {"Ref": "Key"}, "RouteKey must be a literal"),
        (("Integration", "IntegrationType"), "HTTP_PROXY", "only Lambda proxy"),
        (("Integration", "IntegrationUri"), "arn:aws:lambda:us-east-1:1:function:x", "exactly one function"),
    ],
)
def test_unsupported_shapes_are_named(path: tuple[str, str], value: Any, message: str) -> None:
    template = copy.deepcopy(TEMPLATE)
    template["Resources"][path[0]]["Properties"][path[1]] = value
    with pytest.raises(ProvisioningError, match=message):
        websocket_apis(template)


def test_a_target_that_is_not_an_integration_is_refused() -> None:
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["ConnectRoute"]["Properties"]["Target"] = "integrations/Fn"
    with pytest.raises(ProvisioningError, match="is not an AWS::ApiGatewayV2::Integration"):
        websocket_apis(template)
