"""The template's WebSocket APIs (``AWS::ApiGatewayV2::Api``, ``ProtocolType: WEBSOCKET``): their
stage and, per route key, the function its Lambda proxy integration invokes.

The provisioner skips API Gateway v2 resources; the local HTTP adapter serves the routes (as
Server-Sent Events, see :mod:`local.cloud.live`) from what this module reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from local.cloud.errors import ProvisioningError

__all__ = ["WebSocketApiSpec", "websocket_apis"]

API_TYPE: Final = "AWS::ApiGatewayV2::Api"
ROUTE_TYPE: Final = "AWS::ApiGatewayV2::Route"
INTEGRATION_TYPE: Final = "AWS::ApiGatewayV2::Integration"
STAGE_TYPE: Final = "AWS::ApiGatewayV2::Stage"
FUNCTION_TYPE: Final = "AWS::Lambda::Function"
DEFAULT_STAGE: Final = "prod"


@dataclass(frozen=True, slots=True)
class WebSocketApiSpec:
    logical_id: str
    stage: str
    routes: Mapping[str, str]
    """Route key (``$connect`` …) → logical id of the function its integration invokes."""


def websocket_apis(template: Mapping[str, Any]) -> tuple[WebSocketApiSpec, ...]:
    """Every WebSocket API of ``template``; raises :class:`ProvisioningError` for a route whose
    integration is not a Lambda proxy to a function of the template."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return ()
    apis = [
        logical_id
        for logical_id, resource in resources.items()
        if isinstance(resource, Mapping)
        and resource.get("Type") == API_TYPE
        and (resource.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
    ]
    return tuple(
        WebSocketApiSpec(
            logical_id=api,
            stage=_stage(resources, api),
            routes=dict(_routes(resources, api)),
        )
        for api in sorted(apis)
    )


def _of_api(resources: Mapping[str, Any], kind: str, api: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != kind:
            continue
        props = resource.get("Properties") or {}
        if isinstance(props, Mapping) and props.get("ApiId") == {"Ref": api}:
            yield logical_id, props


def _stage(resources: Mapping[str, Any], api: str) -> str:
    names = sorted(
        str(props["StageName"]) for _, props in _of_api(resources, STAGE_TYPE, api) if "StageName" in props
    )
    return names[0] if names else DEFAULT_STAGE


def _routes(resources: Mapping[str, Any], api: str) -> Iterator[tuple[str, str]]:
    for logical_id, props in _of_api(resources, ROUTE_TYPE, api):
        where = f"Resources.{logical_id}"
        key = props.get("RouteKey")
        if not isinstance(key, str):
            raise ProvisioningError(f"{where}.Properties.RouteKey must be a literal string")
        integration = _target_integration(props.get("Target"), where)
        integration_props = (resources.get(integration) or {}).get("Properties") or {}
        if (resources.get(integration) or {}).get("Type") != INTEGRATION_TYPE:
            raise ProvisioningError(f"{where}: target {integration} is not an {INTEGRATION_TYPE}")
        if integration_props.get("IntegrationType") != "AWS_PROXY":
            raise ProvisioningError(
                f"{where}: only Lambda proxy (AWS_PROXY) integrations are served locally, "
                f"not {integration_props.get('IntegrationType')!r}"
            )
        functions = [
            target
            for target in _get_att_targets(integration_props.get("IntegrationUri"))
            if (resources.get(target) or {}).get("Type") == FUNCTION_TYPE
        ]
        if len(functions) != 1:
            raise ProvisioningError(
                f"Resources.{integration}.Properties.IntegrationUri must name exactly one function "
                f"of the template (Fn::GetAtt <function>.Arn)"
            )
        yield key, functions[0]


def _target_integration(target: object, where: str) -> str:
    """``integrations/<id>`` as a literal or ``Fn::Join ["", ["integrations/", {"Ref": id}]]``."""
    if isinstance(target, str) and target.startswith("integrations/"):
        return target.removeprefix("integrations/")
    if isinstance(target, Mapping) and "Fn::Join" in target:
        separator, parts = target["Fn::Join"]
        if separator == "" and len(parts) == 2 and parts[0] == "integrations/":
            ref = parts[1].get("Ref") if isinstance(parts[1], Mapping) else None
            if isinstance(ref, str):
                return ref
    raise ProvisioningError(f"{where}.Properties.Target must be integrations/<integration id>")


def _get_att_targets(value: object) -> Iterator[str]:
    if isinstance(value, Mapping):
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            if isinstance(att, list) and len(att) == 2 and att[1] == "Arn" and isinstance(att[0], str):
                yield att[0]
            return
        for item in value.values():
            yield from _get_att_targets(item)
    elif isinstance(value, list):
        for item in value:
            yield from _get_att_targets(item)
