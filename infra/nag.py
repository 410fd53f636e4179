"""cdk-nag (v3) on every synth, and the one way to acknowledge a finding: with a written reason."""

from __future__ import annotations

from typing import Final

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

__all__ = ["MIN_REASON_LENGTH", "acknowledge", "add_nag_checks"]

MIN_REASON_LENGTH: Final = 40
"""A reason shorter than this cannot say *why*; it is rejected at synth."""


def add_nag_checks(app: App) -> None:
    """Run the AWS Solutions pack on synth; any unacknowledged finding fails synthesis.

    Acknowledgments are also written into each resource's ``Metadata.cdk_nag`` so the template
    itself carries the audit trail (and tests can check every reason).
    """
    Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, verbose=True, write_suppressions_to_cloud_formation=True)
    )


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Accept ``rule`` (e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope`` for ``reason``."""
    text = " ".join(reason.split())
    if len(text) < MIN_REASON_LENGTH:
        raise ValueError(f"acknowledgment of {rule} needs a specific reason (got {reason!r})")
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=text))
