"""The local cloud on the real template serves the dashboard in CloudFront's place: CloudFront, the
bucket deployment, the auto-delete custom resource and CDK's own functions are skipped with reasons,
/config.json is generated for this cloud, and the api function allows the local origin (CORS)."""

import os

import httpx
import pytest

from infra.constants import DEFAULT_CORS_ORIGINS
from inplay.config import FUNCTIONS, Env
from local.cloud import LocalCloud
from local.cloud.provisioner import SkippedResource

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]


@pytest.fixture(scope="module")
def cloud(template_path, tmp_path_factory):
    frontend = tmp_path_factory.mktemp("dist")
    (frontend / "index.html").write_text("<title>inplay</title>")
    (frontend / "config.json").write_text('{"environment": "from-the-build"}')
    with LocalCloud(template_path, http_port=0, frontend_dir=frontend, schedules_enabled=False) as running:
        yield running


def test_cloudfront_and_the_deployment_are_skipped_with_reasons(cloud):
    skipped = {entry.logical_id: entry for entry in cloud.provisioned.skipped}
    by_type: dict[str, list[SkippedResource]] = {}
    for entry in skipped.values():
        by_type.setdefault(entry.type, []).append(entry)
    for kind in (
        "AWS::CloudFront::Distribution",
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::ResponseHeadersPolicy",
    ):
        [entry] = by_type[kind]
        assert "serves the dashboard" in entry.reason, entry
    assert all("frontend/dist" in e.reason for e in by_type["Custom::CDKBucketDeployment"])
    assert len(by_type["Custom::CDKBucketDeployment"]) >= 1
    [auto_delete] = by_type["Custom::S3AutoDeleteObjects"]
    assert "nothing to empty" in auto_delete.reason
    assert by_type["AWS::S3::BucketPolicy"]
    cdk_functions = by_type["AWS::Lambda::Function"]
    assert sorted(e.reason.split(" custom resources")[0] for e in cdk_functions) == [
        "serves Custom::CDKBucketDeployment",
        "serves Custom::S3AutoDeleteObjects",
    ]
    assert {fn.handler for fn in cloud.provisioned.functions.values()} == {s.handler for s in FUNCTIONS}


def test_config_json_names_this_cloud(cloud):
    with httpx.Client(base_url=cloud.http_url, timeout=15) as http:
        answer = http.get("/config.json")
    assert answer.status_code == 200
    assert answer.json() == {
        "apiBase": "",
        "live": {"transport": "sse", "url": "/api/positions/live"},
        "auth": {
            "region": "us-east-1",
            "userPoolId": cloud.user_pool_id,
            "clientId": cloud.user_pool_client_id,
        },
        "environment": "local",
    }
    assert cloud.live_url.endswith("/api/positions/live")


def test_the_api_allows_the_local_origin(cloud):
    assert os.environ[Env.DASHBOARD_ORIGINS.value] == ",".join([cloud.http_url, *DEFAULT_CORS_ORIGINS])
    with httpx.Client(base_url=cloud.http_url, timeout=15) as http:
        mine = http.get("/api/health", headers={"Origin": cloud.http_url})
        assert mine.status_code == 200
        assert mine.headers["access-control-allow-origin"] == cloud.http_url
        other = http.get("/api/games", headers={"Origin": "https://evil.example"})
        assert other.status_code == 401 and "access-control-allow-origin" not in other.headers
        signed_out = http.get("/api/games", headers={"Origin": cloud.http_url})
        assert signed_out.status_code == 401
        assert signed_out.headers["access-control-allow-origin"] == cloud.http_url
