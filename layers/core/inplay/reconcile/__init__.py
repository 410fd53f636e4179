"""Reconciliation: the venue's orders, fills and positions against the store's intents and positions.

Entry points: :func:`reconcile_user` (the ``reconciler`` Lambda, the API, bot stop) and
:func:`start_check` / :func:`unresolved_orphans` (the bot-start pre-flight).
"""

from inplay.reconcile.model import (
    DEFAULT_ACCOUNTS,
    AuditHead,
    MarketBlocks,
    ReconcileAlertError,
    ReconcileControls,
    ReconcileDeps,
    ReconcileSettings,
    ReconcileTrades,
    VenueAccount,
)
from inplay.reconcile.preflight import StartCheck, start_check, unresolved_orphans
from inplay.reconcile.reconciler import reconcile_user, venue_accounts

__all__ = [
    "DEFAULT_ACCOUNTS",
    "AuditHead",
    "MarketBlocks",
    "ReconcileAlertError",
    "ReconcileControls",
    "ReconcileDeps",
    "ReconcileSettings",
    "ReconcileTrades",
    "StartCheck",
    "VenueAccount",
    "reconcile_user",
    "start_check",
    "unresolved_orphans",
    "venue_accounts",
]
