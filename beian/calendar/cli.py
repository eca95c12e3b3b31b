"""Command-line commands of this feature (filled in as the feature lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this feature's sub-commands."""
