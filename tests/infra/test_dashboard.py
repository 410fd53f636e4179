"""The dashboard: a private bucket behind CloudFront (OAC, HTTPS, SPA fallback, security headers),
the build and a deploy-time ``config.json`` deployed into it, and its origin allowed by the API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from infra import paths
from infra.constants import API_STAGE, DASHBOARD_URL_OUTPUT, DEFAULT_CORS_ORIGINS
from infra.constructs.dashboard import Dashboard, LateString
from infra.dashboard_config import DASHBOARD_CONFIG_FILE, content_security_policy, dashboard_config
from infra.synth import SOURCES, SynthError, synthesize
from infra.wiring import InfraConfigError
from tests.infra.helpers import of_type, ref_target

slow = pytest.mark.slow
MARKER = re.compile(r"<<marker:0xbaba:(\d+)>>")


def only(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    [(name, resource)] = of_type(resources, kind).items()
    return name, resource


def joined(value: Any) -> list[Any]:
    """The parts of an ``Fn::Join`` with separator ``""`` (a plain string is one part)."""
    if isinstance(value, str):
        return [value]
    separator, parts = value["Fn::Join"]
    assert separator == ""
    return list(parts)


def text_of(parts: list[Any]) -> str:
    """The parts with every reference written as ``<Id>`` / ``<Id.Attr>``."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Ref" in part:
            out.append(f"<{part['Ref']}>")
        else:
            out.append("<{}.{}>".format(*part["Fn::GetAtt"]))
    return "".join(out)


@pytest.fixture(scope="module")
def distribution(resources: dict[str, Any]) -> str:
    name, _ = only(resources, "AWS::CloudFront::Distribution")
    return name


def site_deployment(resources: dict[str, Any]) -> dict[str, Any]:
    """The deployment that writes ``config.json`` (and the entry files)."""
    [site] = [
        r["Properties"]
        for r in of_type(resources, "Custom::CDKBucketDeployment").values()
        if r["Properties"].get("SourceMarkers")
    ]
    assert isinstance(site, dict)
    return site


# ---- the runtime configuration (no synthesis)


def test_config_document_has_the_app_keys() -> None:
    config = dashboard_config(
        api_base="https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
        live_transport="websocket",
        live_url="wss://def.execute-api.eu-west-1.amazonaws.com/prod",
        region="eu-west-1",
        user_pool_id="eu-west-1_Abc",
        client_id="client123",
        environment="aws",
    )
    assert config == {
        "apiBase": "https://abc.execute-api.eu-west-1.amazonaws.com/prod",
        "live": {"transport": "websocket", "url": "wss://def.execute-api.eu-west-1.amazonaws.com/prod"},
        "auth": {"region": "eu-west-1", "userPoolId": "eu-west-1_Abc", "clientId": "client123"},
        "environment": "aws",
    }
    assert DASHBOARD_CONFIG_FILE == "config.json"


@pytest.mark.parametrize(("transport", "environment"), [("ws", "aws"), ("sse", "prod")])
def test_config_refuses_unknown_transports_and_environments(transport: str, environment: str) -> None:
    with pytest.raises(ValueError, match="must be one of"):
        dashboard_config(
            api_base="",
            live_transport=transport,  # type: ignore[arg-type]
            live_url="/api/positions/live",
            region="us-east-1",
            user_pool_id="us-east-1_x",
            client_id="c",
            environment=environment,  # type: ignore[arg-type]
        )


def test_csp_allows_only_the_site_and_the_given_sources() -> None:
    csp = content_security_policy(["https://api.example", "wss://ws.example"])
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["connect-src"] == "'self' https://api.example wss://ws.example"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in csp


# ---- building it


def test_a_missing_build_fails_with_what_to_do(tmp_path: Path) -> None:
    stack = Stack(App(), "Scratch")
    with pytest.raises(InfraConfigError, match=r"index\.html is missing; run `make dev`"):
        Dashboard(stack, "Dashboard", dist_dir=tmp_path, config={}, connect_sources=[])


