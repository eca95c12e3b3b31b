"""Fixtures of the documents tests: generated photos and a storage directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from beian.documents.storage import LocalStorage
from tests.documents import face_photos


@pytest.fixture(scope="session")
def portrait() -> np.ndarray:
    """A compliant head-and-shoulders photo on white, about 0.8 megapixels."""
    return face_photos.portrait()


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    """An empty local storage directory."""
    return LocalStorage(tmp_path / "storage")


def stored_files(root: Path) -> list[Path]:
    """Every file under a storage root, temporary ones included."""
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []
