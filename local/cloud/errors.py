"""Typed errors of the local cloud: every one carries a message fit for a user."""

from __future__ import annotations

__all__ = [
    "EnvConflictError",
    "LocalCloudError",
    "ProvisioningError",
    "SampleEventError",
    "ScheduleExpressionError",
    "UnsupportedIntrinsicError",
]


class LocalCloudError(RuntimeError):
    """Base class: the local cloud could not do what was asked; the message says why."""


class ProvisioningError(LocalCloudError):
    """The template asks for something the local cloud cannot create (the message names the resource)."""


class UnsupportedIntrinsicError(ProvisioningError):
    """An intrinsic function (or an attribute of one) that the local resolver does not implement."""


class EnvConflictError(ProvisioningError):
    """Two functions set the same environment variable to different values (the process env is shared)."""


class ScheduleExpressionError(LocalCloudError):
    """A ``rate(...)``/``cron(...)`` expression that is invalid or not supported locally."""


class SampleEventError(LocalCloudError):
    """A sample event file under ``events/`` is missing or not valid JSON."""
