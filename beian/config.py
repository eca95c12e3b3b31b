"""Settings read from the environment (BEIAN_*), with defaults for the embedded set-up."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"BEIAN_{name}", default)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", "sqlite:///beian.db"))
    storage_dir: Path = field(default_factory=lambda: Path(_env("STORAGE_DIR", "storage")))
    # Secret used to sign template-message webhooks (HMAC-SHA256).
    webhook_secret: str = field(default_factory=lambda: _env("WEBHOOK_SECRET", "dev-secret"))
    # Pepper for verification-code hashes; set a long random value in production.
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", "dev-only-secret-key"))
    # Where the development SMS gateway keeps its outbox ("local") or a real gateway name.
    sms_gateway: str = field(default_factory=lambda: _env("SMS_GATEWAY", "local"))
    # The address applicants and principals reach Beian at: texts name its /verify page.
    public_url: str = field(
        default_factory=lambda: _env("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    )


def load_settings() -> Settings:
    return Settings()
