"""The local cloud: the synthesized CDK template running in one process, no Docker, no AWS account.

``LocalCloud(template_path).start()`` starts, in order: an in-process moto server (which takes
over this process's AWS environment variables, see :mod:`local.cloud.moto_runtime`), asynchronous
DynamoDB stream delivery (:mod:`local.cloud.streams`), the Lambda patch (handlers run in-process),
the provisioner (resources from the template), with ``state_dir`` the DynamoDB state of the last
run (:mod:`local.cloud.persistence`), the functions' environment variables, the HTTP adapter (the
REST API, the WebSocket API as Server-Sent Events with its management API, see
:mod:`local.cloud.live`, and the dashboard: ``frontend/dist`` plus a generated ``/config.json``)
and the scheduler (the template's schedules). :meth:`LocalCloud.stop` undoes all of it.

The dashboard is served by the HTTP adapter in CloudFront's place: same origin as the API
(``apiBase`` ``""``, live updates over SSE), and the dashboard-origin variable the api function
reads (``INPLAY_DASHBOARD_ORIGINS``) names the adapter's own origin instead of the distribution.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from botocore.config import Config

from infra.dashboard_config import dashboard_config
from inplay.config import Env
from local.cloud import lambda_patch, streams
from local.cloud.errors import LocalCloudError
from local.cloud.http_adapter import LIVE_PATH, HttpAdapter, lambda_invoker
from local.cloud.live import MANAGEMENT_PATH, LiveHub
from local.cloud.moto_runtime import REGION, MotoRuntime
from local.cloud.persistence import DynamoPersistence, RestoreSummary
from local.cloud.provisioner import ProvisionedStack, load_template, local_dashboard_origins, provision
from local.cloud.scheduler import Scheduler, boto3_target_invoker

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["DEFAULT_FRONTEND_DIR", "LocalCloud", "LocalCloudError"]

logger = logging.getLogger(__name__)

DEFAULT_FRONTEND_DIR: Final = Path(__file__).resolve().parents[2] / "frontend" / "dist"
_MAX_LAMBDA_TIMEOUT: Final = 900


class LocalCloud:
    """Run the stack of ``template_path`` locally; use as a context manager or call start()/stop().

    ``http_port=0`` and ``moto_port=0`` pick free ports. ``speed`` divides every schedule interval.
    ``env_overrides`` replace function environment variables (e.g. a local ESPN base URL).
    ``state_dir`` keeps the DynamoDB tables across restarts and crashes (``None``: in memory only).
    """

    def __init__(
        self,
        template_path: Path | str,
        *,
        http_port: int = 8000,
        speed: float = 1.0,
        env_overrides: Mapping[str, str] | None = None,
        frontend_dir: Path | None = DEFAULT_FRONTEND_DIR,
        moto_port: int = 0,
        host: str = "127.0.0.1",
        api_prefix: str = "/api",
        max_concurrent_runs: int = 2,
        schedules_enabled: bool = True,
        state_dir: Path | str | None = None,
    ) -> None:
        if speed <= 0:
            raise LocalCloudError(f"speed must be positive, got {speed}")
        self.template_path = Path(template_path)
        self._http_port = http_port
        self._speed = speed
        self._env_overrides = dict(env_overrides or {})
        self._frontend_dir = frontend_dir
        self._moto_port = moto_port
        self._host = host
        self._api_prefix = api_prefix
        self._max_concurrent = max_concurrent_runs
        self._schedules_enabled = schedules_enabled
        self.state_dir = None if state_dir is None else Path(state_dir)
        self._persistence: DynamoPersistence | None = None
        self._streams_installed_here = False
        self.restored: RestoreSummary | None = None
        """What was restored from ``state_dir`` by the last start (``None`` without one)."""
        self._moto: MotoRuntime | None = None
        self._patch_installed_here = False
        self._restore_env: Callable[[], None] | None = None
        self._scheduler: Scheduler | None = None
        self._http: HttpAdapter | None = None
        self._provisioned: ProvisionedStack | None = None
        self.startup_seconds: float | None = None

    # ---- accessors

    @property
    def provisioned(self) -> ProvisionedStack:
        if self._provisioned is None:
            raise LocalCloudError("the local cloud is not running")
        return self._provisioned

    @property
    def moto_url(self) -> str:
        if self._moto is None:
            raise LocalCloudError("the local cloud is not running")
        return self._moto.url

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP adapter (the dashboard at ``/``, the API under ``api_prefix``)."""
        if self._http is None:
            raise LocalCloudError("the local cloud is not running")
        return self._http.url

    @property
    def dashboard_built(self) -> bool:
        """Whether the HTTP adapter has a built dashboard to serve (``frontend/dist/index.html``)."""
        return self._frontend_dir is not None and (self._frontend_dir / "index.html").is_file()

    @property
    def api_url(self) -> str:
        """Base URL of the REST API, e.g. ``http://127.0.0.1:8000/api``."""
        return self.http_url + self._api_prefix.rstrip("/")

    @property
    def live_url(self) -> str:
        """The WebSocket API as Server-Sent Events: ``GET <live_url>?token=<ID token>``."""
        return self.api_url + LIVE_PATH

    @property
    def scheduler(self) -> Scheduler | None:
        return self._scheduler

    @property
    def user_pool_id(self) -> str:
        """The stack's Cognito user pool (moto); its tokens are verified with moto's JWKS."""
        return _only(self.provisioned.user_pools, "user pool")

    @property
    def user_pool_client_id(self) -> str:
        """The stack's app client: sign in through it (``POST /api/auth/sign-in``)."""
        return _only(self.provisioned.user_pool_clients, "user pool app client")

    def create_user(self, username: str, password: str, *, user_id: str | None = None) -> str:
        """Create (or reset) a user of the local pool with a permanent password; return its user
        id, pinned to ``user_id`` when given (so it keeps owning its items across restarts)."""
        import boto3

        from local.cloud.cognito import create_user

        client = boto3.client("cognito-idp", region_name=REGION, endpoint_url=self.moto_url)
        return create_user(client, self.user_pool_id, username, password, user_id=user_id)

    @property
    def running(self) -> bool:
        return self._moto is not None

    # ---- lifecycle

    def start(self) -> LocalCloud:
        """moto server → Lambda patch → provision → env → HTTP adapter → scheduler (all or nothing)."""
        if self._moto is not None:
            return self
        started = time.monotonic()
        template = load_template(self.template_path)
        try:
            self._moto = MotoRuntime(self._moto_port, host=self._host)
            self._moto.start()
            self._streams_installed_here = not streams.is_installed()
            streams.install()
            self._patch_installed_here = not lambda_patch.is_installed()
            lambda_patch.install()
            stack_name = self.template_path.name.split(".")[0] or "Inplay"
            self._provisioned = provision(
                template,
                endpoint_url=self._moto.url,
                env_overrides=self._env_overrides,
                asset_dir=self.template_path.parent,
                stack_name=stack_name,
            )
            if self.state_dir is not None:
                self._persistence = DynamoPersistence(self.state_dir)
                self.restored = self._persistence.open()
            self._restore_env = lambda_patch.apply_environment(self._provisioned.environment)
            import boto3

            longest = max((fn.timeout_seconds for fn in self._provisioned.functions.values()), default=3)
            config = Config(
                read_timeout=min(longest, _MAX_LAMBDA_TIMEOUT) + 30,
                connect_timeout=5,
                retries={"total_max_attempts": 1},
                max_pool_connections=50,
            )
            session = boto3.Session(region_name=REGION)
            lambda_client = session.client("lambda", endpoint_url=self._moto.url, config=config)
            sfn_client = session.client("stepfunctions", endpoint_url=self._moto.url, config=config)
            invoker = lambda_invoker(lambda_client)
            live = LiveHub.from_template(template, self._provisioned, invoker)
            self._http = HttpAdapter(
                self._provisioned.routes,
                invoker,
                host=self._host,
                port=self._http_port,
                frontend_dir=self._frontend_dir,
                api_prefix=self._api_prefix,
                live=live,
                runtime_config=self._dashboard_config(),
            )
            self._http.start()
            origins = self._provisioned.environment.get(Env.DASHBOARD_ORIGINS.value)
            if origins is not None and Env.DASHBOARD_ORIGINS.value not in self._env_overrides:
                # The dashboard is this server, not the distribution (set before anything runs).
                self._restore_env = _chain(
                    lambda_patch.apply_environment(
                        {Env.DASHBOARD_ORIGINS.value: local_dashboard_origins(origins, self._http.url)}
                    ),
                    self._restore_env,
                )
            if live is not None and Env.WS_ENDPOINT.value not in self._env_overrides:
                # The broadcaster posts to this server's management API (before anything runs).
                self._restore_env = _chain(
                    lambda_patch.apply_environment({Env.WS_ENDPOINT.value: self._http.url + MANAGEMENT_PATH}),
                    self._restore_env,
                )
            if self._schedules_enabled:
                self._scheduler = Scheduler(
                    self._provisioned.schedules,
                    boto3_target_invoker(lambda_client, sfn_client),
                    speed=self._speed,
                    max_concurrent=self._max_concurrent,
                )
                self._scheduler.start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        logger.info(
            "local cloud up in %.2f s: moto %s, HTTP %s, %d functions, %d tables, %d schedules",
            self.startup_seconds,
            self._moto.url,
            self._http.url,
            len(self._provisioned.functions),
            len(self._provisioned.tables),
            len(self._provisioned.schedules),
        )
        return self

    def _dashboard_config(self) -> dict[str, Any] | None:
        """The dashboard's ``config.json`` for this cloud (same origin, SSE), or ``None`` when the
        stack has no single user pool and app client to sign in with."""
        stack = self.provisioned
        if len(stack.user_pools) != 1 or len(stack.user_pool_clients) != 1:
            return None
        return dashboard_config(
            api_base="",
            live_transport="sse",
            live_url="/" + f"{self._api_prefix.strip('/')}{LIVE_PATH}".lstrip("/"),
            region=REGION,
            user_pool_id=self.user_pool_id,
            client_id=self.user_pool_client_id,
            environment="local",
        )

    def drain_streams(self, timeout: float = 10.0) -> bool:
        """Wait until every queued DynamoDB stream record was delivered; False on timeout."""
        return streams.drain(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """HTTP adapter → scheduler → stream delivery → journal → env → patch → moto, each step even
        if an earlier one failed. Stream records not yet delivered are dropped."""
        errors: list[BaseException] = []

        def attempt(step: Callable[[], Any]) -> None:
            try:
                step()
            except Exception as exc:
                errors.append(exc)

        http, self._http = self._http, None
        if http is not None:
            attempt(lambda: http.stop(timeout))
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            attempt(lambda: scheduler.stop(timeout))
        if self._streams_installed_here:
            attempt(lambda: streams.uninstall(timeout))
            self._streams_installed_here = False
        persistence, self._persistence = self._persistence, None
        if persistence is not None:
            attempt(persistence.close)
        restore, self._restore_env = self._restore_env, None
        if restore is not None:
            attempt(restore)
        if self._patch_installed_here:
            attempt(lambda_patch.uninstall)
            self._patch_installed_here = False
        moto, self._moto = self._moto, None
        if moto is not None:
            attempt(moto.stop)
        self._provisioned = None
        if errors:
            raise LocalCloudError(f"stopping the local cloud failed: {errors[0]}") from errors[0]

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _only(items: Mapping[str, str], what: str) -> str:
    if len(items) != 1:
        raise LocalCloudError(f"the stack has {len(items)} {what}s; expected exactly one")
    return next(iter(items.values()))


def _chain(*restores: Callable[[], None] | None) -> Callable[[], None]:
    """One restore that runs ``restores`` in order (the last applied first)."""

    def restore() -> None:
        for step in restores:
            if step is not None:
                step()

    return restore
