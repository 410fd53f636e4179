"""Each function in the template is built from its ``FunctionSpec`` and settings model."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constants import (
    DEFAULT_CORS_ORIGINS,
    EXTRA_ENVIRONMENT,
    FUNCTION_METADATA_KEY,
    function_logical_id,
)
from infra.wiring import settings_aliases
from inplay.config import (
    DASHBOARD_ENVS,
    FUNCTION_ENVS,
    FUNCTIONS,
    SECRET_ENVS,
    STATE_MACHINE_ENVS,
    TOPIC_ENVS,
    WEBSOCKET_ENVS,
    Env,
    FunctionSpec,
    load_settings,
)
from inplay.store.schema import TABLES
from tests.infra.helpers import of_type, ref_target

pytestmark = pytest.mark.slow

RETENTION_DAYS = {"ONE_MONTH": 30, "THREE_MONTHS": 90}


def _function(resources: dict[str, Any], spec: FunctionSpec) -> dict[str, Any]:
    props: dict[str, Any] = resources[function_logical_id(spec.name)]["Properties"]
    return props


def test_one_function_per_spec(resources: dict[str, Any]) -> None:
    every = of_type(resources, "AWS::Lambda::Function")
    functions = {name: f for name, f in every.items() if FUNCTION_METADATA_KEY in f.get("Metadata", {})}
    assert set(functions) == {function_logical_id(spec.name) for spec in FUNCTIONS}
    assert {f["Metadata"][FUNCTION_METADATA_KEY] for f in functions.values()} == {s.name for s in FUNCTIONS}
    # The others are CDK's own custom-resource handlers (the dashboard's deployment, bucket emptying).
    providers = {
        ref_target(r["Properties"]["ServiceToken"])
        for r in resources.values()
        if r["Type"].startswith("Custom::")
    }
    assert set(every) - set(functions) <= providers


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_properties(resources: dict[str, Any], spec: FunctionSpec) -> None:
    props = _function(resources, spec)
    assert props["Handler"] == spec.handler
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["x86_64"]
    assert props["Timeout"] == spec.timeout_seconds
    assert props["MemorySize"] == spec.memory_mb
    assert props["Description"] == spec.description
    assert props["TracingConfig"] == {"Mode": "Active"}
    [layer] = [ref_target(layer) for layer in props["Layers"]]
    assert layer is not None
    assert resources[layer]["Type"] == "AWS::Lambda::LayerVersion"
    assert resources[layer]["Properties"]["CompatibleRuntimes"] == ["python3.13"]


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_log_group_with_retention(resources: dict[str, Any], spec: FunctionSpec) -> None:
    log_group = ref_target(_function(resources, spec)["LoggingConfig"]["LogGroup"])
    assert log_group is not None
    assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert resources[log_group]["Properties"]["RetentionInDays"] == RETENTION_DAYS["ONE_MONTH"]


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_environment_is_exactly_the_settings_model(resources: dict[str, Any], spec: FunctionSpec) -> None:
    env = _function(resources, spec)["Environment"]["Variables"]
    unset = {  # variables whose default is None are left unset (the model's default applies)
        field.alias
        for field in spec.settings.model_fields.values()
        if not field.is_required() and field.get_default(call_default_factory=True) is None
    }
    assert set(env) == (set(settings_aliases(spec)) - unset) | set(EXTRA_ENVIRONMENT)
    tables = {table.env.value: table.logical_id for table in TABLES}
    arn_types = (
        {e.value: "AWS::SecretsManager::Secret" for e in SECRET_ENVS}
        | {e.value: "AWS::SNS::Topic" for e in TOPIC_ENVS}
        | {e.value: "AWS::StepFunctions::StateMachine" for e in STATE_MACHINE_ENVS}
        | {e.value: "AWS::Lambda::Function" for e in FUNCTION_ENVS}
        | {Env.COGNITO_USER_POOL_ID.value: "AWS::Cognito::UserPool"}
        | {Env.COGNITO_CLIENT_ID.value: "AWS::Cognito::UserPoolClient"}
        | {e.value: "AWS::ApiGatewayV2::Api" for e in WEBSOCKET_ENVS}
        | {e.value: "AWS::CloudFront::Distribution" for e in DASHBOARD_ENVS}
    )
    for name, value in env.items():
        if name in tables:
            assert value == {"Ref": tables[name]}, name
        elif name in {e.value for e in FUNCTION_ENVS}:  # a Ref to a function is its name
            assert value == {"Ref": function_logical_id(FUNCTION_ENVS[Env(name)])}, name
        elif name in {e.value for e in WEBSOCKET_ENVS}:  # the WebSocket stage's management endpoint
            parts = value["Fn::Join"][1]
            assert parts[0] == "https://" and parts[-1] == "/prod", name
            assert resources[ref_target(parts[1])]["Type"] == arn_types[name], name
        elif name in {e.value for e in DASHBOARD_ENVS}:  # the distribution's origin, then the others
            parts = value["Fn::Join"][1]
            distribution = ref_target(parts[1])
            assert distribution is not None and parts[1] == {"Fn::GetAtt": [distribution, "DomainName"]}
            assert resources[distribution]["Type"] == arn_types[name], name
            assert parts[0] == "https://" and parts[2] == "," + ",".join(DEFAULT_CORS_ORIGINS), name
        elif name in arn_types:  # a Ref to a secret, topic or state machine is its ARN
            assert resources[ref_target(value)]["Type"] == arn_types[name], name
        else:
            assert isinstance(value, str), name
    # The literal values parse back into the model's defaults (references stand in as strings).
    stand_ins = {Env.COGNITO_USER_POOL_ID.value: "us-east-1_Ref", Env.COGNITO_CLIENT_ID.value: "RefClientId"}
    stand_ins |= {e.value: "https://ref.execute-api.us-east-1.amazonaws.com/prod" for e in WEBSOCKET_ENVS}
    stand_ins |= {e.value: "https://d1234.cloudfront.net" for e in DASHBOARD_ENVS}
    environ = {
        name: value if isinstance(value, str) else stand_ins.get(name, f"ref-{name}")
        for name, value in env.items()
    }
    settings = load_settings(spec.settings, environ)
    for field_name, field in spec.settings.model_fields.items():
        if field.alias not in tables and field.alias not in arn_types:
            assert getattr(settings, field_name) == field.get_default(call_default_factory=True), field_name


def test_every_table_variable_is_granted(resources: dict[str, Any]) -> None:
    for spec in FUNCTIONS:
        env = _function(resources, spec)["Environment"]["Variables"]
        assert {name for name in env if name.endswith("_TABLE")} == {e.value for e in spec.tables}


@pytest.mark.parametrize("spec", [s for s in FUNCTIONS if s.schedule], ids=lambda s: s.name)
def test_scheduled_functions_do_not_retry_late(resources: dict[str, Any], spec: FunctionSpec) -> None:
    configs = [
        c["Properties"]
        for c in of_type(resources, "AWS::Lambda::EventInvokeConfig").values()
        if ref_target(c["Properties"]["FunctionName"]) == function_logical_id(spec.name)
    ]
    assert configs == [
        {
            "FunctionName": {"Ref": function_logical_id(spec.name)},
            "MaximumEventAgeInSeconds": 60,
            "MaximumRetryAttempts": 0,
            "Qualifier": "$LATEST",
        }
    ]
