"""Shared paths and a writable copy of the minimal fixture scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "scenarios" / "minimal.yaml"


@pytest.fixture
def scenario_tree(tmp_path: Path) -> Path:
    """A copy of fixtures/ (scenarios/ + content/) that a test may change."""
    shutil.copytree(FIXTURES, tmp_path / "tree")
    return tmp_path / "tree"
