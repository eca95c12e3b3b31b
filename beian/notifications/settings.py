"""Settings of the notification channels, read from BEIAN_* environment variables.

Kept here until the lead folds them into `beian.config.Settings`; the names match so the
move is mechanical.

| variable                          | default      | meaning                                     |
|-----------------------------------|--------------|---------------------------------------------|
| BEIAN_WEBHOOK_URL                 | (empty)      | template-message webhook; empty = disabled  |
| BEIAN_WEBHOOK_SECRET              | dev-secret   | HMAC-SHA256 key of the webhook signature    |
| BEIAN_WEBHOOK_TIMEOUT             | 10           | seconds per webhook request                 |
| BEIAN_SMS_GATEWAY                 | local        | SMS gateway; only "local" is built in       |
| BEIAN_SMS_SENDER                  | beian        | sender of the platform's own SMS            |
| BEIAN_NOTIFY_MAX_ATTEMPTS         | 8            | attempts before a message is marked dead    |
| BEIAN_NOTIFY_BACKOFF_SECONDS      | 30           | delay after the first failed attempt        |
| BEIAN_NOTIFY_BACKOFF_MAX_SECONDS  | 3600         | ceiling of the doubling delay               |
| BEIAN_NOTIFY_LEASE_SECONDS        | 300          | how long a worker holds a claimed message   |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


class SettingsError(ValueError):
    """A notification setting in the environment is unusable."""


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BEIAN_{name}", default)


def _positive_int(name: str, default: int) -> int:
    raw = _env(name, str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"BEIAN_{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"BEIAN_{name} must be greater than 0, got {value}")
    return value


@dataclass(frozen=True)
class NotificationSettings:
    webhook_url: str = field(default_factory=lambda: _env("WEBHOOK_URL", "").strip())
    webhook_secret: str = field(default_factory=lambda: _env("WEBHOOK_SECRET", "dev-secret"))
    webhook_timeout: int = field(default_factory=lambda: _positive_int("WEBHOOK_TIMEOUT", 10))
    sms_gateway: str = field(default_factory=lambda: _env("SMS_GATEWAY", "local").strip())
    sms_sender: str = field(default_factory=lambda: _env("SMS_SENDER", "beian").strip())
    max_attempts: int = field(default_factory=lambda: _positive_int("NOTIFY_MAX_ATTEMPTS", 8))
    backoff_seconds: int = field(
        default_factory=lambda: _positive_int("NOTIFY_BACKOFF_SECONDS", 30)
    )
    backoff_max_seconds: int = field(
        default_factory=lambda: _positive_int("NOTIFY_BACKOFF_MAX_SECONDS", 3600)
    )
    lease_seconds: int = field(default_factory=lambda: _positive_int("NOTIFY_LEASE_SECONDS", 300))


def load_notification_settings() -> NotificationSettings:
    """Read the notification settings from the environment."""
    return NotificationSettings()
