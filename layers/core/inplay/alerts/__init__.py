"""Alerts: the :class:`Alert` model, publishing to SNS, and Discord formatting/delivery.

Producers build an :class:`Alert` (``mode`` is required) and hand it to an :class:`AlertPublisher`
(:class:`SnsAlertPublisher` in AWS). The ``discord_notifier`` function turns each message on the
alerts topic into a Discord embed (:mod:`inplay.alerts.discord`, :mod:`inplay.alerts.notifier`).
"""

from inplay.alerts.model import (
    Alert,
    AlertField,
    AlertKind,
    ErrorDetails,
    MalformedAlertError,
    Mode,
    Severity,
    TradeAction,
    TradeDetails,
    TradeSide,
)
from inplay.alerts.publisher import AlertPublisher, AlertPublishError, RecordingPublisher, SnsAlertPublisher

__all__ = [
    "Alert",
    "AlertField",
    "AlertKind",
    "AlertPublishError",
    "AlertPublisher",
    "ErrorDetails",
    "MalformedAlertError",
    "Mode",
    "RecordingPublisher",
    "Severity",
    "SnsAlertPublisher",
    "TradeAction",
    "TradeDetails",
    "TradeSide",
]
