"""moto as the local AWS: an in-process ``ThreadedMotoServer``, or ``mock_aws`` for tests.

**The local cloud owns the process environment while it runs.** :class:`MotoRuntime.start` sets, for
this process (every boto3 client in it, including the handlers run by the Lambda patch):

- ``AWS_ENDPOINT_URL`` = the server's URL, and ``MOTO_PORT`` = its port (moto's Step Functions
  interpreter calls Lambda at ``localhost:$MOTO_PORT``; ``ThreadedMotoServer`` does not set it);
- ``AWS_ACCOUNT_ID_ENDPOINT_MODE=disabled`` (botocore 1.44 would otherwise send DynamoDB Streams
  calls to an account-based host moto does not serve);
- dummy credentials, ``AWS_DEFAULT_REGION``/``AWS_REGION`` = ``us-east-1``; it removes
  ``AWS_PROFILE`` and per-service ``AWS_ENDPOINT_URL_*`` so nothing reaches a real account.

:meth:`MotoRuntime.stop` resets moto's state and restores every variable it changed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import urllib.request
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Final

from local.cloud import ddb_atomic, lambda_patch, streams
from local.cloud.errors import LocalCloudError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from moto.core.config import DefaultConfig

logger = logging.getLogger(__name__)

__all__ = [
    "ACCOUNT_ID",
    "MOTO_CONFIG",
    "REGION",
    "MotoRuntime",
    "aws_environment",
    "local_mock_aws",
]

REGION: Final = "us-east-1"
ACCOUNT_ID: Final = "123456789012"
"""moto's default account, which it uses for any dummy access key."""

MOTO_CONFIG: Final[DefaultConfig] = {
    "stepfunctions": {"execute_state_machine": True},
    # Keep moto's Docker-backed Lambda backend: its single Docker call is what the patch replaces.
    "lambda": {"use_docker": True},
}

_DUMMY_CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_REMOVED_VARIABLES: Final = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def _aws_variables(endpoint_url: str | None, port: int | None) -> dict[str, str | None]:
    variables: dict[str, str | None] = {
        **_DUMMY_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "AWS_ENDPOINT_URL": endpoint_url,
        "MOTO_PORT": str(port) if port is not None else None,
    }
    variables.update(dict.fromkeys(_REMOVED_VARIABLES))
    variables.update(dict.fromkeys(name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")))
    return variables


@contextmanager
def aws_environment(endpoint_url: str | None = None, port: int | None = None) -> Iterator[None]:
    """Set the local-cloud AWS variables (``None`` values are removed); restore them afterwards."""
    wanted = _aws_variables(endpoint_url, port)
    previous = {name: os.environ.get(name) for name in wanted}
    _set_environ(wanted)
    try:
        yield
    finally:
        _set_environ(previous)


def _set_environ(variables: Mapping[str, str | None]) -> None:
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _moto_config() -> dict[str, Any]:
    """The parts of moto's process-wide config that :data:`MOTO_CONFIG` changes."""
    from moto.core.config import default_user_config

    current: dict[str, Any] = dict(default_user_config)
    return {key: dict(current.get(key) or {}) for key in MOTO_CONFIG}


class MotoRuntime:
    """An in-process moto server on ``host:port`` (port 0 = a free port) configured for the local cloud."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1") -> None:
        self._requested_port = port
        self._host = host
        self._server: Any = None
        self._port: int | None = None
        self._restore_env: Any = None
        self._previous_config: dict[str, Any] | None = None
        self._werkzeug_level: int | None = None
        self._atomic_installed_here = False

    @property
    def url(self) -> str:
        if self._port is None:
            raise LocalCloudError("the moto server is not running")
        return f"http://{self._host}:{self._port}"

    @property
    def port(self) -> int:
        if self._port is None:
            raise LocalCloudError("the moto server is not running")
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> str:
        """Start the server, take over the AWS env vars, enable executing Step Functions; return the URL."""
        if self._server is not None:
            return self.url
        from moto.server import ThreadedMotoServer

        self._check_port_free()
        werkzeug_logger = logging.getLogger("werkzeug")
        self._werkzeug_level = werkzeug_logger.level
        werkzeug_logger.setLevel(logging.WARNING)  # one INFO line per AWS call otherwise
        self._atomic_installed_here = not ddb_atomic.is_installed()
        ddb_atomic.install()  # DynamoDB's conditional writes are atomic; moto's are not by itself
        server = ThreadedMotoServer(ip_address=self._host, port=self._requested_port, verbose=False)
        server.start()
        self._server = server
        try:
            self._port = int(server.get_host_and_port()[1])
            env = aws_environment(self.url, self._port)
            env.__enter__()
            self._restore_env = env
            self._previous_config = _moto_config()
            self._post("/moto-api/config", MOTO_CONFIG)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _check_port_free(self) -> None:
        # ThreadedMotoServer.start() waits forever if its server thread cannot bind: check first.
        if self._requested_port == 0:
            return
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self._host, self._requested_port))
            except OSError as exc:
                raise LocalCloudError(
                    f"cannot start the moto server on {self._host}:{self._requested_port}: {exc}"
                ) from exc

    def stop(self) -> None:
        """Reset moto's state, restore its config and the env vars, stop the server (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            if self._port is not None:
                self._post("/moto-api/reset", None)
                if self._previous_config is not None:
                    self._post("/moto-api/config", self._previous_config)
        except OSError as exc:
            logger.warning("could not reset the moto server before stopping it: %s", exc)
        finally:
            server.stop()
            wsgi_server = getattr(server, "_server", None)
            if wsgi_server is not None:
                wsgi_server.server_close()
            if self._restore_env is not None:
                self._restore_env.__exit__(None, None, None)
                self._restore_env = None
            if self._werkzeug_level is not None:
                logging.getLogger("werkzeug").setLevel(self._werkzeug_level)
            if self._atomic_installed_here:
                ddb_atomic.uninstall()
                self._atomic_installed_here = False
            self._port = None

    def _post(self, path: str, body: Any) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://{self._host}:{self._port}{path}",
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "Content-Length": str(len(data))},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def __enter__(self) -> MotoRuntime:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def local_mock_aws(*, patch_lambda: bool = True) -> Iterator[None]:
    """``mock_aws`` configured like the local cloud (executing Step Functions), for tests.

    Also sets the local-cloud AWS variables (without an endpoint URL, so moto intercepts in-process),
    makes DynamoDB conditional writes atomic (:mod:`local.cloud.ddb_atomic`), delivers DynamoDB
    stream records asynchronously after the write commits (:mod:`local.cloud.streams`: call
    ``streams.drain()`` before asserting on a stream consumer's effects) and, by default, installs
    the Lambda patch so handlers really run.
    """
    from moto import mock_aws

    lambdas = lambda_patch.patched() if patch_lambda else nullcontext()
    with (
        aws_environment(None, None),
        mock_aws(config=MOTO_CONFIG),
        ddb_atomic.patched(),
        lambdas,
        streams.patched(),
    ):
        yield
