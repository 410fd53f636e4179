"""Stable user ids for the local cloud's Cognito (moto).

Cognito gives every user a random ``sub``, and every item a user owns is partitioned by it. The
local cloud keeps its tables across restarts (``state_dir``) but moto's user pool lives in memory,
so a user re-created after a restart would get a new ``sub`` and lose sight of its own bots (which
would keep trading unseen). :func:`pin_user_id` gives a local user a fixed ``sub`` in moto's
backend (in this process: the local cloud and ``mock_aws`` run moto in-process). Local only; on
AWS ``sub`` is whatever Cognito assigned.
"""

from __future__ import annotations

from local.cloud.errors import LocalCloudError
from local.cloud.moto_runtime import ACCOUNT_ID

__all__ = ["pin_user_id"]


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