def test_synth_refuses_before_building_anything_without_the_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(paths, "FRONTEND_DIST_DIR", tmp_path / "dist")
    with pytest.raises(
        SynthError, match=r"the dashboard is not built: .*index\.html is missing; run `make dev`"
    ):
        synthesize(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_build_is_a_template_source() -> None:
    assert paths.FRONTEND_DIST_DIR in SOURCES


def test_a_late_value_never_set_fails_synthesis() -> None:
    app = App()
    stack = Stack(app, "Scratch")
    late = LateString("the scratch origin")
    from aws_cdk import CfnOutput

    CfnOutput(stack, "Out", value=late.token)
    with pytest.raises(Exception, match="the scratch origin was never set"):
        app.synth()


@slow
def test_a_build_without_bundles_gets_one_deployment(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<title>x</title>")
    stack = Stack(App(), "Scratch")
    Dashboard(stack, "Dashboard", dist_dir=tmp_path, config={"environment": "aws"}, connect_sources=[])
    deployments = Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment")
    [site] = deployments.values()
    assert site["Properties"]["SystemMetadata"] == {"cache-control": "no-cache"}


# ---- the stack's template


@slow
def test_bucket_is_private_encrypted_tls_only_and_emptied_on_delete(resources: dict[str, Any]) -> None:
    name, bucket = only(resources, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert "WebsiteConfiguration" not in props
    assert bucket["DeletionPolicy"] == "Delete"
    assert of_type(resources, "Custom::S3AutoDeleteObjects")
    [policy] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in of_type(resources, "AWS::S3::BucketPolicy").values()
        if ref_target(p["Properties"]["Bucket"]) == name
    ]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )
    for statement in policy:
        if statement["Effect"] == "Allow":
            assert statement["Principal"] != "*" and statement["Principal"] != {"AWS": "*"}


@slow
def test_cloudfront_reads_the_bucket_through_origin_access_control(
    resources: dict[str, Any], distribution: str
) -> None:
    _, oac = only(resources, "AWS::CloudFront::OriginAccessControl")
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"]) == ("s3", "always")
    [origin] = resources[distribution]["Properties"]["DistributionConfig"]["Origins"]
    assert ref_target(origin["OriginAccessControlId"]) in of_type(
        resources, "AWS::CloudFront::OriginAccessControl"
    )
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    reads = [
        s
        for p in of_type(resources, "AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    ]
    [read] = reads
    assert read["Action"] == "s3:GetObject"
    assert {"Ref": distribution} in read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]


@slow
def test_https_index_and_single_page_app_fallback(resources: dict[str, Any], distribution: str) -> None:
    config = resources[distribution]["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert sorted(
        (e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"], e["ErrorCachingMinTTL"])
        for e in config["CustomErrorResponses"]
    ) == [(403, 200, "/index.html", 0), (404, 200, "/index.html", 0)]


@slow
def test_every_answer_carries_security_headers(resources: dict[str, Any], distribution: str) -> None:
    behavior = resources[distribution]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    policy_id = ref_target(behavior["ResponseHeadersPolicyId"])
    assert policy_id is not None
    headers = resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    csp = text_of(joined(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]))
    [rest_api] = of_type(resources, "AWS::ApiGateway::RestApi")
    [websocket] = of_type(resources, "AWS::ApiGatewayV2::Api")
    suffix = ".execute-api.<AWS::Region>.<AWS::URLSuffix>"
    connect = next(d for d in csp.split("; ") if d.startswith("connect-src "))
    assert connect.split(" ")[1:] == [
        "'self'",
        f"https://<{rest_api}>{suffix}",
        f"wss://<{websocket}>{suffix}",
        "https://cognito-idp.<AWS::Region>.<AWS::URLSuffix>",
    ]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp


@slow
def test_config_json_is_written_at_deploy_time(
    resources: dict[str, Any], cloud_assembly: Path, distribution: str
) -> None:
    site = site_deployment(resources)
    assert site["SystemMetadata"] == {"cache-control": "no-cache"}
    assert ref_target(site["DistributionId"]) == distribution and site["DistributionPaths"] == ["/*"]
    assert site["Prune"] is True and site["Exclude"] == ["assets/*"]
    documents = []
    for key, markers in zip(site["SourceObjectKeys"], site["SourceMarkers"], strict=True):
        folder = cloud_assembly / f"asset.{key.removesuffix('.zip')}"
        if (folder / DASHBOARD_CONFIG_FILE).is_file():
            raw = (folder / DASHBOARD_CONFIG_FILE).read_text()
            for marker, value in markers.items():
                raw = raw.replace(marker, text_of(joined(value)))
            assert not MARKER.search(raw)
            documents.append(json.loads(raw))
        else:
            assert not (folder / DASHBOARD_CONFIG_FILE).exists()  # the build's own copy is left out
    [config] = documents
    [rest_api] = of_type(resources, "AWS::ApiGateway::RestApi")
    [websocket] = of_type(resources, "AWS::ApiGatewayV2::Api")
    [pool] = of_type(resources, "AWS::Cognito::UserPool")
    [client] = of_type(resources, "AWS::Cognito::UserPoolClient")
    suffix = ".execute-api.<AWS::Region>.<AWS::URLSuffix>"
    assert config == {
        "apiBase": f"https://<{rest_api}>{suffix}/{API_STAGE}",
        "live": {"transport": "websocket", "url": f"wss://<{websocket}>{suffix}/prod"},
        "auth": {"region": "<AWS::Region>", "userPoolId": f"<{pool}>", "clientId": f"<{client}>"},
        "environment": "aws",
    }


@slow
def test_hashed_bundles_are_cached_for_a_year(resources: dict[str, Any]) -> None:
    site = site_deployment(resources)
    others = [
        r["Properties"]
        for r in of_type(resources, "Custom::CDKBucketDeployment").values()
        if r["Properties"] is not site
    ]
    if not (paths.FRONTEND_DIST_DIR / "assets").is_dir():
        pytest.skip("this build has no assets/ folder")
    [assets] = others
    assert assets["DestinationBucketKeyPrefix"] == "assets/"
    assert assets["SystemMetadata"] == {"cache-control": "public, max-age=31536000, immutable"}
    assert assets["Prune"] is False


@slow
def test_the_api_allows_the_dashboard_origin(resources: dict[str, Any], distribution: str) -> None:
    origin = f"https://<{distribution}.DomainName>"
    preflights = [
        m["Properties"]["Integration"]["IntegrationResponses"][0]
        for m in of_type(resources, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert preflights
    for response in preflights:
        template = text_of(joined(response["ResponseTemplates"]["application/json"]))
        assert f'$origin == "{origin}"' in template
        default = response["ResponseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        assert default == f"'{DEFAULT_CORS_ORIGINS[0]}'"
    gateway = {
        r["Properties"]["ResponseType"]: r["Properties"]["ResponseParameters"]
        for r in of_type(resources, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(gateway) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for parameters in gateway.values():
        allowed = text_of(joined(parameters["gatewayresponse.header.Access-Control-Allow-Origin"]))
        assert allowed == f"'{origin}'"


@slow
def test_dashboard_url_output(template: dict[str, Any], distribution: str) -> None:
    value = template["Outputs"][DASHBOARD_URL_OUTPUT]["Value"]
    assert text_of(joined(value)) == f"https://<{distribution}.DomainName>"
