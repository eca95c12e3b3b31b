"""Channels built from BEIAN_* settings; bad settings fail with the variable's name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from beian.notifications.channels import (
    LocalSmsChannel,
    RetryPolicy,
    WebhookChannel,
    build_channels,
)
from beian.notifications.settings import NotificationSettings, SettingsError


def test_without_a_webhook_url_template_messages_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEIAN_WEBHOOK_URL", raising=False)
    channels = build_channels()
    assert channels.template is None
    assert isinstance(channels.sms, LocalSmsChannel)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEIAN_WEBHOOK_URL", "https://hooks.example.cn/beian")
    monkeypatch.setenv("BEIAN_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("BEIAN_SMS_SENDER", "10690000")
    monkeypatch.setenv("BEIAN_NOTIFY_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("BEIAN_NOTIFY_LEASE_SECONDS", "120")
    channels = build_channels()
    try:
        assert isinstance(channels.template, WebhookChannel)
        assert channels.template.url == "https://hooks.example.cn/beian"
        assert channels.template.secret == "s3cret"
        assert isinstance(channels.sms, LocalSmsChannel)
        assert channels.sms.default_sender == "10690000"
        assert (channels.policy.max_attempts, channels.policy.lease_seconds) == (5, 120)
    finally:
        channels.close()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BEIAN_NOTIFY_MAX_ATTEMPTS", "many", "BEIAN_NOTIFY_MAX_ATTEMPTS must be a whole number"),
        ("BEIAN_NOTIFY_LEASE_SECONDS", "0", "BEIAN_NOTIFY_LEASE_SECONDS must be greater than 0"),
    ],
)
def test_bad_numbers_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        NotificationSettings()


def test_a_webhook_url_must_be_http() -> None:
    with pytest.raises(SettingsError, match="BEIAN_WEBHOOK_URL must start with http"):
        build_channels(NotificationSettings(webhook_url="ftp://example.cn/hook"))


def test_an_unknown_sms_gateway_is_refused() -> None:
    with pytest.raises(SettingsError, match="BEIAN_SMS_GATEWAY='aliyun' is not built in"):
        build_channels(NotificationSettings(sms_gateway="aliyun"))


def test_backoff_doubles_up_to_the_ceiling() -> None:
    policy = RetryPolicy(backoff_seconds=30, backoff_max_seconds=100)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=100),
        timedelta(seconds=100),
    ]
