"""The local cloud's Cognito (moto): users with stable ids, and where the pool's keys are served.

Cognito gives every user a random ``sub``, and every item a user owns is partitioned by it. The
local cloud keeps its tables across restarts (``state_dir``) but moto's user pool lives in memory,
so a user re-created after a restart would get a new ``sub`` and lose sight of its own bots (which
would keep trading unseen). :func:`pin_user_id` gives a local user a fixed ``sub`` in moto's
backend (in this process: the local cloud and ``mock_aws`` run moto in-process). Local only; on
AWS ``sub`` is whatever Cognito assigned.

moto signs its tokens with the ``iss`` of the real AWS pool, so the verifier cannot find the keys
from the token: :data:`JWKS_URL_VARIABLE` tells it (:func:`jwks_url`, moto's server).
"""

from __future__ import annotations

from typing import Any, Final

from local.cloud.errors import LocalCloudError
from local.cloud.moto_runtime import ACCOUNT_ID

__all__ = ["JWKS_URL_VARIABLE", "create_user", "jwks_url", "pin_user_id"]

JWKS_URL_VARIABLE: Final = "INPLAY_JWKS_URL"
"""``inplay.config.Env.JWKS_URL`` (``local.cloud`` does not import ``inplay``; a test checks)."""


def jwks_url(endpoint_url: str, pool_id: str) -> str:
    """The JWKS document moto's server publishes for ``pool_id``."""
    return f"{endpoint_url.rstrip('/')}/{pool_id}/.well-known/jwks.json"


def pin_user_id(pool_id: str, username: str, user_id: str, *, account_id: str = ACCOUNT_ID) -> None:
    """Make ``username``'s ``sub`` (and so its tokens' ``sub``) equal ``user_id``."""
    from moto.cognitoidp.models import cognitoidp_backends

    region = pool_id.split("_", 1)[0]
    try:
        pool = cognitoidp_backends[account_id][region].user_pools[pool_id]
        user = pool.users[username]
    except KeyError as exc:
        raise LocalCloudError(f"no user {username!r} in the local user pool {pool_id}") from exc
    user.id = user_id
    user.update_attributes([{"Name": "sub", "Value": user_id}])


def create_user(
    client: Any, pool_id: str, username: str, password: str, *, user_id: str | None = None
) -> str:
    """Create (or update) ``username`` with a permanent ``password`` in the local pool; its user id
    (``sub``), pinned to ``user_id`` when given. ``client`` is a boto3 ``cognito-idp`` client."""
    from botocore.exceptions import ClientError

    try:
        try:
            client.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "UsernameExistsException":
                raise
        client.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "error")
        raise LocalCloudError(
            f"cannot create the local user {username!r}: {code}: {error.get('Message', '')}"
        ) from exc
    if user_id is not None:
        pin_user_id(pool_id, username, user_id)
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))
