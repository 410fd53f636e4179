"""The dashboard: ``frontend/dist`` in a private S3 bucket behind CloudFront, with its runtime
``config.json`` written at deploy time.

- Bucket: all public access blocked, TLS-only, S3-managed encryption, objects owned by the bucket
  owner; deleted with the stack (it only holds the build: objects are emptied first).
- CloudFront reads it through an origin access control (no public bucket, no website endpoint):
  HTTPS only (HTTP redirects), ``index.html`` at ``/``, and a single-page-app fallback (the bucket's
  403/404 for a client route such as ``/positions`` answers ``/index.html`` with 200).
- Every answer carries security headers: HSTS, ``nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` and a content security policy allowing only this site's own
  scripts, styles and images (plus ``data:`` images) and connections to the API, the WebSocket API
  and Cognito.
- Two deployments: the content-hashed bundles (``assets/``, cached for a year) and then the entry
  files plus ``config.json`` (``no-cache``), which invalidates CloudFront's copies (``/*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, cast

import jsii
from aws_cdk import DefaultStackSynthesizer, Duration, IStableStringProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.constants import (
    DASHBOARD_ASSETS_CACHE_CONTROL,
    DASHBOARD_ASSETS_DIR,
    DASHBOARD_ENTRY_CACHE_CONTROL,
    DASHBOARD_HSTS_SECONDS,
)
from infra.dashboard_config import DASHBOARD_CONFIG_FILE, content_security_policy
from infra.nag import acknowledge
from infra.paths import FRONTEND_BUILD_HINT
from infra.wiring import InfraConfigError

__all__ = ["INDEX_DOCUMENT", "Dashboard", "LateString"]

INDEX_DOCUMENT: Final = "index.html"
DASHBOARD_BUCKET_LOGICAL_ID: Final = "DashboardBucket"
BOOTSTRAP_QUALIFIER_CONTEXT: Final = "@aws-cdk/core:bootstrapQualifier"
_SPA_FALLBACK_STATUSES: Final = (403, 404)
"""What S3 answers through OAC for a path that is no object (403 without ``s3:ListBucket``)."""


@jsii.implements(IStableStringProducer)
class LateString:
    """A string a construct needs before the construct that has it exists (a ``Lazy`` token).

    ``token`` goes where the value is needed; :meth:`set` supplies it before synthesis, which
    fails naming ``what`` if it never was.
    """

    def __init__(self, what: str) -> None:
        self._what = what
        self._value: str | None = None

    @property
    def token(self) -> str:
        return Lazy.string(self)

    def set(self, value: str) -> None:
        self._value = value

    def produce(self) -> str | None:
        if self._value is None:
            raise InfraConfigError(f"{self._what} was never set")
        return self._value


class Dashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dist_dir: Path,
        config: Mapping[str, Any],
        connect_sources: Sequence[str],
    ) -> None:
        """``dist_dir``: the built app (``index.html`` required); ``config``: the ``config.json``
        document (:func:`infra.dashboard_config.dashboard_config`, tokens allowed);
        ``connect_sources``: origins the app may call besides itself (CSP ``connect-src``)."""
        super().__init__(scope, construct_id)
        if not (dist_dir / INDEX_DOCUMENT).is_file():
            raise InfraConfigError(
                f"the dashboard is not built: {dist_dir / INDEX_DOCUMENT} is missing; {FRONTEND_BUILD_HINT}"
            )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        cast(s3.CfnBucket, self.bucket.node.default_child).override_logical_id(DASHBOARD_BUCKET_LOGICAL_ID)
        self.headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="inplay dashboard: HSTS, CSP, nosniff, frame DENY, no referrer",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(connect_sources), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(DASHBOARD_HSTS_SECONDS),
                    include_subdomains=True,
                    override=True,
                ),
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="inplay dashboard",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers_policy,
                compress=True,
            ),
            default_root_object=INDEX_DOCUMENT,
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=status,
                    response_http_status=200,
                    response_page_path=f"/{INDEX_DOCUMENT}",
                    ttl=Duration.seconds(0),
                )
                for status in _SPA_FALLBACK_STATUSES
            ],
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        self.deployments = self._deploy(dist_dir, config)
        self._acknowledge()

    @property
    def domain_name(self) -> str:
        return self.distribution.distribution_domain_name

    @property
    def origin(self) -> str:
        """``https://<id>.cloudfront.net``: the dashboard's origin (CORS) and its URL."""
        return f"https://{self.domain_name}"

    def _deploy(self, dist_dir: Path, config: Mapping[str, Any]) -> list[s3deploy.BucketDeployment]:
        deployments: list[s3deploy.BucketDeployment] = []
        assets = dist_dir / DASHBOARD_ASSETS_DIR
        if assets.is_dir():
            deployments.append(
                s3deploy.BucketDeployment(
                    self,
                    "DeployAssets",
                    sources=[s3deploy.Source.asset(str(assets))],
                    destination_bucket=self.bucket,
                    destination_key_prefix=f"{DASHBOARD_ASSETS_DIR}/",
                    cache_control=[
                        s3deploy.CacheControl.from_string(", ".join(DASHBOARD_ASSETS_CACHE_CONTROL))
                    ],
                    prune=False,  # an open tab may still load the previous build's chunks
                )
            )
        site = s3deploy.BucketDeployment(
            self,
            "DeploySite",
            sources=[
                s3deploy.Source.asset(str(dist_dir), exclude=[DASHBOARD_ASSETS_DIR, DASHBOARD_CONFIG_FILE]),
                s3deploy.Source.json_data(DASHBOARD_CONFIG_FILE, dict(config)),
            ],
            destination_bucket=self.bucket,
            exclude=[f"{DASHBOARD_ASSETS_DIR}/*"],  # neither uploaded nor pruned by this deployment
            cache_control=[s3deploy.CacheControl.from_string(DASHBOARD_ENTRY_CACHE_CONTROL)],
            distribution=self.distribution,
            distribution_paths=["/*"],
        )
        for earlier in deployments:
            site.node.add_dependency(earlier)  # index.html only names bundles already uploaded
        deployments.append(site)
        return deployments

    def _acknowledge(self) -> None:
        acknowledge(
            cast(Construct, self.bucket.node.default_child),
            "AwsSolutions-S1",
            "The bucket holds only the public dashboard build, written by CDK deployments and read "
            "by CloudFront alone (origin access control); there is no user data to audit access to.",
        )
        distribution = cast(Construct, self.distribution.node.default_child)
        for rule, reason in (
            (
                "AwsSolutions-CFR1",
                "No geo restriction: the dashboard is static code behind a sign-in; the API it calls "
                "needs a Cognito token. The user decides where they trade from.",
            ),
            (
                "AwsSolutions-CFR2",
                "No WAF: a web ACL adds a fixed monthly cost to a single-user self-hosted bot whose "
                "distribution serves only static files; the API behind it is throttled and token-checked.",
            ),
            (
                "AwsSolutions-CFR3",
                "No CloudFront access logs: the distribution serves only the static build (no user data, "
                "no tokens in URLs); the API keeps its own access logs.",
            ),
            (
                "AwsSolutions-CFR4",
                "The distribution uses the default *.cloudfront.net certificate, for which CloudFront "
                "cannot enforce a minimum TLS version; a custom domain with TLSv1.2_2021 is a later option.",
            ),
        ):
            acknowledge(distribution, rule, reason)
        self._acknowledge_cdk_helpers()

    def _acknowledge_cdk_helpers(self) -> None:
        """CDK's own functions: the deployment handler (copies the build into the bucket and
        invalidates the distribution) and the bucket's auto-delete provider (empties it on delete)."""
        stack = Stack.of(self)
        helpers = [
            child
            for child in stack.node.children
            if child.node.id.startswith(("Custom::CDKBucketDeployment", "Custom::S3AutoDeleteObjects"))
        ]
        for helper in helpers:
            acknowledge(
                helper,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's own deployment and bucket-emptying functions log with the AWS-maintained basic "
                "execution policy; they run only while the stack deploys or is deleted.",
            )
        qualifier = (
            self.node.try_get_context(BOOTSTRAP_QUALIFIER_CONTEXT)
            or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        )
        deployer = [h for h in helpers if h.node.id.startswith("Custom::CDKBucketDeployment")]
        for helper in deployer:
            acknowledge(
                helper,
                "AwsSolutions-L1",
                "The runtime of CDK's own deployment function is chosen by the CDK version (aws-cdk-lib "
                "is pinned in uv.lock) and moves with it; it runs only while the stack deploys.",
            )
            for finding, reason in (
                *(
                    (
                        f"Action::{action}",
                        "CDK's deployment function copies the build with CDK's standard read grant on the "
                        "asset archive and read/write grant on the dashboard bucket (action families such "
                        "as s3:GetObject* cover object versions and tags); it runs only during deployments.",
                    )
                    for action in (
                        "s3:GetBucket*",
                        "s3:GetObject*",
                        "s3:List*",
                        "s3:Abort*",
                        "s3:DeleteObject*",
                    )
                ),
                (
                    f"Resource::arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*",
                    "The build archive is a CDK asset in the bootstrap asset bucket, under a key named "
                    "by its content hash; the grant is read-only and limited to that bucket's objects.",
                ),
                (
                    f"Resource::<{DASHBOARD_BUCKET_LOGICAL_ID}.Arn>/*",
                    "The deployment writes the dashboard's files and prunes stale ones: objects of the "
                    "dashboard bucket only (object ARNs need the /* wildcard).",
                ),
                (
                    "Resource::*",
                    "CDK's deployment construct grants cloudfront:CreateInvalidation and "
                    "GetInvalidation on * (not configurable); it invalidates only the dashboard's "
                    "distribution, after uploading.",
                ),
            ):
                acknowledge(helper, f"AwsSolutions-IAM5[{finding}]", reason)
