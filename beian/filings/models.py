"""Database models of this feature."""

from __future__ import annotations
