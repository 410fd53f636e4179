"""API Gateway REST API: Lambda proxy to the ``api`` function on ``/api``, ``/api/{proxy+}`` and the
resources of the public routes (authorization itself: ``test_auth.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.constants import (
    API_PATH,
    API_STAGE,
    API_THROTTLE_BURST,
    API_THROTTLE_RATE,
    API_URL_OUTPUT,
    DEFAULT_CORS_ORIGINS,
    function_logical_id,
)
from inplay.config import API
from tests.infra.helpers import of_type, ref_target

pytestmark = pytest.mark.slow

ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"


@pytest.fixture(scope="module")
def rest_api_id(resources: dict[str, Any]) -> str:
    [api_id] = of_type(resources, "AWS::ApiGateway::RestApi")
    return api_id


def _resources_by_path(resources: dict[str, Any]) -> dict[str, str]:
    """``"api"`` / ``"api/{proxy+}"`` → logical id of the ``AWS::ApiGateway::Resource``."""
    parts = {name: r["Properties"] for name, r in of_type(resources, "AWS::ApiGateway::Resource").items()}
    paths: dict[str, str] = {}
    for name, props in parts.items():
        segments = [props["PathPart"]]
        parent = ref_target(props["ParentId"])
        while parent in parts:
            segments.insert(0, parts[parent]["PathPart"])
            parent = ref_target(parts[parent]["ParentId"])
        paths["/".join(segments)] = name
    return paths


def _api_methods(resources: dict[str, Any], rest_api_id: str) -> list[dict[str, Any]]:
    return [
        m["Properties"]
        for m in of_type(resources, "AWS::ApiGateway::Method").values()
        if ref_target(m["Properties"]["RestApiId"]) == rest_api_id
    ]


def test_routes_proxy_to_the_api_function(resources: dict[str, Any], rest_api_id: str) -> None:
    paths = _resources_by_path(resources)
    # Every resource made for a public route keeps an ANY and a {proxy+} child (see test_auth.py).
    made = {
        API_PATH,
        f"{API_PATH}/health",
        f"{API_PATH}/auth",
        f"{API_PATH}/auth/sign-in",
        f"{API_PATH}/auth/refresh",
    }
    assert set(paths) == made | {f"{path}/{{proxy+}}" for path in made}
    methods = [m for m in _api_methods(resources, rest_api_id) if m["HttpMethod"] != "OPTIONS"]
    proxied = {ref_target(m["ResourceId"]): m for m in methods if m["HttpMethod"] == "ANY"}
    assert set(proxied) == set(paths.values())
    for props in methods:
        assert ref_target(props["RestApiId"]) == rest_api_id
        integration = props["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        uri_parts = integration["Uri"]["Fn::Join"][1]
        assert {"Fn::GetAtt": [function_logical_id(API.name), "Arn"]} in uri_parts


def test_cors_preflight_for_the_dashboard(template: dict[str, Any]) -> None:
    cdk_template = Template.from_json(template)
    preflight = cdk_template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "OPTIONS"}}
    )
    assert len(preflight) == len(_resources_by_path(template["Resources"]))  # one per resource
    cdk_template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "OPTIONS",
            "Integration": Match.object_like(
                {
                    "Type": "MOCK",
                    "IntegrationResponses": [
                        Match.object_like(
                            {
                                "ResponseParameters": Match.object_like(
                                    {ALLOW_ORIGIN: f"'{DEFAULT_CORS_ORIGINS[0]}'"}
                                )
                            }
                        )
                    ],
                }
            ),
        },
    )


def test_stage_logging_throttling_tracing(resources: dict[str, Any], rest_api_id: str) -> None:
    [stage] = of_type(resources, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == API_STAGE
    assert ref_target(props["RestApiId"]) == rest_api_id
    assert props["TracingEnabled"] is True
    [settings] = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == API_THROTTLE_RATE
    assert settings["ThrottlingBurstLimit"] == API_THROTTLE_BURST
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    access = props["AccessLogSetting"]
    assert set(json.loads(access["Format"])) >= {"requestId", "status", "httpMethod", "resourcePath"}
    log_groups = [ref_target(part) for part in access["DestinationArn"]["Fn::Join"][1]]
    [log_group] = [lg for lg in log_groups if lg in resources]
    assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert resources[log_group]["Properties"]["RetentionInDays"] == 90


def test_invoke_permission_is_scoped_to_this_api(resources: dict[str, Any], rest_api_id: str) -> None:
    permissions = [
        p["Properties"]
        for p in of_type(resources, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
        and ref_target(p["Properties"]["FunctionName"]) == function_logical_id(API.name)
    ]
    methods = [m for m in _api_methods(resources, rest_api_id) if m["HttpMethod"] != "OPTIONS"]
    assert len(permissions) == len(methods)  # one per method; no test-invoke grants
    for permission in permissions:
        assert ref_target(permission["FunctionName"]) == function_logical_id(API.name)
        assert {"Ref": rest_api_id} in permission["SourceArn"]["Fn::Join"][1]


def test_api_url_output(template: dict[str, Any], rest_api_id: str) -> None:
    assert API_URL_OUTPUT in template["Outputs"]  # the alerts outputs are checked in test_alerts.py
    parts = template["Outputs"][API_URL_OUTPUT]["Value"]["Fn::Join"][1]
    assert parts[0] == "https://"
    assert {"Ref": rest_api_id} in parts
    assert parts[-1] == f"/{API_PATH}"
