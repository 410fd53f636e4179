"""Plain-text renderings and value formatting: signs, decimals, ASCII subjects, the mode first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inplay.alerts.model import Mode
from inplay.alerts.text import (
    format_confidence,
    format_money,
    format_pnl,
    format_size,
    plain_text,
    short_text,
    sns_subject,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [("5.6", "$5.60"), ("0.5600", "$0.56"), ("0.565", "$0.565"), ("-0.8", "-$0.80"), ("12", "$12.00")],
)
def test_money(value: str, text: str) -> None:
    assert format_money(Decimal(value)) == text


@pytest.mark.parametrize(("value", "text"), [("1.2", "+$1.20"), ("-0.80", "-$0.80"), ("0", "$0.00")])
def test_pnl_always_shows_its_sign(value: str, text: str) -> None:
    assert format_pnl(Decimal(value)) == text


def test_size_and_confidence() -> None:
    assert format_size(Decimal("10.00")) == "10 contracts"
    assert format_size(Decimal("1")) == "1 contract"
    assert format_size(Decimal("2.50")) == "2.5 contracts"
    assert format_confidence(Decimal("0.72")) == "72%"
    assert format_confidence(Decimal("0.725")) == "72.5%"
    assert format_confidence(Decimal("1")) == "100%"


def test_subject_is_short_printable_ascii_with_the_mode(entry) -> None:
    subject = sns_subject(entry(title="🏀 Bought BOS\nto win " + "x" * 200))
    assert subject.startswith("[LIVE] info: ")
    assert len(subject) < 100
    assert all(32 <= ord(ch) < 127 for ch in subject)


def test_email_text_says_mode_and_every_fact(exit_alert) -> None:
    text = plain_text(exit_alert("-0.80"))
    first, second = text.splitlines()[:2]
    assert first == "[PAPER] Closed BOS"
    assert second == "Mode: PAPER (simulated, no real money)"
    for fact in ("Entry: $0.56", "Exit: $0.68", "Size: 10 contracts", "P&L: -$0.80", "Reason: take_profit"):
        assert fact in text


def test_short_text_for_sms(exit_alert, order_error) -> None:
    assert short_text(exit_alert("1.20", mode=Mode.LIVE)) == "[LIVE] info: Closed BOS P&L +$1.20"
    line = short_text(order_error(), limit=30)
    assert len(line) == 30 and line.startswith("[LIVE] critical")
